import { describe, expect, it } from 'vitest';
import { Generator, TapegradError, type Tensor, manualSeed, mul, randn, tensor, uniform, zeros } from '../../index.js';
import * as init from '../../nn/init.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

const z64 = (shape: number[]): Tensor => zeros(shape, { dtype: 'float64' });
const values = (t: Tensor): number[] => Array.from(t.data);
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const varOf = (v: number[]): number => {
  const m = meanOf(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};
const maxAbs = (v: number[]): number => Math.max(...v.map(Math.abs));

/** Asserts a TapegradError from `op` whose message contains every part. */
function expectError(fn: () => unknown, op: string, ...parts: string[]): void {
  const e = thrown(fn);
  expect(e, `${e.name}: ${e.message}`).toBeInstanceOf(TapegradError);
  expect((e as TapegradError).op).toBe(op);
  for (const p of parts) expect(e.message).toContain(p);
}

/** The n×n (or m×m) Gram matrix of the columns (cols=true) or rows of a row-major m×n matrix. */
function gram(d: ArrayLike<number>, m: number, n: number, cols: boolean): number[][] {
  const k = cols ? n : m;
  const at = (i: number, j: number) => d[i * n + j]!;
  return Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => {
      let s = 0;
      for (let i = 0; i < (cols ? m : n); i++) s += cols ? at(i, a) * at(i, b) : at(a, i) * at(b, i);
      return s;
    }),
  );
}
const identity = (k: number, scale = 1): number[][] => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? scale : 0)));

describe('seeded determinism', () => {
  it('the same generator seed gives the same values; another seed gives others', () => {
    const a = init.uniform(z64([100]), -1, 1, { generator: new Generator(7) });
    const b = init.uniform(z64([100]), -1, 1, { generator: new Generator(7) });
    const c = init.uniform(z64([100]), -1, 1, { generator: new Generator(8) });
    expectExact(a, b);
    expect(values(a)).not.toEqual(values(c));
  });

  it('uniform and normal draw exactly what core uniform and randn draw from the same seed', () => {
    expectExact(init.uniform(zeros([3, 5]), -2, 3, { generator: new Generator(1) }), uniform([3, 5], -2, 3, { generator: new Generator(1) }));
    expectExact(init.uniform(z64([3, 5]), -2, 3, { generator: new Generator(1) }), uniform([3, 5], -2, 3, { dtype: 'float64', generator: new Generator(1) }));
    const r = randn([16], { dtype: 'float64', generator: new Generator(2) });
    expectExact(init.normal(z64([16]), 1.5, 2, { generator: new Generator(2) }), values(r).map((v) => 1.5 + 2 * v));
  });

  it('without a generator they draw from the global one (manualSeed)', () => {
    manualSeed(42);
    const a = init.kaimingUniform(z64([5, 4]));
    const a2 = init.orthogonal(z64([3, 3]));
    manualSeed(42);
    expectExact(init.kaimingUniform(z64([5, 4])), a);
    expectExact(init.orthogonal(z64([3, 3])), a2);
  });

  it('every random initialiser is deterministic under a seed', () => {
    const fns: ((t: Tensor, g: Generator) => Tensor)[] = [
      (t, g) => init.xavierUniform(t, 1, { generator: g }),
      (t, g) => init.xavierNormal(t, 1, { generator: g }),
      (t, g) => init.kaimingUniform(t, { generator: g }),
      (t, g) => init.kaimingNormal(t, { generator: g }),
      (t, g) => init.orthogonal(t, 1, { generator: g }),
    ];
    for (const f of fns) {
      const a = f(zeros([4, 6]), new Generator(3));
      expectExact(f(zeros([4, 6]), new Generator(3)), a);
      expect(values(f(zeros([4, 6]), new Generator(4)))).not.toEqual(values(a));
    }
  });

  it('initialisers write in place and return the same tensor (a parameter stays a leaf that requires grad)', () => {
    const p = zeros([3, 2], { requiresGrad: true });
    expect(init.normal(p)).toBe(p);
    expect(init.xavierUniform(p)).toBe(p);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
    expect(values(p).some((v) => v !== 0)).toBe(true);
  });
});

