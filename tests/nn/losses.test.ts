/**
 * Losses: values against hand computations in plain JS (and a few values from PyTorch 1.13, float64),
 * every reduction and option, float64 gradient checks on drawn shapes and values, exactness at logits of
 * 1e4, and error messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, type Reduction, TapegradError, type Tensor, add, grad, gradcheck, randn, sum, tensor, zeros } from '../../index.js';
import {
  BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss, binaryCrossEntropy,
  binaryCrossEntropyWithLogits, crossEntropy, huberLoss, l1Loss, l1Penalty, l2Penalty, mseLoss, nllLoss, smoothL1Loss,
} from '../../nn/losses.js';
import { float64, int32, shape } from '../helpers/arbitraries.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const reductions: Reduction[] = ['mean', 'sum', 'none'];
const runs = Number(process.env.FC_RUNS ?? 60);

function expectError(fn: () => unknown, op: string, ...parts: string[]): void {
  const e = thrown(fn);
  expect(e, `${e.name}: ${e.message}`).toBeInstanceOf(TapegradError);
  expect((e as TapegradError).op).toBe(op);
  for (const p of parts) expect(e.message).toContain(p);
}

/** Reduces per-element values by hand: mean over all, sum, or as they are. */
const reduceBy = (v: number[], r: Reduction): number | number[] =>
  r === 'none' ? v : r === 'sum' ? v.reduce((a, b) => a + b, 0) : v.reduce((a, b) => a + b, 0) / v.length;

/** log-softmax of one row, by hand: v - (m + log Σ e^(v - m)). */
const logSoftmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};

/**
 * PyTorch's cross_entropy for [N, C] logits and class indices, by hand: per-row losses
 * (1-ε)·(-w_t logp_t) + ε/C·Σ_c(-w_c logp_c), 0 where ignored; the mean divides by Σ w_t over counted rows.
 */
function crossEntropyByHand(
  x: number[][], t: number[], o: { weight?: number[]; ignoreIndex?: number; eps?: number; reduction?: Reduction; logProbs?: boolean } = {},
): number | number[] {
  const C = x[0]!.length;
  const w = o.weight ?? new Array(C).fill(1);
  const eps = o.eps ?? 0;
  const ig = o.ignoreIndex ?? -100;
  let denom = 0;
  const per = x.map((row, i) => {
    if (t[i] === ig) return 0;
    const lp = o.logProbs ? row : logSoftmaxRow(row);
    denom += w[t[i]!]!;
    const nll = -w[t[i]!]! * lp[t[i]!]!;
    const smooth = -lp.reduce((s, v, c) => s + w[c]! * v, 0);
    return (1 - eps) * nll + (eps / C) * smooth;
  });
  const r = o.reduction ?? 'mean';
  return r === 'none' ? per : r === 'sum' ? per.reduce((a, b) => a + b, 0) : per.reduce((a, b) => a + b, 0) / denom;
}

/** PyTorch's cross_entropy for probability targets, by hand: -Σ_c w_c q_c logp_c with q = (1-ε)p + ε/C. */
function probCrossEntropyByHand(x: number[][], p: number[][], o: { weight?: number[]; eps?: number; reduction?: Reduction } = {}): number | number[] {
  const C = x[0]!.length;
  const w = o.weight ?? new Array(C).fill(1);
  const eps = o.eps ?? 0;
  const per = x.map((row, i) => {
    const lp = logSoftmaxRow(row);
    return -lp.reduce((s, v, c) => s + w[c]! * ((1 - eps) * p[i]![c]! + eps / C) * v, 0);
  });
  return reduceBy(per, o.reduction ?? 'mean');
}

