import { type DType, type TypedArray, allocate } from '../dtype.js';
import { broadcastShapes, broadcastStrides, reducedShape, shapeEq, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Backend, BinaryKernel, ReduceKernel, UnaryKernel } from './backend.js';
import { around, gatherStrided, matmulGeometry, scatterStrided, walk } from './loops.js';
import { expf, sigmoidf, tanhf } from './mathf.js';

type F1 = (x: number) => number;
type F2 = (a: number, b: number) => number;

const unaryFns: Record<UnaryKernel, F1> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x <= 0 ? 0 : x),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

// float32 exp, tanh and sigmoid are computed in float32, the same bits as the WebAssembly kernels (see
// mathf.ts); one loop per function, so that each call site sees one function and V8 inlines it.
type Loop1 = (o: TypedArray, a: TypedArray) => void;
const unaryLoops32: Partial<Record<UnaryKernel, Loop1>> = {
  exp: (o, a) => { for (let i = 0; i < o.length; i++) o[i] = expf(a[i]!); },
  tanh: (o, a) => { for (let i = 0; i < o.length; i++) o[i] = tanhf(a[i]!); },
  sigmoid: (o, a) => { for (let i = 0; i < o.length; i++) o[i] = sigmoidf(a[i]!); },
};

function unary(op: UnaryKernel, x: Tensor): Tensor {
  const loop = x.dtype === 'float32' ? unaryLoops32[op] : undefined;
  if (!loop) return map(x, unaryFns[op]);
  const y = out(x.shape, x.dtype, false);
  loop(y.data, x.data);
  return y;
}

const binaryFns: Record<BinaryKernel, F2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  tanhBackward: (g, y) => g * (1 - y * y),
  sigmoidBackward: (g, y) => g * y * (1 - y),
};

/** A new output tensor, zeroed unless `zero` is false (the kernel then writes every element). */
function out(shape: readonly number[], dtype: DType, zero = true): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape), zero), shape, dtype);
}

// The hot same-shape loops, one function per op: V8 keeps type feedback per function (closures from one
// factory share it), so each loop stays monomorphic with its arithmetic inlined, where the generic loop
// below calls f at every element.
type Loop2 = (o: TypedArray, a: TypedArray, b: TypedArray) => void;
const sameShape: Partial<Record<BinaryKernel, Loop2>> = {
  add: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i]! + b[i]!; },
  sub: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i]! - b[i]!; },
  mul: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i]! * b[i]!; },
  div: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i]! / b[i]!; },
  tanhBackward: (o, g, y) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * (1 - y[i]! * y[i]!); },
  sigmoidBackward: (o, g, y) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * y[i]! * (1 - y[i]!); },
};

function map(x: Tensor, f: F1): Tensor {
  const y = out(x.shape, x.dtype, false);
  const a = x.data;
  const o = y.data;
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]!);
  return y;
}

function zip(a: Tensor, b: Tensor, f: F2, same?: Loop2): Tensor {
  const dtype = a.dtype;
  const ad = a.data;
  const bd = b.data;
  if (shapeEq(a.shape, b.shape)) {
    const y = out(a.shape, dtype, false);
    const o = y.data;
    if (same) same(o, ad, bd);
    else for (let i = 0; i < o.length; i++) o[i] = f(ad[i]!, bd[i]!);
    return y;
  }
  const shape = broadcastShapes('broadcast', a.shape, b.shape);
  const y = out(shape, dtype, false);
  const o = y.data;
  if (b.size === 1 && shape.length === a.shape.length) {
    const s = bd[0]!;
    for (let i = 0; i < o.length; i++) o[i] = f(ad[i]!, s);
    return y;
  }
  if (a.size === 1 && shape.length === b.shape.length) {
    const s = ad[0]!;
    for (let i = 0; i < o.length; i++) o[i] = f(s, bd[i]!);
    return y;
  }
  // b repeats along leading axes (a bias row): b's shape is a suffix of a's.
  if (shapeEq(a.shape, shape) && isSuffix(b.shape, shape)) {
    const n = bd.length;
    for (let i = 0, j = 0; i < o.length; i++, j = j + 1 === n ? 0 : j + 1) o[i] = f(ad[i]!, bd[j]!);
    return y;
  }
  if (shapeEq(b.shape, shape) && isSuffix(a.shape, shape)) {
    const n = ad.length;
    for (let i = 0, j = 0; i < o.length; i++, j = j + 1 === n ? 0 : j + 1) o[i] = f(ad[j]!, bd[i]!);
    return y;
  }
  walk(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)], [0, 0], (p, offs, n, inner) => {
    const [sa, sb] = inner;
    let ia = offs[0]!;
    let ib = offs[1]!;
    for (let i = 0; i < n; i++, ia += sa!, ib += sb!) o[p + i] = f(ad[ia]!, bd[ib]!);
  });
  return y;
}

