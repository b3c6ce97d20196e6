import { describe, expect, it } from 'vitest';
import {
  TapegradError, add, binaryCrossEntropyWithLogits, concat, crossEntropy, exp, expand, gather, grad, gradcheck, gradgradcheck,
  indexSelect, linear, log, matmul, mul, narrow, ones, reshape, select, slice, softmax, split, squeeze, stack, sum, tensor,
  transpose, unsqueeze, where, zeros,
} from '../../index.js';
import { thrown } from '../helpers/values.js';

const i32 = (v: Parameters<typeof tensor>[0]) => tensor(v, { dtype: 'int32' });

/** Runs `fn`, asserts a TapegradError from `op` whose message contains every part, and returns it. */
function expectError(fn: () => unknown, op: string, ...parts: string[]): TapegradError {
  const e = thrown(fn);
  expect(e, `${e.name}: ${e.message}`).toBeInstanceOf(TapegradError);
  const te = e as TapegradError;
  expect(te.op).toBe(op);
  expect(te.name).toBe('TapegradError');
  expect(te.message.startsWith(`${op}: `)).toBe(true);
  for (const p of parts) expect(te.message).toContain(p);
  return te;
}

describe('TapegradError', () => {
  it('is an Error carrying the op, with the op as message prefix', () => {
    const e = new TapegradError('myOp', 'went wrong');
    expect(e).toBeInstanceOf(Error);
    expect(e.op).toBe('myOp');
    expect(e.message).toBe('myOp: went wrong');
  });
});

describe('shape mismatches', () => {
  it('add [2,3] + [4]', () => {
    expectError(() => add(zeros([2, 3]), zeros([4])), 'add', '[2, 3]', '[4]', 'broadcast');
  });

  it('method form reports the same op', () => {
    expectError(() => zeros([2, 3]).mul(zeros([3, 2])), 'mul', '[2, 3]', '[3, 2]');
  });

  it('matmul [2,3] @ [4,5]', () => {
    expectError(() => matmul(zeros([2, 3]), zeros([4, 5])), 'matmul', '[2, 3]', '[4, 5]', '3', '4');
  });

  it('matmul [2,3] @ [4] (vector length)', () => {
    expectError(() => matmul(zeros([2, 3]), zeros([4])), 'matmul', '[2, 3]', '[4]');
  });

  it('matmul with batch axes that do not broadcast names the full shapes', () => {
    expectError(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), 'matmul', '[2, 2, 3]', '[3, 3, 4]');
  });

  it('matmul of a scalar', () => {
    expectError(() => matmul(tensor(1), zeros([2])), 'matmul', '[]');
  });

  it('linear with wrong in-features', () => {
    expectError(() => linear(zeros([8, 3]), zeros([4, 5])), 'linear', '[8, 3]', '[4, 5]', '5');
  });

  it('linear with a bias of the wrong size', () => {
    expectError(() => linear(zeros([8, 3]), zeros([4, 3]), zeros([5])), 'linear', 'bias', '[5]', '4');
  });

  it('linear with a whole-output bias of the wrong shape (no broadcasting of its rows)', () => {
    expectError(() => linear(zeros([8, 3]), zeros([4, 3]), zeros([1, 4])), 'linear', 'bias', '[1, 4]', '[8, 4]');
  });

  it('concat of mismatched shapes', () => {
    expectError(() => concat([zeros([2, 3]), zeros([3, 4])], 0), 'concat', '[3, 4]', '[2, 3]', 'axis 0');
    expectError(() => concat([zeros([2, 3]), zeros([2, 3, 1])], 1), 'concat', '[2, 3, 1]');
  });

  it('stack of mismatched shapes', () => {
    expectError(() => stack([zeros([2, 3]), zeros([3, 2])]), 'stack', '[3, 2]', '[2, 3]');
  });

  it('where with operands that do not broadcast', () => {
    expectError(() => where(ones([2]), zeros([3]), zeros([2])), 'where', '[3]', '[2]');
  });

  it('binaryCrossEntropyWithLogits with a target of another shape', () => {
    expectError(() => binaryCrossEntropyWithLogits(zeros([3]), zeros([4])), 'binaryCrossEntropyWithLogits', '[3]', '[4]');
  });
});