describe('regression losses: values by hand, every reduction', () => {
  const x = [[0.5, -1, 2], [3, 0, -0.25]];
  const y = [[0, 1, 2.5], [1, -0.1, 0.5]];
  const d = x.flat().map((v, i) => v - y.flat()[i]!);
  const byShape = (v: number | number[]) => (Array.isArray(v) ? [v.slice(0, 3), v.slice(3)] : v);

  for (const r of reductions) {
    it(`mseLoss, l1Loss (${r})`, () => {
      expectClose(mseLoss(f64(x), f64(y), { reduction: r }), byShape(reduceBy(d.map((v) => v * v), r)), { atol: 1e-15 });
      expectClose(l1Loss(f64(x), f64(y), { reduction: r }), byShape(reduceBy(d.map(Math.abs), r)), { atol: 1e-15 });
    });

    it(`huberLoss with delta 1 and 0.7, smoothL1Loss with beta 1, 0.7 and 0 (${r})`, () => {
      const huber = (delta: number) => d.map((v) => (Math.abs(v) < delta ? 0.5 * v * v : delta * (Math.abs(v) - 0.5 * delta)));
      const smooth = (beta: number) => d.map((v) => (Math.abs(v) < beta ? (0.5 * v * v) / beta : Math.abs(v) - 0.5 * beta));
      expectClose(huberLoss(f64(x), f64(y), { reduction: r }), byShape(reduceBy(huber(1), r)), { atol: 1e-15 });
      expectClose(huberLoss(f64(x), f64(y), { reduction: r, delta: 0.7 }), byShape(reduceBy(huber(0.7), r)), { atol: 1e-15 });
      expectClose(smoothL1Loss(f64(x), f64(y), { reduction: r }), byShape(reduceBy(smooth(1), r)), { atol: 1e-15 });
      expectClose(smoothL1Loss(f64(x), f64(y), { reduction: r, beta: 0.7 }), byShape(reduceBy(smooth(0.7), r)), { atol: 1e-15 });
      expectClose(smoothL1Loss(f64(x), f64(y), { reduction: r, beta: 0 }), byShape(reduceBy(d.map(Math.abs), r)), { atol: 1e-15 });
    });
  }

  it('huber = delta · smoothL1 with beta = delta', () => {
    const a = randn([5, 4], { dtype: 'float64', generator: new Generator(1) });
    const b = randn([5, 4], { dtype: 'float64', generator: new Generator(2) });
    expectClose(huberLoss(a, b, { delta: 0.6, reduction: 'none' }), smoothL1Loss(a, b, { beta: 0.6, reduction: 'none' }).mul(0.6), { atol: 1e-15 });
  });

  it('gradients by hand: mse 2d/n, l1 sign(d)/n (0 at d = 0), huber clip(d, ±delta)', () => {
    const a = f64([1, -2, 0.5, 3]);
    const b = f64([0, -2, 2, 1]);
    expectClose(grad((t: Tensor) => mseLoss(t, b))(a), [0.5, 0, -0.75, 1]);
    expectClose(grad((t: Tensor) => l1Loss(t, b))(a), [0.25, 0, -0.25, 0.25]);
    expectClose(grad((t: Tensor) => huberLoss(t, b, { reduction: 'sum' }))(a), [1, 0, -1, 1]);
    expectClose(grad((t: Tensor) => huberLoss(t, b, { reduction: 'sum', delta: 3 }))(a), [1, 0, -1.5, 2]);
  });
});

