/* SELECT_V2 with 4-D broadcast (TFLM select.cc: reference_ops::Select / BroadcastSelect5DSlow):
 * out = condition ? x : y, values copied as they are (elem_size bytes each), so one kernel
 * serves int8, int16 and int32 tensors. */
#include <string.h>
#include "tinyml_kernels.h"

void tinyml_select(int32_t elem_size, const tinyml_shape4_t *out_shape, const int32_t *strides_c,
                   const uint8_t *condition, const int32_t *strides_x, const void *x, const int32_t *strides_y,
                   const void *y, void *output) {
  const uint8_t *xb = (const uint8_t *)x;
  const uint8_t *yb = (const uint8_t *)y;
  uint8_t *out = (uint8_t *)output;
  int32_t b, h, w, c;
  for (b = 0; b < out_shape->n; ++b) {
    for (h = 0; h < out_shape->h; ++h) {
      for (w = 0; w < out_shape->w; ++w) {
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t ic = b * strides_c[0] + h * strides_c[1] + w * strides_c[2] + c * strides_c[3];
          const int32_t ix = b * strides_x[0] + h * strides_x[1] + w * strides_x[2] + c * strides_x[3];
          const int32_t iy = b * strides_y[0] + h * strides_y[1] + w * strides_y[2] + c * strides_y[3];
          memcpy(out, condition[ic] ? xb + ix * elem_size : yb + iy * elem_size, (size_t)elem_size);
          out += elem_size;
        }
      }
    }
  }
}