describe('distributions (fixed seeds, bounds of about 5 standard errors)', () => {
  const g = () => new Generator(2024);

  it('uniform: inside [a, b), with the mean and variance of U(a, b)', () => {
    const v = values(init.uniform(z64([20000]), -2, 3, { generator: g() }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(3);
    expect(Math.abs(meanOf(v) - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(varOf(v) - 25 / 12)).toBeLessThan(0.1);
  });

  it('normal: the requested mean and standard deviation', () => {
    const v = values(init.normal(z64([20000]), 1, 2, { generator: g() }));
    expect(Math.abs(meanOf(v) - 1)).toBeLessThan(0.07);
    expect(Math.abs(Math.sqrt(varOf(v)) - 2)).toBeLessThan(0.05);
  });

  it('xavierUniform: bound gain·√(6/(fanIn+fanOut)), reached, and variance bound²/3', () => {
    const bound = 2 * Math.sqrt(6 / (100 + 200));
    const v = values(init.xavierUniform(z64([200, 100]), 2, { generator: g() }));
    expect(maxAbs(v)).toBeLessThanOrEqual(bound);
    expect(maxAbs(v)).toBeGreaterThan(0.99 * bound);
    expect(Math.abs(varOf(v) / (bound ** 2 / 3) - 1)).toBeLessThan(0.03);
  });

  it('xavierNormal: std gain·√(2/(fanIn+fanOut)), with receptive fields for conv-shaped weights', () => {
    const v = values(init.xavierNormal(z64([20, 10, 3, 3]), 1, { generator: g() }));
    const std = Math.sqrt(2 / (10 * 9 + 20 * 9));
    expect(Math.abs(Math.sqrt(varOf(v)) / std - 1)).toBeLessThan(0.04);
    expect(Math.abs(meanOf(v))).toBeLessThan(0.1 * std);
  });

  it('kaimingUniform: bound √2·√(3/fanIn) by default, √(3/fanOut)·gain in fanOut mode, 1/√fanIn with a = √5', () => {
    const check = (t: Tensor, bound: number) => {
      const v = values(t);
      expect(maxAbs(v)).toBeLessThanOrEqual(bound);
      expect(maxAbs(v)).toBeGreaterThan(0.99 * bound);
      expect(Math.abs(varOf(v) / (bound ** 2 / 3) - 1)).toBeLessThan(0.04);
    };
    check(init.kaimingUniform(z64([100, 50]), { generator: g() }), Math.sqrt(2) * Math.sqrt(3 / 50));
    check(init.kaimingUniform(z64([100, 50]), { mode: 'fanOut', nonlinearity: 'tanh', generator: g() }), (5 / 3) * Math.sqrt(3 / 100));
    check(init.kaimingUniform(z64([100, 50]), { a: Math.sqrt(5), generator: g() }), 1 / Math.sqrt(50));
    check(init.kaimingUniform(z64([40, 10, 5]), { nonlinearity: 'relu', generator: g() }), Math.sqrt(2) * Math.sqrt(3 / 50));
  });

  it('kaimingNormal: std gain/√fan', () => {
    const v = values(init.kaimingNormal(z64([100, 60]), { mode: 'fanOut', nonlinearity: 'relu', generator: g() }));
    expect(Math.abs(Math.sqrt(varOf(v)) / (Math.sqrt(2) / Math.sqrt(100)) - 1)).toBeLessThan(0.03);
    const w = values(init.kaimingNormal(z64([100, 60]), { a: 0.5, generator: g() }));
    expect(Math.abs(Math.sqrt(varOf(w)) / (Math.sqrt(2 / 1.25) / Math.sqrt(60)) - 1)).toBeLessThan(0.03);
  });

  it('kaiming leaves an empty tensor as it is, as PyTorch', () => {
    const t = zeros([0, 3]);
    expect(init.kaimingUniform(t)).toBe(t);
    expect(init.orthogonal(t).size).toBe(0);
  });

  it('float32 tensors get float32 values', () => {
    const t = init.constant(zeros([2]), 0.1);
    expectExact(t, [Math.fround(0.1), Math.fround(0.1)]);
  });
});

describe('constant initialisers', () => {
  it('zeros, ones, constant overwrite every element', () => {
    const t = init.normal(z64([2, 3]), 0, 1, { generator: new Generator(0) });
    expectExact(init.ones(t), [[1, 1, 1], [1, 1, 1]]);
    expectExact(init.zeros(t), [[0, 0, 0], [0, 0, 0]]);
    expectExact(init.constant(t, -2.5), [[-2.5, -2.5, -2.5], [-2.5, -2.5, -2.5]]);
    expectExact(init.constant(tensor(3, { dtype: 'float64' }), 7), 7);
  });
});

describe('orthogonal', () => {
  const cases: [string, number[], boolean][] = [
    // [name, shape, orthonormal columns (tall) or rows (wide)]
    ['square', [6, 6], true],
    ['tall', [8, 3], true],
    ['wide', [3, 8], false],
    ['3-D, viewed as [4, 6] (wide)', [4, 2, 3], false],
    ['3-D, viewed as [6, 4] (tall)', [6, 2, 2], true],
  ];
  for (const [name, shape, cols] of cases)
    it(`${name} ${JSON.stringify(shape)}: QᵀQ = I (or QQᵀ = I) within 1e-10 in float64`, () => {
      const t = init.orthogonal(z64(shape), 1, { generator: new Generator(11) });
      const m = shape[0]!;
      const n = t.size / m;
      const k = cols ? n : m;
      expectClose(gram(t.data, m, n, cols), identity(k), { atol: 1e-10, rtol: 0 });
      if (m === n) expectClose(gram(t.data, m, n, !cols), identity(k), { atol: 1e-10, rtol: 0 });
    });

  it('gain scales: QᵀQ = gain² I', () => {
    const t = init.orthogonal(z64([5, 3]), 2, { generator: new Generator(1) });
    expectClose(gram(t.data, 5, 3, true), identity(3, 4), { atol: 1e-10, rtol: 0 });
  });

  it('is the Q of the QR of the Gaussian matrix drawn from the generator, with R of positive diagonal (PyTorch)', () => {
    // Tall case: A = Q R with R = QᵀA upper triangular, positive diagonal.
    const t = init.orthogonal(z64([5, 3]), 1, { generator: new Generator(5) });
    const a = randn([5, 3], { dtype: 'float64', generator: new Generator(5) });
    const r = Array.from({ length: 3 }, (_, i) => Array.from({ length: 3 }, (_, j) => {
      let s = 0;
      for (let k = 0; k < 5; k++) s += t.data[k * 3 + i]! * a.data[k * 3 + j]!;
      return s;
    }));
    for (let i = 0; i < 3; i++) {
      expect(r[i]![i]!).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(Math.abs(r[i]![j]!)).toBeLessThan(1e-12);
    }
    // Q R reproduces A.
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let i = 0; i < 3; i++) s += t.data[k * 3 + i]! * r[i]![j]!;
        expect(Math.abs(s - a.data[k * 3 + j]!)).toBeLessThan(1e-12);
      }
    // Wide case: the transpose of the same construction on Aᵀ.
    const w = init.orthogonal(z64([2, 4]), 1, { generator: new Generator(6) });
    const b = randn([2, 4], { dtype: 'float64', generator: new Generator(6) });
    const rw = [0, 1].map((i) => [0, 1].map((j) => [0, 1, 2, 3].reduce((s, k) => s + w.data[i * 4 + k]! * b.data[j * 4 + k]!, 0)));
    expect(rw[0]![0]!).toBeGreaterThan(0);
    expect(rw[1]![1]!).toBeGreaterThan(0);
    expect(Math.abs(rw[1]![0]!)).toBeLessThan(1e-12);
  });

  it('float32 tensors are orthogonal to float32 precision', () => {
    const t = init.orthogonal(zeros([16, 16]), 1, { generator: new Generator(3) });
    expectClose(gram(t.data, 16, 16, true), identity(16), { atol: 1e-6, rtol: 0 });
  });
});

describe('calculateGain and fans', () => {
  it('matches torch.nn.init.calculate_gain', () => {
    for (const nl of ['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid'] as const)
      expect(init.calculateGain(nl)).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(1.4142135623730951, 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(1.3867504905630728, 15);
    expect(init.calculateGain('leakyRelu', 0)).toBeCloseTo(Math.SQRT2, 15);
  });

  it('calculateFanInAndFanOut as PyTorch', () => {
    expect(init.calculateFanInAndFanOut(zeros([4, 3]))).toEqual([3, 4]);
    expect(init.calculateFanInAndFanOut(zeros([8, 2, 3, 3]))).toEqual([18, 72]);
    expect(init.calculateFanInAndFanOut(zeros([5, 7, 2]))).toEqual([14, 10]);
  });
});

describe('errors', () => {
  it('int32 tensors are refused', () => {
    const ids = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expectError(() => init.uniform(ids), 'init.uniform', 'int32', '[2, 2]', 'float');
    expectError(() => init.zeros(ids), 'init.zeros', 'int32');
    expectError(() => init.orthogonal(ids), 'init.orthogonal', 'int32');
    expectError(() => init.kaimingNormal(ids), 'init.kaimingNormal', 'int32');
  });

  it('tensors that are not leaves are refused', () => {
    const p = zeros([2, 3], { requiresGrad: true });
    const y = mul(p, 2);
    expectError(() => init.normal(y), 'init.normal', 'leaf', '[2, 3]');
    expectError(() => init.xavierUniform(y), 'init.xavierUniform', 'leaf');
    expectError(() => init.constant(y, 1), 'init.constant', 'leaf');
  });

  it('fewer than 2 dimensions: fans cannot be computed', () => {
    expectError(() => init.xavierUniform(zeros([5])), 'init.xavierUniform', 'fewer than 2 dimensions', '[5]');
    expectError(() => init.xavierNormal(zeros([])), 'init.xavierNormal', 'fewer than 2 dimensions', '[]');
    expectError(() => init.kaimingUniform(zeros([5])), 'init.kaimingUniform', '[5]');
    expectError(() => init.kaimingNormal(zeros([5])), 'init.kaimingNormal', '[5]');
    expectError(() => init.orthogonal(zeros([5])), 'init.orthogonal', '2 or more dimensions', '[5]');
    expectError(() => init.calculateFanInAndFanOut(zeros([5])), 'init.calculateFanInAndFanOut', '[5]');
  });

  it('bad parameters', () => {
    expectError(() => init.uniform(zeros([2]), 1, 0), 'init.uniform', 'a <= b', 'a=1', 'b=0');
    expectError(() => init.normal(zeros([2]), 0, -1), 'init.normal', 'std', '-1');
    expectError(() => init.normal(zeros([2]), Number.NaN), 'init.normal', 'mean');
    expectError(() => init.kaimingUniform(zeros([2, 2]), { mode: 'fan_in' as 'fanIn' }), 'init.kaimingUniform', 'mode', 'fan_in');
    expectError(() => init.calculateGain('gelu' as 'relu'), 'init.calculateGain', "'gelu'", 'leakyRelu');
    expectError(() => init.kaimingUniform(zeros([2, 2]), { nonlinearity: 'swish' as 'relu' }), 'init.kaimingUniform', 'init.calculateGain', 'swish');
    expectError(() => init.zeros([1, 2] as unknown as Tensor), 'init.zeros', 'Tensor');
  });
});
