/**
 * The WebAssembly SIMD kernels against the TypeScript ones, on shapes drawn by fast-check. matmul: odd
 * sizes, 1s, sizes that are not multiples of the SIMD width or of the register tile (4x8 in float32, 4x4 in
 * float64), sizes across the cache blocks (K > 256, M > 128, N > 2048), all four transpose combinations,
 * batch broadcasting, float32 and float64. Elementwise: the same bits for the arithmetic ops and for float32
 * exp, tanh and sigmoid (both compute those in float32, step for step), within a few ulps for float64 ones,
 * special values included. Replay a failure with FC_SEED=<seed> (and
 * FC_PATH=<path>); FC_RUNS sets the number of cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Generator, type Tensor, getBackend, getNumThreads, gradcheck, jsBackend, matmul, mul, nn, randn, setBackend, setNumThreads, sum, tensor, wasmThreadsReady,
} from '../../index.js';
import { wasmAvailable, wasmBackend, wasmBinary, wasmLinear, wasmMatmul, wasmMatmulAccumulate, wasmRelaxedSimd, wasmUnary } from '../../core/kernels/wasm/index.js';
import { wasmRelaxedBase64 } from '../../core/kernels/wasm/binary.js';
import { broadcastPair } from '../helpers/arbitraries.js';

const runs = Number(process.env.FC_RUNS ?? 150);
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const path = process.env.FC_PATH;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path } : {}) });

type Float = 'float32' | 'float64';

/** Uniform values in [-1, 1) from a seeded mulberry32 stream, with some exact zeros. */
function filled(shape: readonly number[], dtype: Float, s: number): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  let x = s >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    data[i] = u < 0.05 ? 0 : 2 * u - 1;
  }
  return tensor(data, { shape });
}

/**
 * Asserts |wasm - ts| <= rtol * sum_k |a_ik b_kj| elementwise: the error bound of a dot product summed in
 * another order, so cancellation cannot make a correct result look wrong.
 */
function expectAgree(a: Tensor, b: Tensor, ta: boolean, tb: boolean, rtol: number): void {
  const got = wasmMatmul(a, b, ta, tb);
  expect(got, 'wasmMatmul ran').not.toBeNull();
  const want = jsBackend.matmul(a, b, ta, tb);
  expect(got!.shape).toEqual(want.shape);
  expect(got!.dtype).toBe(a.dtype);
  const abs = (x: Tensor) => jsBackend.cast(jsBackend.unary('abs', x), 'float64');
  const scale = jsBackend.matmul(abs(a), abs(b), ta, tb).data;
  for (let i = 0; i < want.size; i++) {
    const err = Math.abs(got!.data[i]! - want.data[i]!);
    if (!(err <= rtol * scale[i]! + 1e-300))
      throw new Error(`element ${i}: wasm ${got!.data[i]} vs ts ${want.data[i]} (scale ${scale[i]}) for ${a.dtype} ` +
        `${JSON.stringify(a.shape)}${ta ? 'ᵀ' : ''} @ ${JSON.stringify(b.shape)}${tb ? 'ᵀ' : ''}`);
  }
}

const rtol: Record<Float, number> = { float32: 1e-5, float64: 1e-12 };

