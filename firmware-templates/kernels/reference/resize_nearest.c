/*
 * ResizeNearestNeighbor of an NHWC tensor of any element size (TFLM
 * reference_ops::ResizeNearestNeighbor): output pixel (b, y, x) is a copy of input pixel
 * (b, rows[y], cols[x]), depth elements of elem_size bytes. The source rows and columns come
 * from the code generator (GetNearestNeighbor's float32 arithmetic, computed once there), so
 * no float runs here and int8, int16 and float tensors share this kernel.
 */
#include "tinyml_kernels.h"

void tinyml_resize_nearest(int32_t elem_size, int32_t batches, int32_t in_h, int32_t in_w, int32_t depth,
                           int32_t out_h, int32_t out_w, const int32_t *rows, const int32_t *cols,
                           const void *input, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const int32_t pixel = depth * elem_size;
  int32_t b, y, x, k;
  for (b = 0; b < batches; ++b) {
    for (y = 0; y < out_h; ++y) {
      const uint8_t *row = in + (b * in_h + rows[y]) * in_w * pixel;
      for (x = 0; x < out_w; ++x) {
        const uint8_t *src = row + cols[x] * pixel;
        for (k = 0; k < pixel; ++k) *out++ = src[k];
      }
    }
  }
}
