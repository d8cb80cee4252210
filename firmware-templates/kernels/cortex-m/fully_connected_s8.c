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
 *      SXTB16-ROR-8, two SMLADs): 22 instructions for 16 MACs, one loop instruction per two
 *      groups.
 *   3. Requantization in tinyml_requant_rs2's one-SMLAL form (every unit's shift a right
 *      shift >= 2, as real layers have; see tinyml_kernels.h), SSAT, clamp, four byte stores.
 *   Steps 2 and 3 for every block of four units are one assembly routine (registers fixed by
 *   hand: the loop uses all 14). Units left over (units % 4) and layers with a shift > -2 run
 *   one at a time in C with the reference's tinyml_mbqm.
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
/* What the assembly reads (offsets fixed in it): blocks of four output units of one batch
 * row, every shift <= -2. w, bias, mult, shift and out advance as it goes. */
typedef struct {
  const int8_t *w;       /* 0: first weight row of the block */
  int32_t in;            /* 4: in_features (the row stride) */
  const int16_t *x;      /* 8: the widened input row */
  int32_t groups;        /* 12: in / 4 */
  int32_t tail;          /* 16: in % 4 */
  const int32_t *bias;   /* 20 */
  int32_t bias_step;     /* 24: 16, or 0 over four zeros when the layer has no bias */
  const int32_t *mult;   /* 28 */
  const int32_t *shift;  /* 32 */
  int8_t *out;           /* 36 */
  int32_t k_round;       /* 40: 1 + 2 * output_offset */
  int32_t clamp;         /* 44 */
  int32_t act_min;       /* 48 */
  int32_t act_max;       /* 52 */
  int32_t blocks;        /* 56: blocks left */
} tinyml_fc_job_t;

/* Parameters of a naked function are read by its assembly, never by C. */
#define TINYML_REG_ARG __attribute__((unused))

/* One weight row (register W, accumulator A) times the group's two widened words r8, r11. */
#define TINYML_FC_ROW(W, A)         \
  "ldr    r12, [" W "], #4\n\t"     \
  "sxtb16 lr, r12\n\t"              \
  "sxtb16 r12, r12, ror #8\n\t"     \
  "smlad  " A ", lr, r8, " A "\n\t" \
  "smlad  " A ", r12, r11, " A "\n\t"
#define TINYML_FC_GROUP                                                                       \
  "ldrd   r8, r11, [r2], #8\n\t" TINYML_FC_ROW("r0", "r4") TINYML_FC_ROW("r1", "r5") \
      TINYML_FC_ROW("r9", "r6") TINYML_FC_ROW("r10", "r7")
#define TINYML_FC_TAIL(W, A)        \
  "ldrsb  r11, [" W "], #1\n\t"     \
  "mla    " A ", r11, r8, " A "\n\t"

/* tinyml_requant_rs2 of accumulator A in place (mult M; shift from [r0], post-increment;
 * r12 = 2^30, lr = k). */
#define TINYML_FC_RQ(A, M)                  \
  "ldr    r1, [r0], #4\n\t"                 \
  "mvn    r1, r1\n\t"                       \
  "sub    r1, r1, #1\n\t"                   \
  "asr    r2, " A ", #31\n\t"               \
  "orr    r3, r12, r2, lsl #31\n\t"         \
  "smlal  r3, r2, " A ", " M "\n\t"         \
  "asr    r2, r2, r1\n\t"                   \
  "add    r2, r2, lr\n\t"                   \
  "ssat   " A ", #8, r2, asr #1\n\t"

#define TINYML_FC_CLAMP(A)                  \
  "cmp    " A ", r2\n\t"                    \
  "it     lt\n\t"                           \
  "movlt  " A ", r2\n\t"                    \
  "cmp    " A ", r3\n\t"                    \
  "it     gt\n\t"                           \
  "movgt  " A ", r3\n\t"

/*
 * Every block of four units: accumulators r4-r7 from the biases; per group of four inputs one
 * LDRD of the widened row feeds the four weight rows (one word each, SXTB16 / SXTB16-ROR-8,
 * two SMLADs): 22 instructions for 16 MACs, two groups a loop trip; the in % 4 tail; the
 * one-SMLAL requantization, the clamp and four byte stores. Naked, registers fixed by hand
 * (all 14 in use; GCC's allocator cannot always give an inline asm that many). AAPCS: r0 job.
 */
