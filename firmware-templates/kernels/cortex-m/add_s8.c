/*
 * Add int8 — Cortex-M version of kernels/reference/add_s8.c (same name, signature and bytes
 * out). The reference evaluates three general MultiplyByQuantizedMultiplier calls per element
 * through 4-D broadcast index arithmetic, ~150 instructions an element; a residual ADD of two
 * same-shape tensors (ResNet) needs neither.
 *
 * Per element, exactly the reference's arithmetic in fewer instructions:
 *   - each input: v = x + offset (|v| <= 255), SRDHM(v * 2^left_shift, m). For m >= 0,
 *     SRDHM(a, m) = floor((a * m + 2^30) / 2^31) (see tinyml_requant_rs2 in tinyml_kernels.h);
 *     with a = v * 2^L this is floor((v * 2^(L+1) * m + 2^31) / 2^32), i.e. SMMULR(v << (L+1), m),
 *     one instruction, valid while |v| << (L+1) < 2^31 (L <= 22; TFLite's L is 20). Then
 *     RoundingDivideByPOT by e = -shift >= 0 as (x + (2^e >> 1) - [x < 0 and e > 0]) >> e —
 *     round half away from zero, no overflow since |x| < 2^30.
 *   - the sum (|sum| < 2^31) requantized by tinyml_requant_rs2 when the output shift is <= -2.
 * Inputs whose strides are not the output's own (broadcast) and parameters outside those
 * conditions take the reference arithmetic. Without the DSP extension (Cortex-M3: no SMMULR)
 * the same SRDHM runs as a 64-bit multiply-accumulate. No scratch.
 */
#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TINYML_CM_DSP 1
#else
#define TINYML_CM_DSP 0
#endif

/* SRDHM(a, m) for a = v * 2^L, given w = v * 2^(L+1): floor((w * m + 2^31) / 2^32). */
static inline int32_t tinyml_mulhi_round(int32_t w, int32_t m) {
#if TINYML_CM_DSP && !defined(TINYML_NO_ASM)
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(w), "r"(m));
  return r;
#else
  return (int32_t)(((int64_t)w * m + ((int64_t)1 << 31)) >> 32);
#endif
}

/* RoundingDivideByPOT(x, e) for |x| < 2^30: h = 2^e >> 1, neg = -1 when e > 0 else 0. */
static inline int32_t tinyml_rdbpot_small(int32_t x, int32_t e, int32_t h, int32_t neg) {
  return (x + h + ((x >> 31) & neg)) >> e;
}

static void tinyml_add_flat(const tinyml_add_params_t *p, int32_t n, const int8_t *a, const int8_t *b, int8_t *out) {
  const int32_t l1 = p->left_shift + 1;
  const int32_t o1 = p->input1_offset, m1 = p->input1_multiplier, e1 = -p->input1_shift;
  const int32_t o2 = p->input2_offset, m2 = p->input2_multiplier, e2 = -p->input2_shift;
  const int32_t h1 = (1 << e1) >> 1, h2 = (1 << e2) >> 1, n1 = e1 > 0 ? -1 : 0, n2 = e2 > 0 ? -1 : 0;
  const int32_t mo = p->output_multiplier, emo = -p->output_shift - 2, k = 1 + 2 * p->output_offset;
  const int32_t lo = p->act_min, hi = p->act_max;
  const int clamp = lo > -128 || hi < 127;
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t s1 = tinyml_rdbpot_small(tinyml_mulhi_round((a[i] + o1) * (1 << l1), m1), e1, h1, n1);
    const int32_t s2 = tinyml_rdbpot_small(tinyml_mulhi_round((b[i] + o2) * (1 << l1), m2), e2, h2, n2);
    int32_t v = tinyml_sat8(tinyml_requant_rs2(s1 + s2, mo, emo, k));
    if (clamp) v = tinyml_clamp(v, lo, hi);
    out[i] = (int8_t)v;
  }
}

void tinyml_add_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output) {
  const int32_t n = out_shape->n * out_shape->h * out_shape->w * out_shape->c;
  const int32_t own[4] = {out_shape->h * out_shape->w * out_shape->c, out_shape->w * out_shape->c, out_shape->c, 1};
  int32_t b, y, x, c, d, flat = 1;
  int8_t *out = output;
  for (d = 0; d < 4; ++d) {
    /* a stride along a dimension of size 1 is never used */
    const int32_t size = d == 0 ? out_shape->n : d == 1 ? out_shape->h : d == 2 ? out_shape->w : out_shape->c;
    if (size > 1 && (strides1[d] != own[d] || strides2[d] != own[d])) flat = 0;
  }
  if (flat && p->left_shift >= 0 && p->left_shift <= 22 && p->input1_shift <= 0 && p->input1_shift > -31 &&
      p->input2_shift <= 0 && p->input2_shift > -31 && p->input1_multiplier >= 0 && p->input2_multiplier >= 0 &&
      p->output_multiplier >= 0 && p->output_shift <= -2) {
    tinyml_add_flat(p, n, input1, input2, output);
    return;
  }
  for (b = 0; b < out_shape->n; ++b) {
    for (y = 0; y < out_shape->h; ++y) {
      for (x = 0; x < out_shape->w; ++x) {
        const int8_t *r1 = input1 + b * strides1[0] + y * strides1[1] + x * strides1[2];
        const int8_t *r2 = input2 + b * strides2[0] + y * strides2[1] + x * strides2[2];
        for (c = 0; c < out_shape->c; ++c) {
          const int32_t v1 = p->input1_offset + r1[c * strides1[3]];
          const int32_t v2 = p->input2_offset + r2[c * strides2[3]];
          const int32_t s1 = tinyml_mbqm(v1 * ((int32_t)1 << p->left_shift), p->input1_multiplier, p->input1_shift);
          const int32_t s2 = tinyml_mbqm(v2 * ((int32_t)1 << p->left_shift), p->input2_multiplier, p->input2_shift);
          const int32_t out_v = tinyml_mbqm(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset;
          *out++ = (int8_t)tinyml_clamp(out_v, p->act_min, p->act_max);
        }
      }
    }
  }
}
