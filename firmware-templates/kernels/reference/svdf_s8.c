/*
 * SVDF int8 (TFLM svdf_common.cc EvalIntegerSvdfReference<T>), step for step as src/ops/svdf.ts.
 * T, the type of the time weights and of the state, is int16 or int8 (p->state_bytes 2 or 1);
 * one body per type. The state is updated in place and persists between invocations.
 * scratch: batch * filters int32 (time products), then batch * units int32 (unit sums).
 */
#include <stddef.h>

#include "tinyml_kernels.h"

#define TINYML_SVDF_BODY(T, T_MIN, T_MAX)                                                            \
  const int32_t batch = p->batch, n_input = p->input_size, n_filter = p->filters;                     \
  const int32_t n_unit = p->units, n_memory = p->memory, n_rank = p->rank;                           \
  int32_t *scratch_time = scratch;                                                                    \
  int32_t *scratch_out = scratch + batch * n_filter;                                                  \
  int32_t b, r, c, i, j;                                                                              \
  /* Shift the whole state left by one element. */                                                   \
  for (i = 0; i + 1 < batch * n_filter * n_memory; ++i) state[i] = state[i + 1];                     \
  /* Feature matmul into each filter's newest column. */                                             \
  for (b = 0; b < batch; ++b) {                                                                       \
    const int8_t *w = weights_feature;                                                                \
    for (r = 0; r < n_filter; ++r) {                                                                  \
      int32_t dot = 0;                                                                                \
      const int8_t *x = input + b * n_input;                                                          \
      for (c = 0; c < n_input; ++c) dot += (int32_t)(*w++) * ((int32_t)x[c] - p->input_zp);          \
      dot = tinyml_clamp(tinyml_mbqm(dot, p->scale1_mult, p->scale1_shift), T_MIN, T_MAX);            \
      /* As TFLM: the zero point is added in int32 and the sum stored as T (it may wrap). */         \
      state[(b * n_filter + r) * n_memory + n_memory - 1] = (T)(p->state_zp + dot);                   \
    }                                                                                                 \
  }                                                                                                   \
  /* Time: each filter's memory dotted with its time weights. */                                     \
  for (b = 0; b < batch; ++b) {                                                                       \
    const T *v1 = weights_time;                                                                       \
    const T *v2 = state + b * n_memory * n_filter;                                                    \
    for (i = 0; i < n_filter; ++i) {                                                                  \
      int32_t acc = 0;                                                                                \
      for (j = 0; j < n_memory; ++j) acc += (int32_t)(*v1++) * ((int32_t)(*v2++) - p->state_zp);     \
      scratch_time[b * n_filter + i] = acc;                                                           \
    }                                                                                                 \
  }                                                                                                   \
  /* Bias, rank reduction, rescale to int8. */                                                       \
  for (b = 0; b < batch; ++b)                                                                         \
    for (j = 0; j < n_unit; ++j) scratch_out[b * n_unit + j] = bias ? bias[j] : 0;                    \
  for (b = 0; b < batch; ++b) {                                                                       \
    const int32_t *s = scratch_time + b * n_filter;                                                   \
    for (i = 0; i < n_unit; ++i)                                                                      \
      for (j = 0; j < n_rank; ++j) scratch_out[b * n_unit + i] += *s++;                               \
  }                                                                                                   \
  for (i = 0; i < batch * n_unit; ++i) {                                                              \
    const int32_t v = tinyml_mbqm(scratch_out[i], p->scale2_mult, p->scale2_shift) + p->output_zp;    \
    output[i] = (int8_t)tinyml_clamp(v, -128, 127);                                                   \
  }

static void svdf_state_s16(const tinyml_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,
                           const int16_t *weights_time, const int32_t *bias, int16_t *state, int8_t *output,
                           int32_t *scratch) {
  TINYML_SVDF_BODY(int16_t, -32768, 32767)
}

static void svdf_state_s8(const tinyml_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,
                          const int8_t *weights_time, const int32_t *bias, int8_t *state, int8_t *output,
                          int32_t *scratch) {
  TINYML_SVDF_BODY(int8_t, -128, 127)
}

void tinyml_svdf_s8(const tinyml_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,
                    const void *weights_time, const int32_t *bias, void *state, int8_t *output, int32_t *scratch) {
  if (p->state_bytes == 2) {
    svdf_state_s16(p, input, weights_feature, (const int16_t *)weights_time, bias, (int16_t *)state, output, scratch);
  } else {
    svdf_state_s8(p, input, weights_feature, (const int8_t *)weights_time, bias, (int8_t *)state, output, scratch);
  }
}
