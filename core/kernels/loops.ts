/** @internal Strided iteration helpers shared by the TypeScript kernels. */
import type { TypedArray } from '../dtype.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Calls `body(o, offsets)` for every element of `shape` in row-major order, where `o` is the flat output
 * index and `offs[k]` the offset into operand k (whose strides are `strides[k]`, 0 on broadcast axes).
 * The innermost axis is the hot loop and gets its own strides so callers can specialise it.
 */
export function walk(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  base: readonly number[],
  row: (o: number, offs: readonly number[], n: number, inner: readonly number[]) => void,
): void {
  const rank = shape.length;
  const k = strides.length;
  const offs = [...base];
  if (rank === 0) {
    row(0, offs, 1, new Array<number>(k).fill(0));
    return;
  }
  const n = shape[rank - 1]!;
  const inner = strides.map((s) => s[rank - 1]!);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d]!;
  if (n === 0 || rows === 0) return;
  const idx = new Array<number>(rank).fill(0);
  for (let r = 0; r < rows; r++) {
    row(r * n, offs, n, inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let j = 0; j < k; j++) offs[j]! += strides[j]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let j = 0; j < k; j++) offs[j]! -= strides[j]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Copies the strided view (`offset`, `strides`, `shape`) of `src` into contiguous `dst`. */
export function gatherStrided(src: TypedArray, offset: number, strides: readonly number[], shape: readonly number[], dst: TypedArray): void {
  walk(shape, [strides], [offset], (o, offs, n, inner) => {
    const s = inner[0]!;
    let p = offs[0]!;
    // A long contiguous run is one memcpy (subarray costs a view object, worth it from a few dozen elements).
    if (s === 1 && n >= 32 && src.constructor === dst.constructor) dst.set(src.subarray(p, p + n) as Float64Array, o);
    else for (let i = 0; i < n; i++, p += s) dst[o + i] = src[p]!;
  });
}

/** Writes contiguous `src` into the strided view (`offset`, `strides`, `shape`) of `dst`. */
export function scatterStrided(src: TypedArray, dst: TypedArray, offset: number, strides: readonly number[], shape: readonly number[]): void {
  walk(shape, [strides], [offset], (o, offs, n, inner) => {
    const s = inner[0]!;
    let p = offs[0]!;
    for (let i = 0; i < n; i++, p += s) dst[p] = src[o + i]!;
  });
}

/** Views a shape as [outer, n, inner] around `axis`. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return [outer, shape[axis]!, inner];
}

const NO_BATCH: readonly number[] = Object.freeze([]);

/**
 * The sizes of a batched op(A) @ op(B): M, K, N, the broadcast batch shape and each operand's strides over
 * it (in matrices), shared by every backend's matmul.
 */
export function matmulGeometry(a: Tensor, b: Tensor, transA: boolean, transB: boolean) {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const N = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (ra === 2 && rb === 2) return { M, K, N, batchA: NO_BATCH, batchB: NO_BATCH, batch: NO_BATCH, sA: NO_BATCH, sB: NO_BATCH };
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  return { M, K, N, batchA, batchB, batch, sA: broadcastStrides(batchA, batch), sB: broadcastStrides(batchB, batch) };
}
