import { type DType, type TypedArray, allocate } from '../../dtype.js';
import { TapegradError } from '../../errors.js';
import { broadcastShapes, shapeEq, sizeOf } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import type { Backend, BinaryKernel, UnaryKernel } from '../backend.js';
import { jsBackend } from '../js.js';
import { matmulGeometry, walk } from '../loops.js';
import { wasmBase64, wasmRelaxedBase64, wasmSharedBase64, wasmSharedRelaxedBase64 } from './binary.js';
import { type GemmArgs, ThreadPool } from './threads.js';

/** Addresses are byte offsets into the module's linear memory; strides are in elements. */
type Gemm = (
  M: number, N: number, K: number,
  a: number, rsA: number, csA: number,
  b: number, rsB: number, csB: number,
  c: number, ldc: number, work: number, accumulate: number,
) => void;

/** out = full op rep (rep op full when swap), rep repeating with period m. */
type Binary = (op: number, swap: number, n: number, full: number, rep: number, m: number, out: number) => void;
type Unary = (n: number, x: number, out: number) => void;
/** out = g (1 - y^2) (op 0) or g y (1 - y) (op 1). */
type ActGrad = (op: number, n: number, g: number, y: number, out: number) => void;

interface Kernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  workBytes(): number;
  gemm32: Gemm;
  /** The GEMM with op(B) from packB32All (`ldp` columns in all, this product's N from column j0). */
  gemm32Packed: (M: number, N: number, K: number, a: number, rsA: number, csA: number, packed: number, ldp: number, j0: number, c: number, ldc: number, work: number, accumulate: number) => void;
  packB32All: (N: number, K: number, b: number, rsB: number, csB: number, dst: number) => void;
  packedBytes32: (N: number, K: number) => number;
  gemm64: Gemm;
  binary32: Binary;
  binary64: Binary;
  exp32: Unary;
  tanh32: Unary;
  sigmoid32: Unary;
  exp64: Unary;
  tanh64: Unary;
  sigmoid64: Unary;
  actGrad32: ActGrad;
  actGrad64: ActGrad;
}

interface Instance {
  readonly k: Kernels;
  readonly memory: WebAssembly.Memory;
  /** Whether this is a relaxed-SIMD build (fused multiply-add in the GEMM). */
  readonly relaxed: boolean;
  /** Packing scratch (workBytes() long) of this thread, then one per worker, then the operands from `data` on. */
  readonly work: number;
  data: number;
  /** Where the operands start when no packed weights are kept (after the packing scratch). */
  base: number;
  /** Worker threads for large products: only with the shared-memory build. */
  readonly pool: ThreadPool | null;
  /** Views of the whole memory, renewed when it grows (growing detaches the old buffer). */
  buffer: ArrayBuffer | SharedArrayBuffer;
  f32: Float32Array;
  f64: Float64Array;
}

const PAGE = 65536;
// wasm32 addresses 4 GiB; beyond 2 GiB of operands the TypeScript kernels take over.
const MAX_BYTES = 2 ** 31;
// Below these sizes the copies and the call cost more than the TypeScript loops.
const MIN_WORK = 128; // multiply-adds of a matmul
const MIN_MAP = 64; // elements of a float64 exp, tanh or sigmoid
const MIN_MAP32 = 16; // in float32, whose TypeScript kernels compute in float32 step by step, more slowly
const MIN_ZIP = 256; // elements of an add, sub, mul, div, maximum or minimum

const unaryKernels = { exp: ['exp32', 'exp64'], tanh: ['tanh32', 'tanh64'], sigmoid: ['sigmoid32', 'sigmoid64'] } as const;
const binaryCodes: Partial<Record<BinaryKernel, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };

const align = (n: number): number => Math.ceil(n / 64) * 64;