// Small sizes around the SIMD width and the tile, and a few across the cache blocks.
const dim = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 19 }) },
  { weight: 2, arbitrary: fc.integer({ min: 20, max: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom(127, 128, 129, 255, 256, 257, 300) },
);

const matmulCase = fc.record({
  dtype: fc.constantFrom<Float>('float32', 'float64'),
  m: dim,
  n: dim,
  k: fc.oneof({ weight: 4, arbitrary: dim }, { weight: 1, arbitrary: fc.constant(0) }),
  ta: fc.boolean(),
  tb: fc.boolean(),
  batch: fc.oneof({ weight: 2, arbitrary: fc.constant<[number[], number[]]>([[], []]) }, { weight: 1, arbitrary: broadcastPair(2, 3) }),
  seed: fc.integer(),
});

describe.skipIf(!wasmAvailable())('WebAssembly SIMD matmul agrees with the TypeScript kernel', () => {
  it('on random shapes, transposes, batches and dtypes', () => {
    fc.assert(
      fc.property(matmulCase, ({ dtype, m, n, k, ta, tb, batch: [ba, bb], seed: s }) => {
        // Keep the cases small enough to run quickly: the cache-block sizes only with a small batch.
        fc.pre(m * n * k * Math.max(1, ...ba, ...bb) ** 2 <= 3e6);
        const a = filled([...ba, ...(ta ? [k, m] : [m, k])], dtype, s);
        const b = filled([...bb, ...(tb ? [n, k] : [k, n])], dtype, s ^ 0x5bd1e995);
        expectAgree(a, b, ta, tb, rtol[dtype]);
      }),
      params(runs),
    );
  });

  it('across the cache blocks (M > 128, K > 256, N > 2048)', () => {
    for (const dtype of ['float32', 'float64'] as const)
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const)
        for (const [m, k, n] of [[131, 261, 21], [5, 259, 2053]] as const) {
          const a = filled(ta ? [k, m] : [m, k], dtype, m);
          const b = filled(tb ? [n, k] : [k, n], dtype, n);
          expectAgree(a, b, ta, tb, rtol[dtype]);
        }
  });

  it('broadcasts a batch of B against one A, and stacks a batch of A over one B', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      expectAgree(filled([5, 7], dtype, 3), filled([2, 3, 7, 9], dtype, 4), false, false, rtol[dtype]);
      expectAgree(filled([2, 3, 5, 7], dtype, 5), filled([9, 7], dtype, 6), false, true, rtol[dtype]);
      expectAgree(filled([2, 1, 7, 5], dtype, 7), filled([1, 4, 7, 9], dtype, 8), true, false, rtol[dtype]);
    }
  });

  it('accumulates in place: C += sum of op(A_t) op(B_t) on random shapes, inner sizes and transposes', () => {
    fc.assert(
      fc.property(matmulCase, fc.array(fc.oneof(dim, fc.constant(0)), { minLength: 1, maxLength: 4 }), ({ dtype, m, n, ta, tb, seed: s }, ks) => {
        fc.pre(m * n * ks.reduce((p, q) => p + q, 0) <= 3e6);
        const as = ks.map((k, t) => filled(ta ? [k, m] : [m, k], dtype, s + t));
        const bs = ks.map((k, t) => filled(tb ? [n, k] : [k, n], dtype, (s + t) ^ 0x5bd1e995));
        const c = filled([m, n], dtype, s ^ 0x1b873593);
        const abs = (x: Tensor) => jsBackend.unary('abs', x);
        let want = c;
        let scale = abs(c);
        as.forEach((a, t) => {
          want = jsBackend.binary('add', want, jsBackend.matmul(a, bs[t]!, ta, tb));
          scale = jsBackend.binary('add', scale, jsBackend.matmul(abs(a), abs(bs[t]!), ta, tb));
        });
        expect(wasmMatmulAccumulate(c, as, bs, ta, tb)).toBe(true);
        for (let i = 0; i < want.size; i++)
          if (!(Math.abs(c.data[i]! - want.data[i]!) <= rtol[dtype] * scale.data[i]! + 1e-300))
            throw new Error(`element ${i}: wasm ${c.data[i]} vs ts ${want.data[i]} for ${dtype} [${m}, ${n}], K = ${ks} (${ta}, ${tb})`);
      }),
      params(runs),
    );
  });

  it('gives zeros for K = 0 and empty results for M = 0 or a zero batch', () => {
    expect(Array.from(wasmMatmul(filled([3, 0], 'float32', 1), filled([0, 5], 'float32', 2), false, false)!.data)).toEqual(new Array(15).fill(0));
    expect(wasmMatmul(filled([0, 4], 'float64', 1), filled([4, 5], 'float64', 2), false, false)!.shape).toEqual([0, 5]);
    expect(wasmMatmul(filled([0, 2, 4], 'float64', 1), filled([4, 5], 'float64', 2), false, false)!.shape).toEqual([0, 2, 5]);
  });

  it('propagates NaN and infinities as IEEE arithmetic does', () => {
    const a = tensor(new Float32Array([Number.NaN, 1, 2, 3]), { shape: [2, 2] });
    const b = tensor(new Float32Array([1, 2, Infinity, 4]), { shape: [2, 2] });
    expect(Array.from(wasmMatmul(a, b, false, false)!.data)).toEqual([Number.NaN, Number.NaN, Infinity, 16]);
  });

  it('writes a fresh result each call (no state leaks between calls of different sizes)', () => {
    const big = wasmMatmul(filled([40, 40], 'float64', 1), filled([40, 40], 'float64', 2), false, false)!;
    const small = wasmMatmul(tensor(new Float64Array([1, 2]), { shape: [1, 2] }), tensor(new Float64Array([3, 4]), { shape: [2, 1] }), false, false)!;
    expect(Array.from(small.data)).toEqual([11]);
    expect(big.data.length).toBe(1600);
  });
});

