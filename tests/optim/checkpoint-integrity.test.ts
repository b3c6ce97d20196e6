/**
 * Checkpoint integrity: the digest's layout (recomputed here bit by bit), every single flipped bit of a
 * checkpoint refused naming the tensor or the header, plain files of other writers loading (and refused
 * when a digest is required), JSON nesting limits, and stale temporary files of killed saves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, TapegradError, type Tensor, manualSeed, nn, optim, tensor } from '../../index.js';
import { loadCheckpoint, loadSafetensors, saveCheckpoint, saveSafetensors } from '../../node.js';
import { type Checkpoint, checkpointFromBytes, checkpointToBytes, deserializeSafetensors, serializeSafetensors } from '../../optim/checkpoint.js';
import { data, fitOptions, makeRun } from '../helpers/run.js';
import { thrown } from '../helpers/values.js';

/** CRC-32C from its definition, bit by bit. */
function crc(bytes: Uint8Array): string {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

const headerOf = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
};

/** A checkpoint as checkpointCallback writes it after 2 epochs: model, Adam, StepLR, three generators. */
async function runCheckpoint(): Promise<Checkpoint> {
  manualSeed(5);
  const run = makeRun(0);
  let saved: Checkpoint | undefined;
  await optim.fit(run.model, data, { ...fitOptions(run, 2), callbacks: [optim.checkpointCallback({ save: (c) => void (saved = c) })] });
  manualSeed(0);
  return saved!;
}

