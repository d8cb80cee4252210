/*
 * Logistic int16 -> int16 (TFLM logistic.cc, kTfLiteInt16: reference_integer_ops::Logistic for
 * int16). The input is rescaled to 1/(3 * 4096) per unit (input_multiplier and
 * input_left_shift from the int16 Prepare; multiplier 0 is the power-of-two input scale, where
 * the multiplier is 3 << shift), then TFLite's 256-entry table of sigmoid(i / 24) in Q0.16 is
 * interpolated on 9 fractional bits. Output scale 2^-15, zero point 0.
 */
#include "tinyml_kernels.h"

void tinyml_logistic_s16(int32_t input_multiplier, int32_t input_left_shift, int32_t size, const int16_t *input,
                         int16_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) output[i] = tinyml_logistic_s16_value(input[i], input_multiplier, input_left_shift);
}