/** A result out of linear memory, into storage from the shared allocator. */
function copyOut(mem: Float32Array | Float64Array, from: number, n: number, dtype: DType): TypedArray {
  const y = allocate(dtype, n, false);
  y.set(mem.subarray(from, from + n));
  return y;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

let instance: Instance | null | undefined;

const abort = (): never => {
  throw new Error('tapegrad: a WebAssembly kernel aborted');
};

// The shared-memory build where SharedArrayBuffer exists (Node; browsers with cross-origin isolation), so
// that worker threads can join; the build with its own memory elsewhere. Each with relaxed SIMD (fused
// multiply-add in the GEMM) where the engine validates it, plain SIMD otherwise.
function instantiate(): { k: Kernels; memory: WebAssembly.Memory; module: WebAssembly.Module | null; relaxed: boolean } | null {
  const pick = (relaxed: string, plain: string): { bytes: Uint8Array<ArrayBuffer>; relaxed: boolean } | null => {
    const r = decode(relaxed);
    if (WebAssembly.validate(r)) return { bytes: r, relaxed: true };
    const p = decode(plain);
    return WebAssembly.validate(p) ? { bytes: p, relaxed: false } : null;
  };
  if (typeof SharedArrayBuffer === 'function') {
    try {
      const got = pick(wasmSharedRelaxedBase64, wasmSharedBase64);
      if (got) {
        const module = new WebAssembly.Module(got.bytes);
        const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_BYTES / PAGE, shared: true });
        const k = new WebAssembly.Instance(module, { env: { memory, abort } }).exports as unknown as Kernels;
        return { k, memory, module, relaxed: got.relaxed };
      }
    } catch {
      // fall through to the unshared build
    }
  }
  const got = pick(wasmRelaxedBase64, wasmBase64);
  if (got === null) return null;
  const k = new WebAssembly.Instance(new WebAssembly.Module(got.bytes), {}).exports as unknown as Kernels;
  return { k, memory: k.memory, module: null, relaxed: got.relaxed };
}

// Synchronous compilation is fine for a module of a few KB (browsers refuse it only above 8 MB on the
// main thread). Validation fails where SIMD is missing; instantiation can fail under a strict CSP.
function load(): Instance | null {
  if (instance !== undefined) return instance;
  instance = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const made = instantiate();
    if (made === null) return null;
    const { k, memory, module, relaxed } = made;
    const work = align(k.heapBase());
    const pool = module ? new ThreadPool(module, memory, MAX_WORKERS) : null;
    const buffer = memory.buffer;
    const data = align(work + k.workBytes());
    instance = { k, memory, relaxed, work, data, base: data, pool, buffer, f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
    if (pool) startWorkers(instance, threads - 1);
  } catch {
    instance = null;
  }
  return instance;
}

// ---------------------------------------------------------------------------------------------- threads

const MAX_WORKERS = 7;
// Products with fewer multiply-adds run on one thread: waking a worker costs some tens of microseconds.
const MIN_PARALLEL = 1 << 20;

// One thread unless asked for more (see setNumThreads and bench/RESULTS.md for what two threads gain).
let threads = 1;

/**
 * The processors this program may use (Node's `os.availableParallelism()`, a browser's
 * `navigator.hardwareConcurrency`), for {@link setNumThreads}.
 * @example
 * ```ts
 * setNumThreads(processorCount());
 * ```
 * @category Kernels
 */
export function processorCount(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return Math.max(1, os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1);
}

// Workers get their own packing scratch after this thread's; the operands start after the last one.
function startWorkers(inst: Instance, n: number): void {
  const started = inst.pool!.grow(n);
  const end = align(inst.work + (1 + started) * align(inst.k.workBytes()));
  if (end > inst.base) {
    if (!reserve(inst, end)) return;
    inst.data = inst.data + (end - inst.base);
    inst.base = end;
    packed.clear();
  }
}

/**
 * Sets how many threads the WebAssembly kernels use for large matrix products (the calling thread plus
 * `n - 1` workers, at most 8 in all; as `torch.set_num_threads`). The default is 1; `processorCount()`
 * gives the processors available.
 * Threads need SharedArrayBuffer: Node, or a cross-origin-isolated page; elsewhere products run on the
 * calling thread whatever the setting. Workers start in the background (see {@link wasmThreadsReady}).
 * @example
 * ```ts
 * setNumThreads(1); // products on the calling thread only
 * ```
 * @category Kernels
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new TapegradError('setNumThreads', `expected a positive integer, got ${String(n)}`);
  threads = Math.min(n, MAX_WORKERS + 1);
  const inst = instance;
  if (inst?.pool && threads > 1) startWorkers(inst, threads - 1);
}

/**
 * The number of threads set for the WebAssembly kernels (see {@link setNumThreads}).
 * @example
 * ```ts
 * getNumThreads(); // 2 on a two-core machine
 * ```
 * @category Kernels
 */
