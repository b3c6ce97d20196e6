import { describe, expect, it } from 'vitest';
import {
  Generator, TapegradError, type Tensor, backward, grad, gradcheck, logSoftmax, manualSeed, mul, ones, randn, relu, sigmoid,
  softmax, sum, tanh, tensor, zeros,
} from '../../index.js';
import {
  Dropout, Embedding, Identity, LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, Sequential, Sigmoid, Softmax, Softplus, Tanh, dropout,
} from '../../nn/layers.js';
import { functionalCall } from '../../nn/module.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const values = (t: Tensor): number[] => Array.from(t.data);

function expectError(fn: () => unknown, op: string, ...parts: string[]): void {
  const e = thrown(fn);
  expect(e, `${e.name}: ${e.message}`).toBeInstanceOf(TapegradError);
  expect((e as TapegradError).op).toBe(op);
  for (const p of parts) expect(e.message).toContain(p);
}

function expectGradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const report = gradcheck(f, inputs);
  expect(report.ok, report.message).toBe(true);
  expect(report.inputs.length).toBe(inputs.filter((x) => x.dtype === 'float64').length);
}

describe('Linear', () => {
  it('maps [..., in] to [..., out]', () => {
    const fc = new Linear(3, 4);
    expect(fc.forward(randn([8, 3])).shape).toEqual([8, 4]);
    expect(fc.forward(randn([2, 5, 3])).shape).toEqual([2, 5, 4]);
    expect(fc.forward(randn([3])).shape).toEqual([4]);
  });

  it('computes x Wᵀ + b (hand computation)', () => {
    const fc = new Linear(3, 2, { dtype: 'float64' });
    const W = [[1, -2, 0.5], [0, 3, -1]];
    const b = [0.25, -4];
    fc.loadStateDict({ weight: f64(W), bias: f64(b) });
    const x = [[1, 2, 3], [-1, 0.5, 2]];
    const expected = x.map((row) => W.map((w, o) => w.reduce((s, wi, i) => s + wi * row[i]!, b[o]!)));
    expectClose(fc.forward(f64(x)), expected, { atol: 1e-14 });
    const noBias = new Linear(3, 2, { dtype: 'float64', bias: false });
    noBias.loadStateDict({ weight: f64(W) });
    expectClose(noBias.forward(f64(x)), x.map((row) => W.map((w) => w.reduce((s, wi, i) => s + wi * row[i]!, 0))), { atol: 1e-14 });
  });

  it('initialises weight and bias from U(-1/√in, 1/√in), as PyTorch', () => {
    const fc = new Linear(50, 400, { dtype: 'float64', generator: new Generator(9) });
    const bound = 1 / Math.sqrt(50);
    const w = values(fc.weight);
    const b = values(fc.bias!);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(variance / (bound ** 2 / 3) - 1)).toBeLessThan(0.03);
  });

  it('is deterministic under a seeded generator and under manualSeed', () => {
    const a = new Linear(4, 3, { generator: new Generator(1) });
    const b = new Linear(4, 3, { generator: new Generator(1) });
    expectExact(a.weight, b.weight);
    expectExact(a.bias!, b.bias!);
    manualSeed(5);
    const c = new Linear(4, 3);
    manualSeed(5);
    expectExact(new Linear(4, 3).weight, c.weight);
    expect(values(c.weight)).not.toEqual(values(a.weight));
  });

  it('has PyTorch state-dict keys and summary', () => {
    const fc = new Linear(3, 4);
    expect(Object.keys(fc.stateDict())).toEqual(['weight', 'bias']);
    expect(fc.weight.shape).toEqual([4, 3]);
    expect(fc.bias!.shape).toEqual([4]);
    expect(fc.weight.requiresGrad && fc.bias!.requiresGrad).toBe(true);
    expect(String(fc)).toBe('Linear(in_features=3, out_features=4, bias=True)');
    const nb = new Linear(3, 4, { bias: false });
    expect(Object.keys(nb.stateDict())).toEqual(['weight']);
    expect(nb.bias).toBeNull();
    expect(String(nb)).toBe('Linear(in_features=3, out_features=4, bias=False)');
  });

  it('backward fills weight.grad = gᵀx and bias.grad = Σg', () => {
    const fc = new Linear(2, 2, { dtype: 'float64' });
    const x = f64([[1, 2], [3, 4], [5, 6]]);
    backward(sum(fc.forward(x)));
    expectClose(fc.weight.grad!, [[9, 12], [9, 12]]);
    expectClose(fc.bias!.grad!, [3, 3]);
  });

  it('refuses bad sizes, inputs and dtypes, naming the layer', () => {
    expectError(() => new Linear(0, 3), 'Linear', 'inFeatures', '0');
    expectError(() => new Linear(3, 2.5), 'Linear', 'outFeatures', '2.5');
    expectError(() => new Linear(3, 2, { dtype: 'int32' as 'float32' }), 'Linear', 'dtype', 'int32');
    const fc = new Linear(3, 4);
    expectError(() => fc.forward(zeros([2, 5])), 'Linear.forward', '[..., 3]', '[2, 5]');
    expectError(() => fc.forward(zeros([2, 3], { dtype: 'float64' })), 'Linear.forward', 'float32', 'float64 [2, 3]');
    expectError(() => fc.forward([1, 2, 3] as unknown as Tensor), 'Linear.forward', 'array');
  });

  it('gradcheck (float64) with respect to input, weight and bias', () => {
    const fc = new Linear(3, 2, { dtype: 'float64', generator: new Generator(0) });
    const x = randn([4, 3], { dtype: 'float64', generator: new Generator(1) });
    expectGradcheck((xx, w, b) => functionalCall(fc, { weight: w!, bias: b! }, () => fc.forward(xx!)), [x, fc.weight, fc.bias!]);
  });
});

