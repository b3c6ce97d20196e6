/**
 * A tiny command-line layer for the examples: declared flags with types, defaults and help text, and a
 * `main(argv) -> exit code` convention that tests can call in-process.
 *
 * Exit codes: 0 on success and for `--help`, 2 for a usage error (unknown flag, bad value), 1 for any
 * other failure (missing data file, mismatched checkpoint, ...).
 * @module
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kinds of value a flag takes: `int` and `number` are parsed and checked, `boolean` is a switch. */
export type FlagType = 'int' | 'number' | 'string' | 'boolean';

/** The TypeScript type of a flag's value. */
export type FlagValue<T extends FlagType> = T extends 'boolean' ? boolean : T extends 'string' ? string : number;

/**
 * One declared flag. The key `seqLen` is written `--seq-len` on the command line.
 * @example
 * ```ts
 * const spec = { lr: { type: 'number', default: 3e-3, min: 0, help: 'learning rate' } } satisfies FlagSpecs;
 * ```
 */
export interface FlagSpec<T extends FlagType = FlagType> {
  type: T;
  help: string;
  /** The value when the flag is absent; without one the value is `undefined` (booleans default to false). */
  default?: FlagValue<T>;
  /** Inclusive bounds for `int` and `number`. */
  min?: number;
  max?: number;
  /** The allowed values of a `string` flag. */
  choices?: readonly string[];
  /** The value's placeholder in the usage text, as `<path>`. */
  metavar?: string;
}

/** A set of flags by camelCase name. */
export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed values: flags with a default (and booleans) are always set, the others may be `undefined`. */
export type Flags<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { type: 'boolean' }
    ? boolean
    : S[K] extends { default: unknown }
      ? FlagValue<S[K]['type']>
      : FlagValue<S[K]['type']> | undefined;
};

/** What the usage text says about the program. */
export interface ProgramInfo {
  /** How to run it, e.g. `npm run demo -- [flags]`. */
  usage: string;
  /** One paragraph on what it does. */
  description: string;
}

/**
 * Ends a run with an exit code and a message: code 0 prints to stdout (help), others to stderr.
 * Thrown by {@link parseFlags} and the data helpers; {@link runMain} turns it into the exit code.
 */
export class ExitError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
    this.name = 'ExitError';
  }
}

/** Where an example writes its messages; tests pass one that records them. */
export interface Io {
  log(text: string): void;
  error(text: string): void;
}

/** Writes to the console. */
export const consoleIo: Io = { log: (t) => console.log(t), error: (t) => console.error(t) };

const kebab = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The usage text: usage line, description, then every flag with its type, help and default.
 * @example
 * ```ts
 * console.log(usage(spec, { usage: 'tsx examples/x/main.ts [flags]', description: 'Trains X.' }));
 * ```
 */
