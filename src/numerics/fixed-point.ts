/**
 * TFLite's fixed-point requantization arithmetic, bit for bit.
 *
 * These functions are the numerical contract of the project: the reference interpreter
 * calls them per element, and the code generator precomputes multipliers/shifts with
 * `quantizeMultiplier` so the C kernels (`tinyml_mbqm` in the reference kernels) apply the
 * same integer steps. Sources: tensorflow/lite/kernels/internal/quantization_util.cc
 * (QuantizeMultiplier) and common.h (MultiplyByQuantizedMultiplier, the default
 * double-rounding variant, i.e. TFLITE_SINGLE_ROUNDING off), gemmlowp fixedpoint.h
 * (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT).
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_31 = 2147483648;

/** C's frexp: x = m * 2^e with 0.5 <= |m| < 1 (m = 0, e = 0 for x = 0). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const ax = Math.abs(x);
  let e = Math.max(-1073, Math.floor(Math.log2(ax)) + 1);
  let m = ax * Math.pow(2, -e);
  // log2 can be off by one near powers of two; fix up exactly.
  while (m < 0.5) {
    m *= 2;
    e -= 1;
  }
  while (m >= 1) {
    m /= 2;
    e += 1;
  }
  return [x < 0 ? -m : m, e];
}

/** std::round: half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export interface QuantizedMultiplier {
  multiplier: number; // int32, in [2^30, 2^31) or 0
  shift: number; // positive = left shift
}

/** QuantizeMultiplier from quantization_util.cc (double in, int32 multiplier + shift out). */
export function quantizeMultiplier(realMultiplier: number): QuantizedMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const [q, e] = frexp(realMultiplier);
  let shift = e;
  let qFixed = roundHalfAway(q * TWO_31);
  if (qFixed === TWO_31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  return { multiplier: qFixed, shift };
}

/**
 * QuantizeMultiplierSmallerThanOneExp: as above, for multipliers in (0, 1); TFLite asserts
 * the range and returns a non-positive left shift.
 */
export function quantizeMultiplierSmallerThanOne(realMultiplier: number): QuantizedMultiplier {
  if (!(realMultiplier > 0 && realMultiplier < 1)) {
    throw new RangeError(`multiplier ${realMultiplier} is not in (0, 1)`);
  }
  return quantizeMultiplier(realMultiplier);
}

/** gemmlowp SaturatingRoundingDoublingHighMul on int32 a, b. Exact for all int32 inputs. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const p = a * b;
  if (Math.abs(p) < 9007199254740992 /* 2^53: the double product is exact */) {
    const nudge = p >= 0 ? 1073741824 : 1 - 1073741824;
    // (p + nudge) / 2^31 with C's truncation toward zero; the sum is still exact.
    return Math.trunc((p + nudge) / TWO_31) | 0;
  }
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1073741824n : 1n - 1073741824n;
  return Number((ab + nudge) / 2147483648n) | 0; // BigInt division truncates toward zero, like C
}

/** gemmlowp RoundingDivideByPOT: round-half-away-from-zero division by 2^exponent. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier (double rounding): x * multiplier * 2^shift, in int32. */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  // x * (1 << leftShift) wraps in C's int32 like this (callers keep it in range).
  const shifted = leftShift > 0 ? Math.imul(x, 1 << leftShift) : x;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}

/** Clamp to int8 [lo, hi] after adding the zero point: the last step of every int8 kernel. */
export function clampInt(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Math.fround for scales: TFLite stores scales as float32, so do we. */
export const f32 = Math.fround;
