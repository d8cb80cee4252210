/*
 * FullyConnected int8 — Cortex-M DSP version of kernels/reference/fully_connected_s8.c (same
 * name, signature and bytes out). Each dot product runs four bytes at a time: SXTAB16 adds the
 * input/filter offsets to two sign-extended int8 lanes in 16 bits (|v + offset| <= 255), SMLAD
 * multiplies and accumulates two 16-bit pairs in 32 bits — the reference's integer sum,
 * regrouped, so the result is identical. Plain C when the core has no DSP extension.
 */
#include <string.h>

#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
/* Rotate right by 8 (GCC folds this into ROR; its arm_acle.h has no __ror). */
static inline int32_t tinyml_ror8(uint32_t x) { return (int32_t)((x >> 8) | (x << 24)); }
#endif

void tinyml_fully_connected_s8(int32_t input_offset, int32_t filter_offset, int32_t output_offset,
                               int32_t act_min, int32_t act_max,
                               const int32_t *out_mult, const int32_t *out_shift,
                               int32_t batches, int32_t in_features, int32_t units,
                               const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
  int32_t b, u, d;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
  const int32_t in2 = (int32_t)(((uint32_t)(uint16_t)input_offset) * 0x00010001u);
  const int32_t f2 = (int32_t)(((uint32_t)(uint16_t)filter_offset) * 0x00010001u);
#endif
  for (b = 0; b < batches; ++b) {
    const int8_t *in_row = input + b * in_features;
    for (u = 0; u < units; ++u) {
      const int8_t *w_row = filter + u * in_features;
      int32_t acc = 0;
      d = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
      for (; d + 4 <= in_features; d += 4) {
        int32_t xv, wv;
        __builtin_memcpy(&xv, in_row + d, 4);
        __builtin_memcpy(&wv, w_row + d, 4);
        acc = __smlad(__sxtab16(in2, xv), __sxtab16(f2, wv), acc);
        acc = __smlad(__sxtab16(in2, tinyml_ror8((uint32_t)xv)), __sxtab16(f2, tinyml_ror8((uint32_t)wv)), acc);
      }
#endif
      for (; d < in_features; ++d) {
        acc += ((int32_t)w_row[d] + filter_offset) * ((int32_t)in_row[d] + input_offset);
      }
      if (bias) acc += bias[u];
      acc = tinyml_mbqm(acc, out_mult[u], out_shift[u]);
      acc += output_offset;
      output[b * units + u] = (int8_t)tinyml_clamp(acc, act_min, act_max);
    }
  }
}
