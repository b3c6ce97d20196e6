import { tensor, zeros } from '../core/creation.js';
import { check, checkOptions } from '../core/errors.js';
import type { Generator } from '../core/random.js';
import { getBackend } from '../core/kernels/index.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { where } from '../autograd/ops/arithmetic.js';
import { concat, reshape, squeeze, stack, transpose, unbind, unsqueeze } from '../autograd/ops/shape.js';
import { type RecurrentCell, stateCountMessage } from './cell.js';
import { dropout } from './layers.js';

/** Options of {@link runRecurrent}. @category Recurrent */
export interface RunOptions {
  /** Input and output are (N, L, features) instead of (L, N, features). */
  batchFirst?: boolean;
  /** Each sequence's length (one per batch element, 1..L): states stop at each end, padded outputs are zero. */
  lengths?: readonly number[];
  /** One tensor per state component, each (D*numLayers, N, size), layer-major, direction-minor; zeros when absent. */
  initialState?: readonly Tensor[];
  /** Dropout on the outputs of every layer but the last (applied only when `training`). */
  dropout?: number;
  training?: boolean;
  generator?: Generator;
}

/**
 * Runs a stack of cells over a sequence, as the recurrent layers of PyTorch do: `cells[layer][direction]`
 * with one or two directions. Input (L, N, H_in) (or (N, L, H_in) with `batchFirst`, or unbatched
 * (L, H_in)); returns `[output, finalState]` with output (L, N, D*H_out) and one (D*numLayers, N, size)
 * tensor per state component. The reverse direction reads the sequence backwards from each sequence's
 * own end, and its final state is its value at t = 0. Backpropagation through time is ordinary backward.
 * @example
 * ```ts
 * const cells = [[new GRUCell(3, 8)], [new GRUCell(8, 8)]];
 * const [out, [hN]] = runRecurrent('myGRU', cells, randn([20, 4, 3]));  // out [20, 4, 8], hN [2, 4, 8]
 * ```
 * @category Recurrent
 */
