/**
 * A user-defined recurrent cell: the minimal gated unit (MGU) of Zhou, Wu, Zhang and Zhou, "Minimal
 * Gated Unit for Recurrent Neural Networks" (2016), written with tapegrad's public ops only. It
 * implements `nn.RecurrentCell`, so `nn.Recurrent` runs it with any number of layers, both directions
 * and variable lengths, and backpropagation through time needs no code of its own.
 * @module
 */
import { type Tensor, add, chunk, linear, mul, nn, sigmoid, sub, tanh } from '../../index.js';

/**
 * The MGU: one gate where a GRU has two (the forget gate also plays the reset gate).
 *
 *   f  = sigmoid(W_f x + U_f h + b_f)
 *   h~ = tanh(W_h x + U_h (f * h) + b_h)
 *   h' = (1 - f) * h + f * h~
 *
 * Parameters: `weight_ih` [2H, I] (rows of W_f then W_h), `bias` [2H], `weight_hf` [H, H] (U_f) and
 * `weight_hh` [H, H] (U_h), drawn U(-1/sqrt(H), 1/sqrt(H)) as PyTorch's recurrent cells.
 * @example
 * ```ts
 * const cell = new MGUCell(3, 8);
 * const h = cell.forward(randn([4, 3]));                                        // [4, 8]
 * const layer = new nn.Recurrent((i, _l, _r, opts) => new MGUCell(i, 8, opts), 3, { numLayers: 2, bidirectional: true });
 * ```
 */
export class MGUCell extends nn.Module implements nn.RecurrentCell {
  readonly stateSizes: readonly number[];

  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: nn.ModuleOptions = {}) {
    super();
    this.stateSizes = [hiddenSize];
    const init = nn.rnnInit(hiddenSize, opts);
    this.registerParameter('weight_ih', init([2 * hiddenSize, inputSize]));
    this.registerParameter('bias', init([2 * hiddenSize]));
    this.registerParameter('weight_hf', init([hiddenSize, hiddenSize]));
    this.registerParameter('weight_hh', init([hiddenSize, hiddenSize]));
  }

  /** One step on a batch: x [N, I], state [h [N, H]] -> [h' [N, H]]. Parameters are read through `param` so that `functionalCall` can swap them. */
  step(x: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const [fx, nx] = chunk(linear(x, this.param('weight_ih'), this.param('bias')), 2, 1) as [Tensor, Tensor];
    const f = sigmoid(add(fx, linear(h!, this.param('weight_hf'))));
    const candidate = tanh(add(nx, linear(mul(f, h!), this.param('weight_hh'))));
    return [add(mul(sub(1, f), h!), mul(f, candidate))];
  }

  /** PyTorch's cell convention: x [N, I] or [I], h optional (zeros). */
  override forward(x: Tensor, h?: Tensor): Tensor {
    return nn.cellForward(this, x, h ? [h] : undefined)[0]!;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}`;
  }
}
