/* Pad int8, 4-D NHWC (TFLite reference_ops::Pad with the zero point as pad value). */
#include "tinyml_kernels.h"

void tinyml_pad_s8(const tinyml_shape4_t *in_shape, const int8_t *input, const int32_t *pad_before,
                   const tinyml_shape4_t *out_shape, int8_t *output, int8_t pad_value) {
  TINYML_PAD4D(in_shape, input, pad_before, out_shape, output, pad_value);
}