describe('crossEntropy with class indices', () => {
  const x = [[1, -0.5, 2, 0], [0.3, 0.3, -1.2, 2.5], [-2, 1, 0.5, 0.25]];
  const t = [2, 0, 1];
  const w = [0.5, 2, 1, 1.5];

  for (const r of reductions)
    it(`plain, weighted, ignoreIndex, labelSmoothing and all together (${r})`, () => {
      const cases: { weight?: number[]; ignoreIndex?: number; eps?: number; target?: number[] }[] = [
        {}, { weight: w }, { target: [2, -100, 1] }, { target: [3, 0, 3], ignoreIndex: 3 }, { eps: 0.2 },
        { weight: w, eps: 0.2, target: [2, -100, 1] }, { weight: w, ignoreIndex: 0 }, { eps: 1 },
      ];
      for (const c of cases) {
        const target = c.target ?? t;
        const got = crossEntropy(f64(x), i32(target), {
          reduction: r, ...(c.weight ? { weight: f64(c.weight) } : {}), ...(c.ignoreIndex !== undefined ? { ignoreIndex: c.ignoreIndex } : {}),
          ...(c.eps !== undefined ? { labelSmoothing: c.eps } : {}),
        });
        expectClose(got, crossEntropyByHand(x, target, { ...c, reduction: r }), { atol: 1e-14, rtol: 1e-14 });
      }
    });

  it('matches PyTorch 1.13 (weight, ignore_index, label_smoothing = 0.2), values and gradients', () => {
    // torch.nn.functional.cross_entropy(x, [2, -100, 1], weight=w, label_smoothing=0.2), float64.
    const golden: Record<Reduction, [number | number[], number[][]]> = {
      mean: [0.8209149040727917, [[0.07288651584682675, -0.015210735378532899, -0.06255489319671993, 0.004879112728426114], [0, 0, 0, 0], [0.006089672356203409, -0.2769728533461306, 0.15904151304130654, 0.11184166794862065]]],
      sum: [2.4627447122183748, [[0.21865954754048023, -0.04563220613559871, -0.18766467959015995, 0.01463733818527833], [0, 0, 0, 0], [0.018269017068610224, -0.8309185600383919, 0.4771245391239196, 0.3355250038458619]]],
      none: [[0.9088121636146937, 0, 1.5539325486036812], [[0.21865954754048023, -0.04563220613559871, -0.18766467959015995, 0.01463733818527833], [0, 0, 0, 0], [0.018269017068610224, -0.8309185600383919, 0.4771245391239196, 0.3355250038458619]]],
    };
    for (const r of reductions) {
      const f = (l: Tensor) => crossEntropy(l, i32([2, -100, 1]), { weight: f64(w), labelSmoothing: 0.2, reduction: r });
      expectClose(f(f64(x)), golden[r][0], { atol: 1e-14, rtol: 1e-13 });
      expectClose(grad((l: Tensor) => sum(f(l)))(f64(x)), golden[r][1], { atol: 1e-14, rtol: 1e-13 });
    }
  });

  it('[N, C, d] inputs with [N, d] targets and a [C] input with a scalar target', () => {
    const x3 = randn([2, 3, 4], { dtype: 'float64', generator: new Generator(3) });
    const t3 = [[0, 2, 1, 1], [2, 2, 0, -100]];
    // Move the class axis last and flatten: rows (n, d) of C logits.
    const a = x3.toArray() as number[][][];
    const rows = [0, 1].flatMap((n) => [0, 1, 2, 3].map((d) => [0, 1, 2].map((c) => a[n]![c]![d]!)));
    for (const r of reductions) {
      const got = crossEntropy(x3, i32(t3), { reduction: r, labelSmoothing: 0.1, weight: f64([0.5, 1, 2]) });
      const expected = crossEntropyByHand(rows, t3.flat(), { reduction: r, eps: 0.1, weight: [0.5, 1, 2] });
      expectClose(got, Array.isArray(expected) ? [expected.slice(0, 4), expected.slice(4)] : expected, { atol: 1e-14, rtol: 1e-14 });
    }
    const x1 = [0.5, -1, 2, 0.25, 1];
    expectClose(crossEntropy(f64(x1), i32(3)), -logSoftmaxRow(x1)[3]!, { atol: 1e-15 });
    expectClose(crossEntropy(f64(x1), i32(3), { labelSmoothing: 0.3, reduction: 'none' }), crossEntropyByHand([x1], [3], { eps: 0.3, reduction: 'sum' }), { atol: 1e-15 });
  });

  it('the gradient is (softmax - onehot)/N without options', () => {
    const g = grad((l: Tensor) => crossEntropy(l, i32(t)))(f64(x));
    const expected = x.map((row, i) => logSoftmaxRow(row).map((lp, c) => (Math.exp(lp) - (c === t[i] ? 1 : 0)) / 3));
    expectClose(g, expected, { atol: 1e-15 });
  });

  it('mean over only ignored targets is NaN (0/0, as PyTorch) with zero gradients', () => {
    const l = crossEntropy(f64(x), i32([-100, -100, -100]));
    expect(Number.isNaN(l.item())).toBe(true);
    expectExact(grad((v: Tensor) => crossEntropy(v, i32([-100, -100, -100])))(f64(x)), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expectExact(crossEntropy(f64(x), i32([-100, -100, -100]), { reduction: 'sum' }), 0);
  });
});

describe('crossEntropy with probability targets', () => {
  const x = [[1, -0.5, 2, 0], [0.3, 0.3, -1.2, 2.5], [-2, 1, 0.5, 0.25]];
  const p = [[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]];
  const w = [0.5, 2, 1, 1.5];

  for (const r of reductions)
    it(`plain, weighted, smoothed (${r})`, () => {
      for (const o of [{}, { weight: w }, { eps: 0.25 }, { weight: w, eps: 0.1 }]) {
        const got = crossEntropy(f64(x), f64(p), { reduction: r, ...(o.weight ? { weight: f64(o.weight) } : {}), ...(o.eps ? { labelSmoothing: o.eps } : {}) });
        expectClose(got, probCrossEntropyByHand(x, p, { ...o, reduction: r }), { atol: 1e-14, rtol: 1e-14 });
      }
    });

  it('the mean divides by the number of distributions, not by the weights (PyTorch 1.13 value and gradient)', () => {
    const f = (l: Tensor) => crossEntropy(l, f64(p), { weight: f64(w), labelSmoothing: 0.1 });
    expectClose(f(f64(x)), 2.4309100684684366, { atol: 1e-14, rtol: 1e-13 });
    expectClose(grad(f)(f64(x)), [
      [0.08448533133468046, -0.11353877975292134, 0.18342200931720182, -0.154368560898961],
      [-0.00462351721224992, -0.1296235172122499, -0.0750678894631671, 0.2093149238876669],
      [-0.14968384057397283, 0.07337330233836481, 0.04627866846779347, 0.030031869767814526],
    ], { atol: 1e-14, rtol: 1e-13 });
  });

  it('one-hot probabilities give the class-index loss', () => {
    const onehot = [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]];
    expectClose(crossEntropy(f64(x), f64(onehot), { reduction: 'none' }), crossEntropy(f64(x), i32([2, 0, 1]), { reduction: 'none' }), { atol: 1e-15 });
  });
});

describe('nllLoss', () => {
  const lp = [[-1.2, -0.4, -2.3], [-0.1, -3, -2.5], [-0.7, -0.9, -1.1], [-2, -0.2, -3]];
  for (const r of reductions)
    it(`takes the negative log-probability of the target, weighted, with ignoreIndex (${r})`, () => {
      for (const o of [{}, { weight: [2, 0.5, 1] }, { ignoreIndex: 1 }, { weight: [2, 0.5, 1], ignoreIndex: 0 }]) {
        const target = [2, 0, 1, 1];
        const got = nllLoss(f64(lp), i32(target), {
          reduction: r, ...(o.weight ? { weight: f64(o.weight) } : {}), ...(o.ignoreIndex !== undefined ? { ignoreIndex: o.ignoreIndex } : {}),
        });
        expectClose(got, crossEntropyByHand(lp, target, { ...o, reduction: r, logProbs: true }), { atol: 1e-15 });
      }
    });

  it('weighted mean: Σ -w_t lp_t / Σ w_t (hand numbers)', () => {
    // targets 2, 0, 1 with weights 1, 2, 0.5: (2.3 + 0.2 + 0.45) / 3.5
    expectClose(nllLoss(f64(lp.slice(0, 3)), i32([2, 0, 1]), { weight: f64([2, 0.5, 1]) }), (1 * 2.3 + 2 * 0.1 + 0.5 * 0.9) / 3.5, { atol: 1e-15 });
  });
});

