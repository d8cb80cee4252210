/*
 * Tanh int16 -> int16 (TFLM tanh.cc, kTfLiteInt16: reference_integer_ops::Tanh for int16):
 * tanh(x) = 2 * sigmoid(2x) - 1 read from TFLite's 256-entry sigmoid table at twice the
 * resolution, after the input rescaling of the int16 Prepare (sigmoid_s16.c).
 * Output scale 2^-15, zero point 0.
 */
#include "tinyml_kernels.h"

void tinyml_tanh_s16(int32_t input_multiplier, int32_t input_left_shift, int32_t size, const int16_t *input,
                     int16_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) output[i] = tinyml_tanh_s16_value(input[i], input_multiplier, input_left_shift);
}
