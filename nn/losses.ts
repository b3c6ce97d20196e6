/**
 * Losses with PyTorch's semantics (`torch.nn.functional.*_loss` and the `*Loss` modules), composed from
 * the differentiable ops. Input and target must agree exactly in shape and dtype: nothing is broadcast.
 */
import { allocate, isFloat } from '../core/dtype.js';
import { check, checkOptions } from '../core/errors.js';
import { broadcastShapes, fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add, div, mul, neg, sub, where } from '../autograd/ops/arithmetic.js';
import { gt, lt } from '../autograd/ops/compare.js';
import { sum } from '../autograd/ops/reduce.js';
import { detach, gather, reshape, squeeze, unsqueeze } from '../autograd/ops/shape.js';
import { type Reduction, logSoftmax } from '../autograd/ops/stable.js';
import { abs, log, log1p, softplus } from '../autograd/ops/unary.js';
import { Module } from './module.js';

/** Options every loss takes. @category Losses */
export interface LossOptions {
  /** 'mean' (default) averages the per-element losses, 'sum' adds them, 'none' returns them. */
  reduction?: Reduction;
}

/** Options of {@link huberLoss}. @category Losses */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Options of {@link smoothL1Loss}. @category Losses */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** Options of {@link nllLoss}. @category Losses */
export interface NLLLossOptions extends LossOptions {
  /** Targets equal to this contribute nothing, to the loss or to the mean's denominator (default -100). */
  ignoreIndex?: number;
  /** A constant weight per class, [C], of the input's dtype (it gets no gradient). */
  weight?: Tensor;
}

/** Options of {@link crossEntropy}. @category Losses */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: ε in [0, 1] (default 0). */
  labelSmoothing?: number;
}

/** Options of {@link binaryCrossEntropy}. @category Losses */
export interface BCELossOptions extends LossOptions {
  /** A constant weight per element, broadcastable to the input's shape, of its dtype. */
  weight?: Tensor;
}

/** Options of {@link binaryCrossEntropyWithLogits}. @category Losses */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** The weight of positive examples, broadcastable to the input's shape (e.g. [C] for [N, C]). */
  posWeight?: Tensor;
}

// The keys of each options bag: a key outside its list is refused (checkOptions), never ignored.
const LOSS_KEYS = ['reduction'] as const;
const HUBER_KEYS = [...LOSS_KEYS, 'delta'] as const;
const SMOOTH_L1_KEYS = [...LOSS_KEYS, 'beta'] as const;
const NLL_KEYS = [...LOSS_KEYS, 'ignoreIndex', 'weight'] as const;
const CROSS_ENTROPY_KEYS = [...NLL_KEYS, 'labelSmoothing'] as const;
const BCE_KEYS = [...LOSS_KEYS, 'weight'] as const;
const BCE_LOGITS_KEYS = [...BCE_KEYS, 'posWeight'] as const;

function checkReduction(op: string, r: unknown): Reduction {
  check(r === 'mean' || r === 'sum' || r === 'none', op, () => `reduction must be 'mean', 'sum' or 'none', got ${String(r)}`);
  return r;
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  // NOTE: the mean of no elements is NaN (as PyTorch); added rather than divided by 0, so that the VJP's
  // own VJP is 0 there rather than 0/0.
  if (reduction === 'mean' && loss.size === 0) return add(sum(loss), NaN);
  return reduction === 'sum' ? sum(loss) : div(sum(loss), loss.size);
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `${v.dtype} ${fmt(v.shape)}`;
  return v === null ? 'null' : Array.isArray(v) ? 'an array (wrap it with tensor(...))' : typeof v;
}

function floatInput(op: string, x: unknown, arg = 'input'): Tensor {
  check(x instanceof Tensor && isFloat(x.dtype), op, () => `${arg} must be a float tensor, got ${describe(x)}`);
  return x;
}

/** An input and a target of exactly the same shape and dtype. */
function pair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = floatInput(op, input);
  check(target instanceof Tensor && target.dtype === x.dtype && shapeEq(target.shape, x.shape), op, () =>
    `target must have the input's shape and dtype (${x.dtype} ${fmt(x.shape)}; nothing is broadcast), got ${describe(target)}`,
  );
  return [x, target];
}

