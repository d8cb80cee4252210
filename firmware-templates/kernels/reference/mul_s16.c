/* Mul 16x8 with broadcast (TFLM mul_common.cc, int16: reference_integer_ops::MulElementwise /
 * BroadcastMul4DSlow on int16). Zero points are 0 (TFLM requires it), so |v1 * v2| <= 2^30. */
#include "tinyml_kernels.h"

void tinyml_mul_s16(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output) {
  int16_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    const int32_t prod = (p->input1_offset + input1[i1]) * (p->input2_offset + input2[i2]);
    *out++ = (int16_t)tinyml_clamp(p->output_offset + tinyml_mbqm(prod, p->output_multiplier, p->output_shift), p->act_min, p->act_max);
  });
}