describe('binary cross-entropy', () => {
  const p = [0.9, 0.2, 0.6, 0.05];
  const t = [1, 0, 0.7, 0.3];
  const bce = (pi: number, ti: number) => -(ti * Math.max(Math.log(pi), -100) + (1 - ti) * Math.max(Math.log1p(-pi), -100));

  for (const r of reductions)
    it(`binaryCrossEntropy, plain and weighted (${r})`, () => {
      expectClose(binaryCrossEntropy(f64(p), f64(t), { reduction: r }), reduceBy(p.map((v, i) => bce(v, t[i]!)), r), { atol: 1e-15 });
      const w = [1, 2, 0.5, 3];
      expectClose(binaryCrossEntropy(f64(p), f64(t), { reduction: r, weight: f64(w) }), reduceBy(p.map((v, i) => w[i]! * bce(v, t[i]!)), r), { atol: 1e-15 });
    });

  it('matches PyTorch 1.13 with a weight (value and gradient)', () => {
    const f = (x: Tensor) => binaryCrossEntropy(x, f64([1, 0, 0.7]), { weight: f64([1, 2, 0.5]) });
    expectClose(f(f64([0.9, 0.2, 0.6])), 0.28929339879515525, { atol: 1e-15 });
    expectClose(grad(f)(f64([0.9, 0.2, 0.6])), [-0.3703703703703704, 0.8333333333333331, -0.06944444444444443], { atol: 1e-15 });
  });

  it('a weight broadcasts along leading axes ([C] for [N, C])', () => {
    const x = f64([[0.2, 0.7], [0.5, 0.9]]);
    const y = f64([[0, 1], [1, 1]]);
    expectClose(binaryCrossEntropy(x, y, { weight: f64([2, 3]), reduction: 'sum' }), 2 * bce(0.2, 0) + 3 * bce(0.7, 1) + 2 * bce(0.5, 1) + 3 * bce(0.9, 1), { atol: 1e-15 });
  });

  it('clamps each log at -100 (as PyTorch) with finite values and gradients at 0 and 1', () => {
    const x = f64([0, 1, 1e-50, 0.5]);
    const y = f64([1, 0, 1, 0.3]);
    expectClose(binaryCrossEntropy(x, y, { reduction: 'none' }), [100, 100, 100, Math.LN2], { atol: 1e-15 });
    const g = grad((v: Tensor) => binaryCrossEntropy(v, y, { reduction: 'sum' }))(x);
    expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
    expectClose(g.data[3]!, (0.5 - 0.3) / 0.25, { atol: 1e-15 });
  });

  it('the gradient at inputs exactly 0 and 1 is the clamped loss\'s own, (1 - t) and -t (PyTorch: about -1e12 t, 1e12 (1 - t))', () => {
    // x = [0, 0, 0, 1, 1, 1, 1e-13, 0.5], t = [1, 0, 0.3, 0, 1, 0.3, 1, 1]: F.binary_cross_entropy(x, t, reduction='none')
    // = [100, 0, 30, 100, -0, 70, 29.933606208922594, 0.6931471805599453]; its gradient (torch.autograd.grad) is
    // [-1000000003995.8, 0, -300000001198.7, 1000000003995.8, 0, 700000002797.1, -1000000003995.7, -2]: PyTorch divides by
    // max(x (1 - x), 1e-12). tapegrad agrees on every loss value and on the gradient away from 0 and 1 (the last entry),
    // and documents the rest: (1 - t) at x = 0, -t at x = 1, the exact -t / x = -1e13 at x = 1e-13.
    const x = f64([0, 0, 0, 1, 1, 1, 1e-13, 0.5]);
    const t = f64([1, 0, 0.3, 0, 1, 0.3, 1, 1]);
    expectClose(binaryCrossEntropy(x, t, { reduction: 'none' }), [100.0, 0.0, 30.0, 100.0, -0.0, 70.0, 29.933606208922594, 0.6931471805599453], { atol: 1e-13 });
    const g = grad((v: Tensor) => binaryCrossEntropy(v, t, { reduction: 'sum' }))(x);
    expectClose(g, [0, 1, 0.7, 0, -1, -0.3, -1e13, -2], { atol: 1e-15, rtol: 1e-12 });
  });

  for (const r of reductions)
    it(`binaryCrossEntropyWithLogits, plain, weighted, posWeight (${r})`, () => {
      const x = [[2, -1, 0.5], [-3, 0, 4]];
      const y = [[1, 0, 0.3], [0, 1, 1]];
      const pw = [2, 0.5, 1];
      const w = [1, 3, 0.5];
      const sp = (v: number) => Math.log1p(Math.exp(v));
      const per = (pos: number[] | null, wt: number[] | null) =>
        x.flatMap((row, i) => row.map((v, c) => (wt ? wt[c]! : 1) * ((1 - y[i]![c]!) * sp(v) + (pos ? pos[c]! : 1) * y[i]![c]! * sp(-v))));
      const shaped = (v: number | number[]) => (Array.isArray(v) ? [v.slice(0, 3), v.slice(3)] : v);
      expectClose(binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction: r }), shaped(reduceBy(per(null, null), r)), { atol: 1e-15 });
      expectClose(binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction: r, posWeight: f64(pw), weight: f64(w) }), shaped(reduceBy(per(pw, w), r)), { atol: 1e-15 });
    });

  it('binaryCrossEntropyWithLogits matches PyTorch 1.13 with posWeight and weight (value and gradient)', () => {
    const y = f64([[1, 0, 0.3], [0, 1, 1]]);
    const f = (l: Tensor) => binaryCrossEntropyWithLogits(l, y, { posWeight: f64([2, 0.5, 1]), weight: f64([1, 3, 0.5]) });
    const x = f64([[2, -1, 0.5], [-3, 0, 4]]);
    expectClose(f(x), 0.4505104438505387, { atol: 1e-15 });
    expectClose(grad(f)(x), [[-0.0397343073407059, 0.13447071068499755, 0.026871610933487885], [0.00790431219626113, -0.125, -0.0014988508301742958]], { atol: 1e-15 });
  });

  it('binaryCrossEntropyWithLogits keeps full precision for confident correct predictions', () => {
    // log(1 + e^-30) and log(1 + e^-40): the (1-t)x + softplus(-x) form would lose them to cancellation.
    const l = binaryCrossEntropyWithLogits(f64([-30, 40]), f64([0, 1]), { reduction: 'none' });
    expectClose(l, [Math.log1p(Math.exp(-30)), Math.log1p(Math.exp(-40))], { atol: 0, rtol: 1e-15 });
  });
});