describe('Sequential', () => {
  it('names children 0, 1, ... as PyTorch and chains forward', () => {
    const a = new Linear(3, 4, { dtype: 'float64' });
    const b = new Linear(4, 2, { dtype: 'float64' });
    const seq = new Sequential(a, b);
    expect(seq.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(seq.length).toBe(2);
    expect(seq.at(0)).toBe(a);
    expect(seq.at(-1)).toBe(b);
    const x = randn([5, 3], { dtype: 'float64' });
    expectExact(seq.forward(x), b.forward(a.forward(x)));
  });

  it('parameter-free modules take an index but no keys', () => {
    const seq = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 1));
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(String(seq)).toBe('Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): Tanh()\n  (2): Linear(in_features=4, out_features=1, bias=True)\n)');
  });

  it('train/eval reach the children (dropout inside turns off)', () => {
    const drop = new Dropout(0.5, { generator: new Generator(0) });
    const seq = new Sequential(new Identity(), drop);
    const x = ones([100]);
    seq.eval();
    expect(drop.training).toBe(false);
    expect(seq.forward(x)).toBe(x);
    seq.train();
    expect(values(seq.forward(x)).some((v) => v === 0)).toBe(true);
  });

  it('loads a PyTorch-keyed state dict and refuses a non-module', () => {
    const seq = new Sequential(new Linear(2, 2, { dtype: 'float64' }), new ReLU(), new Linear(2, 1, { dtype: 'float64' }));
    seq.loadStateDict({
      '0.weight': f64([[1, 0], [0, -1]]), '0.bias': f64([0, 0]), '2.weight': f64([[2, 3]]), '2.bias': f64([1]),
    });
    expectClose(seq.forward(f64([[1, 2], [-1, -2]])), [[1 + 2 * 1 + 3 * 0], [1 + 2 * 0 + 3 * 2]]);
    expectError(() => new Sequential({} as never), 'Sequential', 'not a Module');
    expectError(() => seq.at(3), 'Sequential.at', 'index 3', '3 module(s)');
  });

  it('gradcheck (float64) through a two-layer network, w.r.t. the input and the first weight', () => {
    const seq = new Sequential(
      new Linear(3, 4, { dtype: 'float64', generator: new Generator(2) }),
      new Tanh(),
      new Linear(4, 2, { dtype: 'float64', generator: new Generator(3) }),
    );
    const x = randn([2, 3], { dtype: 'float64', generator: new Generator(4) });
    expectGradcheck((xx, w) => functionalCall(seq, { '0.weight': w! }, () => seq.forward(xx!)), [x, seq.stateDict()['0.weight']!]);
  });
});

