/**
 * One gradient-check spec per differentiable primitive (typed against the registry: a primitive without
 * a spec does not compile) and per differentiable composite of the public surface.
 */
import fc from 'fast-check';
import * as tg from '../../index.js';
import type { PrimitiveName, Tensor } from '../../index.js';
import { primitives } from '../../autograd/ops/registry.js';
import {
  type Domain, axesOf, broadcastPair, emptyShape, float64, float64WithZeros, int32, permutation, shape, slicesOf, unitShape,
} from './arbitraries.js';

/** One drawn case: float64 inputs (int32 ones are constants) and the function that applies the op. */
export interface Case {
  inputs: Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
  /** Parameters drawn alongside, shown when a case fails. */
  params?: unknown;
}

export interface OpSpec {
  cases: fc.Arbitrary<Case>;
  /** Also run gradgradcheck (elementwise, reduction and matmul ops). */
  secondOrder?: boolean;
}

const P = primitives;

const unary = (f: (x: Tensor) => Tensor, domain: Domain = 'real'): OpSpec => ({
  cases: shape().chain((s) => float64(s, domain)).map((x) => ({ inputs: [x], fn: f })),
  secondOrder: true,
});

const binary = (f: (a: Tensor, b: Tensor) => Tensor, da: Domain = 'real', db: Domain = 'real'): OpSpec => ({
  cases: broadcastPair()
    .chain(([sa, sb]) => fc.tuple(float64(sa, da), float64(sb, db)))
    .map(([a, b]) => ({ inputs: [a, b], fn: f })),
  secondOrder: true,
});

/** Pairs whose elements never tie: fractional parts in disjoint bands. */
const separated = (f: (a: Tensor, b: Tensor) => Tensor): OpSpec => ({
  cases: broadcastPair()
    .chain(([sa, sb]) => fc.tuple(float64(sa, { min: 0.25, max: 0.45 }), float64(sb, { min: 0.75, max: 0.95 }), fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 1, maxLength: 1 })))
    .map(([a, b, [k]]) => ({ inputs: [tg.add(a, k!), b], fn: f })),
  secondOrder: true,
});

const reduction = (f: (x: Tensor, axis: number[] | undefined, keepdims: boolean) => Tensor, domain: Domain = 'real', minRank = 0): OpSpec => ({
  cases: shape(minRank)
    .chain((s) => fc.tuple(float64(s, domain), axesOf(s.length)))
    .map(([x, { axis, keepdims }]) => ({ inputs: [x], fn: (t: Tensor) => f(t, axis, keepdims), params: { axis, keepdims } })),
  secondOrder: true,
});

const reduceParams = (x: Tensor, axis: number[] | undefined, keepdims: boolean) => ({
  axes: axis ? [...axis].sort() : x.shape.map((_, i) => i),
  keepdims,
});

/** Python-style slice geometry for a shape: per axis start, step, length. */
const sliceGeometry = (s: number[]) =>
  fc.tuple(...s.map((n) =>
    fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom(-2, -1, 1, 2), fc.integer({ min: 1, max: n })).map(([start, step, len]) => {
      const room = step > 0 ? Math.floor((n - 1 - start) / step) + 1 : Math.floor(start / -step) + 1;
      return { start, step, len: Math.min(len, room) };
    }),
  ));

/** Values in [min, max] plus an integer in -2..2 per element: fractional parts in a band. */
const banded = (s: number[], min: number, max: number): fc.Arbitrary<Tensor> =>
  fc.tuple(float64(s, { min, max }), int32(s, -2, 3)).map(([f, k]) => tg.add(f, tg.cast(k, 'float64')));