/** Whether `s` equals the trailing axes of `full` (ignoring leading 1s of `s`), so it repeats as one block. */
function isSuffix(s: readonly number[], full: readonly number[]): boolean {
  let k = 0;
  while (k < s.length && s[k] === 1 && s.length - k > 0) k++;
  const rest = s.length - k;
  if (rest === 0 || rest > full.length) return false;
  for (let i = 0; i < rest; i++) if (s[k + i] !== full[full.length - rest + i]) return false;
  return true;
}

function expand(x: Tensor, shape: readonly number[]): Tensor {
  const y = out(shape, x.dtype, false);
  gatherStrided(x.data, 0, broadcastStrides(x.shape, shape), shape, y.data);
  return y;
}

/** acc[c] += x[r, c] over the rows (a bias gradient): its own function, so V8 keeps it monomorphic. */
function sumRows(x: TypedArray, rows: number, cols: number, acc: Float64Array): void {
  for (let r = 0, p = 0; r < rows; r++) for (let c = 0; c < cols; c++, p++) acc[c]! += x[p]!;
}

function reduce(op: ReduceKernel, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const sum = op === 'sum';
  // max and min: the larger (smaller) value, or NaN once one is seen.
  const pick = op === 'max' ? (v: number, m: number) => v > m || v !== v : (v: number, m: number) => v < m || v !== v;
  const kept = reducedShape(x.shape, axes, true);
  const acc = new Float64Array(sizeOf(kept)).fill(sum ? 0 : op === 'max' ? -Infinity : Infinity);
  const xd = x.data;
  const rank = x.shape.length;
  const leading = axes.every((a, i) => a === i);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (leading || trailing) {
    // [rows, cols] with the reduced axes as the rows (leading) or the columns (trailing).
    const cols = leading ? acc.length : x.size / Math.max(acc.length, 1);
    const rows = cols === 0 ? 0 : x.size / cols;
    if (sum && leading) sumRows(xd, rows, cols, acc);
    else for (let r = 0, p = 0; r < rows; r++)
      for (let c = 0; c < cols; c++, p++) {
        const q = leading ? c : r;
        const v = xd[p]!;
        if (sum) acc[q]! += v;
        else if (pick(v, acc[q]!)) acc[q] = v;
      }
  } else {
    // Walk the input; the output offset advances only along kept axes.
    walk(x.shape, [stridesOf(x.shape), broadcastStrides(kept, x.shape)], [0, 0], (_, offs, n, inner) => {
      let p = offs[0]!;
      let q = offs[1]!;
      const sq = inner[1]!;
      for (let i = 0; i < n; i++, p++, q += sq) {
        const v = xd[p]!;
        if (sum) acc[q]! += v;
        else if (pick(v, acc[q]!)) acc[q] = v;
      }
    });
  }
  const y = out(reducedShape(x.shape, axes, keepdims), x.dtype, false);
  y.data.set(acc);
  return y;
}

