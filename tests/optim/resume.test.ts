/**
 * resume(): bit-exact continuation with default generators (dropout from the global generator and from a
 * module's own, fit's shuffling, a schedule), and atomicity: a checkpoint with any one part corrupt throws
 * naming it and leaves model, optimizer, schedule and every generator exactly as they were.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Generator, TapegradError, Tensor, defaultGenerator, manualSeed, optim, rand, zeros } from '../../index.js';
import { type LoadedCheckpoint, checkpointFromBytes, checkpointToBytes } from '../../optim/checkpoint.js';
import { data, fitOptions, makeRun } from '../helpers/run.js';
import { thrown } from '../helpers/values.js';

afterEach(() => {
  manualSeed(0);
});

const bits = (t: Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
const weights = (m: { stateDict(): Record<string, Tensor> }) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, bits(t)]));

/** Trains `epochs` epochs from `manualSeed(seed)` and returns the checkpoint bytes saved after each epoch. */
async function interrupted(epochs: number): Promise<Uint8Array> {
  manualSeed(5);
  const run = makeRun(0);
  let saved: Uint8Array | undefined;
  await optim.fit(run.model, data, {
    ...fitOptions(run, epochs),
    callbacks: [optim.checkpointCallback({ save: (c) => void (saved = checkpointToBytes(c)) })],
  });
  return saved!;
}

describe('resume is bit-exact with default arguments', () => {
  it('dropout from the global generator and from its own, fit default shuffling and a StepLR: resumed = uninterrupted, bit for bit', async () => {
    manualSeed(5);
    const a = makeRun(0);
    const full = await optim.fit(a.model, data, fitOptions(a, 5));
    const endState = defaultGenerator().getState();

    const saved = await interrupted(2);
    // A new process: other weights, another global stream, fresh generators everywhere.
    manualSeed(777);
    rand([13]);
    const c = makeRun(42);
    const resumed = optim.resume(checkpointFromBytes(saved), { model: c.model, optimizer: c.optimizer, scheduler: c.scheduler });
    expect(resumed.initialEpoch).toBe(2);
    const rest = await optim.fit(c.model, data, { ...fitOptions(c, 5), ...resumed });
    expect(rest.loss).toEqual(full.loss);
    expect(rest.epoch).toEqual([1, 2, 3, 4, 5]);
    expect(weights(c.model)).toEqual(weights(a.model));
    expect(c.optimizer.lrs).toEqual(a.optimizer.lrs);
    expect(c.scheduler.stateDict()).toEqual(a.scheduler.stateDict());
    expect(defaultGenerator().getState()).toEqual(endState);
  });

  it('the test can fail: without the global generator restored (the old checkpoint content), the curve differs', async () => {
    manualSeed(5);
    const a = makeRun(0);
    const full = await optim.fit(a.model, data, fitOptions(a, 4));
    const saved = await interrupted(2);
    const c = makeRun(42);
    const resumed = optim.resume(checkpointFromBytes(saved), { model: c.model, optimizer: c.optimizer, scheduler: c.scheduler });
    manualSeed(777); // what a checkpoint that saved only fit's generator left behind
    const rest = await optim.fit(c.model, data, { ...fitOptions(c, 4), ...resumed });
    expect(rest.loss.slice(0, 2)).toEqual(full.loss!.slice(0, 2));
    expect(rest.loss.slice(2)).not.toEqual(full.loss!.slice(2));
  });

  it('restores a generator passed in place, and reads a checkpoint of the older layout (fit generator only)', () => {
    const run = makeRun(0, { ownDropout: false });
    const state = new Generator(9).getState();
    const old: LoadedCheckpoint = { model: run.model.stateDict(), metadata: {}, extra: { epoch: 3, history: { loss: [1, 0.5, 0.25] }, generator: state } };
    const g = new Generator(1);
    const out = optim.resume(old, { model: run.model, generator: g });
    expect(out.generator).toBe(g);
    expect(g.getState()).toEqual(state);
    expect(out.history).toEqual({ loss: [1, 0.5, 0.25] });
    expect(optim.resume(old, { model: run.model }).generator.getState()).toEqual(state);
  });
});

