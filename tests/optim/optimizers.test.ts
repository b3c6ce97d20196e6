/**
 * Optimizers against PyTorch 1.13 (fixtures made with real PyTorch by
 * tests/fixtures-src/make_optim_fixtures.py): the same gradients in, the same parameters out, to 1e-12
 * in float64 over 10 steps; plus closed forms, immutability of snapshots, purity, convergence, clipping.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Tensor, TapegradError, optim, tensor } from '../../index.js';

interface T64 {
  shape: number[];
  data: number[];
}
interface OptCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  params0: T64[];
  steps: { grads: T64[]; params: T64[] }[];
  groups?: ({ params: number[] } & Record<string, unknown>)[];
  lrChanges?: { afterStep: number; group: number; lr: number }[];
  stateDict?: { state: Record<string, Record<string, T64 | number>>; param_groups: Record<string, unknown>[] };
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim-golden.json', import.meta.url), 'utf8')) as { optimizers: OptCase[] };
const T = (t: T64, requiresGrad = false): Tensor => tensor(new Float64Array(t.data), { shape: t.shape, requiresGrad });
const classes = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad };
const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function build(c: OptCase, params: Tensor[]): optim.Optimizer<object, object> {
  const Cls = classes[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<object, object>;
  const groups = c.groups?.map(({ params: idx, ...hp }) => ({ params: idx.map((i) => params[i]!), ...hp }));
  return new Cls(groups ?? params, c.options);
}

describe('PyTorch parity: 10 steps in float64 to 1e-12', () => {
  it('has the fixtures', () => expect(fixtures.optimizers.length).toBeGreaterThanOrEqual(18));
  for (const c of fixtures.optimizers)
    it(c.name, () => {
      const params = c.params0.map((p) => T(p, true));
      const opt = build(c, params);
      c.steps.forEach((s, k) => {
        params.forEach((p, i) => (p.grad = T(s.grads[i]!)));
        opt.step();
        params.forEach((p, i) => expect(maxDiff(p.data, s.params[i]!.data), `step ${k + 1}, parameter ${i}`).toBeLessThan(1e-12));
        for (const ch of c.lrChanges ?? []) if (ch.afterStep === k + 1) opt.setHyperparameters({ lr: ch.lr }, ch.group);
      });
      if (c.stateDict) {
        const mine = opt.stateDict();
        for (const [i, st] of Object.entries(c.stateDict.state)) {
          const ours = mine.state[i] as Record<string, unknown>;
          for (const [k, v] of Object.entries(st)) {
            const o = ours[camel(k)];
            if (typeof v === 'number') expect(o, `${k} of ${i}`).toBe(v);
            else expect(maxDiff((o as Tensor).data, v.data), `${k} of ${i}`).toBeLessThan(1e-12);
          }
        }
        expect(mine.paramGroups.map((g) => g.params)).toEqual(c.stateDict.param_groups.map((g) => g.params));
      }
    });
});

describe('optimizer semantics', () => {
  const quad = () => tensor([3, -2, 0.5], { dtype: 'float64', requiresGrad: true });
  const setGrad = (p: Tensor) => (p.grad = tensor(Array.from(p.data, (v) => 2 * v), { dtype: 'float64' })); // d/dp sum(p^2)

  it("Adam's first step is -lr * g / (|g| + eps*sqrt(1-b2)) after bias correction (closed form)", () => {
    const p = quad();
    const before = Array.from(p.data);
    const opt = new optim.Adam([p], { lr: 0.1 });
    setGrad(p);
    opt.step();
    before.forEach((v, i) => {
      const g = 2 * v;
      expect(p.data[i]).toBeCloseTo(v - (0.1 * g) / (Math.abs(g) + 1e-8), 12);
    });
  });

  it('a snapshot from stateDict never changes when the optimizer steps, and is frozen', () => {
    const p = quad();
    const opt = new optim.Adam([p], { lr: 0.1 });
    setGrad(p);
    opt.step();
    const snap = opt.stateDict();
    const saved = JSON.stringify(snap, (_, v) => (v instanceof Object && 'data' in v && 'shape' in v ? Array.from(v.data as Float64Array) : v));
    setGrad(p);
    opt.step();
    opt.setHyperparameters({ lr: 0.5 });
    expect(JSON.stringify(snap, (_, v) => (v instanceof Object && 'data' in v && 'shape' in v ? Array.from(v.data as Float64Array) : v))).toBe(saved);
    expect(Object.isFrozen(snap)).toBe(true);
    expect(Object.isFrozen(snap.paramGroups[0])).toBe(true);
    expect(opt.stateDict()).not.toBe(snap);
    expect(opt.lrs).toEqual([0.5]);
  });

  it('loadStateDict resumes exactly: a restored optimizer continues as the original', () => {
    const a = quad();
    const b = quad();
    const oa = new optim.RMSprop([a], { lr: 0.05, momentum: 0.9, centered: true });
    const ob = new optim.RMSprop([b], { lr: 0.05, momentum: 0.9, centered: true });
    for (let k = 0; k < 3; k++) {
      setGrad(a);
      oa.step();
    }
    b.data.set(a.data);
    ob.loadStateDict(oa.stateDict());
    for (let k = 0; k < 3; k++) {
      setGrad(a);
      oa.step();
      setGrad(b);
      ob.step();
    }
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('every optimizer converges on a quadratic', () => {
    const make = (p: Tensor[]) => [
      new optim.SGD(p, { lr: 0.1, momentum: 0.5 }), new optim.Adam(p, { lr: 0.1 }), new optim.AdamW(p, { lr: 0.1 }),
      new optim.RMSprop(p, { lr: 0.01 }), new optim.Adagrad(p, { lr: 0.5 }),
    ];
    for (let k = 0; k < 5; k++) {
      const p = quad();
      const opt = make([p])[k]!;
      for (let s = 0; s < 500; s++) {
        setGrad(p);
        opt.step();
      }
      expect(Math.max(...Array.from(p.data, Math.abs)), opt.rule.name).toBeLessThan(0.05);
    }
  });

  it('skips parameters without a gradient and the pure API changes nothing in place', () => {
    const a = quad();
    const b = quad();
    const opt = new optim.SGD([a, b], { lr: 0.1 });
    setGrad(a);
    opt.step();
    expect(Array.from(b.data)).toEqual([3, -2, 0.5]);
    const tx = optim.adam({ lr: 0.1 });
    const params = [quad()];
    const grads = [tensor([1, 1, 1], { dtype: 'float64' })];
    const s0 = tx.init(params);
    const [u, s1] = tx.update(grads, s0, params);
    expect(Array.from(params[0]!.data)).toEqual([3, -2, 0.5]);
    expect(s0[0]!.step).toBe(0);
    expect(s1[0]!.step).toBe(1);
    const next = optim.applyUpdates(params, u);
    next[0]!.data.forEach((v, i) => expect(v).toBeCloseTo([3, -2, 0.5][i]! - 0.1 / (1 + 1e-8), 12));
  });

  it('bad hyper-parameters and mismatched states are refused with the optimizer named', () => {
    const p = quad();
    expect(() => new optim.Adam([p], { lr: -1 })).toThrow(/Adam: lr must be a finite number >= 0, got -1/);
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).toThrow(/betas must be two numbers in \[0, 1\)/);
    expect(() => new optim.SGD([p], { nesterov: true })).toThrow(/nesterov momentum requires momentum > 0/);
    expect(() => new optim.SGD([])).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([p, p])).toThrow(/more than once/);
    const opt = new optim.Adam([p]);
    p.grad = tensor([1, 2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(/Adam.step: the gradient of parameter 0 is float64 \[2\], the parameter is float64 \[3\]/);
    const other = new optim.Adam([tensor([1, 2], { dtype: 'float64', requiresGrad: true })]);
    other.params[0]!.grad = tensor([1, 1], { dtype: 'float64' });
    other.step();
    expect(() => opt.loadStateDict(other.stateDict() as never)).toThrow(/state 'expAvg' of parameter 0 is float64 \[2\], the parameter is float64 \[3\]/);
    expect(() => opt.setHyperparameters({ lr: 1 }, 3)).toThrow(TapegradError);
  });
});

describe('clipping', () => {
  const withGrads = (...gs: number[][]) =>
    gs.map((g) => {
      const p = tensor(g.map(() => 0), { dtype: 'float64', requiresGrad: true });
      p.grad = tensor(g, { dtype: 'float64' });
      return p;
    });

  it('clipGradNorm returns the total 2-norm and rescales to maxNorm', () => {
    const ps = withGrads([3, 4], [12]);
    expect(optim.clipGradNorm(ps, 6.5)).toBeCloseTo(13, 12);
    const after = Math.hypot(...ps.flatMap((p) => Array.from(p.grad!.data)));
    expect(after).toBeCloseTo(6.5, 5);
    expect(ps[0]!.grad!.data[0]! / ps[0]!.grad!.data[1]!).toBeCloseTo(0.75, 12);
  });

  it('below maxNorm gradients are unchanged; the inf-norm is the largest magnitude', () => {
    const ps = withGrads([0.1, -0.2]);
    expect(optim.clipGradNorm(ps, 10)).toBeCloseTo(Math.hypot(0.1, 0.2), 12);
    expect(Array.from(ps[0]!.grad!.data)).toEqual([0.1, -0.2]);
    expect(optim.clipGradNorm(withGrads([1, -7], [3]), 1, { normType: Infinity })).toBe(7);
  });

  it('errorIfNonfinite: a NaN gradient throws and leaves every gradient as it was', () => {
    const ps = withGrads([1, Number.NaN], [5]);
    expect(() => optim.clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is NaN/);
    expect(Array.from(ps[1]!.grad!.data)).toEqual([5]);
  });

  it('clipGradValue clamps each element', () => {
    const ps = withGrads([-3, 0.2, 9]);
    optim.clipGradValue(ps, 1);
    expect(Array.from(ps[0]!.grad!.data)).toEqual([-1, 0.2, 1]);
  });
});
