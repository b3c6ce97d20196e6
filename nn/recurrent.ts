import { asCalledBy, check, checkOptions } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { fmt } from '../core/shape.js';
import { type RecurrentCell, cellDType, stateCountMessage } from './cell.js';
import { GRUCell } from './cells/gru-cell.js';
import { LSTMCell, checkProjSize } from './cells/lstm-cell.js';
import { PeepholeLSTMCell } from './cells/peephole-lstm-cell.js';
import { RNNCell } from './cells/rnn-cell.js';
import { Module, type ModuleOptions, checkFlag, checkModuleOptions, checkSize } from './module.js';
import { runRecurrent } from './runner.js';

/** Options of the recurrent layers, as PyTorch's. @category Recurrent */
export interface RecurrentOptions extends ModuleOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout between layers, in training mode only. */
  dropout?: number;
  bidirectional?: boolean;
}

/** Per-call options of a recurrent layer's forward. @category Recurrent */
export interface SequenceOptions {
  /** Each batch element's length: its state stops at its end and its padded outputs are zero. */
  lengths?: readonly number[];
}

/**
 * Makes the cell of one layer and direction from that layer's input size. `opts` carries the layer's
 * `dtype` and `generator`: pass it on to the cell (`(i, l, r, opts) => new GRUCell(i, 16, opts)`) so that
 * a float64 layer gets float64 cells.
 * @category Recurrent
 */
export type CellFactory<C extends Module & RecurrentCell> = (inputSize: number, layer: number, reverse: boolean, opts: ModuleOptions) => C;

const RECURRENT_KEYS = ['dtype', 'generator', 'numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'];

/**
 * What every recurrent layer shares: the cells of each layer and direction (from a factory), their
 * parameters under PyTorch's keys, and {@link RecurrentBase.run} on the sequence runner.
 * @example
 * ```ts
 * class MyLayer extends RecurrentBase<GRUCell> {
 *   constructor() { super((i) => new GRUCell(i, 8), 3); }
 *   forward(x: Tensor) { return this.run(x)[0]; }
 * }
 * ```
 * @category Recurrent
 */
export abstract class RecurrentBase<C extends Module & RecurrentCell = Module & RecurrentCell> extends Module {
  readonly cells: C[][];
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** The dtype of every cell's parameters, and of the inputs and states the layer takes. */
  readonly dtype: 'float32' | 'float64';
  private readonly generator: ModuleOptions['generator'];

  /**
   * `extraKeys`: the option keys a subclass takes beyond {@link RecurrentOptions} (as LSTM's `projSize`);
   * any other key is refused.
   */
  constructor(makeCell: CellFactory<C>, readonly inputSize: number, opts: RecurrentOptions = {}, extraKeys: readonly string[] = []) {
    super();
    const op = this.name;
    check(typeof makeCell === 'function', op, () => `expected a cell factory (inputSize, layer, reverse, opts) => cell, got ${makeCell === null ? 'null' : typeof makeCell}`);
    checkSize(op, 'inputSize', inputSize);
    const dtype = checkModuleOptions(op, opts, [...RECURRENT_KEYS, ...extraKeys]);
    this.numLayers = checkSize(op, 'numLayers', opts.numLayers ?? 1);
    for (const k of ['bias', 'batchFirst', 'bidirectional'] as const) checkFlag(op, k, opts[k]);
    this.bidirectional = opts.bidirectional ?? false;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.generator = opts.generator;
    check(typeof this.dropout === 'number' && this.dropout >= 0 && this.dropout <= 1, op, () => `dropout must be a number in [0, 1], got ${String(opts.dropout)}`);
    const cellOpts: ModuleOptions = { dtype, ...(opts.generator ? { generator: opts.generator } : {}) };
    let layerDType: 'float32' | 'float64' | undefined = opts.dtype === undefined ? undefined : dtype;
    const D = this.bidirectional ? 2 : 1;
    this.cells = [];
    let size = inputSize;
    for (let l = 0; l < this.numLayers; l++) {
      const row: C[] = [];
      for (let d = 0; d < D; d++) {
        const cell = asCalledBy(op, () => makeCell(size, l, d === 1, { ...cellOpts }));
        const where = `the cell made for layer ${l}${d ? ' (reverse)' : ''}`;
        check(cell instanceof Module && typeof cell.step === 'function' && Array.isArray(cell.stateSizes), op, () =>
          `${where} is not a recurrent cell (a Module with inputSize, stateSizes and step)`);
        check(cell.inputSize === size, op, () => `${where} (${cell.name}) takes ${cell.inputSize} features, expected ${size}`);
        const cd = cellDType(cell);
        if (layerDType === undefined) layerDType = cd;
        check(cd === undefined || cd === layerDType, op, () =>
          `${where} (${cell.name}) has ${cd} parameters, but the layer is ${layerDType}` +
          `${opts.dtype === undefined ? ' (the dtype of its first cell)' : ''}: make each cell with the options the factory ` +
          `receives, as (inputSize, layer, reverse, opts) => new ${cell.name}(inputSize, hiddenSize, opts)`);
        row.push(this.registerModule(`l${l}${d ? '_reverse' : ''}`, cell));
      }
      this.cells.push(row);
      size = D * row[0]!.stateSizes[0]!;
    }
    this.dtype = layerDType ?? dtype;
  }

