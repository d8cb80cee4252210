/* Maximum / Minimum of raw int8 values with broadcast (TFLM maximum_minimum.cc:
 * reference_ops::MaximumMinimumBroadcastSlow). Inputs and output share their quantization, so
 * comparing the stored values compares the real ones. */
#include "tinyml_kernels.h"

void tinyml_maximum_minimum_s8(int32_t is_max, const tinyml_shape4_t *out_shape,
                               const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                               const int8_t *input2, int8_t *output) {
  int32_t b, y, x, c;
  int8_t *out = output;
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        for (c = 0; c < out_shape->c; ++c) {
          const int8_t v1 = input1[b * strides1[0] + y * strides1[1] + x * strides1[2] + c * strides1[3]];
          const int8_t v2 = input2[b * strides2[0] + y * strides2[1] + x * strides2[2] + c * strides2[3]];
          *out++ = is_max ? (v1 > v2 ? v1 : v2) : (v1 < v2 ? v1 : v2);
        }
      }
    }
  }
}
