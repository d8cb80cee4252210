/*
 * FullyConnected int8 — Cortex-M version of kernels/reference/fully_connected_s8.c (same name,
 * signature and bytes out).
 *
 * Working memory: the caller's scratch, TINYML_FULLY_CONNECTED_S8_SCRATCH_CORTEX_M =
 * 2 * in_features bytes (rounded up to even): one input row as int16. Nothing static.
 *
 * Steps, per batch row:
 *   1. The input row is widened once to int16 with the input offset added (|x + offset| <=
 *      255), each group of four stored x0 x2 | x1 x3 — the lane order SXTB16 gives four weight
 *      bytes — and the last in_features % 4 values in plain order.
 *   2. Four output units per pass, four accumulators from the bias: per group of four inputs,
 *      one LDRD of the widened row feeds all four weight rows (one word each, SXTB16 and
 *      SXTB16-ROR-8, two SMLADs): 22 instructions for 16 MACs, two groups per loop trip
 *      (assembly; GCC spills registers in the same C and takes ~40). Units left over
 *      (units % 4) run one at a time.
 *   3. Requantization as the reference, in tinyml_requant_rs2's one-SMLAL form when every
 *      unit's shift is a right shift >= 2 (see tinyml_kernels.h).
 * A weight zero point (filter_offset != 0, legacy asymmetric weights) takes a plain path with
 * SXTAB16 adding it. Without the DSP extension (Cortex-M3) the dot products are plain C over
 * the same widened row. Sums are the reference's, regrouped, so the bytes are the same.
 */
#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TINYML_CM_DSP 1
#else
#define TINYML_CM_DSP 0
#endif

static inline uint32_t tinyml_ld32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline void tinyml_st32(void *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

static void tinyml_widen_row(int16_t *dst, const int8_t *src, int32_t n, int32_t offset) {
  int32_t i;
#if TINYML_CM_DSP
  const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)offset) * 0x00010001u);
  for (i = 0; i + 4 <= n; i += 4) {
    const uint32_t v = tinyml_ld32(src + i);
    tinyml_st32(dst + i, (uint32_t)__sxtab16(off2, (int32_t)v));
    tinyml_st32(dst + i + 2, (uint32_t)__sxtab16(off2, (int32_t)((v >> 8) | (v << 24))));
  }
#else
  for (i = 0; i + 4 <= n; i += 4) {
    dst[i] = (int16_t)(src[i] + offset);
    dst[i + 1] = (int16_t)(src[i + 2] + offset);
    dst[i + 2] = (int16_t)(src[i + 1] + offset);
    dst[i + 3] = (int16_t)(src[i + 3] + offset);
  }
#endif
  for (; i < n; ++i) dst[i] = (int16_t)(src[i] + offset);
}

#if TINYML_CM_DSP
/* Parameters of a naked function are read by its assembly, never by C. */
#define TINYML_REG_ARG __attribute__((unused))

/* One weight row (register W, accumulator A) times the group's two widened words r8, r11. */
#define TINYML_FC_ROW(W, A)         \
  "ldr    r12, [" W "], #4\n\t"     \
  "sxtb16 lr, r12\n\t"              \
  "sxtb16 r12, r12, ror #8\n\t"     \
  "smlad  " A ", lr, r8, " A "\n\t" \
  "smlad  " A ", r12, r11, " A "\n\t"
#define TINYML_FC_GROUP                                                        \
  "ldrd   r8, r11, [r2], #8\n\t" TINYML_FC_ROW("r0", "r4") TINYML_FC_ROW("r1", "r5") \
      TINYML_FC_ROW("r9", "r6") TINYML_FC_ROW("r10", "r7")

/*
 * acc[0..3] += weight rows w0, w0 + in, w0 + 2 in, w0 + 3 in (n groups of four) times the
 * widened row x: 22 instructions per 16 MACs, two groups per loop trip. Naked, registers
 * fixed by hand: the loop needs all 14 (r0-r12, lr), more than GCC's allocator can always
 * give an inline asm. AAPCS: r0 w0, r1 in, r2 x, r3 acc, [sp] n.
 */
__attribute__((naked, noinline)) static void tinyml_rows4_dsp(const int8_t *w0 TINYML_REG_ARG, int32_t in TINYML_REG_ARG,
                                                              const int16_t *x TINYML_REG_ARG,
                                                              int32_t *acc TINYML_REG_ARG, int32_t n TINYML_REG_ARG) {
  __asm__ volatile(
      "push   {r3-r11, lr}\n\t"     /* acc stays at [sp] */
      "ldr    r3, [sp, #40]\n\t"    /* n */
      "add    r9, r0, r1, lsl #1\n\t" /* w2 */
      "add    r10, r9, r1\n\t"        /* w3 */
      "add    r1, r0, r1\n\t"         /* w1 */
      "ldr    r12, [sp]\n\t"
      "ldm    r12, {r4-r7}\n\t"
      "tst    r3, #1\n\t"
      "beq    2f\n\t"
      TINYML_FC_GROUP
      "2:\n\t"
      "lsrs   r3, r3, #1\n\t"
      "beq    3f\n\t"
      "1:\n\t"
      TINYML_FC_GROUP
      TINYML_FC_GROUP
      "subs   r3, r3, #1\n\t"
      "bne    1b\n\t"
      "3:\n\t"
      "ldr    r12, [sp]\n\t"
      "stm    r12, {r4-r7}\n\t"
      "pop    {r3-r11, pc}\n\t");
}
#endif