  /** PyTorch's flat keys: the cell's `weight_ih` in layer 1's reverse direction is `weight_ih_l1_reverse`. */
  protected override childKey(child: string, key: string): string {
    return `${key.replace(/\./g, '_')}_${child}`;
  }

  /** Runs the sequence: `[output, finalState]`, one final-state tensor per state component. */
  run(x: Tensor, state?: readonly Tensor[] | null, opts: SequenceOptions = {}): [Tensor, Tensor[]] {
    const op = `${this.name}.forward`;
    if (state === null) state = undefined; // as PyTorch's hx=None: zeros
    check(x instanceof Tensor, op, () => `expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
    check(x.dtype === this.dtype, op, () =>
      `expected a ${this.dtype} input (the layer's dtype), got ${x.dtype} ${fmt(x.shape)}; convert it with .to('${this.dtype}')` +
      (x.dtype === 'int32' ? '' : ` or make the layer with { dtype: '${x.dtype}' }`));
    checkOptions(op, opts, ['lengths']);
    const n = this.cells[0]![0]!.stateSizes.length;
    check(state === undefined || (Array.isArray(state) && state.length === n), op, () => `initial state: ${stateCountMessage(n, state, '0')}`);
    return asCalledBy(op, () => runRecurrent(op, this.cells, x, {
      batchFirst: this.batchFirst,
      ...(opts.lengths ? { lengths: opts.lengths } : {}),
      ...(state ? { initialState: state } : {}),
      dropout: this.dropout,
      training: this.training,
      ...(this.generator ? { generator: this.generator } : {}),
    }));
  }

  /** As PyTorch prints it: the layer's arguments, not its cells. */
  override toString(): string {
    return `${this.name}(${this.extraRepr()})`;
  }

  override extraRepr(): string {
    const c = this.cells[0]![0]!;
    const parts = [`${this.inputSize}, ${c.stateSizes[c.stateSizes.length - 1]}`];
    if (this.numLayers > 1) parts.push(`num_layers=${this.numLayers}`);
    if (this.batchFirst) parts.push('batch_first=True');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=True');
    return parts.join(', ');
  }
}

/**
 * Lifts any cell to a multi-layer, optionally bidirectional layer on the sequence runner; its
 * parameters are the cells' own, named as PyTorch names them (`weight_ih_l0`, `weight_hh_l1_reverse`).
 * `forward(x, state?, {lengths})` returns `[output, finalState]` with one tensor per state component.
 * @example
 * ```ts
 * const layer = new Recurrent((inputSize, _layer, _reverse, opts) => new MGUCell(inputSize, 16, opts), 8, { numLayers: 2, bidirectional: true });
 * const [out, [hN]] = layer.forward(randn([10, 4, 8]));   // out [10, 4, 32], hN [4, 4, 16]
 * ```
 * @category Recurrent
 */
export class Recurrent<C extends Module & RecurrentCell = Module & RecurrentCell> extends RecurrentBase<C> {
  forward(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor[]] {
    return this.run(x, state, opts);
  }
}

/** The options a built-in layer hands its cells: the layer's dtype and generator, and bias. */
function cellOptions(opts: RecurrentOptions | undefined, fromFactory: ModuleOptions): ModuleOptions & { bias?: boolean } {
  return { ...fromFactory, ...(opts?.bias === undefined ? {} : { bias: opts.bias }) };
}

/** The RNN's nonlinearity, checked under the layer's name before any cell is made. */
function rnnNonlinearity(opts: { nonlinearity?: unknown } | undefined): { nonlinearity?: 'tanh' | 'relu' } {
  const n = opts && typeof opts === 'object' ? opts.nonlinearity : undefined;
  check(n === undefined || n === 'tanh' || n === 'relu', 'RNN', () => `nonlinearity must be 'tanh' or 'relu', got ${String(n)}`);
  return n ? { nonlinearity: n as 'tanh' | 'relu' } : {};
}

/**
 * A multi-layer Elman RNN, as `torch.nn.RNN`: `forward(x, h0?)` returns `[output, hN]`.
 * @example
 * ```ts
 * const rnn = new RNN(3, 8, { numLayers: 2, nonlinearity: 'relu' });
 * const [out, hN] = rnn.forward(randn([5, 2, 3]));   // out [5, 2, 8], hN [2, 2, 8]
 * ```
 * @category Recurrent
 */
export class RNN extends RecurrentBase<RNNCell> {
  constructor(inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    checkSize('RNN', 'hiddenSize', hiddenSize);
    const nl = rnnNonlinearity(opts);
    super((i, _l, _r, o) => new RNNCell(i, hiddenSize, { ...cellOptions(opts, o), ...nl }), inputSize, opts, ['nonlinearity']);
  }

