/**
 * The error tapegrad throws for bad input: its message names the op, what came and what was expected.
 *
 * @example
 * ```ts
 * try { add(zeros([2, 3]), zeros([4])); } catch (e) { if (e instanceof TapegradError) console.log(e.op); }
 * ```
 * @category Errors
 */
export class TapegradError extends Error {
  /** The op, layer or function that refused the input. */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'TapegradError';
    this.op = op;
  }
}

/** @internal Throws a {@link TapegradError} when `cond` is false. */
export function check(cond: unknown, op: string, message: () => string): asserts cond {
  if (!cond) throw new TapegradError(op, message());
}

/**
 * @internal Throws a {@link TapegradError} naming `op` when `opts` is neither undefined nor a plain options
 * object, or has a key outside `known`: no option is ever silently ignored.
 */
export function checkOptions(op: string, opts: unknown, known: readonly string[]): void {
  if (opts === undefined) return;
  check(typeof opts === 'object' && opts !== null && !Array.isArray(opts), op, () =>
    `expected an options object {${known.join(', ')}}, got ${Array.isArray(opts) ? 'an array' : opts === null ? 'null' : typeof opts}`);
  for (const key of Object.keys(opts))
    check(known.includes(key), op, () => `unknown option '${key}' (${op} takes ${known.length ? known.join(', ') : 'no options'})`);
}

/**
 * @internal Runs `f` on behalf of the public function or layer `op` (as `'LSTM.forward'`): a
 * {@link TapegradError} raised by an op it calls is re-raised naming `op`, keeping the inner op and its
 * message (`LSTM.forward: linear: dtype mismatch ...`) and the original as `cause`. Errors that already
 * name `op` and errors of other kinds pass unchanged. Costs one try block.
 */
export function asCalledBy<T>(op: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw attribute(op, e);
  }
}

/** @internal The error `e` re-attributed to `op` (see {@link asCalledBy}). */
export function attribute(op: string, e: unknown): unknown {
  if (!(e instanceof TapegradError) || e.op === op) return e;
  const out = new TapegradError(op, e.message);
  Object.defineProperty(out, 'cause', { value: e, enumerable: false });
  return out;
}
