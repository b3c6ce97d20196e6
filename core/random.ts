import { TapegradError, check } from './errors.js';

const describe = (v: unknown): string =>
  typeof v === 'string' ? `'${v}' (a string)`
  : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === undefined || v === null ? String(v)
  : Array.isArray(v) ? 'an array'
  : typeof v;

function checkSeed(op: string, seed: unknown): asserts seed is number {
  check(Number.isSafeInteger(seed), op, () => `the seed must be a safe integer (|seed| <= 2^53 - 1), got ${describe(seed)}`);
}

/**
 * @internal Throws a {@link TapegradError} from `op` unless `state` is a generator state as
 * {@link Generator.getState} gives it: four 32-bit words, not all zero, and a finite number or null.
 */
export function checkGeneratorState(op: string, state: unknown, what = 'the state'): asserts state is (number | null)[] {
  const expected = 'expected [w0, w1, w2, w3, spare] with four integers in [0, 2^32) not all 0 and a finite number or null (from getState())';
  check(Array.isArray(state) && state.length === 5, op, () =>
    `${what} is ${Array.isArray(state) ? `an array of ${state.length}` : describe(state)}: ${expected}`,
  );
  state.slice(0, 4).forEach((w, i) =>
    check(Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff, op, () => `${what}: word ${i} is ${describe(w)}; ${expected}`),
  );
  check(state.slice(0, 4).some((w) => w !== 0), op, () => `${what}: the four words are all 0, a state xoshiro128** never leaves; ${expected}`);
  check(state[4] === null || (typeof state[4] === 'number' && Number.isFinite(state[4])), op, () =>
    `${what}: the spare normal is ${describe(state[4])}; ${expected}`,
  );
}

/**
 * A seeded random number generator (xoshiro128**, seeded through splitmix32). It uses only 32-bit
 * integer arithmetic and IEEE-exact float operations (+, *, /, sqrt) and its own logarithm, so the same
 * seed gives bit-identical tensors on every run, engine and platform.
 *
 * @example
 * ```ts
 * const gen = new Generator(42);
 * const x = randn([2, 3], { generator: gen });
 * ```
 * @category Random
 */
export class Generator {
  private s = new Uint32Array(4);
  private spare: number | undefined;

  constructor(seed = 0) {
    checkSeed('Generator', seed);
    this.seed(seed);
  }

  /** Resets the state from an integer seed (any safe integer). */
  manualSeed(seed: number): this {
    checkSeed('Generator.manualSeed', seed);
    return this.seed(seed);
  }

  private seed(seed: number): this {
    // splitmix32 over the low and high words of the seed.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = z ^ (z >>> 16);
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
    this.spare = undefined;
    return this;
  }

  /** The full state (JSON-safe: four words and the cached normal sample or null), for {@link Generator.setState}. */
  getState(): (number | null)[] {
    return [...this.s, this.spare === undefined ? null : this.spare];
  }

  /** Restores a state from {@link Generator.getState}; a malformed one throws and changes nothing. */
  setState(state: readonly (number | null)[]): this {
    checkGeneratorState('Generator.setState', state);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]!;
    this.spare = state[4] ?? undefined;
    return this;
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat32(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** A uniform integer in [0, n) without modulo bias (n an integer in [1, 2^32]). */
  nextInt(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= 4294967296))
      throw new TapegradError('Generator.nextInt', `n must be an integer in [1, 2^32], got ${describe(n)}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** A standard normal double (Marsaglia's polar method). */
  nextNormal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    for (;;) {
      const u = 2 * this.nextFloat64() - 1;
      const v = 2 * this.nextFloat64() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * detLog(s)) / s);
      this.spare = v * m;
      return u * m;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;

/**
 * @internal Natural log of a positive normal double using only exactly rounded operations, so the result
 * is the same bits on every JavaScript engine (Math.log is not specified to be).
 */
export function detLog(x: number): number {
  f64[0] = x;
  let e = ((u32[HI]! >>> 20) & 0x7ff) - 1023;
  u32[HI] = (u32[HI]! & 0x800fffff) | 0x3ff00000; // mantissa in [1, 2)
  let m = f64[0]!;
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: 12 odd terms reach double precision.
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let p = 1 / 25;
  for (let k = 23; k >= 3; k -= 2) p = p * z + 1 / k;
  const r = 2 * s + 2 * s * z * p;
  return e * LN2_HI + (r + e * LN2_LO);
}

let globalGenerator = new Generator(0);

/**
 * Seeds the global generator used by random functions that are given no `generator`.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const a = rand([3]);
 * manualSeed(0);
 * const b = rand([3]); // bit-identical to a
 * ```
 * @category Random
 */
export function manualSeed(seed: number): Generator {
  checkSeed('manualSeed', seed);
  globalGenerator = new Generator(seed);
  return globalGenerator;
}

/**
 * The global generator (seeded with 0 at start-up); it takes no arguments (seed it with {@link manualSeed}).
 * @example
 * ```ts
 * const state = defaultGenerator().getState();
 * ```
 * @category Random
 */
export function defaultGenerator(...args: never[]): Generator {
  if (args.length > 0) throw new TapegradError('defaultGenerator', `takes no arguments, got ${args.length}; to seed the global generator, call manualSeed(seed)`);
  return globalGenerator;
}

/**
 * @internal Throws a {@link TapegradError} naming `op` unless `g` is a {@link Generator} (or undefined, where
 * `optional`, the default).
 */
export function checkGenerator(op: string, g: unknown, optional = true): void {
  check((optional && g === undefined) || g instanceof Generator, op, () =>
    `generator must be a Generator (new Generator(seed)), got ${g === null ? 'null' : Array.isArray(g) ? 'an array' : typeof g}`);
}
