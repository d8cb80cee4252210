/**
 * TFLite's integer helpers beyond requantization and the gemmlowp transcendental functions, as
 * tensorflow/lite/kernels/internal/common.h defines them and TFLM's DIV, RSQRT, L2_NORMALIZATION
 * and LOG_SOFTMAX kernels use them:
 *   - CountLeadingSignBits (int32),
 *   - SaturatingRoundingMultiplyByPOTParam, SaturatingAddNonGemmlowp / SaturatingSub (int32),
 *   - GetInvSqrtQuantizedMultiplierExp (Newton-Raphson on gemmlowp fixed point),
 *   - log_x_for_x_greater_than_or_equal_to_1_impl (gemmlowp fixed point).
 * All values are raw int32; every step is the C one (wrapping adds where C wraps, saturating
 * where it saturates). The C kernels (firmware-templates/kernels/reference/fixed_point.c) repeat
 * the same steps.
 */
import { saturatingRoundingDoublingHighMul as srdhm } from './fixed-point.js';
import { oneOverOnePlusXForXIn01, roundingHalfSum, saturatingRoundingMultiplyByPOT } from './gemmlowp.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const add32 = (a: number, b: number): number => (a + b) | 0;
const sub32 = (a: number, b: number): number => (a - b) | 0;

/** CountLeadingSignBits<int32_t>: leading bits equal to the sign bit, minus one (31 for 0 and -1). */
export function countLeadingSignBits(x: number): number {
  return x >= 0 ? Math.clz32(x) - 1 : Math.clz32(~x) - 1;
}

/** SaturatingAddNonGemmlowp<int32_t>: the sum clamped to int32. */
export function saturatingAdd32(a: number, b: number): number {
  const s = a + b;
  return s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s;
}

/** SaturatingSub<int32_t>: the difference clamped to int32. */
export function saturatingSub32(a: number, b: number): number {
  const s = a - b;
  return s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s;
}

/**
 * SaturatingRoundingMultiplyByPOTParam for exponent >= 0 (the only use in TFLite): a saturating
 * left shift, identical to gemmlowp's SaturatingRoundingMultiplyByPOT<exponent>.
 */
export function saturatingRoundingMultiplyByPOTParam(x: number, exponent: number): number {
  if (exponent < 0) throw new RangeError(`SaturatingRoundingMultiplyByPOTParam: negative exponent ${exponent}`);
  return saturatingRoundingMultiplyByPOT(x, exponent);
}

export interface InvSqrtMultiplier {
  multiplier: number;
  /** Left shift (negative = right), as after `*output_shift *= kReverseShift`. */
  shift: number;
}

/**
 * GetInvSqrtQuantizedMultiplierExp(input, kReverseShift): 1/sqrt(input) as a Q0.31 multiplier
 * and a shift. Inputs 0 and 1 give (INT32_MAX, 0), as TFLite special-cases them.
 */
export function getInvSqrtQuantizedMultiplierExp(input: number): InvSqrtMultiplier {
  if (input <= 1) return { multiplier: INT32_MAX, shift: 0 };
  let x = input;
  let shift = 11;
  while (x >= 1 << 29) {
    x = Math.floor(x / 4);
    shift++;
  }
  const maxLeftShiftBits = Math.clz32(x) - 1;
  const leftShiftBitPairs = Math.floor(maxLeftShiftBits / 2) - 1;
  shift -= leftShiftBitPairs;
  x = (x << (2 * leftShiftBitPairs)) | 0;
  // F3 = FixedPoint<int32, 3>; F3 * F3 is an F6, F6 * F3 an F9 (SaturatingRoundingDoublingHighMul).
  const fixedInput = x >> 1;
  const halfInput = saturatingRoundingMultiplyByPOT(fixedInput, -1);
  const halfThree = (1 << 28) + (1 << 27);
  let v = 1 << 28; // F3::One()
  for (let i = 0; i < 5; i++) {
    const x3 = saturatingRoundingMultiplyByPOT(srdhm(srdhm(v, v), v), 6); // Rescale<3> of an F9
    v = saturatingRoundingMultiplyByPOT(sub32(srdhm(halfThree, v), srdhm(halfInput, x3)), 3); // Rescale<3> of an F6
  }
  let multiplier = srdhm(v, 1518500250); // × sqrt(2)/2 in Q0.31
  if (shift < 0) {
    multiplier = (multiplier << -shift) | 0;
    shift = 0;
  }
  return { multiplier, shift: -shift };
}

/**
 * log(x) for x >= 1 (log_x_for_x_greater_than_or_equal_to_1_impl<OutputIntegerBits,
 * InputIntegerBits>): `raw` is a FixedPoint with `inputIntegerBits` integer bits, the result one
 * with `outputIntegerBits`.
 */
export function logXForXGreaterThanOrEqualTo1(raw: number, outputIntegerBits: number, inputIntegerBits: number): number {
  const accumBits = outputIntegerBits + 1;
  const log2 = 1488522236;
  const sqrtSqrtHalf = 1805811301;
  const sqrtHalf = 1518500250;
  const oneQuarter = 536870912;
  const alphaN = 117049297;
  const alphaD = 127690142;
  const alphaI = 1057819769;
  const alphaF = 638450708;
  const shiftedQuarter = saturatingRoundingMultiplyByPOT(oneQuarter, -accumBits); // Rescale<accum> of an F0

  const zA = raw;
  const zAHeadroomPlus1 = Math.clz32(zA >>> 0);
  const rATmp = saturatingRoundingMultiplyByPOTParam(zA, zAHeadroomPlus1 - 1);
  const rARaw = saturatingRoundingMultiplyByPOTParam(srdhm(rATmp, sqrtHalf), 1);
  const zAPow2Adj = saturatingAdd32(saturatingRoundingMultiplyByPOTParam(inputIntegerBits - zAHeadroomPlus1, 31 - accumBits), shiftedQuarter);

  const zB = srdhm(zA, sqrtHalf);
  const zBHeadroom = Math.clz32(zB >>> 0) - 1;
  const rBRaw = saturatingRoundingMultiplyByPOTParam(zA, zBHeadroom);
  const zBPow2Adj = saturatingSub32(saturatingRoundingMultiplyByPOTParam(inputIntegerBits - zBHeadroom, 31 - accumBits), shiftedQuarter);

  const r = Math.min(rARaw, rBRaw);
  const zPow2Adj = Math.max(zAPow2Adj, zBPow2Adj);

  const p = roundingHalfSum(r, sqrtSqrtHalf);
  let q = sub32(r, sqrtSqrtHalf);
  q = add32(q, q);
  const commonSq = srdhm(q, q);
  const num = add32(srdhm(q, r), srdhm(srdhm(q, commonSq), alphaN));
  const denomMinusOne = add32(srdhm(p, add32(add32(alphaI, q), srdhm(alphaD, commonSq))), srdhm(alphaF, q));
  const recipDenom = oneOverOnePlusXForXIn01(denomMinusOne);
  const numScaled = saturatingRoundingMultiplyByPOT(num, -accumBits); // Rescale<accum> of an F0
  // Rescale<OutputIntegerBits> of an F(accum): a saturating left shift by one.
  return saturatingRoundingMultiplyByPOT(add32(srdhm(zPow2Adj, log2), srdhm(numScaled, recipDenom)), accumBits - outputIntegerBits);
}
