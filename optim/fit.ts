/** A training loop: `fit` with metrics, validation, clipping, callbacks and a progress bar. */
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { Generator, checkGenerator, checkGeneratorState, defaultGenerator } from '../core/random.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { noGrad } from '../autograd/tape.js';
import { argmax } from '../autograd/ops/reduce.js';
import { stack } from '../autograd/ops/shape.js';
import { Module } from '../nn/module.js';
import type { Checkpoint, LoadedCheckpoint } from './checkpoint.js';
import { clipGradNorm } from './clip.js';
import { batches, shuffle, splitAs } from './data.js';
import type { Optimizer } from './optimizer.js';
import { ProgressBar, type ProgressStream } from './progress.js';

/** One batch as the model sees it. @category Training */
export interface Batch {
  input: Tensor;
  target: Tensor;
  /** Sequence lengths, for recurrent models on padded batches. */
  lengths?: number[];
}

/** A metric averaged over an epoch: each batch gives a sum and a count. @category Training */
export interface Metric {
  readonly name: string;
  update(output: Tensor, target: Tensor, loss: number, batchSize: number): [sum: number, count: number];
  /** Maps the epoch's mean to the reported value (as exp for perplexity). */
  finish?(mean: number): number;
}

/**
 * Classification accuracy: argmax of the output's last axis against int32 targets (targets equal to
 * `ignoreIndex` are left out).
 * @example
 * ```ts
 * fit(model, data, { ..., metrics: [accuracy()] });
 * ```
 * @category Training
 */
export function accuracy(opts: { ignoreIndex?: number } = {}): Metric {
  checkOptions('accuracy', opts, ['ignoreIndex']);
  check(opts.ignoreIndex === undefined || Number.isInteger(opts.ignoreIndex), 'accuracy', () => `ignoreIndex must be an integer, got ${String(opts.ignoreIndex)}`);
  return {
    name: 'accuracy',
    update(output, target) {
      const pred = output.ndim === target.ndim + 1 ? argmax(output, -1) : null;
      check(pred !== null && pred.size === target.size, 'accuracy', () =>
        `expected an output with one more axis than the targets, got ${fmt(output.shape)} and ${fmt(target.shape)}`,
      );
      let hit = 0;
      let n = 0;
      for (let i = 0; i < target.size; i++) {
        if (target.data[i] === opts.ignoreIndex) continue;
        n++;
        if (pred.data[i] === target.data[i]) hit++;
      }
      return [hit, n];
    },
  };
}

/**
 * Perplexity of a language model: exp of the mean cross-entropy (the loss, in nats).
 * @example
 * ```ts
 * metrics: [perplexity()]
 * ```
 * @category Training
 */
export function perplexity(): Metric {
  return { name: 'perplexity', update: (_o, _t, loss, n) => [loss * n, n], finish: Math.exp };
}

/**
 * Bits per character (or per token): the mean cross-entropy in bits.
 * @example
 * ```ts
 * metrics: [bitsPerCharacter()]
 * ```
 * @category Training
 */
export function bitsPerCharacter(): Metric {
  return { name: 'bitsPerCharacter', update: (_o, _t, loss, n) => [loss * n, n], finish: (m) => m / Math.LN2 };
}

/** The values recorded per epoch: `epoch`, `loss`, each metric, and `valLoss`, `valAccuracy`, ... @category Training */
export type History = Record<string, number[]>;

/**
 * A learning-rate schedule as {@link fit} steps it once per epoch; {@link checkpointCallback} saves it and
 * {@link resume} restores it when it has `stateDict` and `loadStateDict` (as every schedule in `optim`).
 * @category Training
 */
export interface Schedule {
  step(): void;
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;
}

