/**
 * tapegrad's file functions for Node.js: checkpoints and safetensors files on disk, written atomically.
 * Import them from `tapegrad/node`; the main entry `tapegrad` has no Node.js imports and runs in browsers.
 * @module tapegrad/node
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type Checkpoint, type CheckpointLoadOptions, type LoadedCheckpoint, type Safetensors, type Tensor,
  TapegradError, checkpointFromBytes, checkpointToBytes, deserializeSafetensors, serializeSafetensors,
} from './index.js';

function fail(op: string, what: string, cause: unknown): TapegradError {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = code === 'ENOENT' ? 'no such file or directory' : cause instanceof Error ? cause.message : String(cause);
  const err = new TapegradError(op, `${what}: ${reason}`);
  err.cause = cause;
  return err;
}

function checkPath(op: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new TapegradError(op, `expected a file path, got ${JSON.stringify(path)}`);
}

/**
 * Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it over `path` and
 * flushes the directory: a crash or error leaves either the old file or the new one, never a torn one.
 */
async function writeAtomic(op: string, path: string, bytes: Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => path); // through a symlink, replace the file it points to
  const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
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
}

async function readBytes(op: string, path: string): Promise<Uint8Array> {
  checkPath(op, path);
  try {
    return await readFile(path);
  } catch (e) {
    throw fail(op, `cannot read ${path}`, e);
  }
}

/**
 * Saves a checkpoint (see {@link checkpointToBytes}) to `path` atomically: on any error an existing file
 * is left as it was and no temporary file remains.
 * @example
 * ```ts
 * import { saveCheckpoint } from 'tapegrad/node';
 * await saveCheckpoint('run/epoch-3.safetensors', { model: net.stateDict(), optimizer: opt.stateDict(), extra: { epoch: 3 } });
 * ```
 * @category Checkpoints
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  checkPath('saveCheckpoint', path);
  await writeAtomic('saveCheckpoint', path, checkpointToBytes(checkpoint));
}

/**
 * Loads a checkpoint saved by {@link saveCheckpoint}; a missing, unreadable or corrupt file throws a
 * {@link TapegradError} that names the path.
 * @example
 * ```ts
 * import { loadCheckpoint } from 'tapegrad/node';
 * const ck = await loadCheckpoint('run/epoch-3.safetensors');
 * net.loadStateDict(ck.model);
 * ```
 * @category Checkpoints
 */
export async function loadCheckpoint(path: string, opts: CheckpointLoadOptions = {}): Promise<LoadedCheckpoint> {
  const bytes = await readBytes('loadCheckpoint', path);
  try {
    return checkpointFromBytes(bytes, opts);
  } catch (e) {
    throw fail('loadCheckpoint', `${path} is not a valid checkpoint`, e);
  }
}

/**
 * Saves tensors as a plain safetensors file, atomically (as {@link saveCheckpoint}).
 * @example
 * ```ts
 * import { saveSafetensors } from 'tapegrad/node';
 * await saveSafetensors('model.safetensors', net.stateDict(), { format: 'pt' });
 * ```
 * @category Checkpoints
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  checkPath('saveSafetensors', path);
  await writeAtomic('saveSafetensors', path, serializeSafetensors(tensors, metadata));
}

/**
 * Loads a safetensors file (from tapegrad, or from Python's `safetensors` with F32, F64 or I32 tensors).
 * @example
 * ```ts
 * import { loadSafetensors } from 'tapegrad/node';
 * const { tensors } = await loadSafetensors('model.safetensors');
 * ```
 * @category Checkpoints
 */
export async function loadSafetensors(path: string): Promise<Safetensors> {
  const bytes = await readBytes('loadSafetensors', path);
  try {
    return deserializeSafetensors(bytes);
  } catch (e) {
    throw fail('loadSafetensors', `${path} is not a valid safetensors file`, e);
  }
}
