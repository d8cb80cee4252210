/* Maximum / Minimum of raw int8 values with broadcast (TFLM maximum_minimum.cc:
 * reference_ops::MaximumMinimumBroadcastSlow). Inputs and output share their quantization, so
 * comparing the stored values compares the real ones. */
#include "tinyml_kernels.h"

void tinyml_maximum_minimum_s8(int32_t is_max, const tinyml_shape4_t *out_shape,
                               const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                               const int8_t *input2, int8_t *output) {
  int8_t *out = output;
  TINYML_BROADCAST4D(out_shape, strides1, strides2, {
    const int8_t v1 = input1[i1];
    const int8_t v2 = input2[i2];
    *out++ = is_max ? (v1 > v2 ? v1 : v2) : (v1 < v2 ? v1 : v2);
  });
}
