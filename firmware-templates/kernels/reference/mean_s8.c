/*
 * Mean int8 over a contiguous block of axes, viewed as [outer, reduce, inner] -> [outer, inner]
 * (TFLM reduce_common.cc EvalIntegerMean):
 *  - input and output share scale and zero point: the int32 sum of the raw values divided by
 *    the element count with C's truncating division (reference_ops::Mean<int8_t, int32_t>);
 *  - otherwise reference_ops::QuantizedMeanOrSum, which TFLM computes in float32:
 *    round(float(sum) / float(n) * scale + bias) + output_zp, clamped. This is the one place a
 *    reference kernel uses float: it is what TFLM does, and matching it is the contract. The
 *    product is stored through a volatile float so no compiler fuses it with the addition
 *    (an FMA would round once instead of twice), whatever -ffp-contract the board uses.
 */
#include "tinyml_kernels.h"

static int32_t round_half_away(float x) {
  /* Exact for |x| < 2^31: the truncation and the subtraction are exact in float. */
  const int32_t t = (int32_t)x;
  const float frac = x - (float)t;
  if (frac >= 0.5f) return t + 1;
  if (frac <= -0.5f) return t - 1;
  return t;
}

void tinyml_mean_s8(int32_t same_params, float scale, float bias, int32_t output_zp,
                    int32_t outer, int32_t reduce, int32_t inner, const int8_t *input, int8_t *output) {
  int32_t o, r, i;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < inner; ++i) {
      int32_t sum = 0;
      for (r = 0; r < reduce; ++r) sum += input[(o * reduce + r) * inner + i];
      if (same_params) {
        output[o * inner + i] = (int8_t)(sum / reduce);
      } else {
        const float mean = (float)sum / (float)reduce;
        volatile float scaled = mean * scale;
        const int32_t q = round_half_away(scaled + bias) + output_zp;
        output[o * inner + i] = (int8_t)tinyml_clamp(q, -128, 127);
      }
    }
  }
}
