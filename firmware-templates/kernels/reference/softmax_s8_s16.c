/*
 * Softmax int8 -> int16 (TFLite reference_ops::Softmax<int8_t, int16_t>: output scale 1/65536,
 * zero point -32768), as keyword models end; the fixed-point work is tinyml_softmax_s8_rows
 * (fixed_point.c), rounding to 16 bits instead of 8.
 */
#include "tinyml_kernels.h"

void tinyml_softmax_s8_s16(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                           int32_t rows, int32_t depth, const int8_t *input, int16_t *output) {
  tinyml_softmax_s8_rows(input_beta_multiplier, input_beta_left_shift, diff_min, rows, depth, input, 16, output);
}
