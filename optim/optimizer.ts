import { freeze, produce } from 'immer';
import { allocate } from '../core/dtype.js';
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import {
  type AdagradOptions, type AdagradState, type AdamOptions, type AdamState, type RMSpropOptions, type RMSpropState, type Rule,
  type SGDOptions, type SGDState, adagradRule, adamRule, adamwRule, rmspropRule, sgdRule,
} from './rules.js';

/** A parameter group: its parameters and any hyper-parameters that differ from the defaults. @category Optimizers */
export type ParamGroup<H> = { params: readonly Tensor[] } & Partial<H>;

/** Hyper-parameters of one group as stored: with the indices of its parameters. @category Optimizers */
export type GroupState<H> = H & { readonly params: readonly number[] };

/**
 * An optimizer's state in PyTorch's layout: per-parameter state keyed by the parameter's index, and the
 * groups' hyper-parameters. An immutable tree (immer): a snapshot never changes when the optimizer steps.
 * @category Optimizers
 */
export interface OptimizerStateDict<H = Record<string, unknown>, S = Record<string, unknown>> {
  readonly state: Readonly<Record<string, S>>;
  readonly paramGroups: readonly GroupState<H>[];
}

/**
 * The PyTorch-style surface over a pure {@link Rule}: `step()` applies the rule to every parameter that
 * has a gradient and writes the new values into the parameters (as `torch.optim` does in place);
 * `zeroGrad()`, `stateDict()`, `loadStateDict()`, and per-group hyper-parameters changed between steps.
 * Each step builds the next immutable snapshot before writing anything, so an error in the middle leaves
 * the parameters and the state as they were.
 * @example
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * loss.backward();
 * opt.step();
 * opt.zeroGrad();
 * ```
 * @category Optimizers
 */
export class Optimizer<H extends object, S extends object> {
  /** Every parameter, in the order of the groups: a parameter's index is its position here. */
  readonly params: readonly Tensor[];
  private snap: OptimizerStateDict<H, S>;

  constructor(readonly rule: Rule<H, S>, params: readonly Tensor[] | readonly ParamGroup<H>[], opts: Partial<H> = {}) {
    check(rule !== null && typeof rule === 'object' && typeof rule.update === 'function' && typeof rule.init === 'function' && typeof rule.defaults === 'object', 'Optimizer', () =>
      'expected a Rule { name, defaults, init, update } (as sgdRule or adamRule)');
    const op = rule.name;
    check(Array.isArray(params) && params.length > 0, op, () =>
      params instanceof Tensor
        ? 'expected an array of parameters, got a single Tensor (pass [t], or model.parameters())'
        : Array.isArray(params) ? 'got an empty parameter list' : `expected an array of parameters or parameter groups, got ${params === null ? 'null' : typeof params}`);
    checkOptions(op, opts, Object.keys(rule.defaults));
    const groups: ParamGroup<H>[] = params[0] instanceof Tensor ? [{ params: params as readonly Tensor[] } as ParamGroup<H>] : [...(params as readonly ParamGroup<H>[])];
    const all: Tensor[] = [];
    const groupStates = groups.map((g, gi) => {
      check(g && Array.isArray(g.params), op, () => `parameter group ${gi} has no params array`);
      const known = ['params', ...Object.keys(rule.defaults)];
      for (const k of Object.keys(g))
        check(known.includes(k), op, () => `parameter group ${gi} has an unknown option '${k}' (a group takes ${known.join(', ')})`);
      const { params: ps, ...own } = g;
      const hp = { ...rule.defaults, ...opts, ...own } as H;
      validate(op, hp, rule.defaults);
      const idx = ps.map((p, k) => {
        check(p instanceof Tensor && p.dtype !== 'int32' && p.isLeaf, op, () => `parameter ${k} of group ${gi} must be a float leaf tensor`);
        check(!all.includes(p), op, () => `parameter ${k} of group ${gi} appears more than once`);
        all.push(p);
        return all.length - 1;
      });
      return { ...hp, params: idx } as GroupState<H>;
    });
    this.params = all;
    this.snap = freeze({ state: {}, paramGroups: groupStates }, true);
  }

  /** The groups' hyper-parameters (immutable; change them with {@link Optimizer.setHyperparameters}). */
  get paramGroups(): readonly GroupState<H>[] {
    return this.snap.paramGroups;
  }

