import type { UnaryKernel } from '../../core/kernels/index.js';
import { scalarLike } from '../../core/creation.js';
import { check } from '../../core/errors.js';
import { broadcastShapes, fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { type Primitive, defineOp } from '../tape.js';
import { add, div, mul, neg, sub, where } from './arithmetic.js';
import { ge, gt, le, lt, sign } from './compare.js';
import { K, asTensor, requireFloat } from './util.js';

const unaryOp = (name: UnaryKernel & string, vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor) =>
  defineOp<[Tensor]>({
    name,
    forward: ([x]) => K().unary(name, x),
    vjp: (g, { inputs: [x], output: y }) => [vjp(g, x, y)],
  });

export const expOp = unaryOp('exp', (g, _x, y) => mul(g, y)); // d e^x = e^x dx
export const logOp = unaryOp('log', (g, x) => div(g, x)); // d log x = dx / x
export const log1pOp = unaryOp('log1p', (g, x) => div(g, add(x, 1))); // d log(1+x) = dx / (1+x)
export const sqrtOp = unaryOp('sqrt', (g, _x, y) => div(g, mul(y, 2))); // d sqrt(x) = dx / (2 sqrt(x))
export const absOp = unaryOp('abs', (g, x) => mul(g, sign(x))); // d|x| = sign(x) dx (0 at 0, as PyTorch)
export const sinOp = unaryOp('sin', (g, x) => mul(g, cos(x))); // d sin x = cos x dx
export const cosOp = unaryOp('cos', (g, x) => neg(mul(g, sin(x)))); // d cos x = -sin x dx
// NOTE: the VJPs of tanh and sigmoid are primitives of their own (as PyTorch's tanh_backward and
// sigmoid_backward): a recurrent cell takes several of each per step, and one pass with one buffer beats
// three. Their own VJPs keep grad-of-grad working.
export const tanhBackwardOp: Primitive<[Tensor, Tensor], undefined> = defineOp({
  name: 'tanhBackward',
  forward: ([g, y]) => K().binary('tanhBackward', g, y),
  // t = g (1 - y^2)  =>  dg = (1 - y^2) dt, dy = -2 g y dt
  vjp: (dt, { inputs: [g, y], needs }) => [
    needs[0] ? tanhBackwardOp([dt, y]) : null,
    needs[1] ? mul(dt, mul(g, mul(y, -2))) : null,
  ],
});
export const sigmoidBackwardOp: Primitive<[Tensor, Tensor], undefined> = defineOp({
  name: 'sigmoidBackward',
  forward: ([g, y]) => K().binary('sigmoidBackward', g, y),
  // s = g y (1 - y)  =>  dg = y (1 - y) ds, dy = g (1 - 2y) ds
  vjp: (ds, { inputs: [g, y], needs }) => [
    needs[0] ? sigmoidBackwardOp([ds, y]) : null,
    needs[1] ? mul(ds, mul(g, sub(1, mul(y, 2)))) : null,
  ],
});

export const tanhOp = unaryOp('tanh', (g, _x, y) => tanhBackwardOp([g, y])); // tanh' = 1 - tanh^2
// NOTE: sigmoid is a primitive on purpose: composed as 1/(1+exp(-x)) its backward gives 0*Inf = NaN
// once exp(-x) overflows. The kernel uses the branch that never overflows; reusing the output is exact.
export const sigmoidOp = unaryOp('sigmoid', (g, _x, y) => sigmoidBackwardOp([g, y])); // s' = s(1 - s)
export const reluOp = unaryOp('relu', (g, x) => mul(g, gt(x, 0))); // relu' = [x > 0] (0 at the kink, as PyTorch)
// NOTE: softplus is computed as max(x, 0) + log1p(exp(-|x|)), exact for any x; its derivative is sigmoid.
export const softplusOp = unaryOp('softplus', (g, x) => mul(g, sigmoid(x))); // softplus' = sigmoid

export const clampOp = defineOp<[Tensor], { min: number; max: number }>({
  name: 'clamp',
  forward: ([x], { min, max }) => K().clamp(x, min, max),
  // d clamp(x) = [min <= x <= max] dx (the gradient passes at the bounds, as PyTorch)
  vjp: (g, { inputs: [x], params: { min, max } }) => [mul(g, mul(ge(x, min), le(x, max)))],
});

// NOTE: the masks are PyTorch's (clamp_backward_min_max): x gets g where min <= x <= max, min where
// x < min < max, max where x > max or max < min; so where min = max and x < min, nothing gets a gradient.
export const clampTensorOp = defineOp<[Tensor, Tensor, Tensor]>({
  name: 'clampTensor',
  forward: ([x, lo, hi]) => K().binary('minimum', K().binary('maximum', x, lo), hi),
  // d clamp(x, lo, hi) = [lo <= x <= hi] dx + [x < lo < hi] dlo + [x > hi or hi < lo] dhi
  vjp: (g, { inputs: [x, lo, hi], needs }) => [
    needs[0] ? where(mul(ge(x, lo), le(x, hi)), g, 0) : null,
    needs[1] ? where(mul(lt(x, lo), lt(lo, hi)), g, 0) : null,
    needs[2] ? where(K().binary('maximum', gt(x, hi), lt(hi, lo)), g, 0) : null,
  ],
});

const apply1 = (op: { (inputs: [Tensor]): Tensor; def: { name: string } }, x: Tensor): Tensor =>
  op([requireFloat(op.def.name, asTensor(op.def.name, x))]);

/**
 * Elementwise e^x.
 * @example
 * ```ts
 * exp(tensor([0, 1])); // [1, 2.7183]
 * ```
 * @category Elementwise
 */
export function exp(x: Tensor): Tensor {
  return apply1(expOp, x);
}

/**
 * Elementwise natural logarithm.
 * @example
 * ```ts
 * log(tensor([1, Math.E])); // [0, 1]
 * ```
 * @category Elementwise
 */
export function log(x: Tensor): Tensor {
  return apply1(logOp, x);
}

/**
 * Elementwise log(1 + x), accurate for small x.
 * @example
 * ```ts
 * log1p(tensor([1e-10])); // [1e-10]
 * ```
 * @category Elementwise
 */
export function log1p(x: Tensor): Tensor {
  return apply1(log1pOp, x);
}

/**
 * Elementwise square root.
 * @example
 * ```ts
 * sqrt(tensor([4, 9])); // [2, 3]
 * ```
 * @category Elementwise
 */
export function sqrt(x: Tensor): Tensor {
  return apply1(sqrtOp, x);
}

/**
 * Elementwise |x|; the gradient at 0 is 0.
 * @example
 * ```ts
 * abs(tensor([-1, 2])); // [1, 2]
 * ```
 * @category Elementwise
 */
export function abs(x: Tensor): Tensor {
  return apply1(absOp, x);
}

/**
 * Elementwise sine.
 * @example
 * ```ts
 * sin(tensor([0])); // [0]
 * ```
 * @category Elementwise
 */
export function sin(x: Tensor): Tensor {
  return apply1(sinOp, x);
}

/**
 * Elementwise cosine.
 * @example
 * ```ts
 * cos(tensor([0])); // [1]
 * ```
 * @category Elementwise
 */
export function cos(x: Tensor): Tensor {
  return apply1(cosOp, x);
}

/**
 * Elementwise hyperbolic tangent.
 * @example
 * ```ts
 * tanh(tensor([0, 100])); // [0, 1]
 * ```
 * @category Elementwise
 */
export function tanh(x: Tensor): Tensor {
  return apply1(tanhOp, x);
}

/**
 * Elementwise logistic sigmoid 1 / (1 + e^-x), stable for any x.
 * @example
 * ```ts
 * sigmoid(tensor([0, -1000])); // [0.5, 0]
 * ```
 * @category Elementwise
 */
export function sigmoid(x: Tensor): Tensor {
  return apply1(sigmoidOp, x);
}

/**
 * Elementwise max(x, 0); the gradient at 0 is 0.
 * @example
 * ```ts
 * relu(tensor([-1, 2])); // [0, 2]
 * ```
 * @category Elementwise
 */
export function relu(x: Tensor): Tensor {
  return apply1(reluOp, x);
}

/**
 * Elementwise log(1 + e^(beta x)) / beta, exact for any x.
 * @example
 * ```ts
 * softplus(tensor([0, 1000])); // [0.6931, 1000]
 * ```
 * @category Elementwise
 */
export function softplus(x: Tensor, beta = 1): Tensor {
  check(beta > 0 && Number.isFinite(beta), 'softplus', () => `beta must be a positive number, got ${beta}`);
  return beta === 1 ? apply1(softplusOp, x) : div(apply1(softplusOp, mul(x, beta)), beta);
}

/**
 * Elementwise x for x > 0 and negativeSlope * x otherwise (the gradient at 0 is negativeSlope, as PyTorch).
 * @example
 * ```ts
 * leakyRelu(tensor([-10, 10]), 0.1); // [-1, 10]
 * ```
 * @category Elementwise
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  requireFloat('leakyRelu', asTensor('leakyRelu', x));
  check(typeof negativeSlope === 'number' && Number.isFinite(negativeSlope), 'leakyRelu', () =>
    `negativeSlope must be a finite number, got ${typeof negativeSlope === 'number' ? negativeSlope : typeof negativeSlope}`);
  return where(gt(x, 0), x, mul(x, negativeSlope));
}

/**
 * Clamps every element into [min, max], as `torch.clamp`; either bound may be omitted. Bounds are numbers
 * or tensors of x's dtype that broadcast with x (the result takes the broadcast shape), and tensor bounds
 * are differentiable. The gradient passes to x where min <= x <= max; a tensor bound gets it where it is
 * the result. Number bounds must satisfy min <= max; where tensor bounds cross (min > max) the result is
 * max, as PyTorch.
 * @example
 * ```ts
 * clamp(tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * clamp(x, lower, upper);            // elementwise tensor bounds
 * ```
 * @category Elementwise
 */
export function clamp(x: Tensor, min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
  const op = 'clamp';
  requireFloat(op, asTensor(op, x));
  check(min != null || max != null, op, () => 'at least one of min and max must be given');
  const bound = (v: unknown, name: string): void =>
    check(v == null || typeof v === 'number' || v instanceof Tensor, op, () => `${name} must be a number or a Tensor, got ${Array.isArray(v) ? 'an array (wrap it with tensor(...))' : typeof v}`);
  bound(min, 'min');
  bound(max, 'max');
  if (!(min instanceof Tensor) && !(max instanceof Tensor)) {
    const lo = min ?? -Infinity;
    const hi = max ?? Infinity;
    check(!Number.isNaN(lo) && !Number.isNaN(hi) && lo <= hi, op, () => `expected min <= max, got min=${min}, max=${max}`);
    return clampOp([x], { min: lo, max: hi });
  }
  const asBound = (v: number | Tensor | null | undefined, name: string, dflt: number): Tensor => {
    if (!(v instanceof Tensor)) return scalarLike(v ?? dflt, x.dtype, op);
    check(v.dtype === x.dtype, op, () => `${name} must have the input's dtype ${x.dtype}, got ${v.dtype} ${fmt(v.shape)}`);
    return v;
  };
  const lo = asBound(min, 'min', -Infinity);
  const hi = asBound(max, 'max', Infinity);
  broadcastShapes(op, x.shape, lo.shape, hi.shape);
  return clampTensorOp([x, lo, hi]);
}
