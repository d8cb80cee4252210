/* ADD_N and CUMSUM int8 (TFLM add_n.cc / cumsum.cc: reference_ops::AddN / CumSum for int8).
 * Each value is scaled as MBQMSmallerThanOneExp((q + input1_offset) << left_shift, m_in, s_in),
 * the scaled values are summed in int32 starting from the scaled value of a raw 0 (TFLM's
 * `accumulator = input1_offset`), and the sum is requantized with the output multiplier, plus
 * the output offset, and clamped. Only the input 1 and output fields of the params are used. */
#include "tinyml_kernels.h"

static int32_t tinyml_acc_scale(const tinyml_add_params_t *p, int32_t q) {
  return tinyml_mbqm((q + p->input1_offset) * ((int32_t)1 << p->left_shift), p->input1_multiplier, p->input1_shift);
}

/* TFLM's int32 `+=` wraps on its targets; unsigned addition makes that defined here (gcc and
 * clang convert the result back modulo 2^32). */
static int32_t tinyml_acc_add(int32_t acc, int32_t v) {
  return (int32_t)((uint32_t)acc + (uint32_t)v);
}

static int8_t tinyml_acc_finish(const tinyml_add_params_t *p, int32_t acc) {
  return (int8_t)tinyml_clamp(tinyml_mbqm(acc, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min,
                              p->act_max);
}

void tinyml_add_n_s8(const tinyml_add_params_t *p, int32_t num_inputs, const int8_t *const *inputs, int32_t size,
                     int8_t *output) {
  const int32_t start = tinyml_acc_scale(p, 0);
  int32_t i, j;
  for (i = 0; i < size; ++i) {
    int32_t acc = start;
    for (j = 0; j < num_inputs; ++j) acc = tinyml_acc_add(acc, tinyml_acc_scale(p, inputs[j][i]));
    output[i] = tinyml_acc_finish(p, acc);
  }
}

void tinyml_cumsum_s8(const tinyml_add_params_t *p, int32_t before, int32_t depth, int32_t after, int32_t exclusive,
                      int32_t reverse, const int8_t *input, int8_t *output) {
  const int32_t start = tinyml_acc_scale(p, 0);
  int32_t b, a, d;
  for (b = 0; b < before; ++b) {
    for (a = 0; a < after; ++a) {
      int32_t acc = start;
      for (d = 0; d < depth; ++d) {
        const int32_t dd = reverse ? depth - 1 - d : d;
        const int32_t index = (b * depth + dd) * after + a;
        if (exclusive) {
          output[index] = tinyml_acc_finish(p, acc);
          acc = tinyml_acc_add(acc, tinyml_acc_scale(p, input[index]));
        } else {
          acc = tinyml_acc_add(acc, tinyml_acc_scale(p, input[index]));
          output[index] = tinyml_acc_finish(p, acc);
        }
      }
    }
  }
}
