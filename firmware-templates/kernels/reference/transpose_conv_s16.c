/*
 * TransposeConv 16x8: int16 activations, int8 per-channel weights, int64 bias (TFLM
 * transpose_conv.cc, the int16 reference_integer_ops::TransposeConv with int64 accumulators).
 * The same scatter as transpose_conv_s8.c over int64 accumulators (scratch, output elements x
 * 8 bytes, planned in the arena), without input or output offsets (16x8 zero points are 0);
 * each accumulator takes the bias, then TFLite's int64 MultiplyByQuantizedMultiplier
 * (tinyml_mbqm64) and the activation clamp. bias may be NULL.
 */
#include <stddef.h>

#include "tinyml_kernels.h"

void tinyml_transpose_conv_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                               const tinyml_shape4_t *in_shape, const int16_t *input,
                               const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias,
                               const tinyml_shape4_t *out_shape, int16_t *output, int64_t *scratch) {
  const int32_t n_out = out_shape->n * out_shape->h * out_shape->w * out_shape->c;
  const int32_t out_c = out_shape->c, in_c = in_shape->c;
  const int32_t kh = filter_shape->h, kw = filter_shape->w;
  int32_t b, iy, ix, ic, fy, fx, oc, i;
  for (i = 0; i < n_out; ++i) scratch[i] = 0;
  for (b = 0; b < in_shape->n; ++b) {
    for (iy = 0; iy < in_shape->h; ++iy) {
      const int32_t oy_origin = iy * p->stride_h - p->pad_h;
      for (ix = 0; ix < in_shape->w; ++ix) {
        const int32_t ox_origin = ix * p->stride_w - p->pad_w;
        for (ic = 0; ic < in_c; ++ic) {
          const int32_t v = input[((b * in_shape->h + iy) * in_shape->w + ix) * in_c + ic];
          for (fy = 0; fy < kh; ++fy) {
            const int32_t oy = oy_origin + fy;
            if (oy < 0 || oy >= out_shape->h) continue;
            for (fx = 0; fx < kw; ++fx) {
              const int32_t ox = ox_origin + fx;
              int64_t *acc;
              if (ox < 0 || ox >= out_shape->w) continue;
              acc = scratch + ((b * out_shape->h + oy) * out_shape->w + ox) * out_c;
              for (oc = 0; oc < out_c; ++oc) acc[oc] += (int64_t)(v * (int32_t)filter[((oc * kh + fy) * kw + fx) * in_c + ic]);
            }
          }
        }
      }
    }
  }
  for (i = 0; i < n_out; ++i) {
    const int32_t c = i % out_c;
    int64_t acc = scratch[i];
    if (bias != NULL) acc += bias[c];
    output[i] = (int16_t)tinyml_clamp(tinyml_mbqm64(acc, out_mult[c], out_shift[c]), p->act_min, p->act_max);
  }
}
