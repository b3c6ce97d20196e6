// TF.js's side of the benchmark: `--backend cpu` (@tensorflow/tfjs's pure JavaScript backend) or
// `--backend wasm` (@tensorflow/tfjs-backend-wasm, its SIMD binary loaded from node_modules). The models
// are written with tf ops, as PyTorch defines them (gate order i, f, g, o; GRU with the reset gate
// applied after the hidden matmul); the input projection of a whole sequence is one matmul, as
// torch.nn.LSTM does on the CPU. One step is optimizer.minimize(..., returnCost) and dataSync of the cost.
// On wasm the matmuls train through a gradient without transpose flags (see matMulTFlagFree).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  type CharLmSpec, type MatmulSpec, type RecurrentSpec, type TimingOptions, type TinyRnnSpec,
  childArgs, emit, emitDone, matmulRow, timeSteps, trainRow,
} from './workloads.js';

const { spec, timing, flags } = childArgs(process.argv.slice(2));
const backend = flags.get('backend') ?? 'cpu';
if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`--backend must be cpu or wasm, got ${backend}`);

// Silence the "install @tensorflow/tfjs-node" banner: it goes to console.log, which is not our protocol.
const log = console.log;
console.log = (...a: unknown[]) => console.error(...a);

let wasmInfo: Record<string, unknown> = {};
if (backend === 'wasm') {
  // The binaries ship in the package's dist/ folder; setWasmPaths takes a prefix, here a file path.
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${dist}${path.sep}`);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  // What tfjs-backend-wasm's getPathToWasmBinary picks from these two flags.
  const expected = simd ? (threads ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm') : 'tfjs-backend-wasm.wasm';
  wasmInfo = { simd, threads, expected };
}
// Record which .wasm file Emscripten really reads (in Node, through fs.readFileSync or fs.readFile).
const loaded: string[] = [];
const spy = (name: 'readFile' | 'readFileSync') => {
  const orig = fs[name] as (...a: unknown[]) => unknown;
  (fs as Record<string, unknown>)[name] = (file: unknown, ...rest: unknown[]) => {
    if (String(file).endsWith('.wasm')) loaded.push(String(file));
    return orig(file, ...rest);
  };
  return () => void ((fs as Record<string, unknown>)[name] = orig);
};
const restore = [spy('readFile'), spy('readFileSync')];
if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
await tf.ready();
restore.forEach((r) => r());
if (tf.getBackend() !== backend) throw new Error(`the backend is ${tf.getBackend()}, not ${backend}`);
if (backend === 'wasm') {
  if (loaded.length !== 1 || path.basename(loaded[0]!) !== wasmInfo.expected) throw new Error(`expected ${String(wasmInfo.expected)} to be loaded, saw ${loaded.join(', ') || 'none'}`);
  wasmInfo.binary = loaded[0];
}
console.log = log;
emit('INFO', { framework: `tfjs-${backend}`, tfjs: tf.version.tfjs, backend: tf.getBackend(), matmulGrad: backend === 'wasm' && !flags.has('plain-grad') ? 'flag-free' : 'tf.matMul', ...wasmInfo });

let seed = 1;
const uniform = (shape: number[], k: number) => tf.variable(tf.randomUniform(shape, -k, k, 'float32', seed++));
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);
const ints = (shape: number[], n: number) => tf.randomUniform(shape, 0, n, 'int32', seed++);

/** A recurrent layer's parameters in PyTorch's layout: W_ih [G*H, I], W_hh [G*H, H], two biases. */
function rnnParams(input: number, hidden: number, gates: number) {
  const k = 1 / Math.sqrt(hidden);
  return { wIh: uniform([gates * hidden, input], k), wHh: uniform([gates * hidden, hidden], k), bIh: uniform([gates * hidden], k), bHh: uniform([gates * hidden], k) };
}
type RnnParams = ReturnType<typeof rnnParams>;

/** x [N, in] times w^T, w [out, in]: tf.matMul with transposeB, whose gradient passes transpose flags too. */
const matMulT = (x: tf.Tensor, w: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true);

// NOTE: tfjs-backend-wasm 4.22 runs matMul with a transpose flag on a slow path (about 1-2 GFLOP/s for
// [32, 256] x [256, 1024], against 26 without flags), and matMul's gradient always passes flags. On wasm
// the same product goes through a gradient that transposes explicitly (2.5-3 times faster training);
// on cpu explicit transposes cost more than they save, so it keeps matMul's own gradient.
const matMulTFlagFree = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, tf.transpose(w) as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D), tf.matMul(tf.transpose(dy) as tf.Tensor2D, xs as tf.Tensor2D)],
  };
}) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

const flagFree = backend === 'wasm' && !flags.has('plain-grad');
const mm = flagFree ? matMulTFlagFree : matMulT;
const linear = (x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor) => (b ? tf.add(mm(x, w), b) : mm(x, w)) as tf.Tensor2D;

/** An LSTM layer over time-major input [T*B, I]: the hidden states, one [B, H] per step. */
function lstmLayer(p: RnnParams, x: tf.Tensor2D, T: number, B: number, H: number): tf.Tensor2D[] {
  const xs = tf.unstack(tf.reshape(linear(x, p.wIh, tf.add(p.bIh, p.bHh)), [T, B, 4 * H])) as tf.Tensor2D[];
  let h = tf.zeros([B, H]) as tf.Tensor2D;
  let c = tf.zeros([B, H]) as tf.Tensor2D;
  const hs: tf.Tensor2D[] = [];
  for (const xt of xs) {
    const [i, f, g, o] = tf.split(tf.add(xt, linear(h, p.wHh)), 4, 1) as tf.Tensor2D[];
    c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
    h = tf.mul(tf.sigmoid(o!), tf.tanh(c));
    hs.push(h);
  }
  return hs;
}

/** A GRU layer in PyTorch's form: n = tanh(x W_in + b_in + r (h W_hn + b_hn)), h' = (1 - z) n + z h. */
function gruLayer(p: RnnParams, x: tf.Tensor2D, T: number, B: number, H: number): tf.Tensor2D[] {
  const xs = tf.unstack(tf.reshape(linear(x, p.wIh, p.bIh), [T, B, 3 * H])) as tf.Tensor2D[];
  let h = tf.zeros([B, H]) as tf.Tensor2D;
  const hs: tf.Tensor2D[] = [];
  for (const xt of xs) {
    const [xr, xz, xn] = tf.split(xt, 3, 1);
    const [hr, hz, hn] = tf.split(linear(h, p.wHh, p.bHh), 3, 1);
    const r = tf.sigmoid(tf.add(xr!, hr!));
    const z = tf.sigmoid(tf.add(xz!, hz!));
    const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    hs.push(h);
  }
  return hs;
}

/** One training step: minimize with returnCost, and the cost read back. */
function trainStep(opt: tf.Optimizer, loss: () => tf.Scalar): () => number {
  return () => {
    const cost = opt.minimize(loss, true)!;
    const v = cost.dataSync()[0]!;
    cost.dispose();
    return v;
  };
}

function recurrent(s: RecurrentSpec) {
  const p = rnnParams(s.input, s.hidden, s.cell === 'lstm' ? 4 : 3);
  const head = { w: uniform([1, s.hidden], 1 / Math.sqrt(s.hidden)), b: uniform([1], 1 / Math.sqrt(s.hidden)) };
  const x = normal([s.batch, s.seq, s.input]);
  const y = normal([s.batch, 1]);
  const layer = s.cell === 'lstm' ? lstmLayer : gruLayer;
  return trainStep(tf.train.adam(s.lr), () => {
    const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [s.seq * s.batch, s.input]) as tf.Tensor2D;   // batch-first in
    const hs = layer(p, xt, s.seq, s.batch, s.hidden);
    return tf.losses.meanSquaredError(y, linear(hs[hs.length - 1]!, head.w, head.b)) as tf.Scalar;
  });
}

// NOTE: tfjs-backend-wasm 4.22's OneHot ignores dtype 'float32' and writes int32 bits (1 reads as 1.4e-45),
// so the one-hot is made as int32 and cast.
const oneHot = (ids: tf.Tensor1D, depth: number) => tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;

function charlm(s: CharLmSpec) {
  const emb = tf.variable(tf.randomNormal([s.vocab, s.embed], 0, 1, 'float32', seed++));
  const layers = Array.from({ length: s.layers }, (_, l) => rnnParams(l ? s.hidden : s.embed, s.hidden, 4));
  const head = { w: uniform([s.vocab, s.hidden], 1 / Math.sqrt(s.hidden)), b: uniform([s.vocab], 1 / Math.sqrt(s.hidden)) };
  const ids = ints([s.batch, s.seq], s.vocab);
  const targets = ints([s.batch, s.seq], s.vocab);
  return trainStep(tf.train.adam(s.lr), () => {
    // Time-major ids; the lookup is a one-hot matmul: the wasm backend has no UnsortedSegmentSum for gather's gradient.
    const idsT = tf.reshape(tf.transpose(ids), [-1]) as tf.Tensor1D;
    let x = tf.matMul(oneHot(idsT, s.vocab), emb) as tf.Tensor2D;
    for (const p of layers) x = tf.concat(lstmLayer(p, x, s.seq, s.batch, s.hidden)) as tf.Tensor2D;   // [T*B, H]
    const logits = linear(x, head.w, head.b);                                                 // [T*B, V]
    const labels = oneHot(tf.reshape(tf.transpose(targets), [-1]) as tf.Tensor1D, s.vocab);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  });
}

function tinyRnn(s: TinyRnnSpec) {
  const p = rnnParams(s.input, s.hidden, 1);
  const xs = Array.from({ length: s.seq }, () => normal([s.batch, s.input]) as tf.Tensor2D);
  return trainStep(tf.train.sgd(s.lr), () => {
    let h = tf.zeros([s.batch, s.hidden]) as tf.Tensor2D;
    for (const x of xs) h = tf.tanh(tf.add(linear(x, p.wIh, p.bIh), linear(h, p.wHh, p.bHh))) as tf.Tensor2D;
    return tf.sum(h);
  });
}

async function matmuls(s: MatmulSpec, t: TimingOptions): Promise<void> {
  for (const n of s.sizes) {
    const a = normal([n, n]);
    const b = normal([n, n]);
    const r = await timeSteps(() => {
      const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
      const v = c.dataSync()[0]!;
      c.dispose();
      return v;
    }, t);
    emit('RESULT', { row: matmulRow(n), unit: 'GFLOP/s', value: (2 * n ** 3) / (r.medianMs * 1e6), ...r });
  }
}

if (spec.id === 'W5') await matmuls(spec, timing);
else {
  const step = spec.id === 'W3' ? charlm(spec) : spec.id === 'W4' ? tinyRnn(spec) : recurrent(spec);
  const live: number[] = [];   // after each step: constant once Adam has made its slots in step 1
  const r = await timeSteps(() => {
    const v = step();
    live.push(tf.memory().numTensors);
    return v;
  }, timing);
  if (live.length > 1 && live[live.length - 1]! > live[0]!) throw new Error(`tensors leak: ${live.join(', ')} alive after each step`);
  emit('RESULT', { row: trainRow(spec), unit: 'ms', value: r.medianMs, ...r });
}
emitDone();
