/* Element-wise int8 function by table lookup (see tinyml_kernels.h). */
#include "tinyml_kernels.h"

void tinyml_lut_s8(const int8_t *table, const int8_t *input, int8_t *output, int32_t size) {
  int32_t i;
  for (i = 0; i < size; ++i) output[i] = table[(int32_t)input[i] + 128];
}
