/**
 * What a training step leaves behind is bounded: the caches it fills (the pools of recycled gradient
 * storage, the WebAssembly memory with the packed weights in it) reach their high-water mark in the first
 * steps, and repeating the step does not grow them. These caches fill and empty by explicit calls, not by
 * garbage collection, so the sizes are deterministic and compared exactly. (Heap and RSS over 10,000
 * steps are measured by `npm run soak`, bench/soak.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Generator, type Tensor, crossEntropy, nn, optim, randint, reshape, valueAndGrad, wasmAvailable } from '../../index.js';
import { poolStats } from '../../core/dtype.js';
import { wasmMemoryBytes } from '../../core/kernels/wasm/index.js';

const V = 40;

/** Embedding -> LSTM -> Linear, big enough for pooled storage (1024 elements and up) and WebAssembly products. */
class TinyLM extends nn.Module {
  readonly emb = this.registerModule('emb', new nn.Embedding(V, 16, { generator: new Generator(1) }));
  readonly rnn = this.registerModule('rnn', new nn.LSTM(16, 32, { batchFirst: true, generator: new Generator(2) }));
  readonly head = this.registerModule('head', new nn.Linear(32, V, { generator: new Generator(3) }));
  override forward(ids: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(this.emb.forward(ids))[0]);
  }
}

function setup() {
  const lm = new TinyLM();
  const g = new Generator(4);
  const batch = () => ({ input: randint(0, V, [8, 12], { generator: g }), target: randint(0, V, [8, 12], { generator: g }) });
  const lossOf = (input: Tensor, target: Tensor) => crossEntropy(reshape(lm.forward(input), [-1, V]), reshape(target, [-1]));
  return { lm, batch, lossOf };
}

/** The caches' sizes after `warm` steps and after `more` further steps. */
function marks(step: () => void, warm: number, more: number) {
  const read = () => ({ pool: poolStats(), wasm: wasmMemoryBytes() });
  for (let k = 0; k < warm; k++) step();
  const after = read();
  for (let k = 0; k < more; k++) step();
  return { after, later: read() };
}

describe('repeating a training step does not grow the caches it fills', () => {
  it('backward, clipGradNorm and Adam.step', () => {
    const { lm, batch, lossOf } = setup();
    const opt = new optim.Adam(lm.parameters(), { lr: 1e-2 });
    const { after, later } = marks(() => {
      const { input, target } = batch();
      opt.zeroGrad();
      lossOf(input, target).backward();
      optim.clipGradNorm(lm.parameters(), 1);
      opt.step();
    }, 3, 25);
    expect(after.pool.arrays).toBeGreaterThan(0); // the step does recycle storage
    expect(later.pool).toEqual(after.pool);
    if (wasmAvailable()) expect(after.wasm).toBeGreaterThan(0);
    expect(later.wasm).toBe(after.wasm);
  });

  it('valueAndGrad over a parameter record, the pure adam() and applyUpdates', () => {
    const { lm, batch, lossOf } = setup();
    const keys = lm.namedParameters().map(([k]) => k);
    let params = lm.namedParameters().map(([, p]) => p.detach());
    const tx = optim.adam({ lr: 1e-2 });
    let state = tx.init(params);
    const f = valueAndGrad((ps: Record<string, Tensor>, input: Tensor, target: Tensor) => nn.functionalCall(lm, ps, () => lossOf(input, target)));
    const { after, later } = marks(() => {
      const { input, target } = batch();
      const [, g] = f(Object.fromEntries(keys.map((k, i) => [k, params[i]!])), input, target) as [Tensor, Record<string, Tensor>];
      const [updates, next] = tx.update(keys.map((k) => g[k]!), state, params);
      params = optim.applyUpdates(params, updates);
      state = next;
    }, 3, 25);
    expect(after.pool.arrays).toBeGreaterThan(0);
    expect(later.pool).toEqual(after.pool);
    if (wasmAvailable()) expect(after.wasm).toBeGreaterThan(0);
    expect(later.wasm).toBe(after.wasm);
  });
});
