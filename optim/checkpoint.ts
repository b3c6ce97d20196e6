/**
 * Tensors to bytes and back in the safetensors format (https://github.com/huggingface/safetensors), and a
 * training checkpoint on top of it: a model's state dict under its PyTorch keys, an optimizer's state and
 * JSON extras in one file that Python's `safetensors.torch.load_file` also reads. No Node.js APIs here:
 * the file functions are in `tapegrad/node`.
 */
import { type DType, type TypedArray, dtypeOfArray } from '../core/dtype.js';
import { TapegradError, check } from '../core/errors.js';
import { fmt, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { OptimizerStateDict } from './optimizer.js';

const OP = 'safetensors';
const CODE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const DTYPE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32' };
const ITEMSIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The tensors and string metadata of a safetensors file. @category Checkpoints */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** @internal Reverses the bytes of each `size`-byte element in place (little- to big-endian and back). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : v instanceof Tensor ? 'a Tensor' : typeof v);

function checkMetadata(op: string, metadata: unknown): asserts metadata is Record<string, string> {
  check(isRecord(metadata), op, () => `__metadata__ must be an object of strings, got ${kind(metadata)}`);
  for (const [k, v] of Object.entries(metadata))
    check(typeof v === 'string', op, () => `__metadata__ values must be strings, '${k}' is ${kind(v)}`);
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file: an 8-byte little-endian header
 * length, a JSON header padded with spaces to 8 bytes, then each tensor's little-endian bytes. Wider
 * dtypes come first so that every tensor is aligned to its element size in the file.
 * @example
 * ```ts
 * const bytes = serializeSafetensors({ weight: ones([2, 3]) }, { format: 'pt' });
 * ```
 * @category Checkpoints
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  check(isRecord(tensors), OP, () => `expected an object of tensors, got ${kind(tensors)}`);
  if (metadata !== undefined) checkMetadata(OP, metadata);
  const entries = Object.entries(tensors);
  for (const [k, t] of entries) {
    check(k !== '__metadata__', OP, () => "'__metadata__' is reserved and cannot name a tensor");
    check(t instanceof Tensor, OP, () => `'${k}' must be a Tensor, got ${kind(t)}`);
    check(dtypeOfArray(t.data) === t.dtype && t.data.length === sizeOf(t.shape), OP, () => `'${k}' is not a well-formed ${t.dtype} tensor`);
  }
  entries.sort(([, a], [, b]) => ITEMSIZE[b.dtype] - ITEMSIZE[a.dtype]); // stable: equal widths keep their order
  const parts: string[] = metadata === undefined ? [] : [`"__metadata__":${JSON.stringify(metadata)}`];
  let offset = 0;
  for (const [k, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(k)}:${JSON.stringify({ dtype: CODE[t.dtype], shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  // Built by hand so that the header lists tensors in file order (JSON.stringify moves integer-like keys first).
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen, true); // < 2^32: the upper 4 bytes stay 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, t] of entries) {
    const d = t.data;
    const dst = out.subarray(pos, pos + d.byteLength);
    dst.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    if (!HOST_LE) swapBytes(dst, d.BYTES_PER_ELEMENT);
    pos += d.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, info: unknown): Entry {
  const bad = (what: string) => new TapegradError(OP, `tensor '${name}': ${what}`);
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

/**
 * Decodes a safetensors file, checking it entirely first: any malformed header, unknown dtype, size that
 * disagrees with the shape, overlap, gap or out-of-range offset throws a {@link TapegradError}. The
 * tensors own copies of their data (they never alias `bytes`).
 * @example
 * ```ts
 * const { tensors, metadata } = deserializeSafetensors(bytes);
 * ```
 * @category Checkpoints
 */
export function deserializeSafetensors(bytes: Uint8Array): Safetensors {
  check(bytes instanceof Uint8Array, OP, () => `expected a Uint8Array, got ${kind(bytes)}`);
  check(bytes.length >= 8, OP, () => `the buffer has ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  check(headerLen <= BigInt(bytes.length - 8), OP, () =>
    `the header length is ${headerLen} bytes but only ${bytes.length - 8} follow it (truncated or not a safetensors file)`,
  );
  const dataStart = 8 + Number(headerLen);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw new TapegradError(OP, 'the header is not valid UTF-8');
  }
  check(text.startsWith('{'), OP, () => `the header must be a JSON object, it starts with ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new TapegradError(OP, `the header is not valid JSON (${(e as Error).message})`);
  }
  check(isRecord(header), OP, () => `the header must be a JSON object, got ${kind(header)}`);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== '__metadata__') entries.push(parseEntry(name, info));
    else {
      checkMetadata(OP, info);
      metadata = { ...info };
    }
  }
  const dataLen = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    check(e.end <= dataLen, OP, () =>
      `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] go past the end of the data (${dataLen} bytes; truncated file?)`,
    );
    check(e.begin >= expected, OP, () => `tensor '${e.name}' [${e.begin}, ${e.end}] overlaps tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`);
    check(e.begin === expected, OP, () => `a gap of ${e.begin - expected} bytes before tensor '${e.name}' (data_offsets must be contiguous)`);
    expected = e.end;
    prev = e;
  }
  check(expected === dataLen, OP, () => `${dataLen - expected} bytes after the last tensor are not described by the header`);
  const tensors = entries.map((e): [string, Tensor] => {
    const raw = new Uint8Array(e.end - e.begin); // a fresh, aligned copy: never a view of `bytes`
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!HOST_LE) swapBytes(raw, ITEMSIZE[e.dtype]);
    return [e.name, new Tensor(typedView(e.dtype, raw), e.shape, e.dtype)];
  });
  // Object.fromEntries defines own properties, so even a tensor named '__proto__' stays a plain key.
  return { tensors: Object.fromEntries(tensors), metadata };
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

const CK = 'checkpoint';
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

/** Options of {@link checkpointFromBytes}. @category Checkpoints */
export interface CheckpointLoadOptions {
  /** Accept a plain safetensors file (no `tapegrad.format` tag) and return its tensors as `model`. */
  allowPlain?: boolean;
}

// NaN and the infinities (a diverged loss in a history) have no JSON form: they are written as
// {"$float": "NaN"} and read back as numbers.
const FLOAT_TAG = '$float';
const isFloatTag = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.keys(v).length === 1 && ['NaN', 'Infinity', '-Infinity'].includes(v[FLOAT_TAG] as string);

/** JSON text of `value`, refusing (with the path) anything JSON would drop or change silently. */
function toJson(value: unknown, path: string): string {
  const seen = new Set<object>();
  const visit = (v: unknown, p: string): string => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : `{"${FLOAT_TAG}":"${v}"}`;
    check(typeof v === 'object', CK, () => `${p} is ${kind(v)}, which JSON cannot hold`);
    check(!(v instanceof Tensor), CK, () => `${p} is a Tensor: tensors belong in model or in the optimizer state`);
    check(!seen.has(v), CK, () => `${p} refers back to itself`);
    seen.add(v);
    let text: string;
    if (Array.isArray(v)) {
      const items = Array.from(v, (x: unknown, i) => {
        check(x !== undefined, CK, () => `${p}[${i}] is undefined, which JSON cannot hold`);
        return visit(x, `${p}[${i}]`);
      });
      text = `[${items.join(',')}]`;
    } else {
      const proto = Object.getPrototypeOf(v);
      check(proto === Object.prototype || proto === null, CK, () => `${p} is a ${v.constructor?.name ?? 'object'}, not a plain object or array`);
      check(!isFloatTag(v), CK, () => `${p}: an object {"${FLOAT_TAG}": ...} is reserved (it stands for NaN and infinities)`);
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
 * rest as JSON in the header's `__metadata__` (`tapegrad.format`, `tapegrad.optimizer`, `tapegrad.extra`).
 * @example
 * ```ts
 * const bytes = checkpointToBytes({ model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 3 } });
 * ```
 * @category Checkpoints
 */
export function checkpointToBytes(checkpoint: Checkpoint): Uint8Array {
  check(isRecord(checkpoint), CK, () => `expected { model?, optimizer?, extra?, metadata? }, got ${kind(checkpoint)}`);
  const { model = {}, optimizer, extra, metadata = {} } = checkpoint;
  check(isRecord(model), CK, () => `model must be an object of tensors (a state dict), got ${kind(model)}`);
  checkMetadata(CK, metadata);
  const tensors = { ...model } as Record<string, Tensor>;
  for (const k of Object.keys(model)) check(!k.startsWith(OPT_PREFIX), CK, () => `model key '${k}': the prefix '${OPT_PREFIX}' is reserved`);
  for (const k of Object.keys(metadata)) check(!k.startsWith('tapegrad.'), CK, () => `metadata key '${k}': the prefix 'tapegrad.' is reserved`);
  const meta: Record<string, string> = { 'tapegrad.format': CHECKPOINT_FORMAT };
  if (optimizer !== undefined) {
    check(isRecord(optimizer) && isRecord(optimizer.state) && Array.isArray(optimizer.paramGroups), CK, () =>
      `optimizer must be an optimizer's stateDict() ({ state, paramGroups }), got ${kind(optimizer)}`,
    );
    const state: Record<string, Record<string, unknown>> = {};
    const names: Record<string, string[]> = {};
    for (const [i, entry] of Object.entries(optimizer.state)) {
      check(INDEX.test(i), CK, () => `optimizer state keys must be parameter indices, got '${i}'`);
      check(isRecord(entry), CK, () => `optimizer.state[${i}] must be an object, got ${kind(entry)}`);
      state[i] = {};
      names[i] = [];
      for (const [name, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          tensors[`${STATE_PREFIX}${i}.${name}`] = v;
          names[i]!.push(name);
        } else if (v !== undefined) setOwn(state[i]!, name, v);
      }
    }
    optimizer.paramGroups.forEach((g, gi) => checkGroup(g, gi));
    meta['tapegrad.optimizer'] = toJson({ state, tensors: names, paramGroups: optimizer.paramGroups }, 'optimizer');
  }
  if (extra !== undefined) {
    check(isRecord(extra), CK, () => `extra must be a plain object, got ${kind(extra)}`);
    meta['tapegrad.extra'] = toJson(extra, 'extra');
  }
  return serializeSafetensors(tensors, { ...meta, ...metadata });
}

function checkGroup(g: unknown, gi: number): void {
  check(isRecord(g), CK, () => `optimizer paramGroups[${gi}] must be an object, got ${kind(g)}`);
  if ('params' in g)
    check(Array.isArray(g.params) && g.params.every(isCount), CK, () =>
      `optimizer paramGroups[${gi}].params must be parameter indices, got ${JSON.stringify(g.params)}`,
    );
}

function parseJsonMeta(key: string, text: string): unknown {
  try {
    return JSON.parse(text, (_, v: unknown) => (isFloatTag(v) ? Number(v[FLOAT_TAG]) : v));
  } catch (e) {
    throw new TapegradError(CK, `metadata '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

function readOptimizer(text: string, tensors: Record<string, Tensor>, used: Set<string>): OptimizerStateDict {
  const parsed = parseJsonMeta('tapegrad.optimizer', text);
  check(isRecord(parsed) && isRecord(parsed.state) && isRecord(parsed.tensors) && Array.isArray(parsed.paramGroups), CK, () =>
    "metadata 'tapegrad.optimizer' must hold { state, tensors, paramGroups }",
  );
  const state: Record<string, Record<string, unknown>> = {};
  for (const [i, entry] of Object.entries(parsed.state)) {
    check(INDEX.test(i) && isRecord(entry), CK, () => `optimizer state '${i}' must be an object under a parameter index`);
    state[i] = { ...entry };
  }
  for (const [i, names] of Object.entries(parsed.tensors)) {
    check(INDEX.test(i) && Array.isArray(names) && names.every((n) => typeof n === 'string'), CK, () =>
      `optimizer tensors '${i}' must be a list of names under a parameter index`,
    );
    const entry = (state[i] ??= {});
    for (const name of names as string[]) {
      const key = `${STATE_PREFIX}${i}.${name}`;
      const t = tensors[key];
      check(t !== undefined && Object.hasOwn(tensors, key), CK, () => `optimizer tensor '${key}' is missing from the file`);
      check(!Object.hasOwn(entry, name) && !used.has(key), CK, () => `optimizer state ${i} has '${name}' twice`);
      setOwn(entry, name, t);
      used.add(key);
    }
  }
  parsed.paramGroups.forEach((g, gi) => checkGroup(g, gi));
  return { state, paramGroups: parsed.paramGroups as OptimizerStateDict['paramGroups'] };
}

/**
 * Decodes a checkpoint written by {@link checkpointToBytes}, checking the file and the format tag. A plain
 * safetensors file (no `tapegrad.format`) is refused unless `allowPlain` is set: then all its tensors are
 * the model.
 * @example
 * ```ts
 * const ck = checkpointFromBytes(bytes);
 * net.loadStateDict(ck.model);
 * if (ck.optimizer) opt.loadStateDict(ck.optimizer);
 * ```
 * @category Checkpoints
 */
export function checkpointFromBytes(bytes: Uint8Array, opts: CheckpointLoadOptions = {}): LoadedCheckpoint {
  const { tensors, metadata } = deserializeSafetensors(bytes);
  const tag = metadata['tapegrad.format'];
  if (tag === undefined) {
    check(opts.allowPlain, CK, () =>
      "not a tapegrad checkpoint: a plain safetensors file (its __metadata__ has no 'tapegrad.format'); " +
      'pass { allowPlain: true } to read its tensors as the model, or use deserializeSafetensors',
    );
    return { model: tensors, metadata };
  }
  check(tag === CHECKPOINT_FORMAT, CK, () => `unsupported format '${tag}' (this version of tapegrad reads '${CHECKPOINT_FORMAT}')`);
  const out: LoadedCheckpoint = { model: {}, metadata: {} };
  const used = new Set<string>();
  const optText = metadata['tapegrad.optimizer'];
  if (optText !== undefined) out.optimizer = readOptimizer(optText, tensors, used);
  const extraText = metadata['tapegrad.extra'];
  if (extraText !== undefined) {
    const extra = parseJsonMeta('tapegrad.extra', extraText);
    check(isRecord(extra), CK, () => `metadata 'tapegrad.extra' must be a JSON object, got ${kind(extra)}`);
    out.extra = extra;
  }
  const model: [string, Tensor][] = [];
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith(OPT_PREFIX)) model.push([k, t]);
    else check(used.has(k), CK, () => `tensor '${k}' is not part of the saved optimizer state`);
  }
  out.model = Object.fromEntries(model);
  out.metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('tapegrad.')));
  return out;
}