export function getNumThreads(): number {
  return threads;
}

/**
 * Resolves once the worker threads are running, with the number of threads products can use now (1 where
 * threads are unavailable).
 * @example
 * ```ts
 * await wasmThreadsReady(); // 2 on a two-core machine in Node
 * ```
 * @category Kernels
 */
export async function wasmThreadsReady(): Promise<number> {
  const inst = load();
  if (!inst?.pool || threads === 1 || inst.pool.broken) return 1;
  return 1 + (await inst.pool.whenReady(threads - 1));
}

// ------------------------------------------------------------------------------------- packed weights

// While the caller guarantees that parameters do not change (a backward pass, a sequence's unroll: see
// withFrozenLeaves), a float32 weight used as B is packed once into memory kept after the scratch, and
// every later product with it skips copying and packing it. The packed copies go when the outermost
// frozen region ends.
let frozen = 0;
const packed = new Map<string, Map<TypedArray, number>>();
const PACKED_MAX = 64 * 2 ** 20; // bytes of packed weights at most
const PACKED_PANEL = 2048; // NC of gemm.ts: the columns of one packed panel

function withFrozenLeaves<T>(fn: () => T): T {
  frozen++;
  try {
    return fn();
  } finally {
    if (--frozen === 0 && packed.size > 0) {
      packed.clear();
      if (instance) instance.data = instance.base;
    }
  }
}

/** The address of op(B) packed for gemm32Packed, packing it now if needed; null when B is not a frozen float32 parameter. */
function packedB(inst: Instance, b: Tensor, K: number, N: number, rsB: number, csB: number): number | null {
  if (frozen === 0 || b.dtype !== 'float32' || b.node !== null || !b.requiresGrad) return null;
  // Threads split a packed product into column panels within one packed panel (NC columns).
  if (threads > 1 && N > PACKED_PANEL) return null;
  const key = `${K}x${N}:${rsB},${csB}`;
  let byData = packed.get(key);
  const at = byData?.get(b.data);
  if (at !== undefined) return at;
  const bytes = inst.k.packedBytes32(N, K);
  const start = inst.data;
  const end = align(start + bytes);
  if (end - inst.base > PACKED_MAX || !reserve(inst, align(end + b.size * 4))) return null;
  inst.f32.set(b.data, end / 4);
  inst.k.packB32All(N, K, end, rsB, csB, start);
  inst.data = end;
  if (!byData) packed.set(key, (byData = new Map()));
  byData.set(b.data, start);
  return start;
}

/**
 * Runs one GEMM (the arguments of gemm32/gemm64 after the dtype), split into column panels (or row panels
 * when it is narrow) over the ready threads when it is large enough.
 */
function runGemm(inst: Instance, f64: boolean, ...args: GemmArgs): void {
  const gemm = f64 ? inst.k.gemm64 : inst.k.gemm32;
  const [M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, , acc] = args;
  const el = f64 ? 8 : 4;
  // The wide dimension is split, in whole register tiles (4x8 in float32, 4x4 in float64).
  const byColumns = N >= M;
  const parts = panels(inst, M * N * K, byColumns ? N : M, byColumns && !f64 ? 8 : 4, (at, len, work) => byColumns
    ? [M, len, K, a, rsA, csA, b + at * csB * el, rsB, csB, c + at * el, ldc, work, acc]
    : [len, N, K, a + at * rsA * el, rsA, csA, b, rsB, csB, c + at * ldc * el, ldc, work, acc]);
  if (parts.length === 1) gemm(...args);
  else inst.pool!.run(f64 ? 'gemm64' : 'gemm32', parts, (p) => gemm(...p));
}

