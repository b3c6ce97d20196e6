/**
 * Registry-driven property test: every differentiable primitive and composite, on shapes, values and
 * parameters drawn by fast-check, must agree with central finite differences in float64 (first order for
 * all, second order for elementwise, reduction and matmul ops). Replay a failure with FC_SEED=<seed>
 * (and FC_PATH=<path>) as printed by fast-check; FC_RUNS sets the number of cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';
import { primitives } from '../../autograd/ops/registry.js';
import { axesOf, emptyShape } from '../helpers/arbitraries.js';
import { type OpSpec, boundaries, composites, notDifferentiable, specs } from '../helpers/specs.js';

const runs = Number(process.env.FC_RUNS ?? 200);
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const path = process.env.FC_PATH;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path } : {}) });

function check(spec: OpSpec, second: boolean, finite = false): void {
  fc.assert(
    fc.property(spec.cases, (c) => {
      if (finite) {
        const gs = tg.grad((...xs: Tensor[]) => tg.sum(c.fn(...xs)), { argnums: c.inputs.map((_, i) => i) })(...c.inputs) as Tensor[];
        const bad = gs.findIndex((g) => !Array.from(g.data).every(Number.isFinite));
        if (bad >= 0) throw new Error(`the VJP of input ${bad} is not finite: [${Array.from(gs[bad]!.data).join(', ')}]\n params: ${JSON.stringify(c.params ?? null)}`);
      }
      const report = second ? tg.gradgradcheck(c.fn, c.inputs, { atol: 1e-5, rtol: 1e-3 }) : tg.gradcheck(c.fn, c.inputs);
      if (!report.ok) throw new Error(`${report.message}\n inputs: ${c.inputs.map((x) => `${x.dtype}${JSON.stringify(x.shape)}`).join(', ')}; params: ${JSON.stringify(c.params ?? null)}`);
    }),
    params(second ? Math.ceil(runs / 3) : runs),
  );
}

describe('every primitive has a spec', () => {
  it('the registry and the spec table list the same primitives, under their declared names', () => {
    expect(Object.keys(specs).sort()).toEqual(Object.keys(primitives).sort());
    for (const [name, prim] of Object.entries(primitives)) expect(prim.def.name).toBe(name);
  });
  it('every exported function is a checked op or listed as not differentiable', () => {
    const exported = Object.entries(tg).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    const missing = exported.filter((k) => !(k in specs) && !(k in composites) && !notDifferentiable.has(k));
    expect(missing).toEqual([]);
  });
});

describe('first-order gradients agree with finite differences (float64)', () => {
  for (const [name, spec] of Object.entries(specs)) it(`primitive ${name}`, () => check(spec, false));
  for (const [name, spec] of Object.entries(composites)) it(`composite ${name}`, () => check(spec, false));
});

describe('second-order gradients agree with finite differences (float64)', () => {
  for (const [name, spec] of Object.entries({ ...specs, ...Object.fromEntries(Object.entries(composites).map(([k, v]) => [`composite ${k}`, v])) }))
    if (spec.secondOrder) it(name, () => check(spec, true));
});

describe('boundary points: the VJP is finite and agrees with central differences (float64)', () => {
  for (const [name, spec] of Object.entries(boundaries)) {
    it(name, () => check(spec, false, true));
    if (spec.secondOrder) it(`${name} (second order)`, () => check(spec, true));
  }
});

describe('reductions over an empty axis give PyTorch\'s values', () => {
  // torch: zeros(2, 0).sum(1) = [0, 0], .mean(1) = [nan, nan], .logsumexp(1) = [-inf, -inf], .var(1) = .std(1) = [nan, nan],
  // linalg.vector_norm(zeros(2, 0), p, dim=1) = [0, 0] for every finite p
  const expected: [string, (t: Tensor, axis: number[] | undefined, keepdims: boolean) => Tensor, number][] = [
    ['sum', (t, a, k) => tg.sum(t, a, { keepdims: k }), 0],
    ['mean', (t, a, k) => tg.mean(t, a, { keepdims: k }), NaN],
    ['logsumexp', (t, a, k) => tg.logsumexp(t, a, { keepdims: k }), -Infinity],
    ['var', (t, a, k) => tg.variance(t, a, { keepdims: k }), NaN],
    ['std', (t, a, k) => tg.std(t, a, { keepdims: k }), NaN],
    ['norm 1', (t, a, k) => tg.norm(t, 1, a, { keepdims: k }), 0],
    ['norm 2', (t, a, k) => tg.norm(t, 2, a, { keepdims: k }), 0],
    ['norm 3', (t, a, k) => tg.norm(t, 3, a, { keepdims: k }), 0],
  ];
  for (const [name, f, value] of expected)
    it(name, () => {
      fc.assert(
        fc.property(emptyShape().chain((s) => fc.tuple(fc.constant(s), axesOf(s.length))), ([s, { axis, keepdims }]) => {
          const y = f(tg.zeros(s, { dtype: 'float64' }), axis, keepdims);
          const reduced = axis ?? s.map((_, i) => i);
          const kept = s.flatMap((d, i) => (reduced.includes(i) ? (keepdims ? [1] : []) : [d]));
          expect(y.shape).toEqual(kept);
          // Every output element reduces an empty slice when a reduced axis is empty; else there is none.
          if (y.size > 0) expect(Array.from(y.data).every((v) => Object.is(v, value) || (Number.isNaN(value) && Number.isNaN(v)))).toBe(true);
        }),
        params(runs),
      );
    });
});
