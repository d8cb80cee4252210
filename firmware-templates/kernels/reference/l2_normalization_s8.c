/* L2Normalization int8 over the last dimension (TFLM l2norm.cc:
 * reference_integer_ops::L2Normalization): per row, the int32 sum of squares of (x - zp) gives
 * an inverse square root multiplier (GetInvSqrtQuantizedMultiplierExp, fixed_point.c); each
 * element is requantized by it onto the 1/128 output scale (zero point 0). */
#include "tinyml_kernels.h"

void tinyml_l2_normalization_s8(int32_t input_zero_point, int32_t outer, int32_t depth, const int8_t *input,
                                int8_t *output) {
  int32_t r, c;
  for (r = 0; r < outer; ++r) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t acc = 0;
    int32_t inv, shift;
    for (c = 0; c < depth; ++c) {
      const int32_t v = (int32_t)in[c] - input_zero_point;
      acc += v * v;
    }
    inv = tinyml_fx_inv_sqrt(acc, &shift);
    for (c = 0; c < depth; ++c) {
      const int32_t v = tinyml_mbqm((int32_t)in[c] - input_zero_point, inv, shift + 7);
      out[c] = (int8_t)tinyml_clamp(v, -128, 127);
    }
  }
}
