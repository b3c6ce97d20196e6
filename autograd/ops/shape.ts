import { full, zerosLike } from '../../core/creation.js';
import { TapegradError, check, checkOptions } from '../../core/errors.js';
import { type Shape, broadcastShapes, checkRank0Axes, fmt, normAxes, normAxis, shapeEq, sizeOf } from '../../core/shape.js';
import { type SliceSpec, Tensor } from '../../core/tensor.js';
import type { DType } from '../../core/dtype.js';
import { type MultiPrimitive, type Primitive, defineMultiOp, defineOp } from '../tape.js';
import { sum } from './reduce.js';
import { K, asTensor, checkInt } from './util.js';

export interface Strided {
  starts: readonly number[];
  steps: readonly number[];
}

export const reshapeOp: Primitive<[Tensor], { shape: Shape }> = defineOp({
  name: 'reshape',
  forward: ([x], { shape }) => new Tensor(x.data, shape, x.dtype), // storage is immutable: share it
  vjp: (g, { inputs: [x] }) => [reshape(g, x.shape)], // d reshape(x) = reshape(dx)
});

export const permuteOp: Primitive<[Tensor], { axes: readonly number[] }> = defineOp({
  name: 'permute',
  forward: ([x], { axes }) => K().permute(x, axes),
  vjp: (g, { params: { axes } }) => [permute(g, inversePermutation(axes))], // the adjoint permutes back
});

export const expandOp: Primitive<[Tensor], { shape: Shape }> = defineOp({
  name: 'expand',
  forward: ([x], { shape }) => K().expand(x, shape),
  vjp: (g, { inputs: [x] }) => [sumTo(g, x.shape)], // the adjoint of broadcasting sums over the copies
});

export const sliceOp: Primitive<[Tensor], Strided & { shape: Shape }> = defineOp({
  name: 'slice',
  forward: ([x], { starts, steps, shape }) => K().slice(x, starts, steps, shape),
  vjp: (g, { inputs: [x], params: { starts, steps } }) => [unsliceOp([g], { starts, steps, shape: x.shape })], // scatter back into zeros
});

export const unsliceOp: Primitive<[Tensor], Strided & { shape: Shape }> = defineOp({
  name: 'unslice',
  forward: ([src], { starts, steps, shape }) => K().unslice(src, shape, starts, steps),
  vjp: (g, { inputs: [src], params: { starts, steps } }) => [sliceOp([g], { starts, steps, shape: src.shape })], // adjoint: the slice
});

export const concatOp: Primitive<Tensor[], { axis: number }> = defineOp({
  name: 'concat',
  forward: (xs, { axis }) => K().concat(xs, axis),
  // d concat(x1..xn) = concat(dx1..dxn): each input gets its own window of g
  vjp: (g, { inputs, params: { axis }, needs }) => {
    let at = 0;
    return inputs.map((x, i) => {
      const n = x.shape[axis]!;
      at += n;
      return needs[i] ? narrow(g, axis, at - n, n) : null;
    });
  },
});

export const indexSelectOp: Primitive<[Tensor, Tensor], { axis: number }> = defineOp({
  name: 'indexSelect',
  forward: ([x, index], { axis }) => K().indexSelect(x, axis, index),
  vjp: (g, { inputs: [x, index], params: { axis } }) => [indexAddOp([g, index], { axis, shape: x.shape }), null], // rows add back
});

export const indexAddOp: Primitive<[Tensor, Tensor], { axis: number; shape: Shape }> = defineOp({
  name: 'indexAdd',
  forward: ([src, index], { axis, shape }) => K().indexAdd(src, shape, axis, index),
  vjp: (g, { inputs: [, index], params: { axis } }) => [indexSelectOp([g, index], { axis }), null], // adjoint: select the rows
});

