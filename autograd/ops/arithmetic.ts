import { scalarLike } from '../../core/creation.js';
import { TapegradError } from '../../core/errors.js';
import { broadcastShapes } from '../../core/shape.js';
import type { Tensor, TensorLike } from '../../core/tensor.js';
import { defineOp } from '../tape.js';
import { eq, ge, gt, lt } from './compare.js';
import { log } from './unary.js';
import { K, asTensor, operands } from './util.js';

export const addOp = defineOp<[Tensor, Tensor]>({
  name: 'add',
  forward: ([a, b]) => K().binary('add', a, b),
  vjp: (g) => [g, g], // d(a + b) = da + db
});

export const subOp = defineOp<[Tensor, Tensor]>({
  name: 'sub',
  forward: ([a, b]) => K().binary('sub', a, b),
  vjp: (g) => [g, neg(g)], // d(a - b) = da - db
});

export const mulOp = defineOp<[Tensor, Tensor]>({
  name: 'mul',
  forward: ([a, b]) => K().binary('mul', a, b),
  vjp: (g, { inputs: [a, b], needs }) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null], // d(ab) = b da + a db
});

export const divOp = defineOp<[Tensor, Tensor]>({
  name: 'div',
  forward: ([a, b]) => K().binary('div', a, b),
  // d(a/b) = da/b - (a/b^2) db
  vjp: (g, { inputs: [a, b], needs }) => [needs[0] ? div(g, b) : null, needs[1] ? neg(div(mul(g, a), mul(b, b))) : null],
});

export const negOp = defineOp<[Tensor]>({
  name: 'neg',
  forward: ([x]) => K().unary('neg', x),
  vjp: (g) => [neg(g)], // d(-x) = -dx
});

// NOTE: the textbook cotangents can be NaN: b a^(b-1) is 0 * Inf where b = 0 and a^(-1) overflows (a = 0
// or subnormal), and a^b log a is 0 * -Inf where a = 0 and b > 0. Those points get 0 (as PyTorch), masked
// after g multiplies, with the untaken branch seeing a = 1 so that no NaN leaks through where's own
// gradient. Where b = 0 the a-cotangent (identically 0 there) reads a as a constant, so its own derivative
// in a is an exact 0 rather than 0 * Inf; its derivative in b stays the exact 1/a (PyTorch gives 0).
export const powOp = defineOp<[Tensor, Tensor]>({
  name: 'pow',
  forward: ([a, b]) => K().binary('pow', a, b),
  // d(a^b) = b a^(b-1) da + a^b log(a) db
  vjp: (g, { inputs: [a, b], output: y, needs }) => {
    let da: Tensor | null = null;
    if (needs[0] && !b.data.includes(0)) da = mul(g, mul(b, pow(a, sub(b, 1)))); // nothing to mask (the usual x^2)
    else if (needs[0]) {
      const k = K();
      const [zero, one] = [scalarLike(0, b.dtype), scalarLike(1, b.dtype)];
      const zeroB = k.binary('eq', b, zero);
      const overflow = k.binary('mul', zeroB, k.binary('eq', k.unary('isfinite', k.binary('pow', a, k.binary('sub', b, one))), zero));
      const base = where(zeroB, k.where(overflow, one, a), a); // a constant where b = 0, and 1 where a^(-1) overflows
      da = where(overflow, 0, mul(g, mul(b, pow(base, sub(b, 1)))));
    }
    let db: Tensor | null = null;
    if (needs[1] && !a.data.includes(0)) db = mul(g, mul(y, log(a)));
    else if (needs[1]) {
      const zeroAB = mul(eq(a, 0), ge(b, 0));
      db = where(zeroAB, 0, mul(g, mul(y, log(where(zeroAB, 1, a)))));
    }
    return [da, db];
  },
});

// NOTE: ties share the gradient equally (half each), as torch.maximum.
export const maximumOp = defineOp<[Tensor, Tensor]>({
  name: 'maximum',
  forward: ([a, b]) => K().binary('maximum', a, b),
  vjp: (g, { inputs: [a, b] }) => tieSplit(g, gt(a, b), eq(a, b)), // d max(a,b) = [a>b] da + [a<b] db
});

