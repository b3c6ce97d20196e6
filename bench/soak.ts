// npm run soak [-- options]: memory over a long run. A small character LSTM language model (Embedding ->
// LSTM -> Linear) trains on Moby-Dick for --steps steps in two loops, each in its own child process:
//   backward    PyTorch style: loss.backward(), clipGradNorm, Adam.step(), zeroGrad()
//   functional  valueAndGrad over a parameter record (functionalCall), the pure adam() and applyUpdates
// Every --every steps the child collects garbage (node --expose-gc) and samples heapUsed, RSS, external
// and arrayBuffers. The baseline is the sample at the end of the warm-up (--warmup steps); growth is
// (max - baseline) / baseline over the samples after it. Writes bench/soak/<loop>.json and .csv and
// bench/SOAK.md; exits 1 when heap or RSS grew by more than --limit percent in a loop.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { poolStats } from '../core/dtype.js';
import { wasmMemoryBytes } from '../core/kernels/wasm/index.js';
import { Generator, type Tensor, crossEntropy, nn, optim, reshape, tensor, valueAndGrad, wasmRelaxedSimd } from '../index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DATA = path.resolve(ROOT, '../shared/data/char-text-generation/moby-dick.txt');
const LOOPS = ['backward', 'functional'] as const;
type Loop = (typeof LOOPS)[number];

const HELP = `usage: npm run soak [-- options]   (node --expose-gc --import tsx bench/soak.ts)

Trains a small character LSTM language model on Moby-Dick in two loops (backward: loss.backward() and
Adam.step(); functional: valueAndGrad and the pure adam()), each in its own child process, sampling heap
and RSS after a forced garbage collection every --every steps. Reports the warm-up baseline against the
maximum and the last sample after it, writes bench/soak/*.json, *.csv and bench/SOAK.md.

  --steps N      training steps per loop (default 10000)
  --warmup N     steps before the baseline sample (default 1000)
  --every N      steps between samples (default 100)
  --loops LIST   backward,functional (default both)
  --limit P      fail when heap or RSS grows by more than P percent after the warm-up (default 5)
  --hidden N --embed N --seq N --batch N   model and batch sizes (default 64, 16, 32, 16)
  --data PATH    the text (default ../shared/data/char-text-generation/moby-dick.txt)
  --out DIR      where the JSON and CSV go (default bench/soak)
  --no-summary   do not write bench/SOAK.md
  --rounds N     gc-and-pause rounds per sample, the smallest reading kept (default 2)
  --malloc-arena-max N   run the loops with MALLOC_ARENA_MAX=N (glibc: fewer per-thread malloc arenas)
  --snapshots    write a heap snapshot per loop after the warm-up and at the end (compare: bench/heap-diff.ts)
`;

interface Options {
  steps: number; warmup: number; every: number; loops: Loop[]; limit: number;
  hidden: number; embed: number; seq: number; batch: number; data: string; out: string; summary: boolean; snapshots: boolean; rounds: number; arenas: number | null;
}