describe('Embedding', () => {
  it('looks up rows for ids of any shape', () => {
    const emb = new Embedding(5, 3, { dtype: 'float64', generator: new Generator(0) });
    const W = emb.weight.toArray() as number[][];
    const out = emb.forward(i32([[4, 0, 4], [2, 1, 3]]));
    expect(out.shape).toEqual([2, 3, 3]);
    expectExact(out, [[W[4]!, W[0]!, W[4]!], [W[2]!, W[1]!, W[3]!]]);
    expectExact(emb.forward(i32(2)), W[2]!);
    expect(emb.forward(tensor(new Int32Array(0), { shape: [0, 2] })).shape).toEqual([0, 2, 3]);
  });

  it('weight ~ N(0, 1), [numEmbeddings, embeddingDim], key "weight"', () => {
    const emb = new Embedding(100, 50, { dtype: 'float64', generator: new Generator(1) });
    expect(Object.keys(emb.stateDict())).toEqual(['weight']);
    expect(emb.weight.shape).toEqual([100, 50]);
    const v = values(emb.weight);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.04);
    expect(String(emb)).toBe('Embedding(100, 50)');
  });

  it('the padding row starts at zero and gets no gradient; the other rows accumulate per lookup', () => {
    const emb = new Embedding(4, 2, { dtype: 'float64', paddingIdx: 1, generator: new Generator(2) });
    expectExact((emb.weight.toArray() as number[][])[1]!, [0, 0]);
    expect(values(emb.weight).filter((v) => v === 0).length).toBe(2);
    const ids = i32([[1, 2, 1], [0, 2, 2]]);
    const w = randn([2, 3, 2], { dtype: 'float64', generator: new Generator(3) });
    backward(sum(mul(emb.forward(ids), w)));
    const wa = w.toArray() as number[][][];
    const expected = [0, 1, 2, 3].map((row) => [0, 1].map((d) => {
      if (row === 1) return 0;
      let s = 0;
      (ids.toArray() as number[][]).forEach((r, i) => r.forEach((id, j) => (s += id === row ? wa[i]![j]![d]! : 0)));
      return s;
    }));
    expectClose(emb.weight.grad!, expected, { atol: 1e-14 });
    expect(String(emb)).toBe('Embedding(4, 2, padding_idx=1)');
  });

  it('the padding row keeps its value in the forward pass if it was changed', () => {
    const emb = new Embedding(3, 2, { dtype: 'float64', paddingIdx: 0 });
    emb.loadStateDict({ weight: f64([[7, 8], [1, 2], [3, 4]]) });
    expectExact(emb.forward(i32([0, 2])), [[7, 8], [3, 4]]);
  });

  it('a negative paddingIdx counts from the end, as PyTorch', () => {
    const emb = new Embedding(6, 2, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(5);
    expectExact((emb.weight.toArray() as number[][])[5]!, [0, 0]);
    const g = grad((w: Tensor) => functionalCall(emb, { weight: w }, () => sum(emb.forward(i32([5, 5, 0])))))(emb.stateDict().weight!);
    expectExact((g.toArray() as number[][])[5]!, [0, 0]);
    expectExact((g.toArray() as number[][])[0]!, [1, 1]);
  });

  it('refuses bad ids and options, naming Embedding', () => {
    const emb = new Embedding(10, 3);
    expectError(() => emb.forward(i32([[1, 10]])), 'Embedding.forward', 'id 10', 'flat position 1', '[1, 2]', '10 embeddings');
    expectError(() => emb.forward(i32([-1])), 'Embedding.forward', 'id -1');
    expectError(() => emb.forward(tensor([1, 2])), 'Embedding.forward', 'int32', 'float32 [2]');
    expectError(() => new Embedding(10, 3, { paddingIdx: 10 }), 'Embedding', 'paddingIdx', '[-10, 9]', '10');
    expectError(() => new Embedding(10, 3, { paddingIdx: -11 }), 'Embedding', 'paddingIdx', '-11');
    expectError(() => new Embedding(0, 3), 'Embedding', 'numEmbeddings');
  });

  it('gradcheck (float64) with respect to the weight, with and without a padding row', () => {
    const emb = new Embedding(5, 3, { dtype: 'float64', generator: new Generator(4) });
    const ids = i32([[0, 3], [3, 4], [1, 1]]);
    expectGradcheck((w) => functionalCall(emb, { weight: w! }, () => emb.forward(ids)), [emb.stateDict().weight!]);
    // With a padding row that the ids avoid (the padding row's gradient is zero by design).
    const padded = new Embedding(5, 3, { dtype: 'float64', paddingIdx: 2, generator: new Generator(5) });
    expectGradcheck((w) => functionalCall(padded, { weight: w! }, () => padded.forward(ids)), [padded.stateDict().weight!]);
  });
});

