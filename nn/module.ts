import { type DType, isFloat } from '../core/dtype.js';
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { type Generator, checkGenerator } from '../core/random.js';
import { fmt, shapeEq } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Options every module takes. @category Modules */
export interface ModuleOptions {
  /** Parameter dtype: `float32` (default) or `float64`. */
  dtype?: 'float32' | 'float64';
  /** The generator that initialises the parameters (the global one when absent). */
  generator?: Generator;
}

/** Options of {@link Module.loadStateDict}. @category Modules */
export interface LoadOptions {
  /** Require exactly the module's keys (default true). Shapes and dtypes are always checked. */
  strict?: boolean;
}

/**
 * The base of every layer, as `torch.nn.Module`: it owns named parameters (leaf tensors with
 * `requiresGrad`) and submodules, and names them as PyTorch does (`rnn.weight_ih_l0`, `0.weight`), so
 * state dicts move between the two.
 * @example
 * ```ts
 * class Affine extends Module {
 *   weight = this.registerParameter('weight', ones([3]));
 *   forward(x: Tensor) { return x.mul(this.weight); }
 * }
 * new Affine().namedParameters(); // [['weight', Tensor]]
 * ```
 * @category Modules
 */
export abstract class Module {
  /** Training mode (dropout active); switch with {@link Module.train} and {@link Module.eval}. */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly modules = new Map<string, Module>();

  /** Runs the module. */
  abstract forward(...args: any[]): unknown;

  /** The module's name in messages (its class name). */
  get name(): string {
    return this.constructor.name;
  }

  /**
   * Registers `value` (made a leaf that requires grad) as parameter `name`; null registers an absent one
   * (as `bias=False`). Returns the parameter.
   */
  registerParameter<T extends Tensor | null>(name: string, value: T): T {
    checkName(`${this.name}.registerParameter`, name);
    check(!this.params.has(name) && !this.modules.has(name), this.name, () => `a parameter or module named '${name}' exists already`);
    if (value) {
      check(value instanceof Tensor && isFloat(value.dtype), this.name, () => `parameter '${name}' must be a float tensor`);
      check(value.isLeaf, this.name, () => `parameter '${name}' must be a leaf tensor (detach it first)`);
      value.requiresGrad = true;
    }
    this.params.set(name, value);
    return value;
  }

  /** Registers a submodule under `name` (its parameters appear as `name.param`). Returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName(`${this.name}.registerModule`, name);
    check(module instanceof Module, this.name, () => `submodule '${name}' is not a Module`);
    check(!this.params.has(name) && !this.modules.has(name), this.name, () => `a parameter or module named '${name}' exists already`);
    this.modules.set(name, module);
    return module;
  }

  /** The parameter registered as `name` on this module (not a submodule). */
  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new TapegradError(this.name, `has no parameter '${name}' (it has: ${[...this.params.keys()].join(', ') || 'none'})`);
    return p;
  }

  /** The parameter `name`, or null when it was registered absent (as a bias with `bias: false`). */
  paramOrNull(name: string): Tensor | null {
    const p = this.params.get(name);
    if (p === undefined) throw new TapegradError(this.name, `has no parameter '${name}'`);
    return p;
  }

  /**
   * The key of a submodule's parameter in this module's state dict: `child.key` by default, as PyTorch.
   * Layers that flatten their children's parameters (as the recurrent layers' `weight_ih_l0`) override it.
   */
  protected childKey(child: string, key: string): string {
    return `${child}.${key}`;
  }

  /** @internal Every parameter with its key, the module that owns it and its local name. */
  parameterSlots(): [key: string, owner: Module, local: string][] {
    const out: [string, Module, string][] = [];
    for (const [k, p] of this.params) if (p) out.push([k, this, k]);
    for (const [name, m] of this.modules) for (const [k, owner, local] of m.parameterSlots()) out.push([this.childKey(name, k), owner, local]);
    return out;
  }

  /** @internal Swaps parameter `local` for `value` (functionalCall); returns the previous tensor. */
  swapParameter(local: string, value: Tensor): Tensor | null {
    const prev = this.params.get(local) ?? null;
    this.params.set(local, value);
    return prev;
  }

  /** The direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.modules];
  }

  /** Parameters with PyTorch's dotted names, in registration order, submodules after the module's own. */
  namedParameters(): [string, Tensor][] {
    return this.parameterSlots().map(([k, owner, local]) => [k, owner.param(local)]);
  }

  /** All parameters (each once), for an optimizer. */
  parameters(): Tensor[] {
    return [...new Set(this.namedParameters().map(([, p]) => p))];
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    check(typeof mode === 'boolean', `${this.name}.train`, () => `mode must be a boolean, got ${String(mode)}`);
    this.training = mode;
    for (const m of this.modules.values()) m.train(mode);
    return this;
  }

  /** Sets evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Clears the `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters by PyTorch key, as detached tensors sharing storage. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters().map(([k, p]) => [k, new Tensor(p.data, p.shape, p.dtype)]));
  }

  /**
   * Copies values into the parameters, checking every key, shape and dtype first: on any mismatch it
   * throws naming what is missing, unexpected or mis-shaped, and changes nothing.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: LoadOptions = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    const op = `${this.name}.loadStateDict`;
    check(dict !== null && typeof dict === 'object', op, () => 'expected an object of tensors');
    checkOptions(op, opts, ['strict']);
    check(opts.strict === undefined || typeof opts.strict === 'boolean', op, () => `strict must be a boolean, got ${String(opts.strict)}`);
    const own = new Map(this.namedParameters());
    const missingKeys = [...own.keys()].filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    const problems: string[] = [];
    if ((opts.strict ?? true) && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if ((opts.strict ?? true) && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [k, p] of own) {
      const v = dict[k];
      if (v === undefined) continue;
      if (!(v instanceof Tensor)) problems.push(`'${k}' is not a Tensor`);
      else if (!shapeEq(v.shape, p.shape)) problems.push(`'${k}' has shape ${fmt(v.shape)}, expected ${fmt(p.shape)}`);
      else if (v.dtype !== p.dtype) problems.push(`'${k}' is ${v.dtype}, expected ${p.dtype} (convert it with .to('${p.dtype}'))`);
    }
    if (problems.length) throw new TapegradError(op, problems.join('; '));
    for (const [k, p] of own) if (dict[k]) p.data.set(dict[k]!.data);
    return { missingKeys, unexpectedKeys };
  }

  /** Constructor arguments shown by {@link Module.toString}. */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-style summary of the module tree. */
  toString(): string {
    const kids = [...this.modules].map(([k, m]) => `  (${k}): ${String(m).replace(/\n/g, '\n  ')}`);
    return kids.length ? `${this.name}(\n${kids.join('\n')}\n)` : `${this.name}(${this.extraRepr()})`;
  }
}

