/* Mul 16x8 with broadcast (TFLM mul_common.cc, int16: reference_integer_ops::MulElementwise /
 * BroadcastMul4DSlow on int16). Zero points are 0 (TFLM requires it), so |v1 * v2| <= 2^30. */
#include "tinyml_kernels.h"

void tinyml_mul_s16(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output) {
  int32_t b, y, x, c;
  int16_t *out = output;
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t i1 = b * strides1[0] + y * strides1[1] + x * strides1[2] + c * strides1[3];
          const int32_t i2 = b * strides2[0] + y * strides2[1] + x * strides2[2] + c * strides2[3];
          const int32_t v1 = p->input1_offset + input1[i1];
          const int32_t v2 = p->input2_offset + input2[i2];
          int32_t out_v = p->output_offset + tinyml_mbqm(v1 * v2, p->output_multiplier, p->output_shift);
          *out++ = (int16_t)tinyml_clamp(out_v, p->act_min, p->act_max);
        }
      }
    }
  }
}
