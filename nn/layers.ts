import { ones, zeros, zerosLike } from '../core/creation.js';
import { isFloat } from '../core/dtype.js';
import { TapegradError, attribute, check, checkOptions } from '../core/errors.js';
import { type Generator, checkGenerator, defaultGenerator } from '../core/random.js';
import { fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add, div, mul, sub, where } from '../autograd/ops/arithmetic.js';
import { eq } from '../autograd/ops/compare.js';
import { linear } from '../autograd/ops/linalg.js';
import { mean } from '../autograd/ops/reduce.js';
import { detach, indexSelect, reshape } from '../autograd/ops/shape.js';
import { logSoftmax, softmax } from '../autograd/ops/stable.js';
import { leakyRelu, relu, sigmoid, softplus, sqrt, tanh } from '../autograd/ops/unary.js';
import * as init from './init.js';
import { Module, type ModuleOptions, checkModuleOptions, checkSize } from './module.js';

/** @internal A number as Python's repr prints it (`1e-05`, `0.5`, `1.0`), for PyTorch-style summaries. */
export function pyFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (v !== 0 && (e < -4 || e >= 16)) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const s = String(v);
  return s.includes('.') ? s : `${Object.is(v, -0) ? '-' : ''}${s}.0`;
}

const pyBool = (b: boolean): string => (b ? 'True' : 'False');

function checkBool(op: string, name: string, v: unknown): boolean {
  check(typeof v === 'boolean', op, () => `${name} must be a boolean, got ${String(v)}`);
  return v;
}

