/*
 * FullyConnected 16x8: int16 input and output, int8 weights [units, in] with one scale, int64
 * bias (TFLM fully_connected.cc, kTfLiteInt16 case: reference_integer_ops::FullyConnected
 * <int64_t> for int16 data). int64 accumulator, no input/output offsets.
 */
#include "tinyml_kernels.h"

void tinyml_fully_connected_s16(int32_t filter_offset, int32_t act_min, int32_t act_max, int32_t out_mult,
                                int32_t out_shift, int32_t batches, int32_t in_features, int32_t units,
                                const int16_t *input, const int8_t *filter, const int64_t *bias, int16_t *output) {
  int32_t b, oc, d;
  for (b = 0; b < batches; ++b) {
    const int16_t *in_row = input + b * in_features;
    for (oc = 0; oc < units; ++oc) {
      const int8_t *f_row = filter + oc * in_features;
      int64_t acc = 0;
      for (d = 0; d < in_features; ++d) acc += (int64_t)((int32_t)f_row[d] + filter_offset) * in_row[d];
      if (bias) acc += bias[oc];
      output[b * units + oc] = (int16_t)tinyml_clamp(tinyml_mbqm64(acc, out_mult, out_shift), act_min, act_max);
    }
  }
}
