/*
 * Reductions of an int8 tensor of rank <= 4 over the NHWC dimensions k with reduced[k] != 0
 * (TFLM reduce_common.cc); the output holds the kept dimensions in row-major order. Every
 * kind walks the same blocks; they differ in how a block is combined and finished:
 *  - TINYML_REDUCE_MEAN_SAME (MEAN, input and output share scale and zero point): the int32
 *    sum of the raw values divided by the element count with C's truncating division
 *    (reference_ops::Mean<int8_t, int32_t>);
 *  - TINYML_REDUCE_MEAN (MEAN otherwise): reference_ops::QuantizedMeanOrSum in float32,
 *    round(float(sum) / float(n) * scale + bias) + output_zp, clamped to int8;
 *  - TINYML_REDUCE_SUM (SUM): QuantizedMeanOrSum with compute_sum, round(float(sum) * scale +
 *    bias) + output_zp, where bias = -input_zp * scale * n. TFLM stores that int32 with a
 *    static_cast<int8_t> and no clamp: out-of-range sums wrap modulo 256, here too;
 *  - TINYML_REDUCE_MAX (REDUCE_MAX) / TINYML_REDUCE_MIN (REDUCE_MIN): the largest / smallest raw
 *    value (input and output share params).
 * This is the one place a reference kernel uses float: it is what TFLM does, and matching it
 * is the contract. Each product is stored through a volatile float so no compiler fuses it
 * with the addition (an FMA would round once instead of twice), whatever -ffp-contract the
 * board uses.
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

/* C's conversion of an out-of-range value to int8_t is implementation-defined; TFLM's
 * static_cast wraps (two's complement), so wrap explicitly. */
static int8_t wrap_s8(int32_t v) {
  const int32_t low = v & 0xff;
  return (int8_t)(low > 127 ? low - 256 : low);
}

void tinyml_reduce_s8(int32_t kind, float scale, float bias, int32_t output_zp, const tinyml_shape4_t *in_shape,
                      const int32_t *reduced, const int8_t *input, int8_t *output) {
  const int32_t dims[4] = {in_shape->n, in_shape->h, in_shape->w, in_shape->c};
  int32_t out_dims[4], rdims[4], strides[4];
  int32_t count = 1, o[4], r[4], k;
  int8_t *out = output;
  strides[3] = 1;
  for (k = 2; k >= 0; --k) strides[k] = strides[k + 1] * dims[k + 1];
  for (k = 0; k < 4; ++k) {
    out_dims[k] = reduced[k] ? 1 : dims[k];
    rdims[k] = reduced[k] ? dims[k] : 1;
    count *= rdims[k];
  }
  /* Output elements in row-major order of the kept dimensions; each combines its reduced block. */
  for (o[0] = 0; o[0] < out_dims[0]; ++o[0])
    for (o[1] = 0; o[1] < out_dims[1]; ++o[1])
      for (o[2] = 0; o[2] < out_dims[2]; ++o[2])
        for (o[3] = 0; o[3] < out_dims[3]; ++o[3]) {
          int32_t sum = 0;
          int32_t max = -128;
          int32_t min = 127;
          for (r[0] = 0; r[0] < rdims[0]; ++r[0])
            for (r[1] = 0; r[1] < rdims[1]; ++r[1])
              for (r[2] = 0; r[2] < rdims[2]; ++r[2])
                for (r[3] = 0; r[3] < rdims[3]; ++r[3]) {
                  const int32_t v = input[(o[0] + r[0]) * strides[0] + (o[1] + r[1]) * strides[1] +
                                          (o[2] + r[2]) * strides[2] + (o[3] + r[3]) * strides[3]];
                  sum += v;
                  if (v > max) max = v;
                  if (v < min) min = v;
                }
          if (kind == TINYML_REDUCE_MEAN_SAME) {
            *out++ = (int8_t)(sum / count);
          } else if (kind == TINYML_REDUCE_MEAN) {
            const float mean = (float)sum / (float)count;
            volatile float scaled = mean * scale;
            const int32_t q = round_half_away(scaled + bias) + output_zp;
            *out++ = (int8_t)tinyml_clamp(q, -128, 127);
          } else if (kind == TINYML_REDUCE_SUM) {
            volatile float scaled = (float)sum * scale;
            *out++ = wrap_s8(round_half_away(scaled + bias) + output_zp);
          } else if (kind == TINYML_REDUCE_MIN) {
            *out++ = (int8_t)min;
          } else {
            *out++ = (int8_t)max;
          }
        }
}
