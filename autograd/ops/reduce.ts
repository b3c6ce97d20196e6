import { check, checkOptions } from '../../core/errors.js';
import { type Shape, checkRank0Axes, fmt, normAxes, normAxis, reducedShape, sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { defineOp } from '../tape.js';
import { add, div, mul, pow, sub, where } from './arithmetic.js';
import { eq } from './compare.js';
import { broadcastTo, reshape } from './shape.js';
import { abs, exp, sqrt } from './unary.js';
import { K, asTensor, requireFloat } from './util.js';

export interface Axes {
  axes: readonly number[];
  keepdims: boolean;
}

/** Options of reductions. @category Reduction */
export interface ReduceOptions {
  /** Keep the reduced axes with size 1 (default false). */
  keepdims?: boolean;
}

/** A reduced tensor (or its cotangent) brought back to the input's shape: reshape to kept axes, then broadcast. */
function spread(t: Tensor, inShape: Shape, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(t, reducedShape(inShape, axes, true)), inShape);
}

export const sumOp = defineOp<[Tensor], Axes>({
  name: 'sum',
  forward: ([x], { axes, keepdims }) => K().reduce('sum', x, axes, keepdims),
  vjp: (g, { inputs: [x], params: { axes } }) => [spread(g, x.shape, axes)], // d sum(x) = sum(dx): g copies back
});

// NOTE: ties share the gradient equally (as torch.amax): each of k tied maxima gets g / k.
const extremum = (name: 'max' | 'min') =>
  defineOp<[Tensor], Axes>({
    name,
    forward: ([x], { axes, keepdims }) => K().reduce(name, x, axes, keepdims),
    vjp: (g, { inputs: [x], output: y, params: { axes } }) => {
      const hit = eq(x, spread(y, x.shape, axes)); // constant mask of the extreme elements
      const count = K().reduce('sum', hit, axes, true);
      return [mul(spread(g, x.shape, axes), K().binary('div', hit, count))]; // d max = [x = max]/k dx
    },
  });
export const maxOp = extremum('max');
export const minOp = extremum('min');

// NOTE: logsumexp is a primitive so that its forward shifts by the max (exact for logits of 1e4) and
// its backward reuses the output: softmax = exp(x - lse) never overflows.
export const logsumexpOp = defineOp<[Tensor], Axes>({
  name: 'logsumexp',
  forward: ([x], { axes, keepdims }) => K().logsumexp(x, axes, keepdims),
  vjp: (g, { inputs: [x], output: y, params: { axes } }) => [mul(spread(g, x.shape, axes), exp(sub(x, spread(y, x.shape, axes))))], // d lse = softmax(x) . dx
});

// NOTE: the 2-norm is a primitive so that its forward scales against overflow and its gradient at
// x = 0 is 0 (as PyTorch) rather than 0/0: masked, with the untaken branch dividing by 1, so that the
// second order there is 0 too (PyTorch: NaN).
export const normOp = defineOp<[Tensor], Axes>({
  name: 'norm',
  forward: ([x], { axes, keepdims }) => K().norm2(x, axes, keepdims),
  vjp: (g, { inputs: [x], output: y, params: { axes } }) => {
    const zero = eq(y, 0);
    const safe = where(zero, 1, y);
    return [where(spread(zero, x.shape, axes), 0, mul(spread(g, x.shape, axes), div(x, spread(safe, x.shape, axes))))]; // d |x| = x/|x| . dx
  },
});

/** Only `known` option keys, and a boolean `keepdims`. */
function checkReduceOptions(op: string, opts: unknown, known: readonly string[]): void {
  checkOptions(op, opts, known);
  const keepdims = (opts as ReduceOptions | undefined)?.keepdims;
  check(keepdims === undefined || typeof keepdims === 'boolean', op, () => `keepdims must be a boolean, got ${String(keepdims)}`);
}

/**
 * The reduced axes, sorted. A rank-0 tensor accepts axis 0 and -1 (as PyTorch) and reduces over nothing.
 * Also checks the options bag: only `known` keys, and a boolean `keepdims`.
 */
