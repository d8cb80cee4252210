/*
 * Concatenation int8. Each input i is viewed as [outer, sizes[i]] bytes and the output as
 * [outer, sum(sizes)]. An input quantized like the output is copied (TFLM's only case); any
 * other input is requantized as TFLite's ConcatenationWithScaling does, in float32:
 * round(float(x) * scale + bias) + output_zp with scale = in_scale / out_scale and
 * bias = -in_zp * scale (the product goes through a volatile float: no FMA contraction).
 * Every value is then clamped to the fused activation range.
 */
#include "tinyml_kernels.h"

static int32_t round_half_away(float x) {
  const int32_t t = (int32_t)x;
  const float frac = x - (float)t;
  if (frac >= 0.5f) return t + 1;
  if (frac <= -0.5f) return t - 1;
  return t;
}

void tinyml_concat_s8(int32_t num_inputs, const int8_t *const *inputs, const int32_t *sizes, const int32_t *same_params,
                      const float *scales, const float *biases, int32_t outer, int32_t output_zp, int32_t act_min,
                      int32_t act_max, int8_t *output) {
  int32_t o, i, k;
  int8_t *out = output;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < num_inputs; ++i) {
      const int8_t *src = inputs[i] + o * sizes[i];
      for (k = 0; k < sizes[i]; ++k) {
        int32_t v;
        if (same_params[i]) {
          v = src[k];
        } else {
          volatile float scaled = (float)src[k] * scales[i];
          v = round_half_away(scaled + biases[i]) + output_zp;
        }
        *out++ = (int8_t)tinyml_clamp(v, act_min, act_max);
      }
    }
  }
}
