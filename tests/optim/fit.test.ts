/**
 * Training end to end: a character-level LSTM on a slice of Moby-Dick (../shared/data) trained with
 * `fit` to a loss well below chance; a run stopped after epoch 2 and resumed from its checkpoint equals
 * an uninterrupted run bit for bit; bad input leaves the model as it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, type Tensor, crossEntropy, nn, optim, reshape, tensor } from '../../index.js';
import { checkpointFromBytes, checkpointToBytes } from '../../optim/checkpoint.js';

const dataPath = new URL('../../../shared/data/char-text-generation/moby-dick.txt', import.meta.url);
const text = existsSync(dataPath) ? readFileSync(dataPath, 'utf8').slice(0, 12_000) : '';

class CharLM extends nn.Module {
  readonly emb: nn.Embedding;
  readonly rnn: nn.LSTM;
  readonly head: nn.Linear;
  constructor(readonly vocab: number, seed: number) {
    super();
    const generator = new Generator(seed);
    this.emb = this.registerModule('emb', new nn.Embedding(vocab, 16, { generator }));
    this.rnn = this.registerModule('rnn', new nn.LSTM(16, 48, { batchFirst: true, generator }));
    this.head = this.registerModule('head', new nn.Linear(48, vocab, { generator }));
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(this.emb.forward(x))[0]);
  }
}

interface Example {
  input: Tensor;
  target: Tensor;
}
function windows(ids: number[], T: number): Example[] {
  const out: Example[] = [];
  for (let i = 0; i + T + 1 <= ids.length; i += T)
    out.push({ input: tensor(ids.slice(i, i + T), { dtype: 'int32' }), target: tensor(ids.slice(i + 1, i + T + 1), { dtype: 'int32' }) });
  return out;
}

const vocab = optim.Vocab.fromTokens([...text]);
const examples = windows(vocab.encode([...text]), 32);
const lossFn = (out: Tensor, y: Tensor) => crossEntropy(reshape(out, [-1, vocab.size]), reshape(y, [-1]));
const quiet = { write: () => true, isTTY: false };

describe.skipIf(!text)('fit on real data', () => {
  it('trains a character LSTM on Moby-Dick to a loss well below chance and the unigram entropy', async () => {
    const model = new CharLM(vocab.size, 1);
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    const unigram = -[...counts.values()].reduce((s, c) => s + (c / text.length) * Math.log(c / text.length), 0);
    const history = await optim.fit(model, examples, {
      epochs: 4, batchSize: 16, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }), loss: lossFn,
      metrics: [optim.bitsPerCharacter(), optim.accuracy()], validationSplit: 0.1, clipGradNorm: 5, progress: quiet,
    });
    const last = history.valLoss!.at(-1)!;
    expect(last).toBeLessThan(Math.log(vocab.size) * 0.7); // chance: log V nats
    expect(last).toBeLessThan(unigram - 0.3); // it learned more than letter frequencies
    expect(history.bitsPerCharacter!.at(-1)).toBeCloseTo(history.loss!.at(-1)! / Math.LN2, 12);
    expect(history.loss![0]).toBeGreaterThan(history.loss!.at(-1)!);
    expect(history.epoch).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it('a run stopped after epoch 2 and resumed from its checkpoint gives a bitwise equal loss curve', async () => {
    const data = examples.slice(0, 96);
    const opts = (_model: CharLM, optimizer: optim.Optimizer<object, object>, generator: Generator) => ({
      epochs: 4, batchSize: 16, optimizer, loss: lossFn, generator, validationSplit: 0.25, progress: quiet,
    });
    const a = new CharLM(vocab.size, 7);
    const full = await optim.fit(a, data, opts(a, new optim.Adam(a.parameters(), { lr: 5e-3 }) as never, new Generator(3)));

    const b = new CharLM(vocab.size, 7);
    let saved: Uint8Array | undefined;
    const gb = new Generator(3);
    await optim.fit(b, data, {
      ...opts(b, new optim.Adam(b.parameters(), { lr: 5e-3 }) as never, gb),
      epochs: 2,
      callbacks: [optim.checkpointCallback({ save: (c) => void (saved = checkpointToBytes(c)) })],
    });
    // A fresh process: new model, optimizer and generator, everything from the checkpoint bytes.
    const c = new CharLM(vocab.size, 99);
    const oc = new optim.Adam(c.parameters(), { lr: 5e-3 }) as never as optim.Optimizer<object, object>;
    const gc = new Generator(12345);
    const { initialEpoch, history } = optim.resume(checkpointFromBytes(saved!), { model: c, optimizer: oc, generator: gc });
    expect(initialEpoch).toBe(2);
    const resumed = await optim.fit(c, data, { ...opts(c, oc, gc), initialEpoch, history });
    expect(resumed.loss).toEqual(full.loss);
    expect(resumed.valLoss).toEqual(full.valLoss);
    for (const [k, v] of Object.entries(a.stateDict())) expect(Array.from(c.stateDict()[k]!.data), k).toEqual(Array.from(v.data));
  }, 60_000);
});

describe('fit: bad input', () => {
  const tiny = () => {
    const m = new nn.Linear(2, 2, { generator: new Generator(0) });
    const data = [0, 1, 2, 3].map((i) => ({ input: tensor([i, 1]), target: tensor(i % 2, { dtype: 'int32' }) }));
    return { m, data, opt: new optim.SGD(m.parameters(), { lr: 0.1 }) as never as optim.Optimizer<object, object> };
  };
  it('empty data', async () => {
    const { m, opt } = tiny();
    await expect(optim.fit(m, [], { epochs: 1, optimizer: opt, loss: crossEntropy, progress: quiet })).rejects.toThrow(/fit: the training data is empty/);
  });
  it('a NaN gradient with clipping (errorIfNonfinite) throws and leaves the parameters as they were', async () => {
    const { m, data, opt } = tiny();
    const before = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.data)]));
    // A finite loss whose gradient is NaN: sqrt at 0 has an infinite derivative, times 0.
    const nanLoss = (out: Tensor, y: Tensor) => crossEntropy(out, y).add(out.abs().mul(0).sqrt().sum());
    await expect(optim.fit(m, data, { epochs: 1, optimizer: opt, loss: nanLoss, clipGradNorm: 1, progress: quiet })).rejects.toThrow(/clipGradNorm: the total norm .* is NaN/);
    for (const [k, v] of Object.entries(m.stateDict())) expect(Array.from(v.data), k).toEqual(before[k]);
  });
  it('a checkpoint of another model is refused and changes nothing', () => {
    const { m, opt } = tiny();
    const other = new nn.Linear(3, 2);
    const bytes = checkpointToBytes({ model: other.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 1, history: {}, generator: new Generator(0).getState() } });
    const before = Array.from(m.stateDict().weight!.data);
    expect(() => optim.resume(checkpointFromBytes(bytes), { model: m, optimizer: opt })).toThrow(/'weight' has shape \[2, 3\], expected \[2, 2\]/);
    expect(Array.from(m.stateDict().weight!.data)).toEqual(before);
  });
});

describe('training helpers', () => {
  it('the progress bar prints plain lines without a terminal and redraws one line on a terminal', () => {
    const lines: string[] = [];
    let t = 0;
    const bar = new optim.ProgressBar({ total: 20, label: 'epoch 1/1', stream: { write: (s: string) => lines.push(s), isTTY: false }, now: () => (t += 100) });
    for (let s = 1; s <= 20; s++) bar.update(s, { loss: 1 / s });
    bar.finish({ loss: 0.05, valLoss: 0.07 });
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toMatch(/epoch 1\/1 20\/20 {2}loss 0\.0500 {2}valLoss 0\.0700 {2}\d+\.\d steps\/s/);
    const tty: string[] = [];
    const bar2 = new optim.ProgressBar({ total: 4, stream: { write: (s: string) => tty.push(s), isTTY: true, columns: 100 }, interactive: true, now: () => (t += 50) });
    bar2.update(2, { loss: 0.5 });
    expect(tty[0]).toMatch(/^\r\[=+>\s+\] 2\/4 {2}loss 0\.5000 .* eta /);
  });

  it('vocabularies, padding, shuffling and splits', () => {
    const v = optim.Vocab.fromTokens([...'abracadabra']);
    expect(v.tokens).toEqual(['<unk>', 'a', 'b', 'r', 'c', 'd']);
    expect(v.encode([...'cab!'])).toEqual([4, 1, 2, 0]);
    expect(v.decode([3, 1]).join('')).toBe('ra');
    expect(() => v.decode([9])).toThrow(/id 9 is out of range/);
    const { padded, lengths } = optim.padSequences([[1, 2, 3], [4]]);
    expect(padded.toArray()).toEqual([[1, 2, 3], [4, 0, 0]]);
    expect(padded.dtype).toBe('int32');
    expect(lengths).toEqual([3, 1]);
    expect(optim.shuffle([1, 2, 3, 4, 5], new Generator(4))).toEqual(optim.shuffle([1, 2, 3, 4, 5], new Generator(4)));
    expect(optim.shuffle([1, 2, 3, 4, 5], new Generator(4)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(optim.trainValidationSplit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.2)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10]]);
    expect(optim.batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('early stopping stops after patience epochs without improvement and can restore the best weights', async () => {
    const m = new nn.Linear(1, 1, { generator: new Generator(0) });
    const data = [{ input: tensor([1]), target: tensor([2]) }];
    let epochLosses = [3, 2, 2.5, 2.6, 2.7, 1];
    let k = 0;
    const history = await optim.fit(m, data, {
      epochs: 6, optimizer: new optim.SGD(m.parameters(), { lr: 0 }) as never, progress: quiet,
      loss: (out, y) => out.sub(y).mul(0).sum().add(epochLosses[k++]!),
      callbacks: [optim.earlyStopping({ monitor: 'loss', patience: 2 })],
    });
    expect(history.epoch).toEqual([1, 2, 3, 4]);
    // With restoreBestWeights the weights of the best epoch come back.
    const m2 = new nn.Linear(1, 1, { generator: new Generator(0) });
    epochLosses = [5, 1, 2, 3];
    k = 0;
    const best: number[] = [];
    await optim.fit(m2, data, {
      epochs: 4, optimizer: new optim.SGD(m2.parameters(), { lr: 0.1 }) as never, progress: quiet,
      loss: (out, y) => out.sub(y).pow(2).sum().add(epochLosses[k++]!),
      callbacks: [
        optim.onEpochEnd(({ epoch, model }) => void (epoch === 1 && best.push(...Array.from(model.stateDict().weight!.data)))),
        optim.earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true }),
      ],
    });
    expect(Array.from(m2.stateDict().weight!.data)).toEqual(best);
    // ... also when training runs all its epochs (patience never reached).
    const m3 = new nn.Linear(1, 1, { generator: new Generator(0) });
    epochLosses = [5, 1, 2, 3];
    k = 0;
    const best3: number[] = [];
    const h3 = await optim.fit(m3, data, {
      epochs: 4, optimizer: new optim.SGD(m3.parameters(), { lr: 0.1 }) as never, progress: quiet,
      loss: (out, y) => out.sub(y).pow(2).sum().add(epochLosses[k++]!),
      callbacks: [
        optim.onEpochEnd(({ epoch, model }) => void (epoch === 1 && best3.push(...Array.from(model.stateDict().weight!.data)))),
        optim.earlyStopping({ monitor: 'loss', patience: 4, restoreBestWeights: true }),
      ],
    });
    expect(h3.epoch).toEqual([1, 2, 3, 4]);
    expect(Array.from(m3.stateDict().weight!.data)).toEqual(best3);
  });
});
