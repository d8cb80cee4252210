/* Reshape: the bytes do not change, only their shape; a copy when the planner cannot alias. */
#include "tinyml_kernels.h"

void tinyml_reshape_s8(const int8_t *input, int8_t *output, int32_t size) {
  int32_t i;
  if (input == output) return;
  for (i = 0; i < size; ++i) output[i] = input[i];
}
