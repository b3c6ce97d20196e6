/**
 * In-place parameter initialisers, as `torch.nn.init`: each writes into the storage of a float leaf tensor
 * (a parameter, or a tensor not yet used by any op) and returns it. Random ones draw from `generator`, or
 * from the global generator when absent, so a seed fixes every value.
 */
import { isFloat } from '../core/dtype.js';
import { TapegradError, asCalledBy, check, checkOptions } from '../core/errors.js';
import { Generator, checkGenerator, defaultGenerator } from '../core/random.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Options of the random initialisers. @category Init */
export interface InitOptions {
  /** The generator to draw from; the global one ({@link manualSeed}) when absent. */
  generator?: Generator;
}

/** The activations {@link calculateGain} knows (PyTorch's names in camelCase). @category Init */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Options of {@link kaimingUniform} and {@link kaimingNormal}. @category Init */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0); used only with `leakyRelu`. */
  a?: number;
  /** Preserve the variance of the forward pass (`fanIn`, default) or of the backward pass (`fanOut`). */
  mode?: 'fanIn' | 'fanOut';
  /** The activation that follows (default `leakyRelu`, as PyTorch). */
  nonlinearity?: Nonlinearity;
}

const LINEAR_LIKE = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid']);
const KNOWN = [...LINEAR_LIKE, 'tanh', 'relu', 'leakyRelu', 'selu'];

/** The generator of an initialiser's option bag (checked: known keys, a Generator), or the global one. */
function generatorOf(op: string, opts: unknown, keys: readonly string[] = ['generator']): Generator {
  checkOptions(op, opts, keys);
  const g = (opts as InitOptions | undefined)?.generator;
  checkGenerator(op, g);
  return g ?? defaultGenerator();
}

const KAIMING_KEYS = ['generator', 'a', 'mode', 'nonlinearity'];

