/**
 * Learning-rate schedules with PyTorch 1.13's semantics, including its chainable (recursive) forms, so
 * that composed schedules and resumed runs reproduce PyTorch's learning rates.
 */
import { check, checkOptions } from '../core/errors.js';
import type { Optimizer } from './optimizer.js';

/** An optimizer of any kind, as a schedule drives it. @category Schedules */
export type Opt = Optimizer<object, object>;

/** The learning rates each optimizer had when its first schedule was attached (PyTorch's `initial_lr`). */
const initialLrs = new WeakMap<object, number[]>();

const pyMod = (a: number, m: number) => ((a % m) + m) % m;

/** Checks a schedule's option bag (an object with known keys only); returns it. */
function options<T>(op: string, opts: T, known: readonly string[]): T {
  check(opts !== undefined, op, () => `expected an options object {${known.join(', ')}}`);
  checkOptions(op, opts, known);
  return opts;
}

/** Checks an optional number: finite and at least `min` (or above it when `strict`), an integer when `integer`. */
function num(op: string, name: string, v: unknown, min: number, { strict = false, integer = false, max = Infinity } = {}): void {
  if (v === undefined) return;
  check(typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min) && v <= max && (!integer || Number.isInteger(v)), op, () =>
    `${name} must be a${integer ? 'n integer' : ' finite number'} ${strict ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}, got ${String(v)}`);
}

/**
 * The base of the epoch-based schedules: construction performs the initial step (epoch 0), and each
 * `step()` moves one epoch and writes the new rates into the optimizer's groups.
 * @example
 * ```ts
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 * ```
 * @category Schedules
 */
export abstract class LRScheduler {
  /** The epoch of the last step (0 after construction). */
  lastEpoch = -1;
  /** The groups' learning rates before any schedule. */
  readonly baseLrs: readonly number[];
  protected stepCount = 0;
  private last: number[] = [];

  constructor(readonly optimizer: Opt) {
    check(optimizer && Array.isArray(optimizer.lrs), this.constructor.name, () =>
      `expected an optimizer (as new SGD(params)), got ${optimizer === null ? 'null' : typeof optimizer}`);
    if (!initialLrs.has(optimizer)) initialLrs.set(optimizer, optimizer.lrs);
    this.baseLrs = initialLrs.get(optimizer)!;
  }

  /** Call at the end of a subclass constructor: PyTorch's initial step. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The next rates from the current ones (PyTorch's chainable `get_lr`). */
  protected abstract getLr(): number[];

  /** The rates at `lastEpoch` from the base rates, where PyTorch has a closed form. */
  protected closedForm(): number[] | undefined {
    return undefined;
  }

  /** Moves one epoch (or jumps to `epoch`, using the closed form where there is one) and sets the rates. */
  step(epoch?: number): void {
    num(`${this.constructor.name}.step`, 'epoch', epoch, 0, { integer: true });
    this.stepCount++;
    let lrs: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      lrs = this.getLr();
    } else {
      this.lastEpoch = epoch;
      lrs = this.closedForm() ?? this.getLr();
    }
    lrs.forEach((lr, g) => this.optimizer.setHyperparameters({ lr } as never, g));
    this.last = lrs;
  }

  /** The rates set by the last step. */
  get lastLr(): number[] {
    return [...this.last];
  }

  /** The current rate of each group. */
  protected get lrs(): number[] {
    return this.optimizer.lrs;
  }

  /** The scheduler's position, to save with a checkpoint. */
  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, lastLr: this.last };
  }

  /** Restores a position from {@link LRScheduler.stateDict}. */
  loadStateDict(s: Record<string, unknown>): void {
    check(s !== null && typeof s === 'object' && typeof s.lastEpoch === 'number' && typeof s.stepCount === 'number', `${this.constructor.name}.loadStateDict`, () =>
      'expected { lastEpoch, stepCount } (from stateDict())');
    this.lastEpoch = s.lastEpoch;
    this.stepCount = s.stepCount;
    this.last = [...((s.lastLr as number[]) ?? [])];
  }
}