export const specs: { [K in PrimitiveName]: OpSpec } = {
  add: binary(tg.add),
  sub: binary(tg.sub),
  mul: binary(tg.mul),
  div: binary(tg.div, 'real', 'nonzero'),
  neg: unary(tg.neg),
  pow: {
    cases: fc.oneof(
      binary(tg.pow, 'positive', 'real').cases,
      fc.tuple(shape().chain((s) => float64(s, 'real')), fc.constantFrom(2, 3, -1, 0.5)).map(([x, e]) => ({
        inputs: [e === 2 || e === 3 ? x : tg.add(tg.abs(x), 0.3)],
        fn: (t: Tensor) => tg.pow(t, e),
        params: { exponent: e },
      })),
    ),
    secondOrder: true,
  },
  maximum: separated(tg.maximum),
  minimum: separated(tg.minimum),
  where: {
    cases: broadcastPair()
      .chain(([sa, sb]) => fc.tuple(int32(sa, 0, 2), float64(sa), float64(sb)))
      .map(([c, a, b]) => ({ inputs: [c, a, b], fn: (cc: Tensor, x: Tensor, y: Tensor) => tg.where(cc, x, y) })),
    secondOrder: true,
  },
  exp: unary(tg.exp),
  log: unary(tg.log, 'positive'),
  log1p: unary(tg.log1p, { min: -0.8, max: 3 }),
  sqrt: unary(tg.sqrt, 'positive'),
  abs: unary(tg.abs, 'nonzero'),
  sin: unary(tg.sin),
  cos: unary(tg.cos),
  tanh: unary(tg.tanh),
  sigmoid: unary(tg.sigmoid, { min: -6, max: 6 }),
  // The VJPs of tanh and sigmoid as primitives: g and an output y in (-1, 1) or (0, 1), same shape.
  tanhBackward: {
    cases: shape().chain((s) => fc.tuple(float64(s), float64(s, { min: -0.95, max: 0.95 })))
      .map(([g, y]) => ({ inputs: [g, y], fn: (a: Tensor, b: Tensor) => P.tanhBackward([a, b]) })),
    secondOrder: true,
  },
  sigmoidBackward: {
    cases: shape().chain((s) => fc.tuple(float64(s), float64(s, { min: 0.05, max: 0.95 })))
      .map(([g, y]) => ({ inputs: [g, y], fn: (a: Tensor, b: Tensor) => P.sigmoidBackward([a, b]) })),
    secondOrder: true,
  },
  relu: unary(tg.relu, 'nonzero'),
  softplus: unary(tg.softplus, { min: -6, max: 6 }),
  clamp: {
    // Bounds at ±0.5; values kept 0.05 away from them (the kinks are pinned in ops.values.test.ts).
    cases: shape()
      .chain((s) => float64(s, 'real'))
      .map((x) => ({ inputs: [tg.where(tg.lt(tg.abs(tg.sub(tg.abs(x), 0.5)), 0.05), tg.add(x, 0.12), x)], fn: (t: Tensor) => tg.clamp(t, -0.5, 0.5) })),
    secondOrder: true,
  },
  clampTensor: {
    // x, min and max in disjoint bands (fractional parts .25-.45, .55-.65, .8-.95 plus integers), so no
    // finite-difference step crosses a kink (x = min, x = max, min = max); bounds may cross (max < min).
    cases: broadcastPair()
      .chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb), fc.constantFrom(sa, sb, [])))
      .chain(([sa, sb, sc]) => fc.tuple(banded(sa, 0.25, 0.45), banded(sb, 0.55, 0.65), banded(sc, 0.8, 0.95)))
      .map(([x, lo, hi]) => ({ inputs: [x, lo, hi], fn: (a: Tensor, b: Tensor, c: Tensor) => tg.clamp(a, b, c) })),
    secondOrder: true,
  },
  sum: reduction((x, axis, keepdims) => tg.sum(x, axis, { keepdims })),
  max: reduction((x, axis, keepdims) => tg.max(x, axis, { keepdims }), 'distinct'),
  min: reduction((x, axis, keepdims) => tg.min(x, axis, { keepdims }), 'distinct'),
  logsumexp: reduction((x, axis, keepdims) => tg.logsumexp(x, axis, { keepdims })),
  norm: reduction((x, axis, keepdims) => P.norm([x], reduceParams(x, axis, keepdims)), 'nonzero'),
  matmul: {
    // All four transpose variants of the primitive, with broadcast batch axes.
    cases: fc
      .tuple(broadcastPair(2, 3), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.boolean())
      .chain(([[ba, bb], m, k, n, transA, transB]) =>
        fc.tuple(float64([...ba, ...(transA ? [k, m] : [m, k])]), float64([...bb, ...(transB ? [n, k] : [k, n])])).map(([a, b]) => ({
          inputs: [a, b],
          fn: (x: Tensor, y: Tensor) => P.matmul([x, y], { transA, transB }),
          params: { transA, transB },
        })),
      ),
    secondOrder: true,
  },
  linear: {
    // The primitive on 2-D inputs, with and without bias (the public function's N-D reshapes are in composites).
    // The bias is absent, a row [O] or a whole [N, O] addend.
    cases: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('none', 'row', 'full'))
      .chain(([n, i, o, bias]) => fc.tuple(float64([n, i]), float64([o, i]), bias === 'none' ? fc.constant(null) : float64(bias === 'row' ? [o] : [n, o])))
      .map(([x, w, b]) => ({ inputs: b ? [x, w, b] : [x, w], fn: (xx: Tensor, ww: Tensor, bb?: Tensor) => P.linear(bb ? [xx, ww, bb] : [xx, ww]) })),
    secondOrder: true,
  },
  reshape: {
    cases: shape().chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.reshape(t, [...t.shape].reverse()) })),
  },
  permute: {
    cases: shape(1).chain((s) => fc.tuple(float64(s), permutation(s.length))).map(([x, axes]) => ({ inputs: [x], fn: (t: Tensor) => tg.permute(t, axes), params: { axes } })),
  },
  expand: {
    cases: broadcastPair().map(([a, b]) => [a, tg.zeros(a).add(tg.zeros(b)).shape.slice()] as const)
      .chain(([a, target]) => float64(a).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.broadcastTo(t, target), params: { target } }))),
  },
  slice: {
    cases: shape(1).chain((s) => fc.tuple(float64(s), sliceGeometry(s))).map(([x, geo]) => ({
      inputs: [x],
      fn: (t: Tensor) => P.slice([t], { starts: geo.map((g) => g.start), steps: geo.map((g) => g.step), shape: geo.map((g) => g.len) }),
      params: geo,
    })),
  },
  unslice: {
    cases: shape(1).chain((s) => fc.tuple(fc.constant(s), sliceGeometry(s))).chain(([s, geo]) =>
      float64(geo.map((g) => g.len)).map((src) => ({
        inputs: [src],
        fn: (t: Tensor) => P.unslice([t], { starts: geo.map((g) => g.start), steps: geo.map((g) => g.step), shape: s }),
        params: { shape: s, geo },
      })),
    ),
  },
  concat: {
    cases: shape(1)
      .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })))
      .chain(([s, axis, sizes]) =>
        fc.tuple(...sizes.map((n) => float64(s.map((d, i) => (i === axis ? n : d))))).map((xs) => ({ inputs: xs, fn: (...ts: Tensor[]) => tg.concat(ts, axis), params: { axis } })),
      ),
  },
  split: {
    // Random section sizes; only some pieces are used, so the VJP sees null cotangents too.
    cases: shape(1)
      .chain((s) => fc.tuple(float64(s), fc.integer({ min: 0, max: s.length - 1 })))
      .chain(([x, axis]) => fc.tuple(fc.constant(x), fc.constant(axis), fc.array(fc.boolean(), { minLength: x.shape[axis]!, maxLength: x.shape[axis]! })))
      .map(([x, axis, cuts]) => {
        const sizes: number[] = [];
        cuts.forEach((cut, i) => (i === 0 || cut ? sizes.push(1) : sizes[sizes.length - 1]!++));
        return {
          inputs: [x],
          fn: (t: Tensor) => tg.concat(tg.split(t, sizes, axis).flatMap((p, i) => (i % 2 === 0 ? [tg.mul(p, i + 1)] : [])), axis),
          params: { axis, sizes },
        };
      }),
  },
  unbind: {
    cases: shape(1)
      .chain((s) => fc.tuple(float64(s), fc.integer({ min: 0, max: s.length - 1 })))
      .map(([x, axis]) => ({
        inputs: [x],
        fn: (t: Tensor) => tg.stack(tg.unbind(t, axis).filter((_, i) => i !== 1).map((p, i) => tg.mul(p, i + 2)), 0),
        params: { axis },
      })),
  },
  indexSelect: {
    cases: shape(1)
      .chain((s) => fc.tuple(float64(s), fc.integer({ min: 0, max: s.length - 1 })))
      .chain(([x, axis]) => fc.tuple(fc.constant(x), fc.constant(axis), fc.integer({ min: 1, max: 5 }).chain((k) => int32([k], 0, x.shape[axis]!))))
      .map(([x, axis, idx]) => ({ inputs: [x, idx], fn: (t: Tensor, i: Tensor) => tg.indexSelect(t, axis, i), params: { axis } })),
  },
  indexAdd: {
    cases: shape(1)
      .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 5 })))
      .chain(([s, axis, k]) => fc.tuple(float64(s.map((d, i) => (i === axis ? k : d))), int32([k], 0, s[axis]!)).map(([src, idx]) => ({
        inputs: [src, idx],
        fn: (t: Tensor, i: Tensor) => P.indexAdd([t, i], { axis, shape: s }),
        params: { axis, shape: s },
      }))),
  },
  gather: {
    cases: shape(1)
      .chain((s) => fc.tuple(float64(s), fc.integer({ min: 0, max: s.length - 1 })))
      .chain(([x, axis]) =>
        fc.tuple(...x.shape.map((d, i) => fc.integer({ min: 1, max: i === axis ? 4 : d }))).chain((is) =>
          int32(is, 0, x.shape[axis]!).map((idx) => ({ inputs: [x, idx], fn: (t: Tensor, i: Tensor) => tg.gather(t, axis, i), params: { axis } })),
        ),
      ),
  },
  scatterAdd: {
    cases: shape(1)
      .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 })))
      .chain(([s, axis]) =>
        fc.tuple(...s.map((d, i) => fc.integer({ min: 1, max: i === axis ? 4 : d }))).chain((is) =>
          fc.tuple(float64(is), int32(is, 0, s[axis]!)).map(([src, idx]) => ({
            inputs: [src, idx],
            fn: (t: Tensor, i: Tensor) => P.scatterAdd([t, i], { axis, shape: s }),
            params: { axis, shape: s },
          })),
        ),
      ),
  },
  cast: { cases: shape().chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.cast(t, 'float64') })) },
  softmax: {
    cases: shape(1).chain((s) => fc.tuple(float64(s, { min: -3, max: 3 }), fc.integer({ min: -s.length, max: s.length - 1 })))
      .map(([x, axis]) => ({ inputs: [x], fn: (t: Tensor) => tg.softmax(t, axis), params: { axis } })),
    secondOrder: true,
  },
  logSoftmax: {
    cases: shape(1).chain((s) => fc.tuple(float64(s, { min: -3, max: 3 }), fc.integer({ min: -s.length, max: s.length - 1 })))
      .map(([x, axis]) => ({ inputs: [x], fn: (t: Tensor) => tg.logSoftmax(t, axis), params: { axis } })),
    secondOrder: true,
  },
};

