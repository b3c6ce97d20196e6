import type { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type RecurrentCell, cellForward, rnnInit } from '../cell.js';
import { Module, type ModuleOptions, checkSize } from '../module.js';

/**
 * A GRU cell in PyTorch's form (`torch.nn.GRUCell`): gate order r, z, n, and the reset gate applied
 * after the hidden matmul and its bias: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
 * @example
 * ```ts
 * const cell = new GRUCell(3, 5);
 * const h = cell.forward(randn([2, 3]));
 * ```
 * @category Recurrent
 */
export class GRUCell extends Module implements RecurrentCell {
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

  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: ModuleOptions & { bias?: boolean } = {}) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    checkSize(this.name, 'hiddenSize', hiddenSize);
    this.stateSizes = [hiddenSize];
    const init = rnnInit(hiddenSize, opts);
    const bias = opts.bias ?? true;
    this.registerParameter('weight_ih', init([3 * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', init([3 * hiddenSize, hiddenSize]));
    this.registerParameter('bias_ih', bias ? init([3 * hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? init([3 * hiddenSize]) : null);
  }

  step(x: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const [xr, xz, xn] = chunk(linear(x, this.weightIh, this.biasIh), 3, 1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = chunk(linear(h!, this.weightHh, this.biasHh), 3, 1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn))); // reset after the hidden matmul and its bias
    return [add(n, mul(z, sub(h!, n)))]; // h' = (1 - z) n + z h
  }

  /** The next hidden state for input [N, I] (or [I]) and h (zeros when omitted). */
  forward(x: Tensor, h?: Tensor): Tensor {
    return cellForward(this, x, h ? [h] : undefined)[0]!;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}`;
  }
}