function parse(argv: string[]): Options {
  const o: Options = {
    steps: 10_000, warmup: 1000, every: 100, loops: [...LOOPS], limit: 5, hidden: 64, embed: 16, seq: 32, batch: 16,
    data: DATA, out: path.join(HERE, 'soak'), summary: true, snapshots: false, rounds: 2, arenas: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} must be a positive integer`);
      return v;
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === '--steps') o.steps = int();
    else if (a === '--warmup') o.warmup = int();
    else if (a === '--every') o.every = int();
    else if (a === '--hidden') o.hidden = int();
    else if (a === '--embed') o.embed = int();
    else if (a === '--seq') o.seq = int();
    else if (a === '--batch') o.batch = int();
    else if (a === '--limit') o.limit = Number(value());
    else if (a === '--data') o.data = path.resolve(value());
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--no-summary') o.summary = false;
    else if (a === '--snapshots') o.snapshots = true;
    else if (a === '--rounds') o.rounds = int();
    else if (a === '--malloc-arena-max') o.arenas = int();
    else if (a === '--loops') {
      const ls = value().split(',');
      for (const l of ls) if (!(LOOPS as readonly string[]).includes(l)) throw new Error(`unknown loop '${l}' (backward, functional)`);
      o.loops = ls as Loop[];
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (o.warmup >= o.steps) throw new Error('--warmup must be less than --steps');
  if (o.warmup % o.every !== 0) throw new Error('--warmup must be a multiple of --every');
  return o;
}

interface Sample {
  step: number;
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Bytes in the recycled-storage pools (capped) and of the WebAssembly memory (never shrinks): high-water marks. */
  pooled: number;
  wasm: number;
  loss: number;
}

// Garbage collection frees array buffers' memory on background threads, after gc() returns: a sample right
// after it can still count a few MB of a step's dead activations (more on a busy machine). A sample is the
// smallest reading of several rounds of gc and a pause: what is still referenced is counted in every round,
// so a leak still shows; only memory on its way out is left out.
async function settledUsage(rounds: number): Promise<{ heapUsed: number; rss: number; external: number; arrayBuffers: number }> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  let best = { heapUsed: Infinity, rss: Infinity, external: Infinity, arrayBuffers: Infinity };
  for (let k = 0; k < rounds; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 25));
    const m = process.memoryUsage();
    best = {
      heapUsed: Math.min(best.heapUsed, m.heapUsed), rss: Math.min(best.rss, m.rss),
      external: Math.min(best.external, m.external), arrayBuffers: Math.min(best.arrayBuffers, m.arrayBuffers),
    };
  }
  return best;
}

class CharLM extends nn.Module {
  readonly emb: nn.Embedding;
  readonly rnn: nn.LSTM;
  readonly head: nn.Linear;
  constructor(vocab: number, embed: number, hidden: number, generator: Generator) {
    super();
    this.emb = this.registerModule('emb', new nn.Embedding(vocab, embed, { generator }));
    this.rnn = this.registerModule('rnn', new nn.LSTM(embed, hidden, { batchFirst: true, generator }));
    this.head = this.registerModule('head', new nn.Linear(hidden, vocab, { generator }));
  }
  override forward(ids: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(this.emb.forward(ids))[0]);
  }
}

/** One loop in this process: trains and samples memory; returns the samples. */
async function child(loop: Loop, o: Options): Promise<Sample[]> {
  const text = readFileSync(o.data, 'utf8');
  const vocab = optim.Vocab.fromTokens(text);
  const ids = Int32Array.from(vocab.encode(text));
  const lm = new CharLM(vocab.size, o.embed, o.hidden, new Generator(0));
  const order = new Generator(1);
  const T = o.seq;
  const batch = (): { input: Tensor; target: Tensor } => {
    const x = new Int32Array(o.batch * T);
    const y = new Int32Array(o.batch * T);
    for (let n = 0; n < o.batch; n++) {
      const s = Math.floor(order.nextFloat64() * (ids.length - T - 1));
      x.set(ids.subarray(s, s + T), n * T);
      y.set(ids.subarray(s + 1, s + T + 1), n * T);
    }
    return { input: tensor(x, { shape: [o.batch, T] }), target: tensor(y, { shape: [o.batch, T] }) };
  };
  const lossOf = (input: Tensor, target: Tensor): Tensor => {
    const logits = lm.forward(input);
    return crossEntropy(reshape(logits, [-1, vocab.size]), reshape(target, [-1]));
  };

  let step: () => number;
  if (loop === 'backward') {
    const opt = new optim.Adam(lm.parameters(), { lr: 3e-3 });
    step = () => {
      const { input, target } = batch();
      opt.zeroGrad();
      const loss = lossOf(input, target);
      loss.backward();
      optim.clipGradNorm(lm.parameters(), 5);
      opt.step();
      return loss.item();
    };
  } else {
    const keys = lm.namedParameters().map(([k]) => k);
    let params = lm.namedParameters().map(([, p]) => p.detach());
    const tx = optim.adam({ lr: 3e-3 });
    let state = tx.init(params);
    const f = valueAndGrad((ps: Record<string, Tensor>, input: Tensor, target: Tensor) =>
      nn.functionalCall(lm, ps, () => lossOf(input, target)));
    step = () => {
      const { input, target } = batch();
      const [loss, g] = f(Object.fromEntries(keys.map((k, i) => [k, params[i]!])), input, target) as [Tensor, Record<string, Tensor>];
      const [updates, next] = tx.update(keys.map((k) => g[k]!), state, params);
      params = optim.applyUpdates(params, updates);
      state = next;
      return loss.item();
    };
  }

  const samples: Sample[] = [];
  const t0 = performance.now();
  let loss = NaN;
  let smooth = NaN;
  for (let s = 0; s <= o.steps; s++) {
    if (s % o.every === 0) {
      const m = await settledUsage(o.rounds);
      samples.push({ ...m, step: s, pooled: poolStats().bytes, wasm: wasmMemoryBytes(), loss: smooth });
      if (o.snapshots && (s === o.warmup || s === o.steps)) v8.writeHeapSnapshot(path.join(o.out, `${loop}-${s}.heapsnapshot`));
      if (s % (10 * o.every) === 0)
        process.stderr.write(`${loop} step ${s}: loss ${smooth.toFixed(3)}, heap ${mb(m.heapUsed)}, rss ${mb(m.rss)} MB, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
    if (s === o.steps) break;
    loss = step();
    smooth = Number.isNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
  }
  return samples;
}

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;

interface Growth {
  baseline: number;
  max: number;
  maxStep: number;
  last: number;
  growthMax: number;
  growthLast: number;
}

function growth(samples: readonly Sample[], warmup: number, key: 'heapUsed' | 'rss'): Growth {
  const base = samples.find((s) => s.step === warmup)!;
  const after = samples.filter((s) => s.step > warmup);
  let top = after[0]!;
  for (const s of after) if (s[key] > top[key]) top = s;
  const last = after[after.length - 1]!;
  return {
    baseline: base[key], max: top[key], maxStep: top.step, last: last[key],
    growthMax: (100 * (top[key] - base[key])) / base[key], growthLast: (100 * (last[key] - base[key])) / base[key],
  };
}

