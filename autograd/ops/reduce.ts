import { asCalledBy, check } from '../../core/errors.js';
import { type Shape, fmt, normAxes, normAxis, reducedShape, sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { defineOp } from '../tape.js';
import { div, mul, pow, sub, where } from './arithmetic.js';
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
// x = 0 is 0 (as PyTorch) rather than 0/0.
export const normOp = defineOp<[Tensor], Axes>({
  name: 'norm',
  forward: ([x], { axes, keepdims }) => K().norm2(x, axes, keepdims),
  vjp: (g, { inputs: [x], output: y, params: { axes } }) => {
    const safe = where(eq(y, 0), 1, y);
    return [mul(spread(g, x.shape, axes), div(x, spread(safe, x.shape, axes)))]; // d |x| = x/|x| . dx
  },
});

function axesOf(op: string, x: Tensor, axis: number | readonly number[] | undefined): number[] {
  asTensor(op, x);
  return normAxes(op, axis, x.ndim);
}

/**
 * Sum over `axis` (a number, a list, or all axes when omitted).
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 * ```
 * @category Reduction
 */
export function sum(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return sumOp([x], { axes: axesOf('sum', x, axis), keepdims: opts.keepdims ?? false });
}

/**
 * Mean over `axis` (float tensors).
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]])); // 2.5
 * ```
 * @category Reduction
 */
export function mean(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('mean', x, axis);
  requireFloat('mean', x);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  return div(sum(x, axes, opts), n);
}

function extreme(op: 'max' | 'min', x: Tensor, axis: number | readonly number[] | undefined, opts: ReduceOptions): Tensor {
  const axes = axesOf(op, x, axis);
  check(axes.every((a) => x.shape[a]! > 0), op, () => `cannot reduce an empty axis (shape ${fmt(x.shape)})`);
  return (op === 'max' ? maxOp : minOp)([x], { axes, keepdims: opts.keepdims ?? false });
}

/**
 * Maximum over `axis` (as `torch.amax`: values only; see {@link argmax} for indices). Tied maxima share
 * the gradient equally; NaN propagates.
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
 * log(sum(exp(x))) over `axis`, computed stably (exact for values of magnitude 1e4).
 * @example
 * ```ts
 * logsumexp(tensor([1e4, 1e4])); // 1e4 + log 2
 * ```
 * @category Reduction
 */
export function logsumexp(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('logsumexp', x, axis);
  requireFloat('logsumexp', x);
  return logsumexpOp([x], { axes, keepdims: opts.keepdims ?? false });
}

/** Options of {@link variance} and {@link std}. @category Reduction */
export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the count in the denominator: 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
}

/**
 * Variance over `axis`, with `correction` (default 1, as PyTorch). Exported as `var` too.
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])); // 1.6667
 * ```
 * @category Reduction
 */
export function variance(x: Tensor, axis?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  const axes = axesOf('var', x, axis);
  requireFloat('var', x);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  const correction = opts.correction ?? 1;
  check(n - correction > 0, 'var', () => `needs more than ${correction} element(s) over the reduced axes, got ${n} (shape ${fmt(x.shape)})`);
  const centred = sub(x, mean(x, axes, { keepdims: true }));
  return div(sum(mul(centred, centred), axes, opts), n - correction);
}

/**
 * Standard deviation over `axis` (square root of {@link variance}).
 * @example
 * ```ts
 * std(tensor([1, 2, 3, 4]), 0, { correction: 0 }); // 1.1180
 * ```
 * @category Reduction
 */
export function std(x: Tensor, axis?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  return asCalledBy('std', () => sqrt(variance(x, axis, opts)));
}

/**
 * Vector p-norm over `axis` (all elements by default): p = 2 (default), 1, Infinity, or any p >= 1. The
 * 2-norm's gradient at 0 is 0.
 * @example
 * ```ts
 * norm(tensor([3, 4])); // 5
 * ```
 * @category Reduction
 */
export function norm(x: Tensor, p = 2, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const axes = axesOf('norm', x, axis);
  requireFloat('norm', x);
  const keepdims = opts.keepdims ?? false;
  check(p >= 1, 'norm', () => `p must be >= 1 (or Infinity), got ${p}`);
  if (p === 2) return normOp([x], { axes, keepdims });
  if (p === 1) return sum(abs(x), axes, opts);
  if (p === Infinity) return max(abs(x), axes, opts);
  return pow(sum(pow(abs(x), p), axes, { keepdims }), 1 / p);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, opts: ReduceOptions): Tensor {
  asTensor(op, x);
  check(x.size > 0, op, () => `cannot reduce an empty tensor (shape ${fmt(x.shape)})`);
  if (axis === undefined) return K().argReduce(op, reshape(x, [x.size]), 0, false);
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
