import { TapegradError, check } from '../../core/errors.js';
import { broadcastShapes, fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { type Primitive, defineOp, deferProduct } from '../tape.js';
import { sum } from './reduce.js';
import { reshape, squeeze, unsqueeze } from './shape.js';
import { K, asTensor, requireFloat } from './util.js';

export interface Flags {
  transA: boolean;
  transB: boolean;
}

// C = op(A) op(B). The VJPs use the transpose flags, so backward never materialises a transpose.
export const matmulOp: Primitive<[Tensor, Tensor], Flags> = defineOp({
  name: 'matmul',
  forward: ([a, b], { transA, transB }) => K().matmul(a, b, transA, transB),
  // dC = dA B + A dB  =>  dA = g B^T, dB = A^T g (transposed accordingly when op(.) is a transpose)
  vjp: (g, { inputs: [a, b], params: { transA: ta, transB: tb }, needs }) => [
    needs[0] ? (ta ? matmulOp([b, g], { transA: tb, transB: true }) : matmulOp([g, b], { transA: false, transB: !tb })) : null,
    needs[1] ? (tb ? matmulOp([g, a], { transA: true, transB: ta }) : matmulOp([a, g], { transA: !ta, transB: false })) : null,
  ],
});

// NOTE: linear is a primitive (as PyTorch's addmm) so that a recurrent step costs one op and one buffer
// per projection: the bias, a row [O] or a whole [N, O] addend, starts the matmul's output, and its
// gradient is one sum (or g itself).
export const linearOp: Primitive<Tensor[], undefined> = defineOp({
  name: 'linear',
  forward: ([x, w, b]) => K().linear(x!, w!, b ?? null),
  // y = x W^T + b  =>  dx = g W, dW = g^T x, db = g summed to b's shape
  // (dW is deferred: over a sequence the engine sums each step's g^T x straight into the weight's gradient)
  vjp: (g, { inputs: [x, w, b], needs }) => [
    needs[0] ? matmulOp([g, w!], { transA: false, transB: false }) : null,
    needs[1] ? deferProduct(g, x!, true, false, () => matmulOp([g, x!], { transA: true, transB: false })) : null,
    b && needs[2] ? (b.ndim === 1 ? sum(g, 0) : g) : null,
  ],
});

function operandsOf(op: string, a: Tensor, b: Tensor): void {
  asTensor(op, a, 'a');
  asTensor(op, b, 'b');
  requireFloat(op, a, 'a');
  check(a.dtype === b.dtype, op, () => `dtype mismatch: ${a.dtype} ${fmt(a.shape)} and ${b.dtype} ${fmt(b.shape)}`);
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (left) or a column (right)
 * and the added axis removed; leading (batch) axes broadcast.
 * @example
 * ```ts
 * matmul(ones([2, 3]), ones([3, 4]));        // shape [2, 4]
 * matmul(ones([5, 2, 3]), ones([3]));        // shape [5, 2]
 * ```
 * @category Linear algebra
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  operandsOf('matmul', a, b);
  check(a.ndim >= 1 && b.ndim >= 1, 'matmul', () => `both operands need at least one axis, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const A = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const B = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const k1 = A.shape[A.ndim - 1]!;
  const k2 = B.shape[B.ndim - 2]!;
  check(k1 === k2, 'matmul', () => `shapes ${fmt(a.shape)} and ${fmt(b.shape)} are not aligned: ${k1} (last axis of a) != ${k2} (${b.ndim === 1 ? 'length' : 'second-to-last axis'} of b)`);
  try {
    broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
  } catch {
    throw new TapegradError('matmul', `batch axes of shapes ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast (${fmt(A.shape.slice(0, -2))} vs ${fmt(B.shape.slice(0, -2))})`);
  }
  let y = matmulOp([A, B], { transA: false, transB: false });
  if (a.ndim === 1) y = squeeze(y, -2);
  if (b.ndim === 1) y = squeeze(y, -1);
  return y;
}

/**
 * y = x W^T + b with PyTorch's layout: `weight` is [out, in], x is [..., in], and `bias` is [out] or,
 * as the addend of `torch.addmm`, a whole [..., out] of the output's shape (one op and one buffer for
 * x W^T + b: a recurrent step adds its precomputed input projection this way).
 * @example
 * ```ts
 * linear(randn([8, 3]), randn([4, 3]), zeros([4]));    // shape [8, 4]
 * linear(randn([8, 3]), randn([4, 3]), ones([8, 4]));  // x W^T + 1, shape [8, 4]
 * ```
 * @category Linear algebra
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  operandsOf('linear', x, weight);
  check(weight.ndim === 2, 'linear', () => `weight must be [out, in], got shape ${fmt(weight.shape)}`);
  const [out, inp] = weight.shape as [number, number];
  check(x.ndim >= 1 && x.shape[x.ndim - 1] === inp, 'linear', () => `input of shape ${fmt(x.shape)} does not end in ${inp}, the in-features of weight ${fmt(weight.shape)}`);
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : reshape(x, [-1, inp]);
  let b2 = bias;
  if (bias) {
    asTensor('linear', bias, 'bias');
    const full = bias.ndim === x.ndim && bias.ndim > 1 && lead.every((d, i) => bias.shape[i] === d) && bias.shape[bias.ndim - 1] === out;
    check((full || (bias.ndim === 1 && bias.shape[0] === out)) && bias.dtype === x.dtype, 'linear', () =>
      `bias must be a ${x.dtype} vector of ${out} or a ${x.dtype} ${fmt([...lead, out])} addend (the output's shape), got ${bias.dtype} ${fmt(bias.shape)}`,
    );
    if (full && bias.ndim !== 2) b2 = reshape(bias, [-1, out]);
  }
  const y = linearOp(b2 ? [x2, weight, b2] : [x2, weight]);
  return x.ndim === 2 ? y : reshape(y, [...lead, out]);
}
