/*
 * Mean int16 over any set of axes of a tensor of rank <= 4 (TFLM reduce_common.cc
 * EvalIntegerMean<int16_t>): the two paths of mean_s8.c on int16 data, clamped to int16 —
 * same parameters: the int32 sum divided by the count (truncating); otherwise TFLM's float32
 * round(float(sum) / float(n) * scale + bias) + output_zp (the product through a volatile
 * float, so no FMA contraction).
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

void tinyml_mean_s16(int32_t same_params, float scale, float bias, int32_t output_zp,
                     const tinyml_shape4_t *in_shape, const int32_t *reduced, const int16_t *input, int16_t *output) {
  const int32_t dims[4] = {in_shape->n, in_shape->h, in_shape->w, in_shape->c};
  int32_t out_dims[4], rdims[4], strides[4];
  int32_t count = 1, o[4], r[4], k;
  int16_t *out = output;
  strides[3] = 1;
  for (k = 2; k >= 0; --k) strides[k] = strides[k + 1] * dims[k + 1];
  for (k = 0; k < 4; ++k) {
    out_dims[k] = reduced[k] ? 1 : dims[k];
    rdims[k] = reduced[k] ? dims[k] : 1;
    count *= rdims[k];
  }
  /* Output elements in row-major order of the kept dimensions; each sums its reduced block. */
  for (o[0] = 0; o[0] < out_dims[0]; ++o[0])
    for (o[1] = 0; o[1] < out_dims[1]; ++o[1])
      for (o[2] = 0; o[2] < out_dims[2]; ++o[2])
        for (o[3] = 0; o[3] < out_dims[3]; ++o[3]) {
          int32_t sum = 0;
          for (r[0] = 0; r[0] < rdims[0]; ++r[0])
            for (r[1] = 0; r[1] < rdims[1]; ++r[1])
              for (r[2] = 0; r[2] < rdims[2]; ++r[2])
                for (r[3] = 0; r[3] < rdims[3]; ++r[3]) {
                  sum += input[(o[0] + r[0]) * strides[0] + (o[1] + r[1]) * strides[1] + (o[2] + r[2]) * strides[2] +
                               (o[3] + r[3]) * strides[3]];
                }
          if (same_params) {
            *out++ = (int16_t)(sum / count);
          } else {
            const float mean = (float)sum / (float)count;
            volatile float scaled = mean * scale;
            const int32_t q = round_half_away(scaled + bias) + output_zp;
            *out++ = (int16_t)tinyml_clamp(q, -32768, 32767);
          }
        }
}
