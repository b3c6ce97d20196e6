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
