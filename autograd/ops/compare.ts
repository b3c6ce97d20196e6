/**
 * Comparisons and masks. Not differentiable: each returns 1 where the relation holds and 0 elsewhere,
 * in the dtype of its inputs (so a mask multiplies directly), and never records on the tape.
 */
import type { Tensor, TensorLike } from '../../core/tensor.js';
import type { BinaryKernel } from '../../core/kernels/index.js';
import { K, asTensor, operands } from './util.js';

function compare(op: BinaryKernel, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(op, a, b, false);
  return K().binary(op, x, y);
}

/**
 * Mask of a == b (broadcast).
 * @example
 * ```ts
 * eq(tensor([1, 2]), 2); // [0, 1]
 * ```
 * @category Comparison
 */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}

/**
 * Mask of a != b.
 * @example
 * ```ts
 * ne(tensor([1, 2]), 2); // [1, 0]
 * ```
 * @category Comparison
 */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare('ne', a, b);
}

/**
 * Mask of a < b.
 * @example
 * ```ts
 * lt(tensor([1, 2]), 2); // [1, 0]
 * ```
 * @category Comparison
 */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}

/**
 * Mask of a <= b.
 * @example
 * ```ts
 * le(tensor([1, 2]), 2); // [1, 1]
 * ```
 * @category Comparison
 */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}

/**
 * Mask of a > b.
 * @example
 * ```ts
 * gt(tensor([1, 2]), 1); // [0, 1]
 * ```
 * @category Comparison
 */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}

/**
 * Mask of a >= b.
 * @example
 * ```ts
 * ge(tensor([1, 2]), 2); // [0, 1]
 * ```
 * @category Comparison
 */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}

/**
 * Mask of NaN elements.
 * @example
 * ```ts
 * isnan(tensor([1, NaN])); // [0, 1]
 * ```
 * @category Comparison
 */
export function isnan(x: Tensor): Tensor {
  return K().unary('isnan', asTensor('isnan', x));
}

/**
 * Mask of finite elements (not NaN, not ±Infinity).
 * @example
 * ```ts
 * isfinite(tensor([1, Infinity])); // [1, 0]
 * ```
 * @category Comparison
 */
export function isfinite(x: Tensor): Tensor {
  return K().unary('isfinite', asTensor('isfinite', x));
}

/**
 * The sign of each element (-1, 0 or 1); not differentiable (its derivative is 0 almost everywhere).
 * @example
 * ```ts
 * sign(tensor([-2, 0, 3])); // [-1, 0, 1]
 * ```
 * @category Comparison
 */
export function sign(x: Tensor): Tensor {
  return K().unary('sign', asTensor('sign', x));
}