describe('Dropout', () => {
  const x = randn([40, 50], { dtype: 'float64', generator: new Generator(0) });

  it('is deterministic under a seeded generator; another seed gives another mask', () => {
    const a = dropout(x, 0.3, true, new Generator(7));
    expectExact(dropout(x, 0.3, true, new Generator(7)), a);
    expect(values(dropout(x, 0.3, true, new Generator(8)))).not.toEqual(values(a));
    const m1 = new Dropout(0.3, { generator: new Generator(7) });
    expectExact(m1.forward(x), a);
    manualSeed(3);
    const b = dropout(x, 0.3);
    manualSeed(3);
    expectExact(dropout(x, 0.3), b);
  });

  it('keeps each element as x/(1-p) or zeroes it, about p of them', () => {
    const p = 0.3;
    const y = dropout(x, p, true, new Generator(1));
    let zeros = 0;
    for (let i = 0; i < x.size; i++) {
      if (y.data[i] === 0) zeros++;
      else expect(y.data[i]).toBe(x.data[i]! * (1 / (1 - p))); // as PyTorch: x times the scaled mask
    }
    expect(Math.abs(zeros / x.size - p)).toBeLessThan(0.035);
  });

  it('preserves the mean in expectation (fixed seed)', () => {
    const y = dropout(ones([20000], { dtype: 'float64' }), 0.4, true, new Generator(2));
    expect(Math.abs(values(y).reduce((a, b) => a + b, 0) / y.size - 1)).toBeLessThan(0.03);
  });

  it('the mask does not depend on the dtype', () => {
    const a = dropout(ones([64]), 0.5, true, new Generator(4));
    const b = dropout(ones([64], { dtype: 'float64' }), 0.5, true, new Generator(4));
    expect(values(a).map((v) => v === 0)).toEqual(values(b).map((v) => v === 0));
  });

  it('eval mode and p = 0 are the identity; p = 1 gives zeros', () => {
    const drop = new Dropout(0.5);
    expect(drop.eval().forward(x)).toBe(x);
    expect(dropout(x, 0.5, false)).toBe(x);
    expect(dropout(x, 0)).toBe(x);
    expectExact(dropout(x, 1), zeros([40, 50], { dtype: 'float64' }));
    expect(drop.train().training).toBe(true);
    expect(String(new Dropout(0.25))).toBe('Dropout(p=0.25)');
  });

  it('the gradient is the mask scaled by 1/(1-p); gradcheck with a fixed mask', () => {
    const g = grad((t: Tensor) => sum(dropout(t, 0.25, true, new Generator(6))))(x);
    const y = dropout(x, 0.25, true, new Generator(6));
    expectExact(g, tensor(new Float64Array(values(y).map((v) => (v === 0 ? 0 : 1 / 0.75))), { shape: [40, 50] }));
    expectGradcheck((t) => dropout(t!, 0.5, true, new Generator(9)), [randn([3, 4], { dtype: 'float64' })]);
  });

  it('refuses p outside [0, 1] and int32 input', () => {
    expectError(() => new Dropout(1.5), 'Dropout', 'between 0 and 1', '1.5');
    expectError(() => dropout(x, -0.1), 'dropout', '-0.1');
    expectError(() => dropout(i32([1, 2]), 0.5), 'dropout', 'int32');
  });
});

