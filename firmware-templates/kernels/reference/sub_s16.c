/* Sub int16 (16x8) with broadcast (TFLM sub.cc: reference_ops::Sub / BroadcastQuantSubSlow on
 * int16): both inputs are shifted left by left_shift (15: 65535 << 15 still fits an int32),
 * scaled to a common scale, subtracted, and the difference is requantized to the output.
 * Parameters as tinyml_add_s8 (CalculateOpDataSub). */
#include "tinyml_kernels.h"

void tinyml_sub_s16(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                   int16_t *output) {
  int16_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    int32_t s1, s2;
    tinyml_add_rescale(p, input1[i1], input2[i2], &s1, &s2);
    *out++ = (int16_t)tinyml_clamp(tinyml_mbqm(s1 - s2, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max);
  });
}
