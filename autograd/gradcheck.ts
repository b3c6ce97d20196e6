import { randn } from '../core/creation.js';
import { TapegradError, check, checkOptions } from '../core/errors.js';
import { Generator } from '../core/random.js';
import { fmt, stridesOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { vjp } from './grad.js';
import { concat, reshape } from './ops/shape.js';
import { noGrad } from './tape.js';

/** Options of {@link gradcheck}. @category Gradient checking */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, against |numerical| (default 1e-3). */
  rtol?: number;
  /** Throw a {@link TapegradError} with the report's message when the check fails (default false). */
  raise?: boolean;
}

/** The worst disagreement found for one input. @category Gradient checking */
export interface WorstElement {
  /** Index of the input element that was perturbed. */
  input: number[];
  /** Index of the output element whose derivative disagrees. */
  output: number[];
  analytical: number;
  numerical: number;
}

/** What {@link gradcheck} found for one input. @category Gradient checking */
export interface InputReport {
  /** Position of the input in the list. */
  index: number;
  shape: number[];
  maxAbsError: number;
  maxRelError: number;
  /** The element that exceeds the tolerance most (or comes closest to it). */
  worst: WorstElement | null;
  ok: boolean;
}

/** The result of {@link gradcheck}. @category Gradient checking */
export interface GradcheckReport {
  ok: boolean;
  /** One entry per float input (int32 inputs are constants and are skipped). */
  inputs: InputReport[];
  /** A summary; on failure it names the input, the elements and both values. */
  message: string;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  return stridesOf(shape).map((s, d) => Math.floor(flat / s) % shape[d]!);
}

function checkInputs(op: string, inputs: readonly Tensor[]): void {
  check(Array.isArray(inputs) && inputs.length > 0, op, () => `inputs must be a non-empty array of tensors, got ${Array.isArray(inputs) ? 'an empty array' : typeof inputs}`);
  inputs.forEach((x, i) => {
    check(x instanceof Tensor, op, () => `input ${i} is not a Tensor`);
    check(x.dtype !== 'float32', op, () =>
      `input ${i} (shape ${fmt(x.shape)}) is float32: central differences need float64 (eps = 1e-6 is below float32's resolution of 1.2e-7 relative). Convert it with .to('float64')`,
    );
  });
}

/**
 * Compares the analytical Jacobian of `f` (from its VJPs, one output element at a time) with central
 * finite differences in float64, and reports per input the largest absolute and relative errors and the
 * worst element with both values. An element passes when |analytical - numerical| <= atol + rtol |numerical|.
 *
 * Inputs must be float64 (float32 is refused: its rounding error swamps the differences); int32 inputs
 * are passed through as constants. `f` must return a float64 tensor.
 * @example
 * ```ts
 * const x = randn([3, 4], { dtype: 'float64' });
 * const report = gradcheck((x) => tanh(x).sum(1), [x]);
 * report.ok; // true
 * ```
 * @category Gradient checking
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  checkCall('gradcheck', f, inputs, opts, GRADCHECK_KEYS);
  return check1('gradcheck', f, inputs, opts);
}

const GRADCHECK_KEYS = ['eps', 'atol', 'rtol', 'raise'];

/** The checks of gradcheck and gradgradcheck, under the name of the one called. */
function checkCall(op: string, f: unknown, inputs: readonly Tensor[], opts: GradcheckOptions, keys: readonly string[]): void {
  check(typeof f === 'function', op, () => `expected a function to check, got ${f === null ? 'null' : typeof f}`);
  checkOptions(op, opts, keys);
  check(opts.eps === undefined || (typeof opts.eps === 'number' && opts.eps > 0 && Number.isFinite(opts.eps)), op, () =>
    `eps must be a finite number > 0, got ${String(opts.eps)}`);
  for (const k of ['atol', 'rtol'] as const)
    check(opts[k] === undefined || (typeof opts[k] === 'number' && opts[k] >= 0 && Number.isFinite(opts[k])), op, () =>
      `${k} must be a finite number >= 0, got ${String(opts[k])}`);
  check(opts.raise === undefined || typeof opts.raise === 'boolean', op, () => `raise must be a boolean, got ${String(opts.raise)}`);
  checkInputs(op, inputs);
}

