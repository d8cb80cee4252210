/* PRelu int8 with alpha broadcast against the input (TFLM prelu.cc:
 * reference_ops::BroadcastPrelu4DSlow): a non-negative offset input is requantized by
 * multiplier 1, a negative one is multiplied by the offset alpha and requantized by multiplier 2. */
#include "tinyml_kernels.h"

void tinyml_prelu_s8(const tinyml_prelu_params_t *p, const tinyml_shape4_t *out_shape,
                     const int32_t *strides1, const int8_t *input, const int32_t *strides2, const int8_t *alpha,
                     int8_t *output) {
  int32_t b, y, x, c;
  int8_t *out = output;
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t v = p->input_offset + input[b * strides1[0] + y * strides1[1] + x * strides1[2] + c * strides1[3]];
          int32_t o;
          if (v >= 0) {
            o = tinyml_mbqm(v, p->output_multiplier_1, p->output_shift_1);
          } else {
            const int32_t a = p->alpha_offset + alpha[b * strides2[0] + y * strides2[1] + x * strides2[2] + c * strides2[3]];
            o = tinyml_mbqm(v * a, p->output_multiplier_2, p->output_shift_2);
          }
          *out++ = (int8_t)tinyml_clamp(o + p->output_offset, -128, 127);
        }
      }
    }
  }
}
