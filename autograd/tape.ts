import { type TypedArray, recycle, trackAllocations } from '../core/dtype.js';
import { TapegradError, check } from '../core/errors.js';
import { getBackend } from '../core/kernels/index.js';
import { fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

const K = getBackend;

/**
 * @internal A gradient that is a matrix product not yet computed: op(A) op(B) for 2-D A and B. A VJP returns
 * one (see {@link deferProduct}) where the product is typically summed into an existing gradient, as a
 * weight's gradient over the steps of a sequence: the engine then accumulates it straight into that
 * storage (C += op(A) op(B) in one GEMM) instead of materialising it and adding.
 */
export interface DeferredProduct {
  readonly deferred: true;
  readonly a: Tensor;
  readonly b: Tensor;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly compute: () => Tensor;
}

/**
 * @internal op(A) op(B) for a VJP: deferred while the backward pass records nothing, computed by `compute`
 * (a differentiable op) when it records (createGraph).
 */
export function deferProduct(a: Tensor, b: Tensor, transA: boolean, transB: boolean, compute: () => Tensor): Tensor | DeferredProduct {
  // NOTE: an object literal, not a class instance. Deferred products live only during a backward pass, and
  // the hidden classes a constructor's assignments transition through die with the last instance, which
  // deoptimizes the engine's compiled code at each collection; a literal's class is kept by its boilerplate.
  return gradEnabled ? compute() : { deferred: true, a, b, transA, transB, compute };
}

function isDeferred(g: Tensor | DeferredProduct): g is DeferredProduct {
  return !(g instanceof Tensor) && g.deferred === true;
}

/** What a VJP sees of the call it differentiates. @category Autograd */
export interface VjpContext<I extends readonly Tensor[], P> {
  readonly inputs: I;
  readonly output: Tensor;
  readonly params: P;
  /** Which inputs need a gradient: a VJP may return null for the others. */
  readonly needs: readonly boolean[];
}

/**
 * A primitive: a forward kernel and its vector-Jacobian product, declared side by side. The VJP must be
 * written with public differentiable ops so that, under `createGraph`, the backward pass records itself.
 * @category Autograd
 */
export interface OpDef<I extends readonly Tensor[], P> {
  readonly name: string;
  /** Computes the output with kernels; inputs are validated by the public function that applies the op. */
  forward(inputs: I, params: P): Tensor;
  /** Maps the output's cotangent `g` to one cotangent per input (null: zero or not needed). */
  vjp(g: Tensor, ctx: VjpContext<I, P>): readonly (Tensor | DeferredProduct | null)[];
}

/** A primitive ready to apply; `def` keeps its declaration for the registry and the tests. @category Autograd */
export interface Primitive<I extends readonly Tensor[], P> {
  (inputs: I, ...params: undefined extends P ? [params?: P] : [params: P]): Tensor;
  readonly def: OpDef<I, P>;
}

/** What the VJP of a multi-output primitive sees. @category Autograd */
export interface MultiVjpContext<I extends readonly Tensor[], P> {
  readonly inputs: I;
  readonly outputs: readonly Tensor[];
  readonly params: P;
  readonly needs: readonly boolean[];
}

/**
 * A primitive with several outputs (split, unbind): its VJP gets one cotangent per output, null for the
 * outputs nothing used, and runs once, after every consumer of every output.
 * @category Autograd
 */
export interface MultiOpDef<I extends readonly Tensor[], P> {
  readonly name: string;
  forward(inputs: I, params: P): Tensor[];
  vjp(gs: readonly (Tensor | null)[], ctx: MultiVjpContext<I, P>): readonly (Tensor | null)[];
}

/** A multi-output primitive ready to apply. @category Autograd */
export interface MultiPrimitive<I extends readonly Tensor[], P> {
  (inputs: I, params: P): Tensor[];
  readonly def: MultiOpDef<I, P>;
}

/** @internal One recorded application of a primitive. */
interface Node {
  readonly id: number;
  readonly name: string;
  /** Maps the outputs' cotangents (all present for single-output ops) to the inputs' cotangents. */
  readonly vjp: (gs: readonly (Tensor | null)[], node: Node) => readonly (Tensor | DeferredProduct | null)[];
  readonly inputs: readonly Tensor[];
  readonly params: unknown;
  readonly needs: readonly boolean[];
  readonly outputs: readonly Tensor[];
  released: boolean;
}

/** @internal A kernel-level error (broadcasting) re-attributed to the op called. */
function reattribute(name: string, e: unknown): unknown {
  return e instanceof TapegradError && e.op !== name ? new TapegradError(name, e.message.slice(e.op.length + 2)) : e;
}

/** @internal Runs a forward kernel, re-attributing kernel-level errors to the op called. */
function runForward<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw reattribute(name, e);
  }
}

