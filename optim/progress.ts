/** A terminal progress bar for training that falls back to plain lines when the output is not a terminal. */
import { check, checkOptions } from '../core/errors.js';

/** Where the bar writes: a Node stream, or anything with `write` (console.log is used when absent). @category Training */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

const fmtValue = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

/**
 * Shows step, loss, metrics, steps per second and time left for one epoch. On a terminal (and not in CI)
 * it redraws one line; otherwise it prints a plain line every tenth of the epoch and at its end.
 * @example
 * ```ts
 * const bar = new ProgressBar({ total: 100, label: 'epoch 1/5' });
 * bar.update(10, { loss: 2.3 });
 * bar.finish({ loss: 2.1, valLoss: 2.2 });
 * ```
 * @category Training
 */
export class ProgressBar {
  readonly total: number;
  readonly label: string;
  private readonly stream: ProgressStream | undefined;
  private readonly interactive: boolean;
  private readonly start: number;
  private lastTenth = -1;
  private readonly now: () => number;

  constructor(opts: { total: number; label?: string; stream?: ProgressStream; interactive?: boolean; now?: () => number }) {
    const op = 'ProgressBar';
    check(opts !== undefined, op, () => 'expected options { total, label?, stream?, interactive?, now? }');
    checkOptions(op, opts, ['total', 'label', 'stream', 'interactive', 'now']);
    check(Number.isInteger(opts.total) && opts.total >= 0, op, () => `total must be a non-negative integer (the number of steps), got ${String(opts.total)}`);
    check(opts.label === undefined || typeof opts.label === 'string', op, () => `label must be a string, got ${typeof opts.label}`);
    check(opts.stream === undefined || (opts.stream !== null && typeof opts.stream.write === 'function'), op, () => 'stream must have a write(text) method (as process.stdout)');
    check(opts.interactive === undefined || typeof opts.interactive === 'boolean', op, () => `interactive must be a boolean, got ${String(opts.interactive)}`);
    check(opts.now === undefined || typeof opts.now === 'function', op, () => `now must be a function returning milliseconds, got ${typeof opts.now}`);
    this.total = opts.total;
    this.label = opts.label ?? '';
    const proc = (globalThis as { process?: { stdout?: ProgressStream; env?: Record<string, string | undefined> } }).process;
    this.stream = opts.stream ?? proc?.stdout;
    this.interactive = opts.interactive ?? Boolean(this.stream?.isTTY && !proc?.env?.CI);
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  private write(text: string): void {
    if (this.stream) this.stream.write(text);
    else console.log(text.replace(/\n$/, ''));
  }

  private line(step: number, values: Record<string, number>): string {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = step / Math.max(elapsed, 1e-9);
    const left = (this.total - step) / rate;
    const metrics = Object.entries(values).map(([k, v]) => `${k} ${fmtValue(v)}`).join('  ');
    return `${this.label ? `${this.label} ` : ''}${step}/${this.total}  ${metrics}  ${rate.toFixed(1)} steps/s  ${step < this.total ? `eta ${fmtTime(left)}` : `${fmtTime(elapsed)}`}`;
  }

  /** Reports that `step` of `total` steps are done, with running values (loss, metrics). */
  update(step: number, values: Record<string, number>): void {
    check(Number.isInteger(step) && step >= 0 && step <= this.total, 'ProgressBar.update', () => `step must be an integer in 0..${this.total}, got ${String(step)}`);
    check(values !== null && typeof values === 'object', 'ProgressBar.update', () => `values must be an object of numbers, got ${values === null ? 'null' : typeof values}`);
    if (this.interactive) {
      const width = 24;
      const filled = Math.round((width * step) / Math.max(this.total, 1));
      const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled ? (step < this.total ? '>' : '=') : ''}${' '.repeat(width - filled)}]`;
      const text = `${bar} ${this.line(step, values)}`;
      const cols = this.stream?.columns ?? 120;
      this.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length))}\x1b[K`);
      return;
    }
    const tenth = Math.floor((10 * step) / Math.max(this.total, 1));
    if (tenth > this.lastTenth && step < this.total) {
      this.lastTenth = tenth;
      this.write(`${this.line(step, values)}\n`);
    }
  }

  /** Ends the epoch with its final values (including validation ones). */
  finish(values: Record<string, number>): void {
    check(values !== null && typeof values === 'object', 'ProgressBar.finish', () => `values must be an object of numbers, got ${values === null ? 'null' : typeof values}`);
    if (this.interactive) this.write('\r\x1b[K');
    this.write(`${this.line(this.total, values)}\n`);
  }
}