export const gatherOp: Primitive<[Tensor, Tensor], { axis: number }> = defineOp({
  name: 'gather',
  forward: ([x, index], { axis }) => K().gather(x, axis, index),
  vjp: (g, { inputs: [x, index], params: { axis } }) => [scatterAddOp([g, index], { axis, shape: x.shape }), null], // picks add back
});

export const scatterAddOp: Primitive<[Tensor, Tensor], { axis: number; shape: Shape }> = defineOp({
  name: 'scatterAdd',
  forward: ([src, index], { axis, shape }) => K().scatterAdd(src, shape, axis, index),
  vjp: (g, { inputs: [, index], params: { axis } }) => [gatherOp([g, index], { axis }), null], // adjoint: gather
});

export const castOp: Primitive<[Tensor], { dtype: DType }> = defineOp({
  name: 'cast',
  forward: ([x], { dtype }) => K().cast(x, dtype),
  vjp: (g, { inputs: [x] }) => [castOp([g], { dtype: x.dtype })], // d cast(x) = cast back(dx)
});

/** The pieces of `x` along `axis` with the given sizes, each a window starting where the last ended. */
function pieces(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  let at = 0;
  return sizes.map((n) => {
    const starts = x.shape.map((_, d) => (d === axis ? at : 0));
    at += n;
    return K().slice(x, starts, x.shape.map(() => 1), x.shape.map((d, k) => (k === axis ? n : d)));
  });
}

const orZeros = (gs: readonly (Tensor | null)[], outputs: readonly Tensor[]): Tensor[] =>
  gs.map((g, i) => g ?? zerosLike(outputs[i]!));

export const splitOp: MultiPrimitive<[Tensor], { axis: number; sizes: readonly number[] }> = defineMultiOp({
  name: 'split',
  forward: ([x], { axis, sizes }) => pieces(x, axis, sizes),
  vjp: (gs, { outputs, params: { axis } }) => [concat(orZeros(gs, outputs), axis)], // the pieces' cotangents, joined
});

function dropAxis(shape: Shape, axis: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) if (d !== axis) out.push(shape[d]!);
  return out;
}

export const unbindOp: MultiPrimitive<[Tensor], { axis: number }> = defineMultiOp({
  name: 'unbind',
  forward: ([x], { axis }) => pieces(x, axis, new Array<number>(x.shape[axis]!).fill(1)).map((p) => new Tensor(p.data, dropAxis(x.shape, axis), x.dtype)),
  vjp: (gs, { outputs, params: { axis } }) => [stack(orZeros(gs, outputs), axis)], // the slices' cotangents, stacked
});

function inversePermutation(axes: readonly number[]): number[] {
  const inv = new Array<number>(axes.length);
  axes.forEach((a, i) => (inv[a] = i));
  return inv;
}

/** @internal Sums `g` over the axes that broadcasting added to reach it from `shape`. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  // Axes of size 1 in g need no summing: dropping them is the reshape.
  for (let d = 0; d < g.shape.length; d++) if (g.shape[d] !== 1 && (d < lead || shape[d - lead] === 1)) axes.push(d);
  return reshape(axes.length ? sum(g, axes) : g, shape);
}

/**
 * The same elements in a new shape (one axis may be -1 and is inferred). Shares storage.
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]); // shape [2, 3]
 * ```
 * @category Shape
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  asTensor('reshape', x);
  check(Array.isArray(shape), 'reshape', () => `shape must be an array, got ${String(shape)}`);
  const known = shape.filter((d) => d !== -1);
  const infer = shape.length - known.length;
  check(infer <= 1 && known.every((d) => Number.isInteger(d) && d >= 0), 'reshape', () => `invalid shape ${fmt(shape)}: use non-negative integers and at most one -1`);
  const rest = sizeOf(known);
  let out = [...shape];
  if (infer === 1) {
    check(rest > 0 && x.size % rest === 0, 'reshape', () => `cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    out = shape.map((d) => (d === -1 ? x.size / rest : d));
  }
  check(sizeOf(out) === x.size, 'reshape', () => `cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)} (${sizeOf(out)} elements)`);
  return reshapeOp([x], { shape: out });
}

/**
 * Reorders the axes: output axis i is input axis `axes[i]`.
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]); // shape [4, 2, 3]
 * ```
 * @category Shape
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  asTensor('permute', x);
  check(Array.isArray(axes) && axes.length === x.ndim, 'permute', () => `expected ${x.ndim} axes for shape ${fmt(x.shape)}, got ${fmt(axes ?? [])}`);
  const norm = axes.map((a) => normAxis('permute', a, x.ndim));
  check(new Set(norm).size === norm.length, 'permute', () => `axes ${fmt(axes)} repeat an axis`);
  if (norm.every((a, i) => a === i)) return x;
  return permuteOp([x], { axes: norm });
}

/**
 * Swaps two axes (by default the last two; a tensor of rank < 2 is returned as it is, like `.t()`).
 * @example
 * ```ts
 * transpose(zeros([2, 3])); // shape [3, 2]
 * ```
 * @category Shape
 */