function checkInput(op: string, x: unknown): Tensor {
  check(x instanceof Tensor, op, () => `expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
  return x;
}

/** Options of {@link Linear}. @category Layers */
export interface LinearOptions extends ModuleOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer y = x Wᵀ + b, as `torch.nn.Linear`: `weight` [out, in] and `bias` [out], both
 * initialised from U(-1/√in, 1/√in) as PyTorch does.
 * @example
 * ```ts
 * const fc = new Linear(3, 4, { generator: new Generator(0) });
 * fc.forward(randn([8, 3])); // shape [8, 4]
 * ```
 * @category Layers
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** `weight` [out, in] */
  get weight(): Tensor {
    return this.param('weight');
  }
  /** `bias` [out], or null */
  get bias(): Tensor | null {
    return this.paramOrNull('bias');
  }

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    const op = 'Linear';
    this.inFeatures = checkSize(op, 'inFeatures', inFeatures);
    this.outFeatures = checkSize(op, 'outFeatures', outFeatures);
    const dtype = checkModuleOptions(op, opts, ['bias']);
    const useBias = checkBool(op, 'bias', opts.bias ?? true);
    const generator = opts.generator ?? defaultGenerator();
    // kaiming_uniform with a = √5 is U(-1/√in, 1/√in), as torch.nn.Linear.reset_parameters.
    this.registerParameter('weight', init.kaimingUniform(zeros([outFeatures, inFeatures], { dtype }), { a: Math.sqrt(5), generator }));
    const bound = 1 / Math.sqrt(inFeatures);
    this.registerParameter('bias', useBias ? init.uniform(zeros([outFeatures], { dtype }), -bound, bound, { generator }) : null);
  }

  /** Applies the layer to x of shape [..., inFeatures]. */
  override forward(x: Tensor): Tensor {
    const op = `${this.name}.forward`;
    checkInput(op, x);
    const w = this.weight;
    check(x.dtype === w.dtype && x.ndim >= 1 && x.shape[x.ndim - 1] === this.inFeatures, op, () =>
      `expected a ${w.dtype} input of shape [..., ${this.inFeatures}], got ${x.dtype} ${fmt(x.shape)}`,
    );
    return linear(x, w, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Options of {@link Embedding}. @category Layers */
export interface EmbeddingOptions extends ModuleOptions {
  /** A row that is zero at initialisation and gets no gradient (negative counts from the end). */
  paddingIdx?: number;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, as `torch.nn.Embedding`: int32 ids of
 * any shape give [...ids.shape, embeddingDim]. The weight is drawn from N(0, 1); the padding row (if
 * any) starts at zero and never receives a gradient.
 * @example
 * ```ts
 * const emb = new Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2], [0, 9]], { dtype: 'int32' })); // shape [2, 2, 3]
 * ```
 * @category Layers
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row, made non-negative, or null. */
  readonly paddingIdx: number | null;
  /** `weight` [numEmbeddings, embeddingDim] */
  get weight(): Tensor {
    return this.param('weight');
  }

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    const op = 'Embedding';
    this.numEmbeddings = checkSize(op, 'numEmbeddings', numEmbeddings);
    this.embeddingDim = checkSize(op, 'embeddingDim', embeddingDim);
    const dtype = checkModuleOptions(op, opts, ['paddingIdx']);
    const p = opts.paddingIdx;
    if (p === undefined || p === null) this.paddingIdx = null;
    else {
      check(Number.isInteger(p) && p >= -numEmbeddings && p < numEmbeddings, op, () =>
        `paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings - 1}] (numEmbeddings ${numEmbeddings}), got ${String(p)}`,
      );
      this.paddingIdx = p < 0 ? p + numEmbeddings : p;
    }
    const w = init.normal(zeros([numEmbeddings, embeddingDim], { dtype }), 0, 1, { generator: opts.generator ?? defaultGenerator() });
    if (this.paddingIdx !== null) w.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.registerParameter('weight', w);
  }

  /** Looks up the rows of `ids` (int32, any shape). */
  override forward(ids: Tensor): Tensor {
    const op = `${this.name}.forward`;
    checkInput(op, ids);
    check(ids.dtype === 'int32', op, () => `ids must be an int32 tensor, got ${ids.dtype} ${fmt(ids.shape)} (create it with { dtype: 'int32' })`);
    const n = this.numEmbeddings;
    const d = ids.data;
    let bad = -1;
    for (let k = 0; k < d.length && bad < 0; k++) if (d[k]! < 0 || d[k]! >= n) bad = k;
    check(bad < 0, op, () => `id ${ids.data[bad]} (at flat position ${bad} of ids ${fmt(ids.shape)}) is out of range for ${n} embeddings`);
    const flat = reshape(ids, [ids.size]);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null && ids.data.includes(this.paddingIdx)) {
      // The padding row's lookups are cut from the tape: same values, no gradient.
      const isPad = reshape(eq(flat, this.paddingIdx), [ids.size, 1]);
      rows = where(isPad, detach(rows), rows);
    }
    return reshape(rows, [...ids.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}

function checkP(op: string, p: unknown): number {
  check(typeof p === 'number' && p >= 0 && p <= 1, op, () => `dropout probability must be between 0 and 1, got ${String(p)}`);
  return p;
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1-p) when `training`, as
 * `torch.nn.functional.dropout`; the identity otherwise. The mask is drawn from `generator` (the global
 * one when absent), one uniform number per element in row-major order.
 * @example
 * ```ts
 * dropout(h, 0.2, true, new Generator(1));
 * ```
 * @category Layers
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  const op = 'dropout';
  checkInput(op, x);
  check(isFloat(x.dtype), op, () => `expected a float tensor, got int32 ${fmt(x.shape)}`);
  checkP(op, p);
  check(typeof training === 'boolean', op, () => `training must be a boolean, got ${String(training)}`);
  checkGenerator(op, generator);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0); // as PyTorch: input * 0
  const g = generator ?? defaultGenerator();
  const keep = 1 - p;
  const scale = 1 / keep;
  const mask = zerosLike(x);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = g.nextFloat64() < keep ? scale : 0;
  return mul(x, mask);
}

/** Options of {@link Dropout}. @category Layers */
export interface DropoutOptions {
  /** The generator that draws the masks (the global one, at each call, when absent). */
  generator?: Generator;
}

/**
 * Dropout as `torch.nn.Dropout`: active in training mode, the identity after {@link Module.eval}.
 * @example
 * ```ts
 * const drop = new Dropout(0.1, { generator: new Generator(0) });
 * drop.forward(x);        // training: masked and scaled
 * drop.eval().forward(x); // x
 * ```
 * @category Layers
 */
export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;

  constructor(p = 0.5, opts: DropoutOptions = {}) {
    super();
    this.p = checkP('Dropout', p);
    checkOptions('Dropout', opts, ['generator']);
    checkGenerator('Dropout', opts.generator);
    this.generator = opts.generator;
  }

  override forward(x: Tensor): Tensor {
    try {
      return dropout(x, this.p, this.training, this.generator);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}`;
  }
}

