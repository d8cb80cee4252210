/*
 * gemmlowp / TFLite fixed-point helpers shared by the SOFTMAX (int8 input), DIV, LOG_SOFTMAX and
 * L2_NORMALIZATION kernels (tensorflow/lite/kernels/internal/common.h and gemmlowp fixedpoint.h): count leading
 * zeros / sign bits, SaturatingRoundingMultiplyByPOT, one_over_one_plus_x_for_x_in_0_1,
 * exp_on_negative_values, log_x_for_x_greater_than_or_equal_to_1 and
 * GetInvSqrtQuantizedMultiplierExp. A gemmlowp FixedPoint<int32, I> is its raw int32 here; each
 * function names the integer bits it works with. Adds that C would let overflow wrap (as
 * gemmlowp's do on every target); saturating steps saturate. The TypeScript twins are in
 * src/numerics/gemmlowp.ts and src/numerics/tflite-math.ts.
 */
#include "tinyml_kernels.h"

static int32_t wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t wrap_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

static int32_t sat_add(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + (int64_t)b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

static int32_t sat_sub(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a - (int64_t)b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

int tinyml_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

/* CountLeadingSignBits<int32_t>: 31 for 0 and -1. */
int tinyml_clrsb32(int32_t x) {
  return x >= 0 ? tinyml_clz32((uint32_t)x) - 1 : tinyml_clz32(~(uint32_t)x) - 1;
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: saturating left shift or rounding right shift. */
int32_t tinyml_fx_sat_rounding_mul_pot(int32_t x, int exponent) {
  if (exponent > 0) {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
  }
  if (exponent < 0) return tinyml_rdbpot(x, -exponent);
  return x;
}

/* gemmlowp RoundingHalfSum on int32. */
static int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* 1 / (1 + a) for a in [0, 1), 0 integer bits in and out (Newton-Raphson, 3 iterations). */
int32_t tinyml_fx_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = wrap_add(constant_48_over_17, tinyml_srdhm(half_denominator, constant_neg_32_over_17));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tinyml_srdhm(half_denominator, x);
    const int32_t one_minus = wrap_sub(one_q2, half_denominator_times_x);
    x = wrap_add(x, tinyml_fx_sat_rounding_mul_pot(tinyml_srdhm(x, one_minus), 2));
  }
  return tinyml_fx_sat_rounding_mul_pot(x, 1);
}

/* exp(x) for x in [-1/4, 0), 0 integer bits in and out. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668; /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883;
  const int32_t x = wrap_add(a, (int32_t)1 << 28);
  const int32_t x2 = tinyml_srdhm(x, x);
  const int32_t x3 = tinyml_srdhm(x2, x);
  const int32_t x4 = tinyml_srdhm(x2, x2);
  const int32_t x4_over_4 = tinyml_fx_sat_rounding_mul_pot(x4, -2);
  const int32_t poly = tinyml_fx_sat_rounding_mul_pot(
      wrap_add(tinyml_srdhm(wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
  return wrap_add(constant_term, tinyml_srdhm(constant_term, wrap_add(x, poly)));
}

/* exp(a) for a <= 0 given with `integer_bits` integer bits; result 0 integer bits. */
int32_t tinyml_fx_exp_on_negative_values(int32_t a, int integer_bits) {
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = wrap_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      tinyml_fx_sat_rounding_mul_pot(a_mod_quarter_minus_one_quarter, integer_bits));
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

/* log(x) for x >= 1 (log_x_for_x_greater_than_or_equal_to_1_impl): `raw` has
 * `input_integer_bits` integer bits, the result `output_integer_bits`. */
int32_t tinyml_fx_log_x_ge_1(int32_t raw, int output_integer_bits, int input_integer_bits) {
  const int accum_bits = output_integer_bits + 1;
  const int32_t log_2 = 1488522236;
  const int32_t sqrt_sqrt_half = 1805811301;
  const int32_t sqrt_half = 1518500250;
  const int32_t one_quarter = 536870912;
  const int32_t alpha_n = 117049297;
  const int32_t alpha_d = 127690142;
  const int32_t alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = tinyml_fx_sat_rounding_mul_pot(one_quarter, -accum_bits);
  const int z_a_headroom_plus_1 = tinyml_clz32((uint32_t)raw);
  const int32_t r_a_tmp = tinyml_fx_sat_rounding_mul_pot(raw, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = tinyml_fx_sat_rounding_mul_pot(tinyml_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj =
      sat_add(tinyml_fx_sat_rounding_mul_pot(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits), shifted_quarter);
  const int32_t z_b = tinyml_srdhm(raw, sqrt_half);
  const int z_b_headroom = tinyml_clz32((uint32_t)z_b) - 1;
  const int32_t r_b_raw = tinyml_fx_sat_rounding_mul_pot(raw, z_b_headroom);
  const int32_t z_b_pow_2_adj =
      sat_sub(tinyml_fx_sat_rounding_mul_pot(input_integer_bits - z_b_headroom, 31 - accum_bits), shifted_quarter);
  const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
  const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = wrap_sub(r, sqrt_sqrt_half);
  int32_t common_sq, num, denom_minus_one, recip_denom, num_scaled;
  q = wrap_add(q, q);
  common_sq = tinyml_srdhm(q, q);
  num = wrap_add(tinyml_srdhm(q, r), tinyml_srdhm(tinyml_srdhm(q, common_sq), alpha_n));
  denom_minus_one = wrap_add(tinyml_srdhm(p, wrap_add(wrap_add(alpha_i, q), tinyml_srdhm(alpha_d, common_sq))),
                             tinyml_srdhm(alpha_f, q));
  recip_denom = tinyml_fx_one_over_one_plus_x(denom_minus_one);
  num_scaled = tinyml_fx_sat_rounding_mul_pot(num, -accum_bits);
  return tinyml_fx_sat_rounding_mul_pot(
      wrap_add(tinyml_srdhm(z_pow_2_adj, log_2), tinyml_srdhm(num_scaled, recip_denom)), accum_bits - output_integer_bits);
}

/* GetInvSqrtQuantizedMultiplierExp(input, kReverseShift): returns the Q0.31 multiplier of
 * 1/sqrt(input) and stores its left shift (negative = right) in *shift. */
int32_t tinyml_fx_inv_sqrt(int32_t input, int32_t *shift) {
  const int32_t half_three = ((int32_t)1 << 28) + ((int32_t)1 << 27);
  int32_t out_shift = 11;
  int32_t fixed_input, half_input, x, multiplier;
  int left_shift_bit_pairs, i;
  if (input <= 1) {
    *shift = 0;
    return INT32_MAX;
  }
  while (input >= ((int32_t)1 << 29)) {
    input /= 4;
    ++out_shift;
  }
  left_shift_bit_pairs = (tinyml_clz32((uint32_t)input) - 1) / 2 - 1;
  out_shift -= left_shift_bit_pairs;
  input = (int32_t)((uint32_t)input << (2 * left_shift_bit_pairs));
  fixed_input = input >> 1;                                     /* 3 integer bits */
  half_input = tinyml_fx_sat_rounding_mul_pot(fixed_input, -1);
  x = (int32_t)1 << 28;                                         /* 1.0 with 3 integer bits */
  for (i = 0; i < 5; ++i) {
    const int32_t x3 = tinyml_fx_sat_rounding_mul_pot(tinyml_srdhm(tinyml_srdhm(x, x), x), 6);
    x = tinyml_fx_sat_rounding_mul_pot(wrap_sub(tinyml_srdhm(half_three, x), tinyml_srdhm(half_input, x3)), 3);
  }
  multiplier = tinyml_srdhm(x, 1518500250);                     /* x sqrt(2)/2 */
  if (out_shift < 0) {
    multiplier = (int32_t)((uint32_t)multiplier << -out_shift);
    out_shift = 0;
  }
  *shift = -out_shift;
  return multiplier;
}

/* Softmax of int8 rows (TFLite reference_ops::Softmax on int8 input): exp of each beta-scaled
 * difference to the row's maximum in Q5.26, the sum in Q12.19, 1/sum by one_over_one_plus_x,
 * each output rounded to out_bits bits and offset by the output zero point -2^(out_bits-1):
 * out_bits 8 writes int8 (scale 1/256), 16 writes int16 (scale 1/65536). */
void tinyml_softmax_s8_rows(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                            int32_t rows, int32_t depth, const int8_t *input, int out_bits, void *output) {
  enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
  const int32_t out_min = -((int32_t)1 << (out_bits - 1));
  const int32_t out_max = ((int32_t)1 << (out_bits - 1)) - 1;
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
        const int32_t e = tinyml_fx_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
        sum_of_exps = wrap_add(sum_of_exps, tinyml_fx_sat_rounding_mul_pot(e, -kAccumulationIntegerBits));
      }
    }
    headroom_plus_one = tinyml_clz32((uint32_t)sum_of_exps);
    num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    shifted_scale = tinyml_fx_one_over_one_plus_x(
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
    for (c = 0; c < depth; ++c) {
      const int32_t input_diff = (int32_t)in[c] - max_in_row;
      int32_t v = out_min;
      if (input_diff >= diff_min) {
        const int32_t rescaled = tinyml_srdhm((int32_t)((uint32_t)input_diff << input_beta_left_shift), input_beta_multiplier);
        const int32_t e = tinyml_fx_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
        const int32_t unsat = tinyml_rdbpot(tinyml_srdhm(shifted_scale, e), num_bits_over_unit + 31 - out_bits);
        v = tinyml_clamp(unsat + out_min, out_min, out_max);
      }
      if (out_bits == 8) {
        ((int8_t *)output)[r * depth + c] = (int8_t)v;
      } else {
        ((int16_t *)output)[r * depth + c] = (int16_t)v;
      }
    }
  }
}
