/**
 * Every public entry point refuses bad input with a TapegradError that names the function or layer the
 * user called (not an internal one), the offending value, shape or dtype, and what it expected. One row
 * per (entry point, bad input); a last test fails when an export has no row (or an exemption saying why).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../index.js';
import { Generator, TapegradError, Tensor, nn, optim, randn, tensor, zeros } from '../../index.js';
import { thrown } from '../helpers/values.js';

/** Asserts a TapegradError from `op` (its `.op` and message prefix) whose message contains every part. */
function expectRefused(e: unknown, op: string, parts: readonly string[]): void {
  const err = e as Error;
  expect(err, `${err?.name}: ${err?.message}`).toBeInstanceOf(TapegradError);
  const te = err as TapegradError;
  expect(te.op, te.message).toBe(op);
  expect(te.message.startsWith(`${op}: `)).toBe(true);
  for (const p of parts) expect(te.message).toContain(p);
}

const x = () => randn([2, 3], { generator: new Generator(0) });
const f64 = () => randn([2, 3], { dtype: 'float64', generator: new Generator(1) });
const i32 = () => tensor([[1, 2, 3]], { dtype: 'int32' });
const leaf = () => zeros([2], { requiresGrad: true });
const sgd = () => new optim.SGD([leaf()], { lr: 0.1 });
const seq = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => randn(shape, { dtype, generator: new Generator(2) });
// biome-ignore lint: bad input is the point of this file.
const bad = (v: unknown): any => v;

/** [entry point, bad input, call, the op the error must name, ...what the message must contain] */
type Row = readonly [entry: string, input: string, call: () => unknown, op: string, ...parts: string[]];