/** @internal Records a node for `outputs` when grad mode is on and an input requires grad. */
function record(name: string, vjp: Node['vjp'], inputs: readonly Tensor[], params: unknown, outputs: readonly Tensor[]): void {
  if (!gradEnabled) return;
  let any = false;
  for (const t of inputs) any ||= t.requiresGrad;
  if (!any) return;
  for (const o of outputs) if (o.dtype === 'int32') return;
  const needs = inputs.map((t) => t.requiresGrad);
  const node: Node = { id: nextId++, name, vjp, inputs, params, needs, outputs, released: false };
  for (const o of outputs) {
    o.node = node;
    o.requiresGrad = true;
  }
}

/** An op declaration needs a non-empty name (the one its errors carry), a forward and a VJP. */
function checkDef(op: string, def: unknown): void {
  check(typeof def === 'object' && def !== null, op, () => `expected a declaration { name, forward, vjp }, got ${def === null ? 'null' : typeof def}`);
  const d = def as Record<string, unknown>;
  check(typeof d.name === 'string' && d.name.length > 0, op, () => `name must be a non-empty string, got ${typeof d.name === 'string' ? "''" : typeof d.name}`);
  for (const k of ['forward', 'vjp'])
    check(typeof d[k] === 'function', op, () => `'${d.name}' needs a ${k} function, got ${d[k] === null ? 'null' : typeof d[k]}`);
}

