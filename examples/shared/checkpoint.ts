/**
 * Checkpoints for the examples' `--resume`: `fit`'s checkpoint with a record of the run's configuration,
 * so that a checkpoint of another example, model or data set is refused with a message that says what
 * differs, before anything is loaded.
 * @module
 */
import { existsSync } from 'node:fs';
import { type Generator, type nn, optim } from '../../index.js';
import { loadCheckpoint, saveCheckpoint } from '../../node.js';
import { ExitError } from './cli.js';

/**
 * What a run must share with the checkpoint it resumes: `example` names the example, and every other key
 * is a flag as typed (`'--hidden': 128`) or a description of derived data (`'vocabulary': [...]`).
 */
export interface RunConfig {
  example: string;
  [key: string]: unknown;
}

const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Why a checkpoint's configuration does not fit this run, as a sentence, or null when it does.
 * @example
 * ```ts
 * configMismatch({ example: 'char-lm', '--hidden': 32 }, { example: 'char-lm', '--hidden': 20 });
 * // 'it was trained with --hidden 32 (now 20)'
 * ```
 */
export function configMismatch(saved: unknown, now: RunConfig): string | null {
  const s = (saved ?? {}) as Record<string, unknown>;
  if (typeof saved !== 'object' || s.example === undefined) return 'it has no run configuration (it was not written by an example)';
  if (s.example !== now.example) return `it was written by the ${String(s.example)} example, not ${now.example}`;
  const flags: string[] = [];
  const other: string[] = [];
  for (const [k, v] of Object.entries(now)) {
    if (JSON.stringify(s[k]) === JSON.stringify(v)) continue;
    if (k.startsWith('--')) flags.push(`${k} ${show(s[k])} (now ${show(v)})`);
    else other.push(`its ${k} differs`);
  }
  const parts = [...(flags.length ? [`it was trained with ${flags.join(', ')}`] : []), ...other];
  return parts.length ? parts.join('; ') : null;
}

/**
 * A `fit` callback that saves a checkpoint (model, optimizer, epoch, history, generator, plus `config`
 * and `extra()`) to `file` after every epoch, atomically.
 * @example
 * ```ts
 * callbacks: [saveEveryEpoch(out.path('checkpoint.safetensors'), config)]
 * ```
 */
export function saveEveryEpoch(file: string, config: RunConfig, extra: () => Record<string, unknown> = () => ({})): optim.Callback {
  return optim.checkpointCallback({ save: (c) => saveCheckpoint(file, { ...c, extra: { ...c.extra, ...extra(), config } }) });
}

/**
 * Restores a run from `file` (written by {@link saveEveryEpoch}) into `parts`, after checking that the
 * file exists and that its configuration equals `config`; otherwise it throws an {@link ExitError}
 * (code 1) naming the file and what differs, and changes nothing. Returns what `fit` needs to go on and
 * the checkpoint's extras.
 * @example
 * ```ts
 * const { initialEpoch, history } = await resumeFrom(file, config, { model, optimizer, generator });
 * ```
 */
export async function resumeFrom(
  file: string,
  config: RunConfig,
  parts: { model: nn.Module; optimizer?: optim.Optimizer<object, object>; generator?: Generator },
): Promise<{ initialEpoch: number; history: optim.History; extra: Record<string, unknown> }> {
  if (!existsSync(file)) throw new ExitError(`error: --resume: no checkpoint at ${file}; run once without --resume (with the same --out) first`, 1);
  const ckpt = await loadCheckpoint(file);
  const why = configMismatch(ckpt.extra?.config, config);
  if (why) throw new ExitError(`error: --resume: the checkpoint ${file} is from another model or run: ${why}. Use the same flags, or another --out.`, 1);
  const { initialEpoch, history } = optim.resume(ckpt, parts);
  return { initialEpoch, history, extra: ckpt.extra ?? {} };
}