function finiteOption(op: string, name: string, v: unknown, min: number, minOk: boolean): number {
  check(typeof v === 'number' && Number.isFinite(v) && (minOk ? v >= min : v > min), op, () =>
    `${name} must be a finite number ${minOk ? '>=' : '>'} ${min}, got ${String(v)}`,
  );
  return v;
}

/** A constant weight of the input's dtype that broadcasts to the input's shape without enlarging it. */
function elementWeight(op: string, name: string, w: unknown, x: Tensor): Tensor | undefined {
  if (w === undefined || w === null) return undefined;
  const fits = w instanceof Tensor && w.dtype === x.dtype && shapeEq(tryBroadcast(w.shape, x.shape), x.shape);
  check(fits, op, () => `${name} must be a ${x.dtype} tensor broadcastable to the input's shape ${fmt(x.shape)}, got ${describe(w)}`);
  return detach(w as Tensor);
}

function tryBroadcast(a: readonly number[], b: readonly number[]): readonly number[] {
  try {
    return broadcastShapes('', a, b);
  } catch {
    return [];
  }
}

/**
 * Mean squared error (input - target)², as `torch.nn.functional.mse_loss`.
 * @example
 * ```ts
 * mseLoss(tensor([1, 2]), tensor([1, 4])); // 2
 * ```
 * @category Losses
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'mseLoss';
  checkOptions(op, opts, LOSS_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, y] = pair(op, input, target);
  const d = sub(x, y);
  return reduce(mul(d, d), reduction);
}

/**
 * Mean absolute error |input - target|, as `torch.nn.functional.l1_loss` (the gradient at 0 is 0).
 * @example
 * ```ts
 * l1Loss(tensor([1, 2]), tensor([1, 4])); // 1
 * ```
 * @category Losses
 */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'l1Loss';
  checkOptions(op, opts, LOSS_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, y] = pair(op, input, target);
  return reduce(abs(sub(x, y)), reduction);
}

/**
 * The Huber loss, as `torch.nn.functional.huber_loss`: ½d² where |d| < delta, delta(|d| - ½delta)
 * elsewhere, with d = input - target.
 * @example
 * ```ts
 * huberLoss(tensor([0, 0]), tensor([0.5, 3]), { reduction: 'none' }); // [0.125, 2.5]
 * ```
 * @category Losses
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  checkOptions(op, opts, HUBER_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const delta = finiteOption(op, 'delta', opts.delta ?? 1, 0, false);
  const [x, y] = pair(op, input, target);
  const d = sub(x, y);
  const z = abs(d);
  const loss = where(lt(z, delta), mul(mul(d, d), 0.5), mul(sub(z, 0.5 * delta), delta));
  return reduce(loss, reduction);
}

/**
 * The smooth L1 loss, as `torch.nn.functional.smooth_l1_loss`: ½d²/beta where |d| < beta, |d| - ½beta
 * elsewhere (the L1 loss for beta = 0).
 * @example
 * ```ts
 * smoothL1Loss(tensor([0, 0]), tensor([0.5, 3]), { reduction: 'none' }); // [0.125, 2.5]
 * ```
 * @category Losses
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  checkOptions(op, opts, SMOOTH_L1_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const beta = finiteOption(op, 'beta', opts.beta ?? 1, 0, true);
  const [x, y] = pair(op, input, target);
  const d = sub(x, y);
  const z = abs(d);
  if (beta === 0) return reduce(z, reduction);
  return reduce(where(lt(z, beta), mul(mul(d, d), 0.5 / beta), sub(z, 0.5 * beta)), reduction);
}

/** Class-index targets, validated and turned into constants. */
interface ClassTargets {
  classAxis: number;
  classes: number;
  /** The targets with ignored ones replaced by 0 (a valid index), int32, the target's shape. */
  safe: Tensor;
  /** 1 where the target counts, 0 where ignored (the input's dtype), or null when none is ignored. */
  valid: Tensor | null;
  /** -weight[target] (0 where ignored), the input's dtype. */
  negWeight: Tensor;
  /** The sum of the weights of the counted targets: the denominator of the mean. */
  weightSum: number;
  /** The class weights viewed to broadcast along the class axis, as a constant, or null. */
  weightAlongClasses: Tensor | null;
}

