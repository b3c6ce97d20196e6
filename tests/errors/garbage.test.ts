/**
 * Garbage in every argument position of the public entry points (null, undefined, a string, NaN,
 * Infinity, -1, 1.5, an object, an array, a function, a Symbol): a call may accept the value (many are
 * valid somewhere: undefined for an optional argument, -1 for an axis) but may never fail with a bare
 * TypeError or RangeError from deep inside; a refusal is a TapegradError.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../index.js';
import { TapegradError, nn, optim } from '../../index.js';

const g = () => new T.Generator(0);
const x = () => T.randn([2, 3], { generator: g() });
const leaf = () => T.zeros([2], { requiresGrad: true });
const sgd = () => new optim.SGD([leaf()], { lr: 0.1 });
const BAD: [string, unknown][] = [['null', null], ['undef', undefined], ['str', 'abc'], ['NaN', NaN], ['Inf', Infinity], ['-1', -1], ['1.5', 1.5], ['{}', {}], ['[]', []], ['fn', () => 1], ['sym', Symbol('s')]];
// biome-ignore lint: garbage is the point of this file.
type E = [string, () => unknown[], (...a: any[]) => unknown];
const entries: E[] = [
  ['tensor', () => [[1, 2], {}], (a, b) => T.tensor(a, b)],
  ['zeros', () => [[2], {}], (a, b) => T.zeros(a, b)],
  ['full', () => [[2], 1, {}], (a, b, c) => T.full(a, b, c)],
  ['zerosLike', () => [x(), {}], (a, b) => T.zerosLike(a, b)],
  ['arange', () => [0, 3, 1, {}], (a, b, c, d) => T.arange(a, b, c, d)],
  ['linspace', () => [0, 1, 3, {}], (a, b, c, d) => T.linspace(a, b, c, d)],
  ['eye', () => [2, 2, {}], (a, b, c) => T.eye(a, b, c)],
  ['rand', () => [[2], {}], (a, b) => T.rand(a, b)],
  ['uniform', () => [[2], 0, 1, {}], (a, b, c, d) => T.uniform(a, b, c, d)],
  ['randint', () => [0, 3, [2], {}], (a, b, c, d) => T.randint(a, b, c, d)],
  ['setNumThreads', () => [1], (a) => T.setNumThreads(a)],
  ['grad', () => [(t: any) => t.sum(), {}], (a, b) => T.grad(a, b)(x())],
  ['vjp', () => [(t: any) => t, x()], (a, b) => T.vjp(a, b)],
  ['backward', () => [leaf().sum(), undefined, {}], (a, b, c) => T.backward(a, b, c)],
  ['gradcheck', () => [(t: any) => t.sum(), [T.randn([2], { dtype: 'float64' })], {}], (a, b, c) => T.gradcheck(a, b, c)],
  ['leakyRelu', () => [x(), 0.1], (a, b) => T.leakyRelu(a, b)],
  ['nn.Linear', () => [3, 2, {}], (a, b, c) => new nn.Linear(a, b, c)],
  ['nn.Linear.forward', () => [x()], (a) => new nn.Linear(3, 2).forward(a)],
  ['nn.Embedding', () => [3, 2, {}], (a, b, c) => new nn.Embedding(a, b, c)],
  ['nn.Embedding.forward', () => [T.tensor([1], { dtype: 'int32' })], (a) => new nn.Embedding(3, 2).forward(a)],
  ['nn.LayerNorm', () => [3, {}], (a, b) => new nn.LayerNorm(a, b)],
  ['nn.LayerNorm.forward', () => [x()], (a) => new nn.LayerNorm(3).forward(a)],
  ['nn.Dropout', () => [0.5, {}], (a, b) => new nn.Dropout(a, b)],
  ['nn.dropout', () => [x(), 0.5, true, g()], (a, b, c, d) => nn.dropout(a, b, c, d)],
  ['nn.LSTM', () => [3, 4, {}], (a, b, c) => new nn.LSTM(a, b, c)],
  ['nn.LSTM.forward', () => [T.randn([2, 1, 3]), undefined, {}], (a, b, c) => new nn.LSTM(3, 4).forward(a, b, c)],
  ['nn.GRU.forward', () => [T.randn([2, 1, 3]), undefined, {}], (a, b, c) => new nn.GRU(3, 4).forward(a, b, c)],
  ['nn.RNN', () => [3, 4, {}], (a, b, c) => new nn.RNN(a, b, c)],
  ['nn.Recurrent', () => [(i: number, _l: number, _r: boolean, o: any) => new nn.GRUCell(i, 4, o), 3, {}], (a, b, c) => new nn.Recurrent(a, b, c)],
  ['nn.LSTMCell', () => [3, 4, {}], (a, b, c) => new nn.LSTMCell(a, b, c)],
  ['nn.LSTMCell.forward', () => [T.randn([1, 3]), undefined], (a, b) => new nn.LSTMCell(3, 4).forward(a, b)],
  ['nn.GRUCell.forward', () => [T.randn([1, 3]), undefined], (a, b) => new nn.GRUCell(3, 4).forward(a, b)],
  ['nn.RNNCell', () => [3, 4, {}], (a, b, c) => new nn.RNNCell(a, b, c)],
  ['nn.runRecurrent', () => ['op', [[new nn.GRUCell(3, 4)]], T.randn([2, 1, 3]), {}], (a, b, c, d) => nn.runRecurrent(a, b, c, d)],
  ['nn.Sequential.forward', () => [x()], (a) => new nn.Sequential(new nn.Linear(3, 2)).forward(a)],
  ['nn.Module.loadStateDict', () => [new nn.Linear(3, 2).stateDict(), {}], (a, b) => new nn.Linear(3, 2).loadStateDict(a, b)],
  ['nn.functionalCall', () => [new nn.Linear(3, 2), {}, () => 1], (a, b, c) => nn.functionalCall(a, b, c)],
  ['nn.init.uniform', () => [T.zeros([2]), 0, 1, {}], (a, b, c, d) => nn.init.uniform(a, b, c, d)],
  ['nn.init.kaimingUniform', () => [T.zeros([2, 2]), {}], (a, b) => nn.init.kaimingUniform(a, b)],
  ['nn.init.orthogonal', () => [T.zeros([2, 2]), 1, {}], (a, b, c) => nn.init.orthogonal(a, b, c)],
  ['nn.init.constant', () => [T.zeros([2]), 1], (a, b) => nn.init.constant(a, b)],
  ['nn.init.calculateGain', () => ['leakyRelu', 0.1], (a, b) => nn.init.calculateGain(a, b)],
  ['optim.SGD', () => [[leaf()], { lr: 0.1 }], (a, b) => new optim.SGD(a, b)],
  ['optim.Adam', () => [[leaf()], {}], (a, b) => new optim.Adam(a, b)],
  ['optim.Optimizer.step', () => [undefined], (a) => sgd().step(a)],
  ['optim.Optimizer.setHyperparameters', () => [{ lr: 0.2 }, 0], (a, b) => sgd().setHyperparameters(a, b)],
  ['optim.Optimizer.loadStateDict', () => [sgd().stateDict()], (a) => sgd().loadStateDict(a)],
  ['optim.adam', () => [{}], (a) => optim.adam(a)],
  ['optim.applyUpdates', () => [[T.zeros([2])], [T.zeros([2])]], (a, b) => optim.applyUpdates(a, b)],
  ['optim.clipGradNorm', () => [[leaf()], 1, {}], (a, b, c) => optim.clipGradNorm(a, b, c)],
  ['optim.clipGradValue', () => [[leaf()], 1], (a, b) => optim.clipGradValue(a, b)],
  ['optim.StepLR', () => [sgd(), { stepSize: 1 }], (a, b) => new optim.StepLR(a, b)],
  ['optim.MultiStepLR', () => [sgd(), { milestones: [1] }], (a, b) => new optim.MultiStepLR(a, b)],
  ['optim.ConstantLR', () => [sgd(), {}], (a, b) => new optim.ConstantLR(a, b)],
  ['optim.LinearLR', () => [sgd(), {}], (a, b) => new optim.LinearLR(a, b)],
  ['optim.CosineAnnealingLR', () => [sgd(), { tMax: 2 }], (a, b) => new optim.CosineAnnealingLR(a, b)],
  ['optim.ExponentialLR', () => [sgd(), { gamma: 0.5 }], (a, b) => new optim.ExponentialLR(a, b)],
  ['optim.ReduceLROnPlateau', () => [sgd(), {}], (a, b) => new optim.ReduceLROnPlateau(a, b)],
  ['optim.ReduceLROnPlateau.step', () => [1], (a) => new optim.ReduceLROnPlateau(sgd()).step(a)],
  ['optim.LRScheduler.step', () => [undefined], (a) => new optim.StepLR(sgd(), { stepSize: 1 }).step(a)],
  ['optim.randperm', () => [3, g()], (a, b) => optim.randperm(a, b)],
  ['optim.shuffle', () => [[1, 2], g()], (a, b) => optim.shuffle(a, b)],
  ['optim.trainValidationSplit', () => [[1, 2, 3], 0.5], (a, b) => optim.trainValidationSplit(a, b)],
  ['optim.batches', () => [[1, 2], 1, {}], (a, b, c) => optim.batches(a, b, c)],
  ['optim.padSequences', () => [[[1, 2], [3]], {}], (a, b) => optim.padSequences(a, b)],
  ['optim.Vocab', () => [['a'], '<unk>'], (a, b) => new optim.Vocab(a, b)],
  ['optim.Vocab.fromTokens', () => [['a'], {}], (a, b) => optim.Vocab.fromTokens(a, b)],
  ['optim.Vocab.encode', () => [['a']], (a) => new optim.Vocab(['a']).encode(a)],
  ['optim.Vocab.decode', () => [[0]], (a) => new optim.Vocab(['a']).decode(a)],
  ['optim.ProgressBar', () => [{ total: 3, stream: { write: () => 0 } }], (a) => new optim.ProgressBar(a)],
  ['optim.accuracy', () => [{}], (a) => optim.accuracy(a)],
  ['optim.earlyStopping', () => [{}], (a) => optim.earlyStopping(a)],
  ['optim.checkpointCallback', () => [{ save: () => {} }], (a) => optim.checkpointCallback(a)],
  ['optim.SequentialLR', () => { const o = sgd(); return [o, [new optim.ConstantLR(o), new optim.ConstantLR(o)], [2]]; }, (a, b, c) => new optim.SequentialLR(a, b, c)],
  ['optim.ChainedScheduler', () => { const o = sgd(); return [[new optim.ConstantLR(o)]]; }, (a) => new optim.ChainedScheduler(a)],
];

describe('garbage arguments give a TapegradError or nothing', () => {
  it.each(entries.map((e) => [e[0], e] as const))('%s', (_, [, good, call]) => {
    const backend = T.getBackend();
    expect(() => call(...good())).not.toThrow();
    const n = good().length;
    for (let i = 0; i < n; i++)
      for (const [label, value] of BAD) {
        const args = good();
        args[i] = value;
        try {
          call(...args);
        } catch (e) {
          expect(e, `argument ${i} = ${label}: ${(e as Error)?.name}: ${(e as Error)?.message}`).toBeInstanceOf(TapegradError);
          expect((e as TapegradError).message.startsWith(`${(e as TapegradError).op}: `)).toBe(true);
        }
      }
    expect(T.getBackend()).toBe(backend);
  });
});
