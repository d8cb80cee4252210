/* Mul int8 with broadcast (TFLite reference_integer_ops::Mul / BroadcastMul4DSlow). */
#include "tinyml_kernels.h"

void tinyml_mul_s8(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output) {
  int8_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    const int32_t prod = (p->input1_offset + input1[i1]) * (p->input2_offset + input2[i2]);
    *out++ = (int8_t)tinyml_clamp(p->output_offset + tinyml_mbqm(prod, p->output_multiplier, p->output_shift), p->act_min, p->act_max);
  });
}
