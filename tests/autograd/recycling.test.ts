/**
 * The engine's reuse of gradient storage: without createGraph, a backward pass hands the storage of the
 * gradients it has consumed back to the allocator and sums fan-out in place into storage only it holds.
 * These tests use tensors large enough to be pooled (1024 elements and up) and compare every gradient with
 * the same backward run under createGraph (which records, and therefore reuses nothing).
 */
import { describe, expect, it } from 'vitest';
import {
  type Tensor, Generator, add, backward, concat, chunk, exp, expand, grad, linear, mul, nn, randn, reshape, select, setDetectAnomaly,
  sigmoid, stack, sum, tanh, unbind, zeros,
} from '../../index.js';

const rand = (shape: number[], seed: number, requiresGrad = false) =>
  randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad });

/** Gradients of `f` at `xs` with reuse (plain backward) and without it (createGraph), as plain arrays. */
function bothWays(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): [number[][], number[][]] {
  const run = (createGraph: boolean) => {
    xs.forEach((x) => (x.grad = null));
    backward(f(...xs), undefined, { createGraph });
    return xs.map((x) => Array.from(x.grad!.data));
  };
  return [run(false), run(true)];
}

describe('reusing gradient storage inside backward', () => {
  it('gives the gradients of a graph without reuse: fan-out, pass-through, a tensor added to itself, views, broadcasting', () => {
    const f = (x: Tensor, w: Tensor, b: Tensor) => {
      const u = tanh(add(mul(x, w), b)); // b [64] broadcast over [32, 64]
      const v = add(u, u); // one gradient for both operands of add
      const r = reshape(v, [64, 32]); // pass-through views
      const [p, q] = chunk(r, 2, 0);
      const s = add(mul(p!, q!), mul(exp(mul(p!, 0.1)), sigmoid(q!)));
      return add(sum(mul(add(s, s), p!)), sum(mul(concat([p!, q!], 0), r)));
    };
    const [reused, fresh] = bothWays(f, [rand([32, 64], 1, true), rand([32, 64], 2, true), rand([64], 3, true)]);
    expect(reused).toEqual(fresh);
  });

  it('never sums in place into a gradient that two tensors share (add passes one gradient to both operands)', () => {
    const f = (x: Tensor) => {
      const a = exp(mul(x, 0.5));
      const b = tanh(x);
      const w = mul(a, 3); // made before z, so its backward runs after z's has given a and b the same gradient
      const z = add(a, b);
      return add(sum(mul(z, z)), sum(w));
    };
    const [reused, fresh] = bothWays(f, [rand([48, 48], 9, true)]);
    expect(reused).toEqual(fresh);
  });

  it('gives the gradients without reuse through an LSTM unroll (fan-out of the weights over 20 steps)', () => {
    const lstm = new nn.LSTM(16, 32, { dtype: 'float64', generator: new Generator(4), numLayers: 2, bidirectional: true });
    const x = rand([20, 8, 16], 5, true);
    const [reused, fresh] = bothWays((xx) => sum(mul(lstm.forward(xx)[0], lstm.forward(xx)[0])), [x]);
    expect(reused).toEqual(fresh);
    const params = lstm.parameters();
    const run = (createGraph: boolean) => {
      params.forEach((p) => (p.grad = null));
      backward(sum(tanh(lstm.forward(x)[0])), undefined, { createGraph });
      return params.map((p) => Array.from(p.grad!.data));
    };
    // Summed over the steps in one product, the weights' gradients differ from step-by-step sums only by rounding.
    const [reusedW, freshW] = [run(false), run(true)];
    reusedW.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - freshW[i]![j]!)).toBeLessThan(1e-12)));
  });

  it('sums deferred weight gradients (g^T x of linear) into the gradient in place, and computes them where it cannot', () => {
    const w = rand([40, 30], 12, true);
    const b = rand([40], 13, true);
    const xs = [0, 1, 2, 3].map((k) => rand([8, 30], 20 + k));
    // w feeds four linears (fan-out); the first contribution is computed, the next three accumulate.
    const f = (ww: Tensor, bb: Tensor) => xs.reduce((acc, x) => add(acc, sum(tanh(linear(x, ww, bb)))), sum(mul(ww, 0)));
    const [reused, fresh] = bothWays(f, [w, b]);
    reused.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - fresh[i]![j]!)).toBeLessThan(1e-12)));
    // Anomaly mode checks every contribution, so it computes each one.
    setDetectAnomaly(true);
    try {
      const [checked] = bothWays(f, [w, b]);
      expect(checked).toEqual(fresh);
    } finally {
      setDetectAnomaly(false);
    }
  });

  it('leaves the gradients it delivers intact: later passes never write into an earlier .grad or a returned gradient', () => {
    const w = rand([64, 64], 6, true);
    const loss = () => sum(mul(tanh(mul(w, w)), exp(mul(w, 0.01))));
    loss().backward();
    const first = Array.from(w.grad!.data);
    const held = w.grad!;
    w.grad = null;
    const g = grad((v: Tensor) => sum(mul(stack(unbind(mul(v, v), 0), 0), 3)))(w);
    const gCopy = Array.from(g.data);
    for (let k = 0; k < 5; k++) {
      loss().backward();
      w.grad = null;
      sum(mul(expand(select(w, 0, 1), [64, 64]), w)).backward();
      w.grad = null;
    }
    expect(Array.from(held.data)).toEqual(first);
    expect(Array.from(g.data)).toEqual(gCopy);
  });

  it('keeps seeds that the caller passed in (their storage is not the engine\'s)', () => {
    const x = rand([40, 40], 7, true);
    const seed = rand([40, 40], 8);
    const copy = Array.from(seed.data);
    backward(add(mul(x, 2), x), seed);
    expect(Array.from(seed.data)).toEqual(copy);
    expect(Array.from(x.grad!.data)).toEqual(copy.map((v) => 3 * v));
  });
});

describe('small storage from shared slabs', () => {
  it('gives zeroed, disjoint arrays of every dtype, and tensors that stay independent', () => {
    const arrays = Array.from({ length: 300 }, (_, i) => zeros([17 + (i % 40)], { dtype: (['float32', 'float64', 'int32'] as const)[i % 3] }).data);
    for (const a of arrays) expect(Array.from(a).every((v) => v === 0)).toBe(true);
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) => expect(Array.from(a).every((v) => v === i + 1), `array ${i}`).toBe(true));
    // Results of ops on small tensors do not alias one another.
    const x = rand([5, 7], 30);
    const y = tanh(x);
    const z = mul(y, 2);
    expect(Array.from(z.data)).toEqual(Array.from(y.data, (v) => 2 * v));
    expect(Array.from(y.data)).toEqual(Array.from(x.data, Math.tanh));
  });
});
