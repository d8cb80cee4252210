/* DepthwiseConv2D int8, per-channel (TFLite reference_integer_ops::DepthwiseConvPerChannel). */
#include "tinyml_kernels.h"

int32_t tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                   const tinyml_shape4_t *in_shape, const int8_t *input,
                                   const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                   const tinyml_shape4_t *out_shape, int8_t *output,
                                   void *scratch, int32_t scratch_bytes) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t dm = p->depth_multiplier;
  int32_t b, oy, ox, ic, m, ky, kx;
  (void)scratch; /* the reference kernels need no working memory */
  (void)scratch_bytes;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        for (ic = 0; ic < in_c; ++ic) {
          for (m = 0; m < dm; ++m) {
            const int32_t oc = m + ic * dm;
            int32_t acc = 0;
            for (ky = 0; ky < k_h; ++ky) {
              const int32_t in_y = in_y_origin + p->dilation_h * ky;
              if (in_y < 0 || in_y >= in_h) continue;
              for (kx = 0; kx < k_w; ++kx) {
                const int32_t in_x = in_x_origin + p->dilation_w * kx;
                int32_t in_val;
                int32_t f_val;
                if (in_x < 0 || in_x >= in_w) continue;
                in_val = input[((b * in_h + in_y) * in_w + in_x) * in_c + ic];
                f_val = filter[(ky * k_w + kx) * out_c + oc];
                acc += f_val * (in_val + p->input_offset);
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
  }
  return TINYML_OK;
}