function classWeight(op: string, w: unknown, x: Tensor, classes: number): Tensor | null {
  if (w === undefined || w === null) return null;
  check(w instanceof Tensor && w.dtype === x.dtype && shapeEq(w.shape, [classes]), op, () =>
    `weight must be a ${x.dtype} tensor of shape [${classes}] (one per class of input ${fmt(x.shape)}), got ${describe(w)}`,
  );
  return w;
}

function ignoreIndexOf(op: string, v: unknown): number {
  check(Number.isInteger(v), op, () => `ignoreIndex must be an integer, got ${String(v)}`);
  return v as number;
}

function classAxisOf(op: string, x: Tensor): number {
  check(x.ndim >= 1, op, () => `input must have a class axis: [C], [N, C] or [N, C, d...], got a scalar`);
  return x.ndim === 1 ? 0 : 1;
}

function classTargets(op: string, x: Tensor, target: Tensor, ignoreIndex: number, weight: Tensor | null): ClassTargets {
  const classAxis = classAxisOf(op, x);
  const classes = x.shape[classAxis]!;
  const expected = x.shape.filter((_, i) => i !== classAxis);
  check(shapeEq(target.shape, expected), op, () =>
    `int32 class-index targets for input ${fmt(x.shape)} (classes on axis ${classAxis}) must have shape ${fmt(expected)}, got ${fmt(target.shape)}`,
  );
  const t = target.data;
  const safe = new Int32Array(t.length);
  const valid = new Tensor(allocate(x.dtype, t.length), target.shape, x.dtype);
  const negWeight = new Tensor(allocate(x.dtype, t.length), target.shape, x.dtype);
  let weightSum = 0;
  let ignored = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === ignoreIndex) {
      ignored++;
      continue;
    }
    check(c >= 0 && c < classes, op, () =>
      `target ${c} (at flat position ${i} of target ${fmt(target.shape)}) is out of range for ${classes} classes (input ${fmt(x.shape)}, ignoreIndex ${ignoreIndex})`,
    );
    const w = weight ? weight.data[c]! : 1;
    safe[i] = c;
    valid.data[i] = 1;
    negWeight.data[i] = -w;
    weightSum += w;
  }
  const view = x.shape.map((d, i) => (i === classAxis ? d : 1));
  return {
    classAxis,
    classes,
    safe: new Tensor(safe, target.shape, 'int32'),
    valid: ignored ? valid : null,
    negWeight,
    weightSum,
    weightAlongClasses: weight ? reshape(detach(weight), view) : null,
  };
}

/** Per-target losses (0 where ignored) reduced as PyTorch: the mean divides by the counted weight. */
function reduceTargets(per: Tensor, ct: ClassTargets, reduction: Reduction): Tensor {
  const masked = ct.valid ? where(ct.valid, per, 0) : per;
  return reduction === 'none' ? masked : reduction === 'sum' ? sum(masked) : div(sum(masked), ct.weightSum);
}

/** -weight[target] · logp[target], per target. */
function nllPerTarget(logp: Tensor, ct: ClassTargets): Tensor {
  const picked = squeeze(gather(logp, ct.classAxis, unsqueeze(ct.safe, ct.classAxis)), ct.classAxis);
  return mul(picked, ct.negWeight);
}

