/*
 * Softmax int16 -> int16 (TFLM softmax.cc, kTfLiteInt16: reference_ops::SoftmaxInt16). Per row:
 * exp(x - max) from a 513-entry interpolated table over [-10, 0] (the difference rescaled so
 * [-65535, 0] maps to [-10, 0]), cached in the output; the sum's reciprocal from a second table
 * of 1/(1 + x) after normalising the sum to [1, 2); each exp times the reciprocal, rounded,
 * clamped to [0, 32767] (output scale 1/32768). The tables are computed by the code generator
 * (TFLite's LUTPopulate) and passed in.
 */
#include "tinyml_kernels.h"

/* TFLite LUTLookup(int16_t, const int16_t *): 9 index bits, 7 interpolation bits. */
static int16_t lut_lookup(int16_t value, const int16_t *lut) {
  const int32_t index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int16_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  const int32_t delta = (slope * offset + 64) >> 7;
  return (int16_t)(base + delta);
}

static int16_t sat16(int32_t x) {
  return (int16_t)(x < -32768 ? -32768 : (x > 32767 ? 32767 : x));
}

static int32_t clz32(uint32_t x) {
  int32_t n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

void tinyml_softmax_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *exp_lut,
                        const int16_t *one_over_one_plus_x_lut, int32_t rows, int32_t depth, const int16_t *input,
                        int16_t *output) {
  int32_t i, c;
  for (i = 0; i < rows; ++i) {
    const int16_t *in = input + i * depth;
    int16_t *out = output + i * depth;
    int16_t max_in_row = -32768;
    int32_t sum_of_exps = 0;
    int32_t headroom_plus_one, shifted_sum, right_shift;
    int16_t reciprocal;
    int64_t round;
    for (c = 0; c < depth; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }
    for (c = 0; c < depth; ++c) {
      const int32_t scaled = tinyml_mbqm(in[c] - max_in_row, input_multiplier, input_left_shift);
      out[c] = lut_lookup(sat16(scaled + 32767), exp_lut);
      sum_of_exps += out[c];
    }
    headroom_plus_one = clz32((uint32_t)sum_of_exps);
    shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    reciprocal = lut_lookup(sat16(shifted_sum - ((1 << 15) + (1 << 16))), one_over_one_plus_x_lut);
    right_shift = 31 - headroom_plus_one;
    round = (int64_t)1 << (right_shift - 1);
    for (c = 0; c < depth; ++c) {
      const int32_t r = (int32_t)(((int64_t)out[c] * (int64_t)reciprocal + round) >> right_shift);
      out[c] = (int16_t)(r < 0 ? 0 : (r > 32767 ? 32767 : r));
    }
  }
}