describe('LayerNorm', () => {
  /** (x - mean) / √(var + eps) over the last `k` elements per group, with the population variance. */
  const byHand = (x: number[], group: number, eps: number): number[] => {
    const out: number[] = [];
    for (let s = 0; s < x.length; s += group) {
      const g = x.slice(s, s + group);
      const m = g.reduce((a, b) => a + b, 0) / group;
      const v = g.reduce((a, b) => a + (b - m) ** 2, 0) / group;
      out.push(...g.map((e) => (e - m) / Math.sqrt(v + eps)));
    }
    return out;
  };

  it('normalises the last axis (hand computation), then scales and shifts', () => {
    const x = [[1, 2, 3, 5], [-2, 0.5, 0.5, 4]];
    const ln = new LayerNorm(4, { dtype: 'float64' });
    expectClose(ln.forward(f64(x)), byHand(x.flat(), 4, 1e-5), { ignoreShape: true, atol: 1e-14 });
    const w = [1, -2, 0.5, 3];
    const b = [0, 1, -1, 0.25];
    ln.loadStateDict({ weight: f64(w), bias: f64(b) });
    expectClose(ln.forward(f64(x)), byHand(x.flat(), 4, 1e-5).map((v, i) => v * w[i % 4]! + b[i % 4]!), { ignoreShape: true, atol: 1e-14 });
  });

  it('normalises over several trailing axes with a large eps', () => {
    const x = randn([2, 2, 3], { dtype: 'float64', generator: new Generator(1) });
    const ln = new LayerNorm([2, 3], { dtype: 'float64', eps: 0.5 });
    const y = ln.forward(x);
    expect(y.shape).toEqual([2, 2, 3]);
    expectClose(y, byHand(values(x), 6, 0.5), { ignoreShape: true, atol: 1e-14 });
  });

  it('has weight (ones) and bias (zeros) unless told otherwise', () => {
    const ln = new LayerNorm(3);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expectExact(ln.weight!, [1, 1, 1]);
    expectExact(ln.bias!, [0, 0, 0]);
    expect(Object.keys(new LayerNorm(3, { bias: false }).stateDict())).toEqual(['weight']);
    const plain = new LayerNorm(3, { elementwiseAffine: false });
    expect(Object.keys(plain.stateDict())).toEqual([]);
    expect(String(ln)).toBe('LayerNorm((3,), eps=1e-05, elementwise_affine=True)');
    expect(String(new LayerNorm([2, 3], { elementwiseAffine: false, eps: 0.001 }))).toBe('LayerNorm((2, 3), eps=0.001, elementwise_affine=False)');
  });

  it('refuses mismatched shapes and dtypes', () => {
    const ln = new LayerNorm(4);
    expectError(() => ln.forward(zeros([2, 3])), 'LayerNorm.forward', '[..., 4]', '[2, 3]');
    expectError(() => ln.forward(zeros([2, 4], { dtype: 'float64' })), 'LayerNorm.forward', 'float32', 'float64 [2, 4]');
    expectError(() => new LayerNorm([]), 'LayerNorm', 'normalizedShape');
    expectError(() => new LayerNorm(4, { eps: -1 }), 'LayerNorm', 'eps', '-1');
  });

  it('gradcheck (float64) with respect to input, weight and bias', () => {
    const ln = new LayerNorm(4, { dtype: 'float64' });
    const x = randn([3, 4], { dtype: 'float64', generator: new Generator(2) });
    const w = randn([4], { dtype: 'float64', generator: new Generator(3) });
    const b = randn([4], { dtype: 'float64', generator: new Generator(4) });
    expectGradcheck((xx, ww, bb) => functionalCall(ln, { weight: ww!, bias: bb! }, () => ln.forward(xx!)), [x, w, b]);
    const ln2 = new LayerNorm([2, 2], { dtype: 'float64', eps: 1e-3 });
    expectGradcheck((xx) => ln2.forward(xx!), [randn([2, 2, 2], { dtype: 'float64', generator: new Generator(5) })]);
  });
});

describe('activation modules', () => {
  const x = f64([[-2, -0.5, 0, 0.5, 3]]);

  it('match the functions they wrap', () => {
    expectExact(new ReLU().forward(x), relu(x));
    expectExact(new Tanh().forward(x), tanh(x));
    expectExact(new Sigmoid().forward(x), sigmoid(x));
    expectExact(new Softmax(1).forward(x), softmax(x, 1));
    expectExact(new LogSoftmax(-1).forward(x), logSoftmax(x, -1));
    expect(new Identity().forward(x)).toBe(x);
  });

  it('LeakyReLU and Softplus take their parameters', () => {
    expectClose(new LeakyReLU(0.1).forward(f64([-10, 10])), [-1, 10]);
    expectClose(new LeakyReLU().forward(f64([-10, 10])), [-0.1, 10]);
    expectClose(new Softplus(2).forward(f64([0, 1])), [Math.log(2) / 2, Math.log1p(Math.exp(2)) / 2], { atol: 1e-15 });
    expectClose(new Softplus().forward(f64([0])), [Math.log(2)], { atol: 1e-15 });
  });

  it('have PyTorch summaries and no parameters', () => {
    expect(String(new LeakyReLU())).toBe('LeakyReLU(negative_slope=0.01)');
    expect(String(new Softplus())).toBe('Softplus(beta=1.0)');
    expect(String(new Softmax(1))).toBe('Softmax(dim=1)');
    expect(String(new ReLU())).toBe('ReLU()');
    expect(new Sequential(new ReLU(), new Tanh(), new Softmax(-1)).parameters()).toEqual([]);
  });

  it('refuse bad parameters', () => {
    expectError(() => new Softmax(0.5), 'Softmax', 'dim', '0.5');
    expectError(() => new Softplus(0), 'Softplus', 'beta', '0');
    expectError(() => new LeakyReLU(Number.NaN), 'LeakyReLU', 'negativeSlope');
  });
});