/** What a callback sees at the end of an epoch. @category Training */
export interface EpochContext {
  /** The epoch just finished, counted from 0. */
  epoch: number;
  logs: Readonly<Record<string, number>>;
  history: History;
  model: Module;
  optimizer: Optimizer<object, object>;
  generator: Generator;
  /** The schedule `fit` steps, if any. */
  scheduler?: Schedule;
  /** Ends training after this epoch. */
  stop(): void;
}

/** Hooks into {@link fit}. @category Training */
export interface Callback {
  onTrainBegin?(): void | Promise<void>;
  onEpochEnd?(ctx: EpochContext): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
}

/** Options of {@link fit}. @category Training */
export interface FitOptions<E> {
  epochs: number;
  optimizer: Optimizer<object, object>;
  /** The loss of a batch from the model's output and the batch's target. */
  loss: (output: Tensor, target: Tensor) => Tensor;
  batchSize?: number;
  /** Builds a batch from examples; by default examples must be `{ input, target }` tensors, stacked. */
  collate?: (examples: E[]) => Batch;
  /** The model's output for a batch; by default `model.forward(batch.input)`. */
  forward?: (model: Module, batch: Batch) => Tensor;
  metrics?: readonly Metric[];
  validationData?: readonly E[];
  /** Hold out this fraction of `data` (its end, before shuffling) for validation. */
  validationSplit?: number;
  /** Clip the gradients' joint 2-norm to this value before each step (a NaN or infinite norm throws). */
  clipGradNorm?: number;
  /** Shuffle the training examples every epoch (default true), with `generator`. */
  shuffle?: boolean;
  /** The generator for shuffling (default `new Generator(0)`): {@link checkpointCallback} saves its state and {@link resume} returns it. */
  generator?: Generator;
  callbacks?: readonly Callback[];
  /** A schedule stepped once per epoch. */
  scheduler?: Schedule;
  /** Start at this epoch (when resuming), with the history so far. */
  initialEpoch?: number;
  history?: History;
  /** Show the progress bar (default true); or give the stream to write to. */
  progress?: boolean | ProgressStream;
}

function defaultCollate<E>(examples: E[]): Batch {
  const ex = examples as unknown as { input?: unknown; target?: unknown }[];
  const bad = ex.findIndex((e) => !(e && e.input instanceof Tensor && e.target instanceof Tensor));
  check(bad < 0, 'fit', () =>
    `example ${bad} of a batch is not { input: Tensor, target: Tensor }: pass a collate function that builds a batch`,
  );
  // Every example's input (and target) must match the first's: say which one differs, before stacking.
  for (const part of ['input', 'target'] as const) {
    const first = ex[0]![part] as Tensor;
    ex.forEach((e, i) => {
      const t = e[part] as Tensor;
      check(t.dtype === first.dtype && t.shape.length === first.shape.length && t.shape.every((d, k) => d === first.shape[k]), 'fit', () =>
        `the examples of a batch differ in their ${part}s: ${t.dtype} ${fmt(t.shape)} (example ${i} of the batch) and ${first.dtype} ${fmt(first.shape)} ` +
        '(its first); give every example the same shapes (pad sequences with padSequences) or pass a collate function');
    });
  }
  return { input: stack(ex.map((e) => e.input as Tensor)), target: stack(ex.map((e) => e.target as Tensor)) };
}

const FIT_KEYS = [
  'epochs', 'optimizer', 'loss', 'batchSize', 'collate', 'forward', 'metrics', 'validationData', 'validationSplit', 'clipGradNorm',
  'shuffle', 'generator', 'callbacks', 'scheduler', 'initialEpoch', 'history', 'progress',
];

