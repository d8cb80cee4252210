/* ABS int16 (TFLM elementwise.cc AbsEvalQuantized<int16_t>, zero points 0): |x|, rescaled by
 * MultiplyByQuantizedMultiplier when the input and output scales differ, clamped to int16. */
#include "tinyml_kernels.h"

void tinyml_abs_s16(int32_t rescale, int32_t multiplier, int32_t shift, int32_t size, const int16_t *input,
                    int16_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = input[i] < 0 ? -(int32_t)input[i] : (int32_t)input[i];
    const int32_t out = rescale ? tinyml_mbqm(v, multiplier, shift) : v;
    output[i] = (int16_t)tinyml_clamp(out, -32768, 32767);
  }
}