async function parent(o: Options, argv: string[]): Promise<void> {
  const gcOn = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (!gcOn) throw new Error('run with node --expose-gc (npm run soak does)');
  mkdirSync(o.out, { recursive: true });
  const rows: string[] = [];
  let ok = true;
  const results: Record<string, { heap: Growth; rss: Growth; seconds: number; pooledMax: number; wasmMax: number; wasmAtWarmup: number }> = {};
  // The loops run side by side, each in its own process (memory is per process; timings are not measured).
  const runs = await Promise.all(o.loops.map((loop) => new Promise<{ loop: Loop; seconds: number }>((resolve, reject) => {
    const t0 = performance.now();
    const file = path.join(o.out, `${loop}.json`);
    const c = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...argv, '--child', loop, '--result', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: o.arenas === null ? process.env : { ...process.env, MALLOC_ARENA_MAX: String(o.arenas) },
    });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve({ loop, seconds: (performance.now() - t0) / 1000 }) : reject(new Error(`the ${loop} loop failed (exit ${code})`))));
  })));
  for (const { loop, seconds } of runs) {
    const file = path.join(o.out, `${loop}.json`);
    const samples = (JSON.parse(readFileSync(file, 'utf8')) as { samples: Sample[] }).samples;
    writeFileSync(path.join(o.out, `${loop}.csv`), `step,heapUsed,rss,external,arrayBuffers,pooled,wasm,loss\n${samples.map((s) => `${s.step},${s.heapUsed},${s.rss},${s.external},${s.arrayBuffers},${s.pooled},${s.wasm},${s.loss}`).join('\n')}\n`);
    const heap = growth(samples, o.warmup, 'heapUsed');
    const rss = growth(samples, o.warmup, 'rss');
    const marks = { pooledMax: Math.max(...samples.map((s) => s.pooled)), wasmMax: Math.max(...samples.map((s) => s.wasm)), wasmAtWarmup: samples.find((s) => s.step === o.warmup)!.wasm };
    results[loop] = { heap, rss, seconds, ...marks };
    const pass = heap.growthMax <= o.limit && rss.growthMax <= o.limit;
    ok &&= pass;
    for (const [name, g] of [['heap', heap], ['RSS', rss]] as const)
      rows.push(`| ${loop} | ${name} | ${mb(g.baseline)} | ${mb(g.max)} (step ${g.maxStep}) | ${mb(g.last)} | ${pct(g.growthMax)} | ${pct(g.growthLast)} | ${name === 'heap' ? (pass ? 'yes' : '**no**') : ''} |`);
    rows.push(`| ${loop} | pools / wasm memory | ${mb(marks.wasmAtWarmup)} wasm | ${mb(marks.pooledMax)} pooled, ${mb(marks.wasmMax)} wasm | | | | |`);
  }
  const table = [
    `| loop | memory | after warm-up (MB) | max after (MB) | last (MB) | growth to max | growth to last | within ${o.limit}% |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  const setup =
    `${o.steps.toLocaleString('en-US')} steps per loop, baseline after ${o.warmup.toLocaleString('en-US')} warm-up steps, a sample (after gc) every ${o.every}; ` +
    `Embedding(${o.embed}) -> LSTM(${o.hidden}) -> Linear, batch ${o.batch} x ${o.seq} characters of Moby-Dick, Adam; ` +
    `Node ${process.versions.node}, relaxed SIMD ${wasmRelaxedSimd() ? 'on' : 'off'}, ${o.rounds} gc round(s) per sample${o.arenas === null ? '' : `, MALLOC_ARENA_MAX=${o.arenas}`}; ` +
    Object.entries(results).map(([l, r]) => `${l} ${Math.round(r.seconds)} s`).join(', ');
  process.stdout.write(`\n${setup}\n\n${table}\n`);
  writeFileSync(path.join(o.out, 'summary.json'), `${JSON.stringify({ options: o, node: process.versions.node, relaxedSimd: wasmRelaxedSimd(), results }, null, 2)}\n`);
  if (o.summary) {
    const md = readFileSync(path.join(HERE, 'SOAK.md'), 'utf8');
    const start = md.indexOf('<!-- soak:begin -->');
    const end = md.indexOf('<!-- soak:end -->');
    if (start >= 0 && end > start)
      writeFileSync(path.join(HERE, 'SOAK.md'), `${md.slice(0, start)}<!-- soak:begin -->\n${setup}\n\n${table}\n${md.slice(end)}`);
  }
  if (!ok) {
    process.stderr.write(`soak: heap or RSS grew by more than ${o.limit}% after the warm-up\n`);
    process.exit(1);
  }
}

const argv = process.argv.slice(2);
const childAt = argv.indexOf('--child');
if (childAt >= 0) {
  const loop = argv[childAt + 1] as Loop;
  const result = argv[argv.indexOf('--result') + 1]!;
  const rest = argv.filter((_, i) => i < childAt || i > childAt + 1).filter((a, i, all) => a !== '--result' && all[i - 1] !== '--result');
  writeFileSync(result, `${JSON.stringify({ loop, samples: await child(loop, parse(rest)) })}\n`);
} else {
  try {
    await parent(parse(argv), argv);
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