/** Every argument of fit, checked before the first step. */
function checkFit(op: string, model: unknown, data: unknown, opts: FitOptions<unknown>): void {
  const m = model as Partial<Module> | null;
  check(m instanceof Module || (m !== null && typeof m === 'object' && ['forward', 'train', 'eval', 'stateDict'].every((k) => typeof m[k as keyof Module] === 'function')), op, () =>
    `expected a Module to train (with forward, train, eval and stateDict), got ${model === null ? 'null' : typeof model}`);
  check(Array.isArray(data) && data.length > 0, op, () => `the training data is empty (got ${Array.isArray(data) ? '0 examples' : data === null ? 'null' : typeof data})`);
  check(opts !== null && typeof opts === 'object', op, () => 'expected options { epochs, optimizer, loss, ... }');
  checkOptions(op, opts, FIT_KEYS);
  check(Number.isInteger(opts.epochs) && opts.epochs > 0, op, () => `epochs must be a positive integer, got ${opts.epochs}`);
  check(typeof opts.loss === 'function', op, () => `loss must be a function (output, target) => Tensor, got ${typeof opts.loss}`);
  const o = opts.optimizer as unknown as Record<string, unknown> | undefined;
  check(o && typeof o.step === 'function' && typeof o.zeroGrad === 'function' && Array.isArray(o.params), op, () =>
    `optimizer must be an Optimizer (as new Adam(model.parameters())), got ${o === null ? 'null' : typeof o}`);
  for (const k of ['collate', 'forward'] as const)
    check(opts[k] === undefined || typeof opts[k] === 'function', op, () => `${k} must be a function, got ${typeof opts[k]}`);
  check(opts.metrics === undefined || (Array.isArray(opts.metrics) && opts.metrics.every((m) => m && typeof m.name === 'string' && typeof m.update === 'function')), op, () =>
    'metrics must be an array of metrics (accuracy(), perplexity(), ...)');
  check(opts.callbacks === undefined || (Array.isArray(opts.callbacks) && opts.callbacks.every((c) => c && typeof c === 'object')), op, () =>
    'callbacks must be an array of callbacks (earlyStopping(), onEpochEnd(fn), ...)');
  check(opts.validationData === undefined || Array.isArray(opts.validationData), op, () => `validationData must be an array of examples, got ${typeof opts.validationData}`);
  check(opts.clipGradNorm === undefined || (typeof opts.clipGradNorm === 'number' && Number.isFinite(opts.clipGradNorm) && opts.clipGradNorm >= 0), op, () =>
    `clipGradNorm must be a finite number >= 0, got ${String(opts.clipGradNorm)}`);
  check(opts.shuffle === undefined || typeof opts.shuffle === 'boolean', op, () => `shuffle must be a boolean, got ${String(opts.shuffle)}`);
  checkGenerator(op, opts.generator);
  check(opts.scheduler === undefined || (opts.scheduler !== null && typeof opts.scheduler.step === 'function'), op, () => 'scheduler must have a step() method (as StepLR)');
  check(opts.history === undefined || (opts.history !== null && typeof opts.history === 'object' && !Array.isArray(opts.history)), op, () => 'history must be an object of number arrays (from resume)');
  check(opts.progress === undefined || typeof opts.progress === 'boolean' || (opts.progress !== null && typeof opts.progress.write === 'function'), op, () =>
    'progress must be a boolean or a stream with write(text)');
}

/**
 * Trains `model` on `data` for `epochs`, as Keras's `fit`: shuffles (seeded), batches, computes the loss,
 * backpropagates, clips, steps the optimizer and the schedule, evaluates on validation data, reports
 * metrics and a progress bar, runs callbacks (early stopping, checkpoints, per-epoch hooks), and returns
 * the history.
 * @example
 * ```ts
 * const history = await fit(model, examples, {
 *   epochs: 5, batchSize: 32, optimizer: new Adam(model.parameters(), { lr: 3e-3 }),
 *   loss: (out, y) => crossEntropy(out, y), metrics: [accuracy()], validationSplit: 0.1,
 * });
 * ```
 * @category Training
 */
