/*
 * ArgMax (is_min 0) / ArgMin (is_min 1) of int8 values along one axis (TFLM arg_min_max.cc,
 * reference_ops::ArgMinMax with GreaterFn / LessFn): the input is viewed as [outer, axis_size,
 * inner]; each output element is the first index along the axis holding the largest (smallest)
 * raw value (strictly greater / less replaces, so ties keep the lowest index). Raw values compare like the real ones (the quantization is
 * monotonic), so no parameter is needed. The output is int32, as TFLM writes it.
 */
#include "tinyml_kernels.h"

void tinyml_arg_min_max_s8(int32_t is_min, int32_t outer, int32_t axis_size, int32_t inner, const int8_t *input, int32_t *output) {
  int32_t o, i, k;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < inner; ++i) {
      const int8_t *base = input + o * axis_size * inner + i;
      int8_t best = base[0];
      int32_t index = 0;
      for (k = 1; k < axis_size; ++k) {
        if (is_min ? base[k * inner] < best : base[k * inner] > best) {
          best = base[k * inner];
          index = k;
        }
      }
      output[o * inner + i] = index;
    }
  }
}
