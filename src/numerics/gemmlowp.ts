/**
 * gemmlowp's int32 fixed-point transcendental functions (fixedpoint/fixedpoint.h), as TFLite's
 * and TFLM's integer softmax, logistic and tanh kernels use them.
 *
 * A gemmlowp `FixedPoint<int32, I>` is a raw int32 holding real = raw / 2^(31 - I). Here every
 * function takes and returns raw int32 values; the integer-bit counts are explicit arguments.
 * Operations keep gemmlowp's exact semantics:
 *   - `a + b`, `a - b` on FixedPoint are plain int32 adds (gemmlowp assumes no overflow; we
 *     wrap with `| 0` like two's-complement hardware does);
 *   - `a * b` is SaturatingRoundingDoublingHighMul, the result has I_a + I_b integer bits;
 *   - Rescale<Idst>(x with Isrc) is SaturatingRoundingMultiplyByPOT<Isrc - Idst>;
 *   - ExactMulByPot only relabels the integer bits (raw unchanged).
 * Nothing here is an approximation of gemmlowp: every constant and every step is its.
 */
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul as srdhm } from './fixed-point.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** SaturatingRoundingMultiplyByPOT<exponent>: rounding right shift, or saturating left shift. */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (x << exponent) | 0;
}

/** gemmlowp RoundingHalfSum for int32 (computed in int64 in C; exact in doubles here). */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  const sign = sum >= 0 ? 1 : -1;
  return Math.trunc((sum + sign) / 2) | 0;
}

/** exp(a) for a in [-1/4, 0), input and output with 0 integer bits. */
function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8)
  const constant1Over3 = 715827883;
  // Taylor expansion around -1/8: x = a + 1/8 (1/8 = 1 << 28 with 0 integer bits).
  const x = (a + (1 << 28)) | 0;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2);
  const poly = saturatingRoundingMultiplyByPOT((srdhm((x4Over4 + x3) | 0, constant1Over3) + x2) | 0, -1);
  return (constantTerm + srdhm(constantTerm, (x + poly) | 0)) | 0;
}

/** Barrel-shifter multipliers exp(-2^k) for k = -2..4, with 0 integer bits. */
const EXP_BARREL: ReadonlyArray<readonly [number, number]> = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/**
 * exp(a) for a <= 0; `a` has `integerBits` integer bits, the result 0 integer bits
 * (gemmlowp exp_on_negative_values).
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  // Rescale<0> of a value with `integerBits` integer bits.
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits),
  );
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const shift = fractionalBits + exponent;
      if (remainder & (1 << shift)) result = srdhm(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clamp = -(1 << (36 - integerBits)); // -32.0
    if (a < clamp) result = 0;
  }
  if (a === 0) result = INT32_MAX; // One() with 0 integer bits
  return result;
}

const F2_ONE = 1 << 29;
const C_48_OVER_17 = 1515870810;
const C_NEG_32_OVER_17 = -1010580540;

/** Newton-Raphson core shared by the two divisions below; returns x ≈ 1 / half_denominator (2 integer bits). */
function newtonReciprocal(halfDenominator: number): number {
  let x = (C_48_OVER_17 + srdhm(halfDenominator, C_NEG_32_OVER_17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = srdhm(halfDenominator, x);
    const oneMinus = (F2_ONE - halfDenominatorTimesX) | 0;
    // x * oneMinus has 4 integer bits; Rescale<2> is a saturating left shift by 2.
    x = (x + saturatingRoundingMultiplyByPOT(srdhm(x, oneMinus), 2)) | 0;
  }
  return x;
}

/** 1 / (1 + a) for a in [0, 1), 0 integer bits in and out (one_over_one_plus_x_for_x_in_0_1). */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const x = newtonReciprocal(halfDenominator);
  // ExactMulByPot<-1> relabels to 1 integer bit; Rescale<0> is a saturating left shift by 1.
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/** (1 - a) / (1 + a) for a in [0, 1), 0 integer bits (one_minus_x_over_one_plus_x_for_x_in_0_1). */
export function oneMinusXOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const x = newtonReciprocal(halfDenominator);
  return saturatingRoundingMultiplyByPOT((x - F2_ONE) | 0, 2);
}

/** gemmlowp logistic: input with `integerBits` integer bits, result with 0. */
export function logistic(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  const positive = a > 0;
  const absInput = positive ? a : -a | 0;
  const resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(-absInput | 0, integerBits));
  return positive ? resultIfPositive : (INT32_MAX - resultIfPositive) | 0;
}

/** gemmlowp tanh: input with `integerBits` integer bits, result with 0. */
export function tanh(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const negative = a < 0;
  const n = negative ? a : -a | 0;
  // ExactMulByPot<1>: the same raw value read with one more integer bit (= 2n).
  const t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits + 1));
  return negative ? -t | 0 : t;
}

/** Count leading zeros of a uint32 (Math.clz32 already does exactly that). */
const clz32 = Math.clz32;

/**
 * TFLite's GetReciprocal (reference/softmax.h → common.h): 1/x for x with `xIntegerDigits`
 * integer bits; returns the Q0.31 raw reciprocal and the number of bits over unit.
 */
export function getReciprocal(x: number, xIntegerDigits: number): { raw: number; numBitsOverUnit: number } {
  const headroomPlusOne = clz32(x >>> 0);
  const numBitsOverUnit = xIntegerDigits - headroomPlusOne;
  // (uint32(x) << headroom_plus_one) - (1u << 31), read back as int32.
  const shiftedSumMinusOne = (((x >>> 0) << headroomPlusOne) - 0x80000000) | 0;
  return { raw: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}