export function transpose(x: Tensor, axis0?: number, axis1?: number): Tensor {
  asTensor('transpose', x);
  if (axis0 === undefined && axis1 === undefined && x.ndim < 2) return x;
  const a = normAxis('transpose', axis0 ?? -2, x.ndim);
  const b = normAxis('transpose', axis1 ?? -1, x.ndim);
  const axes = Array.from({ length: x.ndim }, (_, i) => i);
  [axes[a], axes[b]] = [axes[b]!, axes[a]!];
  return permute(x, axes);
}

/**
 * Removes size-1 axes: all of them, or the given ones (which must have size 1).
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1]), 0); // shape [3, 1]
 * ```
 * @category Shape
 */
export function squeeze(x: Tensor, axis?: number | number[]): Tensor {
  asTensor('squeeze', x);
  if (x.ndim === 0 && axis !== undefined) {
    checkRank0Axes('squeeze', axis);
    return x;
  }
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, x.ndim);
  for (const a of axes) check(x.shape[a] === 1, 'squeeze', () => `axis ${a} of shape ${fmt(x.shape)} has size ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Inserts a size-1 axis at `axis` (in [-rank-1, rank]).
 * @example
 * ```ts
 * unsqueeze(zeros([3]), 0); // shape [1, 3]
 * ```
 * @category Shape
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  asTensor('unsqueeze', x);
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Broadcasts to `shape` (NumPy rules); the gradient sums over the broadcast copies.
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2]);
 * ```
 * @category Shape
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return broadcastAs('broadcastTo', x, shape);
}

function broadcastAs(op: string, x: Tensor, shape: readonly number[]): Tensor {
  asTensor(op, x);
  const out = broadcastShapes(op, x.shape, shape);
  check(shapeEq(out, shape), op, () => `cannot broadcast shape ${fmt(x.shape)} to ${fmt(shape)}`);
  return shapeEq(x.shape, shape) ? x : expandOp([x], { shape: out });
}