function axesOf(op: string, x: Tensor, axis: number | readonly number[] | undefined, opts: unknown, known: readonly string[] = ['keepdims']): number[] {
  asTensor(op, x);
  checkReduceOptions(op, opts, known);
  if (x.ndim > 0 || axis === undefined) return normAxes(op, axis, x.ndim);
  checkRank0Axes(op, axis);
  return [];
}

/**
 * Sum over `axis` (a number, a list, or all axes when omitted). A rank-0 tensor takes axis 0 or -1, as
 * PyTorch; an empty tensor sums to 0.
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 * ```
 * @category Reduction
 */
export function sum(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return sumOp([x], { axes: axesOf('sum', x, axis, opts), keepdims: opts.keepdims ?? false });
}

/**
 * Mean over `axis` (float tensors); NaN over an empty axis, as PyTorch.
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]])); // 2.5
 * ```
 * @category Reduction
 */
export function mean(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('mean', x, axis, opts);
  requireFloat('mean', x);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  const total = sumOp([x], { axes, keepdims: opts.keepdims ?? false });
  // NOTE: over an empty axis the mean is NaN (as PyTorch): added rather than 0/0, so that the VJP's own
  // VJP is 0 there (the derivative of a map from nothing) rather than NaN.
  return n === 0 ? add(total, NaN) : div(total, n);
}

function extreme(op: 'max' | 'min', x: Tensor, axis: number | readonly number[] | undefined, opts: ReduceOptions): Tensor {
  const axes = axesOf(op, x, axis, opts);
  checkNotEmpty(op, x, axes);
  return (op === 'max' ? maxOp : minOp)([x], { axes, keepdims: opts.keepdims ?? false });
}

/** max and min have no identity: refuse an empty reduced axis (as PyTorch), naming the function called. */
function checkNotEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  const empty = axes.find((a) => x.shape[a] === 0);
  check(empty === undefined, op, () => `cannot reduce the empty axis ${empty} of shape ${fmt(x.shape)} (there is no identity to return)`);
}

/**
 * Maximum over `axis` (as `torch.amax`: values only; see {@link argmax} for indices). Tied maxima share
 * the gradient equally; NaN propagates. Throws on an empty reduced axis, as PyTorch.
 * @example
 * ```ts
 * max(tensor([[1, 5], [3, 2]]), 1); // [5, 3]
 * ```
 * @category Reduction
 */
export function max(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return extreme('max', x, axis, opts);
}

/**
 * Minimum over `axis` (as `torch.amin`). Tied minima share the gradient equally.
 * @example
 * ```ts
 * min(tensor([[1, 5], [3, 2]]), 0); // [1, 2]
 * ```
 * @category Reduction
 */
export function min(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return extreme('min', x, axis, opts);
}

/**
 * log(sum(exp(x))) over `axis`, computed stably (exact for values of magnitude 1e4); -Infinity over an
 * empty axis, as PyTorch.
 * @example
 * ```ts
 * logsumexp(tensor([1e4, 1e4])); // 1e4 + log 2
 * ```
 * @category Reduction
 */
export function logsumexp(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('logsumexp', x, axis, opts);
  requireFloat('logsumexp', x);
  return logsumexpOp([x], { axes, keepdims: opts.keepdims ?? false });
}

/** Options of {@link variance} and {@link std}. @category Reduction */
export interface VarianceOptions extends ReduceOptions {
  /**
   * An integer subtracted from the count in the denominator: 1 (default) is Bessel's correction, 0 the
   * population variance. Where the count is not larger, the result is PyTorch's: the sum of squares
   * divided by 0 (NaN or Infinity).
   */
  correction?: number;
}