describe('extreme logits (magnitude 1e4): exact finite values and gradients', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`crossEntropy with class indices, smoothing and probability targets (${dtype})`, () => {
      const x = tensor([[1e4, 0, -1e4], [-1e4, 1e4, 0]], { dtype });
      const t = i32([0, 0]);
      expectExact(crossEntropy(x, t, { reduction: 'none' }), [0, 2e4]);
      expectExact(grad((l: Tensor) => crossEntropy(l, t, { reduction: 'sum' }))(x), [[0, 0, 0], [-1, 1, 0]]);
      expectExact(grad((l: Tensor) => crossEntropy(l, t))(x), [[0, 0, 0], [-0.5, 0.5, 0]]);
      // Smoothing: row 0 has logp [0, -1e4, -2e4], so the smooth term is 3e4 / 3 = 1e4.
      expectClose(crossEntropy(x, t, { reduction: 'none', labelSmoothing: 0.5 }), [0.5 * 1e4, 0.5 * 2e4 + 0.5 * (2e4 + 0 + 1e4) / 3], { rtol: 1e-7 });
      const gs = grad((l: Tensor) => crossEntropy(l, t, { labelSmoothing: 0.5 }))(x);
      expect(Array.from(gs.data).every(Number.isFinite)).toBe(true);
      const p = tensor([[0.5, 0.5, 0], [0, 1, 0]], { dtype });
      expectExact(crossEntropy(x, p, { reduction: 'none' }), [5e3, 0]);
      expectExact(grad((l: Tensor) => crossEntropy(l, p, { reduction: 'sum' }))(x), [[0.5, -0.5, 0], [0, 0, 0]]);
    });

    it(`binaryCrossEntropyWithLogits with and without posWeight (${dtype})`, () => {
      const x = tensor([1e4, -1e4, 1e4, -1e4], { dtype });
      const y = tensor([1, 0, 0, 1], { dtype });
      expectExact(binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }), [0, 0, 1e4, 1e4]);
      expectExact(grad((l: Tensor) => binaryCrossEntropyWithLogits(l, y, { reduction: 'sum' }))(x), [0, 0, 1, -1]);
      const pw = tensor([2], { dtype });
      expectExact(binaryCrossEntropyWithLogits(x, y, { reduction: 'none', posWeight: pw }), [0, 0, 1e4, 2e4]);
      expectExact(grad((l: Tensor) => binaryCrossEntropyWithLogits(l, y, { reduction: 'sum', posWeight: pw }))(x), [0, 0, 1, -2]);
    });
  }
});

