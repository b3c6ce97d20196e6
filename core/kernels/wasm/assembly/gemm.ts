// Blocked, packed GEMM in WebAssembly SIMD (the BLIS loop nest): C = op(A) op(B) for one matrix pair.
// Element (i, k) of op(A) is at a + (i*rsA + k*csA) elements, (k, j) of op(B) at b + (k*rsB + j*csB), so
// the transpose flags are only strides, absorbed by packing. C is row-major with row stride ldc.
// Blocks: a KC x NC panel of B is packed once per (jc, pc) and stays in L2/L3; an MC x KC block of A is
// packed per (ic) and stays in L2; the micro-kernel keeps an MR x NR tile of C in registers and streams
// one MR-row sliver of A and one NR-column sliver of B (both from L1) per step of k.
// A is packed already broadcast (each value repeated across a whole vector), so that the micro-kernel
// reads it with plain vector loads: V8 folds their offsets into the address, where a load-and-splat with
// an offset costs an extra instruction per row. That cut the inner loop from 34 to 28 instructions and
// raised float32 throughput by 13% (37 -> 42 GFLOP/s at n = 1024, Node 20 on a Zen 4 core).

// c + a b, fused where the engine supports relaxed SIMD and the CPU has FMA (build.mjs makes a build
// with and one without; the glue takes the first that validates). Fused, a step of the 4x8 kernel is 8
// instructions of arithmetic instead of 16: 42 -> 50 GFLOP/s at n = 1024 on a Zen 4 core.
@inline function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

/** Bytes of scratch the GEMMs need at `work`: packed A (16 bytes per value), packed B and one edge tile. */
export function workBytes(): usize {
  return <usize>(MC * KC) * 16 + <usize>(KC * NC + 64) * 8;
}

// ---------------------------------------------------------------------------------------------- float32

const MR32: i32 = 4;
const NR32: i32 = 8;

// Four vectors of four f32 (rows r0..r3) transposed: the four columns, stored 32 bytes apart from dst
// (the k-stride of a packed sliver of 8; a sliver of 4 passes 16).
@inline function transpose4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// Packs rows [0, mc) x cols [0, kc) of op(A) into slivers of MR32 rows: sliver s holds, for each k, the
// MR32 values of rows s*MR32.. (zero beyond mc), each splat across a vector (64 bytes per k). Columns
// contiguous in memory (A transposed) are read one vector per k; rows contiguous in k (A not transposed)
// one vector per row and four k.
@inline function packA32(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR32) {
    const mr = min(MR32, mc - i0);
    const src = a + <usize>(i0 * rsA) * 4;
    if (mr == MR32 && rsA == 1) {
      for (let k = 0; k < kc; k++) {
        const v = v128.load(src + <usize>(k * csA) * 4);
        v128.store(dst, i32x4.shuffle(v, v, 0, 0, 0, 0));
        v128.store(dst, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
        v128.store(dst, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
        v128.store(dst, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
        dst += 64;
      }
    } else if (mr == MR32 && csA == 1) {
      const rs = <usize>rsA * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (let r = 0; r < MR32; r++) {
          const v = v128.load(src + <usize>r * rs + <usize>k * 4);
          const d = dst + <usize>r * 16;
          v128.store(d, i32x4.shuffle(v, v, 0, 0, 0, 0));
          v128.store(d, i32x4.shuffle(v, v, 1, 1, 1, 1), 64);
          v128.store(d, i32x4.shuffle(v, v, 2, 2, 2, 2), 128);
          v128.store(d, i32x4.shuffle(v, v, 3, 3, 3, 3), 192);
        }
        dst += 256;
      }
      for (; k < kc; k++) {
        for (let r = 0; r < MR32; r++) v128.store(dst + <usize>r * 16, v128.load32_splat(src + <usize>r * rs + <usize>k * 4));
        dst += 64;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const col = src + <usize>(k * csA) * 4;
        for (let r = 0; r < MR32; r++) v128.store(dst + <usize>r * 16, f32x4.splat(r < mr ? load<f32>(col + <usize>(r * rsA) * 4) : 0));
        dst += 64;
      }
    }
  }
}

// Packs rows [0, kc) x cols [0, nc) of op(B) into slivers of NR32 columns (zero beyond nc).
@inline function packB32(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR32) {
    const nr = min(NR32, nc - j0);
    const src = b + <usize>(j0 * csB) * 4;
    if (nr == NR32 && csB == 1) {
      for (let k = 0; k < kc; k++) {
        const row = src + <usize>(k * rsB) * 4;
        v128.store(dst, v128.load(row));
        v128.store(dst, v128.load(row, 16), 16);
        dst += 32;
      }
    } else if (nr == NR32 && rsB == 1) {
      // Columns contiguous in k (B transposed, as W in x W^T): four k at a time, two 4x4 transposes.
      const cs = <usize>csB * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = src + <usize>k * 4;
        transpose4x4(v128.load(p), v128.load(p + cs), v128.load(p + 2 * cs), v128.load(p + 3 * cs), dst, 32);
        const q = p + 4 * cs;
        transpose4x4(v128.load(q), v128.load(q + cs), v128.load(q + 2 * cs), v128.load(q + 3 * cs), dst + 16, 32);
        dst += 128;
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR32; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>(j * csB + k) * 4));
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const row = src + <usize>(k * rsB) * 4;
        for (let j = 0; j < NR32; j++) store<f32>(dst + <usize>j * 4, j < nr ? load<f32>(row + <usize>(j * csB) * 4) : 0);
        dst += NR32 * 4;
      }
    }
  }
}

