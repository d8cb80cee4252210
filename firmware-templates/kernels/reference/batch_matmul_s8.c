/*
 * BatchMatMul int8 (TFLM batch_matmul.cc, reference_ops::BatchMatMul<int8_t, int32_t>):
 * out[b][a][c] = clamp(MBQM(sum_k (x[a][k] + x_offset) * (y[k][c] + y_offset)) + out_offset)
 * over `batches` output matrices; x_base[b] / y_base[b] are the element offsets of batch b's
 * operands (broadcast batch dims repeat a matrix). adj_x: X is stored [depth][rows]; adj_y: Y
 * is stored [cols][depth]. TFLM transposes and swaps the operands for its GEMM layout; the
 * per-element int32 sum is the same.
 */
#include "tinyml_kernels.h"

void tinyml_batch_matmul_s8(int32_t x_offset, int32_t y_offset, int32_t out_offset, int32_t out_mult, int32_t out_shift,
                            int32_t batches, int32_t rows, int32_t cols, int32_t depth, int32_t adj_x, int32_t adj_y,
                            const int32_t *x_base, const int32_t *y_base, const int8_t *x, const int8_t *y,
                            int8_t *output) {
  int32_t b, a, c, k;
  int8_t *out = output;
  for (b = 0; b < batches; ++b) {
    const int8_t *xm = x + x_base[b];
    const int8_t *ym = y + y_base[b];
    for (a = 0; a < rows; ++a) {
      for (c = 0; c < cols; ++c) {
        int32_t acc = 0;
        for (k = 0; k < depth; ++k) {
          const int32_t xv = (int32_t)(adj_x ? xm[k * rows + a] : xm[a * depth + k]) + x_offset;
          const int32_t yv = (int32_t)(adj_y ? ym[c * depth + k] : ym[k * cols + c]) + y_offset;
          acc += xv * yv;
        }
        *out++ = (int8_t)tinyml_clamp(tinyml_mbqm(acc, out_mult, out_shift) + out_offset, -128, 127);
      }
    }
  }
}