describe('penalties', () => {
  it('l1Penalty = Σ|p| and l2Penalty = Σp² over all tensors, with gradients sign(p) and 2p', () => {
    const a = f64([[1, -2], [0.5, 0]]);
    const b = f64([-3]);
    expectClose(l1Penalty([a, b]), 6.5, { atol: 1e-15 });
    expectClose(l2Penalty([a, b]), 1 + 4 + 0.25 + 9, { atol: 1e-15 });
    const [ga, gb] = grad((x: Tensor, y: Tensor) => l1Penalty([x, y]), { argnums: [0, 1] })(a, b) as Tensor[];
    expectExact(ga!, [[1, -1], [1, 0]]);
    expectExact(gb!, [-1]);
    const [ha, hb] = grad((x: Tensor, y: Tensor) => l2Penalty([x, y]), { argnums: [0, 1] })(a, b) as Tensor[];
    expectExact(ha!, [[2, -4], [1, 0]]);
    expectExact(hb!, [-6]);
  });

  it('refuse empty lists and mixed dtypes', () => {
    expectError(() => l2Penalty([]), 'l2Penalty', 'non-empty');
    expectError(() => l1Penalty([zeros([2]), zeros([2], { dtype: 'float64' })]), 'l1Penalty', 'parameter 1', 'float64 [2]', 'float32 [2]');
    expectError(() => l1Penalty([tensor([1], { dtype: 'int32' })]), 'l1Penalty', 'int32');
  });
});

describe('loss modules', () => {
  const x = randn([4, 3], { dtype: 'float64', generator: new Generator(0) });
  const y = randn([4, 3], { dtype: 'float64', generator: new Generator(1) });
  const probs = tensor(new Float64Array([0.2, 0.7, 0.5, 0.9, 0.1, 0.4, 0.3, 0.6, 0.8, 0.35, 0.55, 0.65]), { shape: [4, 3] });
  const labels = f64([[0, 1, 1], [1, 0, 0], [0.5, 1, 1], [0, 0, 1]]);
  const t = i32([0, 2, -100, 1]);

  it('forward(input, target) equals the function with the same options', () => {
    expectExact(new MSELoss().forward(x, y), mseLoss(x, y));
    expectExact(new L1Loss({ reduction: 'sum' }).forward(x, y), l1Loss(x, y, { reduction: 'sum' }));
    expectExact(new HuberLoss({ delta: 0.5, reduction: 'none' }).forward(x, y), huberLoss(x, y, { delta: 0.5, reduction: 'none' }));
    expectExact(new SmoothL1Loss({ beta: 0.3 }).forward(x, y), smoothL1Loss(x, y, { beta: 0.3 }));
    const w = f64([1, 2, 0.5]);
    expectExact(new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(x, t), crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 }));
    expectExact(new NLLLoss({ ignoreIndex: 2 }).forward(x, i32([0, 2, 2, 1])), nllLoss(x, i32([0, 2, 2, 1]), { ignoreIndex: 2 }));
    expectExact(new BCELoss({ weight: w }).forward(probs, labels), binaryCrossEntropy(probs, labels, { weight: w }));
    expectExact(new BCEWithLogitsLoss({ posWeight: w }).forward(x, labels), binaryCrossEntropyWithLogits(x, labels, { posWeight: w }));
  });

  it('have no parameters and show a non-default reduction', () => {
    expect(new CrossEntropyLoss({ weight: f64([1, 2, 3]) }).parameters()).toEqual([]);
    expect(String(new MSELoss())).toBe('MSELoss()');
    expect(String(new L1Loss({ reduction: 'sum' }))).toBe("L1Loss(reduction='sum')");
  });

  it('validate their options at construction, naming the class', () => {
    expectError(() => new MSELoss({ reduction: 'avg' as Reduction }), 'MSELoss', "'mean', 'sum' or 'none'", 'avg');
    expectError(() => new CrossEntropyLoss({ labelSmoothing: 1.5 }), 'CrossEntropyLoss', 'labelSmoothing', '1.5');
    expectError(() => new HuberLoss({ delta: 0 }), 'HuberLoss', 'delta', '> 0');
    expectError(() => new SmoothL1Loss({ beta: -1 }), 'SmoothL1Loss', 'beta');
    expectError(() => new NLLLoss({ ignoreIndex: 0.5 }), 'NLLLoss', 'ignoreIndex');
  });
});