describe('dtype mismatches', () => {
  it('float32 + float64', () => {
    const e = expectError(() => add(zeros([2]), zeros([2], { dtype: 'float64' })), 'add', 'float32', 'float64', 'dtype');
    expect(e.message).toContain("to('float64')");
  });

  it('matmul float32 @ float64', () => {
    expectError(() => matmul(zeros([2, 2]), zeros([2, 2], { dtype: 'float64' })), 'matmul', 'float32', 'float64');
  });

  it('int32 into exp / log / softmax', () => {
    expectError(() => exp(i32([1, 2])), 'exp', 'int32', '[2]');
    expectError(() => log(i32([1])), 'log', 'int32');
    expectError(() => softmax(i32([[1, 2]])), 'softmax', 'int32');
  });

  it('float index into indexSelect / gather', () => {
    expectError(() => indexSelect(zeros([3, 2]), 0, tensor([0, 1])), 'indexSelect', 'int32', 'float32');
    expectError(() => gather(zeros([3, 2]), 1, tensor([[0], [1], [0]])), 'gather', 'int32', 'float32');
  });

  it('concat of different dtypes', () => {
    expectError(() => concat([zeros([2]), zeros([2], { dtype: 'float64' })]), 'concat', 'float64', 'float32');
  });

  it('a fractional number with an int32 tensor names the op that was called', () => {
    expectError(() => add(i32([1]), 0.5), 'add', '0.5', 'int32');
  });
});

describe('index out of range', () => {
  it('indexSelect', () => {
    expectError(() => indexSelect(zeros([3, 2]), 0, i32([0, 3])), 'indexSelect', 'index 3', 'size 3', '[3, 2]');
    expectError(() => indexSelect(zeros([3, 2]), 0, i32([-1])), 'indexSelect', '-1');
    expectError(() => indexSelect(zeros([3, 2]), 2, i32([0])), 'indexSelect', 'axis 2');
  });

  it('gather', () => {
    expectError(() => gather(zeros([3, 2]), 1, i32([[0], [2], [0]])), 'gather', 'index 2', 'size 2', '[3, 2]');
    expectError(() => gather(zeros([3, 2]), 1, i32([0, 1])), 'gather', '[2]', '[3, 2]');
  });

  it('select', () => {
    expectError(() => select(zeros([3, 2]), 1, 2), 'select', 'index 2', 'size 2', '[3, 2]');
    expectError(() => select(zeros([3, 2]), 0, -4), 'select', '-4');
    expectError(() => select(zeros([3, 2]), 2, 0), 'select', 'axis 2', 'rank 2');
  });

  it('narrow', () => {
    expectError(() => narrow(zeros([3, 4]), 1, 2, 3), 'narrow', 'start 2', 'length 3', 'size 4', '[3, 4]');
    expectError(() => narrow(zeros([3, 4]), 1, 5, 0), 'narrow', 'start 5');
  });

  it('slice with an integer index', () => {
    expectError(() => slice(zeros([3]), [5]), 'slice', 'index 5', 'size 3');
    expectError(() => slice(zeros([3]), [null, null]), 'slice', 'rank 1');
  });

  it('axes out of range', () => {
    expectError(() => sum(zeros([2, 3]), 2), 'sum', 'axis 2', 'rank 2');
    expectError(() => unsqueeze(zeros([2]), 3), 'unsqueeze', 'axis 3');
    expectError(() => transpose(zeros([2, 3]), 0, 2), 'transpose', 'axis 2');
  });
});