function logsumexp(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const m = reduce('max', x, axes, true);
  const md = m.data;
  const kept = m.shape;
  const acc = new Float64Array(m.size);
  const xd = x.data;
  walk(x.shape, [stridesOf(x.shape), broadcastStrides(kept, x.shape)], [0, 0], (_, offs, n, inner) => {
    let p = offs[0]!;
    let q = offs[1]!;
    const sq = inner[1]!;
    for (let i = 0; i < n; i++, p++, q += sq) {
      const s = md[q]!;
      acc[q]! += Math.exp(xd[p]! - (Number.isFinite(s) ? s : 0));
    }
  });
  const y = out(reducedShape(x.shape, axes, keepdims), x.dtype);
  for (let i = 0; i < acc.length; i++) {
    const s = md[i]!;
    y.data[i] = Number.isFinite(s) ? s + Math.log(acc[i]!) : s === -Infinity ? -Infinity : s + Math.log(acc[i]!);
  }
  return y;
}

function norm2(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const absx = map(x, Math.abs);
  const m = reduce('max', absx, axes, true);
  const md = m.data;
  const acc = new Float64Array(m.size);
  const xd = absx.data;
  walk(x.shape, [stridesOf(x.shape), broadcastStrides(m.shape, x.shape)], [0, 0], (_, offs, n, inner) => {
    let p = offs[0]!;
    let q = offs[1]!;
    const sq = inner[1]!;
    for (let i = 0; i < n; i++, p++, q += sq) {
      const s = md[q]!;
      if (s > 0 && s < Infinity) {
        const v = xd[p]! / s;
        acc[q]! += v * v;
      }
    }
  });
  const y = out(reducedShape(x.shape, axes, keepdims), x.dtype);
  for (let i = 0; i < acc.length; i++) {
    const s = md[i]!;
    y.data[i] = s > 0 && s < Infinity ? s * Math.sqrt(acc[i]!) : s === -Infinity ? 0 : s; // -Infinity: an empty slice
  }
  return y;
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdims: boolean): Tensor {
  const [outer, n, inner] = around(x.shape, axis);
  const y = out(reducedShape(x.shape, [axis], keepdims), 'int32');
  const xd = x.data;
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = xd[base]!;
      let bi = 0;
      for (let i = 1; i < n && best === best; i++) {
        const v = xd[base + i * inner]!;
        if (better(v, best) || v !== v) {
          best = v;
          bi = i;
        }
      }
      y.data[o * inner + j] = bi;
    }
  return y;
}

function softmax(x: Tensor, axis: number, log: boolean): Tensor {
  const [outer, n, inner] = around(x.shape, axis);
  const y = out(x.shape, x.dtype);
  const xd = x.data;
  const yd = y.data;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, xd[base + i * inner]!);
      if (!Number.isFinite(m)) m = m === -Infinity ? 0 : m;
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(xd[base + i * inner]! - m);
      const ls = Math.log(s);
      for (let i = 0; i < n; i++) {
        const z = xd[base + i * inner]! - m;
        yd[base + i * inner] = log ? z - ls : Math.exp(z) / s;
      }
    }
  return y;
}

// 2-D products, one loop nest per layout (each its own function, so V8 keeps each one monomorphic), with
// the innermost loop over contiguous memory and sums in float64 (`row`, N long), as the general loop below.
// C = A B: a row of C accumulates rows of B.
function mmNN(c: TypedArray, a: TypedArray, b: TypedArray, M: number, K: number, N: number, row: Float64Array): void {
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[i * K + k]!;
      const bk = k * N;
      for (let j = 0; j < N; j++) row[j]! += av * b[bk + j]!;
    }
    c.set(row, i * N);
  }
}
// C = A B^T (B is N x K): dot products of rows.
function mmNT(c: TypedArray, a: TypedArray, b: TypedArray, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      const ai = i * K;
      const bj = j * K;
      for (let k = 0; k < K; k++) s += a[ai + k]! * b[bj + k]!;
      c[i * N + j] = s;
    }
}
// C = A^T B (A is K x M): a row of C accumulates rows of B, scaled by a column of A.
function mmTN(c: TypedArray, a: TypedArray, b: TypedArray, M: number, K: number, N: number, row: Float64Array): void {
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[k * M + i]!;
      const bk = k * N;
      for (let j = 0; j < N; j++) row[j]! += av * b[bk + j]!;
    }
    c.set(row, i * N);
  }
}

function matmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const { M, K, N, batch, sA, sB } = matmulGeometry(a, b, transA, transB);
  if (batch.length === 0 && !(transA && transB) && a.dtype !== 'int32') {
    const y = out([M, N], a.dtype, false);
    if (transB) mmNT(y.data, a.data, b.data, M, K, N);
    else (transA ? mmTN : mmNN)(y.data, a.data, b.data, M, K, N, new Float64Array(N));
    return y;
  }
  const y = out([...batch, M, N], a.dtype, false);
  const ad = a.data;
  const bd = b.data;
  const yd = y.data;
  const row = new Float64Array(N);
  // Element (i, k) of op(A) sits at ai*i + ak*k; of op(B) (k, j) at bk*k + bj*j.
  const [ai, ak] = transA ? [1, M] : [K, 1];
  const [bk, bj] = transB ? [1, K] : [N, 1];
  let c = 0;
  const gemm = (offs: readonly number[], n: number, inner: readonly number[]) => {
    for (let t = 0; t < n; t++) {
      const offA = (offs[0]! + t * inner[0]!) * M * K;
      const offB = (offs[1]! + t * inner[1]!) * K * N;
      for (let i = 0; i < M; i++) {
        if (!transB) {
          row.fill(0);
          for (let k = 0; k < K; k++) {
            const av = ad[offA + i * ai + k * ak]!;
            if (av === 0) continue;
            const pb = offB + k * N;
            for (let j = 0; j < N; j++) row[j]! += av * bd[pb + j]!;
          }
          for (let j = 0; j < N; j++) yd[c++] = row[j]!;
        } else {
          for (let j = 0; j < N; j++) {
            let s = 0;
            const pb = offB + j * bj;
            for (let k = 0; k < K; k++) s += ad[offA + i * ai + k * ak]! * bd[pb + k * bk]!;
            yd[c++] = s;
          }
        }
      }
    }
  };
  if (batch.length === 0) gemm([0, 0], 1, [0, 0]);
  else walk(batch, [sA, sB], [0, 0], (_, offs, n, inner) => gemm(offs, n, inner));
  return y;
}

/**
 * @internal PyTorch's addmm from any backend's matmul: x W^T, then the bias added to each row of that
 * fresh output (it is not yet shared, so this is its last write).
 */
export function linearWith(matmulFn: Backend['matmul']): Backend['linear'] {
  return (x, w, b) => {
    const y = matmulFn(x, w, false, true);
    if (b) {
      // b is a row [O] (repeated for every row of y) or all of y's [N, O].
      const yd = y.data;
      const bd = b.data;
      const n = bd.length;
      for (let i = 0, j = 0; i < yd.length; i++, j = j + 1 === n ? 0 : j + 1) yd[i] = yd[i]! + bd[j]!;
    }
    return y;
  };
}

function permute(x: Tensor, axes: readonly number[]): Tensor {
  const st = stridesOf(x.shape);
  const shape = axes.map((a) => x.shape[a]!);
  const y = out(shape, x.dtype, false);
  gatherStrided(x.data, 0, axes.map((a) => st[a]!), shape, y.data);
  return y;
}

function sliceGeometry(shape: readonly number[], starts: readonly number[], steps: readonly number[]): [number, number[]] {
  const st = stridesOf(shape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += starts[d]! * st[d]!;
  return [offset, st.map((s, d) => s * steps[d]!)];
}

function slice(x: Tensor, starts: readonly number[], steps: readonly number[], outShape: readonly number[]): Tensor {
  const y = out(outShape, x.dtype, false);
  const [offset, strides] = sliceGeometry(x.shape, starts, steps);
  gatherStrided(x.data, offset, strides, outShape, y.data);
  return y;
}

function unslice(src: Tensor, shape: readonly number[], starts: readonly number[], steps: readonly number[]): Tensor {
  const y = out(shape, src.dtype);
  const [offset, strides] = sliceGeometry(shape, starts, steps);
  scatterStrided(src.data, y.data, offset, strides, src.shape);
  return y;
}

function concat(xs: readonly Tensor[], axis: number): Tensor {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const y = out(shape, xs[0]!.dtype, false);
  const [outer, total, inner] = around(shape, axis);
  let at = 0;
  for (const x of xs) {
    const block = x.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) y.data.set(x.data.subarray(o * block, (o + 1) * block), o * total * inner + at);
    at += block;
  }
  return y;
}