describe('wasmBackend', () => {
  it('is the TypeScript backend with matmul, linear, unary and binary replaced', () => {
    expect(wasmBackend.name).toBe('wasm');
    const replaced = Object.keys(jsBackend).filter((k) => wasmBackend[k as keyof typeof jsBackend] !== jsBackend[k as keyof typeof jsBackend]);
    expect(replaced.sort()).toEqual(['binary', 'linear', 'matmul', 'name', 'unary']);
  });

  it.skipIf(!wasmAvailable())('loads the relaxed-SIMD build (fused multiply-add) exactly where the engine accepts it', () => {
    const accepts = WebAssembly.validate(Uint8Array.from(atob(wasmRelaxedBase64), (c) => c.charCodeAt(0)));
    expect(wasmRelaxedSimd()).toBe(accepts);
    // The 'relaxed-simd' test project (vitest.config.ts) turns it on in Node 20: there it must be running.
    if (process.execArgv.includes('--experimental-wasm-relaxed-simd')) expect(wasmRelaxedSimd()).toBe(true);
  });

  it.skipIf(!wasmAvailable())('linear (x W^T + b, b absent, a row or a whole [N, O] addend) agrees with the TypeScript kernel on random shapes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Float>('float32', 'float64'), dim, dim, fc.oneof(dim, fc.constant(0)), fc.constantFrom('none', 'row', 'full'), fc.integer(),
        (dtype, n, o, i, bias, s) => {
          fc.pre(n * o * Math.max(i, 1) <= 3e6);
          const x = filled([n, i], dtype, s);
          const w = filled([o, i], dtype, s ^ 0x2545f491);
          const b = bias === 'none' ? null : filled(bias === 'row' ? [o] : [n, o], dtype, s ^ 0x9e3779b9);
          const got = wasmLinear(x, w, b);
          expect(got, 'wasmLinear ran').not.toBeNull();
          const want = jsBackend.linear(x, w, b);
          expect(got!.shape).toEqual([n, o]);
          expect(got!.dtype).toBe(dtype);
          // The error bound of the dot product plus the bias, summed in another order.
          const scale = jsBackend.linear(jsBackend.unary('abs', x), jsBackend.unary('abs', w), b && jsBackend.unary('abs', b)).data;
          for (let e = 0; e < want.size; e++)
            if (!(Math.abs(got!.data[e]! - want.data[e]!) <= rtol[dtype] * scale[e]! + 1e-300))
              throw new Error(`element ${e}: wasm ${got!.data[e]} vs ts ${want.data[e]} for ${dtype} [${n}, ${i}] x [${o}, ${i}]ᵀ + ${bias}`);
        },
      ),
      params(runs),
    );
  });

  it('computes int32 and tiny products with the TypeScript kernel', () => {
    const i = tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(Array.from(wasmBackend.matmul(i, i, false, true).data)).toEqual(Array.from(jsBackend.matmul(i, i, false, true).data));
    const a = filled([3, 4], 'float32', 1);
    const b = filled([4, 5], 'float32', 2);
    expect(Array.from(wasmBackend.matmul(a, b, false, false).data)).toEqual(Array.from(jsBackend.matmul(a, b, false, false).data));
  });

  it.skipIf(!wasmAvailable())('runs the public ops, gradients included (gradcheck in float64)', () => {
    const previous = getBackend();
    setBackend(wasmBackend);
    try {
      const a = randn([2, 10, 17], { dtype: 'float64' }); // 2*10*17*13 multiply-adds: above the JS cut-off
      const b = randn([17, 13], { dtype: 'float64' });
      expect(gradcheck((x, y) => matmul(x, y).tanh(), [a, b]).ok).toBe(true);
      const x = randn([64, 64]);
      const y = randn([64, 64]);
      setBackend(jsBackend);
      const want = matmul(x, y);
      setBackend(wasmBackend);
      const got = matmul(x, y);
      for (let i = 0; i < want.size; i++) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThan(1e-4);
    } finally {
      setBackend(previous);
    }
  });
});

