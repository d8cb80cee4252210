/*
 * Concatenation by copy, for any element size (TFLM concatenation.cc EvalUnquantized, the
 * int16 path of 16x8 models): input i is viewed as [outer, sizes[i]] bytes and the output as
 * [outer, sum(sizes)] bytes.
 */
#include "tinyml_kernels.h"

void tinyml_concat_copy(int32_t num_inputs, const void *const *inputs, const int32_t *sizes, int32_t outer,
                        void *output) {
  uint8_t *out = (uint8_t *)output;
  int32_t o, i, k;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < num_inputs; ++i) {
      const uint8_t *src = (const uint8_t *)inputs[i] + o * sizes[i];
      for (k = 0; k < sizes[i]; ++k) *out++ = src[k];
    }
  }
}