/** gemm32Packed of all N columns, split into column panels over the ready threads when large enough. */
function runPacked(inst: Instance, M: number, N: number, K: number, a: number, rsA: number, csA: number, packed: number, c: number, ldc: number, acc: number): void {
  // Column panels within one packed panel only (see packedB), in whole 8-column slivers.
  const parts = panels(inst, N <= PACKED_PANEL ? M * N * K : 0, N, 8, (at, len, work) => [M, len, K, a, rsA, csA, packed, N, at, c + at * 4, ldc, work, acc]);
  if (parts.length === 1) inst.k.gemm32Packed(M, N, K, a, rsA, csA, packed, N, 0, c, ldc, inst.work, acc);
  else inst.pool!.run('packed', parts, (p) => inst.k.gemm32Packed(...p));
}

/**
 * Splits `total` rows or columns of a product of `macs` multiply-adds into one panel per ready thread
 * (`tile`-aligned, each with its thread's packing scratch), or a single panel when the product is too
 * small or no worker is ready.
 */
function panels(inst: Instance, macs: number, total: number, tile: number, make: (at: number, len: number, work: number) => GemmArgs): GemmArgs[] {
  const pool = inst.pool;
  const workers = pool && threads > 1 && !pool.broken && macs >= MIN_PARALLEL ? pool.ready(threads - 1) : 0;
  const per = Math.ceil(total / (workers + 1) / tile) * tile;
  if (workers === 0 || per >= total) return [make(0, total, inst.work)];
  const scratch = align(inst.k.workBytes());
  const out: GemmArgs[] = [];
  for (let p = 0, at = 0; at < total; p++, at += per) out.push(make(at, Math.min(per, total - at), inst.work + p * scratch));
  return out;
}

