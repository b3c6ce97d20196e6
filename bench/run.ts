// npm run bench [-- options]: tapegrad, PyTorch (1 and 2 threads) and TF.js (cpu, wasm SIMD) on the
// workloads of issue 5, each framework and workload in its own child process, one after another. Prints
// a table of medians and ratios, and after a full run writes bench/RESULTS.md. `--help` lists the options.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmRelaxedBase64 } from '../core/kernels/wasm/binary.js';
import { topSelfTime } from './cpuprofile.js';
import { type RowResult, type Spec, type TimingOptions, WORKLOAD_IDS, specs } from './workloads.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

// Whether this Node's engine takes relaxed SIMD without a flag (V8 11.4 and later: Node 22, Chrome 114).
const RELAXED_BY_DEFAULT = WebAssembly.validate(Buffer.from(wasmRelaxedBase64, 'base64'));
const FRAMEWORKS = ['tapegrad', 'tapegrad-2t', 'tapegrad-fma', 'torch-1t', 'torch-2t', 'tfjs-cpu', 'tfjs-wasm'] as const;
type Framework = (typeof FRAMEWORKS)[number];
const TITLES: Record<Framework, string> = {
  tapegrad: 'tapegrad', 'tapegrad-2t': 'tapegrad 2 threads', 'tapegrad-fma': 'tapegrad relaxed SIMD', 'torch-1t': 'PyTorch 1 thread', 'torch-2t': 'PyTorch 2 threads', 'tfjs-cpu': 'TF.js cpu', 'tfjs-wasm': 'TF.js wasm SIMD',
};

const HELP = `usage: npm run bench [-- options]

Runs the workloads of issue 5 in tapegrad, PyTorch (when /usr/bin/python3 can import torch) and TF.js,
each framework and workload in its own child process, one after another, and prints median ms per
training step (GFLOP/s for W5) with the ratio tapegrad time / peer time (< 1: tapegrad is faster).

  W1 lstm-train   LSTM 64->256, batch 32, 64 steps, Linear(256->1) on the last state, MSE, Adam
  W2 gru-train    the same with a GRU (PyTorch's form)
  W3 charlm       Embedding(65->128), 2-layer LSTM 256, 100 steps, batch 16, Linear(256->65), cross-entropy, Adam
  W4 tiny-rnn     Elman RNN (tanh) 8->32, batch 1, 200 steps, loss = sum of the last state, SGD
  W5 matmul       C = A B, n = 256, 512, 1024, GFLOP/s (forward only)

options:
  --only W1,W4          workloads to run (default: all)
  --frameworks LIST     of tapegrad, tapegrad-2t (setNumThreads(2)), tapegrad-fma (relaxed SIMD: fused
                        multiply-add; on by default in V8 11.4 and later, such as Node 22; here through
                        --experimental-wasm-relaxed-simd), torch-1t, torch-2t, tfjs-cpu, tfjs-wasm;
                        'torch' and 'tfjs' name both of theirs (default: all; PyTorch is skipped when it
                        cannot be imported)
  --steps N             timed steps (default 10; fast steps repeat for at least --min-timed-ms)
  --warmup N            warm-up steps (default 3; fast steps repeat for at least --min-warmup-ms)
  --min-warmup-ms MS    (default 500)
  --min-timed-ms MS     (default 1000)
  --cap-ms MS           a warm-up step slower than this times only --slow-steps steps (default 5000)
  --slow-steps N        (default 3); such medians are marked '(3 steps)'
  --sizes 256,1024      matrix sizes for W5 (default 256,512,1024)
  --quick               smoke run: shorter sequences, n = 128, 256, 1 warm-up and 3 timed steps;
                        its numbers are not comparable with the issue's
  --tfjs-plain-grad     on wasm, train through tf.matMul's own gradient (transpose flags: a slow path in
                        tfjs-backend-wasm) instead of the flag-free one
  --python PATH         the interpreter with torch (default /usr/bin/python3, or $BENCH_PYTHON)
  --timeout S           seconds before a child is stopped (default 900)
  --wait-idle S         before each child, wait up to S seconds for other processes to use less than a
                        quarter of a core (default 0: do not wait; the table notes how busy they were)
  --write / --no-write  write bench/RESULTS.md (default: only after a run of every workload and framework
                        at the default sizes, without --quick)
  --json FILE           also write every child's raw results as JSON
  --profile             run the tapegrad children under node --cpu-prof and print their top self-time
                        functions (profiles are left in a temporary folder)
  --verbose             show the children's stderr
  --help                this text

PyTorch on Debian: bash bench/setup-torch.sh installs python3-torch and OpenBLAS (libopenblas0-openmp).`;

