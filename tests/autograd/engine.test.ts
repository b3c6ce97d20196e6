import { afterEach, describe, expect, it } from 'vitest';
import {
  type Tensor, TapegradError, add, backward, cos, defineOp, detach, enableGrad, exp, getBackend, grad, isAnomalyEnabled,
  isGradEnabled, matmul, mul, noGrad, ones, setDetectAnomaly, sin, sqrt, sum, tensor, valueAndGrad, vjp, zeros,
} from '../../index.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0], requiresGrad = false): Tensor => tensor(v, { dtype: 'float64', requiresGrad });

function expectTapegradError(fn: () => unknown, op: string, ...parts: string[]): TapegradError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(TapegradError);
  expect((e as TapegradError).op).toBe(op);
  for (const p of parts) expect(e.message).toContain(p);
  return e as TapegradError;
}

describe('accumulation', () => {
  it('fan-out: a tensor used three times accumulates all three contributions', () => {
    const x = f64([1, 2, 3], true);
    // y = x*x + 3x + sin(x): x appears in four places (twice in the product)
    const y = add(add(mul(x, x), mul(x, 3)), sin(x)).sum();
    y.backward();
    expectClose(x.grad!, [1, 2, 3].map((v) => 2 * v + 3 + Math.cos(v)), { atol: 1e-14 });
  });

  it('fan-out through an intermediate: z = u + u + u with u = exp(x)', () => {
    const x = f64([0, 1], true);
    const u = exp(x);
    add(add(u, u), u).sum().backward();
    expectClose(x.grad!, [3, 3 * Math.E], { atol: 1e-14 });
  });

  it('backward accumulates into .grad across calls until it is cleared', () => {
    const x = f64([1, 2], true);
    mul(x, x).sum().backward();
    mul(x, 10).sum().backward();
    expectExact(x.grad!, [12, 14]);
    x.grad = null;
    mul(x, 10).sum().backward();
    expectExact(x.grad!, [10, 10]);
  });

  it('.grad stays null for leaves that requires grad but were not reached; constants get no .grad', () => {
    const x = f64([1, 2], true);
    const unused = f64([5], true);
    const c = f64([3, 4]);
    mul(x, c).sum().backward();
    expectExact(x.grad!, [3, 4]);
    expect(unused.grad).toBeNull();
    expect(c.grad).toBeNull();
  });

  it('.grad of non-leaves is not stored', () => {
    const x = f64([1, 2], true);
    const h = mul(x, 2);
    h.sum().backward();
    expect(h.isLeaf).toBe(false);
    expect(h.grad).toBeNull();
    expectExact(x.grad!, [2, 2]);
  });
});

describe('roots and seeds', () => {
  it('a non-scalar root needs a seed: the error mentions seed and the shape', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    const y = mul(x, 2);
    const e = expectTapegradError(() => y.backward(), 'backward', 'seed', '[2, 3]');
    expect(e.message).toMatch(/seed/);
    expect(x.grad).toBeNull();
  });

  it('backward with a seed computes the vector-Jacobian product', () => {
    const W = f64([[1, 2], [3, 4], [5, 6]]);
    const x = f64([0.5, -1], true);
    const y = matmul(W, x); // [3]
    const v = f64([1, 10, 100]);
    y.backward(v);
    // x.grad = W^T v
    expectExact(x.grad!, [1 + 30 + 500, 2 + 40 + 600]);
  });

  it('the seed must have the root shape and dtype', () => {
    const x = f64([1, 2], true);
    expectTapegradError(() => backward(mul(x, 2), f64([1, 2, 3])), 'backward', '[2]');
    expectTapegradError(() => backward(mul(x, 2), tensor([1, 1])), 'backward', 'float64');
  });

  it('a one-element non-rank-0 root needs no seed', () => {
    const x = f64([3], true);
    mul(x, x).backward();
    expectExact(x.grad!, [6]);
  });

  it('backward of a tensor that does not require grad throws', () => {
    expectTapegradError(() => f64([1]).sum().backward(), 'backward', 'does not require grad');
  });
});