const rows: Row[] = [
  // ---- creation ----
  ['tensor', 'a string', () => tensor(bad('abc')), 'tensor', 'string'],
  ['tensor', 'NaN as int32', () => tensor([Number.NaN], { dtype: 'int32' }), 'tensor', 'NaN', 'int32'],
  ['tensor', 'unknown option', () => tensor([1], bad({ dtyp: 'float64' })), 'tensor', "'dtyp'"],
  ['tensor', 'shape of the wrong size', () => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', '[2, 2]', '4'],
  ['zeros', 'shape of 10^12 elements', () => T.zeros([1e6, 1e6]), 'zeros', '[1000000, 1000000]', 'at most'],
  ['zeros', 'unknown option', () => T.zeros([2], bad({ dtyp: 'float64' })), 'zeros', "'dtyp'", 'dtype, requiresGrad'],
  ['zeros', 'a string shape', () => T.zeros(bad('3')), 'zeros', 'shape', '3'],
  ['zeros', 'dtype float16', () => T.zeros([2], { dtype: bad('float16') }), 'zeros', 'float16'],
  ['ones', 'NaN dimension', () => T.ones([Number.NaN]), 'ones', '[NaN]'],
  ['ones', 'non-boolean requiresGrad', () => T.ones([2], { requiresGrad: bad('yes') }), 'ones', 'requiresGrad', 'yes'],
  ['full', 'a string value', () => T.full([2], bad('a')), 'full', 'value', 'string'],
  ['full', 'fraction as int32', () => T.full([2], 0.5, { dtype: 'int32' }), 'full', '0.5'],
  ['zerosLike', 'an array', () => T.zerosLike(bad([1, 2])), 'zerosLike', 'Tensor', 'array'],
  ['onesLike', 'unknown option', () => T.onesLike(x(), bad({ foo: 1 })), 'onesLike', "'foo'"],
  ['arange', '10^12 elements', () => T.arange(0, 1e12), 'arange', '1.000e+12', 'at most'],
  ['arange', 'a string', () => T.arange(bad('a')), 'arange', 'a'],
  ['arange', 'step 0', () => T.arange(0, 3, 0), 'arange', 'step', '0'],
  ['linspace', 'NaN start', () => T.linspace(Number.NaN, 1, 3), 'linspace', 'NaN'],
  ['linspace', '10^12 steps', () => T.linspace(0, 1, 1e12), 'linspace', 'at most'],
  ['eye', 'negative size', () => T.eye(-1), 'eye', '-1'],
  ['eye', '10^12 elements', () => T.eye(1e6), 'eye', 'at most'],
  ['rand', '10^10 elements', () => T.rand([1e5, 1e5]), 'rand', 'at most'],
  ['Generator', 'a string seed', () => new T.Generator(bad('a')), 'Generator', 'safe integer', "'a'"],
  ['Generator', 'setState with a string', () => new T.Generator(0).setState(bad('x')), 'Generator.setState', "'x'"],
  ['defaultGenerator', 'a seed given to it', () => (T.defaultGenerator as (...a: unknown[]) => unknown)(5), 'defaultGenerator', '1', 'manualSeed'],
  ['manualSeed', 'a fractional seed', () => T.manualSeed(1.5), 'manualSeed', '1.5'],
  ['manualSeed', 'a string seed', () => T.manualSeed(bad('abc')), 'manualSeed', "'abc'"],
  ['rand', 'a string generator', () => T.rand([2], { generator: bad('g') }), 'rand', 'Generator', 'string'],
  ['randn', 'unknown option', () => T.randn([2], bad({ seed: 1 })), 'randn', "'seed'"],
  ['randn', 'int32 dtype', () => T.randn([2], { dtype: 'int32' }), 'randn', 'int32'],
  ['uniform', 'NaN low', () => T.uniform([2], Number.NaN, 1), 'uniform', 'low=NaN'],
  ['randint', 'NaN high', () => T.randint(0, Number.NaN, [2]), 'randint', 'high=NaN'],
  ['randint', 'negative shape', () => T.randint(0, 3, [-2]), 'randint', '[-2]'],
  // ---- kernels and global switches ----
  ['setBackend', 'an empty object', () => T.setBackend(bad({})), 'setBackend', 'unary', 'matmul', 'jsBackend'],
  ['setBackend', 'null', () => T.setBackend(bad(null)), 'setBackend', 'null'],
  ['setBackend', 'a backend without linear', () => T.setBackend({ ...T.jsBackend, name: 'mine', linear: bad(undefined) }), 'setBackend', "'mine'", 'linear'],
  ['setNumThreads', '0', () => T.setNumThreads(0), 'setNumThreads', '0'],
  ['setNumThreads', 'a Symbol', () => T.setNumThreads(bad(Symbol('n'))), 'setNumThreads', 'Symbol(n)'],
  ['eye', 'a Symbol', () => T.eye(bad(Symbol('n'))), 'eye', 'Symbol(n)'],
  ['setNumThreads', '1.5', () => T.setNumThreads(1.5), 'setNumThreads', '1.5'],
  ['setDetectAnomaly', 'a string', () => T.setDetectAnomaly(bad('yes')), 'setDetectAnomaly', 'yes'],
  ['noGrad', 'not a function', () => T.noGrad(bad('x')), 'noGrad', 'function', 'string'],
  ['enableGrad', 'not a function', () => T.enableGrad(bad(3)), 'enableGrad', 'function', 'number'],
  ['defineOp', 'no name', () => T.defineOp(bad({ forward: () => x(), vjp: () => [] })), 'defineOp', 'name'],
  ['defineOp', 'no vjp', () => T.defineOp(bad({ name: 'square', forward: () => x() })), 'defineOp', "'square'", 'vjp'],
  ['defineMultiOp', 'no forward', () => T.defineMultiOp(bad({ name: 'halves', vjp: () => [] })), 'defineMultiOp', "'halves'", 'forward'],
  // ---- autograd ----
  ['backward', 'unknown option', () => T.backward(leaf().mul(2).sum(), undefined, bad({ retain: true })), 'backward', "'retain'", 'retainGraph'],
  ['backward', 'a string createGraph', () => T.backward(leaf().mul(2).sum(), undefined, { createGraph: bad('yes') }), 'backward', 'createGraph', 'yes'],
  ['backward', 'a seed of another shape', () => T.backward(leaf().mul(2), zeros([3])), 'backward', 'seed', '[2]', '[3]'],
  ['grad', 'not a function', () => T.grad(bad(3)), 'grad', 'function', 'number'],
  ['grad', 'unknown option', () => T.grad((a: Tensor) => a.sum(), bad({ argnum: 0 })), 'grad', "'argnum'"],
  ['grad', 'string argnums', () => T.grad((a: Tensor) => a.sum(), { argnums: bad('a') }), 'grad', 'argnums', '"a"'],
  ['grad', 'argnums out of range', () => T.grad((a: Tensor) => a.sum(), { argnums: 3 })(x()), 'grad', 'argnums 3', '1 argument'],
  ['grad', 'a non-scalar function', () => T.grad((a: Tensor) => a.mul(2))(x()), 'grad', '[2, 3]'],
  ['valueAndGrad', 'null', () => T.valueAndGrad(bad(null)), 'valueAndGrad', 'function', 'null'],
  ['valueAndGrad', 'non-boolean hasAux', () => T.valueAndGrad((a: Tensor) => a.sum(), { hasAux: bad(1) }), 'valueAndGrad', 'hasAux'],
  ['vjp', 'not a function', () => T.vjp(bad(3), x()), 'vjp', 'function'],
  ['vjp', 'an int32 argument', () => T.vjp((a: Tensor) => a, i32()), 'vjp', 'int32'],
  ['gradcheck', 'not a function', () => T.gradcheck(bad(3), [f64()]), 'gradcheck', 'function'],
  ['gradcheck', 'unknown option', () => T.gradcheck((a) => a.sum(), [f64()], bad({ tol: 1 })), 'gradcheck', "'tol'", 'eps, atol, rtol, raise'],
  ['gradcheck', 'NaN eps', () => T.gradcheck((a) => a.sum(), [f64()], { eps: Number.NaN }), 'gradcheck', 'eps', 'NaN'],
  ['gradcheck', 'negative atol', () => T.gradcheck((a) => a.sum(), [f64()], { atol: -1 }), 'gradcheck', 'atol', '-1'],
  ['gradcheck', 'no inputs', () => T.gradcheck((a) => a.sum(), []), 'gradcheck', 'empty'],
  ['gradcheck', 'float32 input', () => T.gradcheck((a) => a.sum(), [x()]), 'gradcheck', 'float32', 'float64'],
  ['gradgradcheck', 'unknown option', () => T.gradgradcheck((a) => a.sum(), [f64()], bad({ foo: 1 })), 'gradgradcheck', "'foo'", 'seed'],
  ['gradgradcheck', 'a fractional seed', () => T.gradgradcheck((a) => a.sum(), [f64()], { seed: 0.5 }), 'gradgradcheck', 'seed', '0.5'],
  ['gradgradcheck', 'float32 input', () => T.gradgradcheck((a) => a.sum(), [x()]), 'gradgradcheck', 'float32'],
  // ---- ops (their own option bags and semantics are tested with the ops; here: the name and the value) ----
  ['add', 'shapes that do not broadcast', () => T.add(zeros([2, 3]), zeros([4])), 'add', '[2, 3]', '[4]'],
  ['sub', 'a string', () => T.sub(x(), bad('a')), 'sub', 'string'],
  ['mul', 'float32 * float64', () => T.mul(x(), f64()), 'mul', 'float32', 'float64'],
  ['div', 'an array', () => T.div(bad([1]), x()), 'div', 'array'],
  ['neg', 'null', () => T.neg(bad(null)), 'neg', 'null'],
  ['pow', 'a string exponent', () => T.pow(x(), bad('a')), 'pow', 'string'],
  ['maximum', 'shapes that do not broadcast', () => T.maximum(zeros([2]), zeros([3])), 'maximum', '[2]', '[3]'],
  ['minimum', 'float and int32', () => T.minimum(zeros([3]), tensor([1, 2, 3], { dtype: 'int32' })), 'minimum', 'int32'],
  ['where', 'operands that do not broadcast', () => T.where(T.ones([2]), zeros([3]), zeros([2])), 'where', '[3]', '[2]'],
  ['exp', 'int32', () => T.exp(i32()), 'exp', 'int32'],
  ['log', 'an array', () => T.log(bad([1])), 'log', 'array'],
  ['log1p', 'int32', () => T.log1p(i32()), 'log1p', 'int32'],
  ['sqrt', 'int32', () => T.sqrt(i32()), 'sqrt', 'int32'],
  ['abs', 'a number array', () => T.abs(bad([1, 2])), 'abs', 'array'],
  ['sin', 'int32', () => T.sin(i32()), 'sin', 'int32'],
  ['cos', 'int32', () => T.cos(i32()), 'cos', 'int32'],
  ['tanh', 'int32', () => T.tanh(i32()), 'tanh', 'int32'],
  ['sigmoid', 'int32', () => T.sigmoid(i32()), 'sigmoid', 'int32'],
  ['relu', 'int32', () => T.relu(i32()), 'relu', 'int32'],
  ['leakyRelu', 'NaN slope', () => T.leakyRelu(x(), Number.NaN), 'leakyRelu', 'negativeSlope', 'NaN'],
  ['leakyRelu', 'infinite slope', () => T.leakyRelu(x(), Number.POSITIVE_INFINITY), 'leakyRelu', 'Infinity'],
  ['leakyRelu', 'a string slope', () => T.leakyRelu(x(), bad('0.1')), 'leakyRelu', 'string'],
  ['softplus', 'NaN beta', () => T.softplus(x(), Number.NaN), 'softplus', 'beta', 'NaN'],
  ['clamp', 'min > max', () => T.clamp(x(), 2, 1), 'clamp', 'min=2', 'max=1'],
  ['eq', 'a string', () => T.eq(x(), bad('a')), 'eq', 'string'],
  ['ne', 'shapes that do not broadcast', () => T.ne(zeros([2]), zeros([3])), 'ne', '[2]', '[3]'],
  ['lt', 'null', () => T.lt(bad(null), 1), 'lt', 'null'],
  ['le', 'shapes that do not broadcast', () => T.le(zeros([2]), zeros([3])), 'le', '[2]'],
  ['gt', 'shapes that do not broadcast', () => T.gt(zeros([2]), zeros([3])), 'gt', '[3]'],
  ['ge', 'a string', () => T.ge(x(), bad('a')), 'ge', 'string'],
  ['isnan', 'an array', () => T.isnan(bad([1])), 'isnan', 'array'],
  ['isfinite', 'a string', () => T.isfinite(bad('a')), 'isfinite', 'string'],
  ['sign', 'a string', () => T.sign(bad('a')), 'sign', 'string'],
  ['sum', 'axis out of range', () => T.sum(x(), 2), 'sum', 'axis 2', 'rank 2'],
  ['mean', 'axis 1.5', () => T.mean(x(), 1.5), 'mean', '1.5'],
  ['max', 'axis out of range', () => T.max(x(), 3), 'max', 'axis 3'],
  ['min', 'axis out of range', () => T.min(x(), -3), 'min', 'axis -3'],
  ['variance', 'axis out of range', () => T.variance(x(), 5), 'var', 'axis 5'],
  ['var', 'axis out of range', () => T.var(x(), 5), 'var', 'axis 5'],
  ['std', 'axis out of range', () => T.std(x(), 5), 'std', 'axis 5'],
  ['norm', 'NaN order', () => T.norm(x(), Number.NaN), 'norm', 'NaN'],
  ['logsumexp', 'axis out of range', () => T.logsumexp(x(), 9), 'logsumexp', 'axis 9'],
  ['argmax', 'axis 1.5', () => T.argmax(x(), 1.5), 'argmax', '1.5'],
  ['argmin', 'axis out of range', () => T.argmin(x(), 4), 'argmin', 'axis 4'],
  ['matmul', '[2, 3] @ [2, 3]', () => T.matmul(x(), x()), 'matmul', '[2, 3]'],
  ['linear', 'wrong in-features', () => T.linear(zeros([8, 3]), zeros([4, 5])), 'linear', '[8, 3]', '[4, 5]'],
  ['reshape', 'a string shape', () => T.reshape(x(), bad('a')), 'reshape', 'a'],
  ['reshape', 'the wrong size', () => T.reshape(x(), [4]), 'reshape', '[4]'],
  ['permute', 'a repeated axis', () => T.permute(x(), [0, 0]), 'permute', '[0, 0]'],
  ['transpose', 'axis out of range', () => T.transpose(x(), 0, 5), 'transpose', 'axis 5'],
  ['squeeze', 'a non-1 axis', () => T.squeeze(x(), 0), 'squeeze', '0'],
  ['unsqueeze', 'axis out of range', () => T.unsqueeze(x(), 5), 'unsqueeze', 'axis 5'],
  ['expand', 'an incompatible shape', () => T.expand(x(), [3, 3]), 'expand', '[3, 3]'],
  ['broadcastTo', 'an incompatible shape', () => T.broadcastTo(x(), [3, 3]), 'broadcastTo', '[3, 3]'],
  ['flatten', 'axis out of range', () => T.flatten(x(), 2, 0), 'flatten', 'axis 2'],
  ['slice', 'index out of range', () => T.slice(x(), [5]), 'slice', 'index 5'],
  ['narrow', 'NaN start', () => T.narrow(x(), 0, Number.NaN, 1), 'narrow', 'NaN'],
  ['select', 'index out of range', () => T.select(x(), 0, 5), 'select', '5'],
  ['indexSelect', 'a float index', () => T.indexSelect(x(), 0, tensor([0])), 'indexSelect', 'int32'],
  ['gather', 'index out of range', () => T.gather(x(), 1, tensor([[5]], { dtype: 'int32' })), 'gather', 'index 5'],
  ['concat', 'shapes that differ', () => T.concat([zeros([2, 3]), zeros([3, 4])], 0), 'concat', '[3, 4]'],
  ['stack', 'shapes that differ', () => T.stack([zeros([2, 3]), zeros([3, 2])]), 'stack', '[3, 2]'],
  ['split', 'sections that do not add up', () => T.split(zeros([5]), [2, 2]), 'split', '[2, 2]'],
  ['chunk', '0 chunks', () => T.chunk(x(), 0), 'chunk', '0'],
  ['unbind', 'axis out of range', () => T.unbind(x(), 4), 'unbind', 'axis 4'],
  ['flip', 'NaN axis', () => T.flip(x(), Number.NaN), 'flip', 'NaN'],
  ['pad', 'NaN padding', () => T.pad(x(), [Number.NaN, 1]), 'pad', 'NaN'],
  ['cast', 'dtype int8', () => T.cast(x(), bad('int8')), 'cast', 'int8'],
  ['clone', 'a number', () => T.clone(bad(3)), 'clone', 'number'],
  ['detach', 'null', () => T.detach(bad(null)), 'detach', 'null'],
  ['softmax', 'int32', () => T.softmax(i32()), 'softmax', 'int32'],
  ['logSoftmax', 'axis out of range', () => T.logSoftmax(x(), 3), 'logSoftmax', 'axis 3'],
  ['crossEntropy', 'float targets of another shape than the input', () => T.crossEntropy(x(), T.zeros([2])), 'crossEntropy', 'int32', 'float32 [2]'],
  ['crossEntropy', 'an option it does not take', () => T.crossEntropy(x(), T.zeros([2, 3]), { labelSmoothin: 0.1 } as never), 'crossEntropy', 'labelSmoothin'],
  ['binaryCrossEntropyWithLogits', 'a target of another shape', () => T.binaryCrossEntropyWithLogits(x(), zeros([3])), 'binaryCrossEntropyWithLogits', '[3]'],
  // ---- Tensor methods: each names the function it forwards to ----
  ['Tensor.add', 'a string', () => x().add(bad('a')), 'add', 'string'],
  ['Tensor.sub', 'shapes that do not broadcast', () => x().sub(zeros([4])), 'sub', '[4]'],
  ['Tensor.mul', 'shapes that do not broadcast', () => zeros([2, 3]).mul(zeros([3, 2])), 'mul', '[3, 2]'],
  ['Tensor.div', 'float64 divisor', () => x().div(f64()), 'div', 'float64'],
  ['Tensor.pow', 'a string', () => x().pow(bad('a')), 'pow', 'string'],
  ['Tensor.maximum', 'null', () => x().maximum(bad(null)), 'maximum', 'null'],
  ['Tensor.minimum', 'shapes that do not broadcast', () => x().minimum(zeros([4])), 'minimum', '[4]'],
  ['Tensor.exp', 'int32', () => i32().exp(), 'exp', 'int32'],
  ['Tensor.log', 'int32', () => i32().log(), 'log', 'int32'],
  ['Tensor.log1p', 'int32', () => i32().log1p(), 'log1p', 'int32'],
  ['Tensor.sqrt', 'int32', () => i32().sqrt(), 'sqrt', 'int32'],
  ['Tensor.sin', 'int32', () => i32().sin(), 'sin', 'int32'],
  ['Tensor.cos', 'int32', () => i32().cos(), 'cos', 'int32'],
  ['Tensor.tanh', 'int32', () => i32().tanh(), 'tanh', 'int32'],
  ['Tensor.sigmoid', 'int32', () => i32().sigmoid(), 'sigmoid', 'int32'],
  ['Tensor.relu', 'int32', () => i32().relu(), 'relu', 'int32'],
  ['Tensor.leakyRelu', 'NaN slope', () => x().leakyRelu(Number.NaN), 'leakyRelu', 'NaN'],
  ['Tensor.softplus', 'int32', () => i32().softplus(), 'softplus', 'int32'],
  ['Tensor.clamp', 'min > max', () => x().clamp(2, 1), 'clamp', 'min=2'],
  ['Tensor.eq', 'a string', () => x().eq(bad('a')), 'eq', 'string'],
  ['Tensor.ne', 'a string', () => x().ne(bad('a')), 'ne', 'string'],
  ['Tensor.lt', 'a string', () => x().lt(bad('a')), 'lt', 'string'],
  ['Tensor.le', 'a string', () => x().le(bad('a')), 'le', 'string'],
  ['Tensor.gt', 'a string', () => x().gt(bad('a')), 'gt', 'string'],
  ['Tensor.ge', 'a string', () => x().ge(bad('a')), 'ge', 'string'],
  ['Tensor.sum', 'axis out of range', () => x().sum(2), 'sum', 'axis 2'],
  ['Tensor.mean', 'axis 1.5', () => x().mean(1.5), 'mean', '1.5'],
  ['Tensor.max', 'axis out of range', () => x().max(3), 'max', 'axis 3'],
  ['Tensor.min', 'axis out of range', () => x().min(3), 'min', 'axis 3'],
  ['Tensor.var', 'axis out of range', () => x().var(3), 'var', 'axis 3'],
  ['Tensor.std', 'axis out of range', () => x().std(-3), 'std', 'axis -3'],
  ['Tensor.norm', 'NaN order', () => x().norm(Number.NaN), 'norm', 'NaN'],
  ['Tensor.logsumexp', 'axis out of range', () => x().logsumexp(3), 'logsumexp', 'axis 3'],
  ['Tensor.argmax', 'axis 1.5', () => x().argmax(1.5), 'argmax', '1.5'],
  ['Tensor.argmin', 'axis out of range', () => x().argmin(3), 'argmin', 'axis 3'],
  ['Tensor.matmul', '[2, 3] @ [2, 3]', () => x().matmul(x()), 'matmul', '[2, 3]'],
  ['Tensor.reshape', 'a string', () => x().reshape(bad('a')), 'reshape', 'a'],
  ['Tensor.transpose', 'axis out of range', () => x().transpose(0, 5), 'transpose', 'axis 5'],
  ['Tensor.permute', 'a repeated axis', () => x().permute([1, 1]), 'permute', '[1, 1]'],
  ['Tensor.squeeze', 'a non-1 axis', () => x().squeeze(1), 'squeeze', '1'],
  ['Tensor.unsqueeze', 'axis out of range', () => x().unsqueeze(5), 'unsqueeze', 'axis 5'],
  ['Tensor.expand', 'an incompatible shape', () => x().expand([3, 3]), 'expand', '[3, 3]'],
  ['Tensor.broadcastTo', 'an incompatible shape', () => x().broadcastTo([3, 3]), 'broadcastTo', '[3, 3]'],
  ['Tensor.flatten', 'axis out of range', () => x().flatten(3), 'flatten', 'axis 3'],
  ['Tensor.slice', 'index out of range', () => x().slice([5]), 'slice', 'index 5'],
  ['Tensor.narrow', 'NaN start', () => x().narrow(0, Number.NaN, 1), 'narrow', 'NaN'],
  ['Tensor.select', 'index out of range', () => x().select(1, 7), 'select', '7'],
  ['Tensor.indexSelect', 'a float index', () => x().indexSelect(0, tensor([0])), 'indexSelect', 'int32'],
  ['Tensor.gather', 'a float index', () => x().gather(0, tensor([[0]])), 'gather', 'int32'],
  ['Tensor.split', 'size -1', () => x().split(-1), 'split', '-1'],
  ['Tensor.unbind', 'axis out of range', () => x().unbind(4), 'unbind', 'axis 4'],
  ['Tensor.chunk', '0 chunks', () => x().chunk(0), 'chunk', '0'],
  ['Tensor.flip', 'NaN axis', () => x().flip(Number.NaN), 'flip', 'NaN'],
  ['Tensor.pad', 'NaN padding', () => x().pad([Number.NaN, 1]), 'pad', 'NaN'],
  ['Tensor.softmax', 'int32', () => i32().softmax(), 'softmax', 'int32'],
  ['Tensor.logSoftmax', 'axis out of range', () => x().logSoftmax(3), 'logSoftmax', 'axis 3'],
  ['Tensor.to', 'dtype float16', () => x().to(bad('float16')), 'cast', 'float16'],
  ['Tensor.item', 'a [2, 3] tensor', () => x().item(), 'item', '[2, 3]'],
  ['Tensor.requiresGrad', 'int32', () => { i32().requiresGrad = true; }, 'requiresGrad', 'int32'],
  ['Tensor.requiresGrad', 'a string', () => { x().requiresGrad = bad('yes'); }, 'requiresGrad', 'yes'],
  ['Tensor.backward', 'no grad', () => x().backward(), 'backward', '[2, 3]', 'does not require grad'],
  ['Tensor.backward', 'unknown option', () => leaf().sum().backward(undefined, bad({ retain: true })), 'backward', "'retain'"],
  // ---- nn: recurrent layers ----
  ['nn.LSTM', 'int32 input', () => new nn.LSTM(3, 4).forward(tensor([[[1, 2, 3]]], { dtype: 'int32' })), 'LSTM.forward', 'float32', 'int32 [1, 1, 3]'],
  ['nn.LSTM', 'float64 input to a float32 layer', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3], 'float64')), 'LSTM.forward', 'float32', 'float64 [2, 1, 3]', "{ dtype: 'float64' }"],
  ['nn.LSTM', 'h0 without c0', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), bad([zeros([1, 1, 4])])), 'LSTM.forward', '[h0, c0]', 'c0 missing'],
  ['nn.LSTM', 'a bare h0 tensor', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), bad(zeros([1, 1, 4]))), 'LSTM.forward', '[h0, c0]', 'single Tensor'],
  ['nn.LSTM', 'state of the wrong shape', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), [zeros([1, 4]), zeros([1, 1, 4])]), 'LSTM.forward', 'initial state 0', '[1, 1, 4]', '[1, 4]'],
  ['nn.LSTM', 'projSize >= hiddenSize', () => new nn.LSTM(4, 8, { projSize: 16 }), 'LSTM', 'projSize', '16', 'hiddenSize 8'],
  ['nn.LSTM', 'negative projSize', () => new nn.LSTM(4, 8, { projSize: -1 }), 'LSTM', 'projSize', '-1'],
  ['nn.LSTM', 'unknown option', () => new nn.LSTM(4, 8, bad({ hiddenLayers: 2 })), 'LSTM', "'hiddenLayers'", 'numLayers'],
  ['nn.LSTM', 'NaN dropout', () => new nn.LSTM(4, 8, { dropout: Number.NaN }), 'LSTM', 'dropout', 'NaN'],
  ['nn.LSTM', 'a string bidirectional', () => new nn.LSTM(4, 8, { bidirectional: bad('yes') }), 'LSTM', 'bidirectional', 'yes'],
  ['nn.LSTM', 'int32 dtype', () => new nn.LSTM(4, 8, { dtype: bad('int32') }), 'LSTM', 'dtype', 'int32'],
  ['nn.LSTM', 'a string generator', () => new nn.LSTM(4, 8, { generator: bad('g') }), 'LSTM', 'Generator'],
  ['nn.LSTM', 'a string for lengths', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), undefined, { lengths: bad('a') }), 'LSTM.forward', 'lengths'],
  ['nn.LSTM', 'lengths longer than the sequence', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), undefined, { lengths: [3] }), 'LSTM.forward', 'lengths[0] = 3'],
  ['nn.LSTM', 'unknown forward option', () => new nn.LSTM(3, 4).forward(seq([2, 1, 3]), undefined, bad({ length: [1] })), 'LSTM.forward', "'length'"],
  ['nn.LSTM', 'an array input', () => new nn.LSTM(3, 4).forward(bad([1, 2])), 'LSTM.forward', 'array'],
  ['nn.LSTM', 'rank-4 input', () => new nn.LSTM(3, 4).forward(seq([2, 1, 1, 3])), 'LSTM.forward', '[2, 1, 1, 3]', '(L, N, H_in)'],
  ['nn.LSTM', '0 hidden units', () => new nn.LSTM(3, 0), 'LSTM', 'LSTM: hiddenSize must be a positive integer, got 0'],
  ['nn.GRU', 'h0 of the wrong shape', () => new nn.GRU(3, 4).forward(seq([2, 1, 3]), zeros([1, 4])), 'GRU.forward', '[1, 1, 4]', '[1, 4]'],
  ['nn.GRU', 'two state tensors', () => new nn.GRU(3, 4).forward(seq([2, 1, 3]), [zeros([1, 1, 4]), zeros([1, 1, 4])]), 'GRU.forward', '[h0]', '2 tensor(s)'],
  ['nn.GRU', 'NaN for h0', () => new nn.GRU(3, 4).forward(seq([2, 1, 3]), bad(Number.NaN)), 'GRU.forward', 'initial state 0', 'number'],
  ['nn.GRU', 'a numeric batchFirst', () => new nn.GRU(3, 4, { batchFirst: bad(1) }), 'GRU', 'batchFirst', '1'],
  ['nn.RNN', "nonlinearity 'sigmoid'", () => new nn.RNN(3, 4, { nonlinearity: bad('sigmoid') }), 'RNN', 'nonlinearity', 'sigmoid'],
  ['nn.RNN', 'float64 input', () => new nn.RNN(3, 4).forward(seq([2, 1, 3], 'float64')), 'RNN.forward', 'float64'],
  ['nn.RNN', 'numLayers 1.5', () => new nn.RNN(3, 4, { numLayers: 1.5 }), 'RNN', 'numLayers', '1.5'],
  ['nn.PeepholeLSTM', 'inputSize 0', () => new nn.PeepholeLSTM(0, 3), 'PeepholeLSTM', 'inputSize', '0'],
  ['nn.PeepholeLSTM', 'unknown option', () => new nn.PeepholeLSTM(3, 3, bad({ projSize: 2 })), 'PeepholeLSTM', "'projSize'"],
  ['nn.Recurrent', 'float64 layer, factory ignores the dtype', () => new nn.Recurrent((i) => new nn.GRUCell(i, 4), 3, { dtype: 'float64' }), 'Recurrent', 'GRUCell', 'float32', 'float64', 'opts'],
  ['nn.Recurrent', 'cells of two dtypes', () => new nn.Recurrent((i, l) => new nn.GRUCell(i, 4, { dtype: l ? 'float64' : 'float32' }), 3, { numLayers: 2 }), 'Recurrent', 'layer 1', 'float64'],
  ['nn.Recurrent', 'a factory that is not a function', () => new nn.Recurrent(bad(3), 3), 'Recurrent', 'factory', 'number'],
  ['nn.Recurrent', 'a factory that makes no cell', () => new nn.Recurrent(bad(() => ({})), 3), 'Recurrent', 'not a recurrent cell'],
  ['nn.Recurrent', 'a cell of the wrong input size', () => new nn.Recurrent(() => new nn.GRUCell(5, 4), 3), 'Recurrent', '5 features', 'expected 3'],
  ['nn.RecurrentBase', 'via Recurrent: int32 input', () => new nn.Recurrent((i, _l, _r, o) => new nn.GRUCell(i, 4, o), 3).forward(tensor([[[1, 2, 3]]], { dtype: 'int32' })), 'Recurrent.forward', 'int32'],
  // ---- nn: cells ----
  ['nn.LSTMCell', 'int32 input', () => new nn.LSTMCell(3, 4).forward(i32()), 'LSTMCell.forward', 'int32 [1, 3]'],
  ['nn.LSTMCell', 'float64 input', () => new nn.LSTMCell(3, 4).forward(randn([1, 3], { dtype: 'float64' })), 'LSTMCell.forward', 'float64 [1, 3]', 'float32'],
  ['nn.LSTMCell', 'h without c', () => new nn.LSTMCell(3, 4).forward(randn([1, 3]), bad([zeros([1, 4])])), 'LSTMCell.forward', '[h, c]', 'c missing'],
  ['nn.LSTMCell', 'unknown option', () => new nn.LSTMCell(3, 4, bad({ peephole: true })), 'LSTMCell', "'peephole'"],
  ['nn.LSTMCell', 'projSize >= hiddenSize', () => new nn.LSTMCell(3, 4, { projSize: 8 }), 'LSTMCell', 'projSize', 'hiddenSize 4'],
  ['nn.GRUCell', 'NaN for h', () => new nn.GRUCell(3, 4).forward(randn([1, 3]), bad(Number.NaN)), 'GRUCell.forward', 'state 0', 'number'],
  ['nn.GRUCell', 'hidden size 0', () => new nn.GRUCell(3, 0), 'GRUCell', 'hiddenSize', '0'],
  ['nn.GRUCell', 'state of the wrong shape', () => new nn.GRUCell(3, 4).forward(randn([1, 3]), zeros([4])), 'GRUCell.forward', 'state 0', '[1, 4]', '[4]'],
  ['nn.RNNCell', 'a string bias', () => new nn.RNNCell(3, 4, { bias: bad('no') }), 'RNNCell', 'bias', 'no'],
  ['nn.RNNCell', "nonlinearity 'gelu'", () => new nn.RNNCell(3, 4, { nonlinearity: bad('gelu') }), 'RNNCell', 'gelu'],
  ['nn.PeepholeLSTMCell', 'input of the wrong size', () => new nn.PeepholeLSTMCell(3, 4).forward(randn([1, 5])), 'PeepholeLSTMCell.forward', '[1, 5]', '(N, 3)'],
  ['nn.PeepholeLSTMCell', 'a string input', () => new nn.PeepholeLSTMCell(3, 4).forward(bad('x')), 'PeepholeLSTMCell.forward', 'string'],
  ['nn.RNNCellBase', 'via GRUCell: a number for generator', () => new nn.GRUCell(3, 4, { generator: bad(7) }), 'GRUCell', 'Generator', 'number'],
  ['nn.cellForward', 'float64 input to a float32 cell', () => nn.cellForward(new nn.GRUCell(3, 4), randn([1, 3], { dtype: 'float64' })), 'GRUCell.forward', 'float64'],
  ['nn.runRecurrent', 'unknown option', () => nn.runRecurrent('mine', [[new nn.GRUCell(3, 4)]], seq([2, 1, 3]), bad({ reverse: true })), 'mine', "'reverse'"],
  ['nn.runRecurrent', 'no cells', () => nn.runRecurrent('mine', [], seq([2, 1, 3])), 'mine', 'cells'],
  ['nn.runRecurrent', 'h0 of the wrong shape', () => nn.runRecurrent('mine', [[new nn.GRUCell(3, 4)]], seq([2, 1, 3]), { initialState: [zeros([4])] }), 'mine', 'initial state 0', '[4]'],
  ['nn.rnnInit', 'hidden size -1', () => nn.rnnInit(-1), 'rnnInit', 'hiddenSize', '-1'],
  ['nn.rnnInit', 'int32 dtype', () => nn.rnnInit(4, { dtype: bad('int32') }), 'rnnInit', 'int32'],
  // ---- nn: layers ----
  ['nn.Linear', 'int32 input', () => new nn.Linear(3, 4).forward(i32()), 'Linear.forward', 'int32 [1, 3]'],
  ['nn.Linear', 'unknown option', () => new nn.Linear(3, 4, bad({ bais: false })), 'Linear', "'bais'"],
  ['nn.Linear', 'a string generator', () => new nn.Linear(3, 4, { generator: bad('g') }), 'Linear', 'Generator', 'string'],
  ['nn.Linear', 'inFeatures 0', () => new nn.Linear(0, 3), 'Linear', 'inFeatures', '0'],
  ['nn.Embedding', 'float ids', () => new nn.Embedding(3, 4).forward(x()), 'Embedding.forward', 'int32', 'float32 [2, 3]'],
  ['nn.Embedding', 'unknown option', () => new nn.Embedding(3, 4, bad({ padding_idx: 0 })), 'Embedding', "'padding_idx'"],
  ['nn.Embedding', 'paddingIdx out of range', () => new nn.Embedding(3, 2, { paddingIdx: 5 }), 'Embedding', 'paddingIdx', '5'],
  ['nn.Dropout', 'NaN p', () => new nn.Dropout(Number.NaN), 'Dropout', 'NaN'],
  ['nn.Dropout', 'unknown option', () => new nn.Dropout(0.5, bad({ inplace: true })), 'Dropout', "'inplace'"],
  ['nn.Dropout', 'int32 input', () => new nn.Dropout(0.5).forward(i32()), 'Dropout.forward', 'int32'],
  ['nn.dropout', 'a string generator', () => nn.dropout(x(), 0.5, true, bad('gen')), 'dropout', 'Generator', 'string'],
  ['nn.dropout', 'a string for training', () => nn.dropout(x(), 0.5, bad('yes')), 'dropout', 'training', 'yes'],
  ['nn.dropout', 'p = 1.5', () => nn.dropout(x(), 1.5), 'dropout', '1.5'],
  ['nn.LayerNorm', 'unknown option', () => new nn.LayerNorm(3, bad({ affine: false })), 'LayerNorm', "'affine'"],
  ['nn.LayerNorm', 'negative eps', () => new nn.LayerNorm(3, { eps: -1 }), 'LayerNorm', 'eps', '-1'],
  ['nn.LayerNorm', 'input of the wrong shape', () => new nn.LayerNorm(4).forward(zeros([2, 3])), 'LayerNorm.forward', '[..., 4]', '[2, 3]'],
  ['nn.Sequential', 'not a module', () => new nn.Sequential(bad(3)), 'Sequential', 'not a Module'],
  ['nn.Sequential', 'layers that do not fit', () => new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(5, 2)).forward(x()), 'Sequential.forward', 'module 1 (Linear)', 'Linear.forward', '[..., 5]'],
  ['nn.Sequential', 'index out of range', () => new nn.Sequential().at(0), 'Sequential.at', 'index 0'],
  ['nn.ReLU', 'int32', () => new nn.ReLU().forward(i32()), 'ReLU.forward', 'relu', 'int32'],
  ['nn.ReLU', 'an array', () => new nn.ReLU().forward(bad([1])), 'ReLU.forward', 'array'],
  ['nn.Tanh', 'a string', () => new nn.Tanh().forward(bad('x')), 'Tanh.forward', 'string'],
  ['nn.Sigmoid', 'int32', () => new nn.Sigmoid().forward(i32()), 'Sigmoid.forward', 'int32'],
  ['nn.LeakyReLU', 'NaN slope', () => new nn.LeakyReLU(Number.NaN), 'LeakyReLU', 'NaN'],
  ['nn.LeakyReLU', 'int32 input', () => new nn.LeakyReLU().forward(i32()), 'LeakyReLU.forward', 'int32'],
  ['nn.Softplus', 'negative beta', () => new nn.Softplus(-1), 'Softplus', '-1'],
  ['nn.Softmax', 'dim out of range', () => new nn.Softmax(5).forward(x()), 'Softmax.forward', 'axis 5'],
  ['nn.Softmax', 'int32', () => new nn.Softmax(1).forward(i32()), 'Softmax.forward', 'int32'],
  ['nn.LogSoftmax', 'dim 1.5', () => new nn.LogSoftmax(1.5), 'LogSoftmax', '1.5'],
  ['nn.Module', 'loadStateDict with an unknown option', () => new nn.Linear(3, 4).loadStateDict(new nn.Linear(3, 4).stateDict(), bad({ strct: false })), 'Linear.loadStateDict', "'strct'"],
  ['nn.Module', 'loadStateDict with a wrong shape', () => new nn.Linear(3, 4).loadStateDict({ ...new nn.Linear(3, 4).stateDict(), weight: zeros([3]) }), 'Linear.loadStateDict', "'weight'", '[3]', '[4, 3]'],
  ['nn.Module', 'train with a string', () => new nn.Linear(3, 4).train(bad('no')), 'Linear.train', 'no'],
  ['nn.Module', 'registerParameter with a dotted name', () => new nn.Linear(3, 4).registerParameter('a.b', zeros([2])), 'Linear.registerParameter', "'a.b'"],
  ['nn.Module', 'registerModule with a number name', () => new nn.Linear(3, 4).registerModule(bad(3), new nn.ReLU()), 'Linear.registerModule', 'number'],
  ['nn.functionalCall', 'a parameter of the wrong shape', () => nn.functionalCall(new nn.Linear(3, 4), { weight: zeros([3]) }, () => 1), 'functionalCall', "'weight'", '[4, 3]', '[3]'],
  ['nn.functionalCall', 'an unknown key', () => nn.functionalCall(new nn.Linear(3, 4), { w: zeros([3]) }, () => 1), 'functionalCall', "'w'"],
  ['nn.functionalCall', 'not a function', () => nn.functionalCall(new nn.Linear(3, 4), {}, bad(1)), 'functionalCall', 'function'],
  // ---- nn: losses (their options are tested with the losses; here: the name and the shapes) ----
  ['nn.mseLoss', 'target of another shape', () => nn.mseLoss(x(), zeros([3])), 'mseLoss', '[2, 3]', '[3]'],
  ['nn.l1Loss', 'target of another shape', () => nn.l1Loss(x(), zeros([3])), 'l1Loss', '[3]'],
  ['nn.huberLoss', 'target of another shape', () => nn.huberLoss(x(), zeros([3])), 'huberLoss', '[3]'],
  ['nn.smoothL1Loss', 'target of another shape', () => nn.smoothL1Loss(x(), zeros([3])), 'smoothL1Loss', '[3]'],
  ['nn.nllLoss', 'float targets', () => nn.nllLoss(x(), x()), 'nllLoss', 'int32'],
  ['nn.crossEntropy', 'a class index out of range', () => nn.crossEntropy(x(), tensor([0, 5], { dtype: 'int32' })), 'crossEntropy', '5'],
  ['nn.binaryCrossEntropy', 'target of another shape', () => nn.binaryCrossEntropy(x().sigmoid(), zeros([3])), 'binaryCrossEntropy', '[3]'],
  ['nn.binaryCrossEntropyWithLogits', 'target of another shape', () => nn.binaryCrossEntropyWithLogits(x(), zeros([3])), 'binaryCrossEntropyWithLogits', '[3]'],
  ['nn.l1Penalty', 'a string', () => nn.l1Penalty(bad('a')), 'l1Penalty', 'string'],
  ['nn.l2Penalty', 'a string', () => nn.l2Penalty(bad('a')), 'l2Penalty', 'string'],
  ['nn.MSELoss', "reduction 'avg'", () => new nn.MSELoss({ reduction: bad('avg') }), 'MSELoss', 'avg'],
  ['nn.L1Loss', "reduction 'avg'", () => new nn.L1Loss({ reduction: bad('avg') }), 'L1Loss', 'avg'],
  ['nn.HuberLoss', 'negative delta', () => new nn.HuberLoss({ delta: -1 }), 'HuberLoss', '-1'],
  ['nn.SmoothL1Loss', 'negative beta', () => new nn.SmoothL1Loss({ beta: -1 }), 'SmoothL1Loss', '-1'],
  ['nn.CrossEntropyLoss', "reduction 'avg'", () => new nn.CrossEntropyLoss({ reduction: bad('avg') }), 'CrossEntropyLoss', 'avg'],
  ['nn.NLLLoss', "reduction 'avg'", () => new nn.NLLLoss({ reduction: bad('avg') }), 'NLLLoss', 'avg'],
  ['nn.BCELoss', "reduction 'avg'", () => new nn.BCELoss({ reduction: bad('avg') }), 'BCELoss', 'avg'],
  ['nn.BCEWithLogitsLoss', "reduction 'avg'", () => new nn.BCEWithLogitsLoss({ reduction: bad('avg') }), 'BCEWithLogitsLoss', 'avg'],
  // ---- nn.init ----
  ['nn.init.uniform', 'NaN bound', () => nn.init.uniform(zeros([2]), Number.NaN, 1), 'init.uniform', 'NaN'],
  ['nn.init.uniform', 'unknown option', () => nn.init.uniform(zeros([2]), 0, 1, bad({ seed: 1 })), 'init.uniform', "'seed'"],
  ['nn.init.normal', 'a string generator', () => nn.init.normal(zeros([2]), 0, 1, { generator: bad('g') }), 'init.normal', 'Generator'],
  ['nn.init.constant', 'a non-leaf', () => nn.init.constant(leaf().mul(2), 1), 'init.constant', 'leaf'],
  ['nn.init.zeros', 'a number', () => nn.init.zeros(bad(3)), 'init.zeros', 'number'],
  ['nn.init.ones', 'int32', () => nn.init.ones(tensor([1], { dtype: 'int32' })), 'init.ones', 'int32'],
  ['nn.init.xavierUniform', 'a 1-D tensor', () => nn.init.xavierUniform(zeros([2])), 'init.xavierUniform', '[2]'],
  ['nn.init.xavierNormal', 'NaN gain', () => nn.init.xavierNormal(zeros([2, 2]), Number.NaN), 'init.xavierNormal', 'NaN'],
  ['nn.init.kaimingUniform', 'unknown option', () => nn.init.kaimingUniform(zeros([2, 2]), bad({ fan: 'in' })), 'init.kaimingUniform', "'fan'"],
  ['nn.init.kaimingUniform', 'an unknown nonlinearity', () => nn.init.kaimingUniform(zeros([2, 2]), { nonlinearity: bad('swish') }), 'init.kaimingUniform', 'swish'],
  ['nn.init.kaimingNormal', 'NaN slope', () => nn.init.kaimingNormal(zeros([2, 2]), { a: Number.NaN }), 'init.kaimingNormal', 'NaN'],
  ['nn.init.orthogonal', 'unknown option', () => nn.init.orthogonal(zeros([2, 2]), 1, bad({ foo: 1 })), 'init.orthogonal', "'foo'"],
  ['nn.init.calculateGain', "'foo'", () => nn.init.calculateGain(bad('foo')), 'init.calculateGain', "'foo'"],
  ['nn.init.calculateFanInAndFanOut', 'null', () => nn.init.calculateFanInAndFanOut(bad(null)), 'init.calculateFanInAndFanOut', 'Tensor'],
  // ---- optim: optimizers ----
  ['optim.SGD', 'unknown option', () => new optim.SGD([leaf()], bad({ lr: 0.1, nesterov_momentum: 1 })), 'SGD', "'nesterov_momentum'"],
  ['optim.SGD', 'nesterov without momentum', () => new optim.SGD([leaf()], { nesterov: true }), 'SGD', 'nesterov'],
  ['optim.Adam', 'NaN lr', () => new optim.Adam([leaf()], { lr: Number.NaN }), 'Adam', 'lr', 'NaN'],
  ['optim.Adam', 'a string lr', () => new optim.Adam([leaf()], { lr: bad('0.1') }), 'Adam', 'lr', '0.1'],
  ['optim.Adam', 'a string amsgrad', () => new optim.Adam([leaf()], { amsgrad: bad('yes') }), 'Adam', 'amsgrad', 'yes'],
  ['optim.Adam', 'a single tensor', () => new optim.Adam(bad(leaf())), 'Adam', 'single Tensor'],
  ['optim.Adam', 'unknown group option', () => new optim.Adam([bad({ params: [leaf()], learningRate: 1 })]), 'Adam', 'group 0', "'learningRate'"],
  ['optim.Adam', 'betas out of range', () => new optim.Adam([leaf()], { betas: [0.9, 1] }), 'Adam', 'betas'],
  ['optim.AdamW', 'negative weightDecay', () => new optim.AdamW([leaf()], { weightDecay: -1 }), 'AdamW', 'weightDecay', '-1'],
  ['optim.RMSprop', 'a string centered', () => new optim.RMSprop([leaf()], { centered: bad('yes') }), 'RMSprop', 'centered'],
  ['optim.Adagrad', 'unknown option', () => new optim.Adagrad([leaf()], bad({ decay: 1 })), 'Adagrad', "'decay'"],
  ['optim.Optimizer', 'no rule', () => new optim.Optimizer(bad(null), [leaf()]), 'Optimizer', 'Rule'],
  ['optim.Optimizer', 'setHyperparameters with an unknown key', () => sgd().setHyperparameters(bad({ learningRate: 1 })), 'SGD.setHyperparameters', "'learningRate'"],
  ['optim.Optimizer', 'step with a non-function closure', () => sgd().step(bad(3)), 'SGD.step', 'closure'],
  ['optim.Optimizer', 'loadStateDict of null', () => sgd().loadStateDict(bad(null)), 'SGD.loadStateDict', 'state'],
  ['optim.sgd', 'negative lr', () => optim.sgd({ lr: -1 }), 'sgd', 'lr', '-1'],
  ['optim.adam', 'a number for options', () => optim.adam(bad(0.001)), 'adam', 'options object', 'number'],
  ['optim.adamw', 'unknown option', () => optim.adamw(bad({ decay: 1 })), 'adamw', "'decay'"],
  ['optim.rmsprop', 'NaN alpha', () => optim.rmsprop({ alpha: Number.NaN }), 'rmsprop', 'alpha'],
  ['optim.adagrad', 'a string maximize', () => optim.adagrad({ maximize: bad('no') }), 'adagrad', 'maximize'],
  ['optim.adam', 'update with gradients of the wrong shape', () => {
    const tx = optim.adam();
    const ps = [zeros([2])];
    tx.update([zeros([3])], tx.init(ps), ps);
  }, 'adam.update', 'gradient 0', '[3]', '[2]'],
  ['optim.fromRule', 'null', () => optim.fromRule(bad(null)), 'fromRule', 'Rule'],
  ['optim.fromRule', 'unknown option', () => optim.fromRule(optim.sgdRule, bad({ foo: 1 })), 'fromRule', "'foo'"],
  ['optim.applyUpdates', 'an object', () => optim.applyUpdates(bad({ a: zeros([2]) }), [zeros([2])]), 'applyUpdates', 'array'],
  ['optim.applyUpdates', 'an update of the wrong shape', () => optim.applyUpdates([zeros([2])], [zeros([3])]), 'applyUpdates', '[3]', '[2]'],
  ['optim.clipGradNorm', 'NaN maxNorm', () => optim.clipGradNorm([zeros([2])], Number.NaN), 'clipGradNorm', 'maxNorm', 'NaN'],
  ['optim.clipGradNorm', 'unknown option', () => optim.clipGradNorm([zeros([2])], 1, bad({ norm_type: 2 })), 'clipGradNorm', "'norm_type'"],
  ['optim.clipGradNorm', 'normType 0', () => optim.clipGradNorm([zeros([2])], 1, { normType: 0 }), 'clipGradNorm', 'normType'],
  ['optim.clipGradNorm', 'a string for params', () => optim.clipGradNorm(bad('p'), 1), 'clipGradNorm', 'string'],
  ['optim.clipGradValue', 'a string', () => optim.clipGradValue([zeros([2])], bad('a')), 'clipGradValue', 'clipValue', 'a'],
  // ---- optim: schedules ----
  ['optim.StepLR', 'unknown option', () => new optim.StepLR(sgd(), bad({ stepSize: 1, step_size: 1 })), 'StepLR', "'step_size'"],
  ['optim.StepLR', 'NaN gamma', () => new optim.StepLR(sgd(), { stepSize: 1, gamma: Number.NaN }), 'StepLR', 'gamma', 'NaN'],
  ['optim.StepLR', 'stepSize 0', () => new optim.StepLR(sgd(), { stepSize: 0 }), 'StepLR', 'stepSize', '0'],
  ['optim.StepLR', 'a non-optimizer', () => new optim.StepLR(bad({}), { stepSize: 1 }), 'StepLR', 'optimizer'],
  ['optim.MultiStepLR', 'milestone 0', () => new optim.MultiStepLR(sgd(), { milestones: [0] }), 'MultiStepLR', 'milestones', '[0]'],
  ['optim.ConstantLR', 'NaN totalIters', () => new optim.ConstantLR(sgd(), { totalIters: Number.NaN }), 'ConstantLR', 'totalIters', 'NaN'],
  ['optim.ConstantLR', 'factor 2', () => new optim.ConstantLR(sgd(), { factor: 2 }), 'ConstantLR', 'factor', '2'],
  ['optim.ExponentialLR', 'infinite gamma', () => new optim.ExponentialLR(sgd(), { gamma: Number.POSITIVE_INFINITY }), 'ExponentialLR', 'gamma', 'Infinity'],
  ['optim.ExponentialLR', 'no options', () => new optim.ExponentialLR(sgd(), bad(undefined)), 'ExponentialLR', 'gamma'],
  ['optim.CosineAnnealingLR', 'NaN etaMin', () => new optim.CosineAnnealingLR(sgd(), { tMax: 3, etaMin: Number.NaN }), 'CosineAnnealingLR', 'etaMin', 'NaN'],
  ['optim.LinearLR', 'totalIters -1', () => new optim.LinearLR(sgd(), { totalIters: -1 }), 'LinearLR', 'totalIters', '-1'],
  ['optim.LRScheduler', 'step to epoch 1.5', () => new optim.StepLR(sgd(), { stepSize: 1 }).step(1.5), 'StepLR.step', 'epoch', '1.5'],
  ['optim.LRScheduler', 'loadStateDict of {}', () => new optim.StepLR(sgd(), { stepSize: 1 }).loadStateDict({}), 'StepLR.loadStateDict', 'lastEpoch'],
  ['optim.SequentialLR', 'a null optimizer', () => new optim.SequentialLR(bad(null), [], []), 'SequentialLR', 'optimizer', 'null'],
  ['optim.SequentialLR', 'decreasing milestones', () => {
    const o = sgd();
    new optim.SequentialLR(o, [new optim.ConstantLR(o), new optim.ConstantLR(o), new optim.ConstantLR(o)], [3, 2]);
  }, 'SequentialLR', 'milestones', '[3,2]'],
  ['optim.ChainedScheduler', 'null', () => new optim.ChainedScheduler(bad(null)), 'ChainedScheduler', 'schedules'],
  ['optim.ReduceLROnPlateau', 'unknown option', () => new optim.ReduceLROnPlateau(sgd(), bad({ min_lr: 0 })), 'ReduceLROnPlateau', "'min_lr'"],
  ['optim.ReduceLROnPlateau', 'NaN patience', () => new optim.ReduceLROnPlateau(sgd(), { patience: Number.NaN }), 'ReduceLROnPlateau', 'patience', 'NaN'],
  ['optim.ReduceLROnPlateau', 'negative minLr', () => new optim.ReduceLROnPlateau(sgd(), { minLr: -1 }), 'ReduceLROnPlateau', 'minLr', '-1'],
  ['optim.ReduceLROnPlateau', 'a NaN metric', () => new optim.ReduceLROnPlateau(sgd()).step(Number.NaN), 'ReduceLROnPlateau.step', 'NaN'],
  ['optim.ReduceLROnPlateau', 'loadStateDict of null', () => new optim.ReduceLROnPlateau(sgd()).loadStateDict(bad(null)), 'ReduceLROnPlateau.loadStateDict', 'best'],
  ['optim.ReduceLROnPlateau', 'a string metric', () => new optim.ReduceLROnPlateau(sgd()).step(bad('1')), 'ReduceLROnPlateau.step', 'string'],
  // ---- optim: data ----
  ['optim.randperm', '10^12', () => optim.randperm(1e12), 'randperm', '1000000000000'],
  ['optim.randperm', 'a string generator', () => optim.randperm(3, bad('g')), 'randperm', 'Generator'],
  ['optim.shuffle', 'a string', () => optim.shuffle(bad('abc')), 'shuffle', 'string'],
  ['optim.trainValidationSplit', 'NaN fraction', () => optim.trainValidationSplit([1, 2], Number.NaN), 'trainValidationSplit', 'fraction', 'NaN'],
  ['optim.trainValidationSplit', 'too few items', () => optim.trainValidationSplit([1], 0.5), 'trainValidationSplit', '1 item'],
  ['optim.batches', 'unknown option', () => optim.batches([1, 2], 1, bad({ drop_last: true })), 'batches', "'drop_last'"],
  ['optim.batches', 'batchSize 0', () => optim.batches([1, 2], 0), 'batches', 'batchSize', '0'],
  ['optim.padSequences', 'unknown option', () => optim.padSequences([[1]], bad({ value: 0 })), 'padSequences', "'value'"],
  ['optim.padSequences', 'a string token', () => optim.padSequences([bad(['a'])]), 'padSequences', 'sequence 0 step 0', 'string'],
  ['optim.padSequences', 'an empty sequence', () => optim.padSequences([[1], []]), 'padSequences', 'sequence 1'],
  ['optim.Vocab', 'a string', () => new optim.Vocab(bad('abc')), 'Vocab', 'string'],
  ['optim.Vocab', 'a repeated token', () => new optim.Vocab(['a', 'a']), 'Vocab', "'a'"],
  ['optim.Vocab', 'fromTokens with an unknown option', () => optim.Vocab.fromTokens(['a'], bad({ min_count: 1 })), 'Vocab.fromTokens', "'min_count'"],
  ['optim.Vocab', 'fromTokens with maxSize -1', () => optim.Vocab.fromTokens(['a'], { maxSize: -1 }), 'Vocab.fromTokens', 'maxSize', '-1'],
  ['optim.Vocab', 'encode of numbers', () => new optim.Vocab(['a']).encode(bad([1, 2])), 'Vocab.encode', 'token 0', 'number'],
  ['optim.Vocab', 'decode of an id out of range', () => new optim.Vocab(['a']).decode([5]), 'Vocab.decode', 'id 5'],
  ['optim.ProgressBar', 'total -1', () => new optim.ProgressBar({ total: -1 }), 'ProgressBar', 'total', '-1'],
  ['optim.ProgressBar', 'update past the total', () => new optim.ProgressBar({ total: 2, stream: { write: () => 0 } }).update(3, {}), 'ProgressBar.update', '0..2', '3'],
  ['optim.ProgressBar', 'unknown option', () => new optim.ProgressBar(bad({ total: 1, width: 10 })), 'ProgressBar', "'width'"],
  // ---- optim: training ----
  ['optim.accuracy', 'unknown option', () => optim.accuracy(bad({ ignore_index: 0 })), 'accuracy', "'ignore_index'"],
  ['optim.accuracy', 'an output without the class axis', () => optim.accuracy().update(zeros([4]), tensor([1, 2, 3, 0], { dtype: 'int32' }), 0, 4), 'accuracy', '[4]'],
  ['optim.earlyStopping', 'unknown option', () => optim.earlyStopping(bad({ min_delta: 0 })), 'earlyStopping', "'min_delta'"],
  ['optim.earlyStopping', 'patience -1', () => optim.earlyStopping({ patience: -1 }), 'earlyStopping', 'patience', '-1'],
  ['optim.earlyStopping', "mode 'lowest'", () => optim.earlyStopping({ mode: bad('lowest') }), 'earlyStopping', 'lowest'],
  ['optim.checkpointCallback', 'no save function', () => optim.checkpointCallback(bad({})), 'checkpointCallback', 'save'],
  ['optim.checkpointCallback', 'every 0', () => optim.checkpointCallback({ save: () => {}, every: 0 }), 'checkpointCallback', 'every', '0'],
  ['optim.onEpochEnd', 'not a function', () => optim.onEpochEnd(bad(3)), 'onEpochEnd', 'function', 'number'],
];