/**
 * As `torch.Tensor.expand`: broadcasts to `shape`, where -1 keeps the existing size of that axis.
 * @example
 * ```ts
 * expand(zeros([3, 1]), [-1, 4]); // shape [3, 4]
 * ```
 * @category Shape
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  asTensor('expand', x);
  const lead = shape.length - x.ndim;
  check(lead >= 0, 'expand', () => `target shape ${fmt(shape)} has fewer axes than ${fmt(x.shape)}`);
  return broadcastAs('expand', x, shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d)));
}

/**
 * Merges axes startAxis..endAxis into one.
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4]), 1); // shape [2, 12]
 * ```
 * @category Shape
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  asTensor('flatten', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startAxis, x.ndim);
  const e = normAxis('flatten', endAxis, x.ndim);
  check(s <= e, 'flatten', () => `startAxis ${startAxis} comes after endAxis ${endAxis}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

function parseSpec(spec: SliceSpec | number, axis: number): { start?: number; end?: number; step?: number } | number | null {
  if (typeof spec !== 'string') return spec;
  const parts = spec.split(':').map((p) => p.trim());
  check(parts.length >= 1 && parts.length <= 3, 'slice', () => `cannot parse '${spec}' for axis ${axis}: expected 'start:end:step'`);
  const num = (p: string | undefined): number | undefined => {
    if (p === undefined || p === '') return undefined;
    const v = Number(p);
    check(Number.isInteger(v), 'slice', () => `cannot parse '${spec}' for axis ${axis}: '${p}' is not an integer`);
    return v;
  };
  if (parts.length === 1) return num(parts[0]) ?? null;
  return { start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) };
}

/**
 * NumPy-style basic indexing, one spec per leading axis: `null` (all), a number (picks one index and
 * drops the axis), `{start, end, step}` or a string such as `'1:3'`, `'::-1'` (Python semantics, negative
 * indices count from the end, negative steps reverse).
 * @example
 * ```ts
 * const x = arange(12).reshape([3, 4]);
 * slice(x, ['0:2', '::-1']); // rows 0-1, columns reversed
 * slice(x, [null, 1]);      // column 1, shape [3]
 * ```
 * @category Shape
 */
export function slice(x: Tensor, specs: readonly (SliceSpec | number)[]): Tensor {
  asTensor('slice', x);
  check(Array.isArray(specs) && specs.length <= x.ndim, 'slice', () => `got ${specs?.length} specs for a tensor of rank ${x.ndim} (shape ${fmt(x.shape)})`);
  const starts: number[] = [];
  const steps: number[] = [];
  const shape: number[] = [];
  const drop: number[] = [];
  x.shape.forEach((n, d) => {
    const spec = d < specs.length ? parseSpec(specs[d]!, d) : null;
    if (spec === null) {
      starts.push(0), steps.push(1), shape.push(n);
    } else if (typeof spec === 'number') {
      check(Number.isInteger(spec) && spec >= -n && spec < n, 'slice', () => `index ${spec} is out of range for axis ${d} of size ${n} (shape ${fmt(x.shape)})`);
      starts.push(spec < 0 ? spec + n : spec), steps.push(1), shape.push(1), drop.push(d);
    } else {
      const [s, step, len] = sliceIndices(spec, n, d);
      starts.push(s), steps.push(step), shape.push(len);
    }
  });
  const y = steps.every((s) => s === 1) && starts.every((s) => s === 0) && shapeEq(shape, x.shape) ? x : sliceOp([x], { starts, steps, shape });
  return drop.length ? reshape(y, shape.filter((_, i) => !drop.includes(i))) : y;
}

/** Python's slice.indices: [start, step, length] for an axis of size n. */
function sliceIndices(spec: { start?: number; end?: number; step?: number }, n: number, axis: number): [number, number, number] {
  checkOptions('slice', spec, ['start', 'end', 'step']);
  const step = spec.step ?? 1;
  for (const [k, v] of Object.entries(spec))
    check(v === undefined || v === null || Number.isInteger(v), 'slice', () => `${k} must be an integer for axis ${axis}, got ${v}`);
  check(step !== 0, 'slice', () => `step must not be zero (axis ${axis})`);
  const [lower, upper] = step > 0 ? [0, n] : [-1, n - 1];
  const clampIdx = (v: number | undefined, dflt: number) => (v === undefined || v === null ? dflt : v < 0 ? Math.max(v + n, lower) : Math.min(v, upper));
  const start = clampIdx(spec.start, step > 0 ? lower : upper);
  const end = clampIdx(spec.end, step > 0 ? upper : lower);
  const len = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
  return [len === 0 ? 0 : start, step, len];
}