function varianceOf(op: string, x: Tensor, axis: number | readonly number[] | undefined, opts: VarianceOptions): Tensor {
  const axes = axesOf(op, x, axis, opts, ['keepdims', 'correction']);
  requireFloat(op, x);
  const correction = opts.correction ?? 1;
  check(Number.isInteger(correction), op, () => `correction must be an integer, got ${String(correction)}`);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  const centred = sub(x, mean(x, axes, { keepdims: true }));
  return div(sum(mul(centred, centred), axes, { keepdims: opts.keepdims ?? false }), Math.max(0, n - correction));
}

/**
 * Variance over `axis`, with `correction` (default 1, as PyTorch). Exported as `var` too. Over too few
 * elements (as an empty tensor) it is NaN, as PyTorch.
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])); // 1.6667
 * ```
 * @category Reduction
 */
export function variance(x: Tensor, axis?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  return varianceOf('var', x, axis, opts);
}

/**
 * Standard deviation over `axis` (square root of {@link variance}); its gradient is 0 where the variance
 * is 0 (a constant slice), as PyTorch.
 * @example
 * ```ts
 * std(tensor([1, 2, 3, 4]), 0, { correction: 0 }); // 1.1180
 * ```
 * @category Reduction
 */
export function std(x: Tensor, axis?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  const v = varianceOf('std', x, axis, opts);
  // NOTE: sqrt's derivative is infinite at 0; the untaken branch sees 1 there, so d std = 0, not Inf * 0.
  const zero = eq(v, 0);
  return where(zero, 0, sqrt(where(zero, 1, v)));
}

/**
 * Vector p-norm over `axis` (all elements by default): p = 2 (default), 1, Infinity, or any p >= 1, as
 * `torch.linalg.vector_norm`. The gradient where the norm is 0 is 0; the norm of an empty slice is 0
 * (the Infinity norm of one throws, as PyTorch).
 * @example
 * ```ts
 * norm(tensor([3, 4])); // 5
 * ```
 * @category Reduction
 */
export function norm(x: Tensor, p = 2, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('norm', x, axis, opts);
  requireFloat('norm', x);
  const keepdims = opts.keepdims ?? false;
  check(typeof p === 'number' && p >= 1, 'norm', () => `p must be a number >= 1 (or Infinity), got ${String(p)}`);
  if (p === 2) return normOp([x], { axes, keepdims });
  if (p === 1) return sumOp([abs(x)], { axes, keepdims });
  if (p === Infinity) {
    checkNotEmpty('norm', x, axes);
    return maxOp([abs(x)], { axes, keepdims });
  }
  // NOTE: s^(1/p) has an infinite slope at s = 0; the untaken branch sees 1 there, so the gradient of an
  // all-zero slice is 0 (as PyTorch), not Inf * 0.
  const s = sumOp([pow(abs(x), p)], { axes, keepdims });
  const zero = eq(s, 0);
  return where(zero, 0, pow(where(zero, 1, s), 1 / p));
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, opts: ReduceOptions): Tensor {
  asTensor(op, x);
  checkReduceOptions(op, opts, ['keepdims']);
  check(x.size > 0, op, () => `cannot reduce an empty tensor (shape ${fmt(x.shape)})`);
  if (axis === undefined) return K().argReduce(op, reshape(x, [x.size]), 0, false);
  if (x.ndim === 0) {
    checkRank0Axes(op, axis);
    return K().argReduce(op, reshape(x, [1]), 0, false);
  }
  return K().argReduce(op, x, normAxis(op, axis, x.ndim), opts.keepdims ?? false);
}

/**
 * Index of the maximum along `axis` (of the flattened tensor when omitted), as int32; the first on ties.
 * Not differentiable.
 * @example
 * ```ts
 * argmax(tensor([[1, 5], [3, 2]]), 1); // [1, 0]
 * ```
 * @category Reduction
 */
export function argmax(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce('argmax', x, axis, opts);
}

/**
 * Index of the minimum along `axis`, as int32; the first on ties. Not differentiable.
 * @example
 * ```ts
 * argmin(tensor([3, 1, 2])); // 1
 * ```
 * @category Reduction
 */
export function argmin(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce('argmin', x, axis, opts);
}