/** `fit` is async: its refusals come as rejected promises. */
const fitRows: readonly [input: string, opts: (m: nn.Linear) => unknown, data: unknown[] | null, op: string, ...parts: string[]][] = (() => {
  const ex = (i: number, t: number) => ({ input: randn([i]), target: randn([t]) });
  const base = (m: nn.Linear) => ({ epochs: 1, optimizer: new optim.SGD(m.parameters()), loss: nn.mseLoss, progress: false });
  return [
    ['targets of two shapes', (m) => base(m), [ex(3, 2), ex(3, 3)], 'fit', 'targets', '[2]', '[3]'],
    ['inputs of two shapes', (m) => base(m), [ex(3, 2), ex(4, 2)], 'fit', 'inputs', '[3]', '[4]'],
    ['validationSplit 1.5', (m) => ({ ...base(m), validationSplit: 1.5 }), [ex(3, 2)], 'fit', 'validationSplit', '1.5'],
    ['unknown option', (m) => ({ ...base(m), validation_split: 0.5 }), [ex(3, 2)], 'fit', "'validation_split'"],
    ['no options', () => undefined, [ex(3, 2)], 'fit', 'epochs, optimizer, loss'],
    ['NaN clipGradNorm', (m) => ({ ...base(m), clipGradNorm: Number.NaN }), [ex(3, 2)], 'fit', 'clipGradNorm', 'NaN'],
    ['a loss that is not a tensor', (m) => ({ ...base(m), loss: () => 3 }), [ex(3, 2)], 'fit', 'loss', 'number'],
    ['a string validationData', (m) => ({ ...base(m), validationData: 'x' }), [ex(3, 2)], 'fit', 'validationData', 'string'],
    ['no optimizer', (m) => ({ ...base(m), optimizer: undefined }), [ex(3, 2)], 'fit', 'optimizer'],
    ['epochs 0', (m) => ({ ...base(m), epochs: 0 }), [ex(3, 2)], 'fit', 'epochs', '0'],
    ['batchSize 1.5', (m) => ({ ...base(m), batchSize: 1.5 }), [ex(3, 2)], 'fit', 'batchSize', '1.5'],
    ['a string shuffle', (m) => ({ ...base(m), shuffle: 'no' }), [ex(3, 2)], 'fit', 'shuffle', 'no'],
    ['empty data', (m) => base(m), [], 'fit', 'empty'],
    ['not a model', (m) => base(m), null, 'fit', 'Module'],
  ];
})();