describe('errors', () => {
  it('mismatched shapes and dtypes are refused (nothing is broadcast)', () => {
    expectError(() => mseLoss(zeros([2, 3]), zeros([3])), 'mseLoss', 'float32 [2, 3]', 'float32 [3]', 'nothing is broadcast');
    expectError(() => l1Loss(zeros([2, 3]), zeros([2, 3], { dtype: 'float64' })), 'l1Loss', 'float32 [2, 3]', 'float64 [2, 3]');
    expectError(() => huberLoss(zeros([4]), zeros([4, 1])), 'huberLoss', '[4, 1]');
    expectError(() => mseLoss(i32([1, 2]), i32([1, 2])), 'mseLoss', 'float', 'int32 [2]');
    expectError(() => binaryCrossEntropyWithLogits(zeros([2, 2]), zeros([2])), 'binaryCrossEntropyWithLogits', '[2, 2]', '[2]');
    expectError(() => binaryCrossEntropy(zeros([3]), zeros([1])), 'binaryCrossEntropy', '[3]', '[1]');
    expectError(() => mseLoss(zeros([2]), [1, 2] as unknown as Tensor), 'mseLoss', 'array');
  });

  it('crossEntropy: target shapes, dtypes and ranges', () => {
    const x = zeros([3, 4]);
    expectError(() => crossEntropy(x, i32([0, 1])), 'crossEntropy', '[3, 4]', 'shape [3]', 'got [2]');
    expectError(() => crossEntropy(x, i32([0, 4, 1])), 'crossEntropy', 'target 4', 'flat position 1', '4 classes');
    expectError(() => crossEntropy(x, i32([0, -1, 1])), 'crossEntropy', 'target -1', 'ignoreIndex -100');
    expectError(() => crossEntropy(x, tensor([0, 1, 2])), 'crossEntropy', 'float32 [3]', 'probabilities', '[3, 4]', 'int32');
    expectError(() => crossEntropy(x, zeros([3, 4], { dtype: 'float64' })), 'crossEntropy', 'float64 [3, 4]');
    expectError(() => crossEntropy(x, zeros([3, 4]), { ignoreIndex: 0 }), 'crossEntropy', 'ignoreIndex', 'probability targets');
    expectError(() => crossEntropy(x, i32([0, 1, 2]), { weight: zeros([3]) }), 'crossEntropy', 'weight', 'shape [4]', 'float32 [3]');
    expectError(() => crossEntropy(x, i32([0, 1, 2]), { weight: zeros([4], { dtype: 'float64' }) }), 'crossEntropy', 'weight', 'float64 [4]');
    expectError(() => crossEntropy(x, i32([0, 1, 2]), { labelSmoothing: -0.1 }), 'crossEntropy', 'labelSmoothing');
    expectError(() => crossEntropy(x, i32([0, 1, 2]), { reduction: 'avg' as Reduction }), 'crossEntropy', 'avg');
    expectError(() => crossEntropy(tensor(1), i32(0)), 'crossEntropy', 'class axis', 'scalar');
    expectError(() => crossEntropy(i32([[1, 2]]), i32([0])), 'crossEntropy', 'float', 'int32 [1, 2]');
  });

  it('nllLoss, binaryCrossEntropy and binaryCrossEntropyWithLogits options', () => {
    expectError(() => nllLoss(zeros([2, 3]), i32([3, 0])), 'nllLoss', 'target 3', '3 classes');
    expectError(() => nllLoss(zeros([2, 3]), zeros([2])), 'nllLoss', 'int32', 'float32 [2]');
    expectError(() => binaryCrossEntropy(f64([0.5, 1.5]), f64([0, 1])), 'binaryCrossEntropy', 'between 0 and 1', '1.5', 'flat position 1');
    expectError(() => binaryCrossEntropy(f64([0.5, Number.NaN]), f64([0, 1])), 'binaryCrossEntropy', 'NaN');
    expectError(() => binaryCrossEntropy(f64([0.5]), f64([0]), { weight: f64([1, 2]) }), 'binaryCrossEntropy', 'weight', 'broadcastable', '[1]', 'float64 [2]');
    expectError(() => binaryCrossEntropyWithLogits(zeros([2, 4]), zeros([2, 4]), { posWeight: zeros([3]) }), 'binaryCrossEntropyWithLogits', 'posWeight', '[2, 4]', 'float32 [3]');
    expectError(() => binaryCrossEntropyWithLogits(zeros([2, 4]), zeros([2, 4]), { weight: zeros([4], { dtype: 'float64' }) }), 'binaryCrossEntropyWithLogits', 'weight', 'float64 [4]');
  });
});

