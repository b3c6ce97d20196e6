/**
 * The update rules of PyTorch's optimizers, as pure functions of (parameter, gradient, state,
 * hyper-parameters): each returns the new parameter values and a new state, never changing its inputs.
 * The arithmetic follows PyTorch 1.13's single-tensor code path operation by operation, so float64 runs
 * agree with PyTorch to rounding.
 */
import { allocate } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';

type Arr = Float32Array | Float64Array;

/** One optimizer's rule: its defaults, the state of a new parameter, and one update. @category Optimizers */
export interface Rule<H, S> {
  readonly name: string;
  readonly defaults: H;
  /** The state of a parameter before its first step. */
  init(param: Tensor, hp: H): S;
  /** One step: the new values of the parameter and its new state (inputs are left unchanged). */
  update(param: Tensor, grad: Tensor, state: S, hp: H): [Tensor, S];
}

const like = (t: Tensor): Tensor => new Tensor(allocate(t.dtype, t.size), t.shape, t.dtype);
const arr = (t: Tensor): Arr => t.data as Arr;

/** The gradient PyTorch's rules start from: negated under maximize, plus weight decay times the parameter. */
function effectiveGrad(p: Arr, g: Arr, maximize: boolean, weightDecay: number): Float64Array {
  const d = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) {
    let v = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) v = v + weightDecay * p[i]!;
    d[i] = v;
  }
  return d;
}

/** Hyper-parameters of {@link SGD}. @category Optimizers */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}
/** @category Optimizers */
export interface SGDState {
  momentumBuffer: Tensor | null;
}

export const sgdRule: Rule<SGDOptions, SGDState> = {
  name: 'SGD',
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
  init: () => ({ momentumBuffer: null }),
  update(param, grad, state, hp) {
    const p = arr(param);
    const d = effectiveGrad(p, arr(grad), hp.maximize, hp.weightDecay);
    let buf = state.momentumBuffer;
    if (hp.momentum !== 0) {
      const next = like(param);
      const b = arr(next);
      if (!buf) b.set(d);
      else {
        const old = arr(buf);
        for (let i = 0; i < b.length; i++) b[i] = old[i]! * hp.momentum + (1 - hp.dampening) * d[i]!;
      }
      buf = next;
      if (hp.nesterov) for (let i = 0; i < d.length; i++) d[i] = d[i]! + hp.momentum * b[i]!;
      else d.set(b);
    }
    const out = like(param);
    const o = arr(out);
    for (let i = 0; i < o.length; i++) o[i] = p[i]! + -hp.lr * d[i]!;
    return [out, { momentumBuffer: buf }];
  },
};

/** Hyper-parameters of {@link Adam} and {@link AdamW}. @category Optimizers */
export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}
/** @category Optimizers */
export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq: Tensor | null;
}

function adamUpdate(param: Tensor, grad: Tensor, state: AdamState, hp: AdamOptions, decoupled: boolean): [Tensor, AdamState] {
  const p = arr(param);
  const g = arr(grad);
  const [b1, b2] = hp.betas;
  const { lr, eps, amsgrad } = hp;
  const step = state.step + 1;
  const sign = hp.maximize ? -1 : 1;
  const wd = decoupled ? 0 : hp.weightDecay; // added to the gradient (Adam) ...
  const shrink = decoupled ? 1 - lr * hp.weightDecay : 1; // ... or taken off the parameter (AdamW)
  const out = like(param);
  const m = like(param);
  const v = like(param);
  const o = arr(out);
  const mm = arr(m);
  const vv = arr(v);
  const m0 = arr(state.expAvg);
  const v0 = arr(state.expAvgSq);
  const bc1 = 1 - b1 ** step;
  const bc2Sqrt = Math.sqrt(1 - b2 ** step);
  const stepSize = lr / bc1;
  const vmax = amsgrad ? like(param) : null;
  const nx = vmax ? arr(vmax) : vv;
  const old = amsgrad && state.maxExpAvgSq ? arr(state.maxExpAvgSq) : null;
  // One pass, each value computed as PyTorch's single-tensor code computes it (and stored, so rounded to
  // the parameter's dtype, before it is used again): m, v, the parameter after AdamW's decay, then the step.
  for (let i = 0; i < o.length; i++) {
    let gi = sign * g[i]!;
    if (wd !== 0) gi = gi + wd * p[i]!;
    mm[i] = m0[i]! * b1 + (1 - b1) * gi;
    vv[i] = v0[i]! * b2 + (1 - b2) * gi * gi;
    if (amsgrad) nx[i] = old ? Math.max(old[i]!, vv[i]!) : vv[i]!;
    o[i] = decoupled ? p[i]! * shrink : p[i]!;
    const denom = Math.sqrt(nx[i]!) / bc2Sqrt + eps;
    o[i] = o[i]! + -stepSize * (mm[i]! / denom);
  }
  return [out, { step, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax ?? state.maxExpAvgSq }];
}

