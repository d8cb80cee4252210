/*
 * ResizeBilinear int8 (TFLM resize_bilinear.cc, reference_ops::ResizeBilinearInteger): no
 * float. Positions are in 1/1024 units (h_scale_10, w_scale_10 from the code generator, the
 * same integer formulas as TFLM's); lower = max(pos / 1024, 0), upper = min((pos + 1023) /
 * 1024, size - 1) with C's truncating division; the four neighbours are weighted in int64
 * and the sum divided by 2^20 rounding half away from zero (TFLM's default double-rounding
 * build).
 */
#include "tinyml_kernels.h"

static void interpolation(int32_t value, int32_t scale_10, int32_t half_pixel, int32_t size, int32_t *pos,
                          int32_t *lower, int32_t *upper) {
  const int32_t p = half_pixel ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
  const int32_t lo = p / (1 << 10);
  const int32_t up = (p + (1 << 10) - 1) / (1 << 10);
  *pos = p;
  *lower = lo > 0 ? lo : 0;
  *upper = up < size - 1 ? up : size - 1;
}

void tinyml_resize_bilinear_s8(int32_t batches, int32_t in_h, int32_t in_w, int32_t depth, int32_t out_h,
                               int32_t out_w, int32_t h_scale_10, int32_t w_scale_10, int32_t half_pixel,
                               const int8_t *input, int8_t *output) {
  int32_t b, y, x, c;
  int8_t *out = output;
  for (b = 0; b < batches; ++b) {
    for (y = 0; y < out_h; ++y) {
      int32_t iy, y0, y1;
      interpolation(y, h_scale_10, half_pixel, in_h, &iy, &y0, &y1);
      for (x = 0; x < out_w; ++x) {
        int32_t ix, x0, x1;
        const int8_t *p00, *p10, *p01, *p11;
        int64_t wy1, wy0, wx1, wx0;
        interpolation(x, w_scale_10, half_pixel, in_w, &ix, &x0, &x1);
        wy1 = iy - (1 << 10) * y0;
        wy0 = (1 << 10) - wy1;
        wx1 = ix - (1 << 10) * x0;
        wx0 = (1 << 10) - wx1;
        p00 = input + ((b * in_h + y0) * in_w + x0) * depth;
        p10 = input + ((b * in_h + y1) * in_w + x0) * depth;
        p01 = input + ((b * in_h + y0) * in_w + x1) * depth;
        p11 = input + ((b * in_h + y1) * in_w + x1) * depth;
        for (c = 0; c < depth; ++c) {
          const int64_t sum = (int64_t)p00[c] * wy0 * wx0 + (int64_t)p10[c] * wy1 * wx0 + (int64_t)p01[c] * wy0 * wx1 +
                              (int64_t)p11[c] * wy1 * wx1;
          const int64_t round = sum > 0 ? ((int64_t)1 << 19) : -((int64_t)1 << 19);
          const int32_t v = (int32_t)((sum + round) / ((int64_t)1 << 20));
          const int32_t low = v & 0xff;
          *out++ = (int8_t)(low > 127 ? low - 256 : low); /* TFLM's static_cast<int8_t> */
        }
      }
    }
  }
}