function reserve(inst: Instance, bytes: number): boolean {
  // Every growth goes through here, so the views are current while the memory is large enough.
  if (bytes <= inst.buffer.byteLength) return true;
  const mem = inst.memory;
  const have = mem.buffer.byteLength;
  if (bytes > have) {
    if (bytes > MAX_BYTES) return false;
    try {
      mem.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
  }
  if (inst.buffer !== mem.buffer) {
    inst.buffer = mem.buffer;
    inst.f32 = new Float32Array(inst.buffer);
    inst.f64 = new Float64Array(inst.buffer);
  }
  return true;
}

/**
 * Whether the WebAssembly SIMD kernels run here (the engine validates and instantiates the embedded
 * module); where they do not, {@link wasmBackend} computes everything with the TypeScript kernels.
 * @example
 * ```ts
 * if (wasmAvailable()) setBackend(wasmBackend);
 * ```
 * @category Kernels
 */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/**
 * Whether the WebAssembly matrix products use fused multiply-add: the engine supports relaxed SIMD
 * (Chrome and Edge 114+, Firefox 146+, Node 22+; Node 20 with `--experimental-wasm-relaxed-simd`), so the
 * kernels load from a build that uses it (about 20% faster products on a CPU with FMA). Where it is false
 * the products use a separate multiply and add. Results differ between the two in the last bits, as
 * between BLAS libraries.
 * @example
 * ```ts
 * wasmRelaxedSimd(); // true in Node 22, false in Node 20 without the flag
 * ```
 * @category Kernels
 */
export function wasmRelaxedSimd(): boolean {
  return load()?.relaxed ?? false;
}

/** @internal Bytes of the kernels' linear memory (0 before it loads); it grows to the largest operands and never shrinks. */
export function wasmMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/**
 * @internal Batched op(A) @ op(B) in WebAssembly at any size, or null where it cannot run (no WebAssembly,
 * int32, operands beyond the memory limit). Same semantics as the TypeScript kernel, except that float32
 * products accumulate in float32 (as BLAS does) rather than in float64.
 */
export function wasmMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor | null {
  const inst = load();
  if (inst === null || a.dtype === 'int32') return null;
  const { M, K, N, batchB, batch, sA, sB } = matmulGeometry(a, b, transA, transB);
  const count = sizeOf(batch);
  const f32 = a.dtype === 'float32';
  const el = f32 ? 4 : 8;
  // op(A)(i, k) is at i*rsA + k*csA: a transpose is only a swap of strides, absorbed by packing.
  const rsA = transA ? 1 : K;
  const csA = transA ? M : 1;
  const rsB = transB ? 1 : N;
  const csB = transB ? K : 1;
  const pinned = b.ndim === 2 && (count === 1 || !transA) ? packedB(inst, b, K, N, rsB, csB) : null;
  const pa = inst.data;
  const pb = align(pa + a.size * el);
  const pc = pinned === null ? align(pb + b.size * el) : pb;
  const size = count * M * N;
  if (!reserve(inst, pc + size * el)) return null;
  const { work } = inst;
  const mem = f32 ? inst.f32 : inst.f64;
  mem.set(a.data, pa / el);
  if (pinned === null) mem.set(b.data, pb / el);
  if (size === 0) {
    // nothing to compute
  } else if (pinned !== null) {
    runPacked(inst, count * M, N, K, pa, rsA, csA, pinned, pc, N, 0);
  } else if (count === 1 || (!transA && sizeOf(batchB) === 1)) {
    // One B for every batch: the batch stacks into the rows of a single taller product.
    runGemm(inst, !f32, count * M, N, K, pa, rsA, csA, pb, rsB, csB, pc, N, work, 0);
  } else {
    walk(batch, [sA, sB], [0, 0], (o, offs, n, inner) => {
      for (let t = 0; t < n; t++) {
        const offA = (offs[0]! + t * inner[0]!) * M * K * el;
        const offB = (offs[1]! + t * inner[1]!) * K * N * el;
        runGemm(inst, !f32, M, N, K, pa + offA, rsA, csA, pb + offB, rsB, csB, pc + (o + t) * M * N * el, N, work, 0);
      }
    });
  }
  return new Tensor(copyOut(mem, pc / el, size, a.dtype), [...batch, M, N], a.dtype);
}

/**
 * @internal C += sum over t of op(A_t) op(B_t) in place for 2-D operands, in WebAssembly: C is copied in,
 * the GEMM accumulates onto it, and the sum is copied back. With transposed A's and plain B's (g^T x, a
 * weight's gradient) the A_t stack into one [sum K_t, M] and the B_t into one [sum K_t, N], so the whole
 * sum is one GEMM with a long inner dimension; otherwise one GEMM per product. False where it cannot run
 * (as {@link wasmMatmul}).
 */
export function wasmMatmulAccumulate(c: Tensor, as: readonly Tensor[], bs: readonly Tensor[], transA: boolean, transB: boolean): boolean {
  const inst = load();
  if (inst === null || c.dtype === 'int32' || as.length === 0) return as.length === 0;
  const el = c.dtype === 'float32' ? 4 : 8;
  const [M, N] = c.shape as [number, number];
  const stacked = transA && !transB;
  const groups = stacked ? [as.map((_, t) => t)] : as.map((_, t) => [t]);
  const sizeA = Math.max(...groups.map((g) => g.reduce((s, t) => s + as[t]!.size, 0)));
  const sizeB = Math.max(...groups.map((g) => g.reduce((s, t) => s + bs[t]!.size, 0)));
  const pc = inst.data;
  const pa = align(pc + M * N * el);
  const pb = align(pa + sizeA * el);
  if (!reserve(inst, pb + sizeB * el)) return false;
  const mem = el === 4 ? inst.f32 : inst.f64;
  const c0 = pc / el;
  mem.set(c.data, c0);
  for (const g of groups) {
    let K = 0;
    for (const t of g) {
      mem.set(as[t]!.data, pa / el + K * M);
      mem.set(bs[t]!.data, pb / el + K * N);
      K += transA ? as[t]!.shape[0]! : as[t]!.shape[1]!;
    }
    runGemm(inst, el === 8, M, N, K, pa, transA ? 1 : K, transA ? M : 1, pb, transB ? 1 : N, transB ? K : 1, pc, N, inst.work, 1);
  }
  c.data.set(mem.subarray(c0, c0 + M * N));
  return true;
}

function matmulAccumulate(c: Tensor, as: readonly Tensor[], bs: readonly Tensor[], transA: boolean, transB: boolean): void {
  const k0 = as.length > 0 ? as[0]!.shape[transA ? 0 : 1]! : 0;
  if (as.length > 0 && c.size * k0 >= MIN_WORK && wasmMatmulAccumulate(c, as, bs, transA, transB)) return;
  const cd = c.data;
  as.forEach((a, t) => {
    const p = jsBackend.matmul(a, bs[t]!, transA, transB).data;
    for (let i = 0; i < cd.length; i++) cd[i]! += p[i]!;
  });
}

function matmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const { M, K, N, batchA, batchB } = matmulGeometry(a, b, transA, transB);
  const big = M * N * K * Math.max(sizeOf(batchA), sizeOf(batchB)) >= MIN_WORK;
  return (big && wasmMatmul(a, b, transA, transB)) || jsBackend.matmul(a, b, transA, transB);
}

