import { TapegradError, check } from './errors.js';

/** A tensor's shape: one non-negative integer per axis; `[]` for a scalar. @category Tensors */
export type Shape = readonly number[];

/** @internal Product of the dimensions (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** @internal */
export function shapeEq(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal `[2, 3]` as text, for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.map(String).join(', ')}]`;
}

/** @internal Validates a user-given shape. */
export function checkShape(op: string, shape: Shape): void {
  check(Array.isArray(shape), op, () => `shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    check(Number.isInteger(d) && d >= 0, op, () => `shape ${fmt(shape)} must hold non-negative integers`);
  }
}

/** @internal NumPy broadcasting of several shapes; throws naming `op` when they do not broadcast. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else
        throw new TapegradError(
          op,
          `shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast together (axis ${o - rank}: ${out[o]} vs ${d})`,
        );
    }
  }
  return out;
}

/**
 * @internal Strides that read a tensor of shape `shape` as if it had shape `target` (0 on broadcast axes).
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const st = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : st[i]!;
  return out;
}

/** @internal Normalises a possibly negative axis against `rank`. */
export function normAxis(op: string, axis: number, rank: number): number {
  check(Number.isInteger(axis), op, () => `axis must be an integer, got ${axis}`);
  const a = axis < 0 ? axis + rank : axis;
  check(a >= 0 && a < rank, op, () => `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/**
 * @internal Checks `axis` (a number or a list) given to an op on a rank-0 tensor: as PyTorch, 0 and -1 name
 * its one implicit axis, at most once.
 */
export function checkRank0Axes(op: string, axis: number | readonly number[]): void {
  const list = typeof axis === 'number' ? [axis] : axis;
  check(Array.isArray(list) && list.every((a) => a === 0 || a === -1), op, () =>
    `axis ${typeof axis === 'number' || !Array.isArray(list) ? String(axis) : fmt(list)} is out of range for a rank-0 tensor (it accepts 0 and -1)`);
  check(list.length <= 1, op, () => `axis ${fmt(list)} repeats an axis (a rank-0 tensor has one: 0, or -1)`);
}

/** @internal Normalises `axis` (number, list or undefined = all) to sorted unique axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(op, a, rank)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) check(out[i] !== out[i - 1], op, () => `axis ${fmt(list)} repeats an axis`);
  return out;
}

/** @internal Shape after reducing `axes`, with or without the kept unit axes. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}