describe('every public entry point names itself on bad input', () => {
  it.each(rows.map((r) => [`${r[0]}: ${r[1]}`, r] as const))('%s', (_, [, , call, op, ...parts]) => {
    expectRefused(thrown(call), op, parts);
  });

  it.each(fitRows.map((r) => [r[0], r] as const))('optim.fit: %s', async (_, [, opts, data, op, ...parts]) => {
    const model = new nn.Linear(3, 2, { generator: new Generator(0) });
    const e = await optim.fit(data === null ? bad({}) : model, bad(data ?? [{ input: randn([3]), target: randn([2]) }]), bad(opts(model))).then(
      () => new Error('fit resolved'),
      (err: unknown) => err,
    );
    expectRefused(e, op, parts);
  });
});

describe('the errors the issue reported', () => {
  it('a float64 Recurrent gets float64 cells when its factory passes the options on', () => {
    const layer = new nn.Recurrent((i, _l, _r, opts) => new nn.GRUCell(i, 4, opts), 3, { dtype: 'float64', numLayers: 2 });
    expect(layer.dtype).toBe('float64');
    expect(layer.parameters().every((p) => p.dtype === 'float64')).toBe(true);
    const [out] = layer.forward(seq([5, 2, 3], 'float64'));
    expect(out.dtype).toBe('float64');
    expect(out.shape).toEqual([5, 2, 4]);
  });

  it('the built-in layers pass their dtype and generator to their cells', () => {
    for (const layer of [new nn.RNN(3, 4, { dtype: 'float64' }), new nn.LSTM(3, 4, { dtype: 'float64', projSize: 2 }), new nn.GRU(3, 4, { dtype: 'float64' })]) {
      expect(layer.dtype).toBe('float64');
      expect(layer.parameters().every((p) => p.dtype === 'float64')).toBe(true);
    }
    const a = new nn.GRU(3, 4, { generator: new Generator(5) }).stateDict();
    const b = new nn.GRU(3, 4, { generator: new Generator(5) }).stateDict();
    for (const k of Object.keys(a)) expect(Array.from(a[k]!.data)).toEqual(Array.from(b[k]!.data));
  });

  it('a layer without a dtype option takes its cells\' dtype', () => {
    const layer = new nn.Recurrent((i) => new nn.GRUCell(i, 4, { dtype: 'float64' }), 3);
    expect(layer.dtype).toBe('float64');
    expect(thrown(() => layer.forward(seq([2, 1, 3]))).message).toContain("expected a float64 input (the layer's dtype), got float32");
  });

  it('a raised gradcheck failure reads once as gradcheck, and the report still reads on its own', () => {
    const twice = T.defineOp<[Tensor]>({ name: 'twiceWrong', forward: ([a]) => T.mul(T.detach(a), 2), vjp: (g) => [T.mul(g, 3)] });
    const e = thrown(() => T.gradcheck((a) => twice([a]).sum(), [f64()], { raise: true }));
    expectRefused(e, 'gradcheck', ['failed for input 0', '3 analytically']);
    expect(e.message).not.toMatch(/gradcheck: gradcheck/);
    expect(T.gradcheck((a) => twice([a]).sum(), [f64()]).message).toMatch(/^gradcheck failed for input 0/);
    const gg = thrown(() => T.gradgradcheck((a) => twice([a]).mul(a).sum(), [f64()], { raise: true }));
    expect((gg as TapegradError).op).toBe('gradgradcheck');
  });

  it('a null initial state means zeros, as PyTorch\'s hx=None', () => {
    const lstm = new nn.LSTM(3, 4, { generator: new Generator(3) });
    const xs = seq([2, 1, 3]);
    const [a] = lstm.forward(xs);
    const [b] = lstm.forward(xs, bad(null));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const gru = new nn.GRU(3, 4, { generator: new Generator(3) });
    expect(Array.from(gru.forward(xs, bad(null))[0].data)).toEqual(Array.from(gru.forward(xs)[0].data));
  });

  it('a refused setBackend leaves the backend as it was', () => {
    const before = T.getBackend();
    thrown(() => T.setBackend(bad({ name: 'half' })));
    expect(T.getBackend()).toBe(before);
    expect(T.add(zeros([2]), 1).toArray()).toEqual([1, 1]);
  });

  it('re-attributed errors keep the inner op and the original as cause', () => {
    const e = thrown(() => new nn.ReLU().forward(i32())) as TapegradError & { cause?: unknown };
    expect(e.op).toBe('ReLU.forward');
    expect(e.message).toMatch(/^ReLU\.forward: relu: /);
    expect((e.cause as TapegradError).op).toBe('relu');
  });
});

