/**
 * Finding the examples' data files: the data sets live in `shared/data/` next to the repository
 * (`<repo>/../shared/data/<folder>/<file>`), or wherever `--data` points.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitError } from './cli.js';

/** The repository's root folder (two levels above this file). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The places a data file is looked for, in order: the explicit path if given (alone), else
 * `<repo>/../shared/data/<rel>` and `<cwd>/../shared/data/<rel>`.
 * @example
 * ```ts
 * dataCandidates('char-text-generation/moby-dick.txt'); // ['/work/shared/data/char-text-generation/moby-dick.txt', ...]
 * ```
 */
export function dataCandidates(rel: string, explicit?: string): string[] {
  if (explicit !== undefined) return [path.resolve(explicit)];
  const all = [path.resolve(repoRoot, '..', 'shared', 'data', rel), path.resolve(process.cwd(), '..', 'shared', 'data', rel)];
  return [...new Set(all)];
}

/**
 * The path of a data file: `explicit` (from `--data`) if given, else the first of {@link dataCandidates}
 * that exists. When none exists it throws an {@link ExitError} (code 1) that names every path tried.
 * @example
 * ```ts
 * const file = findDataFile('time-series-forecasting/sunspots.csv', flags.data);
 * ```
 */
export function findDataFile(rel: string, explicit?: string): string {
  const tried = dataCandidates(rel, explicit);
  const found = tried.find((f) => existsSync(f) && statSync(f).isFile());
  if (found) return found;
  const name = path.basename(rel);
  throw new ExitError(
    `error: data file ${name} not found; looked at:\n  ${tried.join('\n  ')}\n` +
      `put the data set at ../shared/data/${rel} (next to the repository) or pass its path with --data`,
    1,
  );
}

/**
 * Reads a data file found by {@link findDataFile} as UTF-8 text.
 * @example
 * ```ts
 * const { file, text } = readDataText('char-text-generation/moby-dick.txt', flags.data);
 * ```
 */
export function readDataText(rel: string, explicit?: string): { file: string; text: string } {
  const file = findDataFile(rel, explicit);
  return { file, text: readFileSync(file, 'utf8') };
}
