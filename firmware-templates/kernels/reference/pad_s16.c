/* Pad int16, 4-D NHWC (TFLM pad.cc, reference_ops::Pad on int16 with the zero point as pad value). */
#include "tinyml_kernels.h"

void tinyml_pad_s16(const tinyml_shape4_t *in_shape, const int16_t *input, const int32_t *pad_before,
                    const tinyml_shape4_t *out_shape, int16_t *output, int16_t pad_value) {
  TINYML_PAD4D(in_shape, input, pad_before, out_shape, output, pad_value);
}