/**
 * @internal x W^T + b (x [N, I], W [O, I], b [O], [N, O] or null) in WebAssembly: the bias is written into
 * the output first and the GEMM accumulates onto it. Null where it cannot run (as {@link wasmMatmul}).
 */
export function wasmLinear(x: Tensor, w: Tensor, b: Tensor | null): Tensor | null {
  const inst = load();
  if (inst === null || x.dtype === 'int32') return null;
  const [N, I] = x.shape as [number, number];
  const O = w.shape[0]!;
  const el = x.dtype === 'float32' ? 4 : 8;
  // op(B)(k, j) = W[j, k]: B is W read with swapped strides.
  const pinned = packedB(inst, w, I, O, 1, I);
  const px = inst.data;
  const pw = align(px + x.size * el);
  const pc = pinned === null ? align(pw + w.size * el) : pw;
  const size = N * O;
  if (!reserve(inst, pc + size * el)) return null;
  const { work } = inst;
  const mem = el === 4 ? inst.f32 : inst.f64;
  const c = pc / el;
  mem.set(x.data, px / el);
  if (pinned === null) mem.set(w.data, pw / el);
  if (b && size > 0) {
    if (b.size === size) {
      mem.set(b.data, c);
    } else {
      // The row, then doubling copies of the rows written so far.
      mem.set(b.data, c);
      for (let rows = 1; rows < N; rows *= 2) mem.copyWithin(c + rows * O, c, c + Math.min(rows, N - rows) * O);
    }
  }
  if (size > 0 && pinned !== null) runPacked(inst, N, O, I, px, I, 1, pinned, pc, O, b ? 1 : 0);
  else if (size > 0) runGemm(inst, el === 8, N, O, I, px, I, 1, pw, 1, I, pc, O, work, b ? 1 : 0);
  return new Tensor(copyOut(mem, c, size, x.dtype), [N, O], x.dtype);
}

function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const big = x.shape[0]! * x.shape[1]! * w.shape[0]! >= MIN_WORK;
  return (big && wasmLinear(x, w, b)) || jsBackend.linear(x, w, b);
}

/**
 * @internal exp, tanh or sigmoid in WebAssembly at any size, or null where it cannot run (another op, int32,
 * no WebAssembly). float32 gives the TypeScript kernel's bits (both compute in float32, see mathf.ts);
 * float64 is within a few ulps of it.
 */
export function wasmUnary(op: UnaryKernel, x: Tensor): Tensor | null {
  const names = unaryKernels[op as keyof typeof unaryKernels];
  const inst = names === undefined || x.dtype === 'int32' ? null : load();
  if (inst === null) return null;
  const f32 = x.dtype === 'float32';
  const el = f32 ? 4 : 8;
  const px = inst.data;
  const py = align(px + x.size * el);
  if (!reserve(inst, py + x.size * el)) return null;
  const mem = f32 ? inst.f32 : inst.f64;
  mem.set(x.data, px / el);
  inst.k[names![f32 ? 0 : 1]](x.size, px, py);
  return new Tensor(copyOut(mem, py / el, x.size, x.dtype), x.shape, x.dtype);
}

