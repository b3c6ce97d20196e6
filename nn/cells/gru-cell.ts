import type { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type CellOptions, RNNCellBase, cellForward } from '../cell.js';

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
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super(inputSize, hiddenSize, 3, [hiddenSize], opts, hiddenSize, []);
  }

  /** x W_ih^T + b_ih, for any number of rows (b_hh stays with the hidden matmul, which r scales). */
  projectInput(x: Tensor): Tensor {
    return linear(x, this.weightIh, this.biasIh);
  }

  step(x: Tensor, state: readonly Tensor[]): Tensor[] {
    return this.stepProjected(this.projectInput(x), state);
  }

  stepProjected(xp: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const [xr, xz, xn] = chunk(xp, 3, 1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = chunk(linear(h!, this.weightHh, this.biasHh), 3, 1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn))); // reset after the hidden matmul and its bias
    return [add(n, mul(z, sub(h!, n)))]; // h' = (1 - z) n + z h
  }

  /** The next hidden state for input [N, I] (or [I]) and h (zeros when omitted). */
  forward(x: Tensor, h?: Tensor): Tensor {
    return cellForward(this, x, h !== undefined && h !== null ? [h] : undefined)[0]!;
  }
}