/** Options of {@link LayerNorm}. @category Layers */
export interface LayerNormOptions extends ModuleOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale (and shift) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift too, when elementwiseAffine (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` axes, as `torch.nn.LayerNorm`:
 * (x - mean) / √(var + eps) · weight + bias, with the population variance; weight starts at ones and
 * bias at zeros.
 * @example
 * ```ts
 * const ln = new LayerNorm(8);
 * ln.forward(randn([4, 8])); // each row: mean 0, variance ~1
 * ```
 * @category Layers
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  /** `weight` of the normalised shape, or null */
  get weight(): Tensor | null {
    return this.paramOrNull('weight');
  }
  /** `bias` of the normalised shape, or null */
  get bias(): Tensor | null {
    return this.paramOrNull('bias');
  }

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const op = 'LayerNorm';
    const dtype = checkModuleOptions(op, opts, ['eps', 'elementwiseAffine', 'bias']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    check(Array.isArray(shape) && shape.length > 0, op, () => `normalizedShape must be a positive integer or a non-empty array of them, got ${String(normalizedShape)}`);
    shape.forEach((d, i) => checkSize(op, `normalizedShape[${i}]`, d));
    this.normalizedShape = Object.freeze([...shape]);
    const eps = opts.eps ?? 1e-5;
    check(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0, op, () => `eps must be a finite number >= 0, got ${String(eps)}`);
    this.eps = eps;
    this.elementwiseAffine = checkBool(op, 'elementwiseAffine', opts.elementwiseAffine ?? true);
    const useBias = checkBool(op, 'bias', opts.bias ?? true);
    this.registerParameter('weight', this.elementwiseAffine ? ones(shape, { dtype }) : null);
    this.registerParameter('bias', this.elementwiseAffine && useBias ? zeros(shape, { dtype }) : null);
  }

  /** Normalises x of shape [..., ...normalizedShape]. */
  override forward(x: Tensor): Tensor {
    const op = `${this.name}.forward`;
    checkInput(op, x);
    const k = this.normalizedShape.length;
    check(x.ndim >= k && shapeEq(x.shape.slice(x.ndim - k), this.normalizedShape), op, () =>
      `expected an input of shape [..., ${this.normalizedShape.join(', ')}], got ${fmt(x.shape)}`,
    );
    const { weight, bias } = this;
    check(isFloat(x.dtype) && (!weight || x.dtype === weight.dtype), op, () =>
      `expected a ${weight?.dtype ?? 'float'} input, got ${x.dtype} ${fmt(x.shape)}`,
    );
    const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const centred = sub(x, mean(x, axes, { keepdims: true }));
    const variance = mean(mul(centred, centred), axes, { keepdims: true });
    let y = div(centred, sqrt(add(variance, this.eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  }

  override extraRepr(): string {
    const s = this.normalizedShape;
    const tuple = s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`;
    return `${tuple}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/**
 * A chain of modules, as `torch.nn.Sequential`: registered as '0', '1', ... (so parameters are named
 * `0.weight`, `1.bias`), each one's output fed to the next.
 * @example
 * ```ts
 * const mlp = new Sequential(new Linear(3, 8), new Tanh(), new Linear(8, 1));
 * mlp.forward(randn([5, 3])); // shape [5, 1]
 * ```
 * @category Layers
 */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, named by its position. */
  append(module: Module): this {
    this.registerModule(String(this.layers.length), module);
    this.layers.push(module);
    return this;
  }

  /** The number of modules. */
  get length(): number {
    return this.layers.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const n = this.layers.length;
    check(Number.isInteger(index) && index >= -n && index < n, `${this.name}.at`, () => `index ${index} is out of range for ${n} module(s)`);
    return this.layers[index < 0 ? index + n : index]!;
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    this.layers.forEach((m, i) => {
      try {
        y = m.forward(y) as Tensor;
      } catch (e) {
        // Say which module refused the value it was handed.
        if (!(e instanceof TapegradError)) throw e;
        throw Object.defineProperty(new TapegradError(`${this.name}.forward`, `module ${i} (${m.name}): ${e.message}`), 'cause', { value: e });
      }
    });
    return y;
  }
}

/**
 * Returns its input, as `torch.nn.Identity` (a placeholder in a {@link Sequential}).
 * @example
 * ```ts
 * new Identity().forward(x); // x
 * ```
 * @category Layers
 */
export class Identity extends Module {
  override forward<T>(x: T): T {
    return x;
  }
}

/**
 * max(x, 0) elementwise, as `torch.nn.ReLU`.
 * @example
 * ```ts
 * new ReLU().forward(tensor([-1, 2])); // [0, 2]
 * ```
 * @category Layers
 */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    try {
      return relu(x);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }
}

/**
 * tanh elementwise, as `torch.nn.Tanh`.
 * @example
 * ```ts
 * new Tanh().forward(tensor([0])); // [0]
 * ```
 * @category Layers
 */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    try {
      return tanh(x);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }
}

/**
 * The logistic sigmoid elementwise, as `torch.nn.Sigmoid`.
 * @example
 * ```ts
 * new Sigmoid().forward(tensor([0])); // [0.5]
 * ```
 * @category Layers
 */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    try {
      return sigmoid(x);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }
}

/**
 * x for x > 0, negativeSlope·x otherwise, as `torch.nn.LeakyReLU`.
 * @example
 * ```ts
 * new LeakyReLU(0.1).forward(tensor([-10, 10])); // [-1, 10]
 * ```
 * @category Layers
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    check(typeof negativeSlope === 'number' && Number.isFinite(negativeSlope), 'LeakyReLU', () => `negativeSlope must be a finite number, got ${String(negativeSlope)}`);
    this.negativeSlope = negativeSlope;
  }

  override forward(x: Tensor): Tensor {
    try {
      return leakyRelu(x, this.negativeSlope);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/**
 * log(1 + e^(beta·x)) / beta elementwise, exact for any x, as `torch.nn.Softplus` (without its linear
 * threshold, which changes values by less than e^-20).
 * @example
 * ```ts
 * new Softplus(2).forward(tensor([0])); // [0.3466]
 * ```
 * @category Layers
 */
export class Softplus extends Module {
  readonly beta: number;

  constructor(beta = 1) {
    super();
    check(typeof beta === 'number' && beta > 0 && Number.isFinite(beta), 'Softplus', () => `beta must be a positive number, got ${String(beta)}`);
    this.beta = beta;
  }

  override forward(x: Tensor): Tensor {
    try {
      return softplus(x, this.beta);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }

  override extraRepr(): string {
    return `beta=${pyFloat(this.beta)}`;
  }
}

function checkDim(op: string, dim: unknown): number {
  check(Number.isInteger(dim), op, () => `dim must be an integer, got ${String(dim)}`);
  return dim as number;
}

/**
 * Softmax along `dim`, as `torch.nn.Softmax` (the axis is required).
 * @example
 * ```ts
 * new Softmax(-1).forward(tensor([[1, 1]])); // [[0.5, 0.5]]
 * ```
 * @category Layers
 */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim('Softmax', dim);
  }

  override forward(x: Tensor): Tensor {
    try {
      return softmax(x, this.dim);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax(x)) along `dim`, exact for large logits, as `torch.nn.LogSoftmax`.
 * @example
 * ```ts
 * new LogSoftmax(1).forward(logits); // log-probabilities per row
 * ```
 * @category Layers
 */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }

  override forward(x: Tensor): Tensor {
    try {
      return logSoftmax(x, this.dim);
    } catch (e) {
      throw attribute(`${this.name}.forward`, e);
    }
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