  /**
   * Applies one update to every parameter that has a `.grad`. With a `closure` (which recomputes the loss
   * and calls backward), returns the loss it computed.
   */
  step(closure?: () => number | Tensor): number | undefined {
    const op = `${this.rule.name}.step`;
    check(closure === undefined || typeof closure === 'function', op, () => `closure must be a function that recomputes the loss, got ${typeof closure}`);
    const loss = closure ? closure() : undefined;
    const prev = this.snap;
    const state: Record<string, S> = { ...prev.state };
    const writes: [Tensor, Tensor][] = [];
    for (const group of prev.paramGroups)
      for (const i of group.params) {
        const p = this.params[i]!;
        const g = p.grad;
        if (!g) continue;
        check(shapeEq(g.shape, p.shape) && g.dtype === p.dtype, op, () =>
          `the gradient of parameter ${i} is ${g.dtype} ${fmt(g.shape)}, the parameter is ${p.dtype} ${fmt(p.shape)}`,
        );
        const [next, nextState] = this.rule.update(p, g, prev.state[i] ?? this.rule.init(p, group), group);
        state[i] = nextState;
        writes.push([p, next]);
      }
    // NOTE: the new snapshot is built and frozen directly rather than by a per-step immer produce: its
    // drafts gain a property after construction, a hidden class that dies after each step and
    // deoptimizes the code that handled it at the next collection (see bench/SOAK.md).
    if (writes.length > 0) this.snap = freeze({ state, paramGroups: prev.paramGroups }, true);
    for (const [p, next] of writes) p.data.set(next.data);
    return loss === undefined ? undefined : typeof loss === 'number' ? loss : loss.item();
  }

  /** Clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** The state and hyper-parameters as an immutable snapshot (later steps never change it). */
  stateDict(): OptimizerStateDict<H, S> {
    return this.snap;
  }

  /**
   * Restores a snapshot from {@link Optimizer.stateDict} (or a checkpoint), checking that its groups,
   * parameter counts and state tensors fit this optimizer's parameters; on a mismatch it throws and
   * keeps its own state.
   */
  loadStateDict(dict: OptimizerStateDict<H, S>): void {
    const op = `${this.rule.name}.loadStateDict`;
    check(dict && typeof dict === 'object' && Array.isArray(dict.paramGroups) && dict.state && typeof dict.state === 'object', op, () =>
      'expected { state, paramGroups }',
    );
    check(dict.paramGroups.length === this.snap.paramGroups.length, op, () =>
      `the saved state has ${dict.paramGroups.length} parameter group(s), this optimizer has ${this.snap.paramGroups.length}`,
    );
    dict.paramGroups.forEach((g, gi) => {
      const mine = this.snap.paramGroups[gi]!;
      check(Array.isArray(g.params) && g.params.length === mine.params.length, op, () =>
        `group ${gi} has ${g.params?.length} parameter(s) in the saved state, ${mine.params.length} here`,
      );
      validate(op, g, this.rule.defaults);
    });
    for (const [k, s] of Object.entries(dict.state)) {
      const i = Number(k);
      check(Number.isInteger(i) && i >= 0 && i < this.params.length, op, () => `state for parameter ${k}, but there are ${this.params.length} parameters`);
      const p = this.params[i]!;
      for (const [name, v] of Object.entries(s as object))
        if (v instanceof Tensor)
          check(shapeEq(v.shape, p.shape) && v.dtype === p.dtype, op, () =>
            `state '${name}' of parameter ${i} is ${v.dtype} ${fmt(v.shape)}, the parameter is ${p.dtype} ${fmt(p.shape)}`,
          );
    }
    const groups = dict.paramGroups.map((g, gi) => ({ ...g, params: this.snap.paramGroups[gi]!.params }));
    this.snap = freeze({ state: { ...dict.state }, paramGroups: groups }, true);
  }

  /** Changes hyper-parameters of one group (or all groups when `group` is omitted) from the next step on. */
  setHyperparameters(patch: Partial<H>, group?: number): void {
    const op = `${this.rule.name}.setHyperparameters`;
    const n = this.snap.paramGroups.length;
    check(group === undefined || (Number.isInteger(group) && group >= 0 && group < n), op, () => `group ${String(group)} does not exist (there are ${n})`);
    check(patch !== null && typeof patch === 'object' && !('params' in patch), op, () => 'params cannot be changed');
    checkOptions(op, patch, Object.keys(this.rule.defaults));
    this.snap = produce(this.snap, (draft) => {
      draft.paramGroups.forEach((g, gi) => {
        if (group !== undefined && gi !== group) return;
        const next = { ...(g as object), ...patch };
        validate(op, next, this.rule.defaults);
        Object.assign(g, patch);
      });
    });
  }

