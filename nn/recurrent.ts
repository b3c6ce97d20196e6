import { check } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { RecurrentCell } from './cell.js';
import { GRUCell } from './cells/gru-cell.js';
import { LSTMCell } from './cells/lstm-cell.js';
import { PeepholeLSTMCell } from './cells/peephole-lstm-cell.js';
import { RNNCell } from './cells/rnn-cell.js';
import { Module, type ModuleOptions, checkSize } from './module.js';
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

/** Makes the cell of one layer and direction from that layer's input size. @category Recurrent */
export type CellFactory<C extends Module & RecurrentCell> = (inputSize: number, layer: number, reverse: boolean) => C;

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
  private readonly generator: ModuleOptions['generator'];

  constructor(makeCell: CellFactory<C>, readonly inputSize: number, opts: RecurrentOptions = {}) {
    super();
    checkSize(this.name, 'inputSize', inputSize);
    this.numLayers = checkSize(this.name, 'numLayers', opts.numLayers ?? 1);
    this.bidirectional = opts.bidirectional ?? false;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.generator = opts.generator;
    check(this.dropout >= 0 && this.dropout <= 1, this.name, () => `dropout must be in [0, 1], got ${opts.dropout}`);
    const D = this.bidirectional ? 2 : 1;
    this.cells = [];
    let size = inputSize;
    for (let l = 0; l < this.numLayers; l++) {
      const row: C[] = [];
      for (let d = 0; d < D; d++) {
        const cell = makeCell(size, l, d === 1);
        check(cell.inputSize === size, this.name, () => `the cell for layer ${l} takes ${cell.inputSize} features, expected ${size}`);
        row.push(this.registerModule(`l${l}${d ? '_reverse' : ''}`, cell));
      }
      this.cells.push(row);
      size = D * row[0]!.stateSizes[0]!;
    }
  }

  /** PyTorch's flat keys: the cell's `weight_ih` in layer 1's reverse direction is `weight_ih_l1_reverse`. */
  protected override childKey(child: string, key: string): string {
    return `${key.replace(/\./g, '_')}_${child}`;
  }

  /** Runs the sequence: `[output, finalState]`, one final-state tensor per state component. */
  run(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor[]] {
    return runRecurrent(this.name, this.cells, x, {
      batchFirst: this.batchFirst,
      ...(opts.lengths ? { lengths: opts.lengths } : {}),
      ...(state ? { initialState: state } : {}),
      dropout: this.dropout,
      training: this.training,
      ...(this.generator ? { generator: this.generator } : {}),
    });
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
 * const layer = new Recurrent((inputSize) => new MGUCell(inputSize, 16), 8, { numLayers: 2, bidirectional: true });
 * const [out, [hN]] = layer.forward(randn([10, 4, 8]));   // out [10, 4, 32], hN [4, 4, 16]
 * ```
 * @category Recurrent
 */
export class Recurrent<C extends Module & RecurrentCell = Module & RecurrentCell> extends RecurrentBase<C> {
  forward(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor[]] {
    return this.run(x, state, opts);
  }
}

function withoutModuleOpts(opts: RecurrentOptions): ModuleOptions & { bias?: boolean } {
  return { ...(opts.dtype ? { dtype: opts.dtype } : {}), ...(opts.generator ? { generator: opts.generator } : {}), ...(opts.bias === undefined ? {} : { bias: opts.bias }) };
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
    super((i) => new RNNCell(i, hiddenSize, { ...withoutModuleOpts(opts), ...(opts.nonlinearity ? { nonlinearity: opts.nonlinearity } : {}) }), inputSize, opts);
  }

  forward(x: Tensor, h0?: Tensor | readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, h0 ? (Array.isArray(h0) ? h0 : [h0 as Tensor]) : undefined, opts);
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
    super((i) => new LSTMCell(i, hiddenSize, { ...withoutModuleOpts(opts), ...(opts.projSize ? { projSize: opts.projSize } : {}) }), inputSize, opts);
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
    super((i) => new GRUCell(i, hiddenSize, withoutModuleOpts(opts)), inputSize, opts);
  }

  forward(x: Tensor, h0?: Tensor | readonly Tensor[], opts: SequenceOptions = {}): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, h0 ? (Array.isArray(h0) ? h0 : [h0 as Tensor]) : undefined, opts);
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
    super((i) => new PeepholeLSTMCell(i, hiddenSize, withoutModuleOpts(opts)), inputSize, opts);
  }

  forward(x: Tensor, state?: readonly Tensor[], opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.run(x, state, opts);
    return [out, [h!, c!]];
  }
}
