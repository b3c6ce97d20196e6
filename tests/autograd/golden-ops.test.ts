/**
 * PyTorch parity for every public differentiable op: each case of tests/fixtures/op-golden.json (made with
 * real PyTorch by tests/fixtures-src/make_op_fixtures.py) names a tapegrad function and its arguments. The
 * case is replayed through the public API in float64 and must reproduce PyTorch's forward output, the VJP of
 * a fixed cotangent (through `vjp`), and the gradient of <VJP, v> with respect to the inputs and the
 * cotangent (second order: through nested `grad` over `vjp`, and through `backward` with `createGraph`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { type DType, Tensor } from '../../index.js';

interface T64 {
  shape: number[];
  data: (number | string)[];
  dtype?: DType;
  grad?: boolean;
}
type Part = 'forward' | 'vjp' | 'second order';
interface Case {
  name: string;
  op: string;
  args: unknown[];
  note?: string;
  out: T64 | T64[];
  cotangent: T64 | T64[];
  grads: T64[];
  /** Absent when `noSecondOrder` says why PyTorch's second order is no reference for the case. */
  v?: T64[];
  grads2?: { inputs: T64[]; cotangent: T64 | T64[] };
  noSecondOrder?: string;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/op-golden.json', import.meta.url), 'utf8')) as { torch_version: string; cases: Case[] };
const RTOL = 1e-9;
const ATOL = 1e-9;

/**
 * Where tapegrad differs from PyTorch on purpose. Each is a second derivative at a point where the function
 * has none (a kink or a cusp): PyTorch returns NaN there, tapegrad mostly the finite value of its guarded
 * stable form, so one non-smooth point does not poison a whole Hessian-vector product (its own boundary tests,
 * ops.boundaries.test.ts, pin those values). For these parts an element that PyTorch gives as NaN has no
 * reference and is not compared; every other element must agree as usual.
 */
const POW00 = 'pow: second order at a = 0 (a^b has no second derivative there for b < 2): PyTorch NaN, tapegrad finite';
const NORM00 = 'norm: second order at an all-zero slice (the p-norm is not differentiable twice at 0): PyTorch NaN, tapegrad finite';
const STD00 = 'std: second order on a constant slice (sqrt at 0): PyTorch NaN, tapegrad finite';
const INTENDED: Record<string, { parts: Part[]; reason: string }> = {
  pow_zero_base: { parts: ['second order'], reason: POW00 },
  pow_zero_base_zero_exponent: { parts: ['second order'], reason: POW00 },
  norm_p1p5_zero_slice: { parts: ['second order'], reason: NORM00 },
  norm_p2_zero_slice: { parts: ['second order'], reason: NORM00 },
  norm_p3_zero_slice: { parts: ['second order'], reason: NORM00 },
  std_constant_slice: { parts: ['second order'], reason: STD00 },
  std_constant_all: { parts: ['second order'], reason: STD00 },
};

// ---- decoding -------------------------------------------------------------------------------------------

const isT64 = (v: unknown): v is T64 => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : (() => { throw new Error(`bad number ${v}`); })());

function decode(t: T64): Tensor {
  const dtype = t.dtype ?? 'float64';
  const data = t.data.map(num);
  return tg.tensor(dtype === 'int32' ? Int32Array.from(data) : dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), { shape: t.shape, dtype });
}

/** The differentiated tensors of the arguments, depth-first (the order of `grads`). */
function leavesOf(a: unknown, out: Tensor[] = []): Tensor[] {
  if (isT64(a)) {
    if (a.grad) out.push(decode(a));
  } else if (Array.isArray(a)) a.forEach((v) => leavesOf(v, out));
  else if (typeof a === 'object' && a !== null) Object.values(a).forEach((v) => leavesOf(v, out));
  return out;
}

/** The arguments with the differentiated tensors taken, in order, from `xs`. */
function instantiate(args: readonly unknown[], xs: readonly Tensor[]): unknown[] {
  let k = 0;
  const walk = (a: unknown): unknown => {
    if (isT64(a)) return a.grad ? xs[k++] : decode(a);
    if (Array.isArray(a)) return a.map(walk);
    if (typeof a === 'object' && a !== null) {
      if ('$undefined' in a) return undefined;
      if ('$number' in a) return num((a as { $number: string }).$number);
      return Object.fromEntries(Object.entries(a).map(([key, v]) => [key, walk(v)]));
    }
    return a;
  };
  return args.map(walk);
}

// ---- the ops --------------------------------------------------------------------------------------------

type OpFn = (...args: any[]) => Tensor | Tensor[];

/** Ops that are not plain functions of the public surface. */
const ADAPTERS: Record<string, OpFn> = {
  'nn.LayerNorm': (shape: number | number[], opts: tg.nn.LayerNormOptions, x: Tensor, params: Record<string, Tensor>) => {
    const m = new tg.nn.LayerNorm(shape, opts);
    return tg.nn.functionalCall(m, params, () => m.forward(x));
  },
};