export function usage(spec: FlagSpecs, info: ProgramInfo): string {
  const rows = Object.entries(spec).map(([key, s]) => {
    const meta = s.type === 'boolean' ? '' : ` <${s.metavar ?? (s.choices ? s.choices.join('|') : s.type)}>`;
    const shown = typeof s.default === 'string' && /^\s|\s$|^$/.test(s.default) ? JSON.stringify(s.default) : String(s.default);
    const dflt = s.default !== undefined && s.type !== 'boolean' ? ` (default ${shown})` : '';
    return [`${kebab(key)}${meta}`, `${s.help}${dflt}`] as const;
  });
  rows.push(['--help', 'show this help and exit']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`);
  return `Usage: ${info.usage}\n\n${info.description}\n\nFlags:\n${lines.join('\n')}`;
}

function parseValue(flag: string, s: FlagSpec, raw: string): string | number | boolean {
  const bad = (want: string) => new ExitError(`error: ${flag} expects ${want}, got '${raw}' (see --help)`, 2);
  let v: string | number | boolean;
  if (s.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw bad('true or false');
    v = raw === 'true';
  } else if (s.type === 'string') {
    if (s.choices && !s.choices.includes(raw)) throw bad(`one of ${s.choices.join(', ')}`);
    v = raw;
  } else {
    const n = raw.trim() === '' ? NaN : Number(raw);
    const kind = s.type === 'int' ? 'an integer' : 'a number';
    if (!Number.isFinite(n) || (s.type === 'int' && !Number.isInteger(n))) throw bad(kind);
    if (s.min !== undefined && n < s.min) throw bad(`${kind} >= ${s.min}`);
    if (s.max !== undefined && n > s.max) throw bad(`${kind} <= ${s.max}`);
    v = n;
  }
  return v;
}

/**
 * Parses `argv` (without the node and script paths) against `spec`. Accepts `--flag value` and
 * `--flag=value`; a boolean flag is a switch (`--smoke`, or `--smoke=false`). `--help` throws an
 * {@link ExitError} with code 0 carrying the usage text; an unknown flag, a missing or bad value, or a
 * stray argument throws one with code 2 whose message names the flag.
 * @example
 * ```ts
 * const spec = { epochs: { type: 'int', default: 3, min: 1, help: 'passes over the data' } } satisfies FlagSpecs;
 * const flags = parseFlags(spec, ['--epochs', '5'], info); // { epochs: 5 }
 * ```
 */
export function parseFlags<const S extends FlagSpecs>(spec: S, argv: readonly string[], info: ProgramInfo): Flags<S> {
  const byFlag = new Map(Object.entries(spec).map(([k, s]) => [kebab(k), [k, s] as const]));
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec)) out[k] = s.default ?? (s.type === 'boolean' ? false : undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new ExitError(usage(spec, info), 0);
    if (!arg.startsWith('--')) throw new ExitError(`error: unexpected argument '${arg}': flags start with -- (see --help)`, 2);
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const entry = byFlag.get(flag);
    if (!entry) {
      const near = [...byFlag.keys()].map((f) => [f, editDistance(f, flag)] as const).sort((a, b) => a[1] - b[1])[0];
      const hint = near && near[1] <= 2 && near[1] < flag.length / 3 ? `; did you mean ${near[0]}?` : '';
      throw new ExitError(`error: unknown flag ${flag}${hint} (see --help)`, 2);
    }
    const [key, s] = entry;
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (s.type === 'boolean') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new ExitError(`error: ${flag} needs a value (see --help)`, 2);
      raw = next;
      i++;
    }
    out[key] = parseValue(flag, s, raw);
  }
  return out as Flags<S>;
}

/**
 * Runs an example's body and turns its outcome into an exit code: 0 when it returns, the code of an
 * {@link ExitError} (its message to `io.log` for 0, else to `io.error`), and 1 for any other error
 * (its message; the stack too when it is not a tapegrad input error).
 * @example
 * ```ts
 * export const main = (argv: string[], io = consoleIo) => runMain(io, async () => { ... });
 * ```
 */
export async function runMain(io: Io, body: () => Promise<void> | void): Promise<number> {
  try {
    await body();
    return 0;
  } catch (e) {
    if (e instanceof ExitError) {
      (e.code === 0 ? io.log : io.error)(e.message);
      return e.code;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.error(err.name === 'TapegradError' ? `error: ${err.message}` : `error: ${err.stack ?? err.message}`);
    return 1;
  }
}

/**
 * Runs `main(process.argv.slice(2))` and sets the exit code, when `moduleUrl` (pass `import.meta.url`) is
 * the script Node was started with; does nothing when the module is imported (by a test).
 * @example
 * ```ts
 * runIfScript(import.meta.url, main);
 * ```
 */
export function runIfScript(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  const script = process.argv[1];
  if (!script) return;
  const strip = (p: string) => p.replace(/\.[cm]?[jt]s$/, '');
  if (strip(path.resolve(script)) !== strip(fileURLToPath(moduleUrl))) return;
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