describe('the digest', () => {
  it('is the first __metadata__ entry: the CRC-32C of the header (length included) with its own digits as 0, then each tensor\'s', async () => {
    const bytes = checkpointToBytes(await runCheckpoint());
    const { n, text } = headerOf(bytes);
    expect(text.startsWith('{"__metadata__":{"tapegrad.digest":"crc32c:')).toBe(true);
    const header = JSON.parse(text);
    const stored = header.__metadata__['tapegrad.digest'] as string;
    const blank = bytes.slice(0, 8 + n);
    const at = 8 + '{"__metadata__":{"tapegrad.digest":"crc32c:'.length;
    blank.fill(0x30, at, at + 8);
    expect(stored).toBe(`crc32c:${crc(blank)}`);
    const sums = JSON.parse(header.__metadata__['tapegrad.digests']);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(Object.keys(sums).sort()).toEqual(names.sort());
    expect(names.length).toBeGreaterThan(8); // model weights and optimizer moments
    for (const k of names) {
      const [a, b] = header[k].data_offsets;
      expect(sums[k], k).toBe(crc(bytes.subarray(8 + n + a, 8 + n + b)));
    }
    // Neither entry comes back as user metadata.
    expect(deserializeSafetensors(bytes).metadata['tapegrad.digest']).toBeUndefined();
    expect(checkpointFromBytes(bytes).metadata).toEqual({});
  });

  /** A checkpoint of a 2x2 Linear with SGD momentum, a schedule and generators: small enough to flip every bit. */
  const tiny = (): Checkpoint => {
    const lin = new nn.Linear(2, 2, { generator: new Generator(3) });
    const opt = new optim.SGD(lin.parameters(), { lr: 0.1, momentum: 0.9 }) as never as optim.Optimizer<object, object>;
    lin.forward(tensor([[1, 2]])).sum().backward();
    opt.step();
    return {
      model: lin.stateDict(), optimizer: opt.stateDict(),
      extra: { epoch: 1, history: { loss: [0.5] }, scheduler: { lastEpoch: 1, stepCount: 2, lastLr: [0.1] }, generators: { fit: new Generator(1).getState(), default: new Generator(2).getState(), modules: {} } },
    };
  };

  it('any single flipped bit of a small checkpoint is refused, naming the header or the tensor: every bit of the file', () => {
    const bytes = checkpointToBytes(tiny());
    const { n, text } = headerOf(bytes);
    const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
    expect(bytes.length - 8 - n).toBeGreaterThan(40); // weights, bias and their momentum buffers
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const b = bytes.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      const err = thrown(() => checkpointFromBytes(b));
      const where = `bit ${bit & 7} of byte ${bit >> 3}`;
      expect(err, where).toBeInstanceOf(TapegradError);
      const off = (bit >> 3) - 8 - n;
      const t = Object.keys(header).find((k) => k !== '__metadata__' && header[k]!.data_offsets[0] <= off && off < header[k]!.data_offsets[1]);
      expect(err.message, where).toMatch(off < 0 ? /^checkpointFromBytes: .*header/ : new RegExp(`^checkpointFromBytes: tensor '${t}' is corrupt`));
    }
  });

  it('any single flipped bit is refused, naming the header or the tensor: every bit of the header, 400 seeded bits of the data', async () => {
    const bytes = checkpointToBytes(await runCheckpoint());
    const { n, text } = headerOf(bytes);
    const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
    const owner = (byte: number): string | undefined => {
      if (byte < 8 + n) return undefined;
      const off = byte - 8 - n;
      return Object.keys(header).find((k) => k !== '__metadata__' && header[k]!.data_offsets[0] <= off && off < header[k]!.data_offsets[1]);
    };
    const flips: number[] = [];
    for (let bit = 0; bit < (8 + n) * 8; bit++) flips.push(bit);
    const g = new Generator(2026);
    for (let k = 0; k < 400; k++) flips.push((8 + n) * 8 + g.nextInt((bytes.length - 8 - n) * 8));
    const seen = { header: 0, tensors: new Set<string>() };
    for (const bit of flips) {
      const b = bytes.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      const err = thrown(() => checkpointFromBytes(b));
      const where = `bit ${bit & 7} of byte ${bit >> 3}`;
      expect(err, where).toBeInstanceOf(TapegradError);
      expect((err as TapegradError).op, where).toBe('checkpointFromBytes');
      const t = owner(bit >> 3);
      if (t === undefined) {
        expect(err.message, where).toMatch(/header/);
        seen.header++;
      } else {
        expect(err.message, where).toContain(`tensor '${t}' is corrupt: its bytes have CRC-32C`);
        seen.tensors.add(t);
      }
    }
    expect(seen.header).toBe((8 + n) * 8);
    expect(seen.tensors.size).toBeGreaterThan(5);
    expect(checkpointFromBytes(bytes).extra?.epoch).toBe(2); // the unflipped file loads
  });

  it('a tampered digest entry is refused: moved, upper-case or not hex', () => {
    const good = serializeSafetensors({ w: tensor([1, 2]) }, { a: 'b' });
    const { text } = headerOf(good);
    const hexAt = '{"__metadata__":{"tapegrad.digest":"crc32c:'.length;
    const remake = (t: string) => {
      const h = new TextEncoder().encode(t.padEnd(Math.ceil(t.length / 8) * 8, ' '));
      const out = new Uint8Array(8 + h.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      out.set(good.subarray(good.length - 8), 8 + h.length);
      return out;
    };
    const upper = text.slice(0, hexAt) + text.slice(hexAt, hexAt + 8).toUpperCase() + text.slice(hexAt + 8);
    if (upper !== text) expect(thrown(() => deserializeSafetensors(remake(upper))).message).toMatch(/the header is corrupt/);
    const moved = text.replace('{"__metadata__":{"tapegrad.digest"', '{"__metadata__":{"a":"b","tapegrad.digest"').replace(',"a":"b"}', '}');
    expect(thrown(() => deserializeSafetensors(remake(moved))).message).toMatch(/the header is corrupt: it has a digest entry, but not the first/);
    const notHex = `${text.slice(0, hexAt)}zzzzzzzz${text.slice(hexAt + 8)}`;
    expect(thrown(() => deserializeSafetensors(remake(notHex))).message).toMatch(/the header is corrupt/);
    expect(deserializeSafetensors(remake(text)).tensors.w!.toArray()).toEqual([1, 2]); // the rebuild itself is faithful
  });
});