// The 4x8 register tile: 8 accumulators of f32x4; per k, two loads of B and four of (broadcast) A. The
// loop runs on the A pointer alone. A larger tile or an unrolled k loop is slower: V8 hoists every load
// of the loop body to its top, and beyond 15 live vectors it spills.
// C (row stride ldc bytes) is overwritten, or accumulated into when `acc`.
function kernel32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = a + <usize>kc * 64;
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load(a);
    c00 = madd32(x, b0, c00);
    c01 = madd32(x, b1, c01);
    x = v128.load(a, 16);
    c10 = madd32(x, b0, c10);
    c11 = madd32(x, b1, c11);
    x = v128.load(a, 32);
    c20 = madd32(x, b0, c20);
    c21 = madd32(x, b1, c21);
    x = v128.load(a, 48);
    c30 = madd32(x, b0, c30);
    c31 = madd32(x, b1, c31);
    a += 64;
    b += 32;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/** C[M x N] = op(A) op(B), or C += op(A) op(B) when `accumulate`, in float32 (see the header for the addressing); `work` holds workBytes(). */
export function gemm32(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, work: usize, accumulate: bool,
): void {
  gemm32Impl(M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, work, accumulate, 0, 0, 0);
}

/**
 * gemm32 with op(B) already packed by packB32All at `packed` (a B used for many products is packed once):
 * op(B) has `ldp` columns, and this product takes N of them from column j0 on. A part (a thread's column
 * panel) needs j0 a multiple of 8 and ldp <= 2048 (one packed panel); otherwise j0 = 0 and N = ldp.
 */
export function gemm32Packed(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  packed: usize, ldp: i32, j0: i32,
  c: usize, ldc: i32, work: usize, accumulate: bool,
): void {
  gemm32Impl(M, N, K, a, rsA, csA, 0, 0, 0, c, ldc, work, accumulate, packed, ldp, j0);
}

/** Bytes packB32All writes for a K x N op(B): its panels, each padded to whole slivers of NR32 columns. */
export function packedBytes32(N: i32, K: i32): usize {
  let total: usize = 0;
  for (let jc = 0; jc < N; jc += NC) total += <usize>K * <usize>((min(NC, N - jc) + NR32 - 1) / NR32 * NR32) * 4;
  return total;
}

/** Packs all of op(B) (K x N) at `dst`, panel after panel in the order gemm32 visits them. */
export function packB32All(N: i32, K: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    const ncPad = (nc + NR32 - 1) / NR32 * NR32;
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB32(kc, nc, b + <usize>(pc * rsB + jc * csB) * 4, rsB, csB, dst);
      dst += <usize>(kc * ncPad) * 4;
    }
  }
}

