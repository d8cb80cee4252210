/* AveragePool2D int8 (TFLite reference_integer_ops::AveragePool): the window is clipped to the
 * input, the average rounds half away from zero, then the fused activation clamps. */
#include "tinyml_kernels.h"

void tinyml_avg_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output) {
  TINYML_POOL2D(p, in_shape, out_shape, {
    int32_t acc = 0, count = 0, fy, fx;
    for (fy = fy_start; fy < fy_end; ++fy) {
      for (fx = fx_start; fx < fx_end; ++fx) {
        acc += input[TINYML_POOL_IN(in_shape, fy, fx)];
        ++count;
      }
    }
    output[out_at] = (int8_t)tinyml_clamp(tinyml_pool_average(acc, count), p->act_min, p->act_max);
  });
}