describe('files without a digest', () => {
  /** A safetensors file made by hand from the format's description, as other writers make it. */
  const plain = (() => {
    const json = '{"__metadata__":{"format":"pt"},"weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const h = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 8) * 8, ' '));
    const out = new Uint8Array(8 + h.length + 8);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    new DataView(out.buffer).setFloat32(8 + h.length, 1.5, true);
    new DataView(out.buffer).setFloat32(8 + h.length + 4, -2, true);
    return out;
  })();

  it('load from other writers, and are refused clearly when a digest is required', () => {
    expect(deserializeSafetensors(plain).tensors.weight!.toArray()).toEqual([1.5, -2]);
    expect(checkpointFromBytes(plain, { allowPlain: true }).model.weight!.toArray()).toEqual([1.5, -2]);
    const e1 = thrown(() => deserializeSafetensors(plain, { requireDigest: true }));
    expect(e1.message).toBe('deserializeSafetensors: the file has no digest (it was written by another safetensors writer or without one) and requireDigest is set');
    const e2 = thrown(() => checkpointFromBytes(plain, { allowPlain: true, requireDigest: true }));
    expect(e2.message).toMatch(/^checkpointFromBytes: the file has no digest/);
  });

  it('a checkpoint written without a digest (as older versions did) loads, unless a digest is required', () => {
    const bytes = checkpointToBytes({ model: { w: tensor([3]) }, extra: { epoch: 1 } }, { digest: false });
    expect(headerOf(bytes).text).not.toContain('tapegrad.digest');
    expect(checkpointFromBytes(bytes).model.w!.item()).toBe(3);
    expect(thrown(() => checkpointFromBytes(bytes, { requireDigest: true })).message).toMatch(/no digest/);
    expect(checkpointFromBytes(checkpointToBytes({ model: { w: tensor([3]) } }), { requireDigest: true }).model.w!.item()).toBe(3);
  });
});

describe('JSON nesting', () => {
  const nest = (depth: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  };

  it('an extra nested deeper than 512 levels is refused on save, not overflowed; 500 levels round-trip', () => {
    expect(checkpointFromBytes(checkpointToBytes({ extra: { deep: nest(500) } })).extra!.deep).toEqual(nest(500));
    const err = thrown(() => checkpointToBytes({ extra: { deep: nest(600) } }));
    expect(err).toBeInstanceOf(TapegradError);
    expect(err.message).toMatch(/^checkpointToBytes: extra nests more than 512 levels deep \(at extra.deep\[0\]/);
  });

  it('metadata JSON nested 100000 deep (a hostile file) is refused naming the key, not "Maximum call stack size exceeded"', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const file = serializeSafetensors({}, { 'tapegrad.format': 'tapegrad-checkpoint/1', 'tapegrad.extra': `{"a":${deep}}` });
    const err = thrown(() => checkpointFromBytes(file));
    expect(err.message).toBe("checkpointFromBytes: metadata 'tapegrad.extra' nests 100001 levels deep, more than the 512 tapegrad reads");
    const header = `{"a":${deep}}`;
    const h = new TextEncoder().encode(header);
    const raw = new Uint8Array(8 + h.length);
    new DataView(raw.buffer).setBigUint64(0, BigInt(h.length), true);
    raw.set(h, 8);
    expect(thrown(() => deserializeSafetensors(raw)).message).toBe("deserializeSafetensors: the header's JSON nests 100001 levels deep, more than the 512 tapegrad reads");
  });
});