/** Differentiable functions of the public surface that are compositions of primitives. */
export const composites: Record<string, OpSpec> = {
  mean: reduction((x, axis, keepdims) => tg.mean(x, axis, { keepdims })),
  variance: {
    cases: shape(1, 3).chain((s) => fc.tuple(float64(s), fc.integer({ min: 0, max: s.length - 1 }), fc.constantFrom(0, 1)))
      .filter(([x, axis, c]) => x.shape[axis]! > c)
      .map(([x, axis, correction]) => ({ inputs: [x], fn: (t: Tensor) => tg.variance(t, axis, { correction }), params: { axis, correction } })),
    secondOrder: true,
  },
  std: {
    cases: shape(1, 3).chain((s) => fc.tuple(float64(s, 'distinct'), fc.integer({ min: 0, max: s.length - 1 })))
      .filter(([x, axis]) => x.shape[axis]! > 1)
      .map(([x, axis]) => ({ inputs: [x], fn: (t: Tensor) => tg.std(t, axis), params: { axis } })),
  },
  norm: {
    // For p = Infinity: distinct positive values, so no two magnitudes tie for the max.
    cases: fc.constantFrom(1, 2, 3, Infinity).chain((p) => shape(1).chain((s) => float64(s, p === Infinity ? 'distinct' : 'nonzero')).map((x) => [x, p] as const)).map(([x, p]) => ({
      inputs: [p === Infinity ? tg.add(x, 5) : x],
      fn: (t: Tensor) => tg.norm(t, p),
      params: { p },
    })),
  },
  leakyRelu: unary((x) => tg.leakyRelu(x, 0.1), 'nonzero'),
  softplusBeta: unary((x) => tg.softplus(x, 2)),
  matmul: {
    // NumPy promotion of 1-D operands.
    cases: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.boolean())
      .chain(([m, k, vecA, vecB]) => fc.tuple(float64(vecA ? [k] : [m, k]), float64(vecB ? [k] : [k, m])))
      .map(([a, b]) => ({ inputs: [a, b], fn: tg.matmul })),
    secondOrder: true,
  },
  linearND: {
    cases: fc.tuple(shape(0, 2, 3), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('none', 'row', 'full'))
      .chain(([lead, i, o, bias]) => fc.tuple(float64([...lead, i]), float64([o, i]), bias === 'none' ? fc.constant(null) : float64(bias === 'row' || lead.length === 0 ? [o] : [...lead, o])))
      .map(([x, w, b]) => ({ inputs: b ? [x, w, b] : [x, w], fn: (xx: Tensor, ww: Tensor, bb?: Tensor) => tg.linear(xx, ww, bb) })),
    secondOrder: true,
  },
  transpose: { cases: shape(2).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.transpose(t) })) },
  squeeze: { cases: shape().chain((s) => float64([1, ...s, 1])).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.squeeze(t) })) },
  unsqueeze: { cases: shape().chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.unsqueeze(t, -1) })) },
  flatten: { cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.flatten(t) })) },
  expand: { cases: shape(1).chain((s) => float64([1, ...s])).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.expand(t, [3, ...t.shape.slice(1).map(() => -1)]) })) },
  narrow: {
    cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.narrow(t, 0, Math.floor(t.shape[0]! / 2), Math.ceil(t.shape[0]! / 2)) })),
  },
  select: { cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.select(t, -1, -1) })) },
  flip: { cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.flip(t, t.ndim > 1 ? [0, -1] : 0) })) },
  splitBySize: { cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.mul(tg.split(t, 2).at(-1)!, 3) })) },
  chunk: {
    cases: shape(1).chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => { const c = tg.chunk(t, 2); return c.length > 1 ? tg.sub(c[0]!.sum(), c[1]!.sum()) : c[0]!.sum(); } })),
  },
  stack: { cases: shape().chain((s) => fc.tuple(float64(s), float64(s))).map(([a, b]) => ({ inputs: [a, b], fn: (x: Tensor, y: Tensor) => tg.stack([x, y], -1) })) },
  pad: {
    // Every mode on 1..rank trailing axes, with pads and crops drawn inside each mode's valid range for
    // the axis's size n: crops up to (n - 1) / 2 per side, pads below n (reflect), up to the cropped size
    // (circular), up to 3 (constant, replicate).
    cases: shape(1)
      .chain((s) => fc.tuple(float64(s), fc.constantFrom<tg.PadMode>('constant', 'reflect', 'replicate', 'circular'), fc.integer({ min: 1, max: s.length })))
      .chain(([x, mode, k]) => fc.tuple(fc.constant(x), fc.constant(mode), fc.tuple(...Array.from({ length: k }, (_, j) => {
        const n = x.shape[x.ndim - 1 - j]!;
        const most = { constant: 3, replicate: 3, reflect: n - 1, circular: Math.ceil((n + 1) / 2) }[mode];
        const side = fc.integer({ min: -Math.floor((n - 1) / 2), max: most });
        return fc.tuple(side, side);
      }))))
      .map(([x, mode, pairs]) => ({
        inputs: [x],
        fn: (t: Tensor) => tg.pad(t, pairs.flat(), mode === 'constant' ? 0.5 : { mode }),
        params: { mode, pads: pairs.flat() },
      })),
  },
  clone: { cases: shape().chain((s) => float64(s)).map((x) => ({ inputs: [x], fn: tg.clone })) },
  crossEntropy: {
    cases: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }), fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<tg.Reduction>)
      .chain(([n, c, reduction]) => fc.tuple(float64([n, c], { min: -3, max: 3 }), int32([n], 0, c), fc.constant(reduction)))
      .map(([x, t, reduction]) => ({ inputs: [x, t], fn: (l: Tensor, tt: Tensor) => tg.crossEntropy(l, tt, { reduction }), params: { reduction } })),
    secondOrder: true,
  },
  binaryCrossEntropyWithLogits: {
    cases: shape(1).chain((s) => fc.tuple(float64(s, { min: -4, max: 4 }), float64(s, { min: 0, max: 1 }), float64(s, 'positive'), fc.boolean()))
      .map(([x, y, pw, usePw]) => ({
        inputs: [x, y],
        fn: (l: Tensor, t: Tensor) => tg.binaryCrossEntropyWithLogits(l, t, usePw ? { posWeight: pw } : {}),
        params: { usePw },
      })),
    secondOrder: true,
  },
};

