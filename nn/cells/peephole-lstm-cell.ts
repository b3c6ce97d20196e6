import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type CellOptions, RNNCellBase, cellForward } from '../cell.js';

/**
 * A peephole LSTM cell (Gers & Schmidhuber 2000): gates i and f also see c(t-1), gate o sees c(t),
 * through diagonal peephole vectors `weight_ci`, `weight_cf`, `weight_co` [H]. Gate order and the other
 * parameters as {@link LSTMCell}; with zero peepholes it computes exactly what LSTMCell does.
 * @example
 * ```ts
 * const cell = new PeepholeLSTMCell(3, 5);
 * const [h, c] = cell.forward(randn([2, 3]));
 * ```
 * @category Recurrent
 */
export class PeepholeLSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super(inputSize, hiddenSize, 4, [hiddenSize, hiddenSize], opts, hiddenSize, []);
    for (const k of ['weight_ci', 'weight_cf', 'weight_co']) this.registerParameter(k, this.init([hiddenSize]));
  }

  /** x W_ih^T + b_ih + b_hh: the input's share of the gates, for any number of rows. */
  projectInput(x: Tensor): Tensor {
    return linear(x, this.weightIh, this.biasIh && add(this.biasIh, this.biasHh!));
  }

  step(x: Tensor, state: readonly Tensor[]): Tensor[] {
    return this.stepProjected(this.projectInput(x), state);
  }

  stepProjected(xp: Tensor, [h, c]: readonly Tensor[]): Tensor[] {
    const z = linear(h!, this.weightHh, xp); // h W_hh^T + (x W_ih^T + b_ih + b_hh)
    const [zi, zf, zg, zo] = chunk(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const i = sigmoid(add(zi, mul(this.param('weight_ci'), c!))); // i sees c(t-1)
    const f = sigmoid(add(zf, mul(this.param('weight_cf'), c!))); // f sees c(t-1)
    const cNext = add(mul(f, c!), mul(i, tanh(zg)));
    const o = sigmoid(add(zo, mul(this.param('weight_co'), cNext))); // o sees c(t)
    return [mul(o, tanh(cNext)), cNext];
  }

  /** The next [h, c] for input [N, I] (or [I]) and state [h, c] (zeros when omitted). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    return cellForward(this, x, state) as [Tensor, Tensor];
  }
}
