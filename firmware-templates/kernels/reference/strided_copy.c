/*
 * Strided copy, generic over the element size: the one kernel behind Transpose, StridedSlice,
 * Slice, Split, SplitV, Pack and Unpack (TFLM reference_ops::Transpose, StridedSlice, Slice,
 * Split, Pack, Unpack only move elements; the code generator turns each into this walk, see
 * src/ops/strided-copy.ts).
 *
 * Walks dims[0..rank-1] in row-major order; element (i0, ..., ik) is read at
 * src_offset + sum(i_d * src_strides[d]) and written at dst_offset + sum(i_d * dst_strides[d])
 * (offsets and strides in elements, strides may be negative). rank 0 copies one element.
 * Source and destination must not overlap.
 */
#include "tinyml_kernels.h"

static void copy_run(int32_t elem_bytes, const void *src, int32_t s, int32_t s_step, void *dst, int32_t d, int32_t d_step,
                     int32_t n) {
  int32_t i;
  switch (elem_bytes) {
    case 1: {
      const int8_t *a = (const int8_t *)src;
      int8_t *b = (int8_t *)dst;
      for (i = 0; i < n; ++i, s += s_step, d += d_step) b[d] = a[s];
      break;
    }
    case 2: {
      const int16_t *a = (const int16_t *)src;
      int16_t *b = (int16_t *)dst;
      for (i = 0; i < n; ++i, s += s_step, d += d_step) b[d] = a[s];
      break;
    }
    case 4: {
      const int32_t *a = (const int32_t *)src;
      int32_t *b = (int32_t *)dst;
      for (i = 0; i < n; ++i, s += s_step, d += d_step) b[d] = a[s];
      break;
    }
    case 8: {
      const int64_t *a = (const int64_t *)src;
      int64_t *b = (int64_t *)dst;
      for (i = 0; i < n; ++i, s += s_step, d += d_step) b[d] = a[s];
      break;
    }
    default: {
      const uint8_t *a = (const uint8_t *)src;
      uint8_t *b = (uint8_t *)dst;
      int32_t k;
      for (i = 0; i < n; ++i, s += s_step, d += d_step) {
        for (k = 0; k < elem_bytes; ++k) b[d * elem_bytes + k] = a[s * elem_bytes + k];
      }
      break;
    }
  }
}

void tinyml_strided_copy(int32_t elem_bytes, int32_t rank, const int32_t *dims, const void *src, int32_t src_offset,
                         const int32_t *src_strides, void *dst, int32_t dst_offset, const int32_t *dst_strides) {
  int32_t idx[TINYML_MAX_DIMS];
  int32_t s = src_offset;
  int32_t d = dst_offset;
  int32_t k;
  if (rank <= 0) {
    copy_run(elem_bytes, src, s, 0, dst, d, 0, 1);
    return;
  }
  if (rank > TINYML_MAX_DIMS) return;
  for (k = 0; k < rank; ++k) {
    if (dims[k] <= 0) return;
    idx[k] = 0;
  }
  for (;;) {
    copy_run(elem_bytes, src, s, src_strides[rank - 1], dst, d, dst_strides[rank - 1], dims[rank - 1]);
    /* Odometer over the outer dimensions. */
    for (k = rank - 2; k >= 0; --k) {
      ++idx[k];
      s += src_strides[k];
      d += dst_strides[k];
      if (idx[k] < dims[k]) break;
      s -= src_strides[k] * dims[k];
      d -= dst_strides[k] * dims[k];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
