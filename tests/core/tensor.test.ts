import { describe, expect, it } from 'vitest';
import {
  Tensor, TapegradError, add, arange, eye, full, linspace, ones, onesLike, tensor, zeros, zerosLike,
} from '../../index.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

function expectTapegradError(fn: () => unknown, op: string, ...parts: string[]): TapegradError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(TapegradError);
  const te = e as TapegradError;
  expect(te.op).toBe(op);
  for (const p of parts) expect(te.message).toContain(p);
  return te;
}

describe('tensor()', () => {
  it('builds from nested arrays: shape, float32 by default, row-major data', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.requiresGrad).toBe(false);
    expect(t.isLeaf).toBe(true);
    expect(t.grad).toBeNull();
  });

  it('builds a rank-0 tensor from a number', () => {
    const t = tensor(2.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.size).toBe(1);
    expect(t.item()).toBe(2.5);
  });

  it('builds a 3-D tensor with the right shape', () => {
    const t = tensor([[[1], [2]], [[3], [4]], [[5], [6]]]);
    expect(t.shape).toEqual([3, 2, 1]);
    expect(t.toArray()).toEqual([[[1], [2]], [[3], [4]], [[5], [6]]]);
  });

  it('takes the dtype of a typed array and copies it', () => {
    const src = new Float64Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([2, 2]);
    src[0] = 99;
    expect(t.data[0]).toBe(1);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
  });

  it('a typed array without shape is 1-D', () => {
    expect(tensor(new Float32Array(5)).shape).toEqual([5]);
  });

  it('honours dtype and requiresGrad options', () => {
    const t = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(t.dtype).toBe('float64');
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(t.requiresGrad).toBe(true);
    const i = tensor([1, -2], { dtype: 'int32' });
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i.data)).toEqual([1, -2]);
  });

  it('float32 rounds while float64 keeps the double', () => {
    expect(tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).data[0]).toBe(0.1);
  });

  it('reshapes nested input with the shape option', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('rejects a shape that does not match the element count', () => {
    expectTapegradError(() => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', '[2, 2]');
    expectTapegradError(() => tensor(new Float32Array(3), { shape: [4] }), 'tensor', '[4]');
  });

  it('rejects ragged arrays, naming tensor', () => {
    expectTapegradError(() => tensor([[1, 2], [3]] as never), 'tensor', 'ragged');
    expectTapegradError(() => tensor([[1, 2], 3] as never), 'tensor');
    expectTapegradError(() => tensor([1, [2, 3]] as never), 'tensor');
  });

  it('rejects non-numbers, naming tensor', () => {
    expectTapegradError(() => tensor(['a', 'b'] as never), 'tensor', 'string');
    expectTapegradError(() => tensor([1, null] as never), 'tensor');
    expectTapegradError(() => tensor([[1, undefined]] as never), 'tensor');
  });

  it('int32 rejects non-integers', () => {
    expectTapegradError(() => tensor([1, 2.5], { dtype: 'int32' }), 'tensor', '2.5');
    expectTapegradError(() => tensor(new Float64Array([0.5]), { dtype: 'int32' }), 'tensor', '0.5');
    expectTapegradError(() => tensor([NaN], { dtype: 'int32' }), 'tensor');
  });

  it('rejects an unknown dtype', () => {
    expectTapegradError(() => tensor([1], { dtype: 'float16' as never }), 'tensor', 'float16');
  });

  it('only float tensors can require grad', () => {
    expectTapegradError(() => tensor([1], { dtype: 'int32', requiresGrad: true }), 'requiresGrad', 'int32');
  });
});

describe('filled creation functions', () => {
  it('zeros / ones / full', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const o = ones([4], { dtype: 'float64' });
    expect(o.dtype).toBe('float64');
    expect(Array.from(o.data)).toEqual([1, 1, 1, 1]);
    const f = full([2, 2], 7, { dtype: 'int32' });
    expect(f.dtype).toBe('int32');
    expect(f.toArray()).toEqual([[7, 7], [7, 7]]);
    expect(full([], 3).toArray()).toBe(3);
    expect(zeros([0, 3]).size).toBe(0);
    expect(zeros([3], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('full with int32 rejects a fractional value; shapes must be non-negative integers', () => {
    expectTapegradError(() => full([2], 0.5, { dtype: 'int32' }), 'full', '0.5');
    expectTapegradError(() => zeros([2, -1]), 'zeros', '[2, -1]');
    expectTapegradError(() => ones([1.5]), 'ones');
  });

  it('zerosLike / onesLike copy shape and dtype, dtype can be overridden', () => {
    const t = tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = zerosLike(t);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(Array.from(z.data)).toEqual([0, 0, 0]);
    const o = onesLike(t, { dtype: 'int32' });
    expect(o.dtype).toBe('int32');
    expect(o.toArray()).toEqual([[1, 1, 1]]);
    expect(zerosLike(t).requiresGrad).toBe(false);
  });

  it('eye', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, { dtype: 'int32' }).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(3, 2, { dtype: 'int32' }).dtype).toBe('int32');
  });
});