/** Distance in units in the last place between two floats of the dtype (0 for two NaNs). */
function ulps(x: number, y: number, dtype: Float): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
  if (x === y) return 0;
  const key = (v: number): bigint => {
    if (dtype === 'float32') {
      const i = new Int32Array(new Float32Array([v]).buffer)[0]!;
      return BigInt(i < 0 ? -(i & 0x7fffffff) : i);
    }
    const i = new BigInt64Array(new Float64Array([v]).buffer)[0]!;
    return i < 0n ? -(i & 0x7fffffffffffffffn) : i;
  };
  const d = key(x) - key(y);
  return Number(d < 0n ? -d : d);
}

const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-310, -1e-310, 5e-324, 1e-30, -1e-30, 88.7, 89, -87.3, -104, 709.7, 709.8, -745, -746, 19.06, 19.1, -20.5, 710, -800];

/** Values of every magnitude: uniform on [-30, 30], log-uniform up to 1e3, and the special values. */
const floats = (n: number, dtype: Float, s: number): Tensor => {
  const u = filled([n], 'float64', s).data;
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = u[i]!;
    data[i] = i % 7 === 0 ? specials[(i / 7) % specials.length]! : i % 3 === 0 ? Math.sign(v) * 10 ** (3 - 14 * Math.abs(v)) : 30 * v;
  }
  return tensor(data, { shape: [n] });
};

// float64: the widest gap seen against Math.exp, Math.tanh and the TypeScript sigmoid over millions of
// inputs is 3 ulps (tanh); against the exact values both are within 2.3 ulps. float32: the same bits.
const maxUlps: Record<Float, number> = { float32: 0, float64: 4 };

