import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** Elementwise functions of one tensor. @category Kernels */
export type UnaryKernel =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'sin' | 'cos' | 'tanh' | 'sigmoid'
  | 'relu' | 'softplus' | 'sign' | 'isnan' | 'isfinite';

/**
 * Elementwise functions of two broadcast tensors; comparisons give 1/0 in the input dtype.
 * `tanhBackward(g, y)` is g (1 - y^2) and `sigmoidBackward(g, y)` is g y (1 - y): the VJPs of tanh and
 * sigmoid from their outputs, in one pass.
 * @category Kernels
 */
export type BinaryKernel =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'tanhBackward' | 'sigmoidBackward';

/** Reductions over a set of axes. @category Kernels */
export type ReduceKernel = 'sum' | 'max' | 'min';

/**
 * The narrow interface every op computes through. Inputs are validated by the ops (same dtype, shapes
 * that broadcast, indices in range); a backend only computes. All outputs are new contiguous tensors.
 * Replace the backend with {@link setBackend} to run every op on faster kernels.
 *
 * @example
 * ```ts
 * const js = getBackend();
 * setBackend({ ...js, name: 'traced', matmul: (a, b, ta, tb) => js.matmul(a, b, ta, tb) });
 * ```
 * @category Kernels
 */
export interface Backend {
  readonly name: string;
  unary(op: UnaryKernel, x: Tensor): Tensor;
  binary(op: BinaryKernel, a: Tensor, b: Tensor): Tensor;
  /** `cond != 0 ? a : b`, all three broadcast; output in the dtype of a. */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor;
  /** Clamps into [min, max] (either may be ±Infinity). */
  clamp(x: Tensor, min: number, max: number): Tensor;
  /** Reduces the given (sorted, unique) axes. */
  reduce(op: ReduceKernel, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor;
  /** Index of the max/min along one axis (first on ties), as int32. */
  argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdims: boolean): Tensor;
  /** Numerically stable log(sum(exp(x))) over the axes. */
  logsumexp(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor;
  /** Square root of the sum of squares over the axes, with scaling against overflow. */
  norm2(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor;
  /** softmax (or logSoftmax when `log`) along one axis, shifted by the max. */
  softmax(x: Tensor, axis: number, log: boolean): Tensor;
  /** Batched op(A) @ op(B) with NumPy broadcasting of the leading axes; op = transpose of the last two when the flag is set. */
  matmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor;
  /**
   * Optional: C += sum over t of op(A_t) op(B_t) in place, for 2-D operands and a C of the products' shape
   * that nothing else reads (the engine sums a weight's gradient over a sequence's steps this way).
   */
  matmulAccumulate?(c: Tensor, as: readonly Tensor[], bs: readonly Tensor[], transA: boolean, transB: boolean): void;
  /**
   * Optional: runs `fn`, during which the storage of parameters (leaf tensors that require grad) does not
   * change, so the backend may keep prepared copies of them (packed weights) until `fn` returns. The engine
   * runs a backward pass this way, and the sequence runner an unroll.
   */
  withFrozenLeaves?<T>(fn: () => T): T;
  /** x W^T + b for x [N, I], W [O, I], b [O] or [N, O] or null (PyTorch's addmm), in one output buffer. */
  linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor;
  /** Materialises `x` broadcast to `shape`. */
  expand(x: Tensor, shape: readonly number[]): Tensor;
  permute(x: Tensor, axes: readonly number[]): Tensor;
  /** Strided window: per axis, element i of the output is element start + i*step of the input. */
  slice(x: Tensor, starts: readonly number[], steps: readonly number[], outShape: readonly number[]): Tensor;
  /** The adjoint of `slice`: zeros of `shape` with `src` written at the strided positions. */
  unslice(src: Tensor, shape: readonly number[], starts: readonly number[], steps: readonly number[]): Tensor;
  concat(xs: readonly Tensor[], axis: number): Tensor;
  /** Picks entries `index` (1-D int32) along `axis`. */
  indexSelect(x: Tensor, axis: number, index: Tensor): Tensor;
  /** Zeros of `shape` plus `src` added at rows `index` along `axis` (the adjoint of indexSelect). */
  indexAdd(src: Tensor, shape: readonly number[], axis: number, index: Tensor): Tensor;
  /** torch.gather: out[..i..] = x[..index[..i..]..] along `axis`. */
  gather(x: Tensor, axis: number, index: Tensor): Tensor;
  /** Zeros of `shape` with `src` added at `index` along `axis` (the adjoint of gather). */
  scatterAdd(src: Tensor, shape: readonly number[], axis: number, index: Tensor): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;
}
