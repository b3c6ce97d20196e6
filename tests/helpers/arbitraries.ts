/** fast-check arbitraries for shapes and float64 tensors inside an op's domain. */
import fc from 'fast-check';
import { type Tensor, tensor } from '../../index.js';

export const shape = (minRank = 0, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/** Two shapes that broadcast together: axes set to 1 on either side, leading axes dropped on either side. */
export const broadcastPair = (maxRank = 3, maxDim = 4): fc.Arbitrary<[number[], number[]]> =>
  shape(0, maxRank, maxDim).chain((base) =>
    fc
      .tuple(
        fc.array(fc.constantFrom('both', 'a1', 'b1'), { minLength: base.length, maxLength: base.length }),
        fc.integer({ min: 0, max: base.length }),
        fc.boolean(),
      )
      .map(([modes, drop, dropA]) => {
        let a = base.map((d, i) => (modes[i] === 'a1' ? 1 : d));
        let b = base.map((d, i) => (modes[i] === 'b1' ? 1 : d));
        if (dropA) a = a.slice(drop);
        else b = b.slice(drop);
        return [a, b] as [number[], number[]];
      }),
  );

/** Where an op is smooth: values are drawn there, away from kinks and poles. */
export type Domain = 'real' | 'positive' | 'nonzero' | 'unit' | 'distinct' | { min: number; max: number };

const sizeOf = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);

export const values = (n: number, domain: Domain = 'real'): fc.Arbitrary<number[]> => {
  if (domain === 'distinct')
    // At least 0.02 apart, so no finite-difference step crosses a tie (401 candidates >= the 64 elements of the largest shape).
    return fc.uniqueArray(fc.integer({ min: -200, max: 200 }), { minLength: n, maxLength: n }).map((v) => v.map((k) => k / 50));
  const [min, max] = typeof domain === 'object' ? [domain.min, domain.max] : { real: [-2, 2], positive: [0.2, 3], nonzero: [0.15, 2], unit: [-0.9, 0.9] }[domain]!;
  const draw = fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
  return domain === 'nonzero' ? fc.tuple(draw, fc.array(fc.boolean(), { minLength: n, maxLength: n })).map(([v, s]) => v.map((x, i) => (s[i] ? -x : x))) : draw;
};

export const float64 = (s: readonly number[], domain: Domain = 'real'): fc.Arbitrary<Tensor> =>
  values(sizeOf(s), domain).map((v) => tensor(new Float64Array(v), { shape: s }));

export const int32 = (s: readonly number[], low: number, high: number): fc.Arbitrary<Tensor> =>
  fc.array(fc.integer({ min: low, max: high - 1 }), { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((v) => tensor(new Int32Array(v), { shape: s }));

/** A random subset of axes (or undefined = all) and keepdims, for reductions over a tensor of rank r. */
export const axesOf = (rank: number): fc.Arbitrary<{ axis: number[] | undefined; keepdims: boolean }> =>
  fc.record({
    axis: fc.option(fc.subarray(Array.from({ length: rank }, (_, i) => i)), { nil: undefined }),
    keepdims: fc.boolean(),
  });

/** A permutation of 0..n-1. */
export const permutation = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n });

// Boundary points, drawn on purpose: the places where a VJP written as the textbook formula divides 0 by
// 0 or multiplies 0 by Inf (zero bases and exponents, constant and all-zero slices), and the degenerate
// shapes (empty tensors, size-1 axes, rank 0).

/** Like {@link float64}, with about a third of the elements set to exactly 0. */
export const float64WithZeros = (s: readonly number[], domain: Domain = 'real'): fc.Arbitrary<Tensor> =>
  fc.tuple(values(sizeOf(s), domain), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: sizeOf(s), maxLength: sizeOf(s) }))
    .map(([v, z]) => tensor(new Float64Array(v.map((x, i) => (z[i] === 0 ? 0 : x))), { shape: s }));

/** A shape with many size-1 axes (each axis 1 with probability 1/2, else 2 or 3). */
export const unitShape = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> =>
  fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: minRank, maxLength: maxRank });

/** A shape with at least one axis of size 0. */
export const emptyShape = (maxRank = 3): fc.Arbitrary<number[]> =>
  shape(1, maxRank, 3).chain((s) => fc.integer({ min: 0, max: s.length - 1 }).map((k) => s.map((d, i) => (i === k ? 0 : d))));

/**
 * A tensor of shape `s` in which some slices along `axis` (or the whole tensor, when `axis` is undefined)
 * hold one repeated value: `fill` 'constant' repeats a drawn value, 'zero' repeats 0.
 */
export const slicesOf = (s: readonly number[], axis: number | undefined, fill: 'constant' | 'zero', domain: Domain = 'real'): fc.Arbitrary<Tensor> => {
  const kept = s.map((d, i) => (axis === undefined || i === axis ? 1 : d));
  return fc.tuple(float64(s, domain), int32(kept, 0, 2), float64(kept, domain)).map(([x, flat, c]) => {
    const out = new Float64Array(x.data);
    const strides = s.map((_, i) => s.slice(i + 1).reduce((p, q) => p * q, 1));
    const keptStrides = kept.map((_, i) => kept.slice(i + 1).reduce((p, q) => p * q, 1));
    for (let j = 0; j < out.length; j++) {
      const k = s.reduce((acc, _d, i) => acc + (kept[i] === 1 ? 0 : Math.floor(j / strides[i]!) % s[i]!) * keptStrides[i]!, 0);
      if (axis === undefined || flat.data[k] === 0) out[j] = fill === 'zero' ? 0 : c.data[k]!;
    }
    return tensor(out, { shape: s });
  });
};
