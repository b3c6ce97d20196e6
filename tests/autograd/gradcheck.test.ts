import { describe, expect, it } from 'vitest';
import { type Tensor, defineOp, detach, getBackend, gradcheck, gradgradcheck, indexSelect, mul, sub, tensor } from '../../index.js';

const f64 = (v: number[] | number[][], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });

// x^2 with a VJP that is wrong at one element: input index 2 gets 3x instead of 2x.
const wrongSquare = defineOp<[Tensor]>({
  name: 'wrongSquare',
  forward: ([x]) => getBackend().binary('mul', x, x),
  vjp: (g, { inputs: [x] }) => {
    const k = tensor(Array.from({ length: x.size }, (_, i) => (i === 2 ? 3 : 2)), { dtype: x.dtype, shape: [...x.shape] });
    return [mul(g, mul(x, k))];
  },
});

// x^3 whose VJP is right to first order but uses a detached x^2, so its second derivative is wrong.
const flatCube = defineOp<[Tensor]>({
  name: 'flatCube',
  forward: ([x]) => getBackend().binary('mul', x, getBackend().binary('mul', x, x)),
  vjp: (g, { inputs: [x] }) => [mul(g, mul(detach(mul(x, x)), 3))],
});

describe('gradcheck', () => {
  it('passes a correct function and reports tiny errors per float input', () => {
    const a = f64([[0.3, -1.2], [0.5, 2]]);
    const b = f64([1.5, -0.7]);
    const r = gradcheck((x, y) => mul(x, y).sub(y), [a, b]);
    expect(r.ok).toBe(true);
    expect(r.inputs.map((i) => i.index)).toEqual([0, 1]);
    for (const i of r.inputs) expect(i.maxAbsError).toBeLessThan(1e-8);
    expect(r.message).toMatch(/passed for 2 input/);
  });

  it('finds the wrong element and reports both values, its position and the errors', () => {
    const x = f64([1, 2, 3, 4], [2, 2]);
    const r = gradcheck((t) => wrongSquare([t]), [x]);
    expect(r.ok).toBe(false);
    const [rep] = r.inputs;
    expect(rep!.ok).toBe(false);
    expect(rep!.shape).toEqual([2, 2]);
    // Flat element 2 is [1, 0]; d y[1,0] / d x[1,0]: analytical 3*3 = 9, numerical 2*3 = 6.
    expect(rep!.worst!.input).toEqual([1, 0]);
    expect(rep!.worst!.output).toEqual([1, 0]);
    expect(rep!.worst!.analytical).toBeCloseTo(9, 9);
    expect(rep!.worst!.numerical).toBeCloseTo(6, 6);
    expect(rep!.maxAbsError).toBeCloseTo(3, 6);
    expect(rep!.maxRelError).toBeCloseTo(0.5, 6);
    expect(r.message).toContain('input 0 (shape [2, 2])');
    expect(r.message).toContain('d output[1, 0] / d input[1, 0]');
    expect(() => gradcheck((t) => wrongSquare([t]), [x], { raise: true })).toThrow(/analytically but/);
  });

  it('passes int32 inputs through as constants', () => {
    const w = f64([[1, 2], [3, 4], [5, 6]]);
    const idx = tensor([2, 0, 2], { dtype: 'int32' });
    const r = gradcheck((t, i) => indexSelect(t, 0, i).pow(2), [w, idx]);
    expect(r.ok).toBe(true);
    expect(r.inputs.map((i) => i.index)).toEqual([0]);
  });

  it('tolerances decide: a 1e-4 relative error passes rtol 1e-3 and fails rtol 1e-5', () => {
    const slightly = defineOp<[Tensor]>({
      name: 'slightly',
      forward: ([x]) => getBackend().binary('mul', x, tensor(2, { dtype: x.dtype })),
      vjp: (g) => [mul(g, 2.0002)],
    });
    const x = f64([1, -1, 3]);
    expect(gradcheck((t) => slightly([t]), [x]).ok).toBe(true);
    expect(gradcheck((t) => slightly([t]), [x], { rtol: 1e-5, atol: 1e-7 }).ok).toBe(false);
  });
});

describe('gradgradcheck', () => {
  it('passes where second derivatives are right', () => {
    const x = f64([0.5, -1.5, 2]);
    expect(gradgradcheck((t) => t.pow(3).sum(), [x]).ok).toBe(true);
    expect(gradgradcheck((t) => t.tanh().mul(t), [x]).ok).toBe(true);
  });

  it('catches a VJP that is right to first order but not differentiable through', () => {
    const x = f64([0.5, -1.5, 2]);
    expect(gradcheck((t) => flatCube([t]), [x]).ok).toBe(true);
    const r = gradgradcheck((t) => flatCube([t]).sum(), [x]);
    expect(r.ok).toBe(false);
    // d/dx of 3x^2 v is 6x v; the detached VJP gives 0.
    expect(r.inputs[0]!.worst!.analytical).toBe(0);
    expect(Math.abs(r.inputs[0]!.worst!.numerical)).toBeGreaterThan(0.1);
  });

  it('the cotangent is seeded: the same seed gives the same report', () => {
    const x = f64([0.3, 0.7]);
    const f = (t: Tensor) => sub(t.exp(), t);
    const a = gradgradcheck(f, [x], { seed: 3 });
    const b = gradgradcheck(f, [x], { seed: 3 });
    expect(a.inputs.map((i) => i.maxAbsError)).toEqual(b.inputs.map((i) => i.maxAbsError));
    expect(a.ok).toBe(true);
  });
});
