// Elementwise kernels in WebAssembly SIMD over contiguous arrays.
// Binary ops: out[i] = a[i] op b[i mod m] (or a[i mod m] op b[i] when `swap`): one operand is full (n
// elements), the other repeats with period m (m = n: same shape; m = 1: a scalar; else a trailing block,
// such as a bias row). float32 arithmetic is exactly the TypeScript kernels' (IEEE +-*/, min and max
// round once either way), so results agree bit for bit.
// float64 exp, tanh and sigmoid use Cody-Waite range reduction and degree-13 Taylor polynomials: within
// about one ulp of Math.exp etc. float32 ones are computed in float32, four lanes at a time, step for step
// as core/kernels/mathf.ts computes them (the same constants, operations and order), so that both give
// the same bits: within 1 ulp of the correctly rounded result for exp and tanh, 2 for sigmoid.

// ------------------------------------------------------------------------------------------- binary ops

@inline function bin32(op: i32, x: v128, y: v128): v128 {
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.sub(x, y);
  if (op == 2) return f32x4.mul(x, y);
  if (op == 3) return f32x4.div(x, y);
  if (op == 4) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

@inline function bin64(op: i32, x: v128, y: v128): v128 {
  if (op == 0) return f64x2.add(x, y);
  if (op == 1) return f64x2.sub(x, y);
  if (op == 2) return f64x2.mul(x, y);
  if (op == 3) return f64x2.div(x, y);
  if (op == 4) return f64x2.max(x, y);
  return f64x2.min(x, y);
}

// `op` and `swap` are constants at every call site, so each instance compiles to one branch-free loop.
@inline function loop32(op: i32, swap: bool, n: i32, full: usize, rep: usize, m: i32, out: usize): void {
  if (m == 1) {
    const s = v128.load32_splat(rep);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const f = v128.load(full + <usize>i * 4);
      v128.store(out + <usize>i * 4, swap ? bin32(op, s, f) : bin32(op, f, s));
    }
    for (; i < n; i++) {
      const f = v128.load32_splat(full + <usize>i * 4);
      f32.store(out + <usize>i * 4, f32x4.extract_lane(swap ? bin32(op, s, f) : bin32(op, f, s), 0));
    }
    return;
  }
  for (let row = 0; row < n; row += m) {
    const fr = full + <usize>row * 4;
    const or = out + <usize>row * 4;
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const f = v128.load(fr + <usize>j * 4);
      const r = v128.load(rep + <usize>j * 4);
      v128.store(or + <usize>j * 4, swap ? bin32(op, r, f) : bin32(op, f, r));
    }
    for (; j < m; j++) {
      const f = v128.load32_splat(fr + <usize>j * 4);
      const r = v128.load32_splat(rep + <usize>j * 4);
      f32.store(or + <usize>j * 4, f32x4.extract_lane(swap ? bin32(op, r, f) : bin32(op, f, r), 0));
    }
  }
}

@inline function loop64(op: i32, swap: bool, n: i32, full: usize, rep: usize, m: i32, out: usize): void {
  if (m == 1) {
    const s = v128.load64_splat(rep);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const f = v128.load(full + <usize>i * 8);
      v128.store(out + <usize>i * 8, swap ? bin64(op, s, f) : bin64(op, f, s));
    }
    if (i < n) {
      const f = v128.load64_splat(full + <usize>i * 8);
      f64.store(out + <usize>i * 8, f64x2.extract_lane(swap ? bin64(op, s, f) : bin64(op, f, s), 0));
    }
    return;
  }
  for (let row = 0; row < n; row += m) {
    const fr = full + <usize>row * 8;
    const or = out + <usize>row * 8;
    let j = 0;
    for (; j + 2 <= m; j += 2) {
      const f = v128.load(fr + <usize>j * 8);
      const r = v128.load(rep + <usize>j * 8);
      v128.store(or + <usize>j * 8, swap ? bin64(op, r, f) : bin64(op, f, r));
    }
    if (j < m) {
      const f = v128.load64_splat(fr + <usize>j * 8);
      const r = v128.load64_splat(rep + <usize>j * 8);
      f64.store(or + <usize>j * 8, f64x2.extract_lane(swap ? bin64(op, r, f) : bin64(op, f, r), 0));
    }
  }
}