/**
 * `length` elements of `axis` from `start`, as `torch.narrow`.
 * @example
 * ```ts
 * narrow(arange(10), 0, 2, 3); // [2, 3, 4]
 * ```
 * @category Shape
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  asTensor('narrow', x);
  const a = normAxis('narrow', axis, x.ndim);
  const n = x.shape[a]!;
  check(Number.isInteger(start) && start >= -n && start <= n, 'narrow', () => `start ${start} is out of range for axis ${axis} of size ${n}`);
  const s = start < 0 ? start + n : start;
  check(Number.isInteger(length) && length >= 0 && s + length <= n, 'narrow', () =>
    `start ${start} + length ${length} exceeds axis ${axis} of size ${n} (shape ${fmt(x.shape)})`,
  );
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = { start: s, end: s + length };
  return slice(x, specs);
}

/**
 * Picks index `index` of `axis` and drops that axis, as `torch.select`.
 * @example
 * ```ts
 * select(arange(6).reshape([2, 3]), 1, -1); // [2, 5]
 * ```
 * @category Shape
 */
export function select(x: Tensor, axis: number, index: number): Tensor {
  asTensor('select', x);
  const a = normAxis('select', axis, x.ndim);
  const n = x.shape[a]!;
  check(Number.isInteger(index) && index >= -n && index < n, 'select', () => `index ${index} is out of range for axis ${axis} of size ${n} (shape ${fmt(x.shape)})`);
  const specs: (SliceSpec | number)[] = x.shape.map(() => null);
  specs[a] = index;
  return slice(x, specs);
}

/**
 * Reverses the order of elements along the given axes.
 * @example
 * ```ts
 * flip(tensor([1, 2, 3]), 0); // [3, 2, 1]
 * ```
 * @category Shape
 */
export function flip(x: Tensor, axes: number | number[]): Tensor {
  asTensor('flip', x);
  if (x.ndim === 0) {
    checkRank0Axes('flip', axes);
    return x;
  }
  const list = normAxes('flip', axes, x.ndim);
  return slice(x, x.shape.map((_, d) => (list.includes(d) ? { step: -1 } : null)));
}

/**
 * Splits along `axis` into pieces of `size` (the last may be smaller) or of the listed sizes, as
 * `torch.split`.
 * @example
 * ```ts
 * split(arange(5), 2);       // sizes 2, 2, 1
 * split(arange(5), [1, 4]);  // sizes 1, 4
 * ```
 * @category Shape
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  asTensor('split', x);
  const a = normAxis('split', axis, x.ndim);
  const n = x.shape[a]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    checkInt('split', 'size', sizeOrSections, 1);
    sizes = n === 0 ? [0] : []; // an empty axis splits into one empty piece, as torch.split
    for (let at = 0; at < n; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - at));
  } else {
    sizes = [...sizeOrSections];
    sizes.forEach((s) => checkInt('split', 'each section', s));
    check(sizes.reduce((p, q) => p + q, 0) === n, 'split', () => `sections ${fmt(sizes)} sum to ${sizes.reduce((p, q) => p + q, 0)}, axis ${axis} has size ${n}`);
  }
  return sizes.length === 1 ? [x] : splitOp([x], { axis: a, sizes });
}

/**
 * The slices of `x` along `axis`, with that axis removed, as `torch.unbind` (one time step each for a
 * sequence). Its backward runs once for all slices, so unbinding a long sequence costs linear time.
 * @example
 * ```ts
 * const steps = unbind(x, 0); // x: [L, N, H] -> L tensors [N, H]
 * ```
 * @category Shape
 */
export function unbind(x: Tensor, axis = 0): Tensor[] {
  asTensor('unbind', x);
  const a = normAxis('unbind', axis, x.ndim);
  return unbindOp([x], { axis: a });
}