describe.skipIf(!wasmAvailable())('WebAssembly SIMD elementwise kernels agree with the TypeScript ones', () => {
  it('exp, tanh and sigmoid: the same bits in float32, within a few ulps in float64, special values included', () => {
    fc.assert(
      fc.property(fc.constantFrom('exp', 'tanh', 'sigmoid' as const), fc.constantFrom<Float>('float32', 'float64'), fc.integer({ min: 1, max: 300 }), fc.integer(), (op, dtype, n, s) => {
        const x = floats(n, dtype, s);
        const got = wasmUnary(op, x)!;
        const want = jsBackend.unary(op, x);
        expect(got.shape).toEqual(want.shape);
        for (let i = 0; i < n; i++)
          if (!(ulps(got.data[i]!, want.data[i]!, dtype) <= maxUlps[dtype]))
            throw new Error(`${op}(${x.data[i]}) in ${dtype}: wasm ${got.data[i]} vs ts ${want.data[i]}`);
      }),
      params(runs),
    );
  });

  it('float32 exp, tanh and sigmoid give the same bits over a million float32 bit patterns of every magnitude', () => {
    const n = 1 << 20;
    const bits = new Int32Array(n);
    for (let i = 0; i < n; i++) bits[i] = Math.imul(i, 4093) ^ 0x5bd1e995;
    const x = tensor(new Float32Array(bits.buffer), { shape: [n] });
    for (const op of ['exp', 'tanh', 'sigmoid'] as const) {
      const got = wasmUnary(op, x)!.data;
      const want = jsBackend.unary(op, x).data;
      let differ = 0;
      for (let i = 0; i < n; i++) if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) differ++;
      expect(differ, op).toBe(0);
    }
  });

  it('tanhBackward and sigmoidBackward give the same bits on same-shape operands (odd lengths, special values)', () => {
    fc.assert(
      fc.property(fc.constantFrom('tanhBackward', 'sigmoidBackward' as const), fc.constantFrom<Float>('float32', 'float64'), fc.integer({ min: 1, max: 300 }), fc.integer(), (op, dtype, n, s) => {
        const g = floats(n, dtype, s);
        const y = floats(n, dtype, s ^ 0x51ed27);
        const got = wasmBinary(op, g, y);
        expect(got, 'wasmBinary ran').not.toBeNull();
        const want = jsBackend.binary(op, g, y);
        for (let i = 0; i < n; i++)
          if (!Object.is(got!.data[i], want.data[i]) && !(Number.isNaN(got!.data[i]) && Number.isNaN(want.data[i])))
            throw new Error(`${op}(${g.data[i]}, ${y.data[i]}) in ${dtype}: wasm ${got!.data[i]} vs ts ${want.data[i]}`);
      }),
      params(runs),
    );
    // Broadcast operands are left to the TypeScript kernel.
    expect(wasmBinary('tanhBackward', floats(6, 'float32', 1), floats(1, 'float32', 2))).toBeNull();
  });

  const binaryOps = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
  // Same shape, a scalar either side, a trailing block either side (with leading 1s).
  const binaryCase = fc
    .record({
      op: fc.constantFrom(...binaryOps),
      dtype: fc.constantFrom<Float>('float32', 'float64'),
      lead: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
      tail: fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 0, maxLength: 2 }),
      kind: fc.constantFrom('same', 'scalar', 'block'),
      swap: fc.boolean(),
      ones: fc.integer({ min: 0, max: 2 }),
      seed: fc.integer(),
    });

  it('add, sub, mul, div, maximum, minimum give the same bits (same shape, scalars, trailing blocks)', () => {
    fc.assert(
      fc.property(binaryCase, ({ op, dtype, lead, tail, kind, swap, ones, seed: s }) => {
        const full = [...lead, ...tail];
        const small = kind === 'same' ? full : kind === 'scalar' ? new Array<number>(ones).fill(1) : [...new Array<number>(ones).fill(1), ...tail];
        const n = full.reduce((p, q) => p * q, 1);
        const m = small.reduce((p, q) => p * q, 1);
        const f = tensor(floats(n, dtype, s).data, { shape: full });
        const r = tensor(floats(m, dtype, s + 1).data, { shape: small });
        const [a, b] = swap ? [r, f] : [f, r];
        const got = wasmBinary(op, a, b);
        expect(got, 'wasmBinary ran').not.toBeNull();
        const want = jsBackend.binary(op, a, b);
        expect(got!.shape).toEqual(want.shape);
        for (let i = 0; i < want.size; i++)
          if (!Object.is(got!.data[i], want.data[i]) && !(Number.isNaN(got!.data[i]) && Number.isNaN(want.data[i])))
            throw new Error(`${op} element ${i} in ${dtype}: wasm ${got!.data[i]} vs ts ${want.data[i]}`);
      }),
      params(runs),
    );
  });

  it('leaves other broadcasts, comparisons and int32 to the TypeScript kernels', () => {
    const col = filled([300, 1], 'float32', 1);
    const row = filled([1, 300], 'float32', 2);
    expect(wasmBinary('add', col, row)).toBeNull();
    expect(wasmBinary('lt', row, row)).toBeNull();
    expect(wasmUnary('log', row)).toBeNull();
    const i = tensor(new Int32Array(300).fill(3), { shape: [300] });
    expect(wasmBinary('add', i, i)).toBeNull();
    expect(Array.from(wasmBackend.binary('add', col, row).data)).toEqual(Array.from(jsBackend.binary('add', col, row).data));
    expect(Array.from(wasmBackend.binary('add', i, i).data)).toEqual(new Array(300).fill(6));
  });
});

/**
 * Where two lists of results first differ in bits (NaN equal to NaN), or null: a readable failure where
 * toEqual would diff hundreds of thousands of numbers.
 */
function firstDifference(got: number[][], want: number[][]): string | null {
  if (got.length !== want.length) return `${got.length} results, expected ${want.length}`;
  for (let r = 0; r < want.length; r++) {
    if (got[r]!.length !== want[r]!.length) return `result ${r} has ${got[r]!.length} elements, expected ${want[r]!.length}`;
    for (let i = 0; i < want[r]!.length; i++)
      if (!Object.is(got[r]![i], want[r]![i])) return `result ${r}, element ${i}: ${got[r]![i]}, expected ${want[r]![i]}`;
  }
  return null;
}