function resolve(op: string): OpFn | undefined {
  if (op in ADAPTERS) return ADAPTERS[op];
  const [ns, name] = op.startsWith('nn.') ? [tg.nn as Record<string, unknown>, op.slice(3)] : [tg as Record<string, unknown>, op];
  const f = ns[name];
  return typeof f === 'function' ? (f as OpFn) : undefined;
}

/** Exports that are not differentiable ops: classes, creation, engine, masks, indices, I/O. */
const NOT_OPS = new Set([
  'TapegradError', 'Tensor', 'Generator', 'tensor', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'arange', 'linspace', 'eye',
  'rand', 'randn', 'uniform', 'randint', 'manualSeed', 'defaultGenerator', 'getBackend', 'setBackend', 'jsBackend', 'wasmBackend',
  'wasmAvailable', 'wasmRelaxedSimd', 'getNumThreads', 'setNumThreads', 'processorCount', 'wasmThreadsReady', 'defineOp', 'defineMultiOp',
  'noGrad', 'enableGrad', 'isGradEnabled', 'setDetectAnomaly', 'isAnomalyEnabled', 'backward', 'grad', 'valueAndGrad', 'vjp', 'gradcheck',
  'gradgradcheck', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isnan', 'isfinite', 'sign', 'argmax', 'argmin', 'detach',
  'serializeSafetensors', 'deserializeSafetensors', 'checkpointToBytes', 'checkpointFromBytes',
]);
/** nn functions that are not ops (they run modules or cells). */
const NN_NOT_OPS = new Set(['functionalCall', 'cellForward', 'rnnInit', 'runRecurrent']);

// ---- comparison -----------------------------------------------------------------------------------------

/** Set while replaying a part listed in INTENDED: an element PyTorch gives as NaN is then not compared. */
let skipTorchNaN = false;