/**
 * float32 `out = full op rep` (or `rep op full` when swap), `rep` repeating with period m (m divides n);
 * op: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum.
 */
export function binary32(op: i32, swap: bool, n: i32, full: usize, rep: usize, m: i32, out: usize): void {
  if (swap) {
    if (op == 0) loop32(0, true, n, full, rep, m, out);
    else if (op == 1) loop32(1, true, n, full, rep, m, out);
    else if (op == 2) loop32(2, true, n, full, rep, m, out);
    else if (op == 3) loop32(3, true, n, full, rep, m, out);
    else if (op == 4) loop32(4, true, n, full, rep, m, out);
    else loop32(5, true, n, full, rep, m, out);
  } else {
    if (op == 0) loop32(0, false, n, full, rep, m, out);
    else if (op == 1) loop32(1, false, n, full, rep, m, out);
    else if (op == 2) loop32(2, false, n, full, rep, m, out);
    else if (op == 3) loop32(3, false, n, full, rep, m, out);
    else if (op == 4) loop32(4, false, n, full, rep, m, out);
    else loop32(5, false, n, full, rep, m, out);
  }
}

/** float64 counterpart of binary32. */
export function binary64(op: i32, swap: bool, n: i32, full: usize, rep: usize, m: i32, out: usize): void {
  if (swap) {
    if (op == 0) loop64(0, true, n, full, rep, m, out);
    else if (op == 1) loop64(1, true, n, full, rep, m, out);
    else if (op == 2) loop64(2, true, n, full, rep, m, out);
    else if (op == 3) loop64(3, true, n, full, rep, m, out);
    else if (op == 4) loop64(4, true, n, full, rep, m, out);
    else loop64(5, true, n, full, rep, m, out);
  } else {
    if (op == 0) loop64(0, false, n, full, rep, m, out);
    else if (op == 1) loop64(1, false, n, full, rep, m, out);
    else if (op == 2) loop64(2, false, n, full, rep, m, out);
    else if (op == 3) loop64(3, false, n, full, rep, m, out);
    else if (op == 4) loop64(4, false, n, full, rep, m, out);
    else loop64(5, false, n, full, rep, m, out);
  }
}

// -------------------------------------------------------------------------------- exp, tanh, sigmoid

const LOG2E: f64 = 1.4426950408889634;
// ln 2 split so that k * LN2HI is exact for |k| < 2^20 (fdlibm's constants).
const LN2HI: f64 = 6.93147180369123816490e-1;
const LN2LO: f64 = 1.90821492927058770002e-10;
// 1.5 * 2^52: adding it rounds to an integer, which lands in the low bits of the mantissa.
const SHIFTER: f64 = 6755399441055744.0;

@inline function splat(c: f64): v128 {
  return f64x2.splat(c);
}

// r*r*(1/2 + r/6 + ... + r^11/13!) = expm1(r) - r for |r| <= ln2/2 (truncation error below 2^-58), in
// Estrin's scheme: a dependency chain of 6 multiply-adds instead of Horner's 12, so that the out-of-order
// core overlaps consecutive vectors.
@inline function tail(r: v128): v128 {
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const p0 = f64x2.add(splat(1.0 / 2), f64x2.mul(splat(1.0 / 6), r));
  const p1 = f64x2.add(splat(1.0 / 24), f64x2.mul(splat(1.0 / 120), r));
  const p2 = f64x2.add(splat(1.0 / 720), f64x2.mul(splat(1.0 / 5040), r));
  const p3 = f64x2.add(splat(1.0 / 40320), f64x2.mul(splat(1.0 / 362880), r));
  const p4 = f64x2.add(splat(1.0 / 3628800), f64x2.mul(splat(1.0 / 39916800), r));
  const p5 = f64x2.add(splat(1.0 / 479001600), f64x2.mul(splat(1.0 / 6227020800), r));
  const q0 = f64x2.add(p0, f64x2.mul(p1, r2));
  const q1 = f64x2.add(p2, f64x2.mul(p3, r2));
  const q2 = f64x2.add(p4, f64x2.mul(p5, r2));
  const p = f64x2.add(f64x2.add(q0, f64x2.mul(q1, r4)), f64x2.mul(q2, f64x2.mul(r4, r4)));
  return f64x2.mul(r2, p);
}

