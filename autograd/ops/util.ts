/** @internal Argument checks shared by the public op functions. */
import { scalarLike } from '../../core/creation.js';
import { isFloat } from '../../core/dtype.js';
import { TapegradError, check } from '../../core/errors.js';
import { getBackend } from '../../core/kernels/index.js';
import { broadcastShapes, fmt } from '../../core/shape.js';
import { Tensor, type TensorLike } from '../../core/tensor.js';

export const K = getBackend;

/** A tensor argument, or a clear error naming the op and the argument. */
export function asTensor(op: string, v: unknown, arg = 'input'): Tensor {
  if (v instanceof Tensor) return v;
  throw new TapegradError(op, `expected a Tensor for ${arg}, got ${describe(v)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array (wrap it with tensor(...))';
  return typeof v;
}

export function requireFloat(op: string, x: Tensor, arg = 'input'): Tensor {
  check(isFloat(x.dtype), op, () => `expected a float tensor for ${arg}, got int32 (shape ${fmt(x.shape)}); cast with .to('float32')`);
  return x;
}

/**
 * Two operands of an elementwise op: numbers become scalars of the other operand's dtype; tensors must
 * share a dtype and broadcast together.
 */
export function operands(op: string, a: TensorLike, b: TensorLike, float = true): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [scalarLike(a, 'float32', op), scalarLike(b, 'float32', op)];
  const x = typeof a === 'number' ? scalarLike(a, asTensor(op, b, 'b').dtype, op) : asTensor(op, a, 'a');
  const y = typeof b === 'number' ? scalarLike(b, x.dtype, op) : asTensor(op, b, 'b');
  check(x.dtype === y.dtype, op, () =>
    `dtype mismatch: ${x.dtype} ${fmt(x.shape)} and ${y.dtype} ${fmt(y.shape)}; convert one with .to('${x.dtype === 'float64' || y.dtype === 'float64' ? 'float64' : 'float32'}')`,
  );
  if (float) requireFloat(op, x);
  broadcastShapes(op, x.shape, y.shape);
  return [x, y];
}

/** A non-negative integer option, checked. */
export function checkInt(op: string, name: string, v: unknown, min = 0): number {
  check(Number.isInteger(v) && (v as number) >= min, op, () => `${name} must be an integer >= ${min}, got ${String(v)}`);
  return v as number;
}
