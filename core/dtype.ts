/**
 * Element types: `float32` (the default), `float64` (for gradient checking) and `int32` (for indices).
 * @category Tensors
 */
export type DType = 'float32' | 'float64' | 'int32';

/** @internal */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** @internal */
export type FloatDType = 'float32' | 'float64';

// Storage the autograd engine hands back when it knows no tensor can reach it any more (a gradient
// consumed inside one backward pass), kept per dtype and length for the next allocation of that size.
// Fresh large typed arrays are costly in V8 (zeroed off-heap memory, from 128 KB on mmapped, and more
// garbage-collector work), and a training step allocates the same sizes again and again.
const POOL_MIN = 1024; // elements: smaller arrays are cheap to allocate
const POOL_CAP = 64 * 2 ** 20; // bytes held at most
const pools: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), float64: new Map(), int32: new Map() };
let pooledBytes = 0;
let tracking: WeakSet<TypedArray> | null = null;

// Small storage comes out of shared slabs. V8 keeps a typed array of up to 64 bytes on its heap, cheaply;
// a larger one gets its own off-heap buffer, which costs about ten times more to make and to collect. So
// arrays of 65 bytes to 1 KB are views into 8 KB slabs, handed out once each (always zero: a slab is never
// reused while any view of it lives, and then the collector frees it). A view that outlives the others
// keeps its slab alive: at most 8 KB per live small tensor.
const ON_HEAP = 64;
const SLAB_MAX = 1024;
const SLAB = 8192;
let slab = new ArrayBuffer(SLAB);
let slabAt = 0;

function fromSlab(dtype: DType, size: number, bytes: number): TypedArray {
  if (slabAt + bytes > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabAt = 0;
  }
  const at = slabAt;
  slabAt += (bytes + 15) & ~15;
  return dtype === 'float32' ? new Float32Array(slab, at, size) : dtype === 'float64' ? new Float64Array(slab, at, size) : new Int32Array(slab, at, size);
}

/**
 * @internal Allocates zeroed storage of `size` elements (reusing recycled storage of that size when there
 * is some; `zero = false` when the caller writes every element). While a set is being tracked (see
 * {@link trackAllocations}), large allocations are added to it.
 */
export function allocate(dtype: DType, size: number, zero = true): TypedArray {
  const bytes = size * (dtype === 'float64' ? 8 : 4);
  if (bytes > ON_HEAP && bytes <= SLAB_MAX) return fromSlab(dtype, size, bytes);
  // One constructor per call site: a computed `new ctors[dtype]` is a slow generic construct in V8.
  if (size < POOL_MIN) return dtype === 'float32' ? new Float32Array(size) : dtype === 'float64' ? new Float64Array(size) : new Int32Array(size);
  const a = pools[dtype].get(size)?.pop();
  let out: TypedArray;
  if (a) {
    pooledBytes -= a.byteLength;
    out = zero ? a.fill(0) : a;
  } else {
    out = dtype === 'float32' ? new Float32Array(size) : dtype === 'float64' ? new Float64Array(size) : new Int32Array(size);
  }
  tracking?.add(out);
  return out;
}

/**
 * @internal Makes {@link allocate} record its large allocations in `set` (null: stop); returns the set it
 * replaces, for restoring.
 */
export function trackAllocations(set: WeakSet<TypedArray> | null): WeakSet<TypedArray> | null {
  const prev = tracking;
  tracking = set;
  return prev;
}

/** @internal Hands back storage that nothing can read or write any more, for reuse by {@link allocate}. */
export function recycle(a: TypedArray): void {
  if (a.length < POOL_MIN || pooledBytes + a.byteLength > POOL_CAP) return;
  const dtype: DType = a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : 'int32';
  const pool = pools[dtype];
  const list = pool.get(a.length);
  if (list) list.push(a);
  else pool.set(a.length, [a]);
  pooledBytes += a.byteLength;
}

/** @internal What the recycled-storage pools hold now (for the memory soak in bench/): bytes and arrays. */
export function poolStats(): { bytes: number; arrays: number } {
  let arrays = 0;
  for (const pool of Object.values(pools)) for (const list of pool.values()) arrays += list.length;
  return { bytes: pooledBytes, arrays };
}

/** @internal The dtype of a typed array, or undefined for other arrays. */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return undefined;
}

/** @internal */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** @internal */
export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'float64' || d === 'int32';
}