export async function fit<E>(model: Module, data: readonly E[], opts: FitOptions<E>): Promise<History> {
  const op = 'fit';
  checkFit(op, model, data, opts as FitOptions<unknown>);
  const batchSize = opts.batchSize ?? 32;
  check(Number.isInteger(batchSize) && batchSize > 0, op, () => `batchSize must be a positive integer, got ${batchSize}`);
  let train: readonly E[] = data;
  let valid = opts.validationData;
  if (opts.validationSplit !== undefined) {
    check(!valid, op, () => 'give validationData or validationSplit, not both');
    [train, valid] = splitAs(op, 'validationSplit', data, opts.validationSplit);
  }
  if (valid) check(valid.length > 0, op, () => 'the validation data is empty');
  const collate = opts.collate ?? defaultCollate;
  const forward = opts.forward ?? ((m: Module, b: Batch) => m.forward(b.input) as Tensor);
  const metrics = opts.metrics ?? [];
  const generator = opts.generator ?? new Generator(0);
  const history: History = opts.history ? Object.fromEntries(Object.entries(opts.history).map(([k, v]) => [k, [...v]])) : {};
  const first = opts.initialEpoch ?? 0;
  check(Number.isInteger(first) && first >= 0 && first <= opts.epochs, op, () => `initialEpoch must be in 0..${opts.epochs}, got ${first}`);
  const stream = typeof opts.progress === 'object' ? opts.progress : undefined;
  const showProgress = opts.progress !== false;

  const evaluate = (examples: readonly E[], learn: boolean, bar?: ProgressBar, epoch = 0): Record<string, number> => {
    const sums = metrics.map(() => [0, 0]);
    let lossSum = 0;
    let count = 0;
    const groups = batches(learn && opts.shuffle !== false ? shuffle(examples, generator) : examples, batchSize);
    groups.forEach((group, s) => {
      const batch = collate(group);
      const n = group.length;
      const run = (): number => {
        const out = forward(model, batch);
        const loss = opts.loss(out, batch.target);
        check(loss instanceof Tensor && loss.size === 1, op, () =>
          `the loss function returned ${loss instanceof Tensor ? `a tensor of shape ${fmt(loss.shape)}` : typeof loss}, expected a one-element Tensor (a mean over the batch)`);
        const value = loss.item();
        if (!Number.isFinite(value))
          throw new TapegradError(op, `the loss is ${value} at epoch ${epoch + 1}, step ${s + 1}${learn ? '; the parameters were not updated by this step' : ' (validation)'}`);
        if (learn) {
          loss.backward();
          if (opts.clipGradNorm !== undefined) clipGradNorm(opts.optimizer.params, opts.clipGradNorm, { errorIfNonfinite: true });
          opts.optimizer.step();
        }
        noGrad(() => metrics.forEach((m, k) => {
          const [a, b] = m.update(out, batch.target, value, n);
          sums[k]![0]! += a;
          sums[k]![1]! += b;
        }));
        return value;
      };
      try {
        lossSum += (learn ? run() : noGrad(run)) * n;
      } finally {
        if (learn) opts.optimizer.zeroGrad();
      }
      count += n;
      if (bar) bar.update(s + 1, { loss: lossSum / count });
    });
    const logs: Record<string, number> = { loss: lossSum / count };
    metrics.forEach((m, k) => {
      const mean = sums[k]![0]! / Math.max(sums[k]![1]!, 1);
      logs[m.name] = m.finish ? m.finish(mean) : mean;
    });
    return logs;
  };

  for (const c of opts.callbacks ?? []) await c.onTrainBegin?.();
  let stopped = false;
  for (let epoch = first; epoch < opts.epochs && !stopped; epoch++) {
    model.train();
    const steps = Math.ceil(train.length / batchSize);
    const bar = showProgress ? new ProgressBar({ total: steps, label: `epoch ${epoch + 1}/${opts.epochs}`, ...(stream ? { stream } : {}) }) : undefined;
    const logs = evaluate(train, true, bar, epoch);
    if (valid) {
      model.eval();
      const v = evaluate(valid, false, undefined, epoch);
      for (const [k, val] of Object.entries(v)) logs[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = val;
      model.train();
    }
    opts.scheduler?.step();
    bar?.finish(logs);
    (history.epoch ??= []).push(epoch + 1);
    for (const [k, val] of Object.entries(logs)) (history[k] ??= []).push(val);
    const ctx: EpochContext = {
      epoch, logs, history, model, optimizer: opts.optimizer, generator, ...(opts.scheduler ? { scheduler: opts.scheduler } : {}), stop: () => (stopped = true),
    };
    for (const c of opts.callbacks ?? []) await c.onEpochEnd?.(ctx);
  }
  for (const c of opts.callbacks ?? []) await c.onTrainEnd?.(history);
  return history;
}

/**
 * Stops training after `patience` epochs (at least 1) in which a logged value did not improve, as Keras's EarlyStopping;
 * with `restoreBestWeights`, the best epoch's weights are put back when training ends, whether it stopped
 * early or ran all its epochs (as Keras 3). With `patience` at least the number of epochs it only keeps the best.
 * @example
 * ```ts
 * callbacks: [earlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true })]
 * ```
 * @category Training
 */
export function earlyStopping(opts: { monitor?: string; patience?: number; minDelta?: number; mode?: 'min' | 'max'; restoreBestWeights?: boolean } = {}): Callback {
  const op = 'earlyStopping';
  checkOptions(op, opts, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  check(opts.monitor === undefined || typeof opts.monitor === 'string', op, () => `monitor must be the name of a logged value (as 'valLoss'), got ${typeof opts.monitor}`);
  check(opts.patience === undefined || (Number.isInteger(opts.patience) && opts.patience >= 0), op, () => `patience must be a non-negative integer, got ${String(opts.patience)}`);
  check(opts.minDelta === undefined || (typeof opts.minDelta === 'number' && Number.isFinite(opts.minDelta)), op, () => `minDelta must be a finite number, got ${String(opts.minDelta)}`);
  check(opts.mode === undefined || opts.mode === 'min' || opts.mode === 'max', op, () => `mode must be 'min' or 'max', got ${String(opts.mode)}`);
  check(opts.restoreBestWeights === undefined || typeof opts.restoreBestWeights === 'boolean', op, () => `restoreBestWeights must be a boolean, got ${String(opts.restoreBestWeights)}`);
  const monitor = opts.monitor ?? 'valLoss';
  const mode = opts.mode ?? (/acc/i.test(monitor) ? 'max' : 'min');
  const patience = opts.patience ?? 0;
  const minDelta = Math.abs(opts.minDelta ?? 0);
  let best = mode === 'min' ? Infinity : -Infinity;
  let wait = 0;
  let bestWeights: Record<string, Tensor> | undefined;
  let model: EpochContext['model'] | undefined;
  return {
    onTrainBegin() {
      best = mode === 'min' ? Infinity : -Infinity;
      wait = 0;
      bestWeights = undefined;
    },
    onEpochEnd(ctx) {
      const v = ctx.logs[monitor];
      check(v !== undefined, 'earlyStopping', () => `'${monitor}' is not logged (logged: ${Object.keys(ctx.logs).join(', ')})`);
      model = ctx.model;
      const better = mode === 'min' ? v < best - minDelta : v > best + minDelta;
      if (better) {
        best = v;
        wait = 0;
        if (opts.restoreBestWeights) bestWeights = Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape, t.dtype)]));
      } else if (++wait >= Math.max(patience, 1)) {
        ctx.stop();
      }
    },
    onTrainEnd() {
      if (bestWeights) model?.loadStateDict(bestWeights);
    },
  };
}

