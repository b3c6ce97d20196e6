import { checkRank0Axes, normAxis } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { defineOp } from '../tape.js';
import { mul, sub } from './arithmetic.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { exp } from './unary.js';
import { asTensor, K, requireFloat } from './util.js';

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

/** The axis, normalised; a rank-0 tensor takes 0 or -1 (as PyTorch) and is treated as one element. */
function axisOf(op: string, x: Tensor, axis: number): number {
  requireFloat(op, asTensor(op, x));
  if (x.ndim > 0) return normAxis(op, axis, x.ndim);
  checkRank0Axes(op, axis);
  return 0;
}

/** op along `axis`, on a rank-0 tensor as on its one element. */
function along(op: typeof softmaxOp, x: Tensor, axis: number): Tensor {
  return x.ndim > 0 ? op([x], { axis }) : reshape(op([reshape(x, [1])], { axis }), []);
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
  return along(softmaxOp, x, axisOf('softmax', x, axis));
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
  return along(logSoftmaxOp, x, axisOf('logSoftmax', x, axis));
}

/** How a loss combines its per-element values (the losses are in `nn`; {@link nn.crossEntropy} is exported at the top level too). @category Losses */
export type Reduction = 'mean' | 'sum' | 'none';