/** Exports that are not differentiable ops (creation, masks, indices, engine, checks) and need no spec. */
export const notDifferentiable = new Set([
  'TapegradError', 'Tensor', 'tensor', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'arange', 'linspace', 'eye', 'rand', 'randn',
  'uniform', 'randint', 'Generator', 'manualSeed', 'defaultGenerator', 'getBackend', 'setBackend', 'jsBackend', 'wasmBackend', 'wasmAvailable', 'wasmRelaxedSimd', 'getNumThreads', 'setNumThreads', 'processorCount', 'wasmThreadsReady', 'defineOp', 'noGrad',
  'enableGrad', 'defineMultiOp', 'isGradEnabled', 'serializeSafetensors', 'deserializeSafetensors', 'checkpointToBytes', 'checkpointFromBytes', 'setDetectAnomaly', 'isAnomalyEnabled', 'backward', 'grad', 'valueAndGrad', 'vjp', 'gradcheck',
  'gradgradcheck', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isnan', 'isfinite', 'sign', 'argmax', 'argmin', 'detach', 'var',
  // Covered by the primitive spec of the same name, or an alias of one:
  'broadcastTo', 'cast', 'gather', 'indexSelect', 'reshape', 'permute', 'slice', 'concat', 'softmax', 'logSoftmax', 'sum', 'max', 'min', 'logsumexp',
]);