describe('schedules in checkpoints', () => {
  for (const kind of ['SequentialLR', 'ChainedScheduler'] as const)
    it(`${kind} is saved and restored: a resumed run gets the uninterrupted run's learning rates`, async () => {
      const make = (seed: number) => {
        const run = makeRun(seed);
        const warm = new optim.LinearLR(run.optimizer, { startFactor: 0.25, totalIters: 2 });
        const decay = new optim.ExponentialLR(run.optimizer, { gamma: 0.8 });
        const scheduler = kind === 'SequentialLR' ? new optim.SequentialLR(run.optimizer, [warm, decay], [2]) : new optim.ChainedScheduler([warm, decay]);
        return { ...run, scheduler };
      };
      manualSeed(5);
      const a = make(0);
      const lrs: number[][] = [];
      const record = optim.onEpochEnd(({ optimizer }) => void lrs.push(optimizer.lrs));
      await optim.fit(a.model, data, { ...fitOptions(a as never, 5), scheduler: a.scheduler, callbacks: [record] });
      manualSeed(5);
      const b = make(0);
      let saved: Uint8Array | undefined;
      await optim.fit(b.model, data, { ...fitOptions(b as never, 3), scheduler: b.scheduler, callbacks: [optim.checkpointCallback({ save: (c) => void (saved = checkpointToBytes(c)) })] });
      const c = make(9);
      const resumed = optim.resume(checkpointFromBytes(saved!), { model: c.model, optimizer: c.optimizer, scheduler: c.scheduler });
      const rest: number[][] = [];
      const full = await optim.fit(c.model, data, { ...fitOptions(c as never, 5), scheduler: c.scheduler, ...resumed, callbacks: [optim.onEpochEnd(({ optimizer }) => void rest.push(optimizer.lrs))] });
      expect(rest).toEqual(lrs.slice(3));
      expect(new Set(lrs.map(String)).size).toBe(5); // the rate changed every epoch
      expect(weights(c.model)).toEqual(weights(a.model));
      expect(full.epoch).toEqual([1, 2, 3, 4, 5]);
    });

  it('checkpointCallback refuses a schedule it could not restore (no stateDict), naming itself', async () => {
    const run = makeRun(0);
    const err = await optim
      .fit(run.model, data, { ...fitOptions(run, 1), scheduler: { step: () => {} }, callbacks: [optim.checkpointCallback({ save: () => {} })] })
      .then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(TapegradError);
    expect(err!.message).toMatch(/^checkpointCallback: the schedule has no stateDict\(\)/);
  });
});

