import { TapegradError, check, checkOptions } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

function grads(op: string, params: readonly Tensor[] | Tensor): Tensor[] {
  check(params instanceof Tensor || Array.isArray(params), op, () =>
    `expected a Tensor or an array of tensors (model.parameters()), got ${params === null ? 'null' : typeof params}`);
  const list = params instanceof Tensor ? [params] : [...params];
  list.forEach((p, i) => check(p instanceof Tensor, op, () => `parameter ${i} is not a Tensor`));
  return list.filter((p) => p.grad !== null);
}

/**
 * Rescales the gradients of `params` so that their joint norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_`, and returns the total norm before clipping. With
 * `errorIfNonfinite`, a NaN or infinite norm throws and leaves every gradient as it was.
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * ```
 * @category Clipping
 */
export function clipGradNorm(
  params: readonly Tensor[] | Tensor,
  maxNorm: number,
  opts: { normType?: number; errorIfNonfinite?: boolean } = {},
): number {
  const op = 'clipGradNorm';
  checkOptions(op, opts, ['normType', 'errorIfNonfinite']);
  const normType = opts.normType ?? 2;
  check(opts.errorIfNonfinite === undefined || typeof opts.errorIfNonfinite === 'boolean', op, () =>
    `errorIfNonfinite must be a boolean, got ${String(opts.errorIfNonfinite)}`);
  check(typeof maxNorm === 'number' && Number.isFinite(maxNorm) && maxNorm >= 0, op, () => `maxNorm must be a finite number >= 0, got ${String(maxNorm)}`);
  check(typeof normType === 'number' && (normType === Infinity || (normType > 0 && Number.isFinite(normType))), op, () => `normType must be positive or Infinity, got ${String(normType)}`);
  const gs = grads(op, params);
  if (gs.length === 0) return 0;
  // Per-tensor norms, then the norm of those norms (as PyTorch), accumulated in float64.
  const norms = gs.map((p) => {
    const d = p.grad!.data;
    let s = 0;
    if (normType === Infinity) {
      for (let i = 0; i < d.length; i++) s = Math.max(s, Math.abs(d[i]!));
      return s;
    }
    for (let i = 0; i < d.length; i++) s += Math.abs(d[i]!) ** normType;
    return s ** (1 / normType);
  });
  const total = normType === Infinity ? Math.max(...norms) : norms.reduce((s, n) => s + n ** normType, 0) ** (1 / normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total))
    throw new TapegradError(op, `the total norm of order ${normType} of the gradients is ${total}; no gradient was changed (pass errorIfNonfinite: false to clip anyway)`);
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const p of gs) {
    const g = p.grad!;
    const out = new Tensor(g.data.slice(), g.shape, g.dtype);
    for (let i = 0; i < out.size; i++) out.data[i] = g.data[i]! * coef;
    p.grad = out;
  }
  return total;
}

/**
 * Clamps every gradient element of `params` into [-clipValue, clipValue], as
 * `torch.nn.utils.clip_grad_value_`.
 * @example
 * ```ts
 * clipGradValue(model.parameters(), 0.5);
 * ```
 * @category Clipping
 */
export function clipGradValue(params: readonly Tensor[] | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  check(typeof clipValue === 'number' && Number.isFinite(clipValue) && clipValue >= 0, op, () => `clipValue must be a finite number >= 0, got ${String(clipValue)}`);
  for (const p of grads(op, params)) {
    const g = p.grad!;
    const out = new Tensor(g.data.slice(), g.shape, g.dtype);
    for (let i = 0; i < out.size; i++) out.data[i] = Math.min(Math.max(g.data[i]!, -clipValue), clipValue);
    p.grad = out;
  }
}
