import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type RecurrentCell, cellForward, rnnInit } from '../cell.js';
import { Module, type ModuleOptions, checkSize } from '../module.js';

/** Options of {@link LSTMCell}. @category Recurrent */
export interface LSTMCellOptions extends ModuleOptions {
  bias?: boolean;
  /** Project h to this size with `weight_hr` (as `torch.nn.LSTM`'s proj_size); 0 for none. */
  projSize?: number;
}

/**
 * An LSTM cell, as `torch.nn.LSTMCell`: gate order i, f, g, o; `weight_ih` [4H, I], `weight_hh` [4H, H]
 * (or [4H, P] with a projection, whose `weight_hr` [P, H] maps o·tanh(c) to h, as `torch.nn.LSTM`).
 * @example
 * ```ts
 * const cell = new LSTMCell(3, 5);
 * const [h, c] = cell.forward(randn([2, 3]));  // zeros initial state
 * ```
 * @category Recurrent
 */
export class LSTMCell extends Module implements RecurrentCell {
  readonly stateSizes: readonly number[];
  /** `weight_ih` */
  get weightIh(): Tensor {
    return this.param('weight_ih');
  }
  /** `weight_hh` */
  get weightHh(): Tensor {
    return this.param('weight_hh');
  }
  /** `bias_ih` */
  get biasIh(): Tensor | null {
    return this.paramOrNull('bias_ih');
  }
  /** `bias_hh` */
  get biasHh(): Tensor | null {
    return this.paramOrNull('bias_hh');
  }
  /** `weight_hr` */
  get weightHr(): Tensor | null {
    return this.paramOrNull('weight_hr');
  }

  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: LSTMCellOptions = {}) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    checkSize(this.name, 'hiddenSize', hiddenSize);
    const proj = opts.projSize ?? 0;
    if (proj) checkSize(this.name, 'projSize', proj);
    const out = proj || hiddenSize;
    this.stateSizes = [out, hiddenSize];
    const init = rnnInit(hiddenSize, opts);
    const bias = opts.bias ?? true;
    this.registerParameter('weight_ih', init([4 * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', init([4 * hiddenSize, out]));
    this.registerParameter('bias_ih', bias ? init([4 * hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? init([4 * hiddenSize]) : null);
    this.registerParameter('weight_hr', proj ? init([proj, hiddenSize]) : null);
  }

  step(x: Tensor, [h, c]: readonly Tensor[]): Tensor[] {
    const z = add(linear(x, this.weightIh, this.biasIh), linear(h!, this.weightHh, this.biasHh)); // [N, 4H]
    const [i, f, g, o] = chunk(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const cNext = add(mul(sigmoid(f), c!), mul(sigmoid(i), tanh(g))); // c' = f*c + i*g
    const hNext = mul(sigmoid(o), tanh(cNext)); // h' = o*tanh(c')
    return [this.weightHr ? linear(hNext, this.weightHr) : hNext, cNext];
  }

  /** The next [h, c] for input [N, I] (or [I]) and state [h, c] (zeros when omitted). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    return cellForward(this, x, state) as [Tensor, Tensor];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}${this.weightHr ? `, proj_size=${this.stateSizes[0]}` : ''}`;
  }
}