  /** The learning rate of each group. */
  get lrs(): number[] {
    return this.snap.paramGroups.map((g) => (g as unknown as { lr: number }).lr);
  }
}

function validate(op: string, hp: object, defaults: object): void {
  const h = hp as Record<string, unknown>;
  // A flag whose default is a boolean must stay one ('false' as a string would be truthy).
  for (const [k, d] of Object.entries(defaults))
    if (typeof d === 'boolean' && k in h) check(typeof h[k] === 'boolean', op, () => `${k} must be a boolean, got ${String(h[k])}`);
  const nonNeg = ['lr', 'eps', 'weightDecay', 'momentum', 'dampening', 'lrDecay', 'initialAccumulatorValue', 'alpha'];
  for (const k of nonNeg)
    if (k in h) check(typeof h[k] === 'number' && Number.isFinite(h[k] as number) && (h[k] as number) >= 0, op, () => `${k} must be a finite number >= 0, got ${String(h[k])}`);
  if ('betas' in h) {
    const b = h.betas as number[];
    check(Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number' && x >= 0 && x < 1), op, () => `betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
  }
  if (h.nesterov) check((h.momentum as number) > 0 && h.dampening === 0, op, () => 'nesterov momentum requires momentum > 0 and dampening = 0');
}

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as
 * `torch.optim.SGD`.
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * ```
 * @category Optimizers
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: readonly Tensor[] | readonly ParamGroup<SGDOptions>[], opts: Partial<SGDOptions> = {}) {
    super(sgdRule, params, opts);
  }
}

/**
 * Adam (with `amsgrad`, L2 `weightDecay`, `maximize`), as `torch.optim.Adam`.
 * @example
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * ```
 * @category Optimizers
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: readonly Tensor[] | readonly ParamGroup<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(adamRule, params, opts);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (default 0.01), as `torch.optim.AdamW`.
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * ```
 * @category Optimizers
 */
export class AdamW extends Optimizer<AdamOptions, AdamState> {
  constructor(params: readonly Tensor[] | readonly ParamGroup<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(adamwRule, params, opts);
  }
}

/**
 * RMSprop (with `momentum`, `centered`), as `torch.optim.RMSprop`.
 * @example
 * ```ts
 * const opt = new RMSprop(model.parameters(), { lr: 0.01, centered: true });
 * ```
 * @category Optimizers
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: readonly Tensor[] | readonly ParamGroup<RMSpropOptions>[], opts: Partial<RMSpropOptions> = {}) {
    super(rmspropRule, params, opts);
  }
}

/**
 * Adagrad (with `lrDecay`, `initialAccumulatorValue`), as `torch.optim.Adagrad`.
 * @example
 * ```ts
 * const opt = new Adagrad(model.parameters(), { lr: 0.01 });
 * ```
 * @category Optimizers
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: readonly Tensor[] | readonly ParamGroup<AdagradOptions>[], opts: Partial<AdagradOptions> = {}) {
    super(adagradRule, params, opts);
  }
}

/**
 * The pure contract underneath (as Optax): `init` the state for some parameters, `update` it from their
 * gradients, get the updates to add. Nothing is changed in place.
 * @example
 * ```ts
 * const tx = adam({ lr: 1e-3 });
 * let state = tx.init(params);
 * const [updates, next] = tx.update(grads, state, params);
 * params = applyUpdates(params, updates);
 * state = next;
 * ```
 * @category Optimizers
 */
export interface GradientTransformation<S> {
  init(params: readonly Tensor[]): S;
  update(grads: readonly Tensor[], state: S, params: readonly Tensor[]): readonly [updates: Tensor[], state: S];
}

/**
 * A pure {@link GradientTransformation} from an optimizer's rule and hyper-parameters.
 * @example
 * ```ts
 * const tx = fromRule(sgdRule, { lr: 0.1, momentum: 0.9 });
 * ```
 * @category Optimizers
 */
export function fromRule<H extends object, S>(rule: Rule<H, S>, opts: Partial<H> = {}): GradientTransformation<S[]> {
  check(rule !== null && typeof rule === 'object' && typeof rule.init === 'function' && typeof rule.update === 'function' && typeof rule.defaults === 'object', 'fromRule', () =>
    'expected a Rule { name, defaults, init, update } (as sgdRule or adamRule)');
  return transformation('fromRule', rule, opts);
}

function transformation<H extends object, S>(op: string, rule: Rule<H, S>, opts: Partial<H>): GradientTransformation<S[]> {
  checkOptions(op, opts, Object.keys(rule.defaults));
  const hp = { ...rule.defaults, ...opts } as H;
  validate(op, hp, rule.defaults);
  const tensors = (name: string, xs: unknown, n?: number): void => {
    check(Array.isArray(xs) && xs.every((x) => x instanceof Tensor), `${op}.update`, () => `${name} must be an array of tensors`);
    check(n === undefined || xs.length === n, `${op}.update`, () => `got ${xs.length} ${name} for ${n} parameters`);
  };
  return {
    init: (params) => {
      tensors('params', params);
      return params.map((p) => rule.init(p, hp));
    },
    update(grads, state, params) {
      tensors('params', params);
      tensors('gradients', grads, params.length);
      check(Array.isArray(state) && state.length === params.length, `${op}.update`, () =>
        `got ${Array.isArray(state) ? state.length : typeof state} states for ${params.length} parameters (the state comes from init)`);
      grads.forEach((g, i) => {
        const p = params[i]!;
        check(shapeEq(g.shape, p.shape) && g.dtype === p.dtype, `${op}.update`, () =>
          `gradient ${i} is ${g.dtype} ${fmt(g.shape)}, the parameter is ${p.dtype} ${fmt(p.shape)}`);
      });
      const out = params.map((p, i) => rule.update(p, grads[i]!, state[i]!, hp));
      const updates = out.map(([next], i) => {
        const u = new Tensor(allocate(next.dtype, next.size), next.shape, next.dtype);
        const pd = params[i]!.data;
        for (let k = 0; k < u.size; k++) u.data[k] = next.data[k]! - pd[k]!;
        return u;
      });
      return [updates, out.map(([, s]) => s)] as const;
    },
  };
}

/**
 * New parameters: each parameter plus its update (nothing changed in place).
 * @example
 * ```ts
 * params = applyUpdates(params, updates);
 * ```
 * @category Optimizers
 */
export function applyUpdates(params: readonly Tensor[], updates: readonly Tensor[]): Tensor[] {
  for (const [name, xs] of [['params', params], ['updates', updates]] as const)
    check(Array.isArray(xs) && xs.every((x) => x instanceof Tensor), 'applyUpdates', () => `${name} must be an array of tensors`);
  check(params.length === updates.length, 'applyUpdates', () => `${params.length} parameters but ${updates.length} updates`);
  const outs: Tensor[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const u = updates[i]!;
    if (!shapeEq(u.shape, p.shape) || u.dtype !== p.dtype)
      throw new TapegradError('applyUpdates', `update ${i} is ${u.dtype} ${fmt(u.shape)}, the parameter is ${p.dtype} ${fmt(p.shape)}`);
    const out = new Tensor(allocate(p.dtype, p.size, false), p.shape, p.dtype);
    for (let k = 0; k < p.size; k++) out.data[k] = p.data[k]! + u.data[k]!;
    outs.push(out);
  }
  return outs;
}

/** Pure SGD. @example `const tx = sgd({ lr: 0.1 });` @category Optimizers */
export const sgd = (opts: Partial<SGDOptions> = {}) => transformation('sgd', sgdRule, opts);
/** Pure Adam. @example `const tx = adam({ lr: 1e-3 });` @category Optimizers */
export const adam = (opts: Partial<AdamOptions> = {}) => transformation('adam', adamRule, opts);
/** Pure AdamW. @example `const tx = adamw({ lr: 1e-3 });` @category Optimizers */
export const adamw = (opts: Partial<AdamOptions> = {}) => transformation('adamw', adamwRule, opts);
/** Pure RMSprop. @example `const tx = rmsprop({ lr: 0.01 });` @category Optimizers */
export const rmsprop = (opts: Partial<RMSpropOptions> = {}) => transformation('rmsprop', rmspropRule, opts);
/** Pure Adagrad. @example `const tx = adagrad({ lr: 0.01 });` @category Optimizers */
export const adagrad = (opts: Partial<AdagradOptions> = {}) => transformation('adagrad', adagradRule, opts);
