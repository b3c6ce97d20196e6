/**
 * The cost of the checkpoint digest (CRC-32C of the header and of every tensor) on a 100 MB checkpoint:
 * encoding and decoding in memory, and saving and loading a file, each with and without the digest.
 * Prints the median, the fastest and the slowest of `--reps` runs (default 9) after one warm-up, and the
 * CRC-32C throughput on its own.
 *
 *   npx tsx bench/checkpoint-digest.ts [--mb 100] [--reps 9] [--dir /tmp]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32c } from '../core/digest.js';
import { Generator, type Tensor, checkpointFromBytes, checkpointToBytes, rand } from '../index.js';
import { loadCheckpoint, saveCheckpoint } from '../node.js';

const arg = (name: string, fallback: number | string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : String(fallback);
};
const mb = Number(arg('mb', 100));
const reps = Number(arg('reps', 9));
const dir = mkdtempSync(join(arg('dir', tmpdir()), 'tapegrad-digest-bench-'));

// A model of 1 MB-ish float32 weights (as an LSTM's) plus Adam's two moments per weight: 100 MB in all.
const perTensor = 256 * 1024; // float32 elements: 1 MB
const n = Math.max(1, Math.round((mb * 1e6) / (3 * 4 * perTensor)));
const g = new Generator(0);
const model: Record<string, Tensor> = {};
const state: Record<string, Record<string, unknown>> = {};
for (let i = 0; i < n; i++) {
  model[`layer${i}.weight`] = rand([512, perTensor / 512], { generator: g });
  state[i] = { step: 10, expAvg: rand([512, perTensor / 512], { generator: g }), expAvgSq: rand([512, perTensor / 512], { generator: g }) };
}
const checkpoint = {
  model,
  optimizer: { state, paramGroups: [{ params: Array.from({ length: n }, (_, i) => i), lr: 1e-3 }] },
  extra: { epoch: 3, history: { loss: [1, 0.5, 0.25] } },
};

async function time(fn: () => unknown): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

const withDigest = checkpointToBytes(checkpoint);
const without = checkpointToBytes(checkpoint, { digest: false });
const file = join(dir, 'ck.safetensors');
const plainFile = join(dir, 'plain.safetensors');
await saveCheckpoint(file, checkpoint);
await saveCheckpoint(plainFile, checkpoint, { digest: false });

const rows: [string, number[]][] = [
  ['crc32c alone (the whole file)', await time(() => crc32c(withDigest))],
  ['checkpointToBytes, digest', await time(() => checkpointToBytes(checkpoint))],
  ['checkpointToBytes, no digest', await time(() => checkpointToBytes(checkpoint, { digest: false }))],
  ['checkpointFromBytes, digest checked', await time(() => checkpointFromBytes(withDigest))],
  ['checkpointFromBytes, no digest', await time(() => checkpointFromBytes(without))],
  ['saveCheckpoint (write + fsync), digest', await time(() => saveCheckpoint(file, checkpoint))],
  ['saveCheckpoint (write + fsync), no digest', await time(() => saveCheckpoint(plainFile, checkpoint, { digest: false }))],
  ['loadCheckpoint, digest checked', await time(() => loadCheckpoint(file))],
  ['loadCheckpoint, no digest', await time(() => loadCheckpoint(plainFile))],
];
rmSync(dir, { recursive: true, force: true });

const size = (withDigest.length / 1e6).toFixed(1);
const median = (v: number[]) => v[v.length >> 1]!;
console.log(`checkpoint of ${n} weights + ${2 * n} Adam moments, ${size} MB (${(without.length / 1e6).toFixed(1)} MB without digest); ${reps} runs after a warm-up; Node ${process.version}\n`);
console.log('| operation | median ms | fastest | slowest |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, v] of rows) console.log(`| ${name} | ${median(v).toFixed(1)} | ${v[0]!.toFixed(1)} | ${v.at(-1)!.toFixed(1)} |`);
const crcMs = median(rows[0]![1]);
console.log(`\nCRC-32C: ${((withDigest.length / 1e6) / (crcMs / 1e3)).toFixed(0)} MB/s`);
