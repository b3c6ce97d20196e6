/** @internal Value-comparison helpers for the hand-computed tests (no fast-check here). */
import { assert, expect } from 'vitest';
import { Tensor } from '../../index.js';

type Nested = number | readonly Nested[];

/** Flattens nested arrays, typed arrays or a tensor into [shape, values]. */
function unpack(v: Tensor | Nested | ArrayLike<number>): [number[], number[]] {
  if (v instanceof Tensor) return [[...v.shape], Array.from(v.data)];
  if (typeof v === 'number') return [[], [v]];
  if (!Array.isArray(v)) return [[(v as ArrayLike<number>).length], Array.from(v as ArrayLike<number>)];
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  return [shape, (v as Nested[]).flat(Infinity as 1) as number[]];
}

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Compare values only, not shapes (for typed arrays against nested arrays). */
  ignoreShape?: boolean;
}

/**
 * Asserts that `actual` and `expected` have the same shape and that every element satisfies
 * |a - e| <= atol + rtol |e| (NaN matches only NaN, infinities must be equal). Reports the first bad element.
 */
export function expectClose(actual: Tensor | Nested | ArrayLike<number>, expected: Tensor | Nested | ArrayLike<number>, opts: CloseOptions = {}): void {
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-6;
  const [sa, a] = unpack(actual);
  const [se, e] = unpack(expected);
  if (!opts.ignoreShape) expect(sa, 'shape').toEqual(se);
  expect(a.length, 'number of elements').toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) assert.fail(`element ${i}: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol}); got [${a.join(', ')}], expected [${e.join(', ')}]`);
  }
}

/** Asserts bit-exact equality of shapes and values (NaN equals NaN, -0 equals 0). */
export function expectExact(actual: Tensor | Nested | ArrayLike<number>, expected: Tensor | Nested | ArrayLike<number>): void {
  expectClose(actual, expected, { atol: 0, rtol: 0 });
}

/** Runs `fn` and returns the error it throws (failing the test when it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    assert.fail(`threw a non-Error: ${String(e)}`);
  }
  return assert.fail('expected the call to throw, it returned normally');
}
