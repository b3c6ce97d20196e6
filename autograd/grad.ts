import { zerosLike } from '../core/creation.js';
import { isFloat } from '../core/dtype.js';
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { reshapeOp } from './ops/shape.js';
import { enableGrad, isGradEnabled, reachesLeaf, runBackward } from './tape.js';
import { type Tree, flattenTree } from './tree.js';

/** Options of {@link backward}. @category Autograd */
export interface BackwardCallOptions {
  /** Keep the graph so that backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients (implies retainGraph). */
  createGraph?: boolean;
}

/**
 * Accumulates d(root)/d(leaf), times `seed`, into the `.grad` of every leaf that requires grad, as
 * `torch.Tensor.backward`. A root with more than one element needs a `seed` of its shape.
 * @example
 * ```ts
 * const w = tensor([1, 2], { requiresGrad: true });
 * backward(w.mul(w).sum());
 * w.grad; // [2, 4]
 * ```
 * @category Autograd
 */
export function backward(root: Tensor, seed?: Tensor, opts: BackwardCallOptions = {}): void {
  check(root instanceof Tensor, 'backward', () => 'expected a Tensor');
  checkOptions('backward', opts, ['retainGraph', 'createGraph']);
  for (const k of ['retainGraph', 'createGraph'] as const)
    check(opts[k] === undefined || typeof opts[k] === 'boolean', 'backward', () => `${k} must be a boolean, got ${String(opts[k])}`);
  check(root.requiresGrad, 'backward', () =>
    `the tensor (shape ${fmt(root.shape)}) does not require grad: no input of the ops that made it has requiresGrad (or it was made under noGrad)`,
  );
  if (seed === undefined) {
    check(root.size === 1, 'backward', () => `a seed is needed for a non-scalar root: got shape ${fmt(root.shape)}; pass a seed tensor of that shape (the vector of the vector-Jacobian product)`);
    seed = zerosLike(root).add(1);
  }
  check(seed instanceof Tensor && shapeEq(seed.shape, root.shape) && seed.dtype === root.dtype, 'backward', () =>
    `seed must be a ${root.dtype} tensor of shape ${fmt(root.shape)}, got ${seed instanceof Tensor ? `${seed.dtype} ${fmt(seed.shape)}` : typeof seed}`,
  );
  runBackward([root], [seed], opts);
}

/**
 * The fresh leaves of the functional transforms whose function is running now: an inner transform whose
 * graph reaches one of them records its backward pass, so the outer one can differentiate through it
 * (as JAX's nested transforms). Anything else, such as a parameter with requiresGrad, gets constant
 * gradients, as `jax.grad` returns plain arrays.
 */
const active = new Set<Tensor>();

/** Runs `f` with the transform's fresh leaves marked active. */
function withActive<T>(w: Wrapped, f: () => T): T {
  const mine = w.targets.flat().filter((t) => t.isLeaf && !active.has(t));
  for (const t of mine) active.add(t);
  try {
    return enableGrad(f);
  } finally {
    for (const t of mine) active.delete(t);
  }
}

interface Wrapped {
  args: unknown[];
  targets: Tensor[][];
  rebuilds: ((leaves: readonly Tensor[]) => unknown)[];
}

/**
 * Replaces the tensors of the differentiated arguments by fresh tape entries: a new leaf when the caller
 * is not recording them, or a recorded alias when it is (so that an outer grad sees through, as in JAX).
 */
function wrapArgs(op: string, args: readonly unknown[], argnums: readonly number[]): Wrapped {
  const out = [...args];
  const targets: Tensor[][] = [];
  const rebuilds: Wrapped['rebuilds'] = [];
  for (const k of argnums) {
    check(Number.isInteger(k) && k >= 0 && k < args.length, op, () => `argnums ${k} is out of range for ${args.length} argument(s)`);
    const { leaves, rebuild } = flattenTree(args[k], (path, v) => {
      throw new TapegradError(op, `argument ${k}${path ? ` at ${path}` : ''} is ${v === null ? 'null' : typeof v}, not a Tensor: only tensors are differentiated (pass other values in an argument not in argnums)`);
    });
    const fresh = leaves.map((x, i) => {
      check(isFloat(x.dtype), op, () => `argument ${k} holds an int32 tensor (leaf ${i}, shape ${fmt(x.shape)}); only float tensors can be differentiated`);
      if (x.requiresGrad && isGradEnabled()) {
        return reshapeOp([x], { shape: x.shape });
      }
      const leaf = new Tensor(x.data, x.shape, x.dtype);
      leaf.requiresGrad = true;
      return leaf;
    });
    out[k] = rebuild(fresh);
    targets.push(fresh);
    rebuilds.push(rebuild);
  }
  return { args: out, targets, rebuilds };
}

/** @internal Gradients of `outputs` (with cotangents `seeds`) for each group of targets, zeros where unused. */
function pull(outputs: readonly Tensor[], seeds: readonly Tensor[], w: Wrapped): { grads: unknown[]; recorded: boolean } {
  const live = outputs.map((y, i) => [y, seeds[i]!] as const).filter(([y]) => y.requiresGrad);
  // Record the backward pass when an enclosing transform differentiates what the graph or the seeds reach.
  const createGraph = isGradEnabled() && reachesLeaf(seeds, (t) => active.has(t)) ? true : 'auto';
  const all = w.targets.flat();
  const { grads, recorded } = live.length
    ? runBackward(live.map(([y]) => y), live.map(([, s]) => s), { targets: all, retainGraph: true, createGraph, active })
    : { grads: new Map<Tensor, Tensor>(), recorded: false };
  return { grads: w.targets.map((ts, k) => w.rebuilds[k]!(ts.map((t) => grads.get(t) ?? zerosLike(t)))), recorded };
}