const adamInit = (param: Tensor, hp: AdamOptions): AdamState => ({
  step: 0,
  expAvg: like(param),
  expAvgSq: like(param),
  maxExpAvgSq: hp.amsgrad ? like(param) : null,
});

export const adamRule: Rule<AdamOptions, AdamState> = {
  name: 'Adam',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
  init: adamInit,
  update: (param, grad, state, hp) => adamUpdate(param, grad, state, hp, false),
};

export const adamwRule: Rule<AdamOptions, AdamState> = {
  name: 'AdamW',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false },
  init: adamInit,
  update: (param, grad, state, hp) => adamUpdate(param, grad, state, hp, true),
};

/** Hyper-parameters of {@link RMSprop}. @category Optimizers */
export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}
/** @category Optimizers */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  momentumBuffer: Tensor | null;
  gradAvg: Tensor | null;
}

export const rmspropRule: Rule<RMSpropOptions, RMSpropState> = {
  name: 'RMSprop',
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  init: (param, hp) => ({
    step: 0,
    squareAvg: like(param),
    momentumBuffer: hp.momentum > 0 ? like(param) : null,
    gradAvg: hp.centered ? like(param) : null,
  }),
  update(param, grad, state, hp) {
    const p = arr(param);
    const g = effectiveGrad(p, arr(grad), hp.maximize, hp.weightDecay);
    const a = hp.alpha;
    const sq = like(param);
    const s = arr(sq);
    const s0 = arr(state.squareAvg);
    for (let i = 0; i < s.length; i++) s[i] = s0[i]! * a + (1 - a) * g[i]! * g[i]!;
    const avg = new Float64Array(s.length);
    let gradAvg: Tensor | null = state.gradAvg;
    if (hp.centered) {
      const ga = like(param);
      const gg = arr(ga);
      const ga0 = arr(state.gradAvg ?? like(param));
      for (let i = 0; i < gg.length; i++) gg[i] = ga0[i]! * a + (1 - a) * g[i]!;
      gradAvg = ga;
      for (let i = 0; i < avg.length; i++) avg[i] = Math.sqrt(s[i]! - gg[i]! * gg[i]!);
    } else for (let i = 0; i < avg.length; i++) avg[i] = Math.sqrt(s[i]!);
    for (let i = 0; i < avg.length; i++) avg[i] = avg[i]! + hp.eps;
    const out = like(param);
    const o = arr(out);
    let buf: Tensor | null = state.momentumBuffer;
    if (hp.momentum > 0) {
      const nb = like(param);
      const b = arr(nb);
      const b0 = arr(state.momentumBuffer ?? like(param));
      for (let i = 0; i < b.length; i++) b[i] = b0[i]! * hp.momentum + g[i]! / avg[i]!;
      buf = nb;
      for (let i = 0; i < o.length; i++) o[i] = p[i]! + -hp.lr * b[i]!;
    } else for (let i = 0; i < o.length; i++) o[i] = p[i]! + -hp.lr * (g[i]! / avg[i]!);
    return [out, { step: state.step + 1, squareAvg: sq, momentumBuffer: buf, gradAvg }];
  },
};

/** Hyper-parameters of {@link Adagrad}. @category Optimizers */
export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}
/** @category Optimizers */
export interface AdagradState {
  step: number;
  sum: Tensor;
}

export const adagradRule: Rule<AdagradOptions, AdagradState> = {
  name: 'Adagrad',
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
  init: (param, hp) => {
    const s = like(param);
    s.data.fill(hp.initialAccumulatorValue);
    return { step: 0, sum: s };
  },
  update(param, grad, state, hp) {
    const p = arr(param);
    const step = state.step + 1;
    const g = effectiveGrad(p, arr(grad), hp.maximize, hp.weightDecay);
    const clr = hp.lr / (1 + (step - 1) * hp.lrDecay);
    const sum = like(param);
    const s = arr(sum);
    const s0 = arr(state.sum);
    for (let i = 0; i < s.length; i++) s[i] = s0[i]! + g[i]! * g[i]!;
    const out = like(param);
    const o = arr(out);
    for (let i = 0; i < o.length; i++) o[i] = p[i]! + -clr * (g[i]! / (Math.sqrt(s[i]!) + hp.eps));
    return [out, { step, sum }];
  },
};