/** A reduction axis of a shape of rank >= 1, or undefined (all axes). */
const axisOrAll = (rank: number) => fc.option(fc.integer({ min: 0, max: rank - 1 }), { nil: undefined });

/** std or var over constant slices along an axis (or of a constant tensor), with more elements than the correction. */
const varianceCases = (f: typeof tg.std, secondOrder: boolean): OpSpec => ({
  cases: shape(1).chain((s) => fc.tuple(fc.constant(s), axisOrAll(s.length), fc.constantFrom(0, 1)))
    .filter(([s, axis, correction]) => (axis === undefined ? s.reduce((p, q) => p * q, 1) : s[axis]!) > correction)
    .chain(([s, axis, correction]) => slicesOf(s, axis, 'constant', 'distinct').map((x) => ({ inputs: [x], fn: (t: Tensor) => f(t, axis, { correction }), params: { axis, correction } }))),
  secondOrder,
});

/**
 * Boundary points drawn on purpose, where a textbook VJP gives 0/0 or 0 * Inf: zero bases and exponents,
 * constant and all-zero slices, empty tensors, size-1 axes, rank 0. Each function is symmetric enough
 * there that central differences give the value PyTorch uses (0 for the gradient of std on a constant
 * slice, of norm on a zero slice, of a^0), so the gradient check applies unchanged; the VJP must also be
 * finite everywhere.
 */
