/**
 * pad as torch.nn.functional.pad in every mode, with negative padding (cropping), against PyTorch 1.13:
 * each expected tensor was printed by the F.pad call quoted beside it (float64, /usr/bin/python3).
 */
import { describe, expect, it } from 'vitest';
import { type PadMode, type Tensor, arange, grad, pad, sum, tensor, zeros } from '../../index.js';
import { expectClose, expectExact, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
/** x = torch.arange(1., 6.).reshape(1, 1, 5) */
const x1 = arange(1, 6, 1, { dtype: 'float64' }).reshape([1, 1, 5]);
/** x = torch.arange(1., 13.).reshape(1, 1, 3, 4) */
const x2 = arange(1, 13, 1, { dtype: 'float64' }).reshape([1, 1, 3, 4]);
const row = (t: Tensor): number[] => Array.from(t.data);

describe('pad along one axis: F.pad(x, pads, mode=mode) with x = arange(1., 6.).reshape(1, 1, 5)', () => {
  const expected: Record<PadMode, [number[], number[]][]> = {
    constant: [
      [[2, 1], [0, 0, 1, 2, 3, 4, 5, 0]],
      [[-1, 2], [2, 3, 4, 5, 0, 0]],
      [[-1, -2], [2, 3]],
      [[-3, -2], []],
      [[-5, 2], [0, 0]],
      [[6, 0], [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]],
    ],
    reflect: [
      [[2, 1], [3, 2, 1, 2, 3, 4, 5, 4]],
      [[4, 4], [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2, 1]],
      [[-1, 4], [2, 3, 4, 5, 4, 3, 2, 1]],
      [[4, -1], [5, 4, 3, 2, 1, 2, 3, 4]],
      [[-4, 4], [5, 4, 3, 2, 1]],
      [[-6, 2], [3]],
      [[2, -5], [3, 2]],
    ],
    replicate: [
      [[2, 1], [1, 1, 1, 2, 3, 4, 5, 5]],
      [[6, 0], [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5]],
      [[-1, 4], [2, 3, 4, 5, 5, 5, 5, 5]],
      [[-5, 2], [5, 5]],
      [[2, -5], [1, 1]],
      [[-6, 2], [5]],
    ],
    circular: [
      [[2, 1], [4, 5, 1, 2, 3, 4, 5, 1]],
      [[5, 0], [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]],
      [[4, 4], [2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4]],
      [[-1, 2], [2, 3, 4, 5, 2, 3]],
      [[-2, 3], [3, 4, 5, 3, 4, 5]],
      [[3, -2], [1, 2, 3, 1, 2, 3]],
      [[-4, 1], [5, 5]],
      [[-5, 0], []],
    ],
  };
  for (const [mode, cases] of Object.entries(expected) as [PadMode, [number[], number[]][]][])
    for (const [pads, values] of cases)
      it(`${mode} (${pads.join(', ')})`, () => {
        const y = pad(x1, pads, { mode });
        expect(y.shape).toEqual([1, 1, values.length]);
        expectExact(row(y), values);
      });

  it('the constant mode fills with the value given as a number or an option', () => {
    // F.pad(x, (1, 1), value=2.) = [2, 1, 2, 3, 4, 5, 2]
    expectExact(row(pad(x1, [1, 1], 2)), [2, 1, 2, 3, 4, 5, 2]);
    expectExact(row(pad(x1, [1, 1], { value: 2 })), [2, 1, 2, 3, 4, 5, 2]);
    expectExact(row(pad(x1, [1, 1], { mode: 'constant', value: 2 })), [2, 1, 2, 3, 4, 5, 2]);
  });
});

describe('pad along two axes (separable, crops and pads together)', () => {
  // F.pad(x, (-1, 2, 1, -1), mode=mode) with x = arange(1., 13.).reshape(1, 1, 3, 4)
  const cropped: Record<Exclude<PadMode, 'constant'>, number[][]> = {
    reflect: [[6, 7, 8, 7, 6], [2, 3, 4, 3, 2], [6, 7, 8, 7, 6]],
    replicate: [[2, 3, 4, 4, 4], [2, 3, 4, 4, 4], [6, 7, 8, 8, 8]],
    circular: [[6, 7, 8, 6, 7], [2, 3, 4, 2, 3], [6, 7, 8, 6, 7]],
  };
  for (const [mode, values] of Object.entries(cropped)) it(`${mode} (-1, 2, 1, -1)`, () => expectExact(pad(x2, [-1, 2, 1, -1], { mode: mode as PadMode }), [[values]]));

  it('reflect (1, 2, 2, 1)', () => {
    // F.pad(x, (1, 2, 2, 1), mode='reflect')
    expectExact(pad(x2, [1, 2, 2, 1], { mode: 'reflect' }), [[[
      [10, 9, 10, 11, 12, 11, 10], [6, 5, 6, 7, 8, 7, 6], [2, 1, 2, 3, 4, 3, 2],
      [6, 5, 6, 7, 8, 7, 6], [10, 9, 10, 11, 12, 11, 10], [6, 5, 6, 7, 8, 7, 6],
    ]]]);
  });

  it('circular (1, 2, 2, 1)', () => {
    // F.pad(x, (1, 2, 2, 1), mode='circular')
    expectExact(pad(x2, [1, 2, 2, 1], { mode: 'circular' }), [[[
      [8, 5, 6, 7, 8, 5, 6], [12, 9, 10, 11, 12, 9, 10], [4, 1, 2, 3, 4, 1, 2],
      [8, 5, 6, 7, 8, 5, 6], [12, 9, 10, 11, 12, 9, 10], [4, 1, 2, 3, 4, 1, 2],
    ]]]);
  });

  it('replicate (1, 2, 2, 1)', () => {
    // F.pad(x, (1, 2, 2, 1), mode='replicate')
    expectExact(pad(x2, [1, 2, 2, 1], { mode: 'replicate' }), [[[
      [1, 1, 2, 3, 4, 4, 4], [1, 1, 2, 3, 4, 4, 4], [1, 1, 2, 3, 4, 4, 4],
      [5, 5, 6, 7, 8, 8, 8], [9, 9, 10, 11, 12, 12, 12], [9, 9, 10, 11, 12, 12, 12],
    ]]]);
  });
});

describe('pad gradients', () => {
  // xx = arange(1., 13.).reshape(1, 1, 3, 4).requires_grad_(); y = F.pad(xx, pads, mode=mode)
  // (constant: F.pad(xx, (2, -1, 1, 2), value=0.5)); w = arange(1., y.numel() + 1).reshape(y.shape);
  // torch.autograd.grad((y * w).sum(), [xx])
  const cases: [PadMode, number[], number[][]][] = [
    ['constant', [2, -1, 1, 2], [[8, 9, 10, 0], [13, 14, 15, 0], [18, 19, 20, 0]]],
    ['reflect', [2, 1, 1, 2], [[48, 96, 152, 54], [51, 102, 165, 60], [24, 48, 76, 27]]],
    ['replicate', [2, 1, 1, 2], [[33, 15, 17, 40], [48, 18, 19, 41], [270, 96, 99, 207]]],
    ['circular', [2, 1, 1, 2], [[90, 43, 82, 86], [118, 57, 110, 114], [62, 29, 54, 58]]],
  ];
  for (const [mode, pads, expected] of cases)
    it(`${mode} (${pads.join(', ')})`, () => {
      const f = (t: Tensor) => (mode === 'constant' ? pad(t, pads, 0.5) : pad(t, pads, { mode }));
      const y = f(x2);
      const w = arange(1, y.size + 1, 1, { dtype: 'float64' }).reshape([...y.shape]);
      expectClose(grad((t: Tensor) => sum(f(t).mul(w)))(x2), [[expected]], { atol: 0 });
    });
});

describe('pad refuses what PyTorch refuses, naming pad', () => {
  const err = (f: () => unknown) => thrown(f).message;
  it('reflect padding as large as the axis', () => {
    // torch: "Padding size should be less than the corresponding input dimension, but got: padding (5, 0) at dimension 2"
    expect(err(() => pad(x1, [5, 0], { mode: 'reflect' }))).toMatch(/^pad: reflect padding must be smaller than the axis \(axis 2 of size 5 in shape \[1, 1, 5\], padding \(5, 0\)\)/);
    // a size-1 axis cannot be reflected at all
    expect(err(() => pad(zeros([1]), [1, 0], { mode: 'reflect' }))).toMatch(/^pad: reflect padding must be smaller/);
  });
  it('cropping to nothing (reflect, replicate) or past nothing (constant, circular)', () => {
    // torch: "input (W: 5) is too small. Calculated output W: 0"; constant (-3, -3): "start (0) + length (-1) exceeds dimension size"
    expect(err(() => pad(x1, [-3, -2], { mode: 'reflect' }))).toMatch(/^pad: the 'reflect' mode needs a non-empty result, got size 0/);
    expect(err(() => pad(x1, [-5, 0], { mode: 'replicate' }))).toMatch(/^pad: the 'replicate' mode needs a non-empty result/);
    expect(err(() => pad(x1, [-3, -3]))).toMatch(/^pad: cannot crop 6 elements \(axis 2 of size 5/);
    expect(err(() => pad(x1, [-6, 2], { mode: 'circular' }))).toMatch(/^pad: cannot crop 6 elements/);
  });
  it('circular padding that wraps more than once', () => {
    // torch: "Padding value causes wrapping around more than once."
    expect(err(() => pad(x1, [6, 0], { mode: 'circular' }))).toMatch(/^pad: circular padding wraps around at most once: each pad must be at most 5/);
    expect(err(() => pad(x1, [-2, 4], { mode: 'circular' }))).toMatch(/at most 3, the size after cropping/);
  });
  it('replicating an empty axis', () => {
    expect(err(() => pad(zeros([2, 0]), [1, 1], { mode: 'replicate' }))).toMatch(/^pad: cannot replicate the edge of an empty axis/);
  });
  it('a value with a non-constant mode, an unknown mode, bad pads', () => {
    // torch: 'Padding mode "reflect" doesn\'t take in value argument'; 'Unrecognised padding mode wrap'
    expect(err(() => pad(x1, [1, 1], { mode: 'reflect', value: 2 }))).toMatch(/^pad: the 'reflect' mode takes no value \(got value 2\)/);
    expect(err(() => pad(x1, [1, 1], { mode: 'wrap' as PadMode }))).toMatch(/^pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got wrap/);
    // torch: "Padding length must be divisible by 2", "Padding length too large"
    expect(err(() => pad(f64([1, 2]), [1]))).toMatch(/^pad: pads must hold \(before, after\) pairs for at most 1 axes, got \[1\]/);
    expect(err(() => pad(f64([1, 2]), [1, 1, 1, 1]))).toMatch(/^pad: pads must hold/);
    expect(err(() => pad(f64([1, 2]), [0.5, 1]))).toMatch(/^pad: each padding must be an integer, got 0.5/);
    expect(err(() => pad(f64([1, 2]), [1, 1], { mode: 'constant', fill: 1 } as never))).toMatch(/^pad: unknown option 'fill' \(pad takes mode, value\)/);
  });
});
