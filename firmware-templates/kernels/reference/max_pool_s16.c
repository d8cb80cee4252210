/* MaxPool2D int16 (TFLM pooling.cc, kTfLiteInt16: reference_integer_ops::MaxPool on int16). */
#include "tinyml_kernels.h"

void tinyml_max_pool_s16(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int16_t *input,
                         const tinyml_shape4_t *out_shape, int16_t *output) {
  TINYML_POOL2D(p, in_shape, out_shape, {
    int32_t max = -32768, fy, fx;
    for (fy = fy_start; fy < fy_end; ++fy) {
      for (fx = fx_start; fx < fx_end; ++fx) {
        const int32_t v = input[TINYML_POOL_IN(in_shape, fy, fx)];
        if (v > max) max = v;
      }
    }
    output[out_at] = (int16_t)tinyml_clamp(max, p->act_min, p->act_max);
  });
}