/**
 * Splits along `axis` into `chunks` pieces of size ceil(n / chunks), as `torch.chunk` (the last may be
 * smaller, and there may be fewer pieces).
 * @example
 * ```ts
 * const [i, f, g, o] = chunk(gates, 4, -1);
 * ```
 * @category Shape
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  asTensor('chunk', x);
  checkInt('chunk', 'chunks', chunks, 1);
  const a = normAxis('chunk', axis, x.ndim);
  if (x.shape[a] === 0) return split(x, new Array<number>(chunks).fill(0), a); // `chunks` empty pieces, as torch.chunk
  return split(x, Math.max(1, Math.ceil(x.shape[a]! / chunks)), a);
}

function checkJoin(op: string, xs: readonly Tensor[], axis: number | undefined, ignoreAxis: boolean): void {
  check(Array.isArray(xs) && xs.length > 0, op, () => 'expected a non-empty array of tensors');
  xs.forEach((t, i) => asTensor(op, t, `tensor ${i}`));
  const first = xs[0]!;
  xs.forEach((t: Tensor, i: number) => {
    check(t.dtype === first.dtype, op, () => `tensor ${i} is ${t.dtype}, tensor 0 is ${first.dtype}`);
    const same = t.ndim === first.ndim && t.shape.every((d, k) => d === first.shape[k] || (ignoreAxis && k === axis));
    check(same, op, () =>
      `tensor ${i} has shape ${fmt(t.shape)}, tensor 0 has ${fmt(first.shape)}${ignoreAxis ? `; only axis ${axis} may differ` : ''}`,
    );
  });
}

/**
 * Joins tensors along an existing axis (all other sizes must match).
 * @example
 * ```ts
 * concat([zeros([2, 3]), ones([2, 1])], 1); // shape [2, 4]
 * ```
 * @category Shape
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  check(Array.isArray(xs) && xs.length > 0, 'concat', () => 'expected a non-empty array of tensors');
  check(xs[0] instanceof Tensor && xs[0].ndim > 0, 'concat', () => 'cannot concatenate rank-0 tensors (use stack)');
  const a = normAxis('concat', axis, xs[0].ndim);
  checkJoin('concat', xs, a, true);
  return xs.length === 1 ? xs[0] : concatOp([...xs], { axis: a });
}

/**
 * Joins same-shaped tensors along a new axis.
 * @example
 * ```ts
 * stack([zeros([3]), ones([3])]); // shape [2, 3]
 * ```
 * @category Shape
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  checkJoin('stack', xs, undefined, false);
  const a = normAxis('stack', axis, xs[0]!.ndim + 1);
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

/** How {@link pad} fills the new elements. @category Shape */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of {@link pad}. @category Shape */
export interface PadOptions {
  /**
   * 'constant' (default) fills with `value`; 'reflect' mirrors without repeating the edge (each pad must
   * be smaller than the axis); 'replicate' repeats the edge; 'circular' wraps around (each pad at most
   * the axis's size after cropping).
   */
  mode?: PadMode;
  /** The fill of the 'constant' mode (default 0); the other modes take none. */
  value?: number;
}

/**
 * Pads (or, with negative amounts, crops) as `torch.nn.functional.pad`: `pads` lists (before, after)
 * pairs starting from the last axis. The third argument is the constant fill value or {@link PadOptions}
 * with a `mode`. The result is differentiable in every mode. Unlike PyTorch 1.13, the non-constant modes
 * accept any rank and any number of padded axes.
 * @example
 * ```ts
 * pad(ones([2, 2]), [1, 1]);                       // shape [2, 4], zeros on both sides
 * pad(ones([2, 2]), [0, 0, 2, 0], 7);              // shape [4, 2], two rows of 7 on top
 * pad(arange(5), [2, -1], { mode: 'reflect' });    // [2, 1, 0, 1, 2, 3]
 * pad(arange(5), [1, 1], { mode: 'circular' });    // [4, 0, 1, 2, 3, 4, 0]
 * ```
 * @category Shape
 */
