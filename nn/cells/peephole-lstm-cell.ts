import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../autograd/ops/arithmetic.js';
import { linear } from '../../autograd/ops/linalg.js';
import { chunk } from '../../autograd/ops/shape.js';
import { sigmoid, tanh } from '../../autograd/ops/unary.js';
import { type RecurrentCell, cellForward, rnnInit } from '../cell.js';
import { Module, type ModuleOptions, checkSize } from '../module.js';

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
export class PeepholeLSTMCell extends Module implements RecurrentCell {
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
  /** `weight_ci` */
  get weightCi(): Tensor {
    return this.param('weight_ci');
  }
  /** `weight_cf` */
  get weightCf(): Tensor {
    return this.param('weight_cf');
  }
  /** `weight_co` */
  get weightCo(): Tensor {
    return this.param('weight_co');
  }

  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: ModuleOptions & { bias?: boolean } = {}) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    checkSize(this.name, 'hiddenSize', hiddenSize);
    this.stateSizes = [hiddenSize, hiddenSize];
    const init = rnnInit(hiddenSize, opts);
    const bias = opts.bias ?? true;
    this.registerParameter('weight_ih', init([4 * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', init([4 * hiddenSize, hiddenSize]));
    this.registerParameter('bias_ih', bias ? init([4 * hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? init([4 * hiddenSize]) : null);
    this.registerParameter('weight_ci', init([hiddenSize]));
    this.registerParameter('weight_cf', init([hiddenSize]));
    this.registerParameter('weight_co', init([hiddenSize]));
  }

  step(x: Tensor, [h, c]: readonly Tensor[]): Tensor[] {
    const z = add(linear(x, this.weightIh, this.biasIh), linear(h!, this.weightHh, this.biasHh));
    const [zi, zf, zg, zo] = chunk(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const i = sigmoid(add(zi, mul(this.weightCi, c!))); // i sees c(t-1)
    const f = sigmoid(add(zf, mul(this.weightCf, c!))); // f sees c(t-1)
    const cNext = add(mul(f, c!), mul(i, tanh(zg)));
    const o = sigmoid(add(zo, mul(this.weightCo, cNext))); // o sees c(t)
    return [mul(o, tanh(cNext)), cNext];
  }

  /** The next [h, c] for input [N, I] (or [I]) and state [h, c] (zeros when omitted). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    return cellForward(this, x, state) as [Tensor, Tensor];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}`;
  }
}