/* acc[r] += weight row r . widened row, four rows at stride in_features. */
static inline void tinyml_rows4(const int8_t *w0, int32_t in, const int16_t *x, int32_t *acc) {
  const int32_t n = in >> 2;
  const int8_t *w1, *w2, *w3;
  int32_t a0, a1, a2, a3, i;
#if TINYML_CM_DSP
  if (n > 0) tinyml_rows4_dsp(w0, in, x, acc, n);
  w0 += 4 * n;
  x += 4 * n;
#else
  int32_t g;
  for (g = 0; g < n; ++g, w0 += 4, x += 4) {
    const int8_t *v1 = w0 + in, *v2 = v1 + in, *v3 = v2 + in;
    acc[0] += w0[0] * x[0] + w0[2] * x[1] + w0[1] * x[2] + w0[3] * x[3];
    acc[1] += v1[0] * x[0] + v1[2] * x[1] + v1[1] * x[2] + v1[3] * x[3];
    acc[2] += v2[0] * x[0] + v2[2] * x[1] + v2[1] * x[2] + v2[3] * x[3];
    acc[3] += v3[0] * x[0] + v3[2] * x[1] + v3[1] * x[2] + v3[3] * x[3];
  }
#endif
  w1 = w0 + in;
  w2 = w1 + in;
  w3 = w2 + in;
  a0 = acc[0];
  a1 = acc[1];
  a2 = acc[2];
  a3 = acc[3];
  for (i = 0; i < (in & 3); ++i) {
    a0 += w0[i] * x[i];
    a1 += w1[i] * x[i];
    a2 += w2[i] * x[i];
    a3 += w3[i] * x[i];
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

static inline int32_t tinyml_row1(const int8_t *w, int32_t in, const int16_t *x) {
  int32_t acc = 0, i = 0;
#if TINYML_CM_DSP
  for (; i + 4 <= in; i += 4) {
    const uint32_t wv = tinyml_ld32(w + i);
    acc = __smlad(__sxtb16((int32_t)wv), (int32_t)tinyml_ld32(x + i), acc);
    acc = __smlad(__sxtb16((int32_t)((wv >> 8) | (wv << 24))), (int32_t)tinyml_ld32(x + i + 2), acc);
  }
#else
  for (; i + 4 <= in; i += 4) acc += w[i] * x[i] + w[i + 2] * x[i + 1] + w[i + 1] * x[i + 2] + w[i + 3] * x[i + 3];
#endif
  for (; i < in; ++i) acc += w[i] * x[i];
  return acc;
}

/* Legacy asymmetric weights: (w + filter_offset) * (x + input_offset) straight from int8. */
static int32_t tinyml_row_offset(const int8_t *w, const int8_t *x, int32_t in, int32_t filter_offset, int32_t input_offset) {
  int32_t acc = 0, i = 0;
#if TINYML_CM_DSP
  const int32_t in2 = (int32_t)(((uint32_t)(uint16_t)input_offset) * 0x00010001u);
  const int32_t f2 = (int32_t)(((uint32_t)(uint16_t)filter_offset) * 0x00010001u);
  for (; i + 4 <= in; i += 4) {
    const uint32_t xv = tinyml_ld32(x + i), wv = tinyml_ld32(w + i);
    acc = __smlad(__sxtab16(in2, (int32_t)xv), __sxtab16(f2, (int32_t)wv), acc);
    acc = __smlad(__sxtab16(in2, (int32_t)((xv >> 8) | (xv << 24))), __sxtab16(f2, (int32_t)((wv >> 8) | (wv << 24))), acc);
  }
#endif
  for (; i < in; ++i) acc += (w[i] + filter_offset) * (x[i] + input_offset);
  return acc;
}

int32_t tinyml_fully_connected_s8(int32_t input_offset, int32_t filter_offset, int32_t output_offset,
                                  int32_t act_min, int32_t act_max,
                                  const int32_t *out_mult, const int32_t *out_shift,
                                  int32_t batches, int32_t in_features, int32_t units,
                                  const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch, int32_t scratch_bytes) {
  const int fast = tinyml_all_rs2(out_shift, units);
  const int clamp = act_min > -128 || act_max < 127;
  const int32_t k_round = 1 + 2 * output_offset;
  int16_t *const x = (int16_t *)scratch;
  int32_t b, u, r;
  if (scratch_bytes < TINYML_FULLY_CONNECTED_S8_SCRATCH_CORTEX_M(in_features) || (in_features > 0 && scratch == 0)) {
    return TINYML_ERR_SCRATCH;
  }
  for (b = 0; b < batches; ++b) {
    const int8_t *in_row = input + b * in_features;
    int8_t *out_row = output + b * units;
    if (filter_offset == 0) tinyml_widen_row(x, in_row, in_features, input_offset);
    for (u = 0; u < units;) {
      int32_t acc[4];
      const int32_t nr = filter_offset != 0 ? 1 : (units - u >= 4 ? 4 : 1);
      for (r = 0; r < nr; ++r) acc[r] = bias ? bias[u + r] : 0;
      if (filter_offset != 0) acc[0] += tinyml_row_offset(filter + u * in_features, in_row, in_features, filter_offset, input_offset);
      else if (nr == 4) tinyml_rows4(filter + u * in_features, in_features, x, acc);
      else acc[0] += tinyml_row1(filter + u * in_features, in_features, x);
      for (r = 0; r < nr; ++r, ++u) {
        int32_t v = fast ? tinyml_requant_rs2(acc[r], out_mult[u], -out_shift[u] - 2, k_round)
                         : tinyml_mbqm(acc[r], out_mult[u], out_shift[u]) + output_offset;
        v = tinyml_sat8(v);
        if (clamp) v = tinyml_clamp(v, act_min, act_max);
        out_row[u] = (int8_t)v;
      }
    }
  }
  return TINYML_OK;
}
