import { type DType, type TypedArray, allocate, dtypeOfArray, isDType } from './dtype.js';
import { TapegradError, check, checkOptions } from './errors.js';
import { Generator, checkGenerator, defaultGenerator } from './random.js';
import { type Shape, checkShape, fmt, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

/** Options of the creation functions. @category Tensors */
export interface CreateOptions {
  /** Element type; `float32` unless said otherwise (a typed array brings its own). */
  dtype?: DType;
  /** Make the new leaf record the ops applied to it. */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. @category Random */
export interface RandomOptions extends CreateOptions {
  /** The generator to draw from; the global one ({@link manualSeed}) when absent. */
  generator?: Generator;
}

const CREATE_KEYS = ['dtype', 'requiresGrad'] as const;
const RANDOM_KEYS = ['dtype', 'requiresGrad', 'generator'] as const;

/**
 * The most elements one tensor may hold: 2^31 - 1 (8 GB of float32), the bound of every index the kernels
 * use. A larger request is refused by name before anything is allocated.
 */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** @internal Refuses a tensor of `n` elements that no engine can allocate, naming `op` and the size. */
export function checkNumel(op: string, n: number, what: () => string): void {
  check(n <= MAX_ELEMENTS, op, () =>
    `${what()} would hold ${n.toExponential(3)} elements; a tensor holds at most 2^31 - 1 = ${MAX_ELEMENTS}`);
}

function checkCreate(op: string, opts: unknown, keys: readonly string[]): void {
  checkOptions(op, opts, keys);
  const o = opts as { requiresGrad?: unknown; generator?: unknown };
  check(o.requiresGrad === undefined || typeof o.requiresGrad === 'boolean', op, () => `requiresGrad must be a boolean, got ${String(o.requiresGrad)}`);
  checkGenerator(op, o.generator);
}

function checkShapeSize(op: string, shape: readonly number[]): void {
  checkShape(op, shape);
  checkNumel(op, sizeOf(shape), () => `shape ${fmt(shape)}`);
}

function checkNumber(op: string, name: string, v: unknown): number {
  check(typeof v === 'number', op, () => `${name} must be a number, got ${v === null ? 'null' : typeof v}`);
  return v;
}

function checkTensor(op: string, t: unknown): Tensor {
  check(t instanceof Tensor, op, () => `expected a Tensor, got ${t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t}`);
  return t;
}

function checkDType(op: string, dtype: unknown): DType {
  check(isDType(dtype), op, () => `dtype must be 'float32', 'float64' or 'int32', got ${String(dtype)}`);
  return dtype;
}

/** @internal Wraps storage as a tensor, applying `requiresGrad`. */
export function make(data: TypedArray, shape: Shape, dtype: DType, requiresGrad = false): Tensor {
  const t = new Tensor(data, shape, dtype);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

function fillFrom(op: string, dtype: DType, size: number, f: (i: number) => number): TypedArray {
  const data = allocate(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = f(i);
    if (dtype === 'int32')
      check(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647, op, () => `value ${v} at flat index ${i} is not an int32`);
    data[i] = v;
  }
  return data;
}

/**
 * Creates a tensor from a number, nested arrays of numbers or a typed array (copied).
 *
 * @example
 * ```ts
 * tensor([[1, 2, 3], [4, 5, 6]]);                       // float32, shape [2, 3]
 * tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 * tensor([0, 2, 1], { dtype: 'int32' });                 // indices
 * ```
 * @category Tensors
 */
export function tensor(
  values: NestedArray | TypedArray | readonly number[],
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  const op = 'tensor';
  checkCreate(op, opts, [...CREATE_KEYS, 'shape']);
  const arrDType = dtypeOfArray(values);
  const dtype = checkDType(op, opts.dtype ?? arrDType ?? 'float32');
  if (arrDType !== undefined) {
    const src = values as TypedArray;
    const shape = opts.shape ?? [src.length];
    checkShapeSize(op, shape);
    check(sizeOf(shape) === src.length, op, () => `shape ${fmt(shape)} needs ${sizeOf(shape)} elements, the array has ${src.length}`);
    // Only floats into int32 need checking element by element.
    const exact = dtype !== 'int32' || src instanceof Int32Array;
    const data = exact ? allocate(dtype, src.length, false) : fillFrom(op, dtype, src.length, (i) => src[i]!);
    if (exact) data.set(src);
    return make(data, shape, dtype, opts.requiresGrad);
  }
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      check(typeof v === 'number', op, () => `expected a number at ${path || 'the top'}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
      flat.push(v as number);
      return;
    }
    check(Array.isArray(v) && v.length === shape[depth], op, () =>
      `ragged nested array: expected ${shape[depth]} elements at ${path || 'the top'} (shape ${fmt(shape)}), got ${Array.isArray(v) ? v.length : typeof v}`,
    );
    (v as unknown[]).forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  const finalShape = opts.shape ?? shape;
  checkShapeSize(op, finalShape);
  check(sizeOf(finalShape) === flat.length, op, () => `shape ${fmt(finalShape)} needs ${sizeOf(finalShape)} elements, got ${flat.length}`);
  return make(fillFrom(op, dtype, flat.length, (i) => flat[i]!), finalShape, dtype, opts.requiresGrad);
}

/**
 * A tensor of the given shape filled with `value`.
 * @example
 * ```ts
 * full([2, 2], 7);
 * ```
 * @category Tensors
 */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkNumber('full', 'value', value);
  return filled('full', shape, value, opts);
}

/** full, zeros, ones and their -Like forms, each checking its arguments under its own name. */
function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  checkCreate(op, opts, CREATE_KEYS);
  checkShapeSize(op, shape);
  const dtype = checkDType(op, opts.dtype ?? 'float32');
  return make(fillFrom(op, dtype, sizeOf(shape), () => value), shape, dtype, opts.requiresGrad);
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * zeros([3, 4], { dtype: 'float64' });
 * ```
 * @category Tensors
 */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * ones([3]);
 * ```
 * @category Tensors
 */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/**
 * Zeros with the shape and dtype of `t` (dtype can be overridden).
 * @example
 * ```ts
 * zerosLike(tensor([1, 2]));
 * ```
 * @category Tensors
 */
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('zerosLike', t);
  checkCreate('zerosLike', opts, CREATE_KEYS);
  return filled('zerosLike', t.shape, 0, { dtype: t.dtype, ...opts });
}

/**
 * Ones with the shape and dtype of `t` (dtype can be overridden).
 * @example
 * ```ts
 * onesLike(tensor([1, 2]));
 * ```
 * @category Tensors
 */
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('onesLike', t);
  checkCreate('onesLike', opts, CREATE_KEYS);
  return filled('onesLike', t.shape, 1, { dtype: t.dtype, ...opts });
}

/**
 * Evenly spaced values in [start, end) with `step`, as `torch.arange`: `arange(5)` or `arange(1, 2, 0.25)`.
 * @example
 * ```ts
 * arange(5, undefined, undefined, { dtype: 'int32' }); // [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25);                                  // [0, 0.25, 0.5, 0.75]
 * ```
 * @category Tensors
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  checkCreate('arange', opts, CREATE_KEYS);
  if (end === undefined) [start, end] = [0, start];
  check(typeof step === 'number' && step !== 0 && Number.isFinite(step), 'arange', () => `step must be finite and non-zero, got ${String(step)}`);
  check(typeof start === 'number' && typeof end === 'number' && Number.isFinite(start) && Number.isFinite(end), 'arange', () =>
    `start and end must be finite numbers, got ${String(start)} and ${String(end)}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkNumel('arange', n, () => `arange(${start}, ${end}, ${step})`);
  const dtype = checkDType('arange', opts.dtype ?? 'float32');
  const s = start;
  return make(fillFrom('arange', dtype, n, (i) => s + i * step), [n], dtype, opts.requiresGrad);
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive, as `torch.linspace`.
 * @example
 * ```ts
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 * @category Tensors
 */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  checkCreate('linspace', opts, CREATE_KEYS);
  check(typeof start === 'number' && typeof end === 'number' && Number.isFinite(start) && Number.isFinite(end), 'linspace', () =>
    `start and end must be finite numbers, got ${String(start)} and ${String(end)}`);
  check(Number.isInteger(steps) && steps >= 0, 'linspace', () => `steps must be a non-negative integer, got ${String(steps)}`);
  checkNumel('linspace', steps, () => `linspace with steps = ${steps}`);
  const dtype = checkDType('linspace', opts.dtype ?? 'float32');
  check(dtype !== 'int32', 'linspace', () => 'dtype must be a float dtype');
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric fill (as PyTorch) so both ends are exact.
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  return make(fillFrom('linspace', dtype, steps, (i) => (i < half ? start + i * h : end - (steps - 1 - i) * h)), [steps], dtype, opts.requiresGrad);
}

/**
 * The identity matrix (n × m, m = n by default).
 * @example
 * ```ts
 * eye(3);
 * ```
 * @category Tensors
 */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  checkCreate('eye', opts, CREATE_KEYS);
  checkShapeSize('eye', [n, m]);
  const dtype = checkDType('eye', opts.dtype ?? 'float32');
  return make(fillFrom('eye', dtype, n * m, (i) => (Math.floor(i / m) === i % m ? 1 : 0)), [n, m], dtype, opts.requiresGrad);
}

function randomFloat(op: string, shape: readonly number[], opts: RandomOptions, draw: (g: Generator, f64: boolean) => number): Tensor {
  checkCreate(op, opts, RANDOM_KEYS);
  checkShapeSize(op, shape);
  const dtype = checkDType(op, opts.dtype ?? 'float32');
  check(dtype !== 'int32', op, () => `dtype must be a float dtype, got int32 (use randint for integers)`);
  const g = opts.generator ?? defaultGenerator();
  const f64 = dtype === 'float64';
  return make(fillFrom(op, dtype, sizeOf(shape), () => draw(g, f64)), shape, dtype, opts.requiresGrad);
}

/**
 * Uniform samples in [0, 1).
 * @example
 * ```ts
 * rand([2, 3], { generator: new Generator(1) });
 * ```
 * @category Random
 */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFloat('rand', shape, opts, (g, f64) => (f64 ? g.nextFloat64() : g.nextFloat32()));
}

/**
 * Uniform samples in [low, high).
 * @example
 * ```ts
 * uniform([4, 4], -0.1, 0.1);
 * ```
 * @category Random
 */
export function uniform(shape: readonly number[], low = 0, high = 1, opts: RandomOptions = {}): Tensor {
  check(Number.isFinite(low) && Number.isFinite(high) && low <= high, 'uniform', () => `expected finite low <= high, got low=${String(low)}, high=${String(high)}`);
  return randomFloat('uniform', shape, opts, (g, f64) => low + (high - low) * (f64 ? g.nextFloat64() : g.nextFloat32()));
}

/**
 * Standard normal samples.
 * @example
 * ```ts
 * randn([3], { dtype: 'float64' });
 * ```
 * @category Random
 */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFloat('randn', shape, opts, (g) => g.nextNormal());
}

/**
 * Uniform integers in [low, high), int32 by default.
 * @example
 * ```ts
 * randint(0, 10, [5]);
 * ```
 * @category Random
 */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkCreate('randint', opts, RANDOM_KEYS);
  check(Number.isInteger(low) && Number.isInteger(high) && low < high && high - low <= 4294967296, 'randint', () =>
    `expected integers low < high (at most 2^32 apart), got low=${String(low)}, high=${String(high)}`,
  );
  checkShapeSize('randint', shape);
  const dtype = checkDType('randint', opts.dtype ?? 'int32');
  const g = opts.generator ?? defaultGenerator();
  const n = high - low;
  return make(fillFrom('randint', dtype, sizeOf(shape), () => low + g.nextInt(n)), shape, dtype, opts.requiresGrad);
}

/** @internal */
export function scalarLike(value: number, dtype: DType, op = 'scalar'): Tensor {
  if (dtype === 'int32' && !Number.isInteger(value))
    throw new TapegradError(op, `cannot combine the non-integer ${value} with an int32 tensor; cast the tensor with .to('float32')`);
  const d = allocate(dtype, 1);
  d[0] = value;
  return new Tensor(d, [], dtype);
}
