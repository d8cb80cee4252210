/* SquaredDifference int8 with broadcast (TFLM squared_difference.cc): both inputs are offset,
 * shifted left by left_shift (7), rescaled to twice the larger input scale, subtracted; the
 * square is requantized to the output (a multiplier that may exceed 1), offset and clamped. */
#include "tinyml_kernels.h"

void tinyml_squared_difference_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                                  const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                                  const int8_t *input2, int8_t *output) {
  int8_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    int32_t s1, s2;
    tinyml_add_rescale(p, input1[i1], input2[i2], &s1, &s2);
    *out++ = (int8_t)tinyml_clamp(tinyml_mbqm((s1 - s2) * (s1 - s2), p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max);
  });
}