/**
 * The generators a model holds, by path (`drop.generator` for a Dropout registered as `drop`): every own
 * property of the model or a submodule that is a {@link Generator}, as layers keep the one they were given.
 */
function moduleGenerators(model: Module): [string, Generator][] {
  const out: [string, Generator][] = [];
  const seen = new Set<Module>();
  const visit = (m: Module, prefix: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const [k, v] of Object.entries(m)) if (v instanceof Generator) out.push([`${prefix}${k}`, v]);
    for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
  };
  visit(model, '');
  return out;
}

/**
 * Saves a checkpoint at the end of every `every` epochs through `save`, which writes it where it belongs
 * (see `saveCheckpoint` in `tapegrad/node`, or keep the bytes in the browser): the model, the optimizer,
 * the schedule (when it has `stateDict`), the epoch, the history, and the state of every generator the run
 * draws from: `fit`'s shuffling generator, the global one ({@link defaultGenerator}, which layers without
 * a generator of their own draw dropout masks from) and each generator held by a module (as an
 * `nn.Dropout` given one). Resume with {@link resume}.
 * @example
 * ```ts
 * callbacks: [checkpointCallback({ save: (c) => saveCheckpoint('run.safetensors', c) })]
 * ```
 * @category Training
 */
export function checkpointCallback(opts: { save: (checkpoint: Checkpoint) => void | Promise<void>; every?: number }): Callback {
  const op = 'checkpointCallback';
  check(typeof opts === 'object' && opts !== null, op, () => `expected { save, every? }, got ${opts === null ? 'null' : typeof opts}`);
  checkOptions(op, opts, ['save', 'every']);
  check(typeof opts.save === 'function', op, () => `save must be a function that writes the checkpoint, got ${typeof opts.save}`);
  const every = opts.every ?? 1;
  check(Number.isInteger(every) && every > 0, op, () => `every must be a positive integer (epochs), got ${String(every)}`);
  return {
    async onEpochEnd(ctx) {
      if ((ctx.epoch + 1) % every !== 0) return;
      const sched = ctx.scheduler;
      check(!sched || typeof sched.stateDict === 'function', op, () =>
        'the schedule has no stateDict(), so a checkpoint could not restore it: give it stateDict and loadStateDict',
      );
      const generators = {
        fit: ctx.generator.getState(),
        default: defaultGenerator().getState(),
        modules: Object.fromEntries(moduleGenerators(ctx.model).map(([k, g]) => [k, g.getState()])),
      };
      await opts.save({
        model: ctx.model.stateDict(),
        optimizer: ctx.optimizer.stateDict(),
        extra: { epoch: ctx.epoch + 1, history: ctx.history, generators, ...(sched ? { scheduler: sched.stateDict!() } : {}) },
      });
    },
  };
}