describe('shape changes', () => {
  it('reshape to the wrong size', () => {
    expectError(() => reshape(zeros([2, 3]), [4, 2]), 'reshape', '[2, 3]', '[4, 2]', '6', '8');
    expectError(() => reshape(zeros([2, 3]), [4, -1]), 'reshape', '[2, 3]', '[4, -1]');
    expectError(() => reshape(zeros([6]), [-1, -1]), 'reshape', '[-1, -1]');
  });

  it('squeeze of a non-1 axis', () => {
    expectError(() => squeeze(zeros([2, 1, 3]), 0), 'squeeze', 'axis 0', '[2, 1, 3]', 'size 2');
  });

  it('split into sections that do not add up', () => {
    expectError(() => split(zeros([5]), [2, 2]), 'split', '[2, 2]', '5');
  });

  it('expand to an incompatible shape names expand', () => {
    expectError(() => expand(zeros([2, 3]), [3, 3]), 'expand', '[2, 3]', '[3, 3]');
  });
});

describe('losses', () => {
  it('crossEntropy with the wrong target shape', () => {
    expectError(() => crossEntropy(zeros([4, 3]), i32([0, 1, 2])), 'crossEntropy', '[4, 3]', '[4]', '[3]');
    expectError(() => crossEntropy(zeros([2, 3, 5]), i32([[0, 1, 2]])), 'crossEntropy', '[2, 5]', '[1, 3]');
  });

  it('crossEntropy with float targets', () => {
    expectError(() => crossEntropy(zeros([4, 3]), tensor([0, 1, 2, 0])), 'crossEntropy', 'int32', 'float32');
  });

  it('crossEntropy with a class index out of range names crossEntropy', () => {
    expectError(() => crossEntropy(zeros([2, 3]), i32([0, 3])), 'crossEntropy', '3');
  });
});

describe('autograd misuse', () => {
  it('backward on a non-scalar without a seed', () => {
    expectError(() => mul(zeros([2, 2], { requiresGrad: true }), 2).backward(), 'backward', 'seed', '[2, 2]');
  });

  it('second backward without retainGraph names the op and retainGraph', () => {
    const x = ones([3], { requiresGrad: true });
    const y = exp(x).sum();
    y.backward();
    expectError(() => y.backward(), 'backward', "'sum'", 'retainGraph');
  });

  it('grad of a non-scalar function', () => {
    expectError(() => grad((x: ReturnType<typeof zeros>) => mul(x, 2))(zeros([3])), 'grad', '[3]', 'vjp');
  });

  it('where with a cond that requires grad', () => {
    expectError(() => where(zeros([2], { requiresGrad: true }), zeros([2]), zeros([2])), 'where', 'cond');
  });

  it('gradcheck with float32 input explains that float64 is needed', () => {
    const e = expectError(() => gradcheck((x) => x.sum(), [zeros([2])]), 'gradcheck', 'float32', 'float64', '[2]');
    expect(e.message).toContain("to('float64')");
    expectError(() => gradgradcheck((x) => x.sum(), [zeros([2])]), 'gradgradcheck', 'float64');
  });

  it('gradcheck with raise: a wrong gradient throws with both values', () => {
    // d/dx sum(detach(x) * x) is reported as x analytically but is 2x numerically.
    const e = expectError(
      () => gradcheck((x) => mul(x.detach(), x).sum(), [tensor([1, 2], { dtype: 'float64' })], { raise: true }),
      'gradcheck',
      'input 0',
      'analytically',
      'numerically',
    );
    // the worst element is x[1] = 2: 2 analytically, 4 numerically
    expect(e.message).toContain('d input[1]');
    expect(e.message).toMatch(/is 2 analytically but 4\.0*\d* numerically/);
  });

  it('non-tensor arguments to ops are refused with a hint', () => {
    expectError(() => mul([1, 2] as never, 2), 'mul', 'array', 'tensor(');
  });
});