describe('temporary files of killed saves', () => {
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-tmp-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  const deadPid = (() => {
    const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    return Number(r.stdout.trim()); // exited: no such process now
  })();

  it('a save removes its target\'s temporaries whose writer is dead (or, from elsewhere, an hour old), and nothing else', async () => {
    const dir = mkdtempSync(join(root, 'case-'));
    const target = join(dir, 'run.safetensors');
    const hex = 'a1b2c3d4e5f6';
    const files = {
      deadWriter: `run.safetensors.tmp-${host}-${deadPid}-${hex}`,
      liveWriter: `run.safetensors.tmp-${host}-${process.ppid}-${hex}`, // our parent: alive
      thisProcess: `run.safetensors.tmp-${host}-${process.pid}-${hex}`,
      otherHostFresh: `run.safetensors.tmp-0badc0de-${deadPid}-${hex}`,
      otherHostOld: `run.safetensors.tmp-0badc0de-${deadPid}-fedcba987654`,
      olderVersionOld: `run.safetensors.tmp-${hex}`,
      otherTarget: `other.safetensors.tmp-${host}-${deadPid}-${hex}`,
      prefixTarget: `run.safetensors.bak.tmp-${host}-${deadPid}-${hex}`,
      notOurs: `run.safetensors.tmp-${host}-${deadPid}-${hex}.keep`,
    };
    for (const f of Object.values(files)) writeFileSync(join(dir, f), 'x'.repeat(1000));
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, files.otherHostOld), hourAgo, hourAgo);
    utimesSync(join(dir, files.olderVersionOld), hourAgo, hourAgo);
    await saveCheckpoint(target, { model: { w: tensor([1]) } });
    const left = new Set(readdirSync(dir));
    expect(left.has('run.safetensors')).toBe(true);
    for (const gone of [files.deadWriter, files.otherHostOld, files.olderVersionOld]) expect(left.has(gone), gone).toBe(false);
    for (const kept of [files.liveWriter, files.thisProcess, files.otherHostFresh, files.otherTarget, files.prefixTarget, files.notOurs]) expect(left.has(kept), kept).toBe(true);
  });

  it('a save killed mid-write leaves a temporary file that the next save of that target removes', async () => {
    const dir = mkdtempSync(join(root, 'killed-'));
    const target = join(dir, 'ck.safetensors');
    // A child process that starts a save and is killed (SIGKILL) while its temporary file is open.
    const script = `
      const fs = require('node:fs'); const { createHash } = require('node:crypto'); const os = require('node:os');
      const host = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
      const fd = fs.openSync(process.argv[1] + '.tmp-' + host + '-' + process.pid + '-0123456789ab', 'wx');
      fs.writeSync(fd, Buffer.alloc(800000));
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['-e', script, target]);
    expect(r.signal).toBe('SIGKILL');
    expect(readdirSync(dir)).toHaveLength(1);
    await saveCheckpoint(target, { model: { w: tensor([2]) } });
    expect(readdirSync(dir)).toEqual(['ck.safetensors']);
  });

  it('concurrent saves of one target in one process never remove each other\'s temporary file', async () => {
    const dir = mkdtempSync(join(root, 'race-'));
    const target = join(dir, 'ck.safetensors');
    const saves = Array.from({ length: 8 }, (_, i) => saveCheckpoint(target, { model: { w: tensor([i]) } }));
    await Promise.all(saves);
    expect(readdirSync(dir)).toEqual(['ck.safetensors']);
    expect([0, 1, 2, 3, 4, 5, 6, 7]).toContain((await loadCheckpoint(target)).model.w!.item());
  });
});

describe('bad input names the function the user called', () => {
  const t = tensor([1]);
  const cases: [string, () => unknown, RegExp][] = [
    ['serializeSafetensors', () => serializeSafetensors({ w: t }, undefined, { digets: true } as never), /^serializeSafetensors: unknown option 'digets' \(serializeSafetensors takes digest\)/],
    ['serializeSafetensors', () => serializeSafetensors({ w: t }, undefined, { digest: 1 } as never), /^serializeSafetensors: digest must be a boolean, got number/],
    ['serializeSafetensors', () => serializeSafetensors({ 'tapegrad.digest': t }), /^serializeSafetensors: 'tapegrad.digest' is reserved for the digest/],
    ['serializeSafetensors', () => serializeSafetensors({ w: t }, { 'tapegrad.digests': 'x' }), /^serializeSafetensors: metadata key 'tapegrad.digests' is reserved/],
    ['serializeSafetensors', () => serializeSafetensors('w' as never), /^serializeSafetensors: expected an object of tensors, got string/],
    ['deserializeSafetensors', () => deserializeSafetensors(new Uint8Array(4)), /^deserializeSafetensors: the buffer has 4 bytes/],
    ['deserializeSafetensors', () => deserializeSafetensors([1, 2] as never), /^deserializeSafetensors: expected a Uint8Array, got an array/],
    ['deserializeSafetensors', () => deserializeSafetensors(serializeSafetensors({}), { require: true } as never), /^deserializeSafetensors: unknown option 'require'/],
    ['deserializeSafetensors', () => deserializeSafetensors(serializeSafetensors({}), 'strict' as never), /^deserializeSafetensors: expected an options object \{requireDigest\}, got string/],
    ['checkpointToBytes', () => checkpointToBytes({ models: {} } as never), /^checkpointToBytes: unknown checkpoint part 'models' \(a checkpoint has model, optimizer, extra, metadata\)/],
    ['checkpointToBytes', () => checkpointToBytes(null as never), /^checkpointToBytes: expected \{ model\?, optimizer\?, extra\?, metadata\? \}, got null/],
    ['checkpointToBytes', () => checkpointToBytes({ model: { w: 'x' as never } }), /^checkpointToBytes: 'w' must be a Tensor, got string/],
    ['checkpointToBytes', () => checkpointToBytes({}, { digest: 'yes' } as never), /^checkpointToBytes: digest must be a boolean, got string/],
    ['checkpointFromBytes', () => checkpointFromBytes(new Uint8Array(3)), /^checkpointFromBytes: the buffer has 3 bytes/],
    ['checkpointFromBytes', () => checkpointFromBytes(checkpointToBytes({}), { allowplain: true } as never), /^checkpointFromBytes: unknown option 'allowplain' \(checkpointFromBytes takes allowPlain, requireDigest\)/],
    ['checkpointFromBytes', () => checkpointFromBytes(checkpointToBytes({}), { requireDigest: 'yes' } as never), /^checkpointFromBytes: requireDigest must be a boolean, got string/],
    ['manualSeed', () => manualSeed('abc' as never), /^manualSeed: the seed must be a safe integer \(\|seed\| <= 2\^53 - 1\), got 'abc' \(a string\)/],
    ['manualSeed', () => manualSeed(2 ** 60), /^manualSeed: the seed must be a safe integer .*got 1152921504606847000/],
    ['manualSeed', () => manualSeed(1.5), /^manualSeed: .*got 1.5/],
    ['Generator', () => new Generator(Number.NaN), /^Generator: the seed must be a safe integer .*got NaN/],
    ['Generator.manualSeed', () => new Generator().manualSeed(undefined as never), /^Generator.manualSeed: .*got undefined/],
    ['Generator.setState', () => new Generator().setState('abc' as never), /^Generator.setState: the state is 'abc' \(a string\): expected \[w0, w1, w2, w3, spare\]/],
    ['Generator.setState', () => new Generator().setState(null as never), /^Generator.setState: the state is null/],
    ['Generator.setState', () => new Generator().setState([1, 2, 3]), /^Generator.setState: the state is an array of 3/],
    ['Generator.setState', () => new Generator().setState([1, 2, 3, -1, null]), /^Generator.setState: the state: word 3 is -1/],
    ['Generator.setState', () => new Generator().setState([1, 2, 3, 4.5, null]), /word 3 is 4.5/],
    ['Generator.setState', () => new Generator().setState([0, 0, 0, 0, null]), /the four words are all 0/],
    ['Generator.setState', () => new Generator().setState([1, 2, 3, 4, Number.NaN]), /the spare normal is NaN/],
    ['Generator.nextInt', () => new Generator().nextInt(0), /^Generator.nextInt: n must be an integer in \[1, 2\^32\], got 0/],
    ['Generator.nextInt', () => new Generator().nextInt(2.5), /got 2.5/],
    ['Generator.nextInt', () => new Generator().nextInt(2 ** 33), /got 8589934592/],
    ['checkpointCallback', () => optim.checkpointCallback({ save: () => {}, evry: 2 } as never), /^checkpointCallback: unknown option 'evry' \(checkpointCallback takes save, every\)/],
    ['checkpointCallback', () => optim.checkpointCallback({ save: 'run.safetensors' } as never), /^checkpointCallback: save must be a function/],
    ['checkpointCallback', () => optim.checkpointCallback({ save: () => {}, every: 0 }), /^checkpointCallback: every must be a positive integer \(epochs\), got 0/],
    ['resume', () => optim.resume(checkpointFromBytes(checkpointToBytes({})), { model: {} } as never), /^resume: model must be an nn.Module, got an object/],
    ['resume', () => optim.resume(checkpointFromBytes(checkpointToBytes({})), { model: makeRun(0).model, schedule: 1 } as never), /^resume: unknown option 'schedule' \(resume takes model, optimizer, scheduler, generator\)/],
    ['resume', () => optim.resume(null as never, { model: makeRun(0).model }), /^resume: expected a checkpoint from loadCheckpoint or checkpointFromBytes, got null/],
    ['resume', () => optim.resume(checkpointFromBytes(checkpointToBytes({})), { model: makeRun(0).model, generator: [1, 2] } as never), /^resume: generator must be a Generator \(new Generator\(seed\)\), got an array/],
  ];
  it.each(cases)('%s: %s', (op, call, pattern) => {
    const err = thrown(call);
    expect(err).toBeInstanceOf(TapegradError);
    expect((err as TapegradError).op).toBe(op);
    expect(err.message).toMatch(pattern);
  });

  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ok.safetensors');
  const asyncCases: [string, () => Promise<unknown>, RegExp][] = [
    ['saveCheckpoint', () => saveCheckpoint(42 as never, {}), /^saveCheckpoint: expected a file path, got 42/],
    ['saveCheckpoint', () => saveCheckpoint(file, { model: { w: 3 as never } }), /^saveCheckpoint: 'w' must be a Tensor, got number$/],
    ['saveCheckpoint', () => saveCheckpoint(file, { extra: { at: new Date(0) } }), /^saveCheckpoint: extra.at is a Date/],
    ['saveCheckpoint', () => saveCheckpoint(file, {}, { digets: false } as never), /^saveCheckpoint: unknown option 'digets' \(saveCheckpoint takes digest\)/],
    ['saveCheckpoint', () => saveCheckpoint(file, {}, { digest: 0 } as never), /^saveCheckpoint: digest must be a boolean, got number/],
    ['loadCheckpoint', () => loadCheckpoint(undefined as never), /^loadCheckpoint: expected a file path, got undefined/],
    ['loadCheckpoint', () => loadCheckpoint(file, { strict: true } as never), /^loadCheckpoint: unknown option 'strict' \(loadCheckpoint takes allowPlain, requireDigest\)/],
    ['loadCheckpoint', () => loadCheckpoint(file, { allowPlain: 'yes' } as never), /^loadCheckpoint: allowPlain must be a boolean, got string/],
    ['loadCheckpoint', () => loadCheckpoint(join(dir, 'missing')), /^loadCheckpoint: cannot read .*missing: no such file or directory$/],
    ['saveSafetensors', () => saveSafetensors('', { w: tensor([1]) }), /^saveSafetensors: expected a file path, got ""/],
    ['saveSafetensors', () => saveSafetensors(file, { w: [1] as never }), /^saveSafetensors: 'w' must be a Tensor, got an array/],
    ['saveSafetensors', () => saveSafetensors(file, {}, undefined, [] as never), /^saveSafetensors: expected an options object \{digest\}, got an array/],
    ['loadSafetensors', () => loadSafetensors(file, { requireDigest: 1 } as never), /^loadSafetensors: requireDigest must be a boolean, got number/],
    ['loadSafetensors', () => loadSafetensors(file, { verify: true } as never), /^loadSafetensors: unknown option 'verify'/],
  ];
  it.each(asyncCases)('%s: %s', async (op, call, pattern) => {
    const err = await call().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TapegradError);
    expect((err as TapegradError).op).toBe(op);
    expect((err as Error).message).toMatch(pattern);
  });

  it('a corrupt file names the path and the tensor', async () => {
    const path = join(dir, 'flipped.safetensors');
    await saveCheckpoint(path, { model: { 'layer.weight': tensor([1, 2, 3]) as Tensor } });
    const b = readFileSync(path);
    b[b.length - 1]! ^= 0x10;
    writeFileSync(path, b);
    const err = await loadCheckpoint(path).then(() => undefined, (e: unknown) => e as Error);
    expect(err!.message).toBe(`loadCheckpoint: ${path} is not a valid checkpoint: tensor 'layer.weight' is corrupt: its bytes have CRC-32C ${crc(b.subarray(b.length - 12))} but the header's digest says ${crc(Buffer.from(new Float32Array([1, 2, 3]).buffer))}`);
  });
});