__attribute__((naked, noinline)) static void tinyml_fc_blocks_dsp(tinyml_fc_job_t *job TINYML_REG_ARG) {
  __asm__ volatile(
      "push   {r0, r4-r11, lr}\n\t" /* job stays at [sp] */
      "1:\n\t"
      "ldr    r12, [sp]\n\t"
      "ldr    r0, [r12, #0]\n\t"
      "ldr    r3, [r12, #4]\n\t"
      "add    r1, r0, r3\n\t"
      "add    r9, r1, r3\n\t"
      "add    r10, r9, r3\n\t"
      "add    r8, r10, r3\n\t"
      "str    r8, [r12, #0]\n\t"
      "ldr    r2, [r12, #8]\n\t"
      "ldr    r8, [r12, #20]\n\t"
      "ldm    r8, {r4-r7}\n\t"
      "ldr    r3, [r12, #24]\n\t"
      "add    r8, r8, r3\n\t"
      "str    r8, [r12, #20]\n\t"
      "ldr    r3, [r12, #12]\n\t"
      "tst    r3, #1\n\t"
      "beq    2f\n\t"
      TINYML_FC_GROUP
      "2:\n\t"
      "lsrs   r3, r3, #1\n\t"
      "beq    4f\n\t"
      "3:\n\t"
      TINYML_FC_GROUP
      TINYML_FC_GROUP
      "subs   r3, r3, #1\n\t"
      "bne    3b\n\t"
      "4:\n\t"
      "ldr    r12, [sp]\n\t"
      "ldr    r3, [r12, #16]\n\t"
      "cbz    r3, 6f\n\t"
      "5:\n\t"
      "ldrsh  r8, [r2], #2\n\t"
      TINYML_FC_TAIL("r0", "r4") TINYML_FC_TAIL("r1", "r5") TINYML_FC_TAIL("r9", "r6") TINYML_FC_TAIL("r10", "r7")
      "subs   r3, r3, #1\n\t"
      "bne    5b\n\t"
      "6:\n\t"
      "ldr    r3, [r12, #28]\n\t"
      "ldm    r3!, {r8-r11}\n\t"
      "str    r3, [r12, #28]\n\t"
      "ldr    r0, [r12, #32]\n\t"
      "ldr    lr, [r12, #40]\n\t"
      "mov    r12, #0x40000000\n\t"
      TINYML_FC_RQ("r4", "r8") TINYML_FC_RQ("r5", "r9") TINYML_FC_RQ("r6", "r10") TINYML_FC_RQ("r7", "r11")
      "ldr    r12, [sp]\n\t"
      "str    r0, [r12, #32]\n\t"
      "ldr    r3, [r12, #44]\n\t"
      "cbz    r3, 7f\n\t"
      "ldrd   r2, r3, [r12, #48]\n\t"
      TINYML_FC_CLAMP("r4") TINYML_FC_CLAMP("r5") TINYML_FC_CLAMP("r6") TINYML_FC_CLAMP("r7")
      "7:\n\t"
      "ldr    r3, [r12, #36]\n\t"
      "strb   r4, [r3]\n\t"
      "strb   r5, [r3, #1]\n\t"
      "strb   r6, [r3, #2]\n\t"
      "strb   r7, [r3, #3]\n\t"
      "add    r3, r3, #4\n\t"
      "str    r3, [r12, #36]\n\t"
      "ldr    r3, [r12, #56]\n\t"
      "subs   r3, r3, #1\n\t"
      "str    r3, [r12, #56]\n\t"
      "bne    1b\n\t"
      "pop    {r0, r4-r11, pc}\n\t");
}

static const int32_t tinyml_zero_bias4[4] = {0, 0, 0, 0};
#endif

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
  int32_t b, u;
  if (scratch_bytes < TINYML_FULLY_CONNECTED_S8_SCRATCH_CORTEX_M(in_features) || (in_features > 0 && scratch == 0)) {
    return TINYML_ERR_SCRATCH;
  }
  for (b = 0; b < batches; ++b) {
    const int8_t *in_row = input + b * in_features;
    int8_t *out_row = output + b * units;
    u = 0;
    if (filter_offset == 0) tinyml_widen_row(x, in_row, in_features, input_offset);
#if TINYML_CM_DSP
    if (filter_offset == 0 && fast && units >= 4) {
      tinyml_fc_job_t job;
      job.w = filter;
      job.in = in_features;
      job.x = x;
      job.groups = in_features >> 2;
      job.tail = in_features & 3;
      job.bias = bias ? bias : tinyml_zero_bias4;
      job.bias_step = bias ? 16 : 0;
      job.mult = out_mult;
      job.shift = out_shift;
      job.out = out_row;
      job.k_round = k_round;
      job.clamp = clamp;
      job.act_min = act_min;
      job.act_max = act_max;
      job.blocks = units >> 2;
      tinyml_fc_blocks_dsp(&job);
      u = units & ~3;
    }
#endif
    for (; u < units; ++u) {
      int32_t acc = bias ? bias[u] : 0, v;
      if (filter_offset != 0) acc += tinyml_row_offset(filter + u * in_features, in_row, in_features, filter_offset, input_offset);
      else acc += tinyml_row1(filter + u * in_features, in_features, x);
      v = fast ? tinyml_requant_rs2(acc, out_mult[u], -out_shift[u] - 2, k_round) : tinyml_mbqm(acc, out_mult[u], out_shift[u]) + output_offset;
      v = tinyml_sat8(v);
      if (clamp) v = tinyml_clamp(v, act_min, act_max);
      out_row[u] = (int8_t)v;
    }
  }
  return TINYML_OK;
}