export const boundaries: Record<string, OpSpec> = {
  // Integer exponents 0..3 per element (a constant), bases with exact zeros: d a^b = b a^(b-1), 0 where b = 0.
  powZeroBaseIntExponent: {
    cases: broadcastPair()
      .chain(([sa, sb]) => fc.tuple(float64WithZeros(sa), int32(sb, 0, 4)))
      .map(([a, b]) => ({ inputs: [a], fn: (t: Tensor) => tg.pow(t, tg.cast(b, 'float64')), params: { b: Array.from(b.data) } })),
    secondOrder: true,
  },
  // The exponent 0 as a number: a^0 = 1, gradient 0 at every base (0 included).
  powScalarZeroExponent: {
    cases: shape().chain((s) => float64WithZeros(s)).map((a) => ({ inputs: [a], fn: (t: Tensor) => tg.pow(t, 0) })),
    secondOrder: true,
  },
  // The exponent's gradient at zero bases (a constant with exact zeros, exponents >= 1): a^b log a, 0 at a = 0.
  powExponentAtZeroBase: {
    cases: broadcastPair()
      .chain(([sa, sb]) => fc.tuple(float64WithZeros(sa, 'positive'), float64(sb, { min: 1, max: 3 })))
      .map(([a, b]) => ({ inputs: [b], fn: (e: Tensor) => tg.pow(a, e) })),
    secondOrder: true,
  },
  // The other slices hold distinct values (0.02 apart), so their spread keeps them away from the kink.
  stdConstantSlices: varianceCases(tg.std, false),
  varConstantSlices: varianceCases(tg.variance, true),
  normZeroSlices: {
    // Every p; for Infinity the non-zero slices hold distinct magnitudes, so no two tie for the max.
    cases: shape(1).chain((s) => fc.tuple(fc.constant(s), axisOrAll(s.length), fc.constantFrom(1, 1.5, 2, 3, Infinity)))
      .chain(([s, axis, p]) => slicesOf(s, axis, 'zero', p === Infinity ? 'distinct' : 'nonzero').map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.norm(t, p, axis), params: { axis, p } }))),
  },
  normZeroSlicesSecondOrder: {
    // p = 2 and 3 have a finite second derivative at a zero element inside a non-zero slice.
    cases: shape(1).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.constantFrom(2, 3)))
      // (magnitudes >= 0.5: |x|^3 has a kink in its third derivative at 0, so central differences of the
      // gradient err by O(eps / norm^k); small norms would need a looser tolerance than the suite's)
      .chain(([s, axis, p]) => float64WithZeros(s, { min: 0.5, max: 2 }).map((x) => ({ inputs: [tg.add(x, tg.mul(tg.eq(tg.sum(tg.abs(x), axis, { keepdims: true }), 0), 0.5))], fn: (t: Tensor) => tg.norm(t, p, axis), params: { axis, p } }))),
    secondOrder: true,
  },
  emptyReductions: {
    cases: emptyShape().chain((s) => fc.tuple(float64(s), axesOf(s.length), fc.constantFrom('sum', 'mean', 'logsumexp', 'var', 'std', 'norm1', 'norm2', 'norm3')))
      .map(([x, { axis, keepdims }, op]) => ({
        inputs: [x],
        fn: (t: Tensor) => {
          const opts = { keepdims };
          switch (op) {
            case 'sum': return tg.sum(t, axis, opts);
            case 'mean': return tg.mean(t, axis, opts);
            case 'logsumexp': return tg.logsumexp(t, axis, opts);
            case 'var': return tg.variance(t, axis, opts);
            case 'std': return tg.std(t, axis, opts);
            default: return tg.norm(t, Number(op.slice(4)), axis, opts);
          }
        },
        params: { op, axis, keepdims },
      })),
    secondOrder: true,
  },
  unitAxes: {
    // Reductions and softmax over size-1 axes: a single element is a constant slice. Distinct values (0.02
    // apart, 0 included), so a slice of several elements is never a near-tie (std's kink) and |x| is
    // never drawn next to its kink without being on it.
    cases: unitShape(1).chain((s) => fc.tuple(float64(s, 'distinct'), fc.integer({ min: 0, max: s.length - 1 }), fc.constantFrom('std0', 'var0', 'softmax', 'logSoftmax', 'logsumexp', 'norm2', 'mean')))
      .map(([x, axis, op]) => ({
        inputs: [x],
        fn: (t: Tensor) => {
          switch (op) {
            case 'std0': return tg.std(t, axis, { correction: 0 });
            case 'var0': return tg.variance(t, axis, { correction: 0 });
            case 'softmax': return tg.softmax(t, axis);
            case 'logSoftmax': return tg.logSoftmax(t, axis);
            case 'logsumexp': return tg.logsumexp(t, axis);
            case 'norm2': return tg.norm(t, 2, axis);
            default: return tg.mean(t, axis);
          }
        },
        params: { op, axis },
      })),
  },
  rankZero: {
    // Axis 0 or -1 of a rank-0 tensor, as PyTorch, with keepdims either way.
    cases: fc.tuple(float64([], 'nonzero'), fc.constantFrom(0, -1), fc.boolean(), fc.constantFrom('sum', 'mean', 'max', 'min', 'logsumexp', 'norm', 'softmax', 'logSoftmax'))
      .map(([x, axis, keepdims, op]) => ({
        inputs: [x],
        fn: (t: Tensor) => {
          switch (op) {
            case 'softmax': return tg.softmax(t, axis);
            case 'logSoftmax': return tg.logSoftmax(t, axis);
            case 'norm': return tg.norm(t, 3, axis, { keepdims });
            default: return tg[op as 'sum' | 'mean' | 'max' | 'min' | 'logsumexp'](t, axis, { keepdims });
          }
        },
        params: { op, axis, keepdims },
      })),
    secondOrder: true,
  },
};