/**
 * The negative log-likelihood of int32 class targets under log-probabilities, as
 * `torch.nn.functional.nll_loss`: input [C], [N, C] or [N, C, d...] (classes on axis 1) and target [],
 * [N] or [N, d...]. The mean divides by the summed weights of the targets that are not ignored.
 * @example
 * ```ts
 * nllLoss(logSoftmax(logits, 1), tensor([2, 0], { dtype: 'int32' }));
 * ```
 * @category Losses
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  const op = 'nllLoss';
  checkOptions(op, opts, NLL_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const ignoreIndex = ignoreIndexOf(op, opts.ignoreIndex ?? -100);
  const x = floatInput(op, input);
  check(target instanceof Tensor && target.dtype === 'int32', op, () => `target must be an int32 tensor of class indices, got ${describe(target)}`);
  const ct = classTargets(op, x, target, ignoreIndex, classWeight(op, opts.weight, x, x.shape[classAxisOf(op, x)]!));
  return reduceTargets(nllPerTarget(x, ct), ct, reduction);
}

/**
 * Softmax cross-entropy from logits, as `torch.nn.functional.cross_entropy`, exact for logits of any
 * size. The target is either int32 class indices (input [C], [N, C] or [N, C, d...] with classes on axis
 * 1, target [], [N] or [N, d...]; with `ignoreIndex` and class `weight`, the mean divides by the summed
 * weights of the counted targets) or class probabilities of the input's shape and dtype (the mean
 * divides by the number of distributions). With label smoothing ε the loss is
 * (1-ε)·nll + ε/C·Σ_c -w_c log p_c, as PyTorch.
 * @example
 * ```ts
 * crossEntropy(logits, tensor([2, 0], { dtype: 'int32' }), { labelSmoothing: 0.1 });
 * crossEntropy(logits, softmax(teacher, 1)); // probability targets
 * ```
 * @category Losses
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkOptions(op, opts, CROSS_ENTROPY_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const ignoreIndex = ignoreIndexOf(op, opts.ignoreIndex ?? -100);
  const eps = finiteOption(op, 'labelSmoothing', opts.labelSmoothing ?? 0, 0, true);
  check(eps <= 1, op, () => `labelSmoothing must be in [0, 1], got ${eps}`);
  const x = floatInput(op, input);
  const classAxis = classAxisOf(op, x);
  const classes = x.shape[classAxis]!;
  const weight = classWeight(op, opts.weight, x, classes);
  check(target instanceof Tensor, op, () => `target must be a Tensor, got ${describe(target)}`);
  // NOTE: everything goes through the logSoftmax primitive, which is exact for logits of 1e4: its
  // gradient is softmax - onehot, with no exp of a large logit anywhere.
  const logp = logSoftmax(x, classAxis);

  if (isFloat(target.dtype)) {
    check(target.dtype === x.dtype && shapeEq(target.shape, x.shape), op, () =>
      `float targets are class probabilities and must match the input (${x.dtype} ${fmt(x.shape)}); got ${describe(target)} (class indices must be int32)`,
    );
    check(opts.ignoreIndex === undefined || ignoreIndex < 0, op, () => `ignoreIndex (${ignoreIndex}) is not supported with probability targets`);
    const t = eps > 0 ? add(mul(target, 1 - eps), eps / classes) : target;
    let prod = mul(logp, t);
    if (weight) prod = mul(prod, reshape(detach(weight), x.shape.map((d, i) => (i === classAxis ? d : 1))));
    if (reduction === 'none') return neg(sum(prod, classAxis));
    const total = neg(sum(prod));
    return reduction === 'sum' ? total : div(total, x.size / classes);
  }

  const ct = classTargets(op, x, target, ignoreIndex, weight);
  const nll = reduceTargets(nllPerTarget(logp, ct), ct, reduction);
  if (eps === 0) return nll;
  const weighted = ct.weightAlongClasses ? mul(logp, ct.weightAlongClasses) : logp;
  const smooth = reduceTargets(neg(sum(weighted, classAxis)), ct, reduction);
  return add(mul(nll, 1 - eps), mul(smooth, eps / classes));
}

// NOTE: the clamped logs are composed with a masked input, so where a log is clamped (x = 0 or 1) its
// gradient is exactly 0 rather than 0/0, and the other term is differentiated exactly. This differs from
// PyTorch on purpose at x = 0 and x = 1 (see binaryCrossEntropy's TSDoc).
/** max(log x, -100), with a zero gradient where clamped (never 0/0). */
function clampedLog(x: Tensor): Tensor {
  const ok = gt(x, Math.exp(-100));
  return where(ok, log(where(ok, x, 1)), -100);
}

/** max(log(1 - x), -100), computed as log1p(-x). */
function clampedLog1m(x: Tensor): Tensor {
  const ok = lt(x, 1);
  return where(ok, log1p(neg(where(ok, x, 0))), -100);
}

