/**
 * tapegrad's file functions for Node.js: checkpoints and safetensors files on disk, written atomically.
 * Import them from `tapegrad/node`; the main entry `tapegrad` has no Node.js imports and runs in browsers.
 * @module tapegrad/node
 */
import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, lstat, open, readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  type Checkpoint, type CheckpointLoadOptions, type LoadedCheckpoint, type Safetensors, type SafetensorsReadOptions,
  type SafetensorsWriteOptions, type Tensor, TapegradError, checkpointFromBytes, checkpointToBytes, deserializeSafetensors,
  serializeSafetensors,
} from './index.js';

function fail(op: string, what: string, cause: unknown): TapegradError {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory'
    : cause instanceof TapegradError ? detail(cause)
    : cause instanceof Error ? cause.message
    : String(cause);
  const err = new TapegradError(op, `${what}: ${reason}`);
  err.cause = cause;
  return err;
}

/** A TapegradError's message without its `op: ` prefix. */
const detail = (e: TapegradError): string => (e.message.startsWith(`${e.op}: `) ? e.message.slice(e.op.length + 2) : e.message);

/** Runs the byte-level `fn`, reporting its TapegradError as one from `op`, the function the user called. */
function reportAs<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof TapegradError)) throw e;
    const err = new TapegradError(op, detail(e));
    err.cause = e;
    throw err;
  }
}

function checkPath(op: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new TapegradError(op, `expected a file path, got ${path === undefined ? 'undefined' : JSON.stringify(path) ?? typeof path}`);
}

/** Refuses an options bag that is not a plain object or has a key outside `known` (as the library's checkOptions). */
function checkOpts(op: string, opts: unknown, known: readonly string[]): void {
  if (opts === undefined) return;
  const kind = Array.isArray(opts) ? 'an array' : opts === null ? 'null' : typeof opts;
  if (kind !== 'object') throw new TapegradError(op, `expected an options object {${known.join(', ')}}, got ${kind}`);
  for (const key of Object.keys(opts as object))
    if (!known.includes(key)) throw new TapegradError(op, `unknown option '${key}' (${op} takes ${known.join(', ')})`);
}

// Temporary files are named `<target>.tmp-<host>-<pid>-<random>`, so that a later save of the same target
// can tell a writer that died (its temporary file is left behind) from one still writing.
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** A temporary file of another host (whose processes we cannot see) is stale after this long unchanged. */
const FOREIGN_STALE_MS = 60 * 60 * 1000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH'; // EPERM: it exists, owned by another user
  }
}

/**
 * Removes the temporary files a killed save of `target` left behind: only files named as this module names
 * them for exactly that target, and only when their writer is gone (a process of this host that no longer
 * exists) or, written on another host or by an older version, unchanged for an hour.
 * Best effort: it never throws.
 */