  forward(x: Tensor, h0?: Tensor | readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, h0 !== undefined && h0 !== null ? (Array.isArray(h0) ? h0 : [h0 as Tensor]) : undefined, opts);
    return [out, h!];
  }
}

/**
 * A multi-layer LSTM, as `torch.nn.LSTM` (with `projSize` for projections): `forward(x, [h0, c0]?)`
 * returns `[output, [hN, cN]]`.
 * @example
 * ```ts
 * const lstm = new LSTM(3, 8, { bidirectional: true, batchFirst: true });
 * const [out, [hN, cN]] = lstm.forward(randn([2, 5, 3]));  // out [2, 5, 16], hN [2, 2, 8]
 * ```
 * @category Recurrent
 */
export class LSTM extends RecurrentBase<LSTMCell> {
  constructor(inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions & { projSize?: number } = {}) {
    checkSize('LSTM', 'hiddenSize', hiddenSize);
    const proj = checkProjSize('LSTM', opts && typeof opts === 'object' ? opts.projSize : undefined, hiddenSize);
    super((i, _l, _r, o) => new LSTMCell(i, hiddenSize, { ...cellOptions(opts, o), ...(proj ? { projSize: proj } : {}) }), inputSize, opts, ['projSize']);
  }

  forward(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.run(x, state, opts);
    return [out, [h!, c!]];
  }
}

/**
 * A multi-layer GRU in PyTorch's form, as `torch.nn.GRU`: `forward(x, h0?)` returns `[output, hN]`.
 * @example
 * ```ts
 * const gru = new GRU(3, 8, { numLayers: 2 });
 * const [out, hN] = gru.forward(randn([5, 2, 3]));
 * ```
 * @category Recurrent
 */
export class GRU extends RecurrentBase<GRUCell> {
  constructor(inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions = {}) {
    checkSize('GRU', 'hiddenSize', hiddenSize);
    super((i, _l, _r, o) => new GRUCell(i, hiddenSize, cellOptions(opts, o)), inputSize, opts);
  }

  forward(x: Tensor, h0?: Tensor | readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, h0 !== undefined && h0 !== null ? (Array.isArray(h0) ? h0 : [h0 as Tensor]) : undefined, opts);
    return [out, h!];
  }
}

/**
 * A multi-layer peephole LSTM (Gers & Schmidhuber) on the same runner: `forward(x, [h0, c0]?)` returns
 * `[output, [hN, cN]]`; keys as LSTM's plus `weight_ci_l0`, `weight_cf_l0`, `weight_co_l0`.
 * @example
 * ```ts
 * const layer = new PeepholeLSTM(3, 8);
 * const [out, [hN, cN]] = layer.forward(randn([5, 2, 3]));
 * ```
 * @category Recurrent
 */
export class PeepholeLSTM extends RecurrentBase<PeepholeLSTMCell> {
  constructor(inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions = {}) {
    checkSize('PeepholeLSTM', 'hiddenSize', hiddenSize);
    super((i, _l, _r, o) => new PeepholeLSTMCell(i, hiddenSize, cellOptions(opts, o)), inputSize, opts);
  }

  forward(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.run(x, state, opts);
    return [out, [h!, c!]];
  }
}