/** The tensor an initialiser may write into: a float leaf. */
function target(op: string, t: unknown): Tensor {
  check(t instanceof Tensor, op, () => `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  check(isFloat(t.dtype), op, () => `expected a float tensor, got int32 ${fmt(t.shape)}`);
  check(t.isLeaf, op, () => `expected a leaf tensor (a parameter), got the result of an op (shape ${fmt(t.shape)}); writing into it would corrupt the tape`);
  return t;
}

function finite(op: string, name: string, v: unknown): number {
  check(typeof v === 'number' && Number.isFinite(v), op, () => `${name} must be a finite number, got ${String(v)}`);
  return v;
}

function fill(t: Tensor, f: (i: number) => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = f(i);
  return t;
}

/** U(a, b) draws, with 53 random bits for float64 and 24 for float32 (as {@link uniform} of core). */
function drawUniform(t: Tensor, a: number, b: number, g: Generator): Tensor {
  const f64 = t.dtype === 'float64';
  return fill(t, () => a + (b - a) * (f64 ? g.nextFloat64() : g.nextFloat32()));
}

function drawNormal(t: Tensor, mean: number, std: number, g: Generator): Tensor {
  return fill(t, () => mean + std * g.nextNormal());
}

/**
 * Fills `t` with samples of U(a, b), as `torch.nn.init.uniform_`.
 * @example
 * ```ts
 * uniform(zeros([3, 4]), -0.1, 0.1, { generator: new Generator(0) });
 * ```
 * @category Init
 */
export function uniform(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  const op = 'init.uniform';
  target(op, t);
  finite(op, 'a', a);
  finite(op, 'b', b);
  check(a <= b, op, () => `expected a <= b, got a=${a}, b=${b}`);
  return drawUniform(t, a, b, generatorOf(op, opts));
}

/**
 * Fills `t` with samples of N(mean, std²), as `torch.nn.init.normal_`.
 * @example
 * ```ts
 * normal(zeros([3, 4]), 0, 0.02);
 * ```
 * @category Init
 */
export function normal(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  const op = 'init.normal';
  target(op, t);
  finite(op, 'mean', mean);
  finite(op, 'std', std);
  check(std >= 0, op, () => `std must be >= 0, got ${std}`);
  return drawNormal(t, mean, std, generatorOf(op, opts));
}

/**
 * Fills `t` with `value`, as `torch.nn.init.constant_`.
 * @example
 * ```ts
 * constant(zeros([4]), 0.5);
 * ```
 * @category Init
 */
export function constant(t: Tensor, value: number): Tensor {
  target('init.constant', t);
  check(typeof value === 'number', 'init.constant', () => `value must be a number, got ${typeof value}`);
  return fill(t, () => value);
}

/**
 * Fills `t` with zeros, as `torch.nn.init.zeros_`.
 * @example
 * ```ts
 * zeros(layer.param('bias'));
 * ```
 * @category Init
 */
export function zeros(t: Tensor): Tensor {
  target('init.zeros', t);
  return fill(t, () => 0);
}

/**
 * Fills `t` with ones, as `torch.nn.init.ones_`.
 * @example
 * ```ts
 * ones(norm.param('weight'));
 * ```
 * @category Init
 */
export function ones(t: Tensor): Tensor {
  target('init.ones', t);
  return fill(t, () => 1);
}

/**
 * The recommended gain for an activation, as `torch.nn.init.calculate_gain`: 1 for linear, convolutions
 * and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leakyRelu (slope `param`, default
 * 0.01) and 3/4 for selu.
 * @example
 * ```ts
 * calculateGain('tanh');           // 1.6667
 * calculateGain('leakyRelu', 0.2); // 1.3868
 * ```
 * @category Init
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const op = 'init.calculateGain';
  if (LINEAR_LIKE.has(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leakyRelu') {
    const slope = param ?? 0.01;
    finite(op, 'the negative slope (param)', slope);
    return Math.sqrt(2 / (1 + slope * slope));
  }
  throw new TapegradError(op, `unsupported nonlinearity '${String(nonlinearity)}'; expected one of ${KNOWN.join(', ')}`);
}

/**
 * The fan-in and fan-out of a weight, as PyTorch's `_calculate_fan_in_and_fan_out`: for shape
 * [out, in, ...kernel], fanIn = in·prod(kernel) and fanOut = out·prod(kernel).
 * @example
 * ```ts
 * calculateFanInAndFanOut(zeros([4, 3]));        // [3, 4]
 * calculateFanInAndFanOut(zeros([8, 2, 3, 3]));  // [18, 72]
 * ```
 * @category Init
 */
export function calculateFanInAndFanOut(t: Tensor): [fanIn: number, fanOut: number] {
  return fans('init.calculateFanInAndFanOut', t);
}

function fans(op: string, t: Tensor): [fanIn: number, fanOut: number] {
  check(t instanceof Tensor, op, () => `expected a Tensor, got ${typeof t}`);
  check(t.ndim >= 2, op, () => `fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape ${fmt(t.shape)}`);
  let receptive = 1;
  for (const d of t.shape.slice(2)) receptive *= d;
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function xavierStd(op: string, t: Tensor, gain: number): number {
  target(op, t);
  finite(op, 'gain', gain);
  const [fanIn, fanOut] = fans(op, t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Glorot uniform: U(-a, a) with a = gain·√(6 / (fanIn + fanOut)), as `torch.nn.init.xavier_uniform_`.
 * @example
 * ```ts
 * xavierUniform(zeros([4, 3]), calculateGain('tanh'));
 * ```
 * @category Init
 */
export function xavierUniform(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const op = 'init.xavierUniform';
  const bound = Math.sqrt(3) * xavierStd(op, t, gain);
  return drawUniform(t, -bound, bound, generatorOf(op, opts));
}

/**
 * Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)), as `torch.nn.init.xavier_normal_`.
 * @example
 * ```ts
 * xavierNormal(zeros([4, 3]));
 * ```
 * @category Init
 */
export function xavierNormal(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const op = 'init.xavierNormal';
  const std = xavierStd(op, t, gain);
  return drawNormal(t, 0, std, generatorOf(op, opts));
}

/** The standard deviation of He initialisation, or undefined for an empty tensor (left as it is). */
function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number | undefined {
  target(op, t);
  generatorOf(op, opts, KAIMING_KEYS);
  const mode = opts.mode ?? 'fanIn';
  check(mode === 'fanIn' || mode === 'fanOut', op, () => `mode must be 'fanIn' or 'fanOut', got ${String(mode)}`);
  const a = finite(op, 'a', opts.a ?? 0);
  const [fanIn, fanOut] = fans(op, t);
  if (t.size === 0) return undefined;
  const gain = asCalledBy(op, () => calculateGain(opts.nonlinearity ?? 'leakyRelu', a));
  return gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/**
 * He uniform: U(-b, b) with b = gain·√(3 / fan), as `torch.nn.init.kaiming_uniform_` (gain from
 * {@link calculateGain} with slope `a`; fan per `mode`).
 * @example
 * ```ts
 * kaimingUniform(zeros([4, 3]), { nonlinearity: 'relu' });
 * ```
 * @category Init
 */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const std = kaimingStd('init.kaimingUniform', t, opts);
  if (std === undefined) return t;
  const bound = Math.sqrt(3) * std;
  return drawUniform(t, -bound, bound, generatorOf('init.kaimingUniform', opts, KAIMING_KEYS));
}

/**
 * He normal: N(0, std²) with std = gain / √fan, as `torch.nn.init.kaiming_normal_`.
 * @example
 * ```ts
 * kaimingNormal(zeros([4, 3]), { mode: 'fanOut', nonlinearity: 'relu' });
 * ```
 * @category Init
 */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const std = kaimingStd('init.kaimingNormal', t, opts);
  if (std === undefined) return t;
  return drawNormal(t, 0, std, generatorOf('init.kaimingNormal', opts, KAIMING_KEYS));
}

/**
 * Householder QR of the row-major m × n matrix `a` (m >= n, overwritten): returns the m × n factor Q
 * (row-major) and the diagonal of R.
 */
function householderQr(a: Float64Array, m: number, n: number): { q: Float64Array; rDiag: Float64Array } {
  const vs: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm2 = 0;
    for (let i = k; i < m; i++) norm2 += a[i * n + k]! ** 2;
    const x0 = a[k * n + k]!;
    const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(norm2); // the sign that avoids cancellation in v0
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k]!;
    v[0]! -= alpha;
    let vNorm2 = 0;
    for (let i = 0; i < v.length; i++) vNorm2 += v[i]! ** 2;
    if (vNorm2 > 0) {
      const s = 1 / Math.sqrt(vNorm2);
      for (let i = 0; i < v.length; i++) v[i]! *= s;
      // A[k:, k:] -= 2 v (v^T A[k:, k:])
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k]! * a[i * n + j]!;
        for (let i = k; i < m; i++) a[i * n + j]! -= 2 * v[i - k]! * dot;
      }
    }
    rDiag[k] = a[k * n + k]!;
    vs.push(v);
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      for (let i = k; i < m; i++) q[i * n + j]! -= 2 * v[i - k]! * dot;
    }
  }
  return { q, rDiag };
}

/**
 * A (semi-)orthogonal matrix, as `torch.nn.init.orthogonal_`: t viewed as [rows, prod(rest)] gets the Q
 * of a Gaussian matrix (QR in float64, signs fixed by R's diagonal), times `gain`; its rows (when
 * rows <= cols) or columns are orthonormal.
 * @example
 * ```ts
 * orthogonal(zeros([4, 4]), 1, { generator: new Generator(0) }); // W^T W = I
 * ```
 * @category Init
 */
export function orthogonal(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const op = 'init.orthogonal';
  target(op, t);
  finite(op, 'gain', gain);
  const g = generatorOf(op, opts);
  check(t.ndim >= 2, op, () => `only tensors with 2 or more dimensions are supported, got shape ${fmt(t.shape)}`);
  if (t.size === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = g.nextNormal();
  const wide = rows < cols;
  // QR of the tall matrix: the flat one, or its transpose when wide.
  const [m, n] = wide ? [cols, rows] : [rows, cols];
  const a = wide ? new Float64Array(m * n) : flat;
  if (wide) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * n + i] = flat[i * cols + j]!;
  const { q, rDiag } = householderQr(a, m, n);
  const d = t.data;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const v = q[i * n + j]! * Math.sign(rDiag[j]!) * gain;
      if (wide) d[j * m + i] = v;
      else d[i * n + j] = v;
    }
  return t;
}
