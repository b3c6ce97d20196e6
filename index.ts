/**
 * tapegrad: differentiable programming for recurrent networks. Tensors on typed arrays, a tape-based
 * reverse-mode engine with functional and PyTorch-style surfaces, and a float64 gradient checker.
 * @packageDocumentation
 */
import './autograd/methods.js';

export type { DType } from './core/dtype.js';
export { TapegradError } from './core/errors.js';
export type { Shape } from './core/shape.js';
export { Tensor, type TensorLike, type NestedArray, type SliceSpec } from './core/tensor.js';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, uniform, randint,
  type CreateOptions, type RandomOptions,
} from './core/creation.js';
export { Generator, manualSeed, defaultGenerator } from './core/random.js';
export {
  getBackend, setBackend, jsBackend, wasmBackend, wasmAvailable, wasmRelaxedSimd, getNumThreads, setNumThreads, processorCount, wasmThreadsReady,
  type Backend, type UnaryKernel, type BinaryKernel, type ReduceKernel,
} from './core/kernels/index.js';

export {
  defineOp, defineMultiOp, noGrad, enableGrad, isGradEnabled, setDetectAnomaly, isAnomalyEnabled,
  type OpDef, type Primitive, type VjpContext, type MultiOpDef, type MultiPrimitive, type MultiVjpContext,
} from './autograd/tape.js';
export { backward, grad, valueAndGrad, vjp, type GradOptions, type BackwardCallOptions } from './autograd/grad.js';
export type { Tree } from './autograd/tree.js';
export {
  gradcheck, gradgradcheck,
  type GradcheckOptions, type GradcheckReport, type InputReport, type WorstElement,
} from './autograd/gradcheck.js';
export type { PrimitiveName } from './autograd/ops/registry.js';

export { add, sub, mul, div, neg, pow, maximum, minimum, where } from './autograd/ops/arithmetic.js';
export { exp, log, log1p, sqrt, abs, sin, cos, tanh, sigmoid, relu, leakyRelu, softplus, clamp } from './autograd/ops/unary.js';
export { eq, ne, lt, le, gt, ge, isnan, isfinite, sign } from './autograd/ops/compare.js';
export {
  sum, mean, max, min, variance, variance as var, std, norm, logsumexp, argmax, argmin,
  type ReduceOptions, type VarianceOptions,
} from './autograd/ops/reduce.js';
export { matmul, linear } from './autograd/ops/linalg.js';
export {
  reshape, permute, transpose, squeeze, unsqueeze, expand, broadcastTo, flatten, slice, narrow, select,
  indexSelect, gather, concat, stack, split, chunk, unbind, flip, pad, cast, clone, detach, type PadMode, type PadOptions,
} from './autograd/ops/shape.js';
export { softmax, logSoftmax, type Reduction } from './autograd/ops/stable.js';
// The losses most reached for, also at the top level: the same functions as nn.crossEntropy and nn.binaryCrossEntropyWithLogits.
export { crossEntropy, binaryCrossEntropyWithLogits } from './nn/losses.js';

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export {
  serializeSafetensors, deserializeSafetensors, checkpointToBytes, checkpointFromBytes, CHECKPOINT_FORMAT,
  type Safetensors, type Checkpoint, type LoadedCheckpoint, type CheckpointLoadOptions, type SafetensorsWriteOptions,
  type SafetensorsReadOptions,
} from './optim/checkpoint.js';
