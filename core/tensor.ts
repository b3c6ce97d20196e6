import { type DType, type TypedArray, isFloat } from './dtype.js';
import { TapegradError } from './errors.js';
import { type Shape, fmt, sizeOf } from './shape.js';

/** Anything an op takes where a tensor is expected: a tensor or a plain number (a scalar). @category Tensors */
export type TensorLike = Tensor | number;

/** A nested array of numbers, as returned by {@link Tensor.toArray}. @category Tensors */
export type NestedArray = number | NestedArray[];

/** @internal Slice of one axis, as `{start, end, step}` (Python semantics), a `'1:3'`-style string or null (all). */
export type SliceSpec = { start?: number; end?: number; step?: number } | string | null;

/**
 * @internal The methods a Tensor forwards to: filled in by autograd, so that core never imports upward.
 */
// biome-ignore lint: the table is typed at each call site below.
type MethodTable = Record<string, (...args: any[]) => any>;
let impl: MethodTable | undefined;

/** @internal Called once by autograd to give tensors their op methods. */
export function installTensorMethods(table: MethodTable): void {
  impl = table;
}

function m(name: string): (...args: any[]) => any {
  const f = impl?.[name];
  if (!f) throw new TapegradError(name, 'tensor methods are not installed (import tapegrad from its index)');
  return f;
}

/**
 * A frozen, packed copy of `shape`. NOTE: built by pushing, so that every shape has one hidden class: a
 * copy of a holey array (`new Array(n)`, `filter`) would freeze into a second one that only a step's
 * tensors have; it dies with them at each collection and deoptimizes the code specialised on it.
 */
function freezeShape(shape: Shape): Shape {
  const s: number[] = [];
  for (let i = 0; i < shape.length; i++) s.push(shape[i]!);
  return Object.freeze(s);
}

/**
 * An n-dimensional array of `float32`, `float64` or `int32` in contiguous row-major storage. Tensors are
 * values: ops never change their data. A tensor with `requiresGrad` records the ops applied to it, so
 * that `backward()` can compute gradients.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad!.toArray(); // [[2, 4], [6, 8]]
 * ```
 * @category Tensors
 */
export class Tensor {
  /**
   * The elements in row-major order. Treat as read-only: ops and the tape assume it never changes. A small
   * tensor's array can be a view into a buffer shared with other tensors (`data.byteOffset` > 0): copy it
   * (`data.slice()`) before transferring `data.buffer` to a worker.
   */
  readonly data: TypedArray;
  /** The size of each axis. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
  /** The accumulated gradient of a leaf after `backward()`, or null. */
  grad: Tensor | null = null;
  /** @internal The tape node that produced this tensor (null for leaves and constants). */
  node: unknown = null;
  private _requiresGrad = false;

  /** @internal Use {@link tensor} or the other creation functions. */
  constructor(data: TypedArray, shape: Shape, dtype: DType) {
    this.data = data;
    // Shapes are frozen arrays: one that already is (another tensor's) is shared, not copied.
    this.shape = Object.isFrozen(shape) ? shape : freezeShape(shape);
    this.dtype = dtype;
  }

