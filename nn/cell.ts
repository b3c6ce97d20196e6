import { uniform } from '../core/creation.js';
import type { DType } from '../core/dtype.js';
import { asCalledBy, check, checkOptions } from '../core/errors.js';
import type { Generator } from '../core/random.js';
import { fmt } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { zeros } from '../core/creation.js';
import { squeeze, unsqueeze } from '../autograd/ops/shape.js';
import { MODULE_KEYS, Module, type ModuleOptions, checkFlag, checkSize, moduleOptionValues } from './module.js';
import { Tensor as TensorClass } from '../core/tensor.js';

/**
 * The contract of a recurrent cell: what the sequence runner needs to lift it to multi-layer,
 * bidirectional, variable-length layers. A cell is a {@link Module} that holds its parameters and
 * implements one step; backpropagation through time is the tape's ordinary work.
 *
 * - `inputSize`: the features of one step's input, [N, inputSize].
 * - `stateSizes`: the sizes of the state's tensors, one entry per component ([h] for an Elman or GRU
 *   cell, [h, c] for an LSTM). The initial state is zeros of [N, size] unless one is given.
 * - `step(x, state)`: the next state. The output of a step is the state's first component.
 *
 * @example
 * ```ts
 * // A minimal gated unit (Zhou et al. 2016), in full:
 * class MGUCell extends Module implements RecurrentCell {
 *   readonly stateSizes: number[];
 *   readonly weightIh; readonly weightHh; readonly bias;
 *   constructor(readonly inputSize: number, hiddenSize: number, opts: ModuleOptions = {}) {
 *     super();
 *     this.stateSizes = [hiddenSize];
 *     const init = rnnInit(hiddenSize, opts);
 *     this.weightIh = this.registerParameter('weight_ih', init([2 * hiddenSize, inputSize]));
 *     this.weightHh = this.registerParameter('weight_hh', init([2 * hiddenSize, hiddenSize]));
 *     this.bias = this.registerParameter('bias', init([2 * hiddenSize]));
 *   }
 *   step(x: Tensor, [h]: Tensor[]): Tensor[] {
 *     const [fx, nx] = chunk(linear(x, this.weightIh, this.bias), 2, 1);
 *     const [fh, nh] = chunk(linear(h, this.weightHh), 2, 1);
 *     const f = sigmoid(add(fx, fh));                    // forget gate
 *     const n = tanh(add(nx, mul(f, nh)));               // candidate
 *     return [add(mul(sub(1, f), h), mul(f, n))];        // h' = (1-f) h + f n
 *   }
 *   forward(x: Tensor, h?: Tensor) { return cellForward(this, x, h ? [h] : undefined)[0]; }
 * }
 * ```
 * @category Recurrent
 */
export interface RecurrentCell {
  readonly inputSize: number;
  readonly stateSizes: readonly number[];
  step(x: Tensor, state: readonly Tensor[]): Tensor[];
  /**
   * Optional, with {@link RecurrentCell.stepProjected}: the part of a step that reads only the input,
   * [rows, inputSize] -> [rows, P]. The sequence runner applies it to all L·N rows of a sequence at once
   * (one large matmul instead of L small ones, as PyTorch's LSTM does) and then calls `stepProjected` at
   * each step; `step(x, s)` must equal `stepProjected(projectInput(x), s)`.
   */
  projectInput?(x: Tensor): Tensor;
  /** The rest of a step, from a projected input [N, P] (see {@link RecurrentCell.projectInput}). */
  stepProjected?(xp: Tensor, state: readonly Tensor[]): Tensor[];
}

/**
 * PyTorch's initialisation of every recurrent weight and bias, U(-1/sqrt(H), 1/sqrt(H)), as a function of
 * the shape (drawn from the module's generator, in the module's dtype).
 * @example
 * ```ts
 * const init = rnnInit(20, { dtype: 'float64' });
 * const w = init([80, 10]);
 * ```
 * @category Recurrent
 */
export function rnnInit(hiddenSize: number, opts: { dtype?: DType; generator?: Generator } = {}): (shape: number[]) => Tensor {
  checkSize('rnnInit', 'hiddenSize', hiddenSize);
  // A cell hands rnnInit its whole option bag: only dtype and generator are read here, and checked.
  moduleOptionValues('rnnInit', opts);
  const k = 1 / Math.sqrt(hiddenSize);
  return (shape) => uniform(shape, -k, k, { dtype: opts.dtype ?? 'float32', ...(opts.generator ? { generator: opts.generator } : {}) });
}

/**
 * One step of a cell on PyTorch's call convention: an unbatched input [inputSize] or a batch
 * [N, inputSize], a state given or zeros; checks every shape against the cell, naming it.
 * @example
 * ```ts
 * const [h, c] = cellForward(lstmCell, x, [h0, c0]);
 * ```
 * @category Recurrent
 */
