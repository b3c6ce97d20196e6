/**
 * Every differentiable primitive, by name. The tests are typed against this table, so a primitive added
 * here without a gradient-check spec is a compile error (and a failing test).
 */
import { addOp, divOp, maximumOp, minimumOp, mulOp, negOp, powOp, subOp, whereOp } from './arithmetic.js';
import { linearOp, matmulOp } from './linalg.js';
import { logsumexpOp, maxOp, minOp, normOp, sumOp } from './reduce.js';
import {
  castOp, concatOp, splitOp, unbindOp, expandOp, gatherOp, indexAddOp, indexSelectOp, permuteOp, reshapeOp, scatterAddOp, sliceOp, unsliceOp,
} from './shape.js';
import { logSoftmaxOp, softmaxOp } from './stable.js';
import {
  absOp, clampOp, clampTensorOp, cosOp, expOp, log1pOp, logOp, reluOp, sigmoidBackwardOp, sigmoidOp, sinOp, softplusOp, sqrtOp, tanhBackwardOp, tanhOp,
} from './unary.js';

/** @internal */
export const primitives = {
  add: addOp, sub: subOp, mul: mulOp, div: divOp, neg: negOp, pow: powOp, maximum: maximumOp, minimum: minimumOp, where: whereOp,
  exp: expOp, log: logOp, log1p: log1pOp, sqrt: sqrtOp, abs: absOp, sin: sinOp, cos: cosOp, tanh: tanhOp,
  sigmoid: sigmoidOp, relu: reluOp, softplus: softplusOp, clamp: clampOp, clampTensor: clampTensorOp, tanhBackward: tanhBackwardOp, sigmoidBackward: sigmoidBackwardOp,
  sum: sumOp, max: maxOp, min: minOp, logsumexp: logsumexpOp, norm: normOp,
  matmul: matmulOp, linear: linearOp,
  reshape: reshapeOp, permute: permuteOp, expand: expandOp, slice: sliceOp, unslice: unsliceOp, concat: concatOp,
  split: splitOp, unbind: unbindOp,
  indexSelect: indexSelectOp, indexAdd: indexAddOp, gather: gatherOp, scatterAdd: scatterAddOp, cast: castOp,
  softmax: softmaxOp, logSoftmax: logSoftmaxOp,
} as const;

/** The name of a differentiable primitive. @category Autograd */
export type PrimitiveName = keyof typeof primitives;
