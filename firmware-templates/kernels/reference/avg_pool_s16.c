/* AveragePool2D int16 (TFLM pooling.cc, kTfLiteInt16: reference_integer_ops::AveragePool on
 * int16): the window is clipped to the input, the int32 average rounds half away from zero,
 * then the fused activation clamps. */
#include "tinyml_kernels.h"

void tinyml_avg_pool_s16(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int16_t *input,
                         const tinyml_shape4_t *out_shape, int16_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, depth = in_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w;
  int32_t b, oy, ox, c, fy, fx;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
        const int32_t fx_start = in_x_origin < 0 ? -in_x_origin : 0;
        const int32_t fx_end = p->filter_w < in_w - in_x_origin ? p->filter_w : in_w - in_x_origin;
        const int32_t fy_start = in_y_origin < 0 ? -in_y_origin : 0;
        const int32_t fy_end = p->filter_h < in_h - in_y_origin ? p->filter_h : in_h - in_y_origin;
        for (c = 0; c < depth; ++c) {
          int32_t acc = 0;
          int32_t count = 0;
          for (fy = fy_start; fy < fy_end; ++fy) {
            for (fx = fx_start; fx < fx_end; ++fx) {
              acc += input[((b * in_h + in_y_origin + fy) * in_w + in_x_origin + fx) * depth + c];
              ++count;
            }
          }
          if (count == 0) {
            acc = 0;
          } else {
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          output[((b * out_h + oy) * out_w + ox) * depth + c] = (int16_t)tinyml_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
