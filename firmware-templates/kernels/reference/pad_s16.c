/* Pad int16, 4-D NHWC (TFLM pad.cc, reference_ops::Pad on int16 with the zero point as pad value). */
#include "tinyml_kernels.h"

void tinyml_pad_s16(const tinyml_shape4_t *in_shape, const int16_t *input, const int32_t *pad_before,
                    const tinyml_shape4_t *out_shape, int16_t *output, int16_t pad_value) {
  int32_t b, y, x, c;
  for (b = 0; b < out_shape->n; ++b) {
    const int32_t ib = b - pad_before[0];
    for (y = 0; y < out_shape->h; ++y) {
      const int32_t iy = y - pad_before[1];
      for (x = 0; x < out_shape->w; ++x) {
        const int32_t ix = x - pad_before[2];
        int16_t *out_px = output + ((b * out_shape->h + y) * out_shape->w + x) * out_shape->c;
        const int inside = ib >= 0 && ib < in_shape->n && iy >= 0 && iy < in_shape->h && ix >= 0 && ix < in_shape->w;
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t ic = c - pad_before[3];
          if (inside && ic >= 0 && ic < in_shape->c) {
            out_px[c] = input[((ib * in_shape->h + iy) * in_shape->w + ix) * in_shape->c + ic];
          } else {
            out_px[c] = pad_value;
          }
        }
      }
    }
  }
}