/**
 * A per-epoch hook.
 * @example
 * ```ts
 * callbacks: [onEpochEnd(({ epoch, logs }) => console.log(epoch, logs.loss))]
 * ```
 * @category Training
 */
export function onEpochEnd(fn: (ctx: EpochContext) => void | Promise<void>): Callback {
  check(typeof fn === 'function', 'onEpochEnd', () => `expected a function (ctx) => void, got ${fn === null ? 'null' : typeof fn}`);
  return { onEpochEnd: fn };
}

/** What {@link resume} restores into. @category Training */
export interface ResumeParts {
  model: Module;
  optimizer?: Optimizer<object, object>;
  scheduler?: Schedule;
  /** `fit`'s shuffling generator, to restore in place (a new one is returned when absent). */
  generator?: Generator;
}

/** What `fit` needs to go on from a checkpoint: pass it all, `fit(model, data, { ...opts, ...resumed })`. @category Training */
export interface Resumed {
  initialEpoch: number;
  history: History;
  /** `fit`'s shuffling generator at the checkpoint (`parts.generator` itself when given). */
  generator: Generator;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `'${v}'` : typeof v === 'object' ? 'an object' : String(v);

/** Checks that `saved` has the structure of `live` (the same keys, kinds and array lengths), naming the first difference. */
function sameShape(op: string, what: string, live: unknown, saved: unknown, path = ''): void {
  const at = path ? `'${path}'` : 'it';
  if (typeof live === 'number') check(typeof saved === 'number' && !Number.isNaN(saved), op, () => `${what}: ${at} is ${show(saved)}, expected a number`);
  else if (Array.isArray(live)) {
    check(Array.isArray(saved) && saved.length === live.length, op, () => `${what}: ${at} is ${show(saved)}${Array.isArray(saved) ? ` of ${saved.length}` : ''}, expected an array of ${live.length}`);
    live.forEach((v, i) => sameShape(op, what, v, saved[i], `${path}[${i}]`));
  } else if (isRecord(live)) {
    check(isRecord(saved), op, () => `${what}: ${at} is ${show(saved)}, expected an object`);
    for (const k of Object.keys(saved)) check(Object.hasOwn(live, k), op, () => `${what}: unexpected key '${path ? `${path}.` : ''}${k}'`);
    for (const [k, v] of Object.entries(live)) sameShape(op, what, v, saved[k], path ? `${path}.${k}` : k);
  } else check(typeof saved === typeof live && (saved === null) === (live === null), op, () => `${what}: ${at} is ${show(saved)}, expected ${show(live)}`);
}

/** Runs `fn`, reporting a TapegradError from it as one from `op` that says which part did not fit. */
function part<T>(op: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const err = new TapegradError(op, `${what}: ${e.message}`);
    err.cause = e;
    throw err;
  }
}