describe('retainGraph', () => {
  it('allows a second backward, which accumulates (the gradient doubles)', () => {
    const x = f64([1, 2, 3], true);
    const y = mul(exp(x), x).sum();
    y.backward(undefined, { retainGraph: true });
    const first = Array.from(x.grad!.data);
    expectClose(first, [1, 2, 3].map((v) => Math.exp(v) * (1 + v)), { atol: 1e-12 });
    y.backward();
    expectClose(x.grad!, first.map((g) => 2 * g), { atol: 1e-12 });
  });

  it('a second backward without retainGraph throws naming the op and retainGraph', () => {
    const x = f64([1, 2], true);
    const y = exp(x).sum();
    y.backward();
    const e = expectTapegradError(() => y.backward(), 'backward', 'retainGraph', 'second time');
    expect(e.message).toContain("'sum'");
    // the gradient of the first call is intact
    expectClose(x.grad!, [Math.E, Math.exp(2)], { atol: 1e-14 });
  });

  it('a retained graph can be reused by a different root sharing it', () => {
    const x = f64([2], true);
    const h = mul(x, x);
    mul(h, 3).sum().backward(undefined, { retainGraph: true });
    mul(h, 5).sum().backward();
    expectExact(x.grad!, [12 + 20]);
  });
});

describe('grad mode', () => {
  it('detach stops the gradient', () => {
    const x = f64([1, 2, 3], true);
    const d = detach(x);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    mul(x, d).sum().backward();
    expectExact(x.grad!, [1, 2, 3]); // not 2x
    const y = f64([4], true);
    mul(y, y).detach().mul(y).sum().backward();
    expectExact(y.grad!, [16]);
  });

  it('noGrad records nothing', () => {
    const x = f64([1, 2], true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return exp(mul(x, 2));
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expectClose(y, [Math.exp(2), Math.exp(4)], { atol: 1e-12 });
    expectTapegradError(() => y.sum().backward(), 'backward');
  });

  it('enableGrad inside noGrad records again', () => {
    const x = f64([1, 2], true);
    const y = noGrad(() => enableGrad(() => mul(x, x)));
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expectExact(x.grad!, [2, 4]);
  });

  it('noGrad restores the mode even when its function throws', () => {
    expect(() => noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('int32 tensors cannot require grad', () => {
    expectTapegradError(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), 'requiresGrad', 'int32');
    const i = tensor([1, 2], { dtype: 'int32' });
    expectTapegradError(() => {
      i.requiresGrad = true;
    }, 'requiresGrad');
    expect(i.requiresGrad).toBe(false);
    expectTapegradError(() => grad((t: Tensor) => t.sum())(i), 'grad', 'int32');
  });

  it('results of ops on int32 do not require grad even under a float that does', () => {
    const x = f64([1.5, 2.5], true);
    const ix = x.to('int32');
    expect(ix.dtype).toBe('int32');
    expect(ix.requiresGrad).toBe(false);
  });

  it('non-leaf tensors cannot drop requiresGrad', () => {
    const y = mul(f64([1], true), 2);
    expectTapegradError(() => {
      y.requiresGrad = false;
    }, 'requiresGrad', 'detach');
  });
});

describe('higher order', () => {
  it('createGraph: .grad requires grad and differentiates again (d2/dx2 x^3 = 6x)', () => {
    const x = f64([1, -2, 0.5], true);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expectClose(g, [3, 12, 0.75], { atol: 1e-14 });
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expectClose(x.grad!, [6, -12, 3], { atol: 1e-14 });
  });

  it('without createGraph, .grad is a constant', () => {
    const x = f64([2], true);
    x.pow(3).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('nested grad(grad(sin)) = -sin, and a third level gives -cos', () => {
    const f = (x: Tensor) => sin(x).sum();
    const df = grad(f);
    const d2f = grad((x: Tensor) => df(x).sum());
    const d3f = grad((x: Tensor) => d2f(x).sum());
    const xs = [-1.3, 0, 0.7, 2];
    const x = f64(xs);
    expectClose(df(x), xs.map(Math.cos), { atol: 1e-14 });
    expectClose(d2f(x), xs.map((v) => -Math.sin(v)), { atol: 1e-14 });
    expectClose(d3f(x), xs.map((v) => -Math.cos(v)), { atol: 1e-14 });
  });

  it('grad of grad of a product of two arguments (mixed partial)', () => {
    // f(x, y) = sum(x^2 y); d/dy (df/dx) summed = d/dy sum(2xy) = 2x
    const dfdx = grad((x: Tensor, y: Tensor) => mul(mul(x, x), y).sum());
    const mixed = grad((x: Tensor, y: Tensor) => dfdx(x, y).sum(), { argnums: 1 });
    expectClose(mixed(f64([1, 3]), f64([5, 7])), [2, 6], { atol: 1e-14 });
  });

  it('an outer grad sees through a tensor the inner function captures by closure', () => {
    // d/dy sum(d/dx sum(x^2 y)) = d/dy sum(2xy) = 2x, with y captured rather than passed
    const x = f64([1, 3]);
    const outer = grad((y: Tensor) => grad((t: Tensor) => mul(mul(t, t), y).sum())(x).sum());
    expectClose(outer(f64([5, 7])), [2, 6], { atol: 1e-14 });
  });
});

describe('grad, valueAndGrad, vjp', () => {
  it('grad returns the gradient and leaves .grad of the argument alone', () => {
    const x = f64([1, 2, 3], true);
    const g = grad((t: Tensor) => mul(t, t).sum())(x);
    expectExact(g, [2, 4, 6]);
    expect(x.grad).toBeNull();
    expect(g.shape).toEqual([3]);
  });

  it('argnums as a number differentiates that argument', () => {
    const f = (a: Tensor, b: Tensor) => mul(a, b).sum();
    const a = f64([1, 2]);
    const b = f64([10, 20]);
    expectExact(grad(f, { argnums: 1 })(a, b), [1, 2]);
    expectExact(grad(f)(a, b), [10, 20]);
  });

  it('argnums as a list returns a list in that order', () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) => mul(mul(a, b), c).sum();
    const [gc, ga] = grad(f, { argnums: [2, 0] })(f64([2]), f64([3]), f64([5]));
    expectExact(gc, [6]);
    expectExact(ga, [15]);
    const one = grad(f, { argnums: [1] })(f64([2]), f64([3]), f64([5]));
    expect(Array.isArray(one)).toBe(true);
    expectExact(one[0], [10]);
  });

  it('argnums out of range throws', () => {
    expectTapegradError(() => grad((a: Tensor) => a.sum(), { argnums: 2 })(f64([1])), 'grad', 'argnums');
  });

  it('unused inputs get zeros of their shape and dtype', () => {
    const f = (a: Tensor, _b: Tensor) => mul(a, 2).sum();
    const [ga, gb] = grad(f, { argnums: [0, 1] })(f64([1, 2]), f64([[1, 2, 3]]));
    expectExact(ga, [2, 2]);
    expect(gb.shape).toEqual([1, 3]);
    expect(gb.dtype).toBe('float64');
    expectExact(gb, [[0, 0, 0]]);
  });

  it('a function whose output does not depend on the input gives zeros', () => {
    const g = grad((_x: Tensor) => f64(3).mul(2))(f64([1, 2, 3]));
    expectExact(g, [0, 0, 0]);
    const g2 = grad((x: Tensor) => mul(detach(x), 2).sum())(tensor([4, 5]));
    expect(g2.dtype).toBe('float32');
    expectExact(g2, [0, 0]);
  });

  it('grad gives constant gradients for a requiresGrad parameter at top level (nothing chains across steps)', () => {
    const w = f64([1, 2], true);
    const scale = f64([3], true); // captured, PyTorch-style parameter
    const g = grad((t: Tensor) => mul(mul(t, t), scale).sum())(w);
    expectExact(g, [6, 12]);
    expect(g.requiresGrad).toBe(false);
    expect(w.grad).toBeNull();
    expect(scale.grad).toBeNull();
  });

  it('valueAndGrad returns a plain value at top level, and a tracked one inside an enclosing grad', () => {
    const [v] = valueAndGrad((x: Tensor) => mul(x, x).sum())(f64([3, 4]));
    expect(v.requiresGrad).toBe(false);
    expect(v.isLeaf).toBe(true);
    // d/dy of (value of sum(x*y) at x) = sum(x): the inner value must stay on the outer tape.
    const outer = grad((y: Tensor) => valueAndGrad((x: Tensor) => mul(x, y).sum())(f64([1, 2]))[0])(f64([5, 6]));
    expectExact(outer, [1, 2]);
  });

  it('valueAndGrad returns the value and the gradient', () => {
    const [v, g] = valueAndGrad((x: Tensor) => mul(x, x).sum())(f64([3, 4]));
    expect(v.item()).toBe(25);
    expectExact(g, [6, 8]);
    const [v2, [g0, g1]] = valueAndGrad((a: Tensor, b: Tensor) => mul(a, b).sum(), { argnums: [0, 1] })(f64([2]), f64([7]));
    expect(v2.item()).toBe(14);
    expectExact(g0, [7]);
    expectExact(g1, [2]);
  });

  it('hasAux passes the auxiliary value through', () => {
    const f = (x: Tensor) => {
      const y = mul(x, 3);
      return [y.sum(), { pre: y, note: 'hi' }] as const;
    };
    const g = grad(f, { hasAux: true })(f64([1, 2]));
    expectExact(g, [3, 3]);
    const [[v, aux], g2] = valueAndGrad(f, { hasAux: true })(f64([1, 2]));
    expect(v.item()).toBe(9);
    expect(aux.note).toBe('hi');
    expectExact(aux.pre, [3, 6]);
    expectExact(g2, [3, 3]);
    expectTapegradError(() => grad((x: Tensor) => x.sum(), { hasAux: true })(f64([1])), 'grad', 'aux');
  });

  it('trees of tensors: gradients come back in the same structure', () => {
    const params = { w: f64([[1, 2], [3, 4]]), b: [f64([1, -1]), f64(2)] };
    const x = f64([1, 1]);
    const loss = (p: typeof params, input: Tensor) => {
      const h = add(matmul(p.w, input), p.b[0]!); // [3+1, 7-1]
      return mul(mul(h, h).sum(), p.b[1]!);
    };
    const g = grad(loss)(params, x);
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
    expect(Array.isArray(g.b)).toBe(true);
    // dL/dh = 2 h c = [16, 24]; dL/dw = dL/dh x^T; dL/db0 = dL/dh; dL/dc = |h|^2
    expectExact(g.w, [[16, 16], [24, 24]]);
    expectExact(g.b[0], [16, 24]);
    expect(g.b[1].shape).toEqual([]);
    expect(g.b[1].item()).toBe(16 + 36);
  });

  it('a non-tensor inside a differentiated tree throws naming the path', () => {
    expectTapegradError(() => grad((p: { a: Tensor; n: number }) => p.a.sum())({ a: f64([1]), n: 3 }), 'grad', '.n');
  });

  it('grad of a function returning a non-scalar throws naming grad', () => {
    expectTapegradError(() => grad((x: Tensor) => mul(x, 2))(f64([1, 2])), 'grad', '[2]');
    expectTapegradError(() => valueAndGrad((x: Tensor) => mul(x, 2))(f64([1, 2])), 'valueAndGrad', '[2]');
    expectTapegradError(() => grad((_x: Tensor) => 3 as never)(f64([1])), 'grad');
  });

  it('vjp: tree output, pullback with a tree cotangent, called twice gives the same result', () => {
    const f = (a: Tensor, b: Tensor) => ({ s: mul(a, b), t: [exp(a), sum(b)] });
    const a = f64([0, 1]);
    const b = f64([2, 3]);
    const [y, pullback] = vjp(f, a, b);
    expectExact(y.s, [0, 3]);
    expect(y.t[1]!.item()).toBe(5);
    const cot = { s: f64([1, 1]), t: [f64([1, 10]), f64(100)] };
    const [ga, gb] = pullback(cot);
    const expectedA = [2 + 1, 3 + 10 * Math.E];
    const expectedB = [0 + 100, 1 + 100];
    expectClose(ga, expectedA, { atol: 1e-13 });
    expectClose(gb, expectedB, { atol: 1e-13 });
    const [ga2, gb2] = pullback(cot);
    expectExact(ga2, ga);
    expectExact(gb2, gb);
    const [ga3] = pullback({ s: f64([0, 0]), t: [f64([0, 0]), f64(1)] });
    expectExact(ga3, [0, 0]);
  });

  it('vjp rejects a cotangent of the wrong shape naming vjp', () => {
    const [, pullback] = vjp((x: Tensor) => mul(x, 2), f64([1, 2]));
    expectTapegradError(() => pullback(f64([1, 2, 3])), 'vjp', '[3]', '[2]');
  });
});

describe('broadcasting in the backward pass', () => {
  it('grad of add([3,1], [4]).sum() has the input shapes and the right sums', () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => add(a, b).sum(), { argnums: [0, 1] })(f64([[1], [2], [3]]), f64([1, 2, 3, 4]));
    expect(ga.shape).toEqual([3, 1]);
    expect(gb.shape).toEqual([4]);
    expectExact(ga, [[4], [4], [4]]);
    expectExact(gb, [3, 3, 3, 3]);
  });

  it('weighted: grad of (add([3,1], [4]) * W).sum() sums W over the broadcast axes', () => {
    const W = f64([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    const [ga, gb] = grad((a: Tensor, b: Tensor) => mul(add(a, b), W).sum(), { argnums: [0, 1] })(f64([[0], [0], [0]]), f64([0, 0, 0, 0]));
    expectExact(ga, [[10], [26], [42]]);
    expectExact(gb, [15, 18, 21, 24]);
  });

  it('rank-0 and [1,1] operands get gradients of their own shape', () => {
    const s = f64(2, true);
    const u = f64([[3]], true);
    const x = f64([[1, 2], [3, 4]], true);
    mul(mul(x, s), u).sum().backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(30);
    expect(u.grad!.shape).toEqual([1, 1]);
    expectExact(u.grad!, [[20]]);
    expectExact(x.grad!, [[6, 6], [6, 6]]);
  });
});

describe('deep graphs', () => {
  it('a 100,000-op chain runs backward iteratively with the exact gradient', () => {
    const N = 100_000;
    const A = 0.9999;
    const B = 0.5;
    const Y0 = 2;
    const a = f64(A, true);
    const b = f64(B, true);
    const y0 = f64(Y0, true);
    let y = y0;
    for (let i = 0; i < N; i++) y = add(mul(y, a), b);
    y.backward();
    // y_N = a^N y0 + b (a^N - 1)/(a - 1)
    const aN = A ** N;
    const aN1 = A ** (N - 1);
    const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
    expect(rel(y.item(), aN * Y0 + (B * (aN - 1)) / (A - 1))).toBeLessThan(1e-9);
    expect(rel(y0.grad!.item(), aN)).toBeLessThan(1e-9);
    expect(rel(b.grad!.item(), (aN - 1) / (A - 1))).toBeLessThan(1e-9);
    const dA = N * aN1 * Y0 + (B * (N * aN1 * (A - 1) - (aN - 1))) / (A - 1) ** 2;
    expect(rel(a.grad!.item(), dA)).toBeLessThan(1e-9);
  });
});

describe('anomaly detection', () => {
  afterEach(() => setDetectAnomaly(false));

  it('off by default: a NaN gradient passes silently', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const x = f64([0, 4], true);
    mul(sqrt(x), 0).sum().backward();
    expect(Number.isNaN(x.grad!.data[0])).toBe(true);
    expect(x.grad!.data[1]).toBe(0);
  });

  it('on: sqrt at 0 times 0 (0/0 = NaN) throws naming the op', () => {
    setDetectAnomaly(true);
    expect(isAnomalyEnabled()).toBe(true);
    const x = f64([0, 4], true);
    const e = expectTapegradError(() => mul(sqrt(x), 0).sum().backward(), "backward of 'sqrt'", 'NaN', 'anomaly');
    expect(e.message).toContain('[2]');
    expect(x.grad).toBeNull();
  });

  it('on: an infinite gradient (sqrt at 0) throws too; finite graphs pass', () => {
    setDetectAnomaly(true);
    expectTapegradError(() => sqrt(f64([0], true)).sum().backward(), "backward of 'sqrt'", 'Infinity');
    const y = f64([1, 4], true);
    sqrt(y).sum().backward();
    expectExact(y.grad!, [0.5, 0.25]);
  });
});

describe('custom primitives (defineOp) and the engine checks', () => {
  it('a user primitive differentiates and composes', () => {
    const square = defineOp<[Tensor]>({
      name: 'square',
      forward: ([x]) => getBackend().binary('mul', x, x),
      vjp: (g, { inputs: [x] }) => [mul(g, mul(x, 2))],
    });
    const x = f64([1, 2, 3], true);
    cos(square([x])).sum().backward();
    expectClose(x.grad!, [1, 2, 3].map((v) => -Math.sin(v * v) * 2 * v), { atol: 1e-13 });
  });

  it('a VJP returning a gradient of the wrong shape is caught, naming the op', () => {
    const bad = defineOp<[Tensor]>({
      name: 'badShape',
      forward: ([x]) => getBackend().binary('mul', x, x),
      vjp: () => [ones([3], { dtype: 'float64' })],
    });
    expectTapegradError(() => bad([f64([1, 2], true)]).sum().backward(), "backward of 'badShape'", '[3]', '[2]');
  });

  it('a VJP returning the wrong dtype is caught, naming the op', () => {
    const bad = defineOp<[Tensor]>({
      name: 'badDtype',
      forward: ([x]) => getBackend().binary('mul', x, x),
      vjp: (g) => [zeros(g.shape as number[])],
    });
    expectTapegradError(() => bad([f64([1, 2], true)]).sum().backward(), "backward of 'badDtype'", 'float32', 'float64');
  });
});