  /** Whether gradients flow to this tensor. Only leaves may set it, and only float tensors. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (typeof v !== 'boolean') throw new TapegradError('requiresGrad', `expected true or false, got ${String(v)}`);
    if (v && !isFloat(this.dtype))
      throw new TapegradError('requiresGrad', `only float tensors can require gradients, got ${this.dtype}`);
    if (this.node !== null && !v)
      throw new TapegradError('requiresGrad', 'cannot turn off requiresGrad of a non-leaf tensor: use detach()');
    this._requiresGrad = v;
  }

  /** True for tensors not produced by a recorded op (parameters, inputs, constants). */
  get isLeaf(): boolean {
    return this.node === null;
  }
  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }
  /** The number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.size !== 1)
      throw new TapegradError('item', `only one-element tensors convert to a number, got shape ${fmt(this.shape)}`);
    return this.data[0]!;
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset]!;
      const n = this.shape[axis]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** A readable rendering in the style of PyTorch, summarising large tensors. */
  toString(): string {
    const summarise = this.size > 1000;
    const isInt = this.dtype === 'int32';
    let allInt = true;
    for (let i = 0; i < this.data.length && allInt; i++) allInt = Number.isInteger(this.data[i]) || !Number.isFinite(this.data[i]!);
    const num = (v: number): string =>
      isInt
        ? String(v)
        : !Number.isFinite(v)
          ? (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf')
          : allInt
            ? `${v}.`
            : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-4 && v !== 0)
              ? v.toExponential(4)
              : v.toFixed(4);
    const render = (axis: number, offset: number, indent: string): string => {
      if (axis === this.shape.length) return num(this.data[offset]!);
      const n = this.shape[axis]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      const idx = summarise && n > 6 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
      const last = axis === this.shape.length - 1;
      const sep = last ? ', ' : `,${'\n'.repeat(this.shape.length - axis - 1)}${indent} `;
      return `[${idx.map((i) => (i < 0 ? '...' : render(axis + 1, offset + i * stride, `${indent} `))).join(sep)}]`;
    };
    const extras = [this.dtype !== 'float32' ? `dtype=${this.dtype}` : '', this.requiresGrad ? 'requiresGrad=true' : '']
      .filter(Boolean)
      .join(', ');
    return `tensor(${render(0, 0, '       ')}${extras ? `, ${extras}` : ''})`;
  }

  // ---- ops as methods: each forwards to the function of the same name (see its docs). ----
  /** {@link add} */ add(other: TensorLike): Tensor { return m('add')(this, other); }
  /** {@link sub} */ sub(other: TensorLike): Tensor { return m('sub')(this, other); }
  /** {@link mul} */ mul(other: TensorLike): Tensor { return m('mul')(this, other); }
  /** {@link div} */ div(other: TensorLike): Tensor { return m('div')(this, other); }
  /** {@link pow} */ pow(exponent: TensorLike): Tensor { return m('pow')(this, exponent); }
  /** {@link maximum} */ maximum(other: TensorLike): Tensor { return m('maximum')(this, other); }
  /** {@link minimum} */ minimum(other: TensorLike): Tensor { return m('minimum')(this, other); }
  /** {@link neg} */ neg(): Tensor { return m('neg')(this); }
  /** {@link exp} */ exp(): Tensor { return m('exp')(this); }
  /** {@link log} */ log(): Tensor { return m('log')(this); }
  /** {@link log1p} */ log1p(): Tensor { return m('log1p')(this); }
  /** {@link sqrt} */ sqrt(): Tensor { return m('sqrt')(this); }
  /** {@link abs} */ abs(): Tensor { return m('abs')(this); }
  /** {@link sin} */ sin(): Tensor { return m('sin')(this); }
  /** {@link cos} */ cos(): Tensor { return m('cos')(this); }
  /** {@link tanh} */ tanh(): Tensor { return m('tanh')(this); }
  /** {@link sigmoid} */ sigmoid(): Tensor { return m('sigmoid')(this); }
  /** {@link relu} */ relu(): Tensor { return m('relu')(this); }
  /** {@link leakyRelu} */ leakyRelu(negativeSlope?: number): Tensor { return m('leakyRelu')(this, negativeSlope); }
  /** {@link softplus} */ softplus(): Tensor { return m('softplus')(this); }
  /** {@link clamp} */ clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor { return m('clamp')(this, min, max); }
  /** {@link eq} */ eq(other: TensorLike): Tensor { return m('eq')(this, other); }
  /** {@link ne} */ ne(other: TensorLike): Tensor { return m('ne')(this, other); }
  /** {@link lt} */ lt(other: TensorLike): Tensor { return m('lt')(this, other); }
  /** {@link le} */ le(other: TensorLike): Tensor { return m('le')(this, other); }
  /** {@link gt} */ gt(other: TensorLike): Tensor { return m('gt')(this, other); }
  /** {@link ge} */ ge(other: TensorLike): Tensor { return m('ge')(this, other); }
  /** {@link isnan} */ isnan(): Tensor { return m('isnan')(this); }
  /** {@link isfinite} */ isfinite(): Tensor { return m('isfinite')(this); }
  /** {@link sum} */ sum(axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('sum')(this, axis, opts); }
  /** {@link mean} */ mean(axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('mean')(this, axis, opts); }
  /** {@link max} */ max(axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('max')(this, axis, opts); }
  /** {@link min} */ min(axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('min')(this, axis, opts); }
  /** {@link variance} */ var(axis?: number | number[], opts?: { keepdims?: boolean; correction?: number }): Tensor { return m('var')(this, axis, opts); }
  /** {@link std} */ std(axis?: number | number[], opts?: { keepdims?: boolean; correction?: number }): Tensor { return m('std')(this, axis, opts); }
  /** {@link norm} */ norm(p?: number, axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('norm')(this, p, axis, opts); }
  /** {@link logsumexp} */ logsumexp(axis?: number | number[], opts?: { keepdims?: boolean }): Tensor { return m('logsumexp')(this, axis, opts); }
  /** {@link argmax} */ argmax(axis?: number, opts?: { keepdims?: boolean }): Tensor { return m('argmax')(this, axis, opts); }
  /** {@link argmin} */ argmin(axis?: number, opts?: { keepdims?: boolean }): Tensor { return m('argmin')(this, axis, opts); }
  /** {@link matmul} */ matmul(other: Tensor): Tensor { return m('matmul')(this, other); }
  /** {@link reshape} */ reshape(shape: readonly number[]): Tensor { return m('reshape')(this, shape); }
  /** {@link transpose} */ transpose(axis0?: number, axis1?: number): Tensor { return m('transpose')(this, axis0, axis1); }
  /** {@link permute} */ permute(axes: readonly number[]): Tensor { return m('permute')(this, axes); }
  /** {@link squeeze} */ squeeze(axis?: number | number[]): Tensor { return m('squeeze')(this, axis); }
  /** {@link unsqueeze} */ unsqueeze(axis: number): Tensor { return m('unsqueeze')(this, axis); }
  /** {@link expand} */ expand(shape: readonly number[]): Tensor { return m('expand')(this, shape); }
  /** {@link broadcastTo} */ broadcastTo(shape: readonly number[]): Tensor { return m('broadcastTo')(this, shape); }
  /** {@link flatten} */ flatten(startAxis?: number, endAxis?: number): Tensor { return m('flatten')(this, startAxis, endAxis); }
  /** {@link slice} */ slice(specs: readonly (SliceSpec | number)[]): Tensor { return m('slice')(this, specs); }
  /** {@link narrow} */ narrow(axis: number, start: number, length: number): Tensor { return m('narrow')(this, axis, start, length); }
  /** {@link select} */ select(axis: number, index: number): Tensor { return m('select')(this, axis, index); }
  /** {@link indexSelect} */ indexSelect(axis: number, index: Tensor): Tensor { return m('indexSelect')(this, axis, index); }
  /** {@link gather} */ gather(axis: number, index: Tensor): Tensor { return m('gather')(this, axis, index); }
  /** {@link split} */ split(sizeOrSections: number | number[], axis?: number): Tensor[] { return m('split')(this, sizeOrSections, axis); }
  /** {@link unbind} */ unbind(axis?: number): Tensor[] { return m('unbind')(this, axis); }
  /** {@link chunk} */ chunk(chunks: number, axis?: number): Tensor[] { return m('chunk')(this, chunks, axis); }
  /** {@link flip} */ flip(axes: number | number[]): Tensor { return m('flip')(this, axes); }
  /** {@link pad} */ pad(pads: readonly number[], valueOrOptions?: number | { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number }): Tensor { return m('pad')(this, pads, valueOrOptions); }
  /** {@link softmax} */ softmax(axis?: number): Tensor { return m('softmax')(this, axis); }
  /** {@link logSoftmax} */ logSoftmax(axis?: number): Tensor { return m('logSoftmax')(this, axis); }
  /** {@link cast}: a copy in another dtype (differentiable between float dtypes). */ to(dtype: DType): Tensor { return m('cast')(this, dtype); }
  /** {@link detach} */ detach(): Tensor { return m('detach')(this); }
  /** {@link clone} */ clone(): Tensor { return m('clone')(this); }
  /**
   * Computes the gradient of this tensor with respect to every leaf that requires it, accumulating into
   * their `.grad`. A non-scalar tensor needs a `seed` (the vector of the vector-Jacobian product).
   */
  backward(seed?: Tensor, opts?: { retainGraph?: boolean; createGraph?: boolean }): void {
    m('backward')(this, seed, opts);
  }
}