describe('gradcheck of every loss w.r.t. its input (float64, drawn shapes and values)', () => {
  const reduction = fc.constantFrom<Reduction>('mean', 'sum', 'none');
  const assertOk = (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], params: unknown) => {
    const report = gradcheck(fn, inputs);
    if (!report.ok) throw new Error(`${report.message}\n inputs: ${inputs.map((x) => `${x.dtype}${JSON.stringify(x.shape)}`).join(', ')}; params: ${JSON.stringify(params)}`);
  };
  /** Targets at least 0.15 from the input, away from l1's kink at d = 0 (huber and smooth L1 are C¹ at their knee). */
  const regressionCase = shape(1, 3).chain((s) => fc.tuple(float64(s), float64(s, 'nonzero'), reduction));

  it('mseLoss and l1Loss (w.r.t. input and target)', () => {
    fc.assert(fc.property(regressionCase, ([x, gap, r]) => {
      const y = add(x, gap);
      assertOk((a, b) => mseLoss(a!, b!, { reduction: r }), [x, y], { r });
      assertOk((a, b) => l1Loss(a!, b!, { reduction: r }), [x, y], { r });
    }), { numRuns: runs });
  });

  it('huberLoss and smoothL1Loss (w.r.t. input and target)', () => {
    fc.assert(fc.property(regressionCase, fc.constantFrom(0.5, 1, 3), ([x, gap, r], delta) => {
      const y = add(x, gap);
      assertOk((a, b) => huberLoss(a!, b!, { reduction: r, delta }), [x, y], { r, delta });
      assertOk((a, b) => smoothL1Loss(a!, b!, { reduction: r, beta: delta }), [x, y], { r, delta });
    }), { numRuns: runs });
  });

  /** [N, C], [N, C, d] or [C] logits with int32 targets (some ignored, never all). */
  const classCase = fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.constantFrom(0, 1, 2), reduction, fc.boolean(), fc.constantFrom(0, 0.1, 0.4))
    .chain(([n, c, layout, r, weighted, eps]) => {
      const xs = layout === 0 ? [n, c] : layout === 1 ? [n, c, 2] : [c];
      const ts = layout === 0 ? [n] : layout === 1 ? [n, 2] : [];
      return fc.tuple(
        float64(xs, { min: -3, max: 3 }),
        int32(ts, -1, c),
        weighted ? float64([c], 'positive') : fc.constant(null),
        fc.constant({ r, eps }),
      );
    })
    .map(([x, t, w, o]) => {
      // Ignore index -1 (drawn), but keep the first target counted so a mean is never 0/0.
      const data = Int32Array.from(t.data);
      if (data.length && data[0] === -1) data[0] = 0;
      return { x, t: tensor(data, { shape: [...t.shape] }), w, ...o };
    });

  it('crossEntropy with class indices (weights, ignoreIndex, labelSmoothing)', () => {
    fc.assert(fc.property(classCase, ({ x, t, w, r, eps }) => {
      const opts = { reduction: r, ignoreIndex: -1, labelSmoothing: eps, ...(w ? { weight: w } : {}) };
      assertOk((a) => crossEntropy(a!, t, opts), [x], { shape: x.shape, t: Array.from(t.data), r, eps, w: !!w });
    }), { numRuns: runs });
  });

  it('nllLoss (weights, ignoreIndex)', () => {
    fc.assert(fc.property(classCase, ({ x, t, w, r }) => {
      const opts = { reduction: r, ignoreIndex: -1, ...(w ? { weight: w } : {}) };
      assertOk((a) => nllLoss(a!, t, opts), [x], { shape: x.shape, r, w: !!w });
    }), { numRuns: runs });
  });

  it('crossEntropy with probability targets (w.r.t. logits and targets)', () => {
    const probCase = fc
      .tuple(shape(1, 3), reduction, fc.boolean(), fc.constantFrom(0, 0.2))
      .chain(([s, r, weighted, eps]) => {
        const c = s.length === 1 ? s[0]! : s[1]!;
        return fc.tuple(float64(s, { min: -3, max: 3 }), float64(s, { min: 0, max: 1 }), weighted ? float64([c], 'positive') : fc.constant(null), fc.constant({ r, eps }));
      });
    fc.assert(fc.property(probCase, ([x, p, w, { r, eps }]) => {
      const opts = { reduction: r, labelSmoothing: eps, ...(w ? { weight: w } : {}) };
      assertOk((a, b) => crossEntropy(a!, b!, opts), [x, p], { shape: x.shape, r, eps, w: !!w });
    }), { numRuns: runs });
  });

  it('binaryCrossEntropy (w.r.t. probabilities and targets)', () => {
    const bceCase = shape(1, 3).chain((s) => fc.tuple(float64(s, { min: 0.05, max: 0.95 }), float64(s, { min: 0, max: 1 }), reduction, fc.option(float64(s.slice(-1), 'positive'), { nil: undefined })));
    fc.assert(fc.property(bceCase, ([x, y, r, w]) => {
      assertOk((a, b) => binaryCrossEntropy(a!, b!, { reduction: r, ...(w ? { weight: w } : {}) }), [x, y], { r, w: !!w });
    }), { numRuns: runs });
  });

  it('binaryCrossEntropyWithLogits (w.r.t. logits and targets; weight, posWeight)', () => {
    const logitCase = shape(1, 3).chain((s) =>
      fc.tuple(
        float64(s, { min: -6, max: 6 }), float64(s, { min: 0, max: 1 }), reduction,
        fc.option(float64(s.slice(-1), 'positive'), { nil: undefined }), fc.option(float64(s.slice(-1), 'positive'), { nil: undefined }),
      ),
    );
    fc.assert(fc.property(logitCase, ([x, y, r, pw, w]) => {
      const opts = { reduction: r, ...(pw ? { posWeight: pw } : {}), ...(w ? { weight: w } : {}) };
      assertOk((a, b) => binaryCrossEntropyWithLogits(a!, b!, opts), [x, y], { r, pw: !!pw, w: !!w });
    }), { numRuns: runs });
  });

  it('l1Penalty and l2Penalty (w.r.t. every tensor)', () => {
    const penaltyCase = fc.array(shape(0, 2), { minLength: 1, maxLength: 3 }).chain((shapes) => fc.tuple(...shapes.map((s) => float64(s, 'nonzero'))));
    fc.assert(fc.property(penaltyCase, (ps) => {
      assertOk((...xs) => l1Penalty(xs), ps, { n: ps.length });
      assertOk((...xs) => l2Penalty(xs), ps, { n: ps.length });
    }), { numRuns: runs });
  });
});
