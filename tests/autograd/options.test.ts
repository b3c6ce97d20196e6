/**
 * No option is silently ignored: every options bag taken by an op or a loss refuses a key it does not
 * know, naming the function the user called and the key. (The layers' and cells' bags, Dropout and
 * LayerNorm included, are checked with the other public entry points in the audit's tests.)
 */
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { type Tensor, nn, tensor } from '../../index.js';
import { expectClose, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const x = f64([[0.2, 0.7, 0.1], [0.5, 0.3, 0.9]]);
const classes = i32([2, 0]);
// Plain JavaScript callers can pass anything: the bags are typed `any` here on purpose.
type Bag = Record<string, unknown> & any;

/** [the name the error must start with, a call that passes `opts` as its options bag] */
const calls: [string, (opts: Bag) => unknown][] = [
  ['sum', (o) => tg.sum(x, 0, o)],
  ['mean', (o) => tg.mean(x, 0, o)],
  ['max', (o) => tg.max(x, 0, o)],
  ['min', (o) => tg.min(x, 0, o)],
  ['logsumexp', (o) => tg.logsumexp(x, 0, o)],
  ['var', (o) => tg.variance(x, 0, o)],
  ['std', (o) => tg.std(x, 0, o)],
  ['norm', (o) => tg.norm(x, 2, 0, o)],
  ['argmax', (o) => tg.argmax(x, 0, o)],
  ['argmin', (o) => tg.argmin(x, 0, o)],
  ['slice', (o) => tg.slice(x, [o])],
  ['pad', (o) => tg.pad(x, [1, 1], o)],
  ['crossEntropy', (o) => tg.crossEntropy(x, classes, o)],
  ['binaryCrossEntropyWithLogits', (o) => tg.binaryCrossEntropyWithLogits(x, x, o)],
  ['mseLoss', (o) => nn.mseLoss(x, x, o)],
  ['l1Loss', (o) => nn.l1Loss(x, x, o)],
  ['huberLoss', (o) => nn.huberLoss(x, x, o)],
  ['smoothL1Loss', (o) => nn.smoothL1Loss(x, x, o)],
  ['nllLoss', (o) => nn.nllLoss(x, classes, o)],
  ['crossEntropy', (o) => nn.crossEntropy(x, classes, o)],
  ['binaryCrossEntropy', (o) => nn.binaryCrossEntropy(x, x, o)],
  ['binaryCrossEntropyWithLogits', (o) => nn.binaryCrossEntropyWithLogits(x, x, o)],
  ['MSELoss', (o) => new nn.MSELoss(o)],
  ['L1Loss', (o) => new nn.L1Loss(o)],
  ['HuberLoss', (o) => new nn.HuberLoss(o)],
  ['SmoothL1Loss', (o) => new nn.SmoothL1Loss(o)],
  ['CrossEntropyLoss', (o) => new nn.CrossEntropyLoss(o)],
  ['NLLLoss', (o) => new nn.NLLLoss(o)],
  ['BCELoss', (o) => new nn.BCELoss(o)],
  ['BCEWithLogitsLoss', (o) => new nn.BCEWithLogitsLoss(o)],
];

describe('every options bag refuses unknown keys', () => {
  for (const [name, call] of calls) {
    it(`${name}: an unknown key is named in the error`, () => {
      const e = thrown(() => call({ bogus: 1 }));
      expect(e).toBeInstanceOf(tg.TapegradError);
      expect(e.message).toMatch(new RegExp(`^${name}: unknown option 'bogus' \\(${name} takes `));
    });
    it(`${name}: a non-object options bag is refused`, () => {
      // (a null slice spec is valid: it takes the whole axis)
      if (name !== 'slice') expect(thrown(() => call(null)).message).toMatch(new RegExp(`^${name}: expected an options object`));
      expect(thrown(() => call([1])).message).toMatch(new RegExp(`^${name}: expected an options object .*got an array`));
    });
    it(`${name}: an empty bag is accepted`, () => {
      expect(() => call({})).not.toThrow();
    });
  }

  it("PyTorch's spellings are refused, not ignored (keepdim, label_smoothing)", () => {
    expect(thrown(() => tg.sum(x, 0, { keepdim: true } as Bag)).message).toMatch(/^sum: unknown option 'keepdim' \(sum takes keepdims\)/);
    expect(thrown(() => tg.crossEntropy(x, classes, { label_smoothing: 0.1 } as Bag)).message).toMatch(/unknown option 'label_smoothing'/);
    expect(thrown(() => tg.slice(x, [{ start: 0, stop: 1 } as Bag])).message).toMatch(/^slice: unknown option 'stop' \(slice takes start, end, step\)/);
  });

  it('keepdims must be a boolean', () => {
    expect(thrown(() => tg.sum(x, 0, { keepdims: 1 } as Bag)).message).toMatch(/^sum: keepdims must be a boolean, got 1/);
    expect(thrown(() => tg.argmax(x, 0, { keepdims: 'yes' } as Bag)).message).toMatch(/^argmax: keepdims must be a boolean, got yes/);
  });
});

describe('the top-level crossEntropy is nn.crossEntropy', () => {
  it('one implementation, with the full option set', () => {
    expect(tg.crossEntropy).toBe(nn.crossEntropy);
    expect(tg.binaryCrossEntropyWithLogits).toBe(nn.binaryCrossEntropyWithLogits);
  });

  it('labelSmoothing at the top level gives the smoothed loss (as PyTorch)', () => {
    // x = [[1, -0.5, 2], [0.3, 0.2, -1]], t = [2, 0]:
    // F.cross_entropy(x, t, label_smoothing=0.1) = 0.6564948646620481; F.cross_entropy(x, t) = 0.5748281979953813
    const logits = f64([[1.0, -0.5, 2.0], [0.3, 0.2, -1.0]]);
    expectClose(tg.crossEntropy(logits, classes, { labelSmoothing: 0.1 }), 0.6564948646620481, { atol: 1e-15 });
    expectClose(tg.crossEntropy(logits, classes), 0.5748281979953813, { atol: 1e-15 });
  });
});
