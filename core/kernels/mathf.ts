/**
 * @internal float32 exp, tanh and sigmoid computed in float32 arithmetic, as a vectorised library computes
 * them (PyTorch's float32 kernels do the same through SLEEF): every step rounds to float32 (Math.fround;
 * an IEEE float64 operation on float32 operands rounded once to float32 is exactly the float32 operation),
 * in the order the WebAssembly SIMD kernels (core/kernels/wasm/assembly/elementwise.ts) take. The two
 * give the same bits for every input, so a float32 model computes the same values with or without
 * WebAssembly and at every tensor size.
 *
 * Accuracy against the correctly rounded float32 result, over every 7th float32 bit pattern: exp and tanh
 * within 1 ulp (0.42% and 0.17% of inputs off by one), sigmoid within 2 ulps (2.9% off).
 *
 * Method: exp(x) = 2^k e^r with k = round(x log2 e) and r = x - k ln2 (ln2 in two parts, the first with 16
 * significant bits so that k ln2_hi is exact), e^r = 1 + r + r^2 P(r) with P a degree-5 fit (relative
 * error 2^-34 on |r| <= ln2/2), and 2^k applied in two factors so that a subnormal result rounds once.
 * tanh(x) = sign(x) t(|x|) with t(a) = a + a^3 Q(a^2) for a < 0.625 (Q a degree-4 fit, error 2^-27.8),
 * else 1 - 2 / (e^(2a) + 1). sigmoid(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) otherwise.
 * The coefficients were fitted for tapegrad (weighted least squares on Chebyshev nodes); every literal
 * below is exactly a float32.
 */

const fr = Math.fround;

// The constants, also written out in the WebAssembly kernels (elementwise.ts).
const LOG2E = 1.4426950216293335;
/** 1.5 * 2^23: adding it rounds a float32 of magnitude below 2^22 to an integer. */
const SHIFT = 12582912;
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
/** exp clamps its argument to [EXP_LO, EXP_HI]: beyond, the result is 0 or Infinity anyway. */
const EXP_LO = -104;
const EXP_HI = 88.80000305175781;
const P0 = 0.5;
const P1 = 0.1666666567325592;
const P2 = 0.04166629537940025;
const P3 = 0.008333496749401093;
const P4 = 0.0013944660313427448;
const P5 = 0.00019790341320913285;
/** Below this |x|, tanh is its odd polynomial. */
const TANH_SMALL = 0.625;
const Q0 = -0.3333328068256378;
const Q1 = 0.13331441581249237;
const Q2 = -0.05373971164226532;
const Q3 = 0.02063908241689205;
const Q4 = -0.005704982206225395;

// 2^k for k in [-125, 127], exact.
const POW2 = new Float64Array(253);
for (let k = -125; k <= 127; k++) POW2[k + 125] = 2 ** k;

/** e^x of a float32 `x`, in float32. */
export function expf(x: number): number {
  if (x !== x) return x;
  const c = x < EXP_LO ? EXP_LO : EXP_HI < x ? EXP_HI : x;
  const k = fr(fr(c * LOG2E) + SHIFT) - SHIFT; // exact: an integer in [-150, 128]
  let r = fr(c - fr(k * LN2_HI));
  r = fr(r - fr(k * LN2_LO));
  const z = fr(r * r);
  let p = fr(fr(P5 * r) + P4);
  p = fr(fr(p * r) + P3);
  p = fr(fr(p * r) + P2);
  p = fr(fr(p * r) + P1);
  p = fr(fr(p * r) + P0);
  const y = fr(fr(fr(p * z) + r) + 1);
  // 2^k in two factors: y 2^k1 stays normal (k1 >= -125), so only the last product rounds.
  const ki = k | 0;
  if (ki >= -125 && ki <= 127) return fr(y * POW2[ki + 125]!);
  const k1 = ki < -125 ? -125 : 127;
  return fr(fr(y * POW2[k1 + 125]!) * POW2[ki - k1 + 125]!);
}

/** tanh of a float32 `x`, in float32. */
export function tanhf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  let v: number;
  if (ax < TANH_SMALL) {
    const z = fr(ax * ax);
    let q = fr(fr(Q4 * z) + Q3);
    q = fr(fr(q * z) + Q2);
    q = fr(fr(q * z) + Q1);
    q = fr(fr(q * z) + Q0);
    v = fr(ax + fr(fr(ax * z) * q));
  } else {
    const e = expf(fr(ax + ax));
    v = fr(1 - fr(2 / fr(e + 1)));
  }
  // v >= 0 takes the sign of x (tanh(-0) = -0).
  return x < 0 ? -v : x === 0 ? x : v;
}

/** The logistic sigmoid of a float32 `x`, in float32. */
export function sigmoidf(x: number): number {
  if (x !== x) return x;
  const t = expf(-Math.abs(x));
  return fr((x >= 0 ? 1 : t) / fr(1 + t));
}