// x - k ln2 for integral k.
@inline function reduce(x: v128, k: v128): v128 {
  return f64x2.sub(f64x2.sub(x, f64x2.mul(k, splat(LN2HI))), f64x2.mul(k, splat(LN2LO)));
}

// 2^k from kd = k + SHIFTER, for integral k in [-1022, 1023]: the bits of kd end in k, so
// (bits + 1023) << 52 is the exponent field of 2^k (the shift drops SHIFTER's own bits).
@inline function pow2(kd: v128): v128 {
  return i64x2.shl(i64x2.add(kd, i64x2.splat(1023)), 52);
}

// exp(x) with x = k ln2 + r: (1 + r + tail(r)) 2^k, the scaling split in two factors (the second one only
// for k outside the normal exponents) so that results that overflow or are subnormal round once, as
// Math.exp's do.
@inline function exp2x(x: v128): v128 {
  const c = f64x2.pmin(f64x2.pmax(x, splat(-746)), splat(710)); // pmin, pmax: NaN stays NaN
  const k = f64x2.sub(f64x2.add(f64x2.mul(c, splat(LOG2E)), splat(SHIFTER)), splat(SHIFTER));
  const r = reduce(c, k);
  const p = f64x2.add(splat(1), f64x2.add(r, tail(r)));
  const k1 = f64x2.pmin(f64x2.pmax(k, splat(-1022)), splat(1023));
  const e1 = pow2(f64x2.add(k1, splat(SHIFTER)));
  const e2 = pow2(f64x2.add(f64x2.sub(k, k1), splat(SHIFTER)));
  return f64x2.mul(f64x2.mul(p, e1), e2);
}

// tanh(x) = sign(x) e / (e + 2) with e = expm1(2|x|) = 2^k expm1(r) + (2^k - 1): no cancellation for
// small |x|, and |x| > 20 gives +-1 as in float64. The rounding error c of the reduced argument is carried
// (expm1(r + c) ~ expm1(r) + c e^r), since the sum 2^k expm1(r) + (2^k - 1) can magnify it.
@inline function tanh2x(x: v128): v128 {
  const y = f64x2.mul(f64x2.pmin(f64x2.abs(x), splat(20)), splat(2));
  const kd = f64x2.add(f64x2.mul(y, splat(LOG2E)), splat(SHIFTER));
  const k = f64x2.sub(kd, splat(SHIFTER));
  const hi = f64x2.sub(y, f64x2.mul(k, splat(LN2HI)));
  const lo = f64x2.mul(k, splat(LN2LO));
  const r = f64x2.sub(hi, lo);
  const c = f64x2.sub(f64x2.sub(hi, r), lo);
  const q = f64x2.add(r, f64x2.add(tail(r), f64x2.add(c, f64x2.mul(c, r))));
  const t = pow2(kd);
  const e = f64x2.add(f64x2.mul(t, q), f64x2.sub(t, splat(1)));
  const th = f64x2.div(e, f64x2.add(e, splat(2)));
  return v128.bitselect(x, th, i64x2.splat(0x8000000000000000));
}

// As the TypeScript kernel: 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) otherwise.
@inline function sigmoid2x(x: v128): v128 {
  const t = exp2x(f64x2.neg(f64x2.abs(x)));
  const d = f64x2.add(splat(1), t);
  return v128.bitselect(f64x2.div(splat(1), d), f64x2.div(t, d), f64x2.ge(x, splat(0)));
}

@inline function unaryOp(op: i32, x: v128): v128 {
  if (op == 0) return exp2x(x);
  if (op == 1) return tanh2x(x);
  return sigmoid2x(x);
}

// ------------------------------------------------------------------------- float32 exp, tanh, sigmoid