describe.skipIf(!wasmAvailable())('worker threads for large products', () => {
  it('split products give the bits of one thread (matmul, linear, accumulate; odd sizes, both dtypes)', async () => {
    const cases: [number, number, number][] = [[33, 1001, 97], [515, 37, 131], [64, 256, 1024], [1030, 7, 300]];
    const run = () => {
      const out: number[][] = [];
      for (const dtype of ['float32', 'float64'] as const)
        for (const [m, k, n] of cases) {
          for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
            const a = filled(ta ? [k, m] : [m, k], dtype, m + n);
            const b = filled(tb ? [n, k] : [k, n], dtype, k);
            out.push(Array.from(wasmMatmul(a, b, ta, tb)!.data));
          }
          const x = filled([m, k], dtype, 3);
          out.push(Array.from(wasmLinear(x, filled([n, k], dtype, 4), filled([n], dtype, 5))!.data));
          const c = filled([m, n], dtype, 6);
          wasmMatmulAccumulate(c, [x, x], [filled([k, n], dtype, 7), filled([k, n], dtype, 8)], false, false);
          const g = filled([m, 2 * n], dtype, 9);
          const ct = filled([2 * n, k], dtype, 10);
          wasmMatmulAccumulate(ct, [g, g], [x, x], true, false);
          out.push(Array.from(ct.data));
          out.push(Array.from(c.data));
        }
      return out;
    };
    const before = getNumThreads();
    try {
      setNumThreads(1);
      const one = run();
      setNumThreads(2);
      expect(await wasmThreadsReady()).toBe(typeof SharedArrayBuffer === 'function' ? 2 : 1);
      const two = run();
      expect(firstDifference(two, one)).toBeNull();
    } finally {
      setNumThreads(before);
    }
  });

  it('packed weights split over threads give the bits of one thread without packing (an LSTM and its backward)', async () => {
    const previous = getBackend();
    const before = getNumThreads();
    // Hidden 256, batch 32: each step's products are 2^23 multiply-adds, above the threshold for threads.
    const lstm = new nn.LSTM(24, 256, { generator: new Generator(5) });
    const x = randn([3, 32, 24], { generator: new Generator(6) });
    const run = () => {
      lstm.parameters().forEach((p) => (p.grad = null));
      const [out] = lstm.forward(x);
      sum(mul(out, out)).backward();
      return [Array.from(out.data), ...lstm.parameters().map((p) => Array.from(p.grad!.data))];
    };
    try {
      setNumThreads(1);
      setBackend({ ...wasmBackend, withFrozenLeaves: undefined });
      const plain = run();
      setBackend(wasmBackend);
      setNumThreads(2);
      await wasmThreadsReady();
      expect(firstDifference(run(), plain)).toBeNull();
    } finally {
      setBackend(previous);
      setNumThreads(before);
    }
  });

  it('rejects a thread count that is not a positive integer', () => {
    expect(() => setNumThreads(0)).toThrow(/setNumThreads.*positive integer, got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/positive integer/);
  });
});

describe.skipIf(!wasmAvailable())('packed weights while parameters are frozen', () => {
  const run = (lstm: InstanceType<typeof nn.LSTM>, x: Tensor) => {
    lstm.parameters().forEach((p) => (p.grad = null));
    const [out] = lstm.forward(x);
    sum(mul(out, out)).backward();
    return [Array.from(out.data), ...lstm.parameters().map((p) => Array.from(p.grad!.data))];
  };

  it('an LSTM unroll and its backward give the bits of unpacked products, and a weight changed between calls is repacked', () => {
    const previous = getBackend();
    const lstm = new nn.LSTM(16, 64, { numLayers: 2, bidirectional: true, generator: new Generator(3) });
    const x = randn([10, 8, 16], { generator: new Generator(4) });
    try {
      setBackend({ ...wasmBackend, withFrozenLeaves: undefined });
      const plain = run(lstm, x);
      setBackend(wasmBackend);
      expect(firstDifference(run(lstm, x), plain)).toBeNull();
      // In-place changes between unrolls (as an optimizer's) must be seen: nothing packed survives a call.
      for (const p of lstm.parameters()) for (let i = 0; i < p.size; i += 7) p.data[i] = p.data[i]! * 0.5 + 0.01;
      const packedAfter = run(lstm, x);
      setBackend({ ...wasmBackend, withFrozenLeaves: undefined });
      expect(firstDifference(run(lstm, x), packedAfter)).toBeNull();
    } finally {
      setBackend(previous);
    }
  });
});
