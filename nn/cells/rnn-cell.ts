import { check } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { relu, tanh } from '../../autograd/ops/unary.js';
import { type CellOptions, RNNCellBase, cellForward } from '../cell.js';

/** Options of {@link RNNCell}. @category Recurrent */
export interface RNNCellOptions extends CellOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * An Elman RNN cell, as `torch.nn.RNNCell`: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).
 * @example
 * ```ts
 * const cell = new RNNCell(3, 5);
 * const h = cell.forward(randn([2, 3]));   // [2, 5]
 * ```
 * @category Recurrent
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 1, [hiddenSize], opts, hiddenSize, ['nonlinearity']);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    check(this.nonlinearity === 'tanh' || this.nonlinearity === 'relu', this.name, () => `nonlinearity must be 'tanh' or 'relu', got ${String(opts.nonlinearity)}`);
  }

  /** x W_ih^T + b_ih + b_hh, for any number of rows. */
  projectInput(x: Tensor): Tensor {
    return linear(x, this.weightIh, this.biasIh && add(this.biasIh, this.biasHh!));
  }

  step(x: Tensor, state: readonly Tensor[]): Tensor[] {
    return this.stepProjected(this.projectInput(x), state);
  }

  stepProjected(xp: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const z = linear(h!, this.weightHh, xp); // h W_hh^T + (x W_ih^T + b_ih + b_hh)
    return [this.nonlinearity === 'tanh' ? tanh(z) : relu(z)];
  }

  /** The next hidden state for input [N, I] (or [I]) and hidden state h (zeros when omitted). */
  forward(x: Tensor, h?: Tensor): Tensor {
    return cellForward(this, x, h !== undefined && h !== null ? [h] : undefined)[0]!;
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : ''}`;
  }
}