// The constants of core/kernels/mathf.ts (each literal is exactly a float32).
const LOG2E_F: f32 = 1.4426950216293335;
const SHIFT_F: f32 = 12582912;
const LN2_HI_F: f32 = 0.693145751953125;
const LN2_LO_F: f32 = 1.428606765330187e-6;
const EXP_LO_F: f32 = -104;
const EXP_HI_F: f32 = 88.80000305175781;
const P0_F: f32 = 0.5;
const P1_F: f32 = 0.1666666567325592;
const P2_F: f32 = 0.04166629537940025;
const P3_F: f32 = 0.008333496749401093;
const P4_F: f32 = 0.0013944660313427448;
const P5_F: f32 = 0.00019790341320913285;
const TANH_SMALL_F: f32 = 0.625;
const Q0_F: f32 = -0.3333328068256378;
const Q1_F: f32 = 0.13331441581249237;
const Q2_F: f32 = -0.05373971164226532;
const Q3_F: f32 = 0.02063908241689205;
const Q4_F: f32 = -0.005704982206225395;

@inline function sp(c: f32): v128 {
  return f32x4.splat(c);
}

// expf of mathf.ts: clamp (pmax, pmin keep NaN), k = round(c log2e) by the shifter, r = c - k ln2 in two
// parts, 1 + r + r^2 P(r) by Horner, and 2^k as two exponent-field factors (k1 in [-125, 127]). The
// integer k is read off the shifted sum's bits (cheaper than a saturating conversion).
@inline function expf4(x: v128): v128 {
  const c = f32x4.pmin(f32x4.pmax(x, sp(EXP_LO_F)), sp(EXP_HI_F));
  const kd = f32x4.add(f32x4.mul(c, sp(LOG2E_F)), sp(SHIFT_F));
  const k = f32x4.sub(kd, sp(SHIFT_F));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(k, sp(LN2_HI_F))), f32x4.mul(k, sp(LN2_LO_F)));
  const z = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(sp(P5_F), r), sp(P4_F));
  p = f32x4.add(f32x4.mul(p, r), sp(P3_F));
  p = f32x4.add(f32x4.mul(p, r), sp(P2_F));
  p = f32x4.add(f32x4.mul(p, r), sp(P1_F));
  p = f32x4.add(f32x4.mul(p, r), sp(P0_F));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), sp(1));
  const ki = i32x4.sub(kd, i32x4.splat(0x4b400000)); // k itself: kd = 1.5 * 2^23 + k, one exponent
  const k1 = i32x4.min_s(i32x4.max_s(ki, i32x4.splat(-125)), i32x4.splat(127));
  const s1 = i32x4.shl(i32x4.add(k1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ki, k1), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// tanhf of mathf.ts: on |x|, the odd polynomial below 0.625 and 1 - 2 / (e^(2|x|) + 1) above (both are
// computed and one kept per lane), then the sign of x.
@inline function tanhf4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(ax, ax);
  let q = f32x4.add(f32x4.mul(sp(Q4_F), z), sp(Q3_F));
  q = f32x4.add(f32x4.mul(q, z), sp(Q2_F));
  q = f32x4.add(f32x4.mul(q, z), sp(Q1_F));
  q = f32x4.add(f32x4.mul(q, z), sp(Q0_F));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, z), q));
  const e = expf4(f32x4.add(ax, ax));
  const large = f32x4.sub(sp(1), f32x4.div(sp(2), f32x4.add(e, sp(1))));
  const v = v128.bitselect(small, large, f32x4.lt(ax, sp(TANH_SMALL_F)));
  return v128.bitselect(x, v, i32x4.splat(0x80000000)); // v >= 0 takes the sign of x
}

// sigmoidf of mathf.ts: (x >= 0 ? 1 : t) / (1 + t) with t = e^-|x|, one division.
@inline function sigmoidf4(x: v128): v128 {
  const t = expf4(f32x4.neg(f32x4.abs(x)));
  return f32x4.div(v128.bitselect(sp(1), t, f32x4.ge(x, sp(0))), f32x4.add(sp(1), t));
}

// One exported loop per function: with the op as a parameter, binaryen merged the three loops into one
// that branched on it at every vector, and V8 then spilled the constants of all three. Two vectors per
// step overlap their long dependency chains (20% faster).
@inline function map32(op: i32, n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(x + <usize>i * 4);
    const w = v128.load(x + <usize>i * 4, 16);
    v128.store(out + <usize>i * 4, op == 0 ? expf4(v) : op == 1 ? tanhf4(v) : sigmoidf4(v));
    v128.store(out + <usize>i * 4, op == 0 ? expf4(w) : op == 1 ? tanhf4(w) : sigmoidf4(w), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    v128.store(out + <usize>i * 4, op == 0 ? expf4(v) : op == 1 ? tanhf4(v) : sigmoidf4(v));
  }
  for (; i < n; i++) {
    const v = v128.load32_splat(x + <usize>i * 4);
    f32.store(out + <usize>i * 4, f32x4.extract_lane(op == 0 ? expf4(v) : op == 1 ? tanhf4(v) : sigmoidf4(v), 0));
  }
}