export function runRecurrent(op: string, cells: readonly (readonly RecurrentCell[])[], input: Tensor, opts: RunOptions = {}): [Tensor, Tensor[]] {
  check(typeof op === 'string', 'runRecurrent', () => `op must be the name to report errors under, got ${typeof op}`);
  checkOptions(op, opts, ['batchFirst', 'lengths', 'initialState', 'dropout', 'training', 'generator']);
  check(isLayers(cells), op, () =>
    'cells must be a non-empty array of layers, each an array of 1 or 2 cells (one per direction), all layers alike');
  check(input instanceof Tensor, op, () => `expected a Tensor input, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  check(opts.lengths === undefined || Array.isArray(opts.lengths), op, () => `lengths must be an array of integers, one per batch element, got ${typeof opts.lengths}`);
  const numLayers = cells.length;
  const D = cells[0]!.length;
  const first = cells[0]![0]!;
  const sizes = first.stateSizes;
  const unbatched = input.ndim === 2;
  check(input.ndim === 3 || unbatched, op, () =>
    `expected input of shape ${opts.batchFirst ? '(N, L, H_in)' : '(L, N, H_in)'} or (L, H_in) with H_in = ${first.inputSize}, got ${fmt(input.shape)}`,
  );
  check(input.shape[input.ndim - 1] === first.inputSize, op, () =>
    `input has ${input.shape[input.ndim - 1]} features (shape ${fmt(input.shape)}), expected inputSize ${first.inputSize}`,
  );
  let x = unbatched ? unsqueeze(input, 1) : opts.batchFirst ? transpose(input, 0, 1) : input;
  const [L, N] = x.shape as [number, number];
  check(L > 0, op, () => `the sequence is empty (shape ${fmt(input.shape)})`);

  let masks: Tensor[] | undefined;
  if (opts.lengths) {
    const lengths = opts.lengths;
    check(!unbatched && lengths.length === N, op, () => `lengths has ${lengths.length} entries, the batch has ${unbatched ? 'no batch axis' : N}`);
    lengths.forEach((l, b) =>
      check(Number.isInteger(l) && l >= 1 && l <= L, op, () => `lengths[${b}] = ${l} is outside 1..${L} (the sequence length)`),
    );
    masks = Array.from({ length: L }, (_, t) => tensor(lengths.map((l) => (t < l ? 1 : 0)), { dtype: 'int32', shape: [N, 1] }));
  }

  const count = D * numLayers;
  const given = opts.initialState;
  if (given) check(Array.isArray(given) && given.length === sizes.length, op, () => `initial state: ${stateCountMessage(sizes.length, given, '0')}`);
  const initial = sizes.map((size, i) => {
    const want = unbatched ? [count, size] : [count, N, size];
    const s = given?.[i];
    check(s === undefined || s instanceof Tensor, op, () => `initial state ${i} is ${s === null ? 'null' : typeof s}, not a Tensor`);
    if (!s) return new Array<Tensor>(count).fill(zeros([N, size], { dtype: input.dtype }));
    check(s.ndim === want.length && s.shape.every((d: number, k: number) => d === want[k]) && s.dtype === input.dtype, op, () =>
      `initial state ${i} must be ${input.dtype} ${fmt(want)} (D*numLayers, ${unbatched ? '' : 'N, '}size), got ${s.dtype} ${fmt(s.shape)}`,
    );
    return unbind(unbatched ? unsqueeze(s, 1) : s, 0);
  });

  // Parameters do not change during the unroll: the backend may keep them packed meanwhile.
  const frozen = getBackend().withFrozenLeaves?.bind(getBackend()) ?? (<T>(f: () => T): T => f());
  return frozen(() => unroll(cells, x, L, N, D, numLayers, sizes, initial, masks, unbatched, opts));
}

function isLayers(cells: unknown): boolean {
  if (!Array.isArray(cells) || cells.length === 0) return false;
  const D = Array.isArray(cells[0]) ? cells[0].length : 0;
  return (D === 1 || D === 2) && cells.every((row) => Array.isArray(row) && row.length === D);
}

function unroll(
  cells: readonly (readonly RecurrentCell[])[], x: Tensor, L: number, N: number, D: number, numLayers: number,
  sizes: readonly number[], initial: Tensor[][], masks: Tensor[] | undefined, unbatched: boolean, opts: RunOptions,
): [Tensor, Tensor[]] {
  // Each layer reads its input as one [L, N, F] tensor: a cell that projects its input does so for all
  // L*N rows in one matmul (as PyTorch's LSTM), then steps on the projected rows.
  let layerInput = x;
  const finals: Tensor[][] = sizes.map(() => []);
  for (let l = 0; l < numLayers; l++) {
    const outs: Tensor[] = [];
    let steps: Tensor[] | undefined;
    for (let d = 0; d < D; d++) {
      const cell = cells[l]![d]!;
      const projected = cell.projectInput !== undefined && cell.stepProjected !== undefined;
      let inputs: Tensor[];
      if (projected) {
        const F = layerInput.shape[2]!;
        const xp = cell.projectInput!(reshape(layerInput, [L * N, F]));
        inputs = unbind(reshape(xp, [L, N, xp.shape[1]!]), 0);
      } else inputs = steps ??= unbind(layerInput, 0);
      let state = initial.map((s) => s[l * D + d]!);
      const out = new Array<Tensor>(L);
      for (let k = 0; k < L; k++) {
        const t = d === 0 ? k : L - 1 - k;
        const next = projected ? cell.stepProjected!(inputs[t]!, state) : cell.step(inputs[t]!, state);
        if (masks) {
          const m = masks[t]!;
          state = next.map((s, i) => where(m, s, state[i]!));
          out[t] = where(m, next[0]!, 0);
        } else {
          state = next;
          out[t] = next[0]!;
        }
      }
      // The last layer of a batch-first run stacks its steps along axis 1 (no transpose of the output).
      outs.push(stack(out, l === numLayers - 1 && opts.batchFirst && !unbatched ? 1 : 0));
      state.forEach((s, i) => finals[i]!.push(s));
    }
    layerInput = D === 1 ? outs[0]! : concat(outs, 2);
    if (l < numLayers - 1 && opts.dropout && opts.training) layerInput = dropout(layerInput, opts.dropout, true, opts.generator);
  }
  const output = layerInput;
  const finalState = finals.map((f) => stack(f, 0));
  if (unbatched) return [squeeze(output, 1), finalState.map((s) => squeeze(s, 1))];
  return [output, finalState];
}

