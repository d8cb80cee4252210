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
  int32_t b, y, x, c;
  int8_t *out = output;
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t v1 = p->input1_offset + input1[b * strides1[0] + y * strides1[1] + x * strides1[2] + c * strides1[3]];
          const int32_t v2 = p->input2_offset + input2[b * strides2[0] + y * strides2[1] + x * strides2[2] + c * strides2[3]];
          *out++ = (int8_t)tinyml_clamp(div_element(p, v1, v2), p->act_min, p->act_max);
        }
      }
    }
  }
}