// The loop nest of gemm32; B's panels are packed here, or read from `packed` when it is not 0 (see
// gemm32Packed for ldp and j0).
@inline function gemm32Impl(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, work: usize, accumulate: bool, packed: usize, ldp: i32, j0: i32,
): void {
  if (K == 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, <usize>N * 4);
    return;
  }
  const pa = work;
  const pb = pa + <usize>(MC * KC) * 16;
  const tile = pb + <usize>(KC * NC) * 4;
  const ldcBytes = <usize>ldc * 4;
  let next = packed;
  const ldpPad = (ldp + NR32 - 1) / NR32 * NR32;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    const ncPad = (nc + NR32 - 1) / NR32 * NR32;
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = pc > 0 || accumulate;
      let panel = pb;
      if (packed != 0 && ldp <= NC) {
        // One packed panel, ldpPad wide: the blocks before this one hold pc of its rows.
        panel = packed + <usize>(pc * ldpPad + j0 * kc) * 4;
      } else if (packed != 0) {
        panel = next;
        next += <usize>(kc * ncPad) * 4;
      } else {
        packB32(kc, nc, b + <usize>(pc * rsB + jc * csB) * 4, rsB, csB, pb);
      }
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA32(mc, kc, a + <usize>(ic * rsA + pc * csA) * 4, rsA, csA, pa);
        for (let jr = 0; jr < nc; jr += NR32) {
          const nr = min(NR32, nc - jr);
          const sb = panel + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR32) {
            const mr = min(MR32, mc - ir);
            const sa = pa + <usize>(ir * kc) * 16;
            const cp = c + (<usize>(ic + ir) * ldcBytes) + <usize>(jc + jr) * 4;
            if (mr == MR32 && nr == NR32) {
              kernel32(kc, sa, sb, cp, ldcBytes, acc);
            } else {
              kernel32(kc, sa, sb, tile, NR32 * 4, false);
              for (let r = 0; r < mr; r++)
                for (let j = 0; j < nr; j++) {
                  const p = cp + <usize>r * ldcBytes + <usize>j * 4;
                  const v = load<f32>(tile + <usize>(r * NR32 + j) * 4);
                  store<f32>(p, acc ? load<f32>(p) + v : v);
                }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------- float64

const MR64: i32 = 4;
const NR64: i32 = 4;

// As packA32: each value splat across a vector, 64 bytes per k of a sliver.
@inline function packA64(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR64) {
    const mr = min(MR64, mc - i0);
    const src = a + <usize>(i0 * rsA) * 8;
    if (mr == MR64 && rsA == 1) {
      for (let k = 0; k < kc; k++) {
        const col = src + <usize>(k * csA) * 8;
        const v = v128.load(col);
        const w = v128.load(col, 16);
        v128.store(dst, i64x2.shuffle(v, v, 0, 0));
        v128.store(dst, i64x2.shuffle(v, v, 1, 1), 16);
        v128.store(dst, i64x2.shuffle(w, w, 0, 0), 32);
        v128.store(dst, i64x2.shuffle(w, w, 1, 1), 48);
        dst += 64;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const col = src + <usize>(k * csA) * 8;
        for (let r = 0; r < MR64; r++) v128.store(dst + <usize>r * 16, f64x2.splat(r < mr ? load<f64>(col + <usize>(r * rsA) * 8) : 0));
        dst += 64;
      }
    }
  }
}

@inline function packB64(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR64) {
    const nr = min(NR64, nc - j0);
    const src = b + <usize>(j0 * csB) * 8;
    if (nr == NR64 && csB == 1) {
      for (let k = 0; k < kc; k++) {
        const row = src + <usize>(k * rsB) * 8;
        v128.store(dst, v128.load(row));
        v128.store(dst, v128.load(row, 16), 16);
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const row = src + <usize>(k * rsB) * 8;
        for (let j = 0; j < NR64; j++) store<f64>(dst + <usize>j * 8, j < nr ? load<f64>(row + <usize>(j * csB) * 8) : 0);
        dst += NR64 * 8;
      }
    }
  }
}

// The 4x4 register tile: 8 accumulators of f64x2, A read broadcast as in kernel32.
function kernel64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const end = a + <usize>kc * 64;
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load(a);
    c00 = madd64(x, b0, c00);
    c01 = madd64(x, b1, c01);
    x = v128.load(a, 16);
    c10 = madd64(x, b0, c10);
    c11 = madd64(x, b1, c11);
    x = v128.load(a, 32);
    c20 = madd64(x, b0, c20);
    c21 = madd64(x, b1, c21);
    x = v128.load(a, 48);
    c30 = madd64(x, b0, c30);
    c31 = madd64(x, b1, c31);
    a += 64;
    b += 32;
  }
  if (acc) {
    c00 = f64x2.add(c00, v128.load(c));
    c01 = f64x2.add(c01, v128.load(c, 16));
    c10 = f64x2.add(c10, v128.load(c + ldc));
    c11 = f64x2.add(c11, v128.load(c + ldc, 16));
    c20 = f64x2.add(c20, v128.load(c + 2 * ldc));
    c21 = f64x2.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f64x2.add(c30, v128.load(c + 3 * ldc));
    c31 = f64x2.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/** C[M x N] = op(A) op(B) (or C += when `accumulate`) in float64. */
export function gemm64(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, work: usize, accumulate: bool,
): void {
  if (K == 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + <usize>(i * ldc) * 8, 0, <usize>N * 8);
    return;
  }
  const pa = work;
  const pb = pa + <usize>(MC * KC) * 16;
  const tile = pb + <usize>(KC * NC) * 8;
  const ldcBytes = <usize>ldc * 8;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = pc > 0 || accumulate;
      packB64(kc, nc, b + <usize>(pc * rsB + jc * csB) * 8, rsB, csB, pb);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA64(mc, kc, a + <usize>(ic * rsA + pc * csA) * 8, rsA, csA, pa);
        for (let jr = 0; jr < nc; jr += NR64) {
          const nr = min(NR64, nc - jr);
          const sb = pb + <usize>(jr * kc) * 8;
          for (let ir = 0; ir < mc; ir += MR64) {
            const mr = min(MR64, mc - ir);
            const sa = pa + <usize>(ir * kc) * 16;
            const cp = c + (<usize>(ic + ir) * ldcBytes) + <usize>(jc + jr) * 8;
            if (mr == MR64 && nr == NR64) {
              kernel64(kc, sa, sb, cp, ldcBytes, acc);
            } else {
              kernel64(kc, sa, sb, tile, NR64 * 8, false);
              for (let r = 0; r < mr; r++)
                for (let j = 0; j < nr; j++) {
                  const p = cp + <usize>r * ldcBytes + <usize>j * 8;
                  const v = load<f64>(tile + <usize>(r * NR64 + j) * 8);
                  store<f64>(p, acc ? load<f64>(p) + v : v);
                }
            }
          }
        }
      }
    }
  }
}