/**
 * Multiplies the rate by `gamma` every `stepSize` epochs, as `torch.optim.lr_scheduler.StepLR`.
 * @example
 * ```ts
 * new StepLR(opt, { stepSize: 5, gamma: 0.5 });
 * ```
 * @category Schedules
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Opt, opts: { stepSize: number; gamma?: number }) {
    super(optimizer);
    options('StepLR', opts, ['stepSize', 'gamma']);
    num('StepLR', 'gamma', opts.gamma, 0);
    check(Number.isInteger(opts?.stepSize) && opts.stepSize > 0, 'StepLR', () => `stepSize must be a positive integer, got ${opts?.stepSize}`);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma);
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies the rate by `gamma` at each milestone epoch, as `MultiStepLR`.
 * @example
 * ```ts
 * new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * ```
 * @category Schedules
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;
  constructor(optimizer: Opt, opts: { milestones: number[]; gamma?: number }) {
    super(optimizer);
    options('MultiStepLR', opts, ['milestones', 'gamma']);
    num('MultiStepLR', 'gamma', opts.gamma, 0);
    check(Array.isArray(opts?.milestones) && opts.milestones.every((m) => Number.isInteger(m) && m > 0), 'MultiStepLR', () =>
      `milestones must be an array of positive integers, got ${JSON.stringify(opts.milestones) ?? String(opts.milestones)}`);
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return hits ? this.lrs.map((lr) => lr * this.gamma ** hits) : this.lrs;
  }
}

/**
 * Multiplies the rate by `factor` until epoch `totalIters`, as `ConstantLR`.
 * @example
 * ```ts
 * new ConstantLR(opt, { factor: 0.25, totalIters: 4 });
 * ```
 * @category Schedules
 */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;
  constructor(optimizer: Opt, opts: { factor?: number; totalIters?: number } = {}) {
    super(optimizer);
    options('ConstantLR', opts, ['factor', 'totalIters']);
    num('ConstantLR', 'totalIters', opts.totalIters, 0, { integer: true });
    this.factor = opts.factor ?? 1 / 3;
    this.totalIters = opts.totalIters ?? 5;
    check(typeof this.factor === 'number' && this.factor > 0 && this.factor <= 1, 'ConstantLR', () => `factor must be in (0, 1], got ${this.factor}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.lrs;
    return this.lrs.map((lr) => lr * (1 / this.factor));
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((lr) => lr * (this.factor + (this.lastEpoch >= this.totalIters ? 1 - this.factor : 0)));
  }
}

/**
 * Multiplies the rate by `gamma` every epoch, as `ExponentialLR`.
 * @example
 * ```ts
 * new ExponentialLR(opt, { gamma: 0.9 });
 * ```
 * @category Schedules
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Opt, opts: { gamma: number }) {
    super(optimizer);
    options('ExponentialLR', opts, ['gamma']);
    check(typeof opts.gamma === 'number' && opts.gamma > 0 && Number.isFinite(opts.gamma), 'ExponentialLR', () => `gamma must be a finite number > 0, got ${String(opts.gamma)}`);
    this.gamma = opts.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.lastEpoch === 0 ? this.lrs : this.lrs.map((lr) => lr * this.gamma);
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the base rate to `etaMin` over `tMax` epochs (and back, periodically), as
 * `CosineAnnealingLR` in its recursive form.
 * @example
 * ```ts
 * new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 * @category Schedules
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Opt, opts: { tMax: number; etaMin?: number }) {
    super(optimizer);
    options('CosineAnnealingLR', opts, ['tMax', 'etaMin']);
    num('CosineAnnealingLR', 'etaMin', opts.etaMin, 0);
    check(Number.isInteger(opts?.tMax) && opts.tMax > 0, 'CosineAnnealingLR', () => `tMax must be a positive integer, got ${opts?.tMax}`);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin: m } = this;
    if (e === 0) return this.lrs;
    if (pyMod(e - 1 - T, 2 * T) === 0) return this.lrs.map((lr, g) => lr + ((this.baseLrs[g]! - m) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.lrs.map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - m) + m);
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((lr) => this.etaMin + ((lr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * Changes the rate linearly from `startFactor` to `endFactor` times the base over `totalIters` epochs,
 * as `LinearLR`; with startFactor < 1 this is a linear warmup.
 * @example
 * ```ts
 * new LinearLR(opt, { startFactor: 0.1, totalIters: 5 }); // warmup
 * ```
 * @category Schedules
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Opt, opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    options('LinearLR', opts, ['startFactor', 'endFactor', 'totalIters']);
    num('LinearLR', 'totalIters', opts.totalIters, 0, { strict: true, integer: true });
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    check(typeof this.startFactor === 'number' && typeof this.endFactor === 'number' && this.startFactor > 0 && this.startFactor <= 1 && this.endFactor >= 0 && this.endFactor <= 1, 'LinearLR', () =>
      `startFactor must be in (0, 1] and endFactor in [0, 1], got ${this.startFactor} and ${this.endFactor}`,
    );
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.lrs.map((lr) => lr * s);
    if (e > n) return this.lrs;
    return this.lrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  protected override closedForm(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((lr) => lr * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

/**
 * Runs schedules one after another, switching at the milestone epochs, as `SequentialLR` (for example a
 * linear warmup followed by cosine annealing).
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, [warmup, cosine], [5]);
 * ```
 * @category Schedules
 */
export class SequentialLR {
  lastEpoch: number;
  constructor(readonly optimizer: Opt, readonly schedulers: readonly LRScheduler[], readonly milestones: readonly number[]) {
    check(optimizer && Array.isArray(optimizer.lrs), 'SequentialLR', () => `expected an optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
    check(Array.isArray(schedulers) && schedulers.every((x) => x instanceof LRScheduler), 'SequentialLR', () =>
      'schedulers must be an array of schedules (StepLR, LinearLR, ...)');
    check(Array.isArray(milestones) && milestones.every((m, i) => Number.isInteger(m) && m > 0 && (i === 0 || m > milestones[i - 1]!)), 'SequentialLR', () =>
      `milestones must be increasing positive integers, got ${JSON.stringify(milestones) ?? String(milestones)}`);
    check(schedulers.length > 0 && milestones.length === schedulers.length - 1, 'SequentialLR', () =>
      `expected ${schedulers.length - 1} milestone(s) for ${schedulers.length} schedulers, got ${milestones.length}`,
    );
    check(schedulers.every((s) => s.optimizer === optimizer), 'SequentialLR', () => 'every scheduler must drive the same optimizer');
    this.lastEpoch = 0;
    initialLrs.get(optimizer)!.forEach((lr, g) => optimizer.setHyperparameters({ lr } as never, g));
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]!.step();
  }
  /** Moves one epoch on the schedule whose turn it is. */
  step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx]! <= this.lastEpoch) idx++;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
  }
  get lastLr(): number[] {
    return this.optimizer.lrs;
  }
  /** Its position and each schedule's, to save with a checkpoint. */
  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  /** Restores a position from {@link SequentialLR.stateDict}. */
  loadStateDict(s: Record<string, unknown>): void {
    const states = s?.schedulers;
    check(typeof s?.lastEpoch === 'number' && Array.isArray(states) && states.length === this.schedulers.length, 'SequentialLR', () =>
      `expected { lastEpoch, schedulers } with ${this.schedulers.length} schedule states`,
    );
    this.schedulers.forEach((sched, i) => sched.loadStateDict(states[i] as Record<string, unknown>));
    this.lastEpoch = s.lastEpoch as number;
  }
}

/**
 * Steps several schedules together each epoch, their effects multiplying, as `ChainedScheduler`.
 * @example
 * ```ts
 * const sched = new ChainedScheduler([new ExponentialLR(opt, { gamma: 0.9 }), new StepLR(opt, { stepSize: 4, gamma: 0.5 })]);
 * ```
 * @category Schedules
 */
export class ChainedScheduler {
  constructor(readonly schedulers: readonly LRScheduler[]) {
    check(Array.isArray(schedulers) && schedulers.length > 0 && schedulers.every((x) => x instanceof LRScheduler), 'ChainedScheduler', () =>
      'expected a non-empty array of schedules (StepLR, ExponentialLR, ...)');
  }
  step(): void {
    for (const s of this.schedulers) s.step();
  }
  get lastLr(): number[] {
    return this.schedulers[this.schedulers.length - 1]!.optimizer.lrs;
  }
  /** Each schedule's position, to save with a checkpoint. */
  stateDict(): Record<string, unknown> {
    return { schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  /** Restores the positions from {@link ChainedScheduler.stateDict}. */
  loadStateDict(s: Record<string, unknown>): void {
    const states = s?.schedulers;
    check(Array.isArray(states) && states.length === this.schedulers.length, 'ChainedScheduler', () =>
      `expected { schedulers } with ${this.schedulers.length} schedule states`,
    );
    this.schedulers.forEach((sched, i) => sched.loadStateDict(states[i] as Record<string, unknown>));
  }
}

/** Options of {@link ReduceLROnPlateau}, as PyTorch's. @category Schedules */
export interface PlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/**
 * Multiplies the rate by `factor` when a metric has stopped improving for `patience` epochs, as
 * `ReduceLROnPlateau`: call `step(metric)` once per epoch.
 * @example
 * ```ts
 * const sched = new ReduceLROnPlateau(opt, { patience: 3 });
 * sched.step(validationLoss);
 * ```
 * @category Schedules
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(readonly optimizer: Opt, opts: PlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    check(optimizer && Array.isArray(optimizer.lrs), op, () => `expected an optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
    checkOptions(op, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    num(op, 'patience', opts.patience, 0, { integer: true });
    num(op, 'cooldown', opts.cooldown, 0, { integer: true });
    num(op, 'threshold', opts.threshold, 0);
    num(op, 'eps', opts.eps, 0);
    num(op, 'factor', opts.factor, 0);
    (Array.isArray(opts.minLr) ? opts.minLr : [opts.minLr]).forEach((m, i) => num(op, Array.isArray(opts.minLr) ? `minLr[${i}]` : 'minLr', m, 0));
    this.mode = opts.mode ?? 'min';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    const groups = optimizer.lrs.length;
    const minLr = opts.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? [...minLr] : new Array<number>(groups).fill(minLr);
    check(this.factor < 1 && this.factor >= 0, op, () => `factor must be < 1, got ${this.factor}`);
    check(this.mode === 'min' || this.mode === 'max', op, () => `mode must be 'min' or 'max', got ${String(this.mode)}`);
    check(this.thresholdMode === 'rel' || this.thresholdMode === 'abs', op, () => `thresholdMode must be 'rel' or 'abs'`);
    check(this.minLrs.length === groups, op, () => `expected ${groups} minLr value(s), got ${this.minLrs.length}`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best, threshold: t } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records this epoch's metric and lowers the rates after `patience` epochs without improvement. */
  step(metric: number): void {
    check(typeof metric === 'number' && !Number.isNaN(metric), 'ReduceLROnPlateau.step', () =>
      `expected the metric as a number, got ${typeof metric === 'number' ? 'NaN (the model diverged?)' : typeof metric}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.lrs.forEach((old, g) => {
        const next = Math.max(old * this.factor, this.minLrs[g]!);
        if (old - next > this.eps) this.optimizer.setHyperparameters({ lr: next } as never, g);
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  get lastLr(): number[] {
    return this.optimizer.lrs;
  }

  stateDict(): Record<string, unknown> {
    return { best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch };
  }

  loadStateDict(s: Record<string, unknown>): void {
    check(s !== null && typeof s === 'object' && typeof s.best === 'number' && typeof s.numBadEpochs === 'number', 'ReduceLROnPlateau.loadStateDict', () =>
      'expected { best, numBadEpochs, cooldownCounter, lastEpoch } (from stateDict())');
    this.best = s.best;
    this.numBadEpochs = s.numBadEpochs;
    this.cooldownCounter = Number(s.cooldownCounter ?? 0);
    this.lastEpoch = Number(s.lastEpoch ?? 0);
  }
}
