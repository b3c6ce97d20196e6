/**
 * Tensors to bytes and back in the safetensors format (https://github.com/huggingface/safetensors), and a
 * training checkpoint on top of it: a model's state dict under its PyTorch keys, an optimizer's state and
 * JSON extras in one file that Python's `safetensors.torch.load_file` also reads. Files carry a CRC-32C
 * digest of their header and of each tensor in `__metadata__`, checked on load. No Node.js APIs here: the
 * file functions are in `tapegrad/node`.
 */
import { crc32c, hex32 } from '../core/digest.js';
import { type DType, type TypedArray, dtypeOfArray } from '../core/dtype.js';
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { fmt, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { OptimizerStateDict } from './optimizer.js';

const CODE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const DTYPE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32' };
const ITEMSIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// The digest: the first entry of the header (so at a fixed offset) is the CRC-32C of the whole header, the
// 8-byte length included, with its own 8 hex digits read as '0's; the second holds each tensor's CRC-32C.
// Either key, found by the reader, makes the digest required, so no single flipped bit can hide it.
const DIGEST_KEY = 'tapegrad.digest';
const DIGESTS_KEY = 'tapegrad.digests';
const DIGEST_PREFIX = `{"__metadata__":{"${DIGEST_KEY}":"crc32c:`;
const DIGEST_AT = 8 + DIGEST_PREFIX.length; // byte offset of the header digest's hex digits in the file
const HAS_DIGEST = /[{,\s]"tapegrad\.digests?"\s*:/;
const HEX8 = /^[0-9a-f]{8}$/;
/** How deeply JSON in a header or in checkpoint metadata may nest (deeper input is refused, not overflowed). */
const MAX_DEPTH = 512;

/** The tensors and string metadata of a safetensors file. @category Checkpoints */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options of {@link serializeSafetensors} and {@link checkpointToBytes}. @category Checkpoints */
export interface SafetensorsWriteOptions {
  /**
   * Store a CRC-32C digest of the header and of every tensor in `__metadata__` (`tapegrad.digest`,
   * `tapegrad.digests`; default true), which loading checks. Other safetensors readers ignore it.
   */
  digest?: boolean;
}

/** Options of {@link deserializeSafetensors}. @category Checkpoints */
export interface SafetensorsReadOptions {
  /**
   * Refuse a file without a digest, as other safetensors writers make (default false: such a file loads
   * unchecked). A file with a digest is always checked.
   */
  requireDigest?: boolean;
}

/** @internal Reverses the bytes of each `size`-byte element in place (little- to big-endian and back). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : v instanceof Tensor ? 'a Tensor' : v instanceof Uint8Array ? 'a Uint8Array' : typeof v);

function checkMetadata(op: string, metadata: unknown): asserts metadata is Record<string, string> {
  check(isRecord(metadata), op, () => `__metadata__ must be an object of strings, got ${kind(metadata)}`);
  for (const [k, v] of Object.entries(metadata))
    check(typeof v === 'string', op, () => `__metadata__ values must be strings, '${k}' is ${kind(v)}`);
}

/** The deepest nesting of arrays and objects in JSON text (strings skipped), without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** The file's little-endian bytes of a tensor (a view on little-endian hosts). */
function leBytes(t: Tensor): Uint8Array {
  const d = t.data;
  const view = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (HOST_LE) return view;
  const copy = view.slice();
  swapBytes(copy, d.BYTES_PER_ELEMENT);
  return copy;
}

function encode(op: string, tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined, digest: boolean): Uint8Array {
  check(isRecord(tensors), op, () => `expected an object of tensors, got ${kind(tensors)}`);
  if (metadata !== undefined) checkMetadata(op, metadata);
  const entries = Object.entries(tensors);
  for (const [k, t] of entries) {
    check(k !== '__metadata__', op, () => "'__metadata__' is reserved and cannot name a tensor");
    check(k !== DIGEST_KEY && k !== DIGESTS_KEY, op, () => `'${k}' is reserved for the digest and cannot name a tensor`);
    check(t instanceof Tensor, op, () => `'${k}' must be a Tensor, got ${kind(t)}`);
    check(dtypeOfArray(t.data) === t.dtype && t.data.length === sizeOf(t.shape), op, () => `'${k}' is not a well-formed ${t.dtype} tensor`);
  }
  for (const k of Object.keys(metadata ?? {}))
    check(k !== DIGEST_KEY && k !== DIGESTS_KEY, op, () => `metadata key '${k}' is reserved for the digest`);
  entries.sort(([, a], [, b]) => ITEMSIZE[b.dtype] - ITEMSIZE[a.dtype]); // stable: equal widths keep their order
  const data = entries.map(([, t]) => leBytes(t));
  // Built by hand so that the header lists entries in the order written (JSON.stringify moves integer-like keys first).
  const meta = Object.entries(metadata ?? {}).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  if (digest) {
    const sums = entries.map(([k], i) => `${JSON.stringify(k)}:"${hex32(crc32c(data[i]!))}"`);
    meta.unshift(`"${DIGEST_KEY}":"crc32c:00000000"`, `"${DIGESTS_KEY}":${JSON.stringify(`{${sums.join(',')}}`)}`);
  }
  const parts: string[] = metadata === undefined && !digest ? [] : [`"__metadata__":{${meta.join(',')}}`];
  let offset = 0;
  for (const [k, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(k)}:${JSON.stringify({ dtype: CODE[t.dtype], shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setUint32(0, headerLen, true); // < 2^32: the upper 4 bytes stay 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  if (digest) out.set(new TextEncoder().encode(hex32(crc32c(out.subarray(0, 8 + headerLen)))), DIGEST_AT);
  let pos = 8 + headerLen;
  for (const d of data) {
    out.set(d, pos);
    pos += d.length;
  }
  return out;
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file: an 8-byte little-endian header
 * length, a JSON header padded with spaces to 8 bytes, then each tensor's little-endian bytes. Wider
 * dtypes come first so that every tensor is aligned to its element size in the file. Unless
 * `{ digest: false }`, the header's `__metadata__` starts with a CRC-32C digest of the header and of each
 * tensor, which {@link deserializeSafetensors} checks (other readers ignore it).
 * @example
 * ```ts
 * const bytes = serializeSafetensors({ weight: ones([2, 3]) }, { format: 'pt' });
 * const plain = serializeSafetensors({ weight: ones([2, 3]) }, undefined, { digest: false });
 * ```
 * @category Checkpoints
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>, opts: SafetensorsWriteOptions = {}): Uint8Array {
  const op = 'serializeSafetensors';
  checkOptions(op, opts, ['digest']);
  check(opts.digest === undefined || typeof opts.digest === 'boolean', op, () => `digest must be a boolean, got ${kind(opts.digest)}`);
  return encode(op, tensors, metadata, opts.digest ?? true);
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(op: string, name: string, info: unknown): Entry {
  const bad = (what: string) => new TapegradError(op, `tensor '${name}': ${what}`);
  if (!isRecord(info)) throw bad(`expected {dtype, shape, data_offsets}, got ${kind(info)}`);
  const { dtype: code, shape, data_offsets: offsets } = info;
  if (typeof code !== 'string') throw bad(`dtype must be a string, got ${kind(code)}`);
  const dtype = DTYPE[code];
  if (dtype === undefined) throw bad(`unknown or unsupported dtype '${code}' (tapegrad reads F32, F64 and I32)`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1])
    throw bad(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  const numel = shape.reduce((a: number, b: number) => a * b, 1);
  const bytes = numel * ITEMSIZE[dtype];
  const [begin, end] = offsets as [number, number];
  if (!Number.isSafeInteger(bytes) || bytes !== end - begin)
    throw bad(`shape ${fmt(shape)} of ${code} needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  return { name, dtype, shape, begin, end };
}

/** Checks the header digest (see DIGEST_PREFIX) against the file's first `dataStart` bytes. */
function checkHeaderDigest(op: string, bytes: Uint8Array, text: string, dataStart: number, metadata: Record<string, string>): void {
  const stored = text.slice(DIGEST_PREFIX.length, DIGEST_PREFIX.length + 8);
  check(text.startsWith(DIGEST_PREFIX) && HEX8.test(stored) && text[DIGEST_PREFIX.length + 8] === '"' && metadata[DIGEST_KEY] === `crc32c:${stored}`, op, () =>
    `the header is corrupt: it has a digest entry, but not the first in __metadata__ as '${DIGEST_KEY}': 'crc32c:<8 hex digits>'`,
  );
  const copy = bytes.slice(0, dataStart);
  copy.fill(0x30, DIGEST_AT, DIGEST_AT + 8);
  const actual = hex32(crc32c(copy));
  check(actual === stored, op, () => `the header is corrupt: its CRC-32C is ${actual} but its digest says ${stored}`);
}

/** Each tensor's stored CRC-32C from a header whose own digest was checked. */
function readDigests(op: string, metadata: Record<string, string>, entries: readonly Entry[]): Map<string, string> {
  const text = metadata[DIGESTS_KEY];
  let sums: unknown;
  try {
    sums = text === undefined ? undefined : JSON.parse(text);
  } catch {
    sums = undefined;
  }
  const names = entries.map((e) => e.name);
  check(isRecord(sums) && Object.keys(sums).length === names.length && names.every((n) => Object.hasOwn(sums, n) && HEX8.test(String(sums[n]))), op, () =>
    `the header is corrupt: '${DIGESTS_KEY}' must map each of its ${names.length} tensors to 8 hex digits`,
  );
  return new Map(names.map((n) => [n, sums[n] as string]));
}

function decode(op: string, bytes: Uint8Array, requireDigest: boolean): Safetensors {
  check(bytes instanceof Uint8Array, op, () => `expected a Uint8Array, got ${kind(bytes)}`);
  check(bytes.length >= 8, op, () => `the buffer has ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  check(headerLen <= BigInt(bytes.length - 8), op, () =>
    `the header length is ${headerLen} bytes but only ${bytes.length - 8} follow it (truncated or not a safetensors file)`,
  );
  const dataStart = 8 + Number(headerLen);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw new TapegradError(op, 'the header is not valid UTF-8');
  }
  check(text.startsWith('{'), op, () => `the header must be a JSON object, it starts with ${JSON.stringify(text.slice(0, 16))}`);
  const depth = jsonDepth(text);
  check(depth <= MAX_DEPTH, op, () => `the header's JSON nests ${depth} levels deep, more than the ${MAX_DEPTH} tapegrad reads`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new TapegradError(op, `the header is not valid JSON (${(e as Error).message})`);
  }
  check(isRecord(header), op, () => `the header must be a JSON object, got ${kind(header)}`);
  const rawMeta = header.__metadata__;
  // The digest first: a damaged header is reported as such, whatever else the damage did to it.
  const hasDigest = HAS_DIGEST.test(text);
  if (hasDigest) checkHeaderDigest(op, bytes, text, dataStart, (isRecord(rawMeta) ? rawMeta : {}) as Record<string, string>);
  else
    check(!requireDigest, op, () =>
      'the file has no digest (it was written by another safetensors writer or without one) and requireDigest is set',
    );
  if (rawMeta !== undefined) checkMetadata(op, rawMeta);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== '__metadata__') entries.push(parseEntry(op, name, info));
    else metadata = Object.fromEntries(Object.entries(info as Record<string, string>).filter(([k]) => k !== DIGEST_KEY && k !== DIGESTS_KEY));
  }
  const sums = hasDigest ? readDigests(op, rawMeta as Record<string, string>, entries) : undefined;
  const dataLen = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    check(e.end <= dataLen, op, () =>
      `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] go past the end of the data (${dataLen} bytes; truncated file?)`,
    );
    check(e.begin >= expected, op, () => `tensor '${e.name}' [${e.begin}, ${e.end}] overlaps tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`);
    check(e.begin === expected, op, () => `a gap of ${e.begin - expected} bytes before tensor '${e.name}' (data_offsets must be contiguous)`);
    expected = e.end;
    prev = e;
  }
  check(expected === dataLen, op, () => `${dataLen - expected} bytes after the last tensor are not described by the header`);
  const tensors = entries.map((e): [string, Tensor] => {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (sums) {
      const actual = hex32(crc32c(src));
      check(actual === sums.get(e.name), op, () =>
        `tensor '${e.name}' is corrupt: its bytes have CRC-32C ${actual} but the header's digest says ${sums.get(e.name)}`,
      );
    }
    const raw = new Uint8Array(e.end - e.begin); // a fresh, aligned copy: never a view of `bytes`
    raw.set(src);
    if (!HOST_LE) swapBytes(raw, ITEMSIZE[e.dtype]);
    return [e.name, new Tensor(typedView(e.dtype, raw), e.shape, e.dtype)];
  });
  // Object.fromEntries defines own properties, so even a tensor named '__proto__' stays a plain key.
  return { tensors: Object.fromEntries(tensors), metadata };
}

/**
 * Decodes a safetensors file, checking it entirely first: any malformed header, unknown dtype, size that
 * disagrees with the shape, overlap, gap or out-of-range offset throws a {@link TapegradError}. A file
 * with a digest (see {@link serializeSafetensors}) must match it, or the error names the corrupt tensor or
 * the header; one without (from other writers) loads unless `requireDigest` is set. The digest entries
 * are not returned in `metadata`. The tensors own copies of their data (they never alias `bytes`).
 * @example
 * ```ts
 * const { tensors, metadata } = deserializeSafetensors(bytes);
 * deserializeSafetensors(bytes, { requireDigest: true }); // refuses a file without a digest
 * ```
 * @category Checkpoints
 */
export function deserializeSafetensors(bytes: Uint8Array, opts: SafetensorsReadOptions = {}): Safetensors {
  const op = 'deserializeSafetensors';
  checkOptions(op, opts, ['requireDigest']);
  check(opts.requireDigest === undefined || typeof opts.requireDigest === 'boolean', op, () => `requireDigest must be a boolean, got ${kind(opts.requireDigest)}`);
  return decode(op, bytes, opts.requireDigest ?? false);
}

function typedView(dtype: DType, raw: Uint8Array): TypedArray {
  const n = raw.length / ITEMSIZE[dtype];
  if (dtype === 'float64') return new Float64Array(raw.buffer, 0, n);
  return dtype === 'float32' ? new Float32Array(raw.buffer, 0, n) : new Int32Array(raw.buffer, 0, n);
}

/** Sets an own property, even one named '__proto__'. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- checkpoints ----------------------------------------------------------------------------------------

/** The `tapegrad.format` tag of the checkpoints this version writes and reads. @category Checkpoints */
export const CHECKPOINT_FORMAT = 'tapegrad-checkpoint/1';
const OPT_PREFIX = '__optimizer__.';
const STATE_PREFIX = '__optimizer__.state.';
const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * What a checkpoint holds: a model's {@link nn.Module.stateDict} (stored under its PyTorch keys as-is), an
 * optimizer's {@link optim.Optimizer.stateDict}, extras made of numbers (NaN and infinities included),
 * strings, booleans, null, arrays and plain objects (epoch, loss history, generator state), and free string
 * metadata (as `{ format: 'pt' }` for Hugging Face tools). Every part is optional.
 * @category Checkpoints
 */
export interface Checkpoint {
  model?: Record<string, Tensor>;
  optimizer?: OptimizerStateDict<object, object>;
  extra?: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/** A checkpoint as read back: `model` is always there (empty when none was saved). @category Checkpoints */
export interface LoadedCheckpoint {
  model: Record<string, Tensor>;
  // biome-ignore lint: the optimizer checks the state against its parameters when it loads it.
  optimizer?: OptimizerStateDict<any, any>;
  extra?: Record<string, unknown>;
  metadata: Record<string, string>;
}

/** Options of {@link checkpointFromBytes} (and `loadCheckpoint` in `tapegrad/node`). @category Checkpoints */
export interface CheckpointLoadOptions {
  /** Accept a plain safetensors file (no `tapegrad.format` tag) and return its tensors as `model`. */
  allowPlain?: boolean;
  /**
   * Refuse a file without a digest (default false: a checkpoint of an older tapegrad, or a plain file with
   * `allowPlain`, loads unchecked). A file with a digest is always checked.
   */
  requireDigest?: boolean;
}

// NaN and the infinities (a diverged loss in a history) have no JSON form: they are written as
// {"$float": "NaN"} and read back as numbers.
const FLOAT_TAG = '$float';
const isFloatTag = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.keys(v).length === 1 && ['NaN', 'Infinity', '-Infinity'].includes(v[FLOAT_TAG] as string);

/** JSON text of `value`, refusing (with the path) anything JSON would drop or change silently. */
function toJson(op: string, value: unknown, path: string): string {
  const seen = new Set<object>();
  const visit = (v: unknown, p: string): string => {
    if (seen.size >= MAX_DEPTH && typeof v === 'object' && v !== null)
      throw new TapegradError(op, `${path} nests more than ${MAX_DEPTH} levels deep (at ${p.slice(0, 60)}...), more than tapegrad reads back`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : `{"${FLOAT_TAG}":"${v}"}`;
    check(typeof v === 'object', op, () => `${p} is ${kind(v)}, which JSON cannot hold`);
    check(!(v instanceof Tensor), op, () => `${p} is a Tensor: tensors belong in model or in the optimizer state`);
    check(!seen.has(v), op, () => `${p} refers back to itself`);
    seen.add(v);
    let text: string;
    if (Array.isArray(v)) {
      const items = Array.from(v, (x: unknown, i) => {
        check(x !== undefined, op, () => `${p}[${i}] is undefined, which JSON cannot hold`);
        return visit(x, `${p}[${i}]`);
      });
      text = `[${items.join(',')}]`;
    } else {
      const proto = Object.getPrototypeOf(v);
      check(proto === Object.prototype || proto === null, op, () => `${p} is a ${v.constructor?.name ?? 'object'}, not a plain object or array`);
      check(!isFloatTag(v), op, () => `${p}: an object {"${FLOAT_TAG}": ...} is reserved (it stands for NaN and infinities)`);
      const fields = Object.entries(v).filter(([, x]) => x !== undefined);
      text = `{${fields.map(([k, x]) => `${JSON.stringify(k)}:${visit(x, `${p}.${k}`)}`).join(',')}}`;
    }
    seen.delete(v);
    return text;
  };
  return visit(value, path);
}

/**
 * Encodes a checkpoint as safetensors bytes. Model tensors keep their keys, so in Python
 * `load_file(path)` gives a dict for `model.load_state_dict` (drop the `__optimizer__.` keys first when
 * the optimizer was saved too); optimizer tensors go under `__optimizer__.state.<index>.<name>`, and the
 * rest as JSON in the header's `__metadata__` (`tapegrad.format`, `tapegrad.optimizer`, `tapegrad.extra`),
 * after the CRC-32C digest of the header and of each tensor (see {@link serializeSafetensors}; leave it
 * out with `{ digest: false }`). Extras nested deeper than 512 levels are refused.
 * @example
 * ```ts
 * const bytes = checkpointToBytes({ model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 3 } });
 * ```
 * @category Checkpoints
 */
export function checkpointToBytes(checkpoint: Checkpoint, opts: SafetensorsWriteOptions = {}): Uint8Array {
  const op = 'checkpointToBytes';
  checkOptions(op, opts, ['digest']);
  check(opts.digest === undefined || typeof opts.digest === 'boolean', op, () => `digest must be a boolean, got ${kind(opts.digest)}`);
  check(isRecord(checkpoint), op, () => `expected { model?, optimizer?, extra?, metadata? }, got ${kind(checkpoint)}`);
  for (const key of Object.keys(checkpoint))
    check(['model', 'optimizer', 'extra', 'metadata'].includes(key), op, () => `unknown checkpoint part '${key}' (a checkpoint has model, optimizer, extra, metadata)`);
  const { model = {}, optimizer, extra, metadata = {} } = checkpoint;
  check(isRecord(model), op, () => `model must be an object of tensors (a state dict), got ${kind(model)}`);
  checkMetadata(op, metadata);
  const tensors = { ...model } as Record<string, Tensor>;
  for (const k of Object.keys(model)) check(!k.startsWith(OPT_PREFIX), op, () => `model key '${k}': the prefix '${OPT_PREFIX}' is reserved`);
  for (const k of Object.keys(metadata)) check(!k.startsWith('tapegrad.'), op, () => `metadata key '${k}': the prefix 'tapegrad.' is reserved`);
  const meta: Record<string, string> = { 'tapegrad.format': CHECKPOINT_FORMAT };
  if (optimizer !== undefined) {
    check(isRecord(optimizer) && isRecord(optimizer.state) && Array.isArray(optimizer.paramGroups), op, () =>
      `optimizer must be an optimizer's stateDict() ({ state, paramGroups }), got ${kind(optimizer)}`,
    );
    const state: Record<string, Record<string, unknown>> = {};
    const names: Record<string, string[]> = {};
    for (const [i, entry] of Object.entries(optimizer.state)) {
      check(INDEX.test(i), op, () => `optimizer state keys must be parameter indices, got '${i}'`);
      check(isRecord(entry), op, () => `optimizer.state[${i}] must be an object, got ${kind(entry)}`);
      state[i] = {};
      names[i] = [];
      for (const [name, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          tensors[`${STATE_PREFIX}${i}.${name}`] = v;
          names[i]!.push(name);
        } else if (v !== undefined) setOwn(state[i]!, name, v);
      }
    }
    optimizer.paramGroups.forEach((g, gi) => checkGroup(op, g, gi));
    meta['tapegrad.optimizer'] = toJson(op, { state, tensors: names, paramGroups: optimizer.paramGroups }, 'optimizer');
  }
  if (extra !== undefined) {
    check(isRecord(extra), op, () => `extra must be a plain object, got ${kind(extra)}`);
    meta['tapegrad.extra'] = toJson(op, extra, 'extra');
  }
  return encode(op, tensors, { ...meta, ...metadata }, opts.digest ?? true);
}

function checkGroup(op: string, g: unknown, gi: number): void {
  check(isRecord(g), op, () => `optimizer paramGroups[${gi}] must be an object, got ${kind(g)}`);
  if ('params' in g)
    check(Array.isArray(g.params) && g.params.every(isCount), op, () =>
      `optimizer paramGroups[${gi}].params must be parameter indices, got ${JSON.stringify(g.params)}`,
    );
}

function parseJsonMeta(op: string, key: string, text: string): unknown {
  const depth = jsonDepth(text);
  check(depth <= MAX_DEPTH, op, () => `metadata '${key}' nests ${depth} levels deep, more than the ${MAX_DEPTH} tapegrad reads`);
  try {
    return JSON.parse(text, (_, v: unknown) => (isFloatTag(v) ? Number(v[FLOAT_TAG]) : v));
  } catch (e) {
    throw new TapegradError(op, `metadata '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

function readOptimizer(op: string, text: string, tensors: Record<string, Tensor>, used: Set<string>): OptimizerStateDict {
  const parsed = parseJsonMeta(op, 'tapegrad.optimizer', text);
  check(isRecord(parsed) && isRecord(parsed.state) && isRecord(parsed.tensors) && Array.isArray(parsed.paramGroups), op, () =>
    "metadata 'tapegrad.optimizer' must hold { state, tensors, paramGroups }",
  );
  const state: Record<string, Record<string, unknown>> = {};
  for (const [i, entry] of Object.entries(parsed.state)) {
    check(INDEX.test(i) && isRecord(entry), op, () => `optimizer state '${i}' must be an object under a parameter index`);
    state[i] = { ...entry };
  }
  for (const [i, names] of Object.entries(parsed.tensors)) {
    check(INDEX.test(i) && Array.isArray(names) && names.every((n) => typeof n === 'string'), op, () =>
      `optimizer tensors '${i}' must be a list of names under a parameter index`,
    );
    const entry = (state[i] ??= {});
    for (const name of names as string[]) {
      const key = `${STATE_PREFIX}${i}.${name}`;
      const t = tensors[key];
      check(t !== undefined && Object.hasOwn(tensors, key), op, () => `optimizer tensor '${key}' is missing from the file`);
      check(!Object.hasOwn(entry, name) && !used.has(key), op, () => `optimizer state ${i} has '${name}' twice`);
      setOwn(entry, name, t);
      used.add(key);
    }
  }
  parsed.paramGroups.forEach((g, gi) => checkGroup(op, g, gi));
  return { state, paramGroups: parsed.paramGroups as OptimizerStateDict['paramGroups'] };
}

/**
 * Decodes a checkpoint written by {@link checkpointToBytes}, checking the file and the format tag. A plain
 * safetensors file (no `tapegrad.format`) is refused unless `allowPlain` is set: then all its tensors are
 * the model. The digest is checked as by {@link deserializeSafetensors}: a corrupt file throws naming the
 * tensor or the header; one without a digest loads unless `requireDigest` is set.
 * @example
 * ```ts
 * const ck = checkpointFromBytes(bytes);
 * net.loadStateDict(ck.model);
 * if (ck.optimizer) opt.loadStateDict(ck.optimizer);
 * checkpointFromBytes(bytes, { requireDigest: true }); // refuses a file without a digest
 * ```
 * @category Checkpoints
 */
export function checkpointFromBytes(bytes: Uint8Array, opts: CheckpointLoadOptions = {}): LoadedCheckpoint {
  const op = 'checkpointFromBytes';
  checkOptions(op, opts, ['allowPlain', 'requireDigest']);
  for (const key of ['allowPlain', 'requireDigest'] as const)
    check(opts[key] === undefined || typeof opts[key] === 'boolean', op, () => `${key} must be a boolean, got ${kind(opts[key])}`);
  const { tensors, metadata } = decode(op, bytes, opts.requireDigest ?? false);
  const tag = metadata['tapegrad.format'];
  if (tag === undefined) {
    check(opts.allowPlain, op, () =>
      "not a tapegrad checkpoint: a plain safetensors file (its __metadata__ has no 'tapegrad.format'); " +
      'pass { allowPlain: true } to read its tensors as the model, or use deserializeSafetensors',
    );
    return { model: tensors, metadata };
  }
  check(tag === CHECKPOINT_FORMAT, op, () => `unsupported format '${tag}' (this version of tapegrad reads '${CHECKPOINT_FORMAT}')`);
  const out: LoadedCheckpoint = { model: {}, metadata: {} };
  const used = new Set<string>();
  const optText = metadata['tapegrad.optimizer'];
  if (optText !== undefined) out.optimizer = readOptimizer(op, optText, tensors, used);
  const extraText = metadata['tapegrad.extra'];
  if (extraText !== undefined) {
    const extra = parseJsonMeta(op, 'tapegrad.extra', extraText);
    check(isRecord(extra), op, () => `metadata 'tapegrad.extra' must be a JSON object, got ${kind(extra)}`);
    out.extra = extra;
  }
  const model: [string, Tensor][] = [];
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith(OPT_PREFIX)) model.push([k, t]);
    else check(used.has(k), op, () => `tensor '${k}' is not part of the saved optimizer state`);
  }
  out.model = Object.fromEntries(model);
  out.metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('tapegrad.')));
  return out;
}
