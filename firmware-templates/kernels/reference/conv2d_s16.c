/*
 * Conv2D 16x8: int16 input and output, int8 OHWI filter (TFLM conv.cc, kTfLiteInt16 case:
 * reference_integer_ops::ConvPerChannel<AccumScalar> for int16 data). No offsets: TFLite's
 * 16x8 activations have zero point 0. With an int64 bias the accumulator is int64 and
 * requantizes through the int64 MultiplyByQuantizedMultiplier; with an int32 bias or none it
 * is TFLM's int32 accumulator (wrapping modulo 2^32) and the int32 MultiplyByQuantizedMultiplier.
 */
#include "tinyml_kernels.h"

void tinyml_conv2d_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                       const tinyml_shape4_t *in_shape, const int16_t *input,
                       const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias64,
                       const int32_t *bias32, const tinyml_shape4_t *out_shape, int16_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, k_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t groups = in_c / k_c;
  const int32_t filters_per_group = out_c / groups;
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        for (oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / filters_per_group;
          int64_t acc = 0;
          int32_t scaled;
          for (ky = 0; ky < k_h; ++ky) {
            const int32_t in_y = in_y_origin + p->dilation_h * ky;
            if (in_y < 0 || in_y >= in_h) continue;
            for (kx = 0; kx < k_w; ++kx) {
              const int32_t in_x = in_x_origin + p->dilation_w * kx;
              const int16_t *in_px;
              const int8_t *f_px;
              if (in_x < 0 || in_x >= in_w) continue;
              in_px = input + (((b * in_h + in_y) * in_w + in_x) * in_c) + group * k_c;
              f_px = filter + (((oc * k_h + ky) * k_w + kx) * k_c);
              for (ic = 0; ic < k_c; ++ic) acc += (int32_t)f_px[ic] * (int32_t)in_px[ic];
            }
          }
          if (bias64) {
            acc += bias64[oc];
            scaled = tinyml_mbqm64(acc, out_mult[oc], out_shift[oc]);
          } else {
            /* TFLM's int32 accumulator: the same sum modulo 2^32. */
            if (bias32) acc += bias32[oc];
            scaled = tinyml_mbqm((int32_t)(uint32_t)(uint64_t)acc, out_mult[oc], out_shift[oc]);
          }
          output[((b * out_h + oy) * out_w + ox) * out_c + oc] = (int16_t)tinyml_clamp(scaled, p->act_min, p->act_max);
        }
      }
    }
  }
}