/** Options of {@link grad} and {@link valueAndGrad}. @category Autograd */
export interface GradOptions {
  /** Which positional arguments to differentiate (default 0). A list returns a list of gradients. */
  argnums?: number | readonly number[];
  /** `f` returns `[loss, aux]`; aux is passed through untouched. */
  hasAux?: boolean;
}

function scalarOut(op: string, out: unknown, hasAux: boolean): [Tensor, unknown] {
  let y = out;
  let aux: unknown;
  if (hasAux) {
    check(Array.isArray(out) && out.length === 2, op, () => 'with hasAux, f must return [loss, aux]');
    [y, aux] = out as [unknown, unknown];
  }
  check(y instanceof Tensor && y.size === 1 && isFloat(y.dtype), op, () =>
    `f must return a float tensor with one element, got ${y instanceof Tensor ? `${y.dtype} of shape ${fmt(y.shape)}` : typeof y}; use vjp for other outputs`,
  );
  return [y, aux];
}

/** The checks grad and valueAndGrad make when they are called (not when the result is). */
function checkGradArgs(op: string, f: unknown, opts: GradOptions): void {
  check(typeof f === 'function', op, () => `expected a function to differentiate, got ${f === null ? 'null' : typeof f}`);
  checkOptions(op, opts, ['argnums', 'hasAux']);
  const a = opts.argnums;
  check(a === undefined || Number.isInteger(a) || (Array.isArray(a) && a.length > 0 && a.every(Number.isInteger)), op, () =>
    `argnums must be an integer or a non-empty array of integers, got ${JSON.stringify(a) ?? String(a)}`);
  check(opts.hasAux === undefined || typeof opts.hasAux === 'boolean', op, () => `hasAux must be a boolean, got ${String(opts.hasAux)}`);
}

function valueAndGradImpl(op: string, f: (...args: any[]) => unknown, opts: GradOptions, args: unknown[]): [unknown, unknown] {
  const argnums = opts.argnums ?? 0;
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  const w = wrapArgs(op, args, nums);
  const out = withActive(w, () => f(...w.args));
  const [y, aux] = scalarOut(op, out, opts.hasAux ?? false);
  const { grads, recorded } = pull([y], [zerosLike(y).add(1)], w);
  const g = typeof argnums === 'number' ? grads[0] : grads;
  // As JAX: a plain value unless an enclosing computation is differentiating through it.
  const value = recorded ? y : new Tensor(y.data, y.shape, y.dtype);
  return [opts.hasAux ? [value, aux] : value, g];
}

/**
 * Turns `f` (returning a scalar) into a function returning its gradient with respect to argument 0 (or
 * those in `argnums`), as `jax.grad`. Arguments may be trees of tensors; the gradient has the same
 * structure. Nest it for higher-order derivatives.
 * @example
 * ```ts
 * const f = (x: Tensor) => x.pow(3).sum();
 * grad(f)(tensor([2]));         // [12]
 * grad((x: Tensor) => grad(f)(x).sum())(tensor([2])); // [12] (6x)
 * ```
 * @category Autograd
 */
export function grad<A extends unknown[]>(f: (...args: A) => unknown, opts: GradOptions = {}): (...args: A) => any {
  checkGradArgs('grad', f, opts);
  return (...args: A) => valueAndGradImpl('grad', f, opts, args)[1];
}

/**
 * Like {@link grad}, returning `[value, gradient]` (with `hasAux`: `[[value, aux], gradient]`).
 * @example
 * ```ts
 * const [loss, g] = valueAndGrad((w: Tensor) => w.mul(w).sum())(tensor([1, 2]));
 * ```
 * @category Autograd
 */
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => unknown, opts: GradOptions = {}): (...args: A) => [any, any] {
  checkGradArgs('valueAndGrad', f, opts);
  return (...args: A) => valueAndGradImpl('valueAndGrad', f, opts, args);
}

/**
 * Evaluates `f` at `args` and returns its output with a pullback that maps a cotangent of the output
 * (same structure) to one gradient per argument, as `jax.vjp`. The pullback may be called many times.
 * @example
 * ```ts
 * const [y, pullback] = vjp((x: Tensor) => x.mul(2), tensor([1, 2, 3]));
 * const [dx] = pullback(tensor([1, 0, 0])); // [2, 0, 0]
 * ```
 * @category Autograd
 */
export function vjp<A extends Tree[], Y extends Tree>(f: (...args: A) => Y, ...args: A): [Y, (cotangent: Y) => A] {
  check(typeof f === 'function', 'vjp', () => `expected a function to differentiate, got ${f === null ? 'null' : typeof f}`);
  const w = wrapArgs('vjp', args, args.map((_, i) => i));
  const y = withActive(w, () => f(...(w.args as A)));
  const { leaves: outs, paths } = flattenTree(y, (path, v) => {
    throw new TapegradError('vjp', `f returned ${typeof v} at ${path || 'the top'}; expected tensors`);
  });
  const pullback = (cotangent: Y): A => {
    const { leaves: seeds } = flattenTree(cotangent, (path, v) => {
      throw new TapegradError('vjp', `the cotangent holds ${typeof v} at ${path || 'the top'}; expected tensors`);
    });
    check(seeds.length === outs.length, 'vjp', () => `the cotangent has ${seeds.length} tensor(s), the output has ${outs.length}`);
    seeds.forEach((s, i) =>
      check(shapeEq(s.shape, outs[i]!.shape) && s.dtype === outs[i]!.dtype, 'vjp', () =>
        `cotangent${paths[i]} is ${s.dtype} ${fmt(s.shape)}, the output there is ${outs[i]!.dtype} ${fmt(outs[i]!.shape)}`,
      ),
    );
    return pull(outs, seeds, w).grads as A;
  };
  return [y, pullback];
}
