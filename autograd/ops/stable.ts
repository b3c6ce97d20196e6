import { check } from '../../core/errors.js';
import { fmt, normAxis, shapeEq } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { defineOp } from '../tape.js';
import { add, mul, neg, sub } from './arithmetic.js';
import { mean, sum } from './reduce.js';
import { gather, squeeze, unsqueeze } from './shape.js';
import { exp, softplus } from './unary.js';
import { K, asTensor, requireFloat } from './util.js';

// NOTE: softmax and logSoftmax are primitives: the forward shifts by the max (exact for logits of 1e4),
// and the backward reuses the output instead of differentiating exp/sum/div, which would overflow.
export const softmaxOp = defineOp<[Tensor], { axis: number }>({
  name: 'softmax',
  forward: ([x], { axis }) => K().softmax(x, axis, false),
  vjp: (g, { output: y, params: { axis } }) => [mul(y, sub(g, sum(mul(g, y), axis, { keepdims: true })))], // ds = s (g - <g, s>)
});

export const logSoftmaxOp = defineOp<[Tensor], { axis: number }>({
  name: 'logSoftmax',
  forward: ([x], { axis }) => K().softmax(x, axis, true),
  vjp: (g, { output: y, params: { axis } }) => [sub(g, mul(exp(y), sum(g, axis, { keepdims: true })))], // d log s = g - s sum(g)
});

function axisOf(op: string, x: Tensor, axis: number): number {
  requireFloat(op, asTensor(op, x));
  check(x.ndim > 0, op, () => 'expected at least one axis, got a scalar');
  return normAxis(op, axis, x.ndim);
}

/**
 * Softmax along `axis` (default the last), stable for any logits.
 * @example
 * ```ts
 * softmax(tensor([1e4, 1e4])); // [0.5, 0.5]
 * ```
 * @category Stable
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp([x], { axis: axisOf('softmax', x, axis) });
}

/**
 * log(softmax(x)) along `axis`, computed as x - logsumexp(x) (exact where softmax underflows).
 * @example
 * ```ts
 * logSoftmax(tensor([0, 1e4])); // [-1e4, 0]
 * ```
 * @category Stable
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return logSoftmaxOp([x], { axis: axisOf('logSoftmax', x, axis) });
}

/** How a loss combines its per-element values. @category Losses */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  check(reduction === 'mean', op, () => `reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  return mean(loss);
}

/**
 * Softmax cross-entropy from logits and int32 class indices, as `torch.nn.functional.cross_entropy`:
 * logits [N, C] (or [N, C, d...], or [C]) and targets [N] (or [N, d...], or []).
 * @example
 * ```ts
 * crossEntropy(logits, tensor([2, 0], { dtype: 'int32' })); // mean over the batch
 * ```
 * @category Losses
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const op = 'crossEntropy';
  requireFloat(op, asTensor(op, logits, 'logits'));
  asTensor(op, target, 'target');
  check(target.dtype === 'int32', op, () => `target must hold int32 class indices, got ${target.dtype}`);
  const classAxis = logits.ndim === 1 ? 0 : 1;
  const expected = logits.shape.filter((_, i) => i !== classAxis);
  check(logits.ndim >= 1 && shapeEq(target.shape, expected), op, () =>
    `logits of shape ${fmt(logits.shape)} (classes on axis ${classAxis}) need targets of shape ${fmt(expected)}, got ${fmt(target.shape)}`,
  );
  const C = logits.shape[classAxis]!;
  const bad = target.data.findIndex((t) => t < 0 || t >= C);
  check(bad < 0, op, () => `target ${target.data[bad]} (at flat position ${bad}) is out of range for ${C} classes (logits ${fmt(logits.shape)})`);
  // NOTE: composed over the logSoftmax primitive, which carries the stability: the gradient is
  // softmax - onehot exactly, with no exp of large logits anywhere.
  const picked = gather(logSoftmax(logits, classAxis), classAxis, unsqueeze(target, classAxis));
  return reduce(op, neg(squeeze(picked, classAxis)), opts.reduction ?? 'mean');
}

/**
 * Binary cross-entropy from logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
 * (1 - y) x + w softplus(-x) with w = 1 + (posWeight - 1) y, exact at any logit.
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0])); // 0
 * ```
 * @category Losses
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction; posWeight?: Tensor } = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  requireFloat(op, asTensor(op, logits, 'logits'));
  asTensor(op, target, 'target');
  check(target.dtype === logits.dtype && shapeEq(target.shape, logits.shape), op, () =>
    `target must match logits (${logits.dtype} ${fmt(logits.shape)}), got ${target.dtype} ${fmt(target.shape)}`,
  );
  const { posWeight } = opts;
  const w = posWeight ? add(1, mul(sub(asTensor(op, posWeight, 'posWeight'), 1), target)) : 1;
  const loss = add(mul(sub(1, target), logits), mul(w, softplus(neg(logits))));
  return reduce(op, loss, opts.reduction ?? 'mean');
}
