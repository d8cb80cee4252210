/* LogSoftmax int8 over the last dimension (TFLM log_softmax.cc:
 * reference_ops::LogSoftmaxQuantized<int8_t>), output scale 16/256 and zero point 127. The
 * scaled differences to the row maximum (Q5.26) go through gemmlowp exp, are summed in Q12.19,
 * and the sum through gemmlowp log (fixed_point.c). */
#include "tinyml_kernels.h"

void tinyml_log_softmax_s8(int32_t input_multiplier, int32_t input_left_shift, int32_t reverse_scaling_divisor,
                           int32_t reverse_scaling_left_shift, int32_t diff_min, int32_t outer, int32_t depth,
                           const int8_t *input, int8_t *output) {
  enum { kInputIntegerBits = 5, kAccumulationIntegerBits = 12, kOutputIntegerBits = 4 };
  int32_t r, c;
  for (r = 0; r < outer; ++r) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t max_in_row = -128;
    uint32_t sum_of_exps = 0; /* Q12.19, wrapping like gemmlowp's raw adds */
    int32_t log_sum, scaled_min, adjusted_diff_min;
    for (c = 0; c < depth; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= diff_min) {
        const int32_t diff_q5 = tinyml_mbqm(diff, input_multiplier, input_left_shift);
        sum_of_exps += (uint32_t)tinyml_fx_sat_rounding_mul_pot(
            tinyml_fx_exp_on_negative_values(diff_q5, kInputIntegerBits), -kAccumulationIntegerBits);
      }
    }
    log_sum = tinyml_fx_log_x_ge_1((int32_t)sum_of_exps, kInputIntegerBits, kAccumulationIntegerBits);
    scaled_min = tinyml_mbqm((int32_t)((uint32_t)log_sum + 0x80000000u), reverse_scaling_divisor, reverse_scaling_left_shift);
    adjusted_diff_min = diff_min - 1 > scaled_min ? diff_min - 1 : scaled_min;
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff > adjusted_diff_min) {
        const int32_t diff_q5 = tinyml_mbqm(diff, input_multiplier, input_left_shift);
        const int32_t v = tinyml_rdbpot((int32_t)((uint32_t)diff_q5 - (uint32_t)log_sum),
                                        31 - kInputIntegerBits - kOutputIntegerBits) + 127;
        out[c] = (int8_t)tinyml_clamp(v, -128, 127);
      } else {
        out[c] = -128;
      }
    }
  }
}
