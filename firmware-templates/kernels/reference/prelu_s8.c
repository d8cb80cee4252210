/* PRelu int8 with alpha broadcast against the input (TFLM prelu.cc:
 * reference_ops::BroadcastPrelu4DSlow): a non-negative offset input is requantized by
 * multiplier 1, a negative one is multiplied by the offset alpha and requantized by multiplier 2. */
#include "tinyml_kernels.h"

void tinyml_prelu_s8(const tinyml_prelu_params_t *p, const tinyml_shape4_t *out_shape,
                     const int32_t *strides1, const int8_t *input, const int32_t *strides2, const int8_t *alpha,
                     int8_t *output) {
  int8_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    const int32_t v = p->input_offset + input[i1];
    const int32_t o = v >= 0 ? tinyml_mbqm(v, p->output_multiplier_1, p->output_shift_1)
                             : tinyml_mbqm(v * (p->alpha_offset + alpha[i2]), p->output_multiplier_2, p->output_shift_2);
    *out++ = (int8_t)tinyml_clamp(o + p->output_offset, -128, 127);
  });
}