/**
 * Runs `fn` with some of `module`'s parameters replaced by the given tensors (by state-dict key), as
 * `torch.func.functional_call`, then puts the module's own back. This makes parameters ordinary
 * function arguments: for `grad` over a parameter tree, for `gradcheck` with respect to weights.
 * @example
 * ```ts
 * const lin = new Linear(3, 2, { dtype: 'float64' });
 * const loss = (params: Record<string, Tensor>) => functionalCall(lin, params, () => lin.forward(x).sum());
 * const grads = grad(loss)(lin.stateDict());   // { weight, bias }
 * ```
 * @category Modules
 */
export function functionalCall<T>(module: Module, params: Record<string, Tensor>, fn: () => T): T {
  const op = 'functionalCall';
  check(module instanceof Module, op, () => `expected a Module, got ${module === null ? 'null' : typeof module}`);
  check(params !== null && typeof params === 'object', op, () => `expected an object of tensors by key, got ${params === null ? 'null' : typeof params}`);
  check(typeof fn === 'function', op, () => `expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const slots = new Map(module.parameterSlots().map(([k, owner, local]) => [k, [owner, local] as const]));
  for (const [k, v] of Object.entries(params)) {
    const slot = slots.get(k);
    check(slot !== undefined, op, () => `${module.name} has no parameter '${k}' (it has: ${[...slots.keys()].join(', ')})`);
    const own = slot[0].param(slot[1]);
    check(v instanceof Tensor && shapeEq(v.shape, own.shape) && v.dtype === own.dtype, op, () =>
      `'${k}' must be ${own.dtype} ${fmt(own.shape)}, got ${v instanceof Tensor ? `${v.dtype} ${fmt(v.shape)}` : typeof v}`,
    );
  }
  const saved: [Module, string, Tensor | null][] = [];
  try {
    for (const [k, v] of Object.entries(params)) {
      const [owner, local] = slots.get(k)!;
      saved.push([owner, local, owner.swapParameter(local, v)]);
    }
    return fn();
  } finally {
    for (const [owner, local, prev] of saved.reverse()) if (prev) owner.swapParameter(local, prev);
  }
}

/** @internal Validates a positive integer size of a layer. */
export function checkSize(op: string, name: string, v: unknown): number {
  check(Number.isInteger(v) && (v as number) > 0, op, () => `${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** A parameter's or submodule's name: a non-empty string without dots (dots join the keys of a state dict). */
function checkName(op: string, name: unknown): void {
  check(typeof name === 'string' && name.length > 0 && !name.includes('.'), op, () =>
    `name must be a non-empty string without '.', got ${typeof name === 'string' ? `'${name}'` : typeof name}`);
}

/** The option keys every module takes. */
export const MODULE_KEYS = ['dtype', 'generator'] as const;

/**
 * @internal Validates a module's option bag: known keys only, and the shared `dtype` and `generator`;
 * returns the dtype.
 */
export function checkModuleOptions(op: string, opts: unknown, extra: readonly string[] = []): 'float32' | 'float64' {
  checkOptions(op, opts, [...MODULE_KEYS, ...extra]);
  return moduleOptionValues(op, opts);
}

/**
 * @internal Validates the shared `dtype` and `generator` of a module's option bag whose keys its caller
 * checks (or, for a base class, leaves to the subclass); returns the dtype.
 */
export function moduleOptionValues(op: string, opts: unknown): 'float32' | 'float64' {
  check(opts === undefined || (typeof opts === 'object' && opts !== null && !Array.isArray(opts)), op, () =>
    `expected an options object, got ${Array.isArray(opts) ? 'an array' : opts === null ? 'null' : typeof opts}`);
  const o = (opts ?? {}) as ModuleOptions;
  checkGenerator(op, o.generator);
  return moduleDType(op, o) as 'float32' | 'float64';
}



/** @internal Validates an optional boolean option (undefined passes). */
export function checkFlag(op: string, name: string, v: unknown): void {
  check(v === undefined || typeof v === 'boolean', op, () => `${name} must be a boolean, got ${String(v)}`);
}

/** @internal Validates the dtype option of a module. */
export function moduleDType(op: string, opts: ModuleOptions): DType {
  const d = opts.dtype ?? 'float32';
  check(d === 'float32' || d === 'float64', op, () => `dtype must be 'float32' or 'float64', got ${String(d)}`);
  return d;
}