/**
 * Binary cross-entropy of probabilities, as `torch.nn.functional.binary_cross_entropy`:
 * -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 (so the loss is PyTorch's everywhere).
 * Inputs outside [0, 1] throw; prefer {@link binaryCrossEntropyWithLogits}, which is exact.
 *
 * The gradient differs from PyTorch's on purpose at inputs exactly 0 or 1: there a clamped log is a
 * constant and contributes 0, and the other term is differentiated exactly, giving w (1 - t) at x = 0 and
 * -w t at x = 1 (finite, the gradient of the clamped loss itself). PyTorch instead evaluates
 * w (x - t) / max(x (1 - x), 1e-12): about -1e12 t at x = 0 and 1e12 (1 - t) at x = 1. The same floor caps
 * PyTorch's gradient near 0 and 1 (x (1 - x) < 1e-12), where tapegrad's stays the exact (x - t) / (x (1 - x)).
 * @example
 * ```ts
 * binaryCrossEntropy(sigmoid(logits), labels);
 * ```
 * @category Losses
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCELossOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  checkOptions(op, opts, BCE_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pair(op, input, target);
  const weight = elementWeight(op, 'weight', opts.weight, x);
  const bad = x.data.findIndex((v) => !(v >= 0 && v <= 1));
  check(bad < 0, op, () =>
    `all elements of input should be between 0 and 1, got ${x.data[bad]} at flat position ${bad} (input ${fmt(x.shape)}); for logits use binaryCrossEntropyWithLogits`,
  );
  let loss = neg(add(mul(t, clampedLog(x)), mul(sub(1, t), clampedLog1m(x))));
  if (weight) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

/**
 * Binary cross-entropy from logits, as `torch.nn.functional.binary_cross_entropy_with_logits`, computed
 * as w·((1 - t) softplus(x) + p·t·softplus(-x)) with p the `posWeight`: exact at any logit (no
 * cancellation, finite gradients at ±1e4).
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(tensor([1e4, -1e4]), tensor([1, 0])); // 0
 * ```
 * @category Losses
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsLossOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, opts, BCE_LOGITS_KEYS);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pair(op, input, target);
  const weight = elementWeight(op, 'weight', opts.weight, x);
  const posWeight = elementWeight(op, 'posWeight', opts.posWeight, x);
  const positive = posWeight ? mul(posWeight, t) : t;
  let loss = add(mul(sub(1, t), softplus(x)), mul(positive, softplus(neg(x))));
  if (weight) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

function paramList(op: string, params: unknown): Tensor[] {
  check(Array.isArray(params) && params.length > 0, op, () => `expected a non-empty array of tensors, got ${describe(params)}`);
  const list = params as unknown[];
  list.forEach((p, i) => {
    const first = list[0];
    check(p instanceof Tensor && isFloat(p.dtype) && first instanceof Tensor && p.dtype === first.dtype, op, () =>
      `parameter ${i} must be a float tensor of the same dtype as parameter 0 (${describe(first)}), got ${describe(p)}`,
    );
  });
  return list as Tensor[];
}

/**
 * The L1 penalty Σ|p| over all elements of all the tensors, as a differentiable scalar.
 * @example
 * ```ts
 * const loss = add(mseLoss(model.forward(x), y), mul(l1Penalty(model.parameters()), 1e-4));
 * ```
 * @category Losses
 */
export function l1Penalty(params: readonly Tensor[]): Tensor {
  return paramList('l1Penalty', params).map((p) => sum(abs(p))).reduce((a, b) => add(a, b));
}

/**
 * The L2 penalty Σp² over all elements of all the tensors, as a differentiable scalar.
 * @example
 * ```ts
 * const loss = add(mseLoss(model.forward(x), y), mul(l2Penalty(model.parameters()), 1e-4));
 * ```
 * @category Losses
 */
export function l2Penalty(params: readonly Tensor[]): Tensor {
  return paramList('l2Penalty', params).map((p) => sum(mul(p, p))).reduce((a, b) => add(a, b));
}

/**
 * The base of the loss modules (as PyTorch's `_Loss`): a validated `reduction` and `forward(input, target)`.
 * @example
 * ```ts
 * class Mape extends Loss {
 *   forward(input: Tensor, target: Tensor) { return mean(abs(div(sub(input, target), target))); }
 * }
 * ```
 * @category Losses
 */
export abstract class Loss extends Module {
  readonly reduction: Reduction;