function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const [outer, n, inner] = around(x.shape, axis);
  const k = index.size;
  const shape = [...x.shape];
  shape[axis] = k;
  const y = out(shape, x.dtype);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < k; i++) {
      const from = (o * n + index.data[i]!) * inner;
      y.data.set(x.data.subarray(from, from + inner), (o * k + i) * inner);
    }
  return y;
}

function indexAdd(src: Tensor, shape: readonly number[], axis: number, index: Tensor): Tensor {
  const [outer, n, inner] = around(shape, axis);
  const k = index.size;
  const y = out(shape, src.dtype);
  const yd = y.data;
  const sd = src.data;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < k; i++) {
      const to = (o * n + index.data[i]!) * inner;
      const from = (o * k + i) * inner;
      for (let j = 0; j < inner; j++) yd[to + j]! += sd[from + j]!;
    }
  return y;
}

/** Offsets into a tensor of shape `shape` for every element of `index` (torch.gather addressing). */
function gatherOffsets(shape: readonly number[], axis: number, index: Tensor): Int32Array | Float64Array {
  const st = stridesOf(shape);
  const offsets = new Float64Array(index.size);
  const strides = st.map((s, d) => (d === axis ? 0 : s));
  const sAxis = st[axis]!;
  const id = index.data;
  walk(index.shape, [strides], [0], (o, offs, n, inner) => {
    let p = offs[0]!;
    const s = inner[0]!;
    for (let i = 0; i < n; i++, p += s) offsets[o + i] = p + id[o + i]! * sAxis;
  });
  return offsets;
}

function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const y = out(index.shape, x.dtype);
  const offs = gatherOffsets(x.shape, axis, index);
  for (let i = 0; i < offs.length; i++) y.data[i] = x.data[offs[i]!]!;
  return y;
}

function scatterAdd(src: Tensor, shape: readonly number[], axis: number, index: Tensor): Tensor {
  const y = out(shape, src.dtype);
  const offs = gatherOffsets(shape, axis, index);
  for (let i = 0; i < offs.length; i++) y.data[offs[i]!]! += src.data[i]!;
  return y;
}

function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const y = out(shape, a.dtype);
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  walk(shape, [broadcastStrides(cond.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)], [0, 0, 0], (p, offs, n, inner) => {
    const [sc, sa, sb] = inner as [number, number, number];
    let ic = offs[0]!;
    let ia = offs[1]!;
    let ib = offs[2]!;
    for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb) y.data[p + i] = cd[ic] !== 0 ? ad[ia]! : bd[ib]!;
  });
  return y;
}

function cast(x: Tensor, dtype: DType): Tensor {
  const y = out(x.shape, dtype);
  if (dtype === 'int32') for (let i = 0; i < x.size; i++) y.data[i] = Math.trunc(x.data[i]!);
  else y.data.set(x.data);
  return y;
}

/** The TypeScript kernels: portable, used where nothing faster is installed. @category Kernels */
export const jsBackend: Backend = {
  name: 'js',
  unary,
  binary: (op, a, b) => zip(a, b, binaryFns[op], sameShape[op]),
  where,
  clamp: (x, lo, hi) => map(x, (v) => (v < lo ? lo : v > hi ? hi : v)),
  reduce,
  argReduce,
  logsumexp,
  norm2,
  softmax,
  matmul,
  linear: linearWith(matmul),
  expand,
  permute,
  slice,
  unslice,
  concat,
  indexSelect,
  indexAdd,
  gather,
  scatterAdd,
  cast,
};