export function pad(x: Tensor, pads: readonly number[], valueOrOptions: number | PadOptions = 0): Tensor {
  const op = 'pad';
  asTensor(op, x);
  const opts: PadOptions = typeof valueOrOptions === 'number' ? { value: valueOrOptions } : valueOrOptions;
  checkOptions(op, opts, ['mode', 'value']);
  const mode = opts.mode ?? 'constant';
  check(['constant', 'reflect', 'replicate', 'circular'].includes(mode), op, () => `mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${String(mode)}`);
  check(opts.value === undefined || mode === 'constant', op, () => `the '${mode}' mode takes no value (got value ${String(opts.value)}); only 'constant' fills with one`);
  const value = opts.value ?? 0;
  check(typeof value === 'number', op, () => `value must be a number, got ${typeof value}`);
  check(Array.isArray(pads) && pads.length % 2 === 0 && pads.length / 2 <= x.ndim, op, () =>
    `pads must hold (before, after) pairs for at most ${x.ndim} axes, got ${Array.isArray(pads) ? fmt(pads) : String(pads)}`,
  );
  pads.forEach((p) => check(Number.isInteger(p), op, () => `each padding must be an integer, got ${String(p)}`));
  let y = x;
  for (let k = 0; k < pads.length / 2; k++) y = padAxis(y, x.ndim - 1 - k, pads[2 * k]!, pads[2 * k + 1]!, mode, value);
  return y;
}

/** One axis of {@link pad}: `before` and `after` elements added (or removed, when negative). */
function padAxis(y: Tensor, axis: number, before: number, after: number, mode: PadMode, value: number): Tensor {
  const op = 'pad';
  const n = y.shape[axis]!;
  const size = n + before + after;
  const context = () => `(axis ${axis} of size ${n} in shape ${fmt(y.shape)}, padding (${before}, ${after}))`;
  const crop = (t: Tensor, lo: number, hi: number) => (lo > 0 || hi > 0 ? narrow(t, axis, lo, t.shape[axis]! - lo - hi) : t);
  const join = (left: Tensor | null, mid: Tensor, right: Tensor | null) => concat([left, mid, right].filter((t): t is Tensor => t !== null && t.shape[axis]! > 0), axis);
  const [cropBefore, cropAfter] = [Math.max(0, -before), Math.max(0, -after)];
  if (mode === 'constant' || mode === 'circular') {
    // Crop first, then fill from what is left (as PyTorch).
    check(cropBefore + cropAfter <= n, op, () => `cannot crop ${cropBefore + cropAfter} elements ${context()}`);
    const c = crop(y, cropBefore, cropAfter);
    const m = c.shape[axis]!;
    const [b, a] = [Math.max(0, before), Math.max(0, after)];
    if (b === 0 && a === 0) return c;
    if (mode === 'constant') {
      const side = (len: number) => full(c.shape.map((d, i) => (i === axis ? len : d)), value, { dtype: c.dtype });
      return join(side(b), c, side(a));
    }
    check(b <= m && a <= m, op, () => `circular padding wraps around at most once: each pad must be at most ${m}, the size after cropping ${context()}`);
    return join(narrow(c, axis, m - b, b), c, narrow(c, axis, 0, a));
  }
  // reflect and replicate index the uncropped axis: pad first, then crop.
  check(size > 0, op, () => `the '${mode}' mode needs a non-empty result, got size ${size} ${context()}`);
  const [b, a] = [Math.max(0, before), Math.max(0, after)];
  let padded: Tensor;
  if (mode === 'reflect') {
    check(b < n && a < n, op, () => `reflect padding must be smaller than the axis ${context()}`);
    padded = join(b ? flip(narrow(y, axis, 1, b), axis) : null, y, a ? flip(narrow(y, axis, n - 1 - a, a), axis) : null);
  } else {
    check(n > 0, op, () => `cannot replicate the edge of an empty axis ${context()}`);
    const edge = (at: number, len: number) => broadcastTo(narrow(y, axis, at, 1), y.shape.map((d, i) => (i === axis ? len : d)));
    padded = join(b ? edge(0, b) : null, y, a ? edge(n - 1, a) : null);
  }
  return crop(padded, cropBefore, cropAfter);
}