/** float32 out[i] = exp(x[i]) (mathf.ts's expf). */
export function exp32(n: i32, x: usize, out: usize): void {
  map32(0, n, x, out);
}

/** float32 out[i] = tanh(x[i]) (mathf.ts's tanhf). */
export function tanh32(n: i32, x: usize, out: usize): void {
  map32(1, n, x, out);
}

/** float32 out[i] = sigmoid(x[i]) (mathf.ts's sigmoidf). */
export function sigmoid32(n: i32, x: usize, out: usize): void {
  map32(2, n, x, out);
}

@inline function map64(op: i32, n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + <usize>i * 8, unaryOp(op, v128.load(x + <usize>i * 8)));
  if (i < n) f64.store(out + <usize>i * 8, f64x2.extract_lane(unaryOp(op, v128.load64_splat(x + <usize>i * 8)), 0));
}

/** float64 out[i] = exp(x[i]). */
export function exp64(n: i32, x: usize, out: usize): void {
  map64(0, n, x, out);
}

/** float64 out[i] = tanh(x[i]). */
export function tanh64(n: i32, x: usize, out: usize): void {
  map64(1, n, x, out);
}

/** float64 out[i] = sigmoid(x[i]). */
export function sigmoid64(n: i32, x: usize, out: usize): void {
  map64(2, n, x, out);
}

// ---------------------------------------------------------------- tanhBackward, sigmoidBackward

// g (1 - y^2) (op 0) or g y (1 - y) (op 1), in float64 as the TypeScript kernels compute them (float32
// lanes widened, one rounding at the end), so the results agree bit for bit.
@inline function actGrad(op: i32, g: v128, y: v128): v128 {
  const one = f64x2.splat(1);
  if (op == 0) return f64x2.mul(g, f64x2.sub(one, f64x2.mul(y, y)));
  return f64x2.mul(f64x2.mul(g, y), f64x2.sub(one, y));
}

@inline function actGradLoop32(op: i32, n: i32, g: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const gv = v128.load(g + <usize>i * 4);
    const yv = v128.load(y + <usize>i * 4);
    const lo = actGrad(op, f64x2.promote_low_f32x4(gv), f64x2.promote_low_f32x4(yv));
    const hi = actGrad(op, f64x2.promote_low_f32x4(f32x4.shuffle(gv, gv, 2, 3, 0, 1)), f64x2.promote_low_f32x4(f32x4.shuffle(yv, yv, 2, 3, 0, 1)));
    v128.store(out + <usize>i * 4, f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; i < n; i++) {
    const r = actGrad(op, f64x2.splat(<f64>load<f32>(g + <usize>i * 4)), f64x2.splat(<f64>load<f32>(y + <usize>i * 4)));
    store<f32>(out + <usize>i * 4, <f32>f64x2.extract_lane(r, 0));
  }
}

@inline function actGradLoop64(op: i32, n: i32, g: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + <usize>i * 8, actGrad(op, v128.load(g + <usize>i * 8), v128.load(y + <usize>i * 8)));
  if (i < n) store<f64>(out + <usize>i * 8, f64x2.extract_lane(actGrad(op, v128.load64_splat(g + <usize>i * 8), v128.load64_splat(y + <usize>i * 8)), 0));
}

/** float32 out = g (1 - y^2) (op 0: tanhBackward) or g y (1 - y) (op 1: sigmoidBackward), same shapes. */
export function actGrad32(op: i32, n: i32, g: usize, y: usize, out: usize): void {
  if (op == 0) actGradLoop32(0, n, g, y, out);
  else actGradLoop32(1, n, g, y, out);
}

/** float64 counterpart of actGrad32. */
export function actGrad64(op: i32, n: i32, g: usize, y: usize, out: usize): void {
  if (op == 0) actGradLoop64(0, n, g, y, out);
  else actGradLoop64(1, n, g, y, out);
}
