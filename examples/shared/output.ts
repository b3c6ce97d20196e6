/**
 * Results for the examples: a short aligned table for the terminal, and an output folder for SVG
 * charts and a JSON file of the final metrics.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A table cell: text as is, numbers with `digits` decimals. */
export type Cell = string | number;

/**
 * An aligned plain-text table: the first column left-aligned, the others right-aligned, a rule under
 * the header.
 * @example
 * ```ts
 * console.log(formatTable(['model', 'val bpc'], [['LSTM', 2.31], ['unigram', 4.12]], { digits: 3 }));
 * ```
 */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[], opts: { digits?: number } = {}): string {
  const digits = opts.digits ?? 3;
  const text = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(digits)) : c)));
  const cols = Math.max(...text.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, j) => Math.max(...text.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ').trimEnd();
  return [line(text[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1).map(line)].join('\n');
}

/**
 * The default output folder of an example: `out/` beside its main file (git-ignored by examples/.gitignore).
 * @example
 * ```ts
 * const spec = { out: { type: 'string', default: defaultOutDir(import.meta.url), help: 'output folder' } };
 * ```
 */
export function defaultOutDir(moduleUrl: string): string {
  return path.join(path.dirname(fileURLToPath(moduleUrl)), 'out');
}

/**
 * An output folder, created on first use, with writers that return the path written.
 * @example
 * ```ts
 * const out = new OutputDir(flags.out);
 * out.text('loss.svg', lineChart({ ... }));
 * out.json('metrics.json', { valBpc: 2.3 });
 * ```
 */
export class OutputDir {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The absolute path of `name` in the folder (the folder is created). */
  path(name: string): string {
    mkdirSync(this.dir, { recursive: true });
    return path.join(this.dir, name);
  }

  /** Writes text (an SVG, a sample) to `name`. */
  text(name: string, content: string): string {
    const file = this.path(name);
    writeFileSync(file, content);
    return file;
  }

  /** Writes `value` as indented JSON to `name` (NaN and infinities become null, as in JSON.stringify). */
  json(name: string, value: unknown): string {
    return this.text(name, `${JSON.stringify(value, null, 2)}\n`);
  }
}
