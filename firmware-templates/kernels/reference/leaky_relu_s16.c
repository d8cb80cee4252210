/* LeakyRelu int16 (TFLM leaky_relu.cc: reference_ops::QuantizeLeakyRelu<int16_t>): the input
 * minus its zero point is requantized by the identity multiplier when >= 0, by the alpha
 * multiplier (negative for a negative alpha) otherwise, then offset and clamped to int16. */
#include "tinyml_kernels.h"

void tinyml_leaky_relu_s16(const tinyml_leaky_relu_params_t *p, const int16_t *input, int16_t *output, int32_t size) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = (int32_t)input[i] - p->input_zero_point;
    const int32_t o = p->output_zero_point +
                      (v >= 0 ? tinyml_mbqm(v, p->output_multiplier_identity, p->output_shift_identity)
                              : tinyml_mbqm(v, p->output_multiplier_alpha, p->output_shift_alpha));
    output[i] = (int16_t)tinyml_clamp(o, -32768, 32767);
  }
}
