/* Conv2D int8, per-channel requantization (TFLite reference_integer_ops::ConvPerChannel). */
#include "tinyml_kernels.h"

int32_t tinyml_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                         const tinyml_shape4_t *in_shape, const int8_t *input,
                         const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                         const tinyml_shape4_t *out_shape, int8_t *output,
                         void *scratch, int32_t scratch_bytes) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, k_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  /* Grouped convolution: each group of out_c / groups filters sees k_c input channels. */
  const int32_t groups = in_c / k_c;
  const int32_t filters_per_group = out_c / groups;
  int32_t b, oy, ox, oc, ky, kx, ic;
  (void)scratch; /* the reference kernels need no working memory */
  (void)scratch_bytes;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        for (oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / filters_per_group;
          int32_t acc = 0;
          for (ky = 0; ky < k_h; ++ky) {
            const int32_t in_y = in_y_origin + p->dilation_h * ky;
            if (in_y < 0 || in_y >= in_h) continue;
            for (kx = 0; kx < k_w; ++kx) {
              const int32_t in_x = in_x_origin + p->dilation_w * kx;
              const int8_t *in_px;
              const int8_t *f_px;
              if (in_x < 0 || in_x >= in_w) continue;
              in_px = input + (((b * in_h + in_y) * in_w + in_x) * in_c) + group * k_c;
              f_px = filter + (((oc * k_h + ky) * k_w + kx) * k_c);
              for (ic = 0; ic < k_c; ++ic) {
                acc += (int32_t)f_px[ic] * ((int32_t)in_px[ic] + p->input_offset);
              }
            }
          }
          if (bias) acc += bias[oc];
          acc = tinyml_mbqm(acc, out_mult[oc], out_shift[oc]);
          acc += p->output_offset;
          acc = tinyml_clamp(acc, p->act_min, p->act_max);
          output[((b * out_h + oy) * out_w + ox) * out_c + oc] = (int8_t)acc;
        }
      }
    }
  }
  return TINYML_OK;
}
