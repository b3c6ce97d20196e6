/**
 * Registry-driven property test: every differentiable primitive and composite, on shapes, values and
 * parameters drawn by fast-check, must agree with central finite differences in float64 (first order for
 * all, second order for elementwise, reduction and matmul ops). Replay a failure with FC_SEED=<seed>
 * (and FC_PATH=<path>) as printed by fast-check; FC_RUNS sets the number of cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { primitives } from '../../autograd/ops/registry.js';
import { type OpSpec, composites, notDifferentiable, specs } from '../helpers/specs.js';

const runs = Number(process.env.FC_RUNS ?? 200);
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const path = process.env.FC_PATH;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path } : {}) });

function check(spec: OpSpec, second: boolean): void {
  fc.assert(
    fc.property(spec.cases, (c) => {
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
