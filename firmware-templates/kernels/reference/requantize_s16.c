/*
 * Requantization between int8, int16 and int32 tensors (TFLM quantize_common.cc
 * EvalQuantizeReference, reference_ops::Requantize): out = clamp(MBQM(in - in_zp) + out_zp)
 * to the output type. Element sizes are 1, 2 or 4 bytes; the int32 arithmetic wraps as the
 * reference's does (done in uint32 here so it is defined C).
 */
#include "tinyml_kernels.h"

static int32_t load(const void *data, int32_t bytes, int32_t i) {
  if (bytes == 1) return ((const int8_t *)data)[i];
  if (bytes == 2) return ((const int16_t *)data)[i];
  return ((const int32_t *)data)[i];
}

void tinyml_requantize_s16(const void *input, int32_t in_bytes, void *output, int32_t out_bytes, int32_t size,
                           int32_t multiplier, int32_t shift, int32_t input_zp, int32_t output_zp) {
  const int32_t lo = out_bytes == 1 ? -128 : out_bytes == 2 ? -32768 : INT32_MIN;
  const int32_t hi = out_bytes == 1 ? 127 : out_bytes == 2 ? 32767 : INT32_MAX;
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t x = (int32_t)((uint32_t)load(input, in_bytes, i) - (uint32_t)input_zp);
    const int32_t v = tinyml_clamp((int32_t)((uint32_t)tinyml_mbqm(x, multiplier, shift) + (uint32_t)output_zp), lo, hi);
    if (out_bytes == 1) ((int8_t *)output)[i] = (int8_t)v;
    else if (out_bytes == 2) ((int16_t *)output)[i] = (int16_t)v;
    else ((int32_t *)output)[i] = v;
  }
}