function check1(op: string, f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const consts = inputs.map((x) => new Tensor(x.data, x.shape, x.dtype));
  const floatIdx = consts.flatMap((x, i) => (x.dtype === 'float64' ? [i] : []));
  const call = (xs: Tensor[]): Tensor => {
    const y = f(...xs);
    check(y instanceof Tensor && y.dtype === 'float64', op, () => `f must return a float64 tensor, got ${y instanceof Tensor ? y.dtype : typeof y}`);
    return y;
  };

  // Analytical: one VJP per output element, against the float inputs only.
  const [y, pullback] = vjp((...fs: Tensor[]) => {
    const xs = [...consts];
    floatIdx.forEach((i, k) => (xs[i] = fs[k]!));
    return call(xs);
  }, ...floatIdx.map((i) => consts[i]!));
  const nOut = y.size;
  const analytical = floatIdx.map((i) => new Float64Array(nOut * consts[i]!.size));
  for (let o = 0; o < nOut; o++) {
    const seed = new Float64Array(nOut);
    seed[o] = 1;
    const grads = noGrad(() => pullback(new Tensor(seed, y.shape, 'float64')));
    grads.forEach((g, k) => analytical[k]!.set(g.data, o * g.size));
  }

  // Numerical: central differences, one input element at a time.
  const reports: InputReport[] = floatIdx.map((i, k) => {
    const x = consts[i]!;
    const n = x.size;
    const A = analytical[k]!;
    let maxAbs = 0;
    let maxRel = 0;
    let worst: WorstElement | null = null;
    let worstExcess = -Infinity;
    let ok = true;
    for (let j = 0; j < n; j++) {
      const eval1 = (delta: number): Float64Array => {
        const d = new Float64Array(x.data);
        d[j]! += delta;
        const xs = [...consts];
        xs[i] = new Tensor(d, x.shape, 'float64');
        return noGrad(() => call(xs)).data as Float64Array;
      };
      const plus = eval1(eps);
      const minus = eval1(-eps);
      for (let o = 0; o < nOut; o++) {
        const num = (plus[o]! - minus[o]!) / (2 * eps);
        const ana = A[o * n + j]!;
        const err = Math.abs(ana - num);
        const tol = atol + rtol * Math.abs(num);
        const excess = Number.isNaN(err) ? Infinity : err - tol;
        if (!(err <= tol)) ok = false;
        maxAbs = Math.max(maxAbs, Number.isNaN(err) ? Infinity : err);
        maxRel = Math.max(maxRel, Number.isNaN(err) ? Infinity : err / Math.max(Math.abs(num), 1e-300));
        if (excess > worstExcess) {
          worstExcess = excess;
          worst = { input: unravel(j, x.shape), output: unravel(o, y.shape), analytical: ana, numerical: num };
        }
      }
    }
    return { index: i, shape: [...x.shape], maxAbsError: maxAbs, maxRelError: maxRel, worst, ok };
  });

  const failed = reports.filter((r) => !r.ok);
  const message = failed.length
    ? failed
        .map((r) => {
          const w = r.worst!;
          return (
            `failed for input ${r.index} (shape ${fmt(r.shape)}): d output${fmt(w.output)} / d input${fmt(w.input)} ` +
            `is ${w.analytical} analytically but ${w.numerical} numerically (max abs error ${r.maxAbsError.toExponential(3)}, ` +
            `max rel error ${r.maxRelError.toExponential(3)}; tolerance ${atol} + ${rtol}·|numerical|, eps ${eps})`
          );
        })
        .join('\n')
    : `passed for ${reports.length} input(s): max abs error ${Math.max(0, ...reports.map((r) => r.maxAbsError)).toExponential(3)}`;
  // The report's message reads on its own ('gradcheck failed for ...'); a raised error's prefix names the check.
  if (failed.length && opts.raise) throw new TapegradError(op, message);
  return { ok: failed.length === 0, inputs: reports, message: `${op} ${message}` };
}

/**
 * Checks second-order gradients: gradcheck of the function (inputs, v) -> VJP of `f` at the inputs with
 * cotangent v, for a random float64 v (seeded), as `torch.autograd.gradgradcheck`.
 * @example
 * ```ts
 * gradgradcheck((x) => x.pow(3).sum(), [randn([3], { dtype: 'float64' })]).ok; // true
 * ```
 * @category Gradient checking
 */
export function gradgradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions & { seed?: number } = {},
): GradcheckReport {
  checkCall('gradgradcheck', f, inputs, opts, [...GRADCHECK_KEYS, 'seed']);
  check(opts.seed === undefined || Number.isSafeInteger(opts.seed), 'gradgradcheck', () => `seed must be a safe integer, got ${String(opts.seed)}`);
  const y = noGrad(() => f(...inputs));
  const v = randn([...y.shape], { dtype: 'float64', generator: new Generator(opts.seed ?? 0) });
  const floatIdx = inputs.flatMap((x, i) => (x.dtype === 'float64' ? [i] : []));
  const backwardFn = (...xsAndV: Tensor[]): Tensor => {
    const xs = xsAndV.slice(0, inputs.length);
    const cot = xsAndV[inputs.length]!;
    const [, pullback] = vjp((...fs: Tensor[]) => {
      const all = [...xs];
      floatIdx.forEach((i, k) => (all[i] = fs[k]!));
      return f(...all);
    }, ...floatIdx.map((i) => xs[i]!));
    return concat(pullback(cot).map((g) => reshape(g, [-1])));
  };
  const { seed: _, ...rest } = opts;
  return check1('gradgradcheck', backwardFn, [...inputs, v], rest);
}
