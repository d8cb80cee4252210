/* Div int8 with broadcast (TFLM div.cc: reference_ops::DivElementwise /
 * BroadcastDivSlowQuantized). The divisor is made positive, its reciprocal comes from
 * GetReciprocal (gemmlowp one_over_one_plus_x), the dividend is normalised by its leading sign
 * bits, and the product is requantized with shift output_shift - recip_shift - headroom.
 * Defined where TFLM's C is not (see src/ops/div.ts): a zero divisor saturates by the
 * dividend's sign (0/0 gives the output zero point); a right shift beyond 31 bits gives 0. */
#include "tinyml_kernels.h"

static int32_t div_element(const tinyml_mul_params_t *p, int32_t v1, int32_t v2) {
  int headroom_plus_one, recip_shift, headroom, right;
  int32_t inv, unscaled, scaled;
  if (v2 == 0) return v1 > 0 ? 127 : (v1 < 0 ? -128 : p->output_offset);
  if (v2 < 0) {
    v1 = -v1;
    v2 = -v2;
  }
  /* GetReciprocal(v2, 31, &recip_shift) */
  headroom_plus_one = tinyml_clz32((uint32_t)v2);
  recip_shift = 31 - headroom_plus_one;
  inv = tinyml_fx_one_over_one_plus_x((int32_t)(((uint32_t)v2 << headroom_plus_one) - ((uint32_t)1 << 31)));
  headroom = tinyml_clrsb32(v1);
  unscaled = tinyml_srdhm((int32_t)((uint32_t)v1 << headroom), inv);
  right = -(p->output_shift - recip_shift - headroom);
  scaled = tinyml_srdhm(unscaled, p->output_multiplier);
  return (right > 31 ? 0 : tinyml_rdbpot(scaled, right)) + p->output_offset;
}

void tinyml_div_s8(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output) {
  int8_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    const int32_t v = div_element(p, p->input1_offset + input1[i1], p->input2_offset + input2[i2]);
    *out++ = (int8_t)tinyml_clamp(v, p->act_min, p->act_max);
  });
}
