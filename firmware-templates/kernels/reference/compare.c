/* Comparisons and logical ops with 4-D broadcast and a bool (0/1 byte) output.
 * TFLM comparisons.cc: int8 inputs (reference_ops::ComparisonWithScaling) are compared after
 * MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) << left_shift, m, shift) with each
 * input's own scale; int32 and bool inputs as they are (ComparisonNoScaling). TFLM logical.cc
 * for LOGICAL_AND / LOGICAL_OR. Codes: 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=, 6 and, 7 or. */
#include "tinyml_kernels.h"

static uint8_t tinyml_compare_one(int32_t code, int32_t a, int32_t b) {
  switch (code) {
    case 0: return (uint8_t)(a == b);
    case 1: return (uint8_t)(a != b);
    case 2: return (uint8_t)(a < b);
    case 3: return (uint8_t)(a <= b);
    case 4: return (uint8_t)(a > b);
    case 5: return (uint8_t)(a >= b);
    case 6: return (uint8_t)(a != 0 && b != 0);
    default: return (uint8_t)(a != 0 || b != 0);
  }
}

/* The 4-D broadcast walk shared by the three element types; LOAD1/LOAD2 read one value as int32_t. */
#define TINYML_COMPARE_LOOP(LOAD1, LOAD2) \
  TINYML_BROADCAST4D(out_shape, strides1, strides2, *output++ = tinyml_compare_one(code, LOAD1, LOAD2);)

void tinyml_compare_s8(int32_t code, const tinyml_compare_params_t *p, const tinyml_shape4_t *out_shape,
                       const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                       const int8_t *input2, uint8_t *output) {
  TINYML_COMPARE_LOOP(
      tinyml_mbqm((input1[i1] + p->input1_offset) * ((int32_t)1 << p->left_shift), p->input1_multiplier, p->input1_shift),
      tinyml_mbqm((input2[i2] + p->input2_offset) * ((int32_t)1 << p->left_shift), p->input2_multiplier, p->input2_shift));
}

void tinyml_compare_i32(int32_t code, const tinyml_shape4_t *out_shape, const int32_t *strides1,
                        const int32_t *input1, const int32_t *strides2, const int32_t *input2, uint8_t *output) {
  TINYML_COMPARE_LOOP(input1[i1], input2[i2]);
}

void tinyml_compare_u8(int32_t code, const tinyml_shape4_t *out_shape, const int32_t *strides1,
                       const uint8_t *input1, const int32_t *strides2, const uint8_t *input2, uint8_t *output) {
  TINYML_COMPARE_LOOP((int32_t)(input1[i1] != 0), (int32_t)(input2[i2] != 0));
}