/**
 * Restores a run from a checkpoint written by {@link checkpointCallback}: the model's, the optimizer's and
 * the schedule's state, and every generator the run drew from (the global one, those held by the model's
 * modules, and `fit`'s shuffling generator, returned as `generator`), so that the resumed run is bitwise
 * the uninterrupted one. Every part is checked before anything is changed: a checkpoint with any part
 * corrupt or not fitting throws a {@link TapegradError} naming it and leaves model, optimizer, schedule
 * and generators exactly as they were.
 * @example
 * ```ts
 * const resumed = resume(await loadCheckpoint('run.safetensors'), { model, optimizer, scheduler });
 * await fit(model, data, { ...opts, ...resumed }); // initialEpoch, history and the shuffling generator
 * ```
 * @category Training
 */
export function resume(checkpoint: LoadedCheckpoint, parts: ResumeParts): Resumed {
  const op = 'resume';
  check(isRecord(parts), op, () => `expected { model, optimizer?, scheduler?, generator? } to restore into, got ${show(parts)}`);
  checkOptions(op, parts, ['model', 'optimizer', 'scheduler', 'generator']);
  const { model, optimizer, scheduler } = parts;
  check(model instanceof Module, op, () => `model must be an nn.Module, got ${show(model)}`);
  check(optimizer === undefined || (isRecord(optimizer) && typeof optimizer.loadStateDict === 'function'), op, () => `optimizer must be an optimizer, got ${show(optimizer)}`);
  check(scheduler === undefined || (isRecord(scheduler) && typeof scheduler.stateDict === 'function' && typeof scheduler.loadStateDict === 'function'), op, () =>
    `scheduler must be a schedule with stateDict() and loadStateDict(), got ${show(scheduler)}`,
  );
  checkGenerator(op, parts.generator);
  check(isRecord(checkpoint) && isRecord(checkpoint.model), op, () => `expected a checkpoint from loadCheckpoint or checkpointFromBytes, got ${show(checkpoint)}`);

  // 1. Check every part; nothing is changed until all pass.
  const extra = checkpoint.extra;
  check(isRecord(extra) && extra.epoch !== undefined, op, () => 'the checkpoint has no epoch: was it written by checkpointCallback?');
  const epoch = extra.epoch;
  check(Number.isSafeInteger(epoch) && (epoch as number) >= 0, op, () => `the checkpoint's epoch is ${show(epoch)}, expected an integer >= 0`);
  const history = extra.history ?? {};
  check(isRecord(history), op, () => `the checkpoint's history is ${show(history)}, expected an object of number arrays`);
  for (const [k, v] of Object.entries(history))
    check(Array.isArray(v) && v.every((x) => typeof x === 'number'), op, () => `the checkpoint's history '${k}' is not an array of numbers`);
  check(Object.keys(checkpoint.model).length > 0, op, () => 'the checkpoint has no model weights');
  check(!optimizer || checkpoint.optimizer, op, () => 'the checkpoint has no optimizer state');
  if (scheduler) {
    check(extra.scheduler !== undefined, op, () => 'the checkpoint has no schedule state (it was saved without a scheduler)');
    sameShape(op, "the checkpoint's schedule state does not fit this schedule", scheduler.stateDict!(), extra.scheduler);
  }
  const gens = extra.generators;
  const fitState = isRecord(gens) ? gens.fit : extra.generator; // older checkpoints saved only fit's, as `generator`
  const moduleGens = moduleGenerators(model);
  if (gens !== undefined) {
    check(isRecord(gens), op, () => `the checkpoint's generators are ${show(gens)}, expected { fit, default, modules }`);
    checkGeneratorState(op, gens.fit, "the checkpoint's generator state 'fit'");
    checkGeneratorState(op, gens.default, "the checkpoint's generator state 'default'");
    const saved = gens.modules;
    check(isRecord(saved), op, () => `the checkpoint's module generators are ${show(saved)}, expected an object by module path`);
    for (const [path, s] of Object.entries(saved)) {
      check(moduleGens.some(([p]) => p === path), op, () => `the checkpoint has a state for generator '${path}', but the model has no generator there`);
      checkGeneratorState(op, s, `the checkpoint's generator state '${path}'`);
    }
    for (const [path] of moduleGens)
      check(Object.hasOwn(saved, path), op, () => `the model's generator '${path}' has no state in the checkpoint (it was saved from another model)`);
  } else if (fitState !== undefined || parts.generator) {
    check(fitState !== undefined, op, () => 'the checkpoint has no generator state');
    checkGeneratorState(op, fitState, "the checkpoint's generator state");
  }

  // 2. Apply. The loaders check their part against the live object first and throw unchanged; if a later
  // one throws anyway, the earlier ones are put back.
  const modelBefore = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape, t.dtype)]));
  const optimizerBefore = optimizer?.stateDict();
  const scheduleBefore = scheduler?.stateDict!();
  let done = 0;
  try {
    part(op, "the checkpoint's model does not fit the model", () => model.loadStateDict(checkpoint.model));
    done = 1;
    if (optimizer) part(op, "the checkpoint's optimizer state does not fit the optimizer", () => optimizer.loadStateDict(checkpoint.optimizer!));
    done = 2;
    if (scheduler) part(op, "the checkpoint's schedule state does not fit the schedule", () => scheduler.loadStateDict!(extra.scheduler as Record<string, unknown>));
  } catch (e) {
    const undo = (fn: () => void) => {
      try {
        fn();
      } catch {
        // the original error is the one to report
      }
    };
    if (done >= 2 && scheduler) undo(() => scheduler.loadStateDict!(scheduleBefore!));
    if (done >= 1 && optimizer) undo(() => optimizer.loadStateDict(optimizerBefore!));
    undo(() => model.loadStateDict(modelBefore));
    throw e;
  }
  // Generator states were checked above: setting them cannot fail.
  if (isRecord(gens)) {
    defaultGenerator().setState(gens.default as (number | null)[]);
    const saved = gens.modules as Record<string, (number | null)[]>;
    for (const [path, g] of moduleGens) g.setState(saved[path]!);
  }
  const generator = parts.generator ?? new Generator(0);
  if (fitState !== undefined) generator.setState(fitState as (number | null)[]);
  return { initialEpoch: epoch as number, history: Object.fromEntries(Object.entries(history).map(([k, v]) => [k, [...(v as number[])]])), generator };
}