export function cellForward(cell: RecurrentCell & { readonly name: string }, x: Tensor, state?: readonly Tensor[]): Tensor[] {
  const op = `${cell.name}.forward`;
  check(x instanceof TensorClass, op, () => `expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
  const unbatched = x.ndim === 1;
  check((x.ndim === 1 || x.ndim === 2) && x.shape[x.ndim - 1] === cell.inputSize, op, () =>
    `expected input of shape (N, ${cell.inputSize}) or (${cell.inputSize}), got ${fmt(x.shape)}`,
  );
  const dtype = cellDType(cell);
  check(x.dtype === (dtype ?? x.dtype) && x.dtype !== 'int32', op, () =>
    `expected a ${dtype ?? 'float'} input (the cell's dtype), got ${x.dtype} ${fmt(x.shape)}` +
    (x.dtype === 'int32' ? `; convert it with .to('${dtype ?? 'float32'}')` : `; convert it with .to('${dtype}') or make the cell with { dtype: '${x.dtype}' }`),
  );
  const xb = unbatched ? unsqueeze(x, 0) : x;
  const n = xb.shape[0]!;
  const sizes = cell.stateSizes;
  const given = state ?? sizes.map((s) => zeros(unbatched ? [s] : [n, s], { dtype: x.dtype }));
  check(Array.isArray(given) && given.length === sizes.length, op, () => stateCountMessage(sizes.length, given, ''));
  const states = given.map((s, i) => {
    check(s instanceof TensorClass, op, () => `state ${i} (${stateNames(sizes.length, '')[i]}) is ${s === null ? 'null' : typeof s}, not a Tensor`);
    const want = unbatched ? [sizes[i]!] : [n, sizes[i]!];
    check(s.ndim === want.length && s.shape.every((d, k) => d === want[k]) && s.dtype === x.dtype, op, () =>
      `state ${i} must be ${x.dtype} ${fmt(want)} for input ${fmt(x.shape)}, got ${s.dtype} ${fmt(s.shape)}`,
    );
    return unbatched ? unsqueeze(s, 0) : s;
  });
  const next = asCalledBy(op, () => cell.step(xb, states));
  return unbatched ? next.map((s) => squeeze(s, 0)) : next;
}

/** @internal The dtype of a cell's parameters (undefined for a cell without any). */
export function cellDType(cell: RecurrentCell): 'float32' | 'float64' | undefined {
  const c = cell as { dtype?: unknown; parameters?: () => Tensor[] };
  if (c.dtype === 'float32' || c.dtype === 'float64') return c.dtype;
  return c.parameters?.()[0]?.dtype as 'float32' | 'float64' | undefined;
}

/** @internal The names of the state's tensors in messages: h, c for an LSTM, state 0, 1, ... beyond. */
export function stateNames(n: number, suffix: string): string[] {
  return n === 1 ? [`h${suffix}`] : n === 2 ? [`h${suffix}`, `c${suffix}`] : Array.from({ length: n }, (_, i) => `s${i}${suffix}`);
}

/** @internal Explains a state given as the wrong container or with the wrong number of tensors. */
export function stateCountMessage(n: number, given: unknown, suffix: string): string {
  const names = stateNames(n, suffix);
  const got = given instanceof TensorClass
    ? 'a single Tensor'
    : Array.isArray(given)
      ? `${given.length} tensor(s)${given.length < n ? ` (${names.slice(given.length).join(', ')} missing)` : ''}`
      : given === null ? 'null' : typeof given;
  return `expected the state as an array [${names.join(', ')}] of ${n} tensor(s), got ${got}`;
}

/** Options of the built-in cells. @category Recurrent */
export interface CellOptions extends ModuleOptions {
  /** Learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
}

/**
 * What PyTorch's built-in cells share (as `torch.nn.RNNCellBase`): `weight_ih` [gates·H, I],
 * `weight_hh` [gates·H, H_in_hidden], optional `bias_ih` and `bias_hh` [gates·H], initialised
 * U(-1/sqrt(H), 1/sqrt(H)) in that order. A subclass adds its own parameters and its `step`.
 * @example
 * ```ts
 * class MyCell extends RNNCellBase {
 *   constructor(i: number, h: number) { super(i, h, 1, [h]); }
 *   step(x: Tensor, [h]: readonly Tensor[]) { return [tanh(add(linear(x, this.weightIh, this.biasIh), linear(h!, this.weightHh, this.biasHh)))]; }
 *   forward(x: Tensor, h?: Tensor) { return cellForward(this, x, h ? [h] : undefined)[0]!; }
 * }
 * ```
 * @category Recurrent
 */
export abstract class RNNCellBase extends Module implements RecurrentCell {
  /** The dtype of the cell's parameters (and of the inputs and states it takes). */
  readonly dtype: 'float32' | 'float64';
  /** Draws a new parameter of the given shape with this cell's initialisation. */
  protected readonly init: (shape: number[]) => Tensor;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    gates: number,
    readonly stateSizes: readonly number[],
    opts: CellOptions = {},
    hiddenInputSize = hiddenSize,
    optionKeys?: readonly string[],
  ) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    checkSize(this.name, 'hiddenSize', hiddenSize);
    // With optionKeys (the built-in cells), an unknown option is refused; a subclass may take its own.
    if (optionKeys) checkOptions(this.name, opts, [...MODULE_KEYS, 'bias', ...optionKeys]);
    this.dtype = moduleOptionValues(this.name, opts);
    checkFlag(this.name, 'bias', opts.bias);
    this.init = rnnInit(hiddenSize, opts);
    const bias = opts.bias ?? true;
    this.registerParameter('weight_ih', this.init([gates * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', this.init([gates * hiddenSize, hiddenInputSize]));
    this.registerParameter('bias_ih', bias ? this.init([gates * hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? this.init([gates * hiddenSize]) : null);
  }

  /** `weight_ih` */
  get weightIh(): Tensor {
    return this.param('weight_ih');
  }
  /** `weight_hh` */
  get weightHh(): Tensor {
    return this.param('weight_hh');
  }
  /** `bias_ih`, or null without bias */
  get biasIh(): Tensor | null {
    return this.paramOrNull('bias_ih');
  }
  /** `bias_hh`, or null without bias */
  get biasHh(): Tensor | null {
    return this.paramOrNull('bias_hh');
  }

  abstract step(x: Tensor, state: readonly Tensor[]): Tensor[];

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}`;
  }
}