describe('arange', () => {
  it('one argument counts from 0', () => {
    const t = arange(5);
    expect(t.shape).toEqual([5]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('start, end, step (end exclusive), negative step', () => {
    expect(Array.from(arange(2, 9, 3).data)).toEqual([2, 5, 8]);
    expect(Array.from(arange(5, 0, -2).data)).toEqual([5, 3, 1]);
    expect(arange(3, 3).size).toBe(0);
    expect(arange(3, 1).size).toBe(0);
  });

  it('fractional step: length ceil((end-start)/step), values start + i*step', () => {
    expectExact(arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75]);
    const t = arange(0, 1, 0.1, { dtype: 'float64' });
    expect(t.size).toBe(10);
    expectClose(t, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], { atol: 1e-15, rtol: 0 });
    expect(t.data[9]).toBeLessThan(1);
  });

  it('int32', () => {
    const t = arange(-2, 3, 1, { dtype: 'int32' });
    expect(t.dtype).toBe('int32');
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data)).toEqual([-2, -1, 0, 1, 2]);
    expect(Array.from(arange(4, undefined, undefined, { dtype: 'int32' }).data)).toEqual([0, 1, 2, 3]);
    expectTapegradError(() => arange(0, 1, 0.5, { dtype: 'int32' }), 'arange', '0.5');
  });

  it('rejects a zero or non-finite step', () => {
    expectTapegradError(() => arange(0, 1, 0), 'arange', 'step');
    expectTapegradError(() => arange(0, Infinity), 'arange');
  });
});

describe('linspace', () => {
  it('includes both endpoints exactly', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [a, b, n] of [[0, 1, 7], [-3, 0.1, 11], [0.1, 0.7, 4], [1e-3, 123.456, 50]] as const) {
        const t = linspace(a, b, n, { dtype });
        expect(t.shape).toEqual([n]);
        const f = dtype === 'float32' ? Math.fround : (v: number) => v;
        expect(t.data[0]).toBe(f(a));
        expect(t.data[n - 1]).toBe(f(b));
      }
    }
  });

  it('evenly spaced values', () => {
    expectExact(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    expectClose(linspace(-1, 1, 9, { dtype: 'float64' }), [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1], { atol: 1e-15 });
    const t = linspace(2, 3, 101, { dtype: 'float64' });
    for (let i = 0; i < 101; i++) expect(t.data[i]).toBeCloseTo(2 + i / 100, 13);
  });

  it('edge counts: 1 step gives start, 0 steps gives empty', () => {
    expectExact(linspace(4, 9, 1), [4]);
    expect(linspace(4, 9, 0).shape).toEqual([0]);
  });

  it('rejects int32 and non-integer steps', () => {
    expectTapegradError(() => linspace(0, 1, 3, { dtype: 'int32' }), 'linspace');
    expectTapegradError(() => linspace(0, 1, 2.5), 'linspace', '2.5');
  });
});

