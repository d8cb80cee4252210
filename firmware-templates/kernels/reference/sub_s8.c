/* Sub int8 with broadcast (TFLM sub.cc: reference_ops::Sub / BroadcastQuantSubSlow): both
 * inputs are shifted left by left_shift (20), scaled to a common scale, subtracted, and the
 * difference is requantized to the output. Parameters as tinyml_add_s8 (CalculateOpDataSub). */
#include "tinyml_kernels.h"

void tinyml_sub_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output) {
  int32_t b, y, x, c;
  int8_t *out = output;
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t i1 = b * strides1[0] + y * strides1[1] + x * strides1[2] + c * strides1[3];
          const int32_t i2 = b * strides2[0] + y * strides2[1] + x * strides2[2] + c * strides2[3];
          const int32_t v1 = p->input1_offset + input1[i1];
          const int32_t v2 = p->input2_offset + input2[i2];
          const int32_t s1 = tinyml_mbqm(v1 * ((int32_t)1 << p->left_shift), p->input1_multiplier, p->input1_shift);
          const int32_t s2 = tinyml_mbqm(v2 * ((int32_t)1 << p->left_shift), p->input2_multiplier, p->input2_shift);
          const int32_t out_v = tinyml_mbqm(s1 - s2, p->output_multiplier, p->output_shift) + p->output_offset;
          *out++ = (int8_t)tinyml_clamp(out_v, p->act_min, p->act_max);
        }
      }
    }
  }
}
