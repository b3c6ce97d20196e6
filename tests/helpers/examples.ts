/** What the examples' tests share: running an example's main in-process, a scratch folder, its metrics. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Io } from '../../examples/shared/index.js';

/** The result of one run: the exit code, what went to log and to error, and both together (for failure messages). */
export interface RunResult {
  code: number;
  out: string;
  err: string;
  text: string;
}

/** Calls of an example's `main(argv, io)` that record its output instead of printing it. */
export function runner(main: (argv: string[], io: Io) => Promise<number>): (...argv: string[]) => Promise<RunResult> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { log: (t) => out.push(t), error: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n'), text: [...out, ...err].join('\n') };
  };
}

/** A fresh temporary folder, removed after the test file has run. */
export function scratchFolder(name: string): string {
  const root = mkdtempSync(path.join(tmpdir(), `tapegrad-${name}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** The metrics.json an example wrote to `dir`. */
export const readMetrics = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
