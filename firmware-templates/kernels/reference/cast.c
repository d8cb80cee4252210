/*
 * Cast (TFLM cast.cc CastEval: static_cast<To>(from) element by element). Integer narrowing
 * keeps the low bits (two's complement wrap, written out so it is defined in C99); bool reads
 * as 0/1; integer to float rounds to nearest. float to integer truncates toward zero; where
 * C leaves that undefined (NaN, |x| >= 2^31) the value saturates to int32 first as the
 * Cortex-M VCVT instruction does (NaN becomes 0), then narrows like an integer.
 */
#include "tinyml_kernels.h"

static int32_t float_to_i32(float f) {
  if (f != f) return 0;
  if (f >= 2147483648.0f) return INT32_MAX;
  if (f <= -2147483648.0f) return INT32_MIN;
  return (int32_t)f;
}

static int32_t load_int(int32_t type, const void *p, int32_t i) {
  switch (type) {
    case TINYML_TYPE_INT8:
      return ((const int8_t *)p)[i];
    case TINYML_TYPE_INT16:
      return ((const int16_t *)p)[i];
    case TINYML_TYPE_BOOL:
      return ((const uint8_t *)p)[i] != 0 ? 1 : 0;
    default:
      return ((const int32_t *)p)[i];
  }
}

static void store_int(int32_t type, void *p, int32_t i, int32_t v) {
  const uint32_t u = (uint32_t)v;
  switch (type) {
    case TINYML_TYPE_INT8: {
      const uint32_t b = u & 0xffu;
      ((int8_t *)p)[i] = (int8_t)(b >= 0x80u ? (int32_t)b - 0x100 : (int32_t)b);
      break;
    }
    case TINYML_TYPE_INT16: {
      const uint32_t h = u & 0xffffu;
      ((int16_t *)p)[i] = (int16_t)(h >= 0x8000u ? (int32_t)h - 0x10000 : (int32_t)h);
      break;
    }
    default:
      ((int32_t *)p)[i] = v;
      break;
  }
}

void tinyml_cast(int32_t in_type, const void *input, int32_t out_type, void *output, int32_t size) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    if (in_type == TINYML_TYPE_FLOAT32) {
      const float f = ((const float *)input)[i];
      if (out_type == TINYML_TYPE_FLOAT32) {
        ((float *)output)[i] = f;
      } else {
        store_int(out_type, output, i, float_to_i32(f));
      }
    } else {
      const int32_t v = load_int(in_type, input, i);
      if (out_type == TINYML_TYPE_FLOAT32) {
        ((float *)output)[i] = (float)v;
      } else {
        store_int(out_type, output, i, v);
      }
    }
  }
}
