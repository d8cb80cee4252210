/* FullyConnected int8 (TFLite reference_integer_ops::FullyConnected, per-channel variant). */
#include "tinyml_kernels.h"

int32_t tinyml_fully_connected_s8(int32_t input_offset, int32_t filter_offset, int32_t output_offset,
                                  int32_t act_min, int32_t act_max,
                                  const int32_t *out_mult, const int32_t *out_shift,
                                  int32_t batches, int32_t in_features, int32_t units,
                                  const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch, int32_t scratch_bytes) {
  int32_t b, u, d;
  (void)scratch; /* the reference kernels need no working memory */
  (void)scratch_bytes;
  for (b = 0; b < batches; ++b) {
    const int8_t *in_row = input + b * in_features;
    for (u = 0; u < units; ++u) {
      const int8_t *w_row = filter + u * in_features;
      int32_t acc = 0;
      for (d = 0; d < in_features; ++d) {
        acc += ((int32_t)w_row[d] + filter_offset) * ((int32_t)in_row[d] + input_offset);
      }
      if (bias) acc += bias[u];
      acc = tinyml_mbqm(acc, out_mult[u], out_shift[u]);
      acc += output_offset;
      output[b * units + u] = (int8_t)tinyml_clamp(acc, act_min, act_max);
    }
  }
  return TINYML_OK;
}
