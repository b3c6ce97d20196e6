import { describe, expect, it } from 'vitest';
import {
  Generator, type Tensor, abs, arange, argmax, argmin, binaryCrossEntropyWithLogits, chunk, clamp, concat, crossEntropy, eq,
  flip, gather, ge, grad, gt, indexSelect, isfinite, isnan, le, leakyRelu, logSoftmax, logsumexp, lt, matmul, max, maximum,
  min, minimum, mul, narrow, ne, norm, pad, permute, randn, relu, select, sigmoid, slice, softmax, softplus, split, stack,
  std, sum, tensor, transpose, variance, zeros,
} from '../../index.js';
import { expectClose, expectExact } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const a64 = (n: number): Tensor => arange(n, undefined, undefined, { dtype: 'float64' });
/** Gradient of sum(w * f(x)) with respect to x (w = ones when omitted). */
const gradOf = (f: (x: Tensor) => Tensor, x: Tensor, w?: Tensor): Tensor =>
  grad((t: Tensor) => (w ? mul(f(t), w) : f(t)).sum())(x);
const allFinite = (t: Tensor): boolean => Array.from(t.data).every(Number.isFinite);

/** NumPy matmul by plain loops: 1-D promotion, broadcast batch axes. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const as = a.ndim === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.ndim === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const [M, K] = as.slice(-2) as [number, number];
  const N = bs[bs.length - 1]!;
  const ba = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array(rank - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const nb = batch.reduce((p, q) => p * q, 1);
  const data: number[] = [];
  for (let t = 0; t < nb; t++) {
    // unravel t over batch, then re-ravel for each operand with broadcasting
    let rem = t;
    const idx = batch.map(() => 0);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rem % batch[d]!;
      rem = Math.floor(rem / batch[d]!);
    }
    const off = (p: number[]) => p.reduce((acc, dim, d) => acc * dim + (dim === 1 ? 0 : idx[d]!), 0);
    const oa = off(pa) * M * K;
    const ob = off(pb) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[oa + i * K + k]! * b.data[ob + k * N + j]!;
        data.push(s);
      }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [M]), ...(b.ndim === 1 ? [] : [N])];
  return { shape, data };
}

describe('matmul', () => {
  const gen = new Generator(2024);
  const cases: [number[], number[], number[]][] = [
    [[3], [3], []],
    [[2, 3], [3], [2]],
    [[3], [3, 4], [4]],
    [[2, 3], [3, 4], [2, 4]],
    [[5, 2, 3], [3, 4], [5, 2, 4]],
    [[2, 3], [5, 3, 4], [5, 2, 4]],
    [[2, 1, 2, 3], [3, 3, 2], [2, 3, 2, 2]],
    [[4], [2, 4, 3], [2, 3]],
    [[2, 2, 3], [3], [2, 2]],
    [[1, 3], [3, 1], [1, 1]],
  ];
  for (const [sa, sb, so] of cases) {
    it(`[${sa}] @ [${sb}] -> [${so}] matches a naive loop`, () => {
      const a = randn(sa, { dtype: 'float64', generator: gen });
      const b = randn(sb, { dtype: 'float64', generator: gen });
      const y = matmul(a, b);
      const ref = naiveMatmul(a, b);
      expect(ref.shape).toEqual(so);
      expect(y.shape).toEqual(so);
      expectClose(y.data, ref.data, { atol: 1e-12, rtol: 1e-12 });
    });
  }

  it('small exact case', () => {
    expectExact(matmul(f64([[1, 2], [3, 4]]), f64([[5, 6], [7, 8]])), [[19, 22], [43, 50]]);
    expect(matmul(f64([1, 2, 3]), f64([4, 5, 6])).item()).toBe(32);
  });

  it('gradients of a broadcast batched product sum over the broadcast batch', () => {
    const a = randn([3, 2, 4], { dtype: 'float64', generator: gen });
    const b = randn([4, 5], { dtype: 'float64', generator: gen });
    const [ga, gb] = grad((x: Tensor, y: Tensor) => matmul(x, y).sum(), { argnums: [0, 1] })(a, b);
    expect(ga.shape).toEqual([3, 2, 4]);
    expect(gb.shape).toEqual([4, 5]);
    // d/da = ones @ b^T: each row of a gets the row sums of b; d/db[k][j] = sum over batch and rows of a[..,k]
    const rowSums = [0, 1, 2, 3].map((k) => [0, 1, 2, 3, 4].reduce((s, j) => s + b.data[k * 5 + j]!, 0));
    for (let r = 0; r < 6; r++) for (let k = 0; k < 4; k++) expect(ga.data[r * 4 + k]).toBeCloseTo(rowSums[k]!, 12);
    const colSums = [0, 1, 2, 3].map((k) => [0, 1, 2, 3, 4, 5].reduce((s, r) => s + a.data[r * 4 + k]!, 0));
    for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) expect(gb.data[k * 5 + j]).toBeCloseTo(colSums[k]!, 12);
  });
});

describe('transpose and permute', () => {
  const x = a64(24).reshape([2, 3, 4]);

  it('permute moves axes: y[k][i][j] = x[i][j][k]', () => {
    const y = permute(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(y.data[k * 6 + i * 3 + j]).toBe(i * 12 + j * 4 + k);
  });

  it('negative axes in permute', () => {
    expectExact(permute(x, [-1, 1, 0]), permute(x, [2, 1, 0]));
  });

  it('transpose swaps the last two axes by default, or the given ones', () => {
    expectExact(transpose(f64([[1, 2, 3], [4, 5, 6]])), [[1, 4], [2, 5], [3, 6]]);
    const y = transpose(x, 0, 2);
    expect(y.shape).toEqual([4, 3, 2]);
    expect(y.data[3 * 6 + 2 * 2 + 1]).toBe(1 * 12 + 2 * 4 + 3); // y[3][2][1] = x[1][2][3]
    expectExact(transpose(f64([1, 2])), [1, 2]); // rank 1: unchanged
  });

  it('the gradient of permute permutes back', () => {
    const w = a64(24).reshape([4, 2, 3]);
    const g = gradOf((t) => permute(t, [2, 0, 1]), zeros([2, 3, 4], { dtype: 'float64' }), w);
    expectExact(g, permute(w, [1, 2, 0]));
  });
});

describe('slice (Python semantics)', () => {
  const x = a64(10);
  const cases: [string, number[]][] = [
    ['::-1', [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    ['1:', [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ['-2:', [8, 9]],
    [':-3', [0, 1, 2, 3, 4, 5, 6]],
    ['::2', [0, 2, 4, 6, 8]],
    ['1::2', [1, 3, 5, 7, 9]],
    ['-1:0:-2', [9, 7, 5, 3, 1]],
    ['8:2:-3', [8, 5]],
    ['::-3', [9, 6, 3, 0]],
    ['-3::-1', [7, 6, 5, 4, 3, 2, 1, 0]],
    ['-100:3', [0, 1, 2]],
    ['5:100', [5, 6, 7, 8, 9]],
    [':-100:-1', [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    ['3:1', []],
    ['1:3:-1', []],
    [':', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ];
  for (const [spec, want] of cases) {
    it(`x[${spec}]`, () => {
      const y = slice(x, [spec]);
      expect(y.shape).toEqual([want.length]);
      expect(Array.from(y.data)).toEqual(want);
    });
  }

  it('object specs behave as the strings', () => {
    expectExact(slice(x, [{ start: -1, step: -2 }]), [9, 7, 5, 3, 1]);
    expectExact(slice(x, [{ start: 2, end: 5 }]), [2, 3, 4]);
  });

  it('2-D: rows and reversed columns; an integer drops the axis', () => {
    const m = a64(12).reshape([3, 4]);
    expectExact(slice(m, ['0:2', '::-1']), [[3, 2, 1, 0], [7, 6, 5, 4]]);
    expectExact(slice(m, [null, 1]), [1, 5, 9]);
    expectExact(slice(m, [-1]), [8, 9, 10, 11]);
    expectExact(slice(m, ['::2', '1::2']), [[1, 3], [9, 11]]);
    const s = slice(m, [1, 2]);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(6);
  });

  it('the gradient of a negative-step slice scatters back into place', () => {
    const w = f64([10, 20, 30, 40, 50]);
    const g = gradOf((t) => slice(t, ['::-2']), zeros([10], { dtype: 'float64' }), w);
    // picks 9, 7, 5, 3, 1 in that order
    expectExact(g, [0, 50, 0, 40, 0, 30, 0, 20, 0, 10]);
  });
});

describe('narrow, select, flip, split, chunk, pad, stack, concat', () => {
  it('narrow', () => {
    expectExact(narrow(a64(10), 0, 2, 3), [2, 3, 4]);
    expectExact(narrow(a64(10), 0, -3, 2), [7, 8]);
    expectExact(narrow(a64(6).reshape([2, 3]), 1, 1, 2), [[1, 2], [4, 5]]);
    expect(narrow(a64(4), 0, 4, 0).shape).toEqual([0]);
  });

  it('select', () => {
    expectExact(select(a64(6).reshape([2, 3]), 1, -1), [2, 5]);
    expectExact(select(a64(6).reshape([2, 3]), 0, 1), [3, 4, 5]);
    expectExact(select(a64(24).reshape([2, 3, 4]), -1, 2), [[2, 6, 10], [14, 18, 22]]);
  });

  it('flip', () => {
    expectExact(flip(f64([1, 2, 3]), 0), [3, 2, 1]);
    const m = f64([[1, 2, 3], [4, 5, 6]]);
    expectExact(flip(m, 1), [[3, 2, 1], [6, 5, 4]]);
    expectExact(flip(m, 0), [[4, 5, 6], [1, 2, 3]]);
    expectExact(flip(m, [0, 1]), [[6, 5, 4], [3, 2, 1]]);
  });

  it('split by size (the last piece smaller) and by sections', () => {
    const parts = split(a64(5), 2);
    expect(parts.map((p) => Array.from(p.data))).toEqual([[0, 1], [2, 3], [4]]);
    const secs = split(a64(5), [1, 4]);
    expect(secs.map((p) => Array.from(p.data))).toEqual([[0], [1, 2, 3, 4]]);
    const cols = split(a64(6).reshape([2, 3]), [2, 1], 1);
    expectExact(cols[0]!, [[0, 1], [3, 4]]);
    expectExact(cols[1]!, [[2], [5]]);
  });

  it('chunk: 5 into 2 gives sizes 3 and 2; 6 into 4 gives three pieces of 2 (as torch.chunk)', () => {
    const c = chunk(a64(5), 2);
    expect(c.map((t) => t.shape[0])).toEqual([3, 2]);
    expectExact(c[0]!, [0, 1, 2]);
    expectExact(c[1]!, [3, 4]);
    expect(chunk(a64(6), 4).map((t) => t.shape[0])).toEqual([2, 2, 2]);
    expect(chunk(a64(8).reshape([2, 4]), 4, -1).map((t) => [...t.shape])).toEqual([[2, 1], [2, 1], [2, 1], [2, 1]]);
  });

  it('pad: pairs start from the last axis (PyTorch order)', () => {
    const m = f64([[1, 2], [3, 4]]);
    expectExact(pad(m, [1, 2]), [[0, 1, 2, 0, 0], [0, 3, 4, 0, 0]]);
    expectExact(pad(m, [0, 0, 2, 0]), [[0, 0], [0, 0], [1, 2], [3, 4]]);
    expectExact(pad(m, [1, 0, 0, 1], 7), [[7, 1, 2], [7, 3, 4], [7, 7, 7]]);
    expect(pad(m, [0, 0]).shape).toEqual([2, 2]);
  });

  it('the gradient of pad is the unpadded window', () => {
    const w = a64(12).reshape([3, 4]);
    const g = gradOf((t) => pad(t, [1, 1, 0, 1]), zeros([2, 2], { dtype: 'float64' }), w);
    expectExact(g, [[1, 2], [5, 6]]);
  });

  it('stack along a new axis', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    expectExact(stack([a, b]), [[1, 2, 3], [4, 5, 6]]);
    expectExact(stack([a, b], 1), [[1, 4], [2, 5], [3, 6]]);
    expectExact(stack([a, b], -1), [[1, 4], [2, 5], [3, 6]]);
    expect(stack([f64(1), f64(2)]).shape).toEqual([2]);
  });

  it('concat along an existing axis, and its gradient splits back', () => {
    const a = f64([[1, 2], [3, 4]]);
    const b = f64([[5], [6]]);
    expectExact(concat([a, b], 1), [[1, 2, 5], [3, 4, 6]]);
    expectExact(concat([a, f64([[9, 9]])], 0), [[1, 2], [3, 4], [9, 9]]);
    const w = f64([[1, 2, 3], [4, 5, 6]]);
    const [ga, gb] = grad((x: Tensor, y: Tensor) => mul(concat([x, y], -1), w).sum(), { argnums: [0, 1] })(a, b);
    expectExact(ga, [[1, 2], [4, 5]]);
    expectExact(gb, [[3], [6]]);
  });
});

describe('indexSelect and gather', () => {
  const m = f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);

  it('indexSelect rows and columns (repeats allowed)', () => {
    expectExact(indexSelect(m, 0, i32([2, 0, 2])), [[7, 8, 9], [1, 2, 3], [7, 8, 9]]);
    expectExact(indexSelect(m, 1, i32([1])), [[2], [5], [8]]);
    expect(indexSelect(m, 0, i32([])).shape).toEqual([0, 3]);
  });

  it('indexSelect gradient accumulates repeated rows', () => {
    const g = gradOf((t) => indexSelect(t, 0, i32([2, 0, 2])), zeros([3, 3], { dtype: 'float64' }));
    expectExact(g, [[1, 1, 1], [0, 0, 0], [2, 2, 2]]);
  });

  it('gather along axis 1 and axis 0', () => {
    expectExact(gather(m, 1, i32([[0, 2], [1, 1], [2, 0]])), [[1, 3], [5, 5], [9, 7]]);
    expectExact(gather(m, 0, i32([[2, 1, 0]])), [[7, 5, 3]]);
    expectExact(gather(m, 1, i32([[2], [0]])), [[3], [4]]); // index smaller than the input on axis 0
  });

  it('gather gradient scatters and adds', () => {
    const g = gradOf((t) => gather(t, 1, i32([[0, 0], [2, 1]])), zeros([2, 3], { dtype: 'float64' }), f64([[1, 10], [100, 1000]]));
    expectExact(g, [[11, 0, 0], [0, 1000, 100]]);
  });
});

describe('softmax, logSoftmax, logsumexp at large logits', () => {
  const small = [0, -1, -2];
  const e = small.map(Math.exp);
  const z = e.reduce((p, q) => p + q, 0);
  const expected = e.map((v) => v / z);

  it('softmax is shift-invariant and exact at 1e4', () => {
    const y = softmax(f64([1e4, 1e4 - 1, 1e4 - 2]));
    expect(allFinite(y)).toBe(true);
    expectClose(y, expected, { atol: 1e-15, rtol: 1e-12 });
    expectClose(softmax(f64([-1e4, -1e4 - 1, -1e4 - 2])), expected, { atol: 1e-15, rtol: 1e-12 });
    expectExact(softmax(f64([1e4, -1e4])), [1, 0]);
    expectClose(softmax(tensor([1e4, 1e4])), [0.5, 0.5], { atol: 0, rtol: 0 });
  });

  it('softmax along axis 0 of a matrix', () => {
    const y = softmax(f64([[1e4, 0], [1e4, 0]]), 0);
    expectClose(y, [[0.5, 0.5], [0.5, 0.5]], { atol: 1e-15 });
  });

  it('logSoftmax is exact where softmax underflows', () => {
    expectExact(logSoftmax(f64([0, 1e4])), [-1e4, 0]);
    const y = logSoftmax(f64([1e4, 1e4 - 1, 1e4 - 2]));
    expectClose(y, expected.map(Math.log), { atol: 1e-12 });
    expect(allFinite(logSoftmax(tensor([1e4, -1e4, 0])))).toBe(true);
  });

  it('logsumexp at +-1e4 in float64 and float32', () => {
    expectClose(logsumexp(f64([1e4, 1e4])), 1e4 + Math.LN2, { atol: 0, rtol: 1e-15 });
    expectClose(logsumexp(f64([-1e4, -1e4])), -1e4 + Math.LN2, { atol: 0, rtol: 1e-15 });
    expectClose(logsumexp(f64([1e4, 0])), 1e4, { atol: 0, rtol: 1e-15 });
    const y32 = logsumexp(tensor([1e4, 1e4, 1e4]));
    expect(y32.item()).toBe(Math.fround(1e4 + Math.log(3)));
    expect(logsumexp(f64([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expectClose(logsumexp(f64([[1e4, 1e4], [0, 0]]), 1, { keepdims: true }), [[1e4 + Math.LN2], [Math.LN2]], { atol: 1e-11 });
  });

  it('gradients at 1e4 are finite and equal softmax', () => {
    const x = f64([1e4, 1e4 - 1, 1e4 - 2]);
    const g = gradOf((t) => logsumexp(t), x);
    expectClose(g, expected, { atol: 1e-15, rtol: 1e-12 });
    const w = f64([1, 0, 0]);
    const gs = gradOf((t) => softmax(t), x, w); // d s0 = s0 (e0 - s)
    expect(allFinite(gs)).toBe(true);
    expectClose(gs, [expected[0]! * (1 - expected[0]!), -expected[0]! * expected[1]!, -expected[0]! * expected[2]!], { atol: 1e-15 });
    const gl = gradOf((t) => logSoftmax(t), x, w); // d log s0 = e0 - s
    expectClose(gl, [1 - expected[0]!, -expected[1]!, -expected[2]!], { atol: 1e-15 });
  });
});

describe('losses', () => {
  const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));

  it('crossEntropy matches a hand computation (mean, sum, none)', () => {
    const rows = [[1, 2, 3], [1, 1, 1], [0.5, -1, 2]];
    const targets = [2, 0, 1];
    const per = rows.map((r, i) => lse(r) - r[targets[i]!]!);
    const logits = f64(rows);
    const t = i32(targets);
    expectClose(crossEntropy(logits, t, { reduction: 'none' }), per, { atol: 1e-14 });
    expectClose(crossEntropy(logits, t, { reduction: 'sum' }), per[0]! + per[1]! + per[2]!, { atol: 1e-14 });
    expectClose(crossEntropy(logits, t), (per[0]! + per[1]! + per[2]!) / 3, { atol: 1e-14 });
  });

  it('crossEntropy gradient is (softmax - onehot) / N', () => {
    const rows = [[1, 2, 3], [1, 1, 1]];
    const g = grad((l: Tensor) => crossEntropy(l, i32([2, 0])))(f64(rows));
    const sm = rows.map((r) => r.map((v) => Math.exp(v - lse(r))));
    expectClose(g, [[sm[0]![0]! / 2, sm[0]![1]! / 2, (sm[0]![2]! - 1) / 2], [(sm[1]![0]! - 1) / 2, sm[1]![1]! / 2, sm[1]![2]! / 2]], { atol: 1e-15 });
  });

  it('crossEntropy for a single [C] row and for [N, C, d] logits', () => {
    expectClose(crossEntropy(f64([1, 2, 3]), i32(1)), lse([1, 2, 3]) - 2, { atol: 1e-14 });
    // logits [1, 3, 2]: position 0 has logits [0, 1, 2], position 1 has [5, 5, 5]
    const l = f64([[[0, 5], [1, 5], [2, 5]]]);
    const loss = crossEntropy(l, i32([[2, 0]]), { reduction: 'none' });
    expect(loss.shape).toEqual([1, 2]);
    expectClose(loss, [[lse([0, 1, 2]) - 2, Math.log(3)]], { atol: 1e-14 });
  });

  it('crossEntropy at extreme logits (1e4) is finite, exact, with gradient softmax - onehot', () => {
    const logits = f64([[1e4, 0, -1e4], [-1e4, 1e4, 1e4]]);
    const t = i32([1, 2]);
    const loss = crossEntropy(logits, t, { reduction: 'none' });
    expectClose(loss, [1e4, Math.LN2], { atol: 1e-12 });
    const g = grad((l: Tensor) => crossEntropy(l, t, { reduction: 'sum' }))(logits);
    expect(allFinite(g)).toBe(true);
    expectClose(g, [[1, -1, 0], [0, 0.5, -0.5]], { atol: 1e-15 });
    const g32 = grad((l: Tensor) => crossEntropy(l, i32([0])))(tensor([[1e4, -1e4, 0]]));
    expectExact(g32, [[0, 0, 0]]);
  });

  it('binaryCrossEntropyWithLogits at +-1000 is finite and exact', () => {
    const x = f64([1000, -1000, 1000, -1000]);
    const y = f64([1, 0, 0, 1]);
    expectExact(binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }), [0, 0, 1000, 1000]);
    expect(binaryCrossEntropyWithLogits(x, y).item()).toBe(500);
    const g = grad((l: Tensor) => binaryCrossEntropyWithLogits(l, y))(x);
    expectExact(g, [0, 0, 0.25, -0.25]); // (sigmoid(x) - y) / N
    const g32 = grad((l: Tensor) => binaryCrossEntropyWithLogits(l, tensor([1, 0]), { reduction: 'sum' }))(tensor([-1000, 1000]));
    expectExact(g32, [-1, 1]);
  });

  it('binaryCrossEntropyWithLogits at moderate logits matches -(y log s + (1-y) log(1-s))', () => {
    const xs = [0.5, -2, 3];
    const ys = [0.3, 1, 0];
    const want = xs.map((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      return -(ys[i]! * Math.log(s) + (1 - ys[i]!) * Math.log(1 - s));
    });
    expectClose(binaryCrossEntropyWithLogits(f64(xs), f64(ys), { reduction: 'none' }), want, { atol: 1e-14 });
    // posWeight multiplies the positive term
    const pw = f64([2, 2, 2]);
    const wantPw = xs.map((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      return -(2 * ys[i]! * Math.log(s) + (1 - ys[i]!) * Math.log(1 - s));
    });
    expectClose(binaryCrossEntropyWithLogits(f64(xs), f64(ys), { reduction: 'none', posWeight: pw }), wantPw, { atol: 1e-14 });
  });
});

describe('sigmoid and softplus at +-1000', () => {
  it('values', () => {
    expectExact(sigmoid(f64([1000, -1000, 0])), [1, 0, 0.5]);
    expectExact(sigmoid(tensor([1000, -1000])), [1, 0]);
    expectExact(softplus(f64([1000, -1000])), [1000, 0]);
    expectClose(softplus(f64([0, 1, -30])), [Math.LN2, Math.log1p(Math.E), Math.log1p(Math.exp(-30))], { atol: 0, rtol: 1e-15 });
    expectClose(softplus(f64([0]), 2), [Math.LN2 / 2], { atol: 1e-16 });
  });

  it('gradients are finite: sigmoid s(1-s), softplus sigmoid', () => {
    const x = f64([1000, -1000, 0, 2]);
    const s2 = 1 / (1 + Math.exp(-2));
    const gs = gradOf(sigmoid, x);
    expect(allFinite(gs)).toBe(true);
    expectClose(gs, [0, 0, 0.25, s2 * (1 - s2)], { atol: 1e-16 });
    const gp = gradOf((t) => softplus(t), x);
    expect(allFinite(gp)).toBe(true);
    expectClose(gp, [1, 0, 0.5, s2], { atol: 1e-16 });
    const g32 = gradOf((t) => softplus(t), tensor([1000, -1000]));
    expectExact(g32, [1, 0]);
  });
});

describe('variance, std, norm', () => {
  const x = f64([1, 2, 3, 4]);

  it('var and std with correction 1 (default) and 0', () => {
    expectClose(variance(x), 5 / 3, { atol: 1e-15 });
    expectClose(variance(x, 0, { correction: 0 }), 1.25, { atol: 1e-15 });
    expectClose(std(x), Math.sqrt(5 / 3), { atol: 1e-15 });
    expectClose(std(x, 0, { correction: 0 }), Math.sqrt(1.25), { atol: 1e-15 });
    expectClose(x.var(undefined, { correction: 0 }), 1.25, { atol: 1e-15 });
  });

  it('var along an axis with keepdims', () => {
    const m = f64([[1, 2, 3], [2, 4, 9]]);
    const v = variance(m, 1, { keepdims: true });
    expect(v.shape).toEqual([2, 1]);
    expectClose(v, [[1], [13]], { atol: 1e-14 });
    expectClose(variance(m, 0, { correction: 0 }), [0.25, 1, 9], { atol: 1e-15 });
  });

  it('var gradient is 2 (x - mean) / (N - correction)', () => {
    expectClose(gradOf((t) => variance(t), x), [-1.5, -0.5, 0.5, 1.5].map((d) => (2 * d) / 3), { atol: 1e-15 });
    expectClose(gradOf((t) => variance(t, 0, { correction: 0 }), x), [-1.5, -0.5, 0.5, 1.5].map((d) => (2 * d) / 4), { atol: 1e-15 });
  });

  it('norm with p = 1, 2, Infinity, 3', () => {
    const v = f64([3, -4]);
    expectClose(norm(v), 5, { atol: 1e-15 });
    expectClose(norm(v, 1), 7, { atol: 0 });
    expectClose(norm(v, Infinity), 4, { atol: 0 });
    expectClose(norm(v, 3), Math.cbrt(27 + 64), { atol: 1e-14 });
    expectClose(norm(f64([[3, 4], [6, 8]]), 2, 1), [5, 10], { atol: 1e-14 });
    expectClose(norm(f64([[3, 4], [6, 8]]), 2, 1, { keepdims: true }), [[5], [10]], { atol: 1e-14 });
  });

  it('the 2-norm does not overflow or underflow', () => {
    expectClose(norm(f64([1e200, 1e200])), Math.SQRT2 * 1e200, { atol: 0, rtol: 1e-15 });
    expectClose(norm(f64([3e-200, 4e-200])), 5e-200, { atol: 0, rtol: 1e-15 });
    expectClose(norm(tensor([3e30, 4e30])), Math.fround(5e30), { atol: 0, rtol: 1e-7 });
  });

  it('norm gradients: p = 2 is x/|x|, exactly 0 at 0; p = 1 sign; p = 3 |x|^2 sign / |x|_3^2', () => {
    expectClose(gradOf((t) => norm(t), f64([3, -4])), [0.6, -0.8], { atol: 1e-15 });
    const g0 = gradOf((t) => norm(t), f64([0, 0, 0]));
    expectExact(g0, [0, 0, 0]);
    const g0rows = gradOf((t) => norm(t, 2, 1), f64([[0, 0], [3, 4]]));
    expectExact(g0rows, [[0, 0], [0.6, 0.8]]);
    expectExact(gradOf((t) => norm(t, 1), f64([2, 0, -1])), [1, 0, -1]);
    const n3 = Math.cbrt(91);
    expectClose(gradOf((t) => norm(t, 3), f64([3, -4])), [9 / n3 ** 2, -16 / n3 ** 2], { atol: 1e-14 });
  });
});

describe('kinks and ties', () => {
  it('max / min ties share the gradient equally', () => {
    expectExact(gradOf((t) => max(t), f64([1, 3, 3])), [0, 0.5, 0.5]);
    expectClose(gradOf((t) => min(t), f64([2, 1, 1, 1])), [0, 1 / 3, 1 / 3, 1 / 3], { atol: 1e-16 });
    expectExact(gradOf((t) => max(t), f64([5, 1, 2])), [1, 0, 0]);
    expectExact(gradOf((t) => max(t, 1), f64([[1, 3, 3], [4, 4, 4], [0, 9, 1]]), f64([2, 3, 1])), [[0, 1, 1], [1, 1, 1], [0, 1, 0]]);
  });

  it('max / min values along axes, NaN propagates', () => {
    expectExact(max(f64([[1, 5], [3, 2]]), 1), [5, 3]);
    expectExact(min(f64([[1, 5], [3, 2]]), 0), [1, 2]);
    expectExact(max(f64([[1, 5], [3, 2]]), 0, { keepdims: true }), [[3, 5]]);
    expect(max(f64([1, NaN, 3])).item()).toBeNaN();
    expect(min(f64([NaN, 1])).item()).toBeNaN();
  });

  it('maximum / minimum ties give half to each side', () => {
    const a = f64([1, 2, 3]);
    const b = f64([3, 2, 1]);
    const [ga, gb] = grad((p: Tensor, q: Tensor) => maximum(p, q).sum(), { argnums: [0, 1] })(a, b);
    expectExact(ga, [0, 0.5, 1]);
    expectExact(gb, [1, 0.5, 0]);
    const [ha, hb] = grad((p: Tensor, q: Tensor) => minimum(p, q).sum(), { argnums: [0, 1] })(a, b);
    expectExact(ha, [1, 0.5, 0]);
    expectExact(hb, [0, 0.5, 1]);
    expectExact(maximum(a, b), [3, 2, 3]);
    expectExact(minimum(a, 2), [1, 2, 2]);
  });

  it('relu gradient at 0 is 0', () => {
    expectExact(relu(f64([-1, 0, 2])), [0, 0, 2]);
    expectExact(gradOf(relu, f64([-1, 0, 2])), [0, 0, 1]);
  });

  it('leakyRelu gradient at 0 is the negative slope', () => {
    expectExact(leakyRelu(f64([-10, 0, 10]), 0.1), [-1, 0, 10]);
    expectExact(gradOf((t) => leakyRelu(t, 0.1), f64([-1, 0, 1])), [0.1, 0.1, 1]);
  });

  it('abs gradient at 0 is 0', () => {
    expectExact(gradOf(abs, f64([-3, 0, 2])), [-1, 0, 1]);
  });

  it('clamp: values, and the gradient passes at the bounds', () => {
    const x = f64([-1, 0, 0.5, 1, 2]);
    expectExact(clamp(x, 0, 1), [0, 0, 0.5, 1, 1]);
    expectExact(gradOf((t) => clamp(t, 0, 1), x), [0, 1, 1, 1, 0]);
    expectExact(clamp(x, undefined, 0.5), [-1, 0, 0.5, 0.5, 0.5]);
    expectExact(gradOf((t) => clamp(t, 0.5), x), [0, 0, 1, 1, 1]);
  });
});

describe('argmax and argmin', () => {
  it('first index on ties, int32 result', () => {
    const a = argmax(f64([1, 3, 3]));
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([]);
    expect(a.item()).toBe(1);
    expect(argmin(f64([2, 1, 1])).item()).toBe(1);
    expect(argmax(f64([7, 7, 7])).item()).toBe(0);
  });

  it('along an axis, with keepdims; flattened when no axis', () => {
    const m = f64([[1, 5, 5], [9, 2, 9]]);
    expectExact(argmax(m, 1), [1, 0]);
    expectExact(argmin(m, 0), [0, 1, 0]);
    expect(argmax(m, 1, { keepdims: true }).shape).toEqual([2, 1]);
    expect(argmax(m).item()).toBe(3);
    expect(argmin(m).item()).toBe(0);
  });

  it('NaN wins (first NaN), as NumPy and PyTorch', () => {
    expect(argmax(f64([1, NaN, 3, NaN])).item()).toBe(1);
    expect(argmin(f64([1, NaN, 0])).item()).toBe(1);
    expect(argmax(f64([NaN, 5])).item()).toBe(0);
    expect(argmax(f64([1, 2, NaN])).item()).toBe(2);
    expectExact(argmax(f64([[1, NaN], [3, 2]]), 1), [1, 0]);
  });

  it('int32 input and -Infinity', () => {
    expect(argmax(i32([3, -1, 4, 4])).item()).toBe(2);
    expect(argmin(f64([0, -Infinity, -Infinity])).item()).toBe(1);
  });
});

describe('comparisons', () => {
  const a = f64([1, 2, 3, NaN]);
  const b = f64([2, 2, 2, NaN]);
  const table: [string, (p: Tensor, q: Tensor | number) => Tensor, number[]][] = [
    ['eq', eq, [0, 1, 0, 0]],
    ['ne', ne, [1, 0, 1, 1]],
    ['lt', lt, [1, 0, 0, 0]],
    ['le', le, [1, 1, 0, 0]],
    ['gt', gt, [0, 0, 1, 0]],
    ['ge', ge, [0, 1, 1, 0]],
  ];
  for (const [name, op, want] of table) {
    it(`${name} returns a 1/0 mask in the input dtype (NaN compares false, except ne)`, () => {
      const y = op(a, b);
      expect(y.dtype).toBe('float64');
      expect(Array.from(y.data)).toEqual(want);
      const y32 = op(tensor([1, 2, 3, NaN]), tensor([2, 2, 2, NaN]));
      expect(y32.dtype).toBe('float32');
      expect(Array.from(y32.data)).toEqual(want);
      const yi = op(i32([1, 2, 3, 0]), i32([2, 2, 2, 0]));
      expect(yi.dtype).toBe('int32');
      expect(Array.from(yi.data)).toEqual([...want.slice(0, 3), name === 'ne' || name === 'lt' || name === 'gt' ? 0 : 1]);
    });
  }

  it('comparisons broadcast and take numbers', () => {
    expectExact(gt(f64([[1], [3]]), f64([0, 2, 4])), [[1, 0, 0], [1, 1, 0]]);
    expectExact(eq(f64([1, 2]), 2), [0, 1]);
    expectExact(lt(1, f64([0, 2])), [0, 1]);
  });

  it('isnan / isfinite', () => {
    const x = f64([1, NaN, Infinity, -Infinity, 0]);
    const n = isnan(x);
    expect(n.dtype).toBe('float64');
    expect(Array.from(n.data)).toEqual([0, 1, 0, 0, 0]);
    const f = isfinite(x);
    expect(f.dtype).toBe('float64');
    expect(Array.from(f.data)).toEqual([1, 0, 0, 0, 1]);
    expect(isnan(tensor([NaN])).dtype).toBe('float32');
    const i = isfinite(i32([1, 2]));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([1, 1]);
  });

  it('masks are constants: no gradient is recorded', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(gt(x, 1).requiresGrad).toBe(false);
    expect(isnan(x).requiresGrad).toBe(false);
    // a mask used as a multiplier passes the gradient only through x
    const g = grad((t: Tensor) => mul(t, gt(t, 1.5)).sum())(tensor([1, 2]));
    expectExact(g, [0, 1]);
  });
});

describe('sum', () => {
  it('over axes, all, keepdims; float64 accumulation for float32 input', () => {
    const m = f64([[1, 2, 3], [4, 5, 6]]);
    expectExact(sum(m, 0), [5, 7, 9]);
    expectExact(sum(m, [0, 1]), 21);
    expectExact(sum(m, -1, { keepdims: true }), [[6], [15]]);
    const big = tensor(new Float32Array(1_000_001).fill(0.1));
    expect(sum(big).item()).toBe(Math.fround(1_000_001 * Math.fround(0.1)));
  });
});