function checkFn(op: string, fn: unknown): void {
  check(typeof fn === 'function', op, () => `expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
}

let nextId = 0;
let gradEnabled = true;
let anomaly = false;

/**
 * Declares a primitive from its forward kernel and its VJP. Applying it records a tape node when grad
 * mode is on and any input requires grad.
 *
 * @example
 * ```ts
 * const square = defineOp<[Tensor], undefined>({
 *   name: 'square',
 *   forward: ([x]) => getBackend().binary('mul', x, x),
 *   vjp: (g, { inputs: [x] }) => [mul(g, mul(x, 2))],   // d(x^2) = 2x dx
 * });
 * ```
 * @category Autograd
 */
export function defineOp<I extends readonly Tensor[], P = undefined>(def: OpDef<I, P>): Primitive<I, P> {
  checkDef('defineOp', def);
  const vjp: Node['vjp'] = (gs, n) =>
    def.vjp(gs[0]!, { inputs: n.inputs as unknown as I, output: n.outputs[0]!, params: n.params as P, needs: n.needs });
  const apply = (inputs: I, params?: P): Tensor => {
    let output: Tensor;
    try {
      output = def.forward(inputs, params as P);
    } catch (e) {
      throw reattribute(def.name, e);
    }
    record(def.name, vjp, inputs, params, [output]);
    return output;
  };
  return Object.assign(apply, { def }) as unknown as Primitive<I, P>;
}

/**
 * Declares a primitive with several outputs; see {@link defineOp}.
 * @example
 * ```ts
 * const halves = defineMultiOp<[Tensor], undefined>({
 *   name: 'halves',
 *   forward: ([x]) => [...],                                  // two kernels' results
 *   vjp: (gs, { outputs }) => [concat(gs.map((g, i) => g ?? zerosLike(outputs[i]!)))],
 * });
 * ```
 * @category Autograd
 */
export function defineMultiOp<I extends readonly Tensor[], P = undefined>(def: MultiOpDef<I, P>): MultiPrimitive<I, P> {
  checkDef('defineMultiOp', def);
  const vjp: Node['vjp'] = (gs, n) =>
    def.vjp(gs, { inputs: n.inputs as unknown as I, outputs: n.outputs, params: n.params as P, needs: n.needs });
  const apply = (inputs: I, params: P): Tensor[] => {
    const outputs = runForward(def.name, () => def.forward(inputs, params));
    record(def.name, vjp, inputs, params, outputs);
    return outputs;
  };
  return Object.assign(apply, { def });
}

/**
 * Whether ops are being recorded.
 * @example
 * ```ts
 * noGrad(() => isGradEnabled()); // false
 * ```
 * @category Autograd
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** @internal Runs `fn` with grad mode set to `on`. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Runs `fn` without recording: results do not require grad (as `torch.no_grad()`).
 * @example
 * ```ts
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 * ```
 * @category Autograd
 */
export function noGrad<T>(fn: () => T): T {
  checkFn('noGrad', fn);
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with recording on, even inside {@link noGrad} (as `torch.enable_grad()`).
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => isGradEnabled())); // true
 * ```
 * @category Autograd
 */
export function enableGrad<T>(fn: () => T): T {
  checkFn('enableGrad', fn);
  return withGradMode(true, fn);
}

/**
 * Turns anomaly detection on or off: when on, every gradient a VJP produces is checked and the first
 * NaN or infinity throws an error naming the op that made it (as `torch.autograd.set_detect_anomaly`).
 * @example
 * ```ts
 * setDetectAnomaly(true);
 * ```
 * @category Autograd
 */
export function setDetectAnomaly(on: boolean): void {
  check(typeof on === 'boolean', 'setDetectAnomaly', () => `expected true or false, got ${String(on)}`);
  anomaly = on;
}

/** Whether anomaly detection is on. @category Autograd */
export function isAnomalyEnabled(): boolean {
  return anomaly;
}

/** @internal Whether any leaf below `tensors` (or one of them) satisfies `pred`; iterative. */
export function reachesLeaf(tensors: readonly Tensor[], pred: (leaf: Tensor) => boolean): boolean {
  const seen = new Set<Node>();
  const stack = [...tensors];
  while (stack.length) {
    const t = stack.pop()!;
    const n = t.node as Node | null;
    if (!n) {
      if (pred(t)) return true;
    } else if (!seen.has(n)) {
      seen.add(n);
      stack.push(...n.inputs);
    }
  }
  return false;
}

/** @internal Options of {@link runBackward}. */
export interface BackwardOptions {
  retainGraph?: boolean;
  /** Record the backward pass; 'auto': when the graph reaches a leaf in `active` that is not a target. */
  createGraph?: boolean | 'auto';
  /** With 'auto': the leaves that enclosing functional transforms are differentiating right now. */
  active?: ReadonlySet<Tensor>;
  /** Collect gradients for these tensors instead of accumulating into leaves' `.grad`. */
  targets?: readonly Tensor[];
}

/** @internal Sums `g` down to the shape of input `i` of `op` (undoing broadcasting), checking shape and dtype. */
function fitGradient(op: string, i: number, g: Tensor, x: Tensor): Tensor {
  if (g.dtype !== x.dtype)
    throw new TapegradError(`backward of '${op}'`, `gradient for input ${i} has dtype ${g.dtype} but the input is ${x.dtype}`);
  if (shapeEq(g.shape, x.shape)) return g;
  // The gradient must have the shape x was broadcast to: x's axes, right-aligned, are 1 or equal.
  const lead = g.shape.length - x.shape.length;
  if (lead < 0 || x.shape.some((d, k) => d !== 1 && d !== g.shape[lead + k]))
    throw new TapegradError(`backward of '${op}'`, `gradient for input ${i} has shape ${fmt(g.shape)} but the input has shape ${fmt(x.shape)}`);
  return engineOps.sumTo(g, x.shape);
}

/** Elements of deferred products' operands held at most before they are summed. */
const PENDING_MAX = 2 ** 24;

/** The shape of a deferred product: [rows of op(A), columns of op(B)]. */
function productShape(p: DeferredProduct): number[] {
  return [p.a.shape[p.transA ? 1 : 0]!, p.b.shape[p.transB ? 0 : 1]!];
}

/** dst += src, elementwise (same length and dtype); one loop per array type keeps each monomorphic. */
function addInto(dst: TypedArray, src: TypedArray): void {
  if (dst instanceof Float32Array) addInto32(dst, src as Float32Array);
  else if (dst instanceof Float64Array) addInto64(dst, src as Float64Array);
  else for (let k = 0; k < dst.length; k++) dst[k]! += src[k]!;
}
function addInto32(dst: Float32Array, src: Float32Array): void {
  for (let k = 0; k < dst.length; k++) dst[k]! += src[k]!;
}
function addInto64(dst: Float64Array, src: Float64Array): void {
  for (let k = 0; k < dst.length; k++) dst[k]! += src[k]!;
}

function checkFinite(op: string, i: number, g: Tensor): void {
  const d = g.data;
  for (let k = 0; k < d.length; k++)
    if (!Number.isFinite(d[k]!))
      throw new TapegradError(`backward of '${op}'`, `anomaly: gradient for input ${i} (shape ${fmt(g.shape)}) holds ${d[k]} at flat index ${k}`);
}

/** @internal The differentiable ops the engine itself needs; injected by the op modules to avoid a cycle. */
export const engineOps: {
  add: (a: Tensor, b: Tensor) => Tensor;
  sumTo: (g: Tensor, shape: readonly number[]) => Tensor;
} = {
  add: (a, b) => getBackend().binary('add', a, b),
  sumTo: () => {
    throw new Error('engine ops not installed');
  },
};

/**
 * @internal The engine: walks the graph below `roots` in reverse creation order (iteratively), calls each
 * node's VJP, undoes broadcasting, accumulates fan-out and delivers leaf gradients or target gradients.
 */
export function runBackward(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  opts: BackwardOptions = {},
): { grads: Map<Tensor, Tensor>; recorded: boolean } {
  const targets = opts.targets ? new Set(opts.targets) : undefined;
  let outerLeaf = false;

  const nodes: Node[] = [];
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const r of roots) if (r.node) stack.push(r.node as Node);
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    nodes.push(n);
    for (const t of n.inputs) {
      if (t.node && !seen.has(t.node as Node)) stack.push(t.node as Node);
      else if (!t.node && opts.active?.has(t) && !targets?.has(t)) outerLeaf = true;
    }
  }
  // Under 'auto' (the functional surface), record iff an enclosing transform differentiates a leaf we reach.
  const createGraph = opts.createGraph === 'auto' ? isGradEnabled() && outerLeaf : (opts.createGraph ?? false);
  const retain = opts.retainGraph ?? createGraph;
  // Creation order is a topological order.
  nodes.sort((a, b) => b.id - a.id);

  let needed: Set<Node> | undefined;
  if (targets) {
    needed = new Set();
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k]!;
      if (n.inputs.some((t) => targets.has(t) || (t.node !== null && needed!.has(t.node as Node)))) needed.add(n);
    }
  }

  // Without createGraph, the gradients this pass allocates are its own: no tensor outside it can reach
  // them. It counts the references its map holds to each storage; storage that was allocated here and is
  // no longer referenced goes back to the allocator, and a fan-out sum adds into storage it alone holds.
  const owned = createGraph ? null : new WeakSet<TypedArray>();
  const refs = new Map<TypedArray, number>();
  const dead: TypedArray[] = [];
  const hold = (g: Tensor): void => void refs.set(g.data, (refs.get(g.data) ?? 0) + 1);
  const drop = (g: Tensor): void => {
    const n = refs.get(g.data)! - 1;
    if (n > 0) refs.set(g.data, n);
    else {
      refs.delete(g.data);
      dead.push(g.data);
    }
  };

  const prevTracking = trackAllocations(owned);
  let grads: Map<Tensor, Tensor>;
  // Parameters do not change during a backward pass: the backend may keep them packed meanwhile.
  const frozen = K().withFrozenLeaves?.bind(K()) ?? (<T>(f: () => T): T => f());
  try {
    grads = frozen(() => withGradMode(createGraph, () => {
      const grads = new Map<Tensor, Tensor>();
      // Deferred products waiting to be summed into a gradient the engine alone holds, per tensor: a
      // weight's products over a sequence's steps go in as one product over all their rows (one GEMM
      // with a long inner dimension instead of one short one per step). Their operands are held meanwhile.
      const pending = new Map<Tensor, DeferredProduct[]>();
      let pendingSize = 0;
      const flush = (t: Tensor): void => {
        const list = pending.get(t);
        if (!list) return;
        pending.delete(t);
        const p = list[0]!;
        K().matmulAccumulate!(grads.get(t)!, list.map((d) => d.a), list.map((d) => d.b), p.transA, p.transB);
        for (const d of list) {
          pendingSize -= d.a.size + d.b.size;
          drop(d.a);
          drop(d.b);
        }
      };
      const accumulate = (t: Tensor, g: Tensor): void => {
        flush(t);
        const prev = grads.get(t);
        if (!prev) {
          grads.set(t, g);
          hold(g);
        } else if (owned?.has(prev.data) && refs.get(prev.data) === 1 && prev.data !== g.data) {
          addInto(prev.data, g.data);
          dead.push(g.data);
        } else {
          const sum = engineOps.add(prev, g);
          grads.set(t, sum);
          hold(sum);
          drop(prev);
          dead.push(g.data);
        }
      };
      roots.forEach((r, k) => accumulate(r, seeds[k]!));

      for (const node of nodes) {
        if (needed && !needed.has(node)) continue;
        for (const o of node.outputs) flush(o);
        const gs = node.outputs.map((o) => grads.get(o) ?? null);
        if (!gs.some(Boolean)) continue;
        const name = node.name;
        if (node.released)
          throw new TapegradError(
            'backward',
            `tried to go backward through the graph a second time (at op '${name}', output shape ${fmt(node.outputs[0]!.shape)}); ` +
              'its saved values were released by the first backward: pass {retainGraph: true} to that call',
          );
        const gin = node.vjp(gs, node);
        node.inputs.forEach((x, i) => {
          let gi = gin[i];
          if (!node.needs[i] || !gi) return;
          if (isDeferred(gi)) {
            const prev = grads.get(x);
            const list = pending.get(x);
            if (list && (list[0]!.transA !== gi.transA || list[0]!.transB !== gi.transB)) flush(x);
            if (K().matmulAccumulate && !anomaly && prev && owned?.has(prev.data) && refs.get(prev.data) === 1 && shapeEq(prev.shape, productShape(gi))) {
              hold(gi.a);
              hold(gi.b);
              const queued = pending.get(x);
              if (queued) queued.push(gi);
              else pending.set(x, [gi]);
              pendingSize += gi.a.size + gi.b.size;
              if (pendingSize > PENDING_MAX) for (const t of [...pending.keys()]) flush(t);
              return;
            }
            gi = gi.compute();
          }
          if (!(gi instanceof Tensor)) throw new TapegradError(`backward of '${name}'`, `VJP returned a non-tensor for input ${i}`);
          const fitted = fitGradient(name, i, gi, x);
          if (anomaly) checkFinite(name, i, fitted);
          if (fitted !== gi) dead.push(gi.data);
          accumulate(x, fitted);
        });
        for (const o of node.outputs)
          if (!targets?.has(o) && grads.has(o)) {
            drop(grads.get(o)!);
            grads.delete(o);
          }
        if (!retain) node.released = true;
        if (owned) for (const d of dead) if (!refs.has(d) && owned.has(d)) {
          owned.delete(d);
          recycle(d);
        }
        dead.length = 0;
      }

      for (const t of [...pending.keys()]) flush(t);
      dead.length = 0;
      if (targets) return grads;
      for (const [t, g] of grads) {
        if (!t.isLeaf || !t.requiresGrad) continue;
        t.grad = t.grad ? engineOps.add(t.grad, g) : g;
      }
      return grads;
    }));
  } finally {
    trackAllocations(prevTracking);
  }
  return { grads, recorded: createGraph };
}