interface Options {
  only: Set<string>;
  frameworks: Set<Framework>;
  timing: TimingOptions;
  sizes?: number[];
  quick: boolean;
  tfjsPlainGrad: boolean;
  python: string;
  timeoutS: number;
  waitIdleS: number;
  write?: boolean;
  json?: string;
  profile: boolean;
  verbose: boolean;
}

function fail(msg: string): never {
  console.error(`bench: ${msg}\n(npm run bench -- --help lists the options)`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    only: new Set(WORKLOAD_IDS), frameworks: new Set(FRAMEWORKS), timing: { warmup: 3, steps: 10, capMs: 5000, slowSteps: 3, minWarmupMs: 500, minTimedMs: 1000 },
    quick: false, tfjsPlainGrad: false, python: process.env.BENCH_PYTHON ?? '/usr/bin/python3', timeoutS: 900, waitIdleS: 0, profile: false, verbose: false,
  };
  let steps: number | undefined;
  let warmup: number | undefined;
  let minWarmupMs: number | undefined;
  let minTimedMs: number | undefined;
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) fail(`${flag} takes an integer >= ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--help': case '-h':
        console.log(HELP);
        process.exit(0);
      case '--only': {
        const ids = list(value()).map((s) => s.toUpperCase());
        for (const id of ids) if (!WORKLOAD_IDS.includes(id as Spec['id'])) fail(`unknown workload ${id} (expected ${WORKLOAD_IDS.join(', ')})`);
        if (!ids.length) fail('--only needs a list of workloads');
        o.only = new Set(ids);
        break;
      }
      case '--frameworks': {
        const names = list(value()).flatMap((s) => (s === 'torch' ? ['torch-1t', 'torch-2t'] : s === 'tfjs' ? ['tfjs-cpu', 'tfjs-wasm'] : [s]));
        for (const n of names) if (!FRAMEWORKS.includes(n as Framework)) fail(`unknown framework ${n} (expected ${FRAMEWORKS.join(', ')}, torch, tfjs)`);
        if (!names.length) fail('--frameworks needs a list');
        o.frameworks = new Set(names as Framework[]);
        break;
      }
      case '--steps': steps = int(flag, value(), 1); break;
      case '--warmup': warmup = int(flag, value(), 0); break;
      case '--cap-ms': o.timing.capMs = int(flag, value(), 1); break;
      case '--slow-steps': o.timing.slowSteps = int(flag, value(), 1); break;
      case '--min-warmup-ms': minWarmupMs = int(flag, value(), 0); break;
      case '--min-timed-ms': minTimedMs = int(flag, value(), 0); break;
      case '--sizes': o.sizes = list(value()).map((s) => int(flag, s, 1)); break;
      case '--quick': o.quick = true; break;
      case '--tfjs-plain-grad': o.tfjsPlainGrad = true; break;
      case '--python': o.python = value() ?? fail('--python needs a path'); break;
      case '--timeout': o.timeoutS = int(flag, value(), 1); break;
      case '--wait-idle': o.waitIdleS = int(flag, value(), 0); break;
      case '--write': o.write = true; break;
      case '--no-write': o.write = false; break;
      case '--json': o.json = value() ?? fail('--json needs a file'); break;
      case '--profile': o.profile = true; break;
      case '--verbose': o.verbose = true; break;
      default: fail(`unknown option ${a}`);
    }
  }
  if (o.quick) Object.assign(o.timing, { warmup: 1, steps: 3, minWarmupMs: 0, minTimedMs: 0 });
  if (steps !== undefined) o.timing.steps = steps;
  if (warmup !== undefined) o.timing.warmup = warmup;
  if (minWarmupMs !== undefined) o.timing.minWarmupMs = minWarmupMs;
  if (minTimedMs !== undefined) o.timing.minTimedMs = minTimedMs;
  return o;
}

interface ChildOutcome {
  info?: Record<string, unknown>;
  rows: RowResult[];
  error?: string;
  seconds: number;
  /** Cores that other processes kept busy on average while the child ran (the machine's busy time less the child's CPU time). */
  others?: number;
}

/** Busy and total time of all cores so far, from /proc/stat (in clock ticks), or undefined off Linux. */
function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Cores busy on average between two readings. */
function busyCores(a: ReturnType<typeof cpuTicks>, b: ReturnType<typeof cpuTicks>): number | undefined {
  if (!a || !b || b.total === a.total) return undefined;
  return ((b.busy - a.busy) / (b.total - a.total)) * os.availableParallelism();
}

/** Waits (up to `seconds`) until other processes use less than a quarter of a core over one second. */
async function waitIdle(seconds: number): Promise<number | undefined> {
  const until = performance.now() + seconds * 1000;
  let used: number | undefined;
  do {
    const a = cpuTicks();
    await new Promise((r) => setTimeout(r, 1000));
    used = busyCores(a, cpuTicks());
    if (used === undefined || used < 0.25) break;
  } while (performance.now() < until);
  return used;
}

/** Runs one child to completion: its INFO and RESULT lines, or what went wrong. */
function runChild(cmd: string, args: string[], o: Options, env: NodeJS.ProcessEnv = process.env): Promise<ChildOutcome> {
  const t0 = performance.now();
  const ticks0 = cpuTicks();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (o.verbose) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutS * 1000);
    let finished = false;
    const finish = (error?: string) => {
      if (finished) return;   // 'error' may be followed by 'close'
      finished = true;
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1e3;
      const busy = busyCores(ticks0, cpuTicks());
      const rows: RowResult[] = [];
      let info: Record<string, unknown> | undefined;
      let cpuS: number | undefined;
      for (const line of out.split('\n')) {
        if (line.startsWith('INFO ')) info = JSON.parse(line.slice(5)) as Record<string, unknown>;
        else if (line.startsWith('RESULT ')) rows.push(JSON.parse(line.slice(7)) as RowResult);
        else if (line.startsWith('DONE ')) cpuS = (JSON.parse(line.slice(5)) as { cpuS: number }).cpuS;
      }
      const others = busy !== undefined && cpuS !== undefined ? Math.max(0, busy - cpuS / seconds) : undefined;
      const tail = err.trim().split('\n').slice(-12).join('\n');
      resolve({
        ...(info ? { info } : {}), rows, seconds, ...(others !== undefined ? { others } : {}),
        ...(error ? { error: `${error}${tail ? `\n${tail}` : ''}` } : {}),
      });
    };
    child.on('error', (e) => finish(`could not start ${cmd}: ${e.message}`));
    child.on('close', (code, signal) => finish(code === 0 ? undefined : signal === 'SIGKILL' ? `stopped after ${o.timeoutS} s (--timeout)` : `exited with ${code ?? signal}`));
  });
}

function torchAvailable(python: string): { ok: boolean; why: string } {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return { ok: false, why: `${python}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, why: `${python} -c "import torch" failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
  return { ok: true, why: '' };
}

function commandFor(fw: Framework, spec: Spec, o: Options, profDir?: string): [string, string[]] {
  const common = ['--spec', JSON.stringify(spec), '--timing', JSON.stringify(o.timing)];
  const node = (file: string, extra: string[] = [], nodeArgs: string[] = []): [string, string[]] => [process.execPath, [...nodeArgs, '--import', 'tsx', path.join(HERE, file), ...common, ...extra]];
  switch (fw) {
    case 'tapegrad': return node('tapegrad.ts', [], profDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profDir, spec.id)] : []);
    case 'tapegrad-2t': return node('tapegrad.ts', ['--threads', '2']);
    case 'tapegrad-fma': return node('tapegrad.ts', ['--expect-relaxed-simd'], RELAXED_BY_DEFAULT ? [] : ['--experimental-wasm-relaxed-simd']);
    case 'tfjs-cpu': return node('tfjs.ts', ['--backend', 'cpu']);
    case 'tfjs-wasm': return node('tfjs.ts', ['--backend', 'wasm', ...(o.tfjsPlainGrad ? ['--plain-grad'] : [])]);
    case 'torch-1t': return [o.python, [path.join(HERE, 'torch_bench.py'), '--threads', '1', ...common]];
    case 'torch-2t': return [o.python, [path.join(HERE, 'torch_bench.py'), '--threads', '2', ...common]];
  }
}

const sig = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** Other processes busier than this (cores, on average) during a measurement mark its cell with '*'. */
const CONTENDED = 0.5;

function cellText(r: RowResult | undefined, error?: string, others?: number): string {
  if (!r) return error ? 'error' : '-';
  return `${sig(r.value)}${r.capped ? ` (${r.timed} steps)` : ''}${others !== undefined && others >= CONTENDED ? '*' : ''}`;
}

/** tapegrad's time over the peer's: for GFLOP/s the inverse ratio of rates, which is the same thing. */
function ratio(tg: RowResult | undefined, peer: RowResult | undefined): string {
  if (!tg || !peer) return '-';
  const q = tg.unit === 'ms' ? tg.value / peer.value : peer.value / tg.value;
  return `${q >= 10 ? q.toFixed(0) : q >= 1 ? q.toFixed(1) : q.toFixed(2)}x`;
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w, j) => (j === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const get = (k: string) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const flags = (get('flags') ?? '').split(' ');
    const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)).join(' ');
    return `${get('model name') ?? os.cpus()[0]?.model ?? '?'} (family ${get('cpu family')}, model ${get('model')}; ${simd || 'no AVX2'})`;
  } catch {
    return os.cpus()[0]?.model ?? '?';
  }
}

/** The commit measured, and which files outside bench/ differ from it (others may be editing). */
function gitState(): string {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git('status', '--porcelain').stdout.split('\n').map((l) => l.slice(3)).filter((f) => f && !f.startsWith('bench/'));
  return `commit ${head.stdout.trim()}${dirty.length ? `, with uncommitted changes to ${dirty.join(', ')}` : ', no uncommitted changes outside bench/'}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const gitAtStart = gitState();
  let workloads = specs(o.quick).filter((s) => o.only.has(s.id));
  if (o.sizes) workloads = workloads.map((s) => (s.id === 'W5' ? { ...s, sizes: o.sizes! } : s));

  const torch = torchAvailable(o.python);
  const skipped = new Map<Framework, string>();
  if (!torch.ok) for (const f of ['torch-1t', 'torch-2t'] as const) if (o.frameworks.has(f)) skipped.set(f, torch.why);
  const frameworks = FRAMEWORKS.filter((f) => o.frameworks.has(f) && !skipped.has(f));
  if (!torch.ok) console.error(`bench: PyTorch skipped: ${torch.why}`);

  const profDir = o.profile ? mkdtempSync(path.join(os.tmpdir(), 'tapegrad-prof-')) : undefined;
  const results = new Map<string, Map<Framework, RowResult>>();   // row -> framework -> result
  const errors = new Map<string, Map<Framework, string>>();
  const contention = new Map<string, Map<Framework, number>>();   // row -> framework -> others' cores
  const infos = new Map<Framework, Record<string, unknown>>();
  const raw: { framework: Framework; workload: string; outcome: ChildOutcome }[] = [];
  const rowOrder: string[] = [];
  const extras: string[] = [];
  console.error(`bench: ${workloads.map((w) => w.id).join(', ')} in ${frameworks.join(', ')}; ${o.timing.warmup} warm-up + ${o.timing.steps} timed steps` +
    ` (at least ${o.timing.minWarmupMs} + ${o.timing.minTimedMs} ms)` +
    ` (${o.timing.slowSteps} when a warm-up step takes > ${o.timing.capMs} ms)${o.quick ? '; QUICK: reduced sizes' : ''}`);

  for (const spec of workloads) {
    const expected = spec.id === 'W5' ? spec.sizes.map((n) => `W5 matmul n=${n}`) : [`${spec.id} ${spec.name}`];
    for (const row of expected) if (!rowOrder.includes(row)) rowOrder.push(row);
    for (const fw of frameworks) {
      const [cmd, args] = commandFor(fw, spec, o, profDir);
      process.stderr.write(`  ${spec.id} ${fw.padEnd(9)} ... `);
      if (o.waitIdleS > 0) await waitIdle(o.waitIdleS);
      const out = await runChild(cmd, args, o);
      raw.push({ framework: fw, workload: spec.id, outcome: out });
      if (out.info) infos.set(fw, out.info);
      for (const r of out.rows) {
        if (!results.has(r.row)) results.set(r.row, new Map());
        results.get(r.row)!.set(fw, r);
        if (out.others !== undefined) {
          if (!contention.has(r.row)) contention.set(r.row, new Map());
          contention.get(r.row)!.set(fw, out.others);
        }
        if (r.unit === 'ms' && r.lossFirst === r.lossLast) extras.push(`${fw} ${r.row}: the loss did not change over ${r.timed + r.warmupMs.length} steps`);
        const cellLoop = (r as { cellLoopMs?: number }).cellLoopMs;
        if (cellLoop) extras.push(`${TITLES[fw]} W4 with an nn.RNNCell stepped in a Python loop instead of nn.RNN: ${sig(cellLoop)} ms`);
      }
      const summary = out.rows.map((r) => `${r.row.split(' ').at(-1)} ${cellText(r)} ${r.unit}`).join(', ');
      const others = out.others === undefined ? '' : `, others used ${out.others.toFixed(2)} cores`;
      process.stderr.write(`${out.error ? 'FAILED' : summary} [${out.seconds.toFixed(1)} s${others}]\n`);
      if (out.error) {
        console.error(out.error.replace(/^/gm, '      '));
        for (const row of expected) {
          if (!errors.has(row)) errors.set(row, new Map());
          errors.get(row)!.set(fw, out.error.split('\n')[0]!);
        }
      }
    }
  }

  const peers = frameworks.filter((f) => !f.startsWith('tapegrad'));
  // tapegrad on two threads against the peers' best: PyTorch on two threads and TF.js wasm.
  const peers2 = frameworks.includes('tapegrad-2t') ? peers.filter((f) => f === 'torch-2t' || f === 'tfjs-wasm') : [];
  // The relaxed-SIMD build on one thread against PyTorch on one thread and TF.js wasm.
  const peersFma = frameworks.includes('tapegrad-fma') ? peers.filter((f) => f === 'torch-1t' || f === 'tfjs-wasm') : [];
  const shown = FRAMEWORKS.filter((f) => frameworks.includes(f) || skipped.has(f));
  const header = ['workload', 'unit', ...shown.map((f) => TITLES[f]),
    ...(frameworks.includes('tapegrad') ? peers.map((p) => `tapegrad / ${TITLES[p]}`) : []),
    ...peers2.map((p) => `tapegrad 2 threads / ${TITLES[p]}`),
    ...peersFma.map((p) => `tapegrad relaxed SIMD / ${TITLES[p]}`)];
  const body = rowOrder.map((row) => {
    const rs = results.get(row) ?? new Map<Framework, RowResult>();
    const unit = row.startsWith('W5') ? 'GFLOP/s' : 'ms/step';
    return [
      row, unit,
      ...shown.map((f) => (skipped.has(f) ? 'n/a' : cellText(rs.get(f), errors.get(row)?.get(f), contention.get(row)?.get(f)))),
      ...(frameworks.includes('tapegrad') ? peers.map((p) => ratio(rs.get('tapegrad'), rs.get(p))) : []),
      ...peers2.map((p) => ratio(rs.get('tapegrad-2t'), rs.get(p))),
      ...peersFma.map((p) => ratio(rs.get('tapegrad-fma'), rs.get(p))),
    ];
  });
  const table = markdownTable(header, body);
  const spread = markdownTable(['workload', ...shown.map((f) => TITLES[f])], rowOrder.map((row) => [
    row,
    ...shown.map((f) => {
      const r = results.get(row)?.get(f);
      if (!r) return '-';
      const ms = (x: number) => sig(x);
      return `${ms(Math.min(...r.timesMs))}-${ms(Math.max(...r.timesMs))} ms (${r.timesMs.length})`;
    }),
  ]));
  const elapsed = (performance.now() - t0) / 1e3;
  const gitAtEnd = gitState();
  const git = gitAtStart === gitAtEnd ? gitAtStart : `${gitAtStart} at the start; ${gitAtEnd} at the end`;
  const busy = raw.filter((x) => x.outcome.others !== undefined);
  const busySeconds = busy.reduce((a, x) => a + x.outcome.seconds, 0);
  const worst = busy.reduce<(typeof raw)[number] | undefined>((w, x) => (!w || x.outcome.others! > w.outcome.others! ? x : w), undefined);
  const contentionText = busy.length
    ? `other processes kept ${(busy.reduce((a, x) => a + x.outcome.others! * x.outcome.seconds, 0) / busySeconds).toFixed(2)} of the ${os.availableParallelism()} cores busy on average ` +
      `(at most ${worst!.outcome.others!.toFixed(2)}, during ${worst!.workload} ${worst!.framework}); '*' marks a measurement during which they used ${CONTENDED} cores or more`
    : 'the load of other processes was not measured (no /proc/stat)';

  console.log(`\n${table}\n`);
  console.log('ms/step: median milliseconds per training step (forward + backward + update, loss read back); GFLOP/s: 2n^3 / median time.');
  console.log('tapegrad / peer: tapegrad\'s time over the peer\'s (< 1: tapegrad is faster).');
  for (const e of extras) console.log(`note: ${e}`);
  console.log(`${contentionText}.`);
  console.log(`total ${elapsed.toFixed(0)} s`);

  if (profDir) {
    for (const id of readdirSync(profDir).sort()) {
      for (const file of readdirSync(path.join(profDir, id)).filter((f) => f.endsWith('.cpuprofile'))) {
        const { totalMs, top } = topSelfTime(path.join(profDir, id, file), ROOT, 15);
        if ((top[0]?.name === '(idle)' && top[0].share > 0.9) || totalMs === 0) continue;   // tsx's loader thread
        console.log(`\ntapegrad ${id}: ${(totalMs / 1e3).toFixed(1)} s sampled (setup and warm-up included); top self time:`);
        for (const t of top) console.log(`  ${(100 * t.share).toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(7)} ms  ${t.name}`);
      }
    }
    console.log(`\nprofiles: ${profDir}`);
  }

  if (o.json) writeFileSync(o.json, `${JSON.stringify({ started: started.toISOString(), git, timing: o.timing, quick: o.quick, infos: Object.fromEntries(infos), runs: raw }, null, 2)}\n`);

  const complete = !o.quick && !o.sizes && !o.tfjsPlainGrad && o.only.size === WORKLOAD_IDS.length && o.frameworks.size === FRAMEWORKS.length;
  if (o.write ?? complete) {
    const file = path.join(HERE, 'RESULTS.md');
    writeFileSync(file, resultsMarkdown({ o, started, elapsed, table, spread, infos, skipped, extras, contentionText, git }));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  if ([...errors.values()].some((m) => m.size)) process.exitCode = 1;
}

interface Report {
  o: Options;
  started: Date;
  elapsed: number;
  table: string;
  spread: string;
  infos: Map<Framework, Record<string, unknown>>;
  skipped: Map<Framework, string>;
  extras: string[];
  contentionText: string;
  git: string;
}

function resultsMarkdown(r: Report): string {
  const torchInfo = r.infos.get('torch-1t') ?? r.infos.get('torch-2t');
  const wasm = r.infos.get('tfjs-wasm');
  const tfjsVersion = (r.infos.get('tfjs-cpu') ?? wasm)?.tfjs;
  const blas = torchInfo ? (torchInfo.blas as string[]).map((b) => `\`${b}\``).join(', ') : '';
  const args = process.argv.slice(2);
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); the workloads are those of issue 5 and `npm run bench -- --help` describes them.',
    '',
    `- date: ${r.started.toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    `- command: \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\` (${r.elapsed.toFixed(0)} s in all)`,
    `- machine: ${os.availableParallelism()} cores (nproc), ${cpuModel()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- tapegrad: ${r.git}${r.infos.get('tapegrad-2t') ? `; 'tapegrad 2 threads' is setNumThreads(2), and its children had ${String(r.infos.get('tapegrad-2t')!.threads)} threads running` : ''}${r.infos.get('tapegrad-fma') ? `; 'tapegrad relaxed SIMD' is the WebAssembly build with fused multiply-add (relaxed SIMD, ${RELAXED_BY_DEFAULT ? 'on by default in this Node' : 'switched on with --experimental-wasm-relaxed-simd'}; Node 22 and Chrome 114 have it by default), which the plain 'tapegrad' column ${RELAXED_BY_DEFAULT ? 'also runs' : 'cannot use here'}` : ''}`,
    `- Node ${process.version}`,
    torchInfo
      ? `- PyTorch ${String(torchInfo.torch)} (${torchInfo.debian ? `Debian's python3-torch ${String(torchInfo.debian)}` : 'not from Debian'}, ${r.o.python}); BLAS: built with BLAS_INFO=${String(torchInfo.blasInfo)}, and the libraries it loads are ${blas}; CPU capability ${String(torchInfo.capability ?? '?')}`
      : `- PyTorch: not run (${[...r.skipped.values()][0] ?? 'not selected'})`,
    `- TF.js ${String(tfjsVersion ?? '?')} (@tensorflow/tfjs with the cpu backend; @tensorflow/tfjs-backend-wasm${wasm ? `, binary \`${path.basename(String(wasm.binary))}\`, SIMD ${wasm.simd ? 'on' : 'off'}, threads ${wasm.threads ? 'on' : 'off'}, matmul gradient ${String(wasm.matmulGrad)}` : ''})`,
    `- timing: ${r.o.timing.warmup} warm-up steps, then the median of ${r.o.timing.steps} timed steps (fast steps repeat until warm-up lasts ${r.o.timing.minWarmupMs} ms and timing ${r.o.timing.minTimedMs} ms); when a warm-up step takes more than ${r.o.timing.capMs / 1000} s only ${r.o.timing.slowSteps} are timed, marked '(${r.o.timing.slowSteps} steps)'${r.o.quick ? '; QUICK run: reduced sizes, not comparable' : ''}`,
    `- contention: ${r.contentionText}`,
    '',
    r.table,
    '',
    'ms/step: median milliseconds per training step (forward, backward, optimizer update, the loss read back).',
    'GFLOP/s: 2n^3 over the median time of one forward C = A B (the result read back). tapegrad / peer: tapegrad\'s',
    'time over the peer\'s, so below 1 tapegrad is faster.',
    '',
    '## How each framework runs the workloads',
    '',
    '- tapegrad: the public API of this repository\'s source (`nn.LSTM`, `nn.GRU`, `nn.RNN`, `nn.Embedding`, `nn.Linear`,',
    '  `nn.mseLoss`, `nn.crossEntropy`, `optim.Adam`, `optim.SGD`, `matmul`), run through tsx, one process per workload.',
    '- PyTorch: bench/torch_bench.py with `torch.nn` modules (`nn.RNN` for W4), `torch.set_num_threads(1 or 2)`.',
    '- TF.js: bench/tfjs.ts, the same models written with tf ops in PyTorch\'s formulation (the input projection of a',
    '  whole sequence in one matmul, as torch.nn.LSTM does on the CPU); one step is `optimizer.minimize(f, true)` and',
    '  `dataSync()` of the cost. The embedding is a one-hot matmul, since the wasm backend has no kernel for',
    '  gather\'s gradient. The wasm backend loads the SIMD binary from node_modules (checked, not assumed).',
    '- TF.js wasm runs a matmul with a transpose flag on a slow path (1-2 GFLOP/s for [32, 256] x [256, 1024] against',
    '  26 without), and tf.matMul\'s gradient always passes such flags. On wasm the models therefore use a matmul whose',
    '  gradient (tf.customGrad) transposes explicitly, which trained W1-W3 2-3 times faster when this was written',
    '  (W1 about 1.1 s instead of 3.1 s a step); `--tfjs-plain-grad` measures the plain gradient. On cpu explicit',
    '  transposes cost more than they save (W1 9.9 s instead of 6.7 s), so the cpu backend keeps tf.matMul\'s own gradient.',
    ...(r.extras.length ? ['', '## Notes', '', ...r.extras.map((e) => `- ${e}`)] : []),
    '',
    '## Spread',
    '',
    'The fastest and slowest timed step of each cell (W5: one matmul), and how many steps were timed. A wide spread',
    'with a quiet machine (no \'*\') points at the host: this is a virtual machine whose neighbours are not visible.',
    '',
    r.spread,
    '',
  ];
  return lines.join('\n');
}

await main();
