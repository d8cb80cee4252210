/* Add 16x8 with broadcast (TFLM add.cc, int16: reference_ops::Add with pot_scale = false, i.e.
 * AddElementwise; BroadcastAdd6DSlow when shapes differ): both inputs shifted left by 15,
 * scaled to a common scale, summed, the sum requantized to the output, clamped. */
#include "tinyml_kernels.h"

void tinyml_add_s16(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output) {
  int16_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    int32_t s1, s2;
    tinyml_add_rescale(p, input1[i1], input2[i2], &s1, &s2);
    *out++ = (int16_t)tinyml_clamp(tinyml_mbqm(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max);
  });
}
