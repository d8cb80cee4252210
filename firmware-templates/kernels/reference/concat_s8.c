/* Concatenation int8 of inputs that share the output's quantization (TFLM Concatenation). */
#include "tinyml_kernels.h"

void tinyml_concat_s8(int32_t num_inputs, const int8_t *const *inputs, const int32_t *sizes, int32_t outer,
                      int8_t *output) {
  int32_t o, i, k;
  int8_t *out = output;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < num_inputs; ++i) {
      const int8_t *src = inputs[i] + o * sizes[i];
      for (k = 0; k < sizes[i]; ++k) *out++ = src[k];
    }
  }
}
