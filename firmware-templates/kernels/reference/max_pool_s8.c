/* MaxPool2D int8 (TFLite reference_integer_ops::MaxPool). */
#include "tinyml_kernels.h"

void tinyml_max_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output) {
  TINYML_POOL2D(p, in_shape, out_shape, {
    int32_t max = -128, fy, fx;
    for (fy = fy_start; fy < fy_end; ++fy) {
      for (fx = fx_start; fx < fx_end; ++fx) {
        const int32_t v = input[TINYML_POOL_IN(in_shape, fy, fx)];
        if (v > max) max = v;
      }
    }
    output[out_at] = (int8_t)tinyml_clamp(max, p->act_min, p->act_max);
  });
}
