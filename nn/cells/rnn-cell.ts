import { check } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { relu, tanh } from '../../autograd/ops/unary.js';
import { type RecurrentCell, cellForward, rnnInit } from '../cell.js';
import { Module, type ModuleOptions, checkSize } from '../module.js';

/** Options of {@link RNNCell}. @category Recurrent */
export interface RNNCellOptions extends ModuleOptions {
  bias?: boolean;
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
export class RNNCell extends Module implements RecurrentCell {
  readonly stateSizes: readonly number[];
  readonly nonlinearity: 'tanh' | 'relu';
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

  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: RNNCellOptions = {}) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    checkSize(this.name, 'hiddenSize', hiddenSize);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    check(this.nonlinearity === 'tanh' || this.nonlinearity === 'relu', this.name, () => `nonlinearity must be 'tanh' or 'relu', got ${String(opts.nonlinearity)}`);
    this.stateSizes = [hiddenSize];
    const init = rnnInit(hiddenSize, opts);
    const bias = opts.bias ?? true;
    this.registerParameter('weight_ih', init([hiddenSize, inputSize]));
    this.registerParameter('weight_hh', init([hiddenSize, hiddenSize]));
    this.registerParameter('bias_ih', bias ? init([hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? init([hiddenSize]) : null);
  }

  step(x: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const z = add(linear(x, this.weightIh, this.biasIh), linear(h!, this.weightHh, this.biasHh));
    return [this.nonlinearity === 'tanh' ? tanh(z) : relu(z)];
  }

  /** The next hidden state for input [N, I] (or [I]) and hidden state h (zeros when omitted). */
  forward(x: Tensor, h?: Tensor): Tensor {
    return cellForward(this, x, h ? [h] : undefined)[0]!;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}${this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : ''}`;
  }
}