function checkIndex(op: string, index: Tensor, n: number, axis: number, x: Tensor): void {
  asTensor(op, index, 'index');
  check(index.dtype === 'int32', op, () => `index must be an int32 tensor, got ${index.dtype} (create it with { dtype: 'int32' })`);
  const d = index.data;
  for (let i = 0; i < d.length; i++)
    if (d[i]! < 0 || d[i]! >= n)
      throw new TapegradError(op, `index ${d[i]} is out of range for axis ${axis} of size ${n} (input shape ${fmt(x.shape)}, at flat position ${i} of the index)`);
}

/**
 * Picks the entries listed in the 1-D int32 `index` along `axis`, as `torch.index_select` (an embedding
 * lookup is `indexSelect(weight, 0, ids)`).
 * @example
 * ```ts
 * indexSelect(weight, 0, tensor([3, 1, 3], { dtype: 'int32' })); // rows 3, 1, 3
 * ```
 * @category Indexing
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  asTensor('indexSelect', x);
  const a = normAxis('indexSelect', axis, x.ndim);
  checkIndex('indexSelect', index, x.shape[a]!, a, x);
  check(index.ndim === 1, 'indexSelect', () => `index must be 1-D, got shape ${fmt(index.shape)}`);
  return indexSelectOp([x, index], { axis: a });
}

/**
 * Picks along `axis` with an int32 index of the same rank, as `torch.gather`:
 * out[i][j] = x[i][index[i][j]] for axis 1 (index.shape[d] <= x.shape[d] on the other axes). A rank-0
 * input or index acts as one of shape [1], as PyTorch.
 * @example
 * ```ts
 * gather(logProbs, 1, unsqueeze(targets, 1)); // each row's target entry
 * ```
 * @category Indexing
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  asTensor('gather', x);
  asTensor('gather', index, 'index');
  if (x.ndim === 0 || index.ndim === 0) {
    // As PyTorch: a rank-0 input or index acts as one of shape [1] (and a rank-0 index gives a rank-0 result).
    if (x.ndim === 0) checkRank0Axes('gather', axis);
    const y = gather(x.ndim === 0 ? reshape(x, [1]) : x, x.ndim === 0 ? 0 : axis, index.ndim === 0 ? reshape(index, [1]) : index);
    return index.ndim === 0 ? reshape(y, []) : y;
  }
  const a = normAxis('gather', axis, x.ndim);
  check(index.ndim === x.ndim && index.shape.every((d, k) => k === a || d <= x.shape[k]!), 'gather', () =>
    `index of shape ${fmt(index.shape)} does not fit input ${fmt(x.shape)} along axis ${axis}: same rank, and no larger on the other axes`,
  );
  checkIndex('gather', index, x.shape[a]!, a, x);
  return gatherOp([x, index], { axis: a });
}

/**
 * A copy in another dtype; differentiable between float dtypes (the gradient is cast back). Casting to
 * int32 truncates toward zero.
 * @example
 * ```ts
 * cast(tensor([1.5, 2]), 'float64');
 * ```
 * @category Tensors
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  asTensor('cast', x);
  check(dtype === 'float32' || dtype === 'float64' || dtype === 'int32', 'cast', () => `unknown dtype ${String(dtype)}`);
  return castOp([x], { dtype });
}

/**
 * A differentiable copy with its own storage.
 * @example
 * ```ts
 * const y = clone(x);
 * ```
 * @category Tensors
 */
export function clone(x: Tensor): Tensor {
  return cast(x, asTensor('clone', x).dtype);
}

/**
 * The same values, cut from the tape: no gradient flows through the result (it shares storage).
 * @example
 * ```ts
 * const hDetached = detach(h); // truncated backpropagation through time
 * ```
 * @category Autograd
 */
export function detach(x: Tensor): Tensor {
  asTensor('detach', x);
  return new Tensor(x.data, x.shape, x.dtype);
}
