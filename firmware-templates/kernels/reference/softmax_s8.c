/*
 * Softmax int8 -> int8 (TFLite reference_ops::Softmax for int8 with output scale 1/256 and
 * zero point -128); the fixed-point work is tinyml_softmax_s8_rows (fixed_point.c), which
 * mirrors gemmlowp's exp and 1/x step by step so the result matches TFLite bit for bit.
 */
#include "tinyml_kernels.h"

void tinyml_softmax_s8(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                       int32_t rows, int32_t depth, const int8_t *input, int8_t *output) {
  tinyml_softmax_s8_rows(input_beta_multiplier, input_beta_left_shift, diff_min, rows, depth, input, 8, output);
}