// Whether `x` broadcast to `shape` is its elements repeated: without leading 1s, its shape ends `shape`.
function repeats(x: readonly number[], shape: readonly number[]): boolean {
  let i = 0;
  while (i < x.length && x[i] === 1) i++;
  const rest = x.length - i;
  if (rest > shape.length) return false;
  for (let d = 0; d < rest; d++) if (x[i + d] !== shape[shape.length - rest + d]) return false;
  return true;
}

/**
 * @internal add, sub, mul, div, maximum or minimum in WebAssembly at any size when one operand is full and
 * the other repeats (same shape, a scalar, a trailing block such as a bias row), or null (other ops and
 * broadcasts, int32, no WebAssembly). Bit for bit the TypeScript kernel's results.
 */
export function wasmBinary(op: BinaryKernel, a: Tensor, b: Tensor): Tensor | null {
  if (op === 'tanhBackward' || op === 'sigmoidBackward') return actGrad(op === 'tanhBackward' ? 0 : 1, a, b);
  const code = binaryCodes[op];
  const inst = code === undefined || a.dtype === 'int32' ? null : load();
  if (inst === null) return null;
  const shape = shapeEq(a.shape, b.shape) ? a.shape : broadcastShapes('broadcast', a.shape, b.shape);
  const n = sizeOf(shape);
  const swap = !(a.size === n && repeats(b.shape, shape));
  if (swap && !(b.size === n && repeats(a.shape, shape))) return null;
  const [full, rep] = swap ? [b, a] : [a, b];
  const f32 = a.dtype === 'float32';
  const el = f32 ? 4 : 8;
  const pf = inst.data;
  const pr = align(pf + n * el);
  const po = align(pr + rep.size * el);
  if (!reserve(inst, po + n * el)) return null;
  const mem = f32 ? inst.f32 : inst.f64;
  if (n > 0) {
    mem.set(full.data, pf / el);
    mem.set(rep.data, pr / el);
    (f32 ? inst.k.binary32 : inst.k.binary64)(code!, swap ? 1 : 0, n, pf, pr, rep.size, po);
  }
  return new Tensor(copyOut(mem, po / el, n, a.dtype), shape, a.dtype);
}

// tanhBackward and sigmoidBackward of same-shape operands (as the VJPs of tanh and sigmoid make them).
function actGrad(code: number, g: Tensor, y: Tensor): Tensor | null {
  const inst = g.dtype === 'int32' || !shapeEq(g.shape, y.shape) ? null : load();
  if (inst === null) return null;
  const el = g.dtype === 'float32' ? 4 : 8;
  const n = g.size;
  const pg = inst.data;
  const py = align(pg + n * el);
  const po = align(py + n * el);
  if (!reserve(inst, po + n * el)) return null;
  const mem = el === 4 ? inst.f32 : inst.f64;
  mem.set(g.data, pg / el);
  mem.set(y.data, py / el);
  (el === 4 ? inst.k.actGrad32 : inst.k.actGrad64)(code, n, pg, py, po);
  return new Tensor(copyOut(mem, po / el, n, g.dtype), g.shape, g.dtype);
}

/**
 * The TypeScript kernels with the heavy ones in WebAssembly SIMD (matmul; exp, tanh, sigmoid; add, sub,
 * mul, div, maximum, minimum of same-shape, scalar or trailing-block operands), embedded in the bundle.
 * Every kernel falls back to TypeScript where WebAssembly SIMD is unavailable (see {@link wasmAvailable}).
 * @example
 * ```ts
 * setBackend(wasmBackend);
 * matmul(randn([512, 512]), randn([512, 512])); // about 40 GFLOP/s on one core, 50 with relaxed SIMD
 * ```
 * @category Kernels
 */
export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',
  matmul,
  matmulAccumulate,
  linear,
  withFrozenLeaves,
  unary: (op, x) => (x.size >= (x.dtype === 'float32' ? MIN_MAP32 : MIN_MAP) && wasmUnary(op, x)) || jsBackend.unary(op, x),
  binary: (op, a, b) => (Math.max(a.size, b.size) >= MIN_ZIP && wasmBinary(op, a, b)) || jsBackend.binary(op, a, b),
};
