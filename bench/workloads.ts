// The benchmark's workloads (issue 5) and the timing rule every framework follows. The runner passes a
// workload's spec to each child as JSON, so tapegrad, TF.js and PyTorch build exactly the same model.

export interface RecurrentSpec {
  id: 'W1' | 'W2';
  name: 'lstm-train' | 'gru-train';
  cell: 'lstm' | 'gru';
  batch: number;
  seq: number;
  input: number;
  hidden: number;
  lr: number;
}

export interface CharLmSpec {
  id: 'W3';
  name: 'charlm';
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  seq: number;
  batch: number;
  lr: number;
}

export interface TinyRnnSpec {
  id: 'W4';
  name: 'tiny-rnn';
  input: number;
  hidden: number;
  batch: number;
  seq: number;
  lr: number;
}

export interface MatmulSpec {
  id: 'W5';
  name: 'matmul';
  sizes: number[];
}

export type Spec = RecurrentSpec | CharLmSpec | TinyRnnSpec | MatmulSpec;
export type WorkloadId = Spec['id'];
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5'];

/** The sizes; `quick` shrinks the sequences and matrices for a smoke run (not comparable). */
export function specs(quick: boolean): Spec[] {
  const q = (full: number, small: number) => (quick ? small : full);
  return [
    { id: 'W1', name: 'lstm-train', cell: 'lstm', batch: 32, seq: q(64, 8), input: 64, hidden: 256, lr: 1e-3 },
    { id: 'W2', name: 'gru-train', cell: 'gru', batch: 32, seq: q(64, 8), input: 64, hidden: 256, lr: 1e-3 },
    { id: 'W3', name: 'charlm', vocab: 65, embed: 128, hidden: 256, layers: 2, seq: q(100, 8), batch: 16, lr: 1e-3 },
    { id: 'W4', name: 'tiny-rnn', input: 8, hidden: 32, batch: 1, seq: q(200, 50), lr: 1e-2 },
    { id: 'W5', name: 'matmul', sizes: quick ? [128, 256] : [256, 512, 1024] },
  ];
}

/** How many steps to run and when a step counts as slow. */
export interface TimingOptions {
  warmup: number;
  steps: number;
  /** A warm-up step slower than this (ms) means: time only `slowSteps` steps. */
  capMs: number;
  slowSteps: number;
  /** Fast steps repeat until warm-up and timing last this long (ms) too: a cold core or JIT needs time, not a count. */
  minWarmupMs: number;
  minTimedMs: number;
}

/** One row of the table, as a child reports it. */
export interface RowResult {
  row: string;
  /** 'ms' per training step, or 'GFLOP/s' for matmul (value = 2n^3 / median time). */
  unit: 'ms' | 'GFLOP/s';
  value: number;
  medianMs: number;
  timed: number;
  capped: boolean;
  warmupMs: number[];
  timesMs: number[];
  /** The loss after the first and the last step: it must change, or nothing was trained. */
  lossFirst?: number;
  lossLast?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs `warmup` untimed steps, then the timed ones; `step` returns the loss it read back (or any number
 * that proves the result was computed). A warm-up step slower than `capMs` cuts the timed steps to
 * `slowSteps`.
 */
export async function timeSteps(step: () => number | Promise<number>, o: TimingOptions): Promise<Omit<RowResult, 'row' | 'unit' | 'value'>> {
  const warmupMs: number[] = [];
  const losses: number[] = [];
  let capped = false;
  const w0 = performance.now();
  for (let i = 0; i < o.warmup || (i > 0 && !capped && performance.now() - w0 < o.minWarmupMs); i++) {
    const t = performance.now();
    losses.push(await step());
    const dt = performance.now() - t;
    warmupMs.push(dt);
    if (dt > o.capMs) capped = true;
  }
  const n = capped ? Math.min(o.steps, o.slowSteps) : o.steps;
  const timesMs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n || (!capped && performance.now() - t0 < o.minTimedMs); i++) {
    const t = performance.now();
    losses.push(await step());
    timesMs.push(performance.now() - t);
  }
  for (const l of losses) if (!Number.isFinite(l)) throw new Error(`a step returned ${l}`);
  return {
    medianMs: median(timesMs), timed: timesMs.length, capped: capped && n < o.steps, warmupMs, timesMs,
    lossFirst: losses[0]!, lossLast: losses[losses.length - 1]!,
  };
}

/** What a child receives on its command line: `--spec JSON --timing JSON` (plus its own flags). */
export function childArgs(argv: readonly string[]): { spec: Spec; timing: TimingOptions; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags.set(a.slice(2), '');
    else flags.set(a.slice(2), next), i++;
  }
  const spec = flags.get('spec');
  const timing = flags.get('timing');
  if (!spec || !timing) throw new Error('usage: <child> --spec JSON --timing JSON (run through bench/run.ts)');
  return { spec: JSON.parse(spec) as Spec, timing: JSON.parse(timing) as TimingOptions, flags };
}

/**
 * The child's side of the protocol: one `INFO {...}` line, one `RESULT {...}` line per row, and a last
 * `DONE {"cpuS": ...}` with the CPU time the process used (so the runner can tell how busy others were).
 */
export function emit(kind: 'INFO' | 'RESULT' | 'DONE', payload: object): void {
  process.stdout.write(`${kind} ${JSON.stringify(payload)}\n`);
}

/** The last line of a child. */
export function emitDone(): void {
  const u = process.cpuUsage();
  emit('DONE', { cpuS: (u.user + u.system) / 1e6 });
}

/** The row label of a matmul size. */
export const matmulRow = (n: number) => `W5 matmul n=${n}`;

/** The row label of a training workload. */
export const trainRow = (s: Spec) => `${s.id} ${s.name}`;
