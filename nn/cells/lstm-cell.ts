import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type CellOptions, RNNCellBase, cellForward } from '../cell.js';
import { check } from '../../core/errors.js';

/** Options of {@link LSTMCell}. @category Recurrent */
export interface LSTMCellOptions extends CellOptions {
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
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMCellOptions = {}) {
    const proj = checkProjSize('LSTMCell', opts?.projSize, hiddenSize);
    super(inputSize, hiddenSize, 4, [proj || hiddenSize, hiddenSize], opts, proj || hiddenSize, ['projSize']);
    this.registerParameter('weight_hr', proj ? this.init([proj, hiddenSize]) : null);
  }

  /** `weight_hr`, or null without a projection */
  get weightHr(): Tensor | null {
    return this.paramOrNull('weight_hr');
  }

  /** x W_ih^T + b_ih + b_hh: the input's share of the gates, for any number of rows. */
  projectInput(x: Tensor): Tensor {
    return linear(x, this.weightIh, this.biasIh && add(this.biasIh, this.biasHh!));
  }

  step(x: Tensor, state: readonly Tensor[]): Tensor[] {
    return this.stepProjected(this.projectInput(x), state);
  }

  stepProjected(xp: Tensor, [h, c]: readonly Tensor[]): Tensor[] {
    const z = linear(h!, this.weightHh, xp); // [N, 4H] = h W_hh^T + (x W_ih^T + b_ih + b_hh)
    const [i, f, g, o] = chunk(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const cNext = add(mul(sigmoid(f), c!), mul(sigmoid(i), tanh(g))); // c' = f*c + i*g
    const hNext = mul(sigmoid(o), tanh(cNext)); // h' = o*tanh(c')
    const proj = this.weightHr;
    return [proj ? linear(hNext, proj) : hNext, cNext];
  }

  /** The next [h, c] for input [N, I] (or [I]) and state [h, c] (zeros when omitted). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    return cellForward(this, x, state) as [Tensor, Tensor];
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.weightHr ? `, proj_size=${this.stateSizes[0]}` : ''}`;
  }
}

/**
 * @internal Validates a projection size as PyTorch does: 0 (none) or an integer in 1..hiddenSize-1
 * (hiddenSize itself must be valid for the bound to be stated).
 */
export function checkProjSize(op: string, projSize: unknown, hiddenSize: number): number {
  const p = projSize ?? 0;
  check(Number.isInteger(p) && (p as number) >= 0, op, () => `projSize must be a non-negative integer (0 for no projection), got ${String(p)}`);
  check(p === 0 || !Number.isInteger(hiddenSize) || (p as number) < hiddenSize, op, () =>
    `projSize must be smaller than hiddenSize (it projects h down), got projSize ${String(p)} and hiddenSize ${hiddenSize}`);
  return p as number;
}