function expectClose(what: string, got: Tensor, want: T64): void {
  expect(got, what).toBeInstanceOf(Tensor);
  expect([...got.shape], `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype ?? 'float64');
  for (let i = 0; i < want.data.length; i++) {
    const e = num(want.data[i]!);
    const a = got.data[i]!;
    const ok = Number.isNaN(e) ? (skipTorchNaN || Number.isNaN(a)) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
    if (!ok) expect.fail(`${what}: element ${i} (of ${want.data.length}) is ${a}, PyTorch has ${e}`);
  }
}

function expectTree(what: string, got: Tensor | Tensor[], want: T64 | T64[]): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got), `${what}: a list of tensors`).toBe(true);
    expect((got as Tensor[]).length, `${what}: number of tensors`).toBe(want.length);
    want.forEach((w, i) => expectClose(`${what}[${i}]`, (got as Tensor[])[i]!, w));
  } else expectClose(what, got as Tensor, want);
}

const treeOf = (t: T64 | T64[]): Tensor | Tensor[] => (Array.isArray(t) ? t.map(decode) : decode(t));
const flat = (t: Tensor | Tensor[]): Tensor[] => (Array.isArray(t) ? t : [t]);
const dot = (gs: readonly Tensor[], vs: readonly Tensor[]): Tensor => gs.map((g, i) => tg.sum(tg.mul(g, vs[i]!))).reduce((a, b) => tg.add(a, b));

// ---- replay ---------------------------------------------------------------------------------------------

function replay(c: Case, part: Part): void {
  const fn = resolve(c.op);
  if (!fn) throw new Error(`${c.name}: no tapegrad function for op '${c.op}'`);
  const f = (...xs: Tensor[]) => fn(...instantiate(c.args, xs));
  const leaves = leavesOf(c.args);
  expect(leaves.length, 'number of differentiated inputs').toBe(c.grads.length);
  const us = treeOf(c.cotangent);
  const vs = (c.v ?? []).map(decode);
  if (part === 'forward') return expectTree('output', f(...leaves), c.out);
  if (part === 'vjp') {
    const [y, pullback] = tg.vjp(f, ...leaves);
    expectTree('output (under vjp)', y, c.out);
    const gs = pullback(us as never) as Tensor[];
    c.grads.forEach((g, i) => expectClose(`VJP w.r.t. differentiated input ${i}`, gs[i]!, g));
    return;
  }
  const n = leaves.length;
  const uList = flat(us);
  const want = c.grads2!;
  const wantU = want.cotangent;

  // (1) functional: grad over a function that calls vjp.
  const outer = (...all: Tensor[]) => {
    const [, pullback] = tg.vjp(f, ...all.slice(0, n));
    const u = all.slice(n);
    return dot(pullback((Array.isArray(us) ? u : u[0]!) as never) as Tensor[], vs);
  };
  const h = tg.grad(outer, { argnums: Array.from({ length: n + uList.length }, (_, i) => i) })(...leaves, ...uList) as Tensor[];
  want.inputs.forEach((g, i) => expectClose(`grad of <VJP, v> w.r.t. input ${i} (grad over vjp)`, h[i]!, g));
  expectTree('grad of <VJP, v> w.r.t. the cotangent (grad over vjp)', Array.isArray(us) ? h.slice(n) : h[n]!, wantU);

  // (2) imperative: backward with createGraph, then backward through the recorded gradients.
  const xs = leaves.map((x) => decode({ shape: [...x.shape], data: Array.from(x.data) }));
  const ul = uList.map((u) => decode({ shape: [...u.shape], data: Array.from(u.data), dtype: u.dtype }));
  for (const t of [...xs, ...ul]) t.requiresGrad = true;
  const root = dot(flat(f(...xs)), ul);
  if (!root.requiresGrad) throw new Error('the output does not depend on the differentiated inputs');
  tg.backward(root, undefined, { createGraph: true });
  const g1 = xs.map((x) => x.grad ?? tg.zerosLike(x));
  for (const t of [...xs, ...ul]) t.grad = null;
  const s = dot(g1, vs);
  if (s.requiresGrad) tg.backward(s);
  want.inputs.forEach((g, i) => expectClose(`grad of <VJP, v> w.r.t. input ${i} (backward, createGraph)`, xs[i]!.grad ?? tg.zerosLike(xs[i]!), g));
  const hu = ul.map((u) => u.grad ?? tg.zerosLike(u));
  expectTree('grad of <VJP, v> w.r.t. the cotangent (backward, createGraph)', Array.isArray(us) ? hu : hu[0]!, wantU);
}

/** Replays one part, naming the case, its op and the part in any failure. */
function named(c: Case, part: Part): void {
  skipTorchNaN = INTENDED[c.name]?.parts.includes(part) ?? false;
  try {
    replay(c, part);
  } catch (e) {
    if (e instanceof Error) e.message = `${c.name} (${c.op}), ${part}: ${e.message}`;
    throw e;
  } finally {
    skipTorchNaN = false;
  }
}

describe(`PyTorch op fixtures (torch ${fixtures.torch_version}, float64, rtol ${RTOL} + atol ${ATOL})`, () => {
  it('has the fixtures, with unique names, each for a tapegrad function', () => {
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(300);
    const names = fixtures.cases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(fixtures.cases.filter((c) => !resolve(c.op)).map((c) => `${c.name}: ${c.op}`)).toEqual([]);
  });

  it('every public differentiable op (and every nn loss) has at least one case', () => {
    const covered = new Set(fixtures.cases.map((c) => resolve(c.op)));
    const top = Object.entries(tg).filter(([k, v]) => typeof v === 'function' && !NOT_OPS.has(k)).map(([k, v]) => [k, v] as const);
    const nnFns = Object.entries(tg.nn).filter(([k, v]) => typeof v === 'function' && /^[a-z]/.test(k) && !NN_NOT_OPS.has(k)).map(([k, v]) => [`nn.${k}`, v] as const);
    const missing = [...top, ...nnFns, ['nn.LayerNorm', ADAPTERS['nn.LayerNorm']] as const].filter(([, v]) => !covered.has(v as OpFn)).map(([k]) => k);
    expect(missing, 'ops without a PyTorch fixture: add cases to tests/fixtures-src/make_op_fixtures.py').toEqual([]);
  });

  it('INTENDED names existing cases only, each with a NaN in PyTorch\'s value of a listed part', () => {
    const byName = new Map(fixtures.cases.map((c) => [c.name, c]));
    expect(Object.keys(INTENDED).filter((k) => !byName.has(k))).toEqual([]);
    const hasNaN = (t: T64 | T64[] | undefined): boolean => (Array.isArray(t) ? t.some(hasNaN) : !!t && t.data.some((v) => v === 'NaN'));
    for (const [name, { parts }] of Object.entries(INTENDED)) {
      const c = byName.get(name)!;
      for (const part of parts) {
        const want = part === 'forward' ? c.out : part === 'vjp' ? c.grads : [...(c.grads2?.inputs ?? []), ...[c.grads2?.cotangent ?? []].flat()];
        expect(hasNaN(want), `${name}, ${part}: PyTorch gives no NaN there, so it must simply agree`).toBe(true);
      }
    }
  });

  for (const c of fixtures.cases) {
    describe(c.name, () => {
      for (const part of ['forward', 'vjp', 'second order'] as const) {
        const intended = INTENDED[c.name]?.parts.includes(part) ? ` (differs on purpose: ${INTENDED[c.name]!.reason})` : '';
        if (part === 'second order' && c.noSecondOrder) it.skip(`second order (no PyTorch reference: ${c.noSecondOrder})`, () => {});
        else it(`${part}${intended}`, () => named(c, part));
      }
    });
  }
});
