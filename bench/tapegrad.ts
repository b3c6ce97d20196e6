// tapegrad's side of the benchmark: one workload per process, through the public API of the repository's
// source. Run by bench/run.ts; prints INFO, RESULT and DONE lines (see workloads.ts).
import {
  type Tensor, manualSeed, matmul, nn, noGrad, optim, randint, randn, reshape, select, setNumThreads, sum, wasmRelaxedSimd, wasmThreadsReady,
} from '../index.js';
import {
  type CharLmSpec, type MatmulSpec, type RecurrentSpec, type TimingOptions, type TinyRnnSpec,
  childArgs, emit, emitDone, matmulRow, timeSteps, trainRow,
} from './workloads.js';

const { spec, timing, flags } = childArgs(process.argv.slice(2));
manualSeed(0);
// --threads N: the WebAssembly products on N threads (the calling one and N - 1 workers), started before timing.
setNumThreads(Number(flags.get('threads') ?? 1));
const threads = await wasmThreadsReady();
// --expect-relaxed-simd: the 'tapegrad relaxed SIMD' column, which must not silently measure the plain build.
if (flags.has('expect-relaxed-simd') && !wasmRelaxedSimd()) throw new Error('the relaxed-SIMD WebAssembly build did not load (run Node with --experimental-wasm-relaxed-simd, or Node 22+)');
emit('INFO', { framework: 'tapegrad', node: process.version, threads, relaxedSimd: wasmRelaxedSimd() });

/** One training step: a fresh tape, backward, the optimizer's update, the loss read back. */
function trainStep(params: Tensor[], makeOpt: (p: Tensor[]) => Opt, loss: () => Tensor): () => number {
  const opt = makeOpt(params);
  return () => {
    opt.zeroGrad();
    const l = loss();
    l.backward();
    opt.step();
    return l.item();
  };
}

type Opt = { step(): unknown; zeroGrad(): void };
const adam = (lr: number) => (p: Tensor[]): Opt => new optim.Adam(p, { lr });
const sgd = (lr: number) => (p: Tensor[]): Opt => new optim.SGD(p, { lr });

function recurrent(s: RecurrentSpec) {
  const rnn = s.cell === 'lstm' ? new nn.LSTM(s.input, s.hidden, { batchFirst: true }) : new nn.GRU(s.input, s.hidden, { batchFirst: true });
  const head = new nn.Linear(s.hidden, 1);
  const x = randn([s.batch, s.seq, s.input]);
  const y = randn([s.batch, 1]);
  return trainStep([...rnn.parameters(), ...head.parameters()], adam(s.lr), () => {
    const [out] = rnn.forward(x);
    return nn.mseLoss(head.forward(select(out, 1, -1)), y);
  });
}

function charlm(s: CharLmSpec) {
  const emb = new nn.Embedding(s.vocab, s.embed);
  const lstm = new nn.LSTM(s.embed, s.hidden, { numLayers: s.layers, batchFirst: true });
  const head = new nn.Linear(s.hidden, s.vocab);
  const ids = randint(0, s.vocab, [s.batch, s.seq]);
  const targets = reshape(randint(0, s.vocab, [s.batch, s.seq]), [-1]);
  return trainStep([...emb.parameters(), ...lstm.parameters(), ...head.parameters()], adam(s.lr), () => {
    const [out] = lstm.forward(emb.forward(ids));                       // [B, T, H]
    const logits = head.forward(out);                                     // [B, T, V]
    return nn.crossEntropy(reshape(logits, [-1, s.vocab]), targets);
  });
}

function tinyRnn(s: TinyRnnSpec) {
  const rnn = new nn.RNN(s.input, s.hidden, { batchFirst: true });
  const x = randn([s.batch, s.seq, s.input]);
  return trainStep(rnn.parameters(), sgd(s.lr), () => sum(rnn.forward(x)[1]));
}

async function run(): Promise<void> {
  if (spec.id === 'W5') return matmuls(spec, timing);
  const step = spec.id === 'W3' ? charlm(spec) : spec.id === 'W4' ? tinyRnn(spec) : recurrent(spec);
  const r = await timeSteps(step, timing);
  emit('RESULT', { row: trainRow(spec), unit: 'ms', value: r.medianMs, ...r });
}

async function matmuls(s: MatmulSpec, t: TimingOptions): Promise<void> {
  for (const n of s.sizes) {
    const a = randn([n, n]);
    const b = randn([n, n]);
    const r = await timeSteps(() => noGrad(() => matmul(a, b)).data[0]!, t);
    emit('RESULT', { row: matmulRow(n), unit: 'GFLOP/s', value: (2 * n ** 3) / (r.medianMs * 1e6), ...r });
  }
}

await run();
emitDone();