  /**
   * @param opts - the options; the base reads `reduction`.
   * @param knownOptions - every key a subclass takes (default just `reduction`): any other key is refused.
   */
  constructor(opts: LossOptions = {}, knownOptions: readonly string[] = LOSS_KEYS) {
    super();
    checkOptions(this.name, opts, knownOptions);
    this.reduction = checkReduction(this.name, opts.reduction ?? 'mean');
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

/**
 * {@link mseLoss} as a module, as `torch.nn.MSELoss`.
 * @example
 * ```ts
 * new MSELoss().forward(prediction, target);
 * ```
 * @category Losses
 */
export class MSELoss extends Loss {
  constructor(opts: LossOptions = {}) {
    super(opts, LOSS_KEYS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * {@link l1Loss} as a module, as `torch.nn.L1Loss`.
 * @example
 * ```ts
 * new L1Loss({ reduction: 'sum' }).forward(prediction, target);
 * ```
 * @category Losses
 */
export class L1Loss extends Loss {
  constructor(opts: LossOptions = {}) {
    super(opts, LOSS_KEYS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * {@link huberLoss} as a module, as `torch.nn.HuberLoss`.
 * @example
 * ```ts
 * new HuberLoss({ delta: 0.5 }).forward(prediction, target);
 * ```
 * @category Losses
 */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts: HuberLossOptions = {}) {
    super(opts, HUBER_KEYS);
    this.delta = finiteOption(this.name, 'delta', opts.delta ?? 1, 0, false);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * {@link smoothL1Loss} as a module, as `torch.nn.SmoothL1Loss`.
 * @example
 * ```ts
 * new SmoothL1Loss({ beta: 0.5 }).forward(prediction, target);
 * ```
 * @category Losses
 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts: SmoothL1LossOptions = {}) {
    super(opts, SMOOTH_L1_KEYS);
    this.beta = finiteOption(this.name, 'beta', opts.beta ?? 1, 0, true);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * {@link crossEntropy} as a module, as `torch.nn.CrossEntropyLoss`.
 * @example
 * ```ts
 * const loss = new CrossEntropyLoss({ ignoreIndex: 0, labelSmoothing: 0.1 });
 * loss.forward(logits, targets);
 * ```
 * @category Losses
 */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  readonly weight: Tensor | undefined;
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts, CROSS_ENTROPY_KEYS);
    this.ignoreIndex = ignoreIndexOf(this.name, opts.ignoreIndex ?? -100);
    this.labelSmoothing = finiteOption(this.name, 'labelSmoothing', opts.labelSmoothing ?? 0, 0, true);
    check(this.labelSmoothing <= 1, this.name, () => `labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
    this.weight = opts.weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
      ...(this.weight ? { weight: this.weight } : {}),
    });
  }
}

/**
 * {@link nllLoss} as a module, as `torch.nn.NLLLoss`.
 * @example
 * ```ts
 * new NLLLoss().forward(logSoftmax(logits, 1), targets);
 * ```
 * @category Losses
 */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  readonly weight: Tensor | undefined;
  constructor(opts: NLLLossOptions = {}) {
    super(opts, NLL_KEYS);
    this.ignoreIndex = ignoreIndexOf(this.name, opts.ignoreIndex ?? -100);
    this.weight = opts.weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex, ...(this.weight ? { weight: this.weight } : {}) });
  }
}

/**
 * {@link binaryCrossEntropy} as a module, as `torch.nn.BCELoss`.
 * @example
 * ```ts
 * new BCELoss().forward(sigmoid(logits), labels);
 * ```
 * @category Losses
 */
export class BCELoss extends Loss {
  readonly weight: Tensor | undefined;
  constructor(opts: BCELossOptions = {}) {
    super(opts, BCE_KEYS);
    this.weight = opts.weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { reduction: this.reduction, ...(this.weight ? { weight: this.weight } : {}) });
  }
}

/**
 * {@link binaryCrossEntropyWithLogits} as a module, as `torch.nn.BCEWithLogitsLoss`.
 * @example
 * ```ts
 * new BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(logits, labels);
 * ```
 * @category Losses
 */
export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | undefined;
  readonly posWeight: Tensor | undefined;
  constructor(opts: BCEWithLogitsLossOptions = {}) {
    super(opts, BCE_LOGITS_KEYS);
    this.weight = opts.weight;
    this.posWeight = opts.posWeight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      reduction: this.reduction,
      ...(this.weight ? { weight: this.weight } : {}),
      ...(this.posWeight ? { posWeight: this.posWeight } : {}),
    });
  }
}