describe('resume is atomic: a corrupt part throws naming it and changes nothing', () => {
  const clone = (ck: LoadedCheckpoint): LoadedCheckpoint => ({
    ...ck,
    model: { ...ck.model },
    optimizer: ck.optimizer && { state: { ...ck.optimizer.state }, paramGroups: ck.optimizer.paramGroups.map((g: object) => ({ ...g })) },
    extra: JSON.parse(JSON.stringify(ck.extra)),
  });
  type Extra = Record<string, any>;
  const cases: [string, RegExp, (ck: LoadedCheckpoint) => void][] = [
    ['model: a weight of another shape', /the checkpoint's model does not fit the model: Sequential.loadStateDict: '0.weight' has shape \[2, 2\], expected \[8, 4\]/, (ck) => void (ck.model['0.weight'] = zeros([2, 2], { dtype: 'float64' }))],
    ['model: a missing weight', /model does not fit the model: .*missing keys: 3.bias/, (ck) => void delete ck.model['3.bias']],
    ['model: no weights at all', /the checkpoint has no model weights/, (ck) => void (ck.model = {})],
    ['optimizer: a moment of another shape', /the checkpoint's optimizer state does not fit the optimizer: .*state 'expAvg' of parameter 0 is float64 \[3\]/, (ck) => {
      (ck.optimizer!.state as Record<string, unknown>)[0] = { ...ck.optimizer!.state[0], expAvg: zeros([3], { dtype: 'float64' }) };
    }],
    ['optimizer: a negative learning rate', /optimizer state does not fit the optimizer: .*lr must be a finite number >= 0, got -1/, (ck) => void (ck.optimizer!.paramGroups[0].lr = -1)],
    ['optimizer: missing', /the checkpoint has no optimizer state/, (ck) => void delete ck.optimizer],
    ['schedule: a string epoch', /schedule state does not fit this schedule: 'lastEpoch' is 'x', expected a number/, (ck) => void ((ck.extra as Extra).scheduler.lastEpoch = 'x')],
    ['schedule: an unknown key', /schedule state does not fit this schedule: unexpected key 'warmup'/, (ck) => void ((ck.extra as Extra).scheduler.warmup = 1)],
    ['schedule: lastLr of the wrong length', /'lastLr' is an array of 2, expected an array of 1/, (ck) => void ((ck.extra as Extra).scheduler.lastLr = [1, 2])],
    ['schedule: missing', /the checkpoint has no schedule state/, (ck) => void delete (ck.extra as Extra).scheduler],
    ['generators: the global one with 3 words', /generator state 'default' is an array of 3/, (ck) => void ((ck.extra as Extra).generators.default = [1, 2, 3])],
    ['generators: fit\'s all zero', /generator state 'fit': the four words are all 0/, (ck) => void ((ck.extra as Extra).generators.fit = [0, 0, 0, 0, null])],
    ['generators: a module\'s word out of range', /generator state '4.generator': word 2 is 4294967296/, (ck) => void ((ck.extra as Extra).generators.modules['4.generator'][2] = 2 ** 32)],
    ['generators: a spare that is a string', /generator state 'default': the spare normal is 'abc'/, (ck) => void ((ck.extra as Extra).generators.default[4] = 'abc')],
    ['generators: one for a module the model lacks', /a state for generator '7.generator', but the model has no generator there/, (ck) => {
      (ck.extra as Extra).generators.modules['7.generator'] = new Generator(1).getState();
    }],
    ['generators: none for a module the model has', /the model's generator '4.generator' has no state in the checkpoint/, (ck) => void delete (ck.extra as Extra).generators.modules['4.generator']],
    ['generators: not an object', /generators are 'x', expected \{ fit, default, modules \}/, (ck) => void ((ck.extra as Extra).generators = 'x')],
    ['extras: a negative epoch', /the checkpoint's epoch is -1, expected an integer >= 0/, (ck) => void ((ck.extra as Extra).epoch = -1)],
    ['extras: a fractional epoch', /epoch is 1.5/, (ck) => void ((ck.extra as Extra).epoch = 1.5)],
    ['extras: a history of strings', /history 'loss' is not an array of numbers/, (ck) => void ((ck.extra as Extra).history.loss = ['a'])],
    ['extras: none', /the checkpoint has no epoch: was it written by checkpointCallback/, (ck) => void delete ck.extra],
  ];

  /** Everything resume may change, as plain data. */
  const snapshot = (run: ReturnType<typeof makeRun>, fitGen: Generator) => ({
    model: weights(run.model),
    optimizer: Array.from(checkpointToBytes({ optimizer: run.optimizer.stateDict() })),
    lrs: run.optimizer.lrs,
    scheduler: run.scheduler.stateDict(),
    global: defaultGenerator().getState(),
    module: (run.model.namedChildren()[4]![1] as unknown as { generator: Generator }).generator.getState(),
    fit: fitGen.getState(),
  });

  it.each(cases)('%s', async (_name, pattern, corrupt) => {
    const good = checkpointFromBytes(await interrupted(2));
    manualSeed(31);
    const run = makeRun(42);
    const fitGen = new Generator(8);
    const before = snapshot(run, fitGen);
    const ck = clone(good);
    corrupt(ck);
    const err = thrown(() => optim.resume(ck, { model: run.model, optimizer: run.optimizer, scheduler: run.scheduler, generator: fitGen }));
    expect(err).toBeInstanceOf(TapegradError);
    expect((err as TapegradError).op).toBe('resume');
    expect(err.message).toMatch(pattern);
    expect(snapshot(run, fitGen)).toEqual(before);
    // The good checkpoint still resumes into the same objects afterwards.
    optim.resume(good, { model: run.model, optimizer: run.optimizer, scheduler: run.scheduler, generator: fitGen });
    expect(snapshot(run, fitGen)).not.toEqual(before);
  });

  it('a schedule whose own loader throws after every check passed: model and optimizer are rolled back', async () => {
    const good = checkpointFromBytes(await interrupted(2));
    const run = makeRun(42);
    const inner = run.scheduler;
    const picky = {
      step: () => inner.step(),
      stateDict: () => inner.stateDict(),
      loadStateDict: () => {
        throw new RangeError('refused late');
      },
    };
    const before = snapshot(run, new Generator(0));
    const err = thrown(() => optim.resume(good, { model: run.model, optimizer: run.optimizer, scheduler: picky }));
    expect(err.message).toBe("resume: the checkpoint's schedule state does not fit the schedule: refused late");
    expect(snapshot(run, new Generator(0))).toEqual(before);
  });
});
