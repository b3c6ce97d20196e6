/** The forecasters: a recurrent network over a window of past years, and a linear autoregressive baseline. */
import { type Generator, type Tensor, nn, noGrad, optim, select, tensor } from '../../index.js';

/** A GRU or LSTM that reads a window of past values (z-scored) and predicts the next one. */
export class Forecaster extends nn.Module {
  readonly rnn: nn.GRU | nn.LSTM;
  readonly head: nn.Linear;

  constructor(cell: 'gru' | 'lstm', hidden: number, generator: Generator) {
    super();
    const opts = { batchFirst: true, generator };
    this.rnn = this.registerModule('rnn', cell === 'gru' ? new nn.GRU(1, hidden, opts) : new nn.LSTM(1, hidden, opts));
    this.head = this.registerModule('head', new nn.Linear(hidden, 1, { generator }));
  }

  /** Windows [N, lags, 1] to forecasts [N]: a linear read-out of the last hidden state. */
  override forward(windows: Tensor): Tensor {
    const [out] = this.rnn.forward(windows);
    const last = select(out, 1, out.shape[1]! - 1);
    return this.head.forward(last).reshape([windows.shape[0]!]);
  }
}

/** Windows (arrays of past values) as the [N, lags, 1] input of a {@link Forecaster}. */
export function windowTensor(windows: readonly (readonly number[])[]): Tensor {
  return tensor(windows.map((w) => w.map((v) => [v])));
}

/** Forecasts of a model for many windows, without recording a tape. */
export function predict(model: nn.Module, input: Tensor): number[] {
  model.eval();
  const out = noGrad(() => model.forward(input) as Tensor);
  model.train();
  return Array.from(out.data);
}

/**
 * Fits a linear autoregressive model AR(p), ŷ_t = b + Σ w_k y_{t-k}, by full-batch Adam on the mean
 * squared error (the least-squares fit, reached by gradient descent). Returns the fitted layer and the
 * loss per step.
 */
export function fitAutoregressive(inputs: readonly (readonly number[])[], targets: readonly number[], opts: { steps: number; lr: number; generator: Generator }): { model: nn.Linear; losses: number[] } {
  const lags = inputs[0]!.length;
  const model = new nn.Linear(lags, 1, { generator: opts.generator });
  const X = tensor(inputs as number[][]);
  const y = tensor(targets as number[], { shape: [targets.length, 1] });
  const opt = new optim.Adam(model.parameters(), { lr: opts.lr });
  const sched = new optim.CosineAnnealingLR(opt, { tMax: opts.steps });
  const losses: number[] = [];
  for (let step = 0; step < opts.steps; step++) {
    const loss = nn.mseLoss(model.forward(X), y);
    losses.push(loss.item());
    loss.backward();
    opt.step();
    opt.zeroGrad();
    sched.step();
  }
  return { model, losses };
}

/** Root mean squared error. */
export function rmse(pred: readonly number[], truth: readonly number[]): number {
  return Math.sqrt(pred.reduce((s, p, i) => s + (p - truth[i]!) ** 2, 0) / pred.length);
}
