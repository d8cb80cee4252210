/*
 * DepthwiseConv2D 16x8: int16 input and output, int8 filter [1, kh, kw, C*M], int64 bias
 * (TFLM depthwise_conv.cc, kTfLiteInt16 case: reference_integer_ops::DepthwiseConvPerChannel
 * for int16 data). int64 accumulator, no offsets, int64 MultiplyByQuantizedMultiplier.
 */
#include "tinyml_kernels.h"

void tinyml_depthwise_conv2d_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                 const tinyml_shape4_t *in_shape, const int16_t *input,
                                 const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias,
                                 const tinyml_shape4_t *out_shape, int16_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t mult = p->depth_multiplier;
  int32_t b, oy, ox, ic, m, ky, kx;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        for (ic = 0; ic < in_c; ++ic) {
          for (m = 0; m < mult; ++m) {
            const int32_t oc = m + ic * mult;
            int64_t acc = 0;
            int32_t scaled;
            for (ky = 0; ky < k_h; ++ky) {
              const int32_t in_y = in_y_origin + p->dilation_h * ky;
              if (in_y < 0 || in_y >= in_h) continue;
              for (kx = 0; kx < k_w; ++kx) {
                const int32_t in_x = in_x_origin + p->dilation_w * kx;
                if (in_x < 0 || in_x >= in_w) continue;
                acc += (int64_t)filter[(ky * k_w + kx) * out_c + oc] * (int64_t)input[((b * in_h + in_y) * in_w + in_x) * in_c + ic];
              }
            }
            if (bias) acc += bias[oc];
            scaled = tinyml_mbqm64(acc, out_mult[oc], out_shift[oc]);
            output[((b * out_h + oy) * out_w + ox) * out_c + oc] = (int16_t)tinyml_clamp(scaled, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