export const minimumOp = defineOp<[Tensor, Tensor]>({
  name: 'minimum',
  forward: ([a, b]) => K().binary('minimum', a, b),
  vjp: (g, { inputs: [a, b] }) => tieSplit(g, lt(a, b), eq(a, b)), // d min(a,b) = [a<b] da + [a>b] db
});

/** Weights [a wins] + [tie]/2 and their complement, as constants. */
function tieSplit(g: Tensor, first: Tensor, tie: Tensor): [Tensor, Tensor] {
  const w = K().binary('add', first, K().binary('mul', tie, scalarLike(0.5, tie.dtype)));
  return [mul(g, w), mul(g, K().binary('sub', scalarLike(1, w.dtype), w))];
}

export const whereOp = defineOp<[Tensor, Tensor, Tensor]>({
  name: 'where',
  forward: ([c, a, b]) => K().where(c, a, b),
  // d where(c, a, b) = [c] da + [!c] db
  vjp: (g, { inputs: [c], needs }) => [null, needs[1] ? where(c, g, 0) : null, needs[2] ? where(c, 0, g) : null],
});

/**
 * Elementwise a + b with NumPy broadcasting.
 * @example
 * ```ts
 * add(tensor([1, 2]), 10); // [11, 12]
 * ```
 * @category Arithmetic
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return addOp(operands('add', a, b, false));
}

/**
 * Elementwise a - b with broadcasting.
 * @example
 * ```ts
 * sub(tensor([1, 2]), tensor([[1], [2]])); // shape [2, 2]
 * ```
 * @category Arithmetic
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return subOp(operands('sub', a, b, false));
}

/**
 * Elementwise a * b with broadcasting.
 * @example
 * ```ts
 * mul(tensor([1, 2]), tensor([3, 4])); // [3, 8]
 * ```
 * @category Arithmetic
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return mulOp(operands('mul', a, b, false));
}

/**
 * Elementwise a / b with broadcasting (float tensors).
 * @example
 * ```ts
 * div(tensor([1, 2]), 2); // [0.5, 1]
 * ```
 * @category Arithmetic
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return divOp(operands('div', a, b));
}

/**
 * Elementwise -x.
 * @example
 * ```ts
 * neg(tensor([1, -2])); // [-1, 2]
 * ```
 * @category Arithmetic
 */
export function neg(x: Tensor): Tensor {
  return negOp([asTensor('neg', x)]);
}

/**
 * Elementwise a ** b; the exponent may be a tensor or a number.
 * @example
 * ```ts
 * pow(tensor([1, 2, 3]), 2); // [1, 4, 9]
 * ```
 * @category Arithmetic
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return powOp(operands('pow', a, b));
}

/**
 * Elementwise maximum (NaN propagates; ties share the gradient equally).
 * @example
 * ```ts
 * maximum(tensor([1, 5]), tensor([3, 2])); // [3, 5]
 * ```
 * @category Arithmetic
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return maximumOp(operands('maximum', a, b));
}

/**
 * Elementwise minimum (NaN propagates; ties share the gradient equally).
 * @example
 * ```ts
 * minimum(tensor([1, 5]), 2); // [1, 2]
 * ```
 * @category Arithmetic
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return minimumOp(operands('minimum', a, b));
}

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere; all three broadcast. `cond` is usually a mask
 * from a comparison; it gets no gradient.
 * @example
 * ```ts
 * const x = tensor([-1, 2]);
 * where(gt(x, 0), x, 0); // [0, 2]
 * ```
 * @category Arithmetic
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const c = asTensor('where', cond, 'cond');
  const [x, y] = operands('where', a, b, false);
  broadcastShapes('where', c.shape, x.shape, y.shape);
  if (c.requiresGrad) throw new TapegradError('where', 'cond must be a mask (it gets no gradient); detach() it first');
  return whereOp([c, x, y]);
}
