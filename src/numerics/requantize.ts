/**
 * The per-element requantization step of the int8 kernels, tuned for the hot loop.
 *
 * `mbqm(x, multiplier, shift)` returns exactly what `multiplyByQuantizedMultiplier` of
 * src/quantize/fixed-point.ts returns (TFLite's MultiplyByQuantizedMultiplier, double-rounding
 * variant) for every int32 x and every multiplier in [0, 2^31): test/reference/requantize.test.ts
 * checks both against a BigInt re-derivation. The difference is speed: the product
 * x·multiplier exceeds 2^53 for accumulators above ~2^22, where the shared version falls back
 * to BigInt; here the product is split into 16-bit halves so every step stays an exact double.
 */

const TWO_31 = 2147483648;
const TWO_15 = 32768;

/** SaturatingRoundingDoublingHighMul(a, b) for int32 a, b, exact, without BigInt. */
export function srdhmFast(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const p = a * b;
  const nudge = p >= 0 ? 1073741824 : -1073741823;
  if (p < 9007199254740992 && p > -9007199254740992) {
    return Math.trunc((p + nudge) / TWO_31) | 0;
  }
  // a·b = aHi·b·2^16 + aLo·b with aLo in [0, 2^16); write aHi·b = xq·2^15 + xr (floor division)
  // so a·b + nudge = xq·2^31 + rest, |rest| < 2^48: every term is an exact double.
  const aLo = a & 0xffff;
  const aHi = (a - aLo) / 65536;
  const x = aHi * b;
  const xq = Math.floor(x / TWO_15);
  const xr = x - xq * TWO_15;
  const rest = xr * 65536 + aLo * b + nudge;
  const restQ = Math.floor(rest / TWO_31);
  const f = xq + restQ; // floor((a·b + nudge) / 2^31)
  const r = rest - restQ * TWO_31;
  // C's division truncates toward zero: a negative non-integral quotient rounds up.
  return (f < 0 && r !== 0 ? f + 1 : f) | 0;
}

/** RoundingDivideByPOT, as gemmlowp (round half away from zero). */
export function rdbpot(x: number, exponent: number): number {
  if (exponent <= 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier(x, multiplier, shift): x · multiplier · 2^shift / 2^31, TFLite rounding. */
export function mbqm(x: number, multiplier: number, shift: number): number {
  if (shift > 0) return srdhmFast(Math.imul(x, 1 << shift), multiplier);
  return rdbpot(srdhmFast(x, multiplier), -shift);
}

const TWO_53 = 9007199254740992;

/**
 * MultiplyByQuantizedMultiplier(int64_t x, multiplier, shift), TFLite common.cc, double-rounding
 * build (TFLITE_SINGLE_ROUNDING off): the multiplier is reduced to 16 bits
 * ((m + 2^15) >> 16, or 0x7FFF from 0x7FFF0000 up), then (x · m16 + 2^(14-shift)) >> (15 - shift)
 * with an arithmetic shift, truncated to int32. The 16x8 kernels (int64 accumulators) use it.
 * `x` is an integer with |x| < 2^53 (the IR's int64 range); the product is exact (BigInt
 * beyond 2^53).
 */
export function mbqm64(x: number, multiplier: number, shift: number): number {
  const reduced = multiplier < 0x7fff0000 ? (multiplier + 32768) >> 16 : 0x7fff;
  const totalShift = 15 - shift;
  const p = x * reduced;
  if (p > -TWO_53 && p < TWO_53) {
    const d = 2 ** totalShift;
    // p + d/2 may round when |p| is near 2^53; floor((p + d/2) / d) == floor(p / d + 1/2) exactly.
    const q = Math.floor(p / d);
    const r = p - q * d; // exact: 0 <= r < d
    return (r >= d / 2 ? q + 1 : q) | 0;
  }
  return Number(BigInt.asIntN(32, (BigInt(x) * BigInt(reduced) + (1n << BigInt(totalShift - 1))) >> BigInt(totalShift)));
}