async function removeStaleTemporaries(target: string): Promise<void> {
  const dir = dirname(target);
  const pattern = new RegExp(`^${escapeRegExp(basename(target))}\\.tmp-(?:([0-9a-f]{8})-([1-9][0-9]*)-)?[0-9a-f]{12}$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    try {
      const st = await lstat(file);
      if (!st.isFile()) continue;
      const [, host, pidText] = m;
      const pid = Number(pidText);
      const stale =
        host === HOST ? !alive(pid) // this process and a reused pid count as alive: such files stay
        : Date.now() - st.mtimeMs > FOREIGN_STALE_MS; // another host's, or an older version's (no host or pid)
      if (stale) await rm(file, { force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/**
 * Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it over `path` and
 * flushes the directory: a crash or error leaves either the old file or the new one, never a torn one.
 * Afterwards it removes temporary files of the same target left by saves that were killed.
 */
async function writeAtomic(op: string, path: string, bytes: Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => path); // through a symlink, replace the file it points to
  const tmp = `${target}.tmp-${HOST}-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fh: FileHandle | undefined;
  try {
    const mode = await stat(target).then((s) => (s.isFile() ? s.mode & 0o7777 : 0o666), () => 0o666);
    fh = await open(tmp, 'wx', mode);
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw fail(op, `cannot write ${path}`, e);
  }
  let dir: FileHandle | undefined;
  try {
    dir = await open(dirname(target), 'r');
    await dir.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename is done and stays atomic.
  } finally {
    await dir?.close().catch(() => {});
  }
  await removeStaleTemporaries(target);
}

async function readBytes(op: string, path: string): Promise<Uint8Array> {
  checkPath(op, path);
  try {
    return await readFile(path);
  } catch (e) {
    throw fail(op, `cannot read ${path}`, e);
  }
}

const boolOpt = (op: string, opts: Record<string, unknown> | undefined, key: string): void => {
  const v = opts?.[key];
  if (v !== undefined && typeof v !== 'boolean') throw new TapegradError(op, `${key} must be a boolean, got ${v === null ? 'null' : typeof v}`);
};

/**
 * Saves a checkpoint (see {@link checkpointToBytes}, with a digest unless `{ digest: false }`) to `path`
 * atomically: on any error an existing file is left as it was and no temporary file remains. Temporary
 * files of `path` left by saves that were killed mid-write are removed.
 * @example
 * ```ts
 * import { saveCheckpoint } from 'tapegrad/node';
 * await saveCheckpoint('run/epoch-3.safetensors', { model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 3 } });
 * ```
 * @category Checkpoints
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint, opts?: SafetensorsWriteOptions): Promise<void> {
  const op = 'saveCheckpoint';
  checkPath(op, path);
  checkOpts(op, opts, ['digest']);
  boolOpt(op, opts as Record<string, unknown>, 'digest');
  await writeAtomic(op, path, reportAs(op, () => checkpointToBytes(checkpoint, opts)));
}

/**
 * Loads a checkpoint saved by {@link saveCheckpoint}, checking its digest (`requireDigest` refuses a file
 * without one); a missing, unreadable or corrupt file throws a {@link TapegradError} that names the path
 * and, for a corrupt one, the tensor or the header that does not match its digest.
 * @example
 * ```ts
 * import { loadCheckpoint } from 'tapegrad/node';
 * const ck = await loadCheckpoint('run/epoch-3.safetensors', { requireDigest: true });
 * net.loadStateDict(ck.model);
 * ```
 * @category Checkpoints
 */
export async function loadCheckpoint(path: string, opts: CheckpointLoadOptions = {}): Promise<LoadedCheckpoint> {
  const op = 'loadCheckpoint';
  checkPath(op, path);
  checkOpts(op, opts, ['allowPlain', 'requireDigest']);
  for (const key of ['allowPlain', 'requireDigest']) boolOpt(op, opts as Record<string, unknown>, key);
  const bytes = await readBytes(op, path);
  try {
    return checkpointFromBytes(bytes, opts);
  } catch (e) {
    throw fail(op, `${path} is not a valid checkpoint`, e);
  }
}

/**
 * Saves tensors as a safetensors file, atomically (as {@link saveCheckpoint}); with `{ digest: false }`
 * the file has no `tapegrad.digest` entries, exactly as other writers make it.
 * @example
 * ```ts
 * import { saveSafetensors } from 'tapegrad/node';
 * await saveSafetensors('model.safetensors', net.stateDict(), { format: 'pt' });
 * ```
 * @category Checkpoints
 */
export async function saveSafetensors(
  path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>, opts?: SafetensorsWriteOptions,
): Promise<void> {
  const op = 'saveSafetensors';
  checkPath(op, path);
  checkOpts(op, opts, ['digest']);
  boolOpt(op, opts as Record<string, unknown>, 'digest');
  await writeAtomic(op, path, reportAs(op, () => serializeSafetensors(tensors, metadata, opts)));
}

/**
 * Loads a safetensors file (from tapegrad, or from Python's `safetensors` with F32, F64 or I32 tensors),
 * checking its digest when it has one; `requireDigest` refuses a file without one.
 * @example
 * ```ts
 * import { loadSafetensors } from 'tapegrad/node';
 * const { tensors } = await loadSafetensors('model.safetensors');
 * ```
 * @category Checkpoints
 */
export async function loadSafetensors(path: string, opts: SafetensorsReadOptions = {}): Promise<Safetensors> {
  const op = 'loadSafetensors';
  checkPath(op, path);
  checkOpts(op, opts, ['requireDigest']);
  boolOpt(op, opts as Record<string, unknown>, 'requireDigest');
  const bytes = await readBytes(op, path);
  try {
    return deserializeSafetensors(bytes, opts);
  } catch (e) {
    throw fail(op, `${path} is not a valid safetensors file`, e);
  }
}
