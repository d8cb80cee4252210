/*
 * Requantization between integer types (TFLM quantize_common.cc EvalQuantizeReference ->
 * reference_ops::Requantize): out = clamp(MBQM(in - input_zp) + output_zp) to the output type.
 * Generic over element sizes (1, 2 or 4 bytes for int8, int16, int32), so one kernel serves
 * every pair TFLM supports (int16 -> int8, int16 -> int32, int8 -> int16, ...).
 */
#include "tinyml_kernels.h"

void tinyml_requantize(const void *input, int32_t in_bytes, void *output, int32_t out_bytes, int32_t size,
                       int32_t multiplier, int32_t shift, int32_t input_zp, int32_t output_zp) {
  int32_t i;
  const int32_t lo = out_bytes == 1 ? -128 : out_bytes == 2 ? -32768 : INT32_MIN;
  const int32_t hi = out_bytes == 1 ? 127 : out_bytes == 2 ? 32767 : INT32_MAX;
  for (i = 0; i < size; ++i) {
    int32_t x;
    int64_t v;
    if (in_bytes == 1) x = ((const int8_t *)input)[i];
    else if (in_bytes == 2) x = ((const int16_t *)input)[i];
    else x = ((const int32_t *)input)[i];
    /* The offset sums are taken in int64 so they saturate instead of overflowing (as the
     * TypeScript reference does); for int8/int16 data they are the int32 sums TFLite computes. */
    v = (int64_t)tinyml_mbqm((int32_t)((int64_t)x - input_zp), multiplier, shift) + output_zp;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    if (out_bytes == 1) ((int8_t *)output)[i] = (int8_t)v;
    else if (out_bytes == 2) ((int16_t *)output)[i] = (int16_t)v;
    else ((int32_t *)output)[i] = (int32_t)v;
  }
}