describe('reading values', () => {
  it('toArray returns nested arrays (a number for rank 0)', () => {
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(5).toArray()).toBe(5);
    expect(tensor([7]).toArray()).toEqual([7]);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it('item returns the one element and throws otherwise', () => {
    expect(tensor([[3.5]]).item()).toBe(3.5);
    expect(tensor(-1, { dtype: 'int32' }).item()).toBe(-1);
    expectTapegradError(() => tensor([1, 2]).item(), 'item', '[2]');
    expectTapegradError(() => zeros([0]).item(), 'item', '[0]');
  });

  it('size and ndim', () => {
    const t = zeros([2, 3, 4]);
    expect(t.size).toBe(24);
    expect(t.ndim).toBe(3);
    expect(tensor(1).ndim).toBe(0);
    expect(tensor(1).size).toBe(1);
    expect(zeros([3, 0]).size).toBe(0);
  });

  it('shape is frozen', () => {
    const t = zeros([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });
});

describe('toString', () => {
  it('renders like PyTorch: integral floats with a trailing dot, rows aligned', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor(3).toString()).toBe('tensor(3.)');
    expect(String(tensor([1, 2, 3]))).toBe('tensor([1., 2., 3.])');
  });

  it('four decimals for fractional values, dtype suffix for float64', () => {
    expect(tensor([1.5, 2.25], { dtype: 'float64' }).toString()).toBe('tensor([1.5000, 2.2500], dtype=float64)');
    expect(tensor([0.5, -1]).toString()).toBe('tensor([0.5000, -1.0000])');
  });

  it('shows requiresGrad=true and int32 without a dot', () => {
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe('tensor([1., 2.], requiresGrad=true)');
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], dtype=int32)');
    expect(tensor([1], { dtype: 'float64', requiresGrad: true }).toString()).toBe('tensor([1.], dtype=float64, requiresGrad=true)');
  });

  it('3-D tensors separate blocks with a blank line', () => {
    expect(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]).toString()).toBe(
      'tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])',
    );
  });

  it('infinities print as inf', () => {
    const s = tensor([Infinity, -Infinity, 1]).toString();
    expect(s).toContain('inf');
    expect(s).toContain('-inf');
    expect(s).not.toContain('Infinity');
  });

  it('summarises large tensors with an ellipsis', () => {
    const s = arange(5000).toString();
    expect(s).toContain('...');
    expect(s.length).toBeLessThan(200);
    expect(s.startsWith('tensor([0., 1., 2., ..., 4997., 4998., 4999.]')).toBe(true);
  });
});

describe('broadcasting (NumPy rules) through add', () => {
  it('[3,1] + [4] -> [3,4]', () => {
    const a = tensor([[0], [10], [20]]);
    const b = tensor([1, 2, 3, 4]);
    const c = add(a, b);
    expect(c.shape).toEqual([3, 4]);
    expect(c.toArray()).toEqual([[1, 2, 3, 4], [11, 12, 13, 14], [21, 22, 23, 24]]);
  });

  it('[2,1,3] + [4,1] -> [2,4,3]', () => {
    const a = arange(6).reshape([2, 1, 3]);
    const b = tensor([[0], [100], [200], [300]]);
    const c = add(a, b);
    expect(c.shape).toEqual([2, 4, 3]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++)
        for (let k = 0; k < 3; k++) expect(c.data[(i * 4 + j) * 3 + k]).toBe(i * 3 + k + 100 * j);
  });

  it('rank-0 operands broadcast with anything', () => {
    const s = tensor(10);
    expect(add(s, tensor([[1, 2], [3, 4]])).toArray()).toEqual([[11, 12], [13, 14]]);
    expect(add(tensor([[1, 2], [3, 4]]), s).shape).toEqual([2, 2]);
    const r = add(s, tensor(5));
    expect(r.shape).toEqual([]);
    expect(r.item()).toBe(15);
    expect(add(tensor([1, 2]), 0.5).toArray()).toEqual([1.5, 2.5]);
    expect(add(s, zeros([0])).shape).toEqual([0]);
  });

  it('[1] + [] -> [1] and [1,1] + [3] -> [1,3]', () => {
    expect(add(tensor([1]), tensor(2)).shape).toEqual([1]);
    expect(add(tensor([[1]]), tensor([1, 2, 3])).toArray()).toEqual([[2, 3, 4]]);
  });

  it('incompatible shapes throw naming add and both shapes', () => {
    expectTapegradError(() => add(zeros([3, 2]), zeros([3])), 'add', '[3, 2]', '[3]');
  });
});

describe('.to() casts', () => {
  it('float32 -> float64 keeps the float32 values exactly', () => {
    const t = tensor([0.1, 2]);
    const d = t.to('float64');
    expect(d.dtype).toBe('float64');
    expect(d.data).toBeInstanceOf(Float64Array);
    expect(d.data[0]).toBe(Math.fround(0.1));
    expect(d.shape).toEqual([2]);
  });

  it('float64 -> float32 rounds', () => {
    const d = tensor([0.1, 1e-50], { dtype: 'float64' }).to('float32');
    expect(d.dtype).toBe('float32');
    expect(Array.from(d.data)).toEqual([Math.fround(0.1), 0]);
  });

  it('float -> int32 truncates toward zero; int32 -> float exact', () => {
    const i = tensor([1.7, -1.7, 2.5, -0.5]).to('int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([1, -1, 2, 0]);
    const f = tensor([3, -4], { dtype: 'int32' }).to('float64');
    expect(f.dtype).toBe('float64');
    expect(Array.from(f.data)).toEqual([3, -4]);
  });

  it('is a copy, and differentiable between float dtypes', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.to('float64');
    expect(y.data).not.toBe(x.data);
    expect(y.requiresGrad).toBe(true);
    y.mul(y).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expectExact(x.grad!, [2, 4, 6]);
  });
});
