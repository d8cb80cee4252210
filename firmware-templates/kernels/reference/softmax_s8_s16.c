/*
 * Softmax int8 -> int16 (TFLite reference_ops::Softmax<int8_t, int16_t>: output scale 1/65536,
 * zero point -32768), as keyword models end. The fixed-point helpers are softmax_s8.c's, kept
 * in this file so each kernel file stands alone (a project copies only the kernels it uses). exp and 1/x are gemmlowp's fixed-point approximations; each step below
 * mirrors one gemmlowp operation on raw int32 values so the result matches TFLite bit for bit.
 */
#include "tinyml_kernels.h"

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent> on int32. */
static int32_t sat_rounding_mul_pot(int32_t x, int exponent) {
  if (exponent > 0) {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
  }
  if (exponent < 0) return tinyml_rdbpot(x, -exponent);
  return x;
}

/* Two's-complement wrapping add/sub, as gemmlowp's int32 Add/Sub behave on every target. */
static int32_t wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t wrap_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* exp(x) for x in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;   /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883;
  const int32_t x = wrap_add(a, (int32_t)1 << 28);
  const int32_t x2 = tinyml_srdhm(x, x);
  const int32_t x3 = tinyml_srdhm(x2, x);
  const int32_t x4 = tinyml_srdhm(x2, x2);
  const int32_t x4_over_4 = sat_rounding_mul_pot(x4, -2);
  const int32_t poly = sat_rounding_mul_pot(
      wrap_add(tinyml_srdhm(wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
  return wrap_add(constant_term, tinyml_srdhm(constant_term, wrap_add(x, poly)));
}

/* exp(a) for a <= 0 given with `integer_bits` integer bits; result Q0.31. */
static int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = wrap_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      sat_rounding_mul_pot(a_mod_quarter_minus_one_quarter, integer_bits));
  const int32_t remainder = wrap_sub(a_mod_quarter_minus_one_quarter, a);
  int exponent;
  for (exponent = -2; exponent <= 4; ++exponent) {
    if (integer_bits > exponent) {
      const int shift = fractional_bits + exponent;
      if (remainder & ((int32_t)1 << shift)) result = tinyml_srdhm(result, multipliers[exponent + 2]);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits));
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out (Newton-Raphson, 3 iterations). */
static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + (int64_t)INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = wrap_add(constant_48_over_17, tinyml_srdhm(half_denominator, constant_neg_32_over_17));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tinyml_srdhm(half_denominator, x);
    const int32_t one_minus = wrap_sub(one_q2, half_denominator_times_x);
    x = wrap_add(x, sat_rounding_mul_pot(tinyml_srdhm(x, one_minus), 2));
  }
  return sat_rounding_mul_pot(x, 1);
}

static int count_leading_zeros(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

void tinyml_softmax_s8_s16(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                           int32_t rows, int32_t depth, const int8_t *input, int16_t *output) {
  enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const int8_t *in = input + r * depth;
    int32_t max_in_row = -128;
    int32_t sum_of_exps = 0;
    int headroom_plus_one;
    int num_bits_over_unit;
    int32_t shifted_scale;
    for (c = 0; c < depth; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }
    for (c = 0; c < depth; ++c) {
      const int32_t input_diff = (int32_t)in[c] - max_in_row;
      if (input_diff >= diff_min) {
        const int32_t rescaled = tinyml_srdhm((int32_t)((uint32_t)input_diff << input_beta_left_shift), input_beta_multiplier);
        const int32_t e = exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
        sum_of_exps = wrap_add(sum_of_exps, sat_rounding_mul_pot(e, -kAccumulationIntegerBits));
      }
    }
    headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
    num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    shifted_scale = one_over_one_plus_x_for_x_in_0_1(
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
    for (c = 0; c < depth; ++c) {
      const int32_t input_diff = (int32_t)in[c] - max_in_row;
      if (input_diff >= diff_min) {
        const int32_t rescaled = tinyml_srdhm((int32_t)((uint32_t)input_diff << input_beta_left_shift), input_beta_multiplier);
        const int32_t e = exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
        /* Rounded to 16 bits, then offset by the int16 minimum (the output zero point). */
        const int32_t unsat = tinyml_rdbpot(tinyml_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 16);
        output[r * depth + c] = (int16_t)tinyml_clamp(unsat - 32768, -32768, 32767);
      } else {
        output[r * depth + c] = -32768;
      }
    }
  }
}