// Exports with nothing to refuse (no arguments, constants, abstract bases covered through their
// subclasses; Tensor methods without arguments, whose bad input could only be the tensor's dtype, which
// the ops decide), and the checkpoint surface (its bad inputs are rows of tests/optim/checkpoint-integrity.test.ts).
const EXEMPT = new Set([
  'Tensor.neg', 'Tensor.abs', 'Tensor.isnan', 'Tensor.isfinite', 'Tensor.detach', 'Tensor.clone',
  'TapegradError', 'Tensor', 'Tensor.constructor', 'Tensor.isLeaf', 'Tensor.size', 'Tensor.ndim', 'Tensor.toArray', 'Tensor.toString',
  'getBackend', 'jsBackend', 'wasmBackend', 'wasmAvailable', 'wasmRelaxedSimd', 'getNumThreads', 'processorCount', 'wasmThreadsReady',
  'isGradEnabled', 'isAnomalyEnabled', 'nn.Identity', 'nn.Loss',
  'optim.perplexity', 'optim.bitsPerCharacter', 'optim.sgdRule', 'optim.adamRule', 'optim.adamwRule', 'optim.rmspropRule', 'optim.adagradRule',
  'CHECKPOINT_FORMAT', 'serializeSafetensors', 'deserializeSafetensors', 'checkpointToBytes', 'checkpointFromBytes', 'optim.resume',
]);

describe('the table is complete', () => {
  it('every export of index.ts, nn, nn.init and optim, and every Tensor method, has a row or an exemption', () => {
    const covered = new Set([...rows.map((r) => r[0]), 'optim.fit']);
    const entries = [
      ...Object.keys(T).filter((k) => k !== 'nn' && k !== 'optim'),
      ...Object.keys(nn).filter((k) => k !== 'init').map((k) => `nn.${k}`),
      ...Object.keys(nn.init).map((k) => `nn.init.${k}`),
      ...Object.keys(optim).map((k) => `optim.${k}`),
      ...Object.getOwnPropertyNames(Tensor.prototype).map((k) => `Tensor.${k}`),
    ];
    const missing = entries.filter((k) => !covered.has(k) && !EXEMPT.has(k));
    expect(missing, 'entry points without a bad-input row').toEqual([]);
  });
});
