/**
 * safetensors bytes (exact layout, round trips, every kind of corruption), checkpoints (model, optimizer,
 * extras; resuming training exactly), the Node file API (atomic saves, errors that name the path) and
 * interoperability with Python (torch, and the safetensors package when installed).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, TapegradError, nn, optim, randn, tensor, zeros } from '../../index.js';
import { saveCheckpoint, loadCheckpoint, loadSafetensors, saveSafetensors } from '../../node.js';
import {
  CHECKPOINT_FORMAT, checkpointFromBytes, checkpointToBytes, deserializeSafetensors, serializeSafetensors, swapBytes,
} from '../../optim/checkpoint.js';

const enc = (s: string) => new TextEncoder().encode(s);
const bits = (t: Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

/** A safetensors file from a header (object or raw text) and data bytes, with the header padded to 8. */
function raw(header: unknown, data: ArrayLike<number> = [], pad = true): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const h = enc(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

/** Expects `f` to throw a TapegradError from `op` whose message matches `pattern`. */
function expectError(f: () => unknown, pattern: RegExp, op = 'deserializeSafetensors'): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error matching ${pattern}`).toBeInstanceOf(TapegradError);
  expect((err as TapegradError).op).toBe(op);
  expect((err as Error).message).toMatch(pattern);
}

async function rejects(p: Promise<unknown>): Promise<TapegradError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TapegradError);
  return err as TapegradError;
}

describe('safetensors bytes', () => {
  it('writes the exact bytes of the format: u64 LE header length, JSON header padded to 8 with spaces, LE data, wider dtypes first', () => {
    const bytes = serializeSafetensors(
      { b: tensor([1, -2], { dtype: 'int32' }), a: tensor(0.5, { dtype: 'float64' }) },
      { k: 'v' },
      { digest: false },
    );
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16]}}';
    expect(json.length).toBe(132); // padded with 4 spaces to 136 = 0x88
    const expected = [
      0x88, 0, 0, 0, 0, 0, 0, 0,
      ...Array.from(json, (c) => c.charCodeAt(0)), 0x20, 0x20, 0x20, 0x20,
      0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5 as a little-endian float64
      1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, // 1 and -2 as little-endian int32
    ];
    expect(Array.from(bytes)).toEqual(expected);
    expect(bytes.length).toBe(160);
  });

  it('writes an empty dict as a header of `{}` padded to 8 bytes', () => {
    expect(Array.from(serializeSafetensors({}, undefined, { digest: false }))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
    expect(deserializeSafetensors(serializeSafetensors({}, undefined, { digest: false }))).toEqual({ tensors: {}, metadata: {} });
    expect(deserializeSafetensors(serializeSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
  });

  const specials = [0, -0, 1.5, -3.25, Infinity, -Infinity, Number.NaN, 1e-40, 3.4e38, 2 ** -1074, 1e308];
  const cases: [string, Tensor][] = [
    ['f32 matrix', tensor([[1, 2, 3], [4, 5, 6]])],
    ['f32 specials (NaN, -0, subnormals, inf)', tensor(new Float32Array(specials))],
    ['f64 specials', tensor(new Float64Array(specials))],
    ['f64 rank 3', randn([2, 3, 4], { dtype: 'float64', generator: new Generator(1) })],
    ['i32 extremes', tensor([-2147483648, -1, 0, 1, 2147483647], { dtype: 'int32' })],
    ['f32 rank 0', tensor(7.5)],
    ['f64 rank 0', tensor(-0.1, { dtype: 'float64' })],
    ['i32 rank 0', tensor(-9, { dtype: 'int32' })],
    ['f32 empty [0]', zeros([0])],
    ['f64 empty [2, 0, 3]', zeros([2, 0, 3], { dtype: 'float64' })],
    ['i32 empty [0, 5]', zeros([0, 5], { dtype: 'int32' })],
  ];
  for (const [name, t] of cases)
    it(`round-trips ${name} bit for bit`, () => {
      const back = deserializeSafetensors(serializeSafetensors({ t })).tensors.t!;
      expect(back).toBeInstanceOf(Tensor);
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(bits(back)).toEqual(bits(t));
    });

  for (const digest of [true, false])
  it(`round-trips many tensors of mixed dtypes at once, each aligned to its element size in the file (digest: ${digest})`, () => {
    const all = Object.fromEntries(cases);
    const bytes = serializeSafetensors(all, undefined, { digest });
    const { tensors } = deserializeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(all).sort());
    for (const [k, t] of cases) expect(bits(tensors[k]!), k).toEqual(bits(t));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: number[] }>;
    expect(Object.hasOwn(header, '__metadata__')).toBe(digest);
    for (const [k, info] of Object.entries(header)) if (k !== '__metadata__') expect((8 + n + info.data_offsets[0]!) % (info.dtype === 'F64' ? 8 : 4), k).toBe(0);
  });

  it('lists tensors in the header in file order, even integer-like names, and keeps a "__proto__" name as a plain key', () => {
    for (const digest of [true, false]) {
      const bytes = serializeSafetensors({ z: tensor([1]), 10: tensor([2]), 2: tensor([3]) }, undefined, { digest });
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
      expect(text.indexOf('"2":{')).toBeGreaterThan(-1);
      expect(text.indexOf('"2":{')).toBeLessThan(text.indexOf('"10":{'));
    }
    const back = deserializeSafetensors(raw({ ['__proto__']: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 128, 63])).tensors;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')!.value.item()).toBe(1);
  });

  it('round-trips metadata (unicode too); no metadata reads as {}', () => {
    const metadata = { format: 'pt', note: 'naïve — ✓ 漢字', empty: '' };
    expect(deserializeSafetensors(serializeSafetensors({ w: tensor([1]) }, metadata)).metadata).toEqual(metadata);
    expect(deserializeSafetensors(serializeSafetensors({ w: tensor([1]) })).metadata).toEqual({});
  });

  it('copies the data out: tensors never alias the input, which may be unaligned or a Node Buffer', () => {
    const bytes = serializeSafetensors({ a: tensor([1, 2, 3], { dtype: 'float64' }), b: tensor([4, 5]) });
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    const odd = host.subarray(3); // every tensor starts at an odd address
    for (const input of [odd, Buffer.from(bytes), bytes]) {
      const { tensors } = deserializeSafetensors(input);
      expect(Array.from(tensors.a!.data)).toEqual([1, 2, 3]);
      expect(Array.from(tensors.b!.data)).toEqual([4, 5]);
      expect(tensors.a!.data.buffer).not.toBe(input.buffer);
      input.fill(0);
      expect(Array.from(tensors.a!.data)).toEqual([1, 2, 3]);
    }
  });

  it('reads a header padded with trailing spaces and tensors listed in any order', () => {
    const header = '{"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}          ';
    const { tensors } = deserializeSafetensors(raw(header, [0, 0, 128, 63, 0, 0, 0, 64], false));
    expect(tensors.x!.item()).toBe(1);
    expect(tensors.y!.item()).toBe(2);
  });

  it('swaps bytes per element (the big-endian host path)', () => {
    const b = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytes(b, 4);
    expect(Array.from(b)).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapBytes(b, 8);
    expect(Array.from(b)).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
  });

  it('refuses to write what it cannot represent', () => {
    expectError(() => serializeSafetensors({ w: [1, 2] as unknown as Tensor }), /'w' must be a Tensor, got an array/, 'serializeSafetensors');
    expectError(() => serializeSafetensors({ __metadata__: tensor([1]) }), /'__metadata__' is reserved/, 'serializeSafetensors');
    expectError(() => serializeSafetensors({ w: tensor([1]) }, { n: 1 as unknown as string }), /values must be strings, 'n' is number/, 'serializeSafetensors');
    expectError(() => serializeSafetensors(null as unknown as Record<string, Tensor>), /expected an object of tensors, got null/, 'serializeSafetensors');
    expectError(() => serializeSafetensors({ bad: new Tensor(new Float64Array(2), [3], 'float32') }), /'bad' is not a well-formed float32 tensor/, 'serializeSafetensors');
  });
});

describe('corrupt safetensors: every defect is a TapegradError naming safetensors and the problem', () => {
  const good = serializeSafetensors({ w: tensor([[1, 2], [3, 4]]), b: tensor([5, 6], { dtype: 'float64' }) }, { m: 'x' });
  const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
  const f32 = (name: string, shape: number[], offsets: unknown[]) => ({ [name]: { dtype: 'F32', shape, data_offsets: offsets } });

  it('fewer than 8 bytes', () => {
    for (let n = 0; n < 8; n++) expectError(() => deserializeSafetensors(good.slice(0, n)), new RegExp(`has ${n} bytes, too short`));
  });

  it('truncated anywhere: inside the header it says so, inside the data it names the tensor that runs past the end', () => {
    for (let n = 8; n < good.length; n++) {
      const cut = good.slice(0, n);
      if (n < 8 + headerLen) expectError(() => deserializeSafetensors(cut), /header length is \d+ bytes but only \d+ follow it \(truncated/);
      else expectError(() => deserializeSafetensors(cut), /go past the end of the data .*truncated/);
    }
  });

  it('a header length beyond the buffer (or absurdly large)', () => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
    expectError(() => deserializeSafetensors(b), /header length is 9223372036854775808 bytes/);
  });

  it('flipped header bytes: invalid UTF-8, invalid JSON, a wrong start', () => {
    const b = good.slice();
    b[8 + 3] = 0xff;
    expectError(() => deserializeSafetensors(b), /not valid UTF-8/);
    const c = good.slice();
    c[8 + headerLen - 1] = 0x7b; // a '{' in the padding
    expectError(() => deserializeSafetensors(c), /not valid JSON/);
    const d = good.slice();
    d[8] = 0x5b; // '[' instead of '{'
    expectError(() => deserializeSafetensors(d), /must be a JSON object, it starts with/);
    expectError(() => deserializeSafetensors(raw('[]')), /must be a JSON object/);
    expectError(() => deserializeSafetensors(raw('{"a": 1}')), /tensor 'a': expected \{dtype, shape, data_offsets\}, got number/);
  });

  it('any single flipped bit in the header gives a TapegradError or a file that is still consistent, never garbage', () => {
    for (let i = 8; i < 8 + headerLen; i++)
      for (const bit of [0x01, 0x02, 0x10]) {
        const b = good.slice();
        b[i]! ^= bit;
        let out: ReturnType<typeof deserializeSafetensors> | undefined;
        try {
          out = deserializeSafetensors(b);
        } catch (e) {
          expect(e, `byte ${i} ^ ${bit}`).toBeInstanceOf(TapegradError);
          continue;
        }
        // Still valid (a renamed tensor or metadata key): sizes add up to the data exactly.
        const total = Object.values(out.tensors).reduce((s, t) => s + t.data.byteLength, 0);
        expect(total, `byte ${i} ^ ${bit}`).toBe(good.length - 8 - headerLen);
      }
  });

  it('unknown or unsupported dtypes', () => {
    for (const dtype of ['F16', 'BF16', 'I64', 'U8', 'BOOL', 'f32'])
      expectError(() => deserializeSafetensors(raw({ w: { dtype, shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), new RegExp(`tensor 'w': unknown or unsupported dtype '${dtype}'`));
    expectError(() => deserializeSafetensors(raw({ w: { dtype: 3, shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), /dtype must be a string/);
  });

  it('shape and offsets that disagree, malformed shapes and offsets', () => {
    expectError(() => deserializeSafetensors(raw(f32('w', [3], [0, 8]), new Array(8).fill(0))), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/);
    expectError(() => deserializeSafetensors(raw(f32('w', [2, -1], [0, 8]), new Array(8).fill(0))), /shape must be an array of non-negative integers/);
    expectError(() => deserializeSafetensors(raw(f32('w', [1.5], [0, 8]), new Array(8).fill(0))), /shape must be/);
    expectError(() => deserializeSafetensors(raw({ w: { dtype: 'F32', data_offsets: [0, 4] } }, [0, 0, 0, 0])), /shape must be/);
    expectError(() => deserializeSafetensors(raw(f32('w', [1], [4, 0]), [0, 0, 0, 0])), /data_offsets must be \[begin, end\]/);
    expectError(() => deserializeSafetensors(raw(f32('w', [1], [0, 4, 8]), [0, 0, 0, 0])), /data_offsets must be/);
    expectError(() => deserializeSafetensors(raw(f32('w', [1], ['0', 4]), [0, 0, 0, 0])), /data_offsets must be/);
    expectError(() => deserializeSafetensors(raw(f32('w', [2 ** 40, 2 ** 40], [0, 4]), [0, 0, 0, 0])), /needs .* bytes/);
  });

  it('overlapping, out-of-bounds and gapped offsets, and bytes left over', () => {
    const data = new Array(16).fill(0);
    expectError(() => deserializeSafetensors(raw({ ...f32('a', [2], [0, 8]), ...f32('b', [2], [4, 12]) }, data.slice(0, 12))), /tensor 'b' \[4, 12\] overlaps tensor 'a' \[0, 8\]/);
    expectError(() => deserializeSafetensors(raw({ ...f32('a', [2], [0, 8]), ...f32('b', [2], [0, 8]) }, data.slice(0, 8))), /overlaps/);
    expectError(() => deserializeSafetensors(raw(f32('a', [4], [0, 16]), data.slice(0, 8))), /tensor 'a': data_offsets \[0, 16\] go past the end of the data \(8 bytes/);
    expectError(() => deserializeSafetensors(raw({ ...f32('a', [1], [0, 4]), ...f32('b', [1], [8, 12]) }, data.slice(0, 12))), /a gap of 4 bytes before tensor 'b'/);
    expectError(() => deserializeSafetensors(raw(f32('a', [1], [4, 8]), data.slice(0, 8))), /a gap of 4 bytes before tensor 'a'/);
    expectError(() => deserializeSafetensors(raw(f32('a', [1], [0, 4]), data.slice(0, 8))), /4 bytes after the last tensor are not described/);
  });

  it('metadata that is not an object of strings', () => {
    expectError(() => deserializeSafetensors(raw({ __metadata__: { a: 1 } })), /'a' is number/);
    expectError(() => deserializeSafetensors(raw({ __metadata__: { a: null } })), /'a' is null/);
    expectError(() => deserializeSafetensors(raw({ __metadata__: ['x'] })), /__metadata__ must be an object of strings, got an array/);
  });

  it('input that is not bytes', () => {
    expectError(() => deserializeSafetensors(good.buffer as unknown as Uint8Array), /expected a Uint8Array/);
  });
});

/** A small LSTM trained a few steps with Adam (amsgrad off: null state entries), as a checkpoint would hold it. */
function trained(seed: number, dtype: 'float32' | 'float64' = 'float64') {
  const net = new nn.LSTM(3, 4, { numLayers: 2, dtype, generator: new Generator(seed) });
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  const x = randn([5, 2, 3], { dtype, generator: new Generator(7) }); // the same data whatever the weights
  const step = () => {
    opt.zeroGrad();
    net.forward(x)[0].pow(2).sum().backward();
    opt.step();
  };
  for (let k = 0; k < 3; k++) step();
  return { net, opt, x, step };
}

describe('checkpoints', () => {
  it('stores model keys as-is, optimizer tensors under __optimizer__.state.<i>.<name>, the rest as JSON in __metadata__', () => {
    const { net, opt } = trained(0);
    const bytes = checkpointToBytes({ model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 3 }, metadata: { format: 'pt' } });
    const { tensors, metadata } = deserializeSafetensors(bytes);
    const modelKeys = Object.keys(net.stateDict());
    expect(modelKeys).toContain('weight_ih_l0');
    for (const k of modelKeys) expect(Object.hasOwn(tensors, k)).toBe(true);
    expect(Object.keys(tensors).filter((k) => k.startsWith('__optimizer__.')).sort()).toEqual(
      modelKeys.flatMap((_, i) => [`__optimizer__.state.${i}.expAvg`, `__optimizer__.state.${i}.expAvgSq`]).sort(),
    );
    expect(metadata['tapegrad.format']).toBe(CHECKPOINT_FORMAT);
    expect(metadata.format).toBe('pt');
    expect(JSON.parse(metadata['tapegrad.extra']!)).toEqual({ epoch: 3 });
    const o = JSON.parse(metadata['tapegrad.optimizer']!);
    expect(o.state['0']).toEqual({ step: 3, maxExpAvgSq: null });
    expect(o.paramGroups[0].params).toEqual(modelKeys.map((_, i) => i));
    expect(o.paramGroups[0].lr).toBe(0.01);
  });

  it('resumes training exactly: a fresh model and optimizer loaded from bytes continue as the originals', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const a = trained(0, dtype);
      const ck = checkpointFromBytes(checkpointToBytes({ model: a.net.stateDict(), optimizer: a.opt.stateDict(), extra: { epoch: 3, history: [0.5, 0.25] } }));
      expect(ck.extra).toEqual({ epoch: 3, history: [0.5, 0.25] });
      expect(ck.metadata).toEqual({});
      const b = trained(99, dtype); // different weights and state until loaded
      b.net.loadStateDict(ck.model);
      b.opt.loadStateDict(ck.optimizer!);
      for (let k = 0; k < 3; k++) {
        a.step();
        b.step();
      }
      const sa = a.net.stateDict();
      for (const [key, t] of Object.entries(b.net.stateDict())) expect(Array.from(t.data), `${dtype} ${key}`).toEqual(Array.from(sa[key]!.data));
    }
  });

  it('round-trips an optimizer state with numbers, nulls, tensors and empty entries, and a model-only or empty checkpoint', () => {
    const optimizer = {
      state: { 0: { step: 2, buf: tensor([1, 2]), flag: null }, 3: {}, 7: { 'a.b': tensor([[3]], { dtype: 'float64' }) } },
      paramGroups: [{ params: [0, 3], lr: 0.1, betas: [0.9, 0.999], nesterov: false }, { params: [7], lr: 1e-3, name: 'head' }],
    };
    const back = checkpointFromBytes(checkpointToBytes({ optimizer })).optimizer!;
    expect(back.paramGroups).toEqual(optimizer.paramGroups);
    expect(Object.keys(back.state).sort()).toEqual(['0', '3', '7']);
    expect(back.state['0'].step).toBe(2);
    expect(back.state['0'].flag).toBe(null);
    expect(Array.from(back.state['0'].buf.data)).toEqual([1, 2]);
    expect(back.state['3']).toEqual({});
    expect(back.state['7']['a.b'].toArray()).toEqual([[3]]);
    expect(checkpointFromBytes(checkpointToBytes({ model: { w: tensor([1]) } }))).toEqual({ model: { w: tensor([1]) }, metadata: {} });
    expect(checkpointFromBytes(checkpointToBytes({}))).toEqual({ model: {}, metadata: {} });
  });

  it('keeps NaN and infinities in extras and optimizer numbers (a diverged loss history), as {"$float": ...} in the JSON', () => {
    const extra = { history: { loss: [0.5, Number.NaN, Infinity, -Infinity, -0] }, best: Infinity, note: 'NaN', tag: { $float: 'other' } };
    const optimizer = { state: { 0: { best: -Infinity } }, paramGroups: [{ params: [0], lr: Number.NaN }] };
    const bytes = checkpointToBytes({ extra, optimizer });
    const ck = checkpointFromBytes(bytes);
    expect(ck.extra).toEqual({ history: { loss: [0.5, Number.NaN, Infinity, -Infinity, 0] }, best: Infinity, note: 'NaN', tag: { $float: 'other' } });
    expect(ck.optimizer!.state['0'].best).toBe(-Infinity);
    expect(ck.optimizer!.paramGroups[0].lr).toBeNaN();
    expect(JSON.parse(deserializeSafetensors(bytes).metadata['tapegrad.extra']!).best).toEqual({ $float: 'Infinity' });
  });

  it('a plain safetensors file is refused with a clear message, or read as the model with allowPlain', () => {
    const plain = serializeSafetensors({ w: tensor([1, 2]) }, { format: 'pt' });
    expectError(() => checkpointFromBytes(plain), /plain safetensors file .*no 'tapegrad.format'.*allowPlain: true/, 'checkpointFromBytes');
    const ck = checkpointFromBytes(plain, { allowPlain: true });
    expect(Object.keys(ck.model)).toEqual(['w']);
    expect(ck.metadata).toEqual({ format: 'pt' });
    expect(ck.optimizer).toBeUndefined();
  });

  it('refuses a newer format, and inconsistent optimizer or extra entries', () => {
    const t = tensor([1]);
    expectError(() => checkpointFromBytes(serializeSafetensors({}, { 'tapegrad.format': 'tapegrad-checkpoint/2' })), /unsupported format 'tapegrad-checkpoint\/2'/, 'checkpointFromBytes');
    const meta = (optimizer: string, extra?: string) => ({ 'tapegrad.format': CHECKPOINT_FORMAT, 'tapegrad.optimizer': optimizer, ...(extra ? { 'tapegrad.extra': extra } : {}) });
    const ok = JSON.stringify({ state: { 0: { step: 1 } }, tensors: { 0: ['m'] }, paramGroups: [{ params: [0] }] });
    expect(checkpointFromBytes(serializeSafetensors({ '__optimizer__.state.0.m': t }, meta(ok))).optimizer!.state['0'].m).toBeInstanceOf(Tensor);
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta(ok))), /optimizer tensor '__optimizer__.state.0.m' is missing/, 'checkpointFromBytes');
    expectError(() => checkpointFromBytes(serializeSafetensors({ '__optimizer__.state.0.m': t, '__optimizer__.state.1.v': t }, meta(ok))), /tensor '__optimizer__.state.1.v' is not part of the saved optimizer state/, 'checkpointFromBytes');
    expectError(() => checkpointFromBytes(serializeSafetensors({ '__optimizer__.x': t }, { 'tapegrad.format': CHECKPOINT_FORMAT })), /'__optimizer__.x' is not part/, 'checkpointFromBytes');
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta('{"state":'))), /'tapegrad.optimizer' is not valid JSON/, 'checkpointFromBytes');
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta('{"state":{}}'))), /must hold \{ state, tensors, paramGroups \}/, 'checkpointFromBytes');
    const twice = JSON.stringify({ state: { 0: { m: 1 } }, tensors: { 0: ['m'] }, paramGroups: [] });
    expectError(() => checkpointFromBytes(serializeSafetensors({ '__optimizer__.state.0.m': t }, meta(twice))), /has 'm' twice/, 'checkpointFromBytes');
    const badIndex = JSON.stringify({ state: { x: {} }, tensors: {}, paramGroups: [] });
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta(badIndex))), /optimizer state 'x'/, 'checkpointFromBytes');
    const badGroup = JSON.stringify({ state: {}, tensors: {}, paramGroups: [{ params: [-1] }] });
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta(badGroup))), /paramGroups\[0\].params must be parameter indices/, 'checkpointFromBytes');
    const empty = JSON.stringify({ state: {}, tensors: {}, paramGroups: [] });
    expectError(() => checkpointFromBytes(serializeSafetensors({}, meta(empty, '[1]'))), /'tapegrad.extra' must be a JSON object/, 'checkpointFromBytes');
  });

  it('refuses to write what would not come back as it was', () => {
    const w = tensor([1]);
    const write = (ck: Parameters<typeof checkpointToBytes>[0]) => () => checkpointToBytes(ck);
    expectError(write({ extra: { odd: { $float: 'NaN' } } }), /extra.odd: an object \{"\$float": \.\.\.\} is reserved/, 'checkpointToBytes');
    expectError(write({ extra: { w } }), /extra.w is a Tensor: tensors belong in model or in the optimizer state/, 'checkpointToBytes');
    expectError(write({ extra: { when: new Date(0) } }), /extra.when is a Date, not a plain object/, 'checkpointToBytes');
    expectError(write({ extra: { seen: new Map() } }), /extra.seen is a Map/, 'checkpointToBytes');
    expectError(write({ extra: { f: () => 1 } }), /extra.f is function/, 'checkpointToBytes');
    expectError(write({ extra: { n: 10n } }), /extra.n is bigint/, 'checkpointToBytes');
    expectError(write({ extra: { a: [1, undefined] } }), /extra.a\[1\] is undefined/, 'checkpointToBytes');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectError(write({ extra: loop }), /extra.self refers back to itself/, 'checkpointToBytes');
    const shared = { x: 1 };
    expect(checkpointFromBytes(checkpointToBytes({ extra: { a: shared, b: shared, u: undefined } })).extra).toEqual({ a: { x: 1 }, b: { x: 1 } });
    expectError(write({ model: { '__optimizer__.state.0.m': w } }), /the prefix '__optimizer__.' is reserved/, 'checkpointToBytes');
    expectError(write({ metadata: { 'tapegrad.format': 'x' } }), /the prefix 'tapegrad.' is reserved/, 'checkpointToBytes');
    expectError(write({ optimizer: { state: { '-1': {} }, paramGroups: [] } }), /optimizer state keys must be parameter indices, got '-1'/, 'checkpointToBytes');
    expectError(write({ optimizer: { state: { 0: { step: 1, m: () => 1 } }, paramGroups: [] } }), /optimizer.state.0.m is function/, 'checkpointToBytes');
    expectError(write({ optimizer: [] as never }), /optimizer must be an optimizer's stateDict/, 'checkpointToBytes');
    expectError(write({ model: { w: 'x' as unknown as Tensor } }), /'w' must be a Tensor, got string/, 'checkpointToBytes');
  });
});

describe('tapegrad/node: files', () => {
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-ckpt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = () => {
    const d = join(root, `case-${n++}`);
    mkdirSync(d);
    return d;
  };

  it('saves and loads a checkpoint; the directory holds only the file afterwards', async () => {
    const dir = freshDir();
    const path = join(dir, 'run.safetensors');
    const { net, opt } = trained(0);
    await saveCheckpoint(path, { model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 1 } });
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
    const ck = await loadCheckpoint(path);
    expect(ck.extra).toEqual({ epoch: 1 });
    for (const [k, t] of Object.entries(net.stateDict())) {
      expect(ck.model[k]).toBeInstanceOf(Tensor);
      expect(bits(ck.model[k]!)).toEqual(bits(t));
    }
    expect(ck.optimizer!.state['0'].expAvg).toBeInstanceOf(Tensor);
    await saveCheckpoint(path, { model: { w: tensor([9]) } }); // replaces the old file
    expect((await loadCheckpoint(path)).model.w!.item()).toBe(9);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
  });

  it('saves and loads plain safetensors files', async () => {
    const path = join(freshDir(), 'w.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2], { dtype: 'int32' }) }, { format: 'pt' });
    expect(readFileSync(path)).toEqual(Buffer.from(serializeSafetensors({ w: tensor([1, 2], { dtype: 'int32' }) }, { format: 'pt' })));
    const plain = join(freshDir(), 'plain.safetensors');
    await saveSafetensors(plain, { w: tensor([1, 2], { dtype: 'int32' }) }, { format: 'pt' }, { digest: false });
    expect(readFileSync(plain)).toEqual(Buffer.from(serializeSafetensors({ w: tensor([1, 2], { dtype: 'int32' }) }, { format: 'pt' }, { digest: false })));
    expect((await loadSafetensors(plain)).metadata).toEqual({ format: 'pt' });
    const unchecked = await rejects(loadSafetensors(plain, { requireDigest: true }));
    expect(unchecked.message).toMatch(/^loadSafetensors: .*plain.safetensors is not a valid safetensors file: the file has no digest/);
    const { tensors, metadata } = await loadSafetensors(path);
    expect(tensors.w!.toArray()).toEqual([1, 2]);
    expect(metadata).toEqual({ format: 'pt' });
    const err = await rejects(loadCheckpoint(path));
    expect(err.message).toMatch(/^loadCheckpoint: .* is not a valid checkpoint: not a tapegrad checkpoint: a plain safetensors file/);
    expect(err.message).toContain(path);
    expect(Object.keys((await loadCheckpoint(path, { allowPlain: true })).model)).toEqual(['w']);
  });

  it('a save that fails while serialising leaves the previous file byte-identical and no temporary file', async () => {
    const dir = freshDir();
    const path = join(dir, 'ck.safetensors');
    await saveCheckpoint(path, { model: { w: tensor([1, 2, 3]) } });
    const before = readFileSync(path);
    const exploding = { get w(): Tensor { throw new Error('boom'); } };
    await expect(saveCheckpoint(path, { model: exploding })).rejects.toThrow('boom');
    const err = await rejects(saveCheckpoint(path, { model: { w: tensor([1]) }, extra: { at: new Date() } }));
    expect(err.message).toMatch(/extra.at is a Date/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['ck.safetensors']);
  });

  it('a save that fails after writing the temporary file (the target is a directory) removes it and names the path', async () => {
    const dir = freshDir();
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    const err = await rejects(saveCheckpoint(path, { model: { w: tensor([1]) } }));
    expect(err.op).toBe('saveCheckpoint');
    expect(err.message).toContain(`cannot write ${path}`);
    expect(err.cause).toBeInstanceOf(Error);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(path)).toEqual(['inside']);
  });

  it('a save into a missing directory fails naming the path and creates nothing', async () => {
    const dir = freshDir();
    const path = join(dir, 'no', 'such', 'ck.safetensors');
    const err = await rejects(saveSafetensors(path, { w: tensor([1]) }));
    expect(err.message).toBe(`saveSafetensors: cannot write ${path}: no such file or directory`);
    expect(readdirSync(dir)).toEqual([]);
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot || process.platform === 'win32')(
    `a save into a read-only directory leaves the previous file as it was${isRoot ? ' (skipped: root ignores directory permissions)' : ''}`,
    async () => {
      const dir = freshDir();
      const path = join(dir, 'ck.safetensors');
      await saveCheckpoint(path, { model: { w: tensor([1]) } });
      const before = readFileSync(path);
      chmodSync(dir, 0o555);
      try {
        const err = await rejects(saveCheckpoint(path, { model: { w: tensor([2]) } }));
        expect(err.message).toContain(path);
      } finally {
        chmodSync(dir, 0o755);
      }
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir)).toEqual(['ck.safetensors']);
    },
  );

  it.skipIf(process.platform === 'win32')('keeps the permissions of the file it replaces, and writes through a symlink to its file', async () => {
    const dir = freshDir();
    const path = join(dir, 'ck.safetensors');
    await saveCheckpoint(path, { model: { w: tensor([1]) } });
    chmodSync(path, 0o600);
    await saveCheckpoint(path, { model: { w: tensor([2]) } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const link = join(dir, 'latest');
    symlinkSync('ck.safetensors', link);
    await saveCheckpoint(link, { model: { w: tensor([3]) } });
    expect((await loadCheckpoint(path)).model.w!.item()).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['ck.safetensors', 'latest']);
  });

  it('loading a missing, unreadable or corrupt file names the path', async () => {
    const dir = freshDir();
    const missing = join(dir, 'missing.safetensors');
    let err = await rejects(loadCheckpoint(missing));
    expect(err.message).toBe(`loadCheckpoint: cannot read ${missing}: no such file or directory`);
    err = await rejects(loadSafetensors(dir));
    expect(err.message).toContain(`loadSafetensors: cannot read ${dir}`);
    const corrupt = join(dir, 'corrupt.safetensors');
    await saveCheckpoint(corrupt, { model: { w: tensor([1, 2, 3]) } });
    writeFileSync(corrupt, readFileSync(corrupt).subarray(0, 30));
    err = await rejects(loadCheckpoint(corrupt));
    expect(err.message).toMatch(new RegExp(`^loadCheckpoint: ${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid checkpoint: the header length`));
    err = await rejects(loadSafetensors(''));
    expect(err.message).toMatch(/expected a file path/);
  });
});

// ---- Python interoperability ---------------------------------------------------------------------------

const PY = '/usr/bin/python3';
const SCRIPT = new URL('../fixtures-src/read_safetensors.py', import.meta.url).pathname;
const pyHas = (mod: string) => spawnSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore', timeout: 120_000 }).status === 0;
const hasTorch = pyHas('torch');
const hasSafetensors = hasTorch && pyHas('safetensors.torch');
const python = (...args: string[]) => {
  const r = spawnSync(PY, [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`read_safetensors.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
};
const noTorch = ' (skipped: /usr/bin/python3 has no torch; Debian: apt-get install python3-torch)';
const noSafetensors = ' (skipped: /usr/bin/python3 has no safetensors package; Debian has none, the independent reader covers the format)';

describe('Python reads what tapegrad writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-py-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const spec = { input_size: 3, hidden_size: 4, num_layers: 2 };

  for (const reader of ['independent', 'safetensors'] as const) {
    const skip = !hasTorch ? noTorch : reader === 'safetensors' && !hasSafetensors ? noSafetensors : '';
    for (const dtype of ['float64', 'float32'] as const)
      it.skipIf(skip !== '')(`${reader} reader: a ${dtype} checkpoint's model keys load into torch.nn.LSTM (strict) and give tapegrad's output${skip}`, async () => {
        const { net, opt, x } = trained(5, dtype);
        const path = join(dir, `${reader}-${dtype}.safetensors`);
        await saveCheckpoint(path, { model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 2 } });
        const out = python('read', path, reader, JSON.stringify({ ...spec, x: x.toArray() }));
        expect(out.metadata['tapegrad.format']).toBe(CHECKPOINT_FORMAT);
        for (const [k, t] of Object.entries(net.stateDict())) {
          expect(out.tensors[k].dtype).toBe(dtype === 'float64' ? 'F64' : 'F32');
          expect(out.tensors[k].shape).toEqual(t.shape);
          expect(out.tensors[k].data, k).toEqual(Array.from(t.data)); // exact: Python's floats print round-trippably
        }
        if (reader === 'independent') {
          // The digest as Python recomputes it from the format's description, bit by bit.
          expect(`crc32c:${out.digest.header}`).toBe(out.metadata['tapegrad.digest']);
          expect(out.digest.tensors).toEqual(JSON.parse(out.metadata['tapegrad.digests']));
          expect(Object.keys(out.digest.tensors).length).toBe(Object.keys(out.tensors).length);
        }
        expect(out.tensors['__optimizer__.state.0.expAvg'].data).toEqual(Array.from(opt.stateDict().state[0]!.expAvg.data));
        const ours = Array.from(net.forward(x)[0].data);
        const tol = dtype === 'float64' ? 1e-12 : 1e-5;
        (out.lstm as number[]).forEach((v, i) => expect(Math.abs(v - ours[i]!), `output ${i}`).toBeLessThan(tol));
      });

    for (const digest of [false, true])
    it.skipIf(skip !== '')(`${reader} reader: int32, rank-0 and empty tensors and metadata (digest: ${digest})${skip}`, async () => {
      const path = join(dir, `${reader}-misc-${digest}.safetensors`);
      await saveSafetensors(path, { i: tensor([[-7, 2147483647]], { dtype: 'int32' }), s: tensor(2.5, { dtype: 'float64' }), e: zeros([0, 3]) }, { who: 'tapegrad ✓' }, { digest });
      const out = python('read', path, reader);
      const { 'tapegrad.digest': header, 'tapegrad.digests': sums, ...rest } = out.metadata;
      expect(rest).toEqual({ who: 'tapegrad ✓' });
      expect(header !== undefined && sums !== undefined).toBe(digest);
      if (digest && reader === 'independent') {
        expect(`crc32c:${out.digest.header}`).toBe(header);
        expect(out.digest.tensors).toEqual(JSON.parse(sums));
        expect(out.digest.tensors.e).toBe('00000000'); // no bytes
      }
      expect(out.tensors).toEqual({
        i: { dtype: 'I32', shape: [1, 2], data: [-7, 2147483647] },
        s: { dtype: 'F64', shape: [], data: [2.5] },
        e: { dtype: 'F32', shape: [0, 3], data: [] },
      });
    });
  }

  it.skipIf(!hasSafetensors)(`tapegrad reads a torch.nn.LSTM saved by Python's safetensors.torch.save_file${hasSafetensors ? '' : hasTorch ? noSafetensors : noTorch}`, async () => {
    const path = join(dir, 'from-python.safetensors');
    const x = randn([4, 2, 3], { dtype: 'float64', generator: new Generator(3) });
    const out = python('write', path, JSON.stringify({ ...spec, x: x.toArray() }));
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    const net = new nn.LSTM(3, 4, { numLayers: 2, dtype: 'float64' });
    net.loadStateDict(tensors);
    const ours = Array.from(net.forward(x)[0].data);
    (out.output as number[]).forEach((v, i) => expect(Math.abs(v - ours[i]!)).toBeLessThan(1e-12));
    expect((await loadCheckpoint(path, { allowPlain: true })).model.weight_ih_l0!.shape).toEqual([16, 3]);
  });
});
