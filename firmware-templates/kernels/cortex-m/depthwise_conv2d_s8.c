/*
 * DepthwiseConv2D int8, per-channel — Cortex-M version of kernels/reference/depthwise_conv2d_s8.c
 * (same name, signature and bytes out).
 *
 * Working memory: the caller's scratch, TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M =
 * 8 * filter_h * filter_w bytes: the filter taps of four channels widened to int16 pairs.
 * Nothing static, no other path.
 *
 * Depth multiplier 1 with the DSP extension, four channels at a time (channel groups outer,
 * output pixels inner):
 *   1. The group's filter taps are widened once: per tap, two words (c0, c2) and (c1, c3).
 *   2. Per output pixel, four accumulators in registers start at the bias. Per tap: one
 *      32-bit load brings the four channels' input bytes, SXTAB16 (and SXTAB16-ROR-8) adds the
 *      input offset to two lanes each, one LDRD the tap's widened weights, SMLABB/SMLATT four
 *      MACs. A 3x3 filter whose taps all lie inside the input (any stride, any dilation) runs
 *      unrolled (8 instructions a tap); near the border a loop runs exactly the taps inside,
 *      so padding costs nothing and is never read (the reference skips it too).
 *   3. Requantization as the reference, in tinyml_requant_rs2's one-SMLAL form when every
 *      channel's shift is a right shift >= 2 (see tinyml_kernels.h).
 * Channels beyond a multiple of four, depth multipliers > 1 and cores without the DSP
 * extension (Cortex-M3) take a plain loop per output channel with its accumulator in a
 * register. The sums are the reference's in another order, so the bytes are the same.
 */
#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TINYML_CM_DSP 1
#else
#define TINYML_CM_DSP 0
#endif

/* The filter taps k with origin + k * dilation inside [0, size): [*lo, *hi). */
static inline void tinyml_tap_range(int32_t origin, int32_t dilation, int32_t k, int32_t size, int32_t *lo, int32_t *hi) {
  int32_t a = 0, b = k;
  while (a < k && origin + a * dilation < 0) ++a;
  while (b > a && origin + (b - 1) * dilation >= size) --b;
  *lo = a;
  *hi = b;
}

static inline int32_t tinyml_requant(int32_t acc, int32_t m, int32_t s, int fast, int32_t k_round, const tinyml_conv_params_t *p) {
  int32_t v = fast ? tinyml_requant_rs2(acc, m, -s - 2, k_round) : tinyml_mbqm(acc, m, s) + p->output_offset;
  v = tinyml_sat8(v);
  return tinyml_clamp(v, p->act_min, p->act_max);
}

/* One output channel at a time (any depth multiplier, any core). */
static void tinyml_dw_plain(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                            const tinyml_shape4_t *in_shape, const int8_t *in_b, const tinyml_shape4_t *filter_shape,
                            const int8_t *filter, const int32_t *bias, const tinyml_shape4_t *out_shape, int8_t *out_b,
                            int32_t oc_begin, int fast) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_w = filter_shape->w;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t dm = p->depth_multiplier;
  const int32_t off = p->input_offset;
  const int32_t k_round = 1 + 2 * p->output_offset;
  int32_t oy, ox, oc, ky, kx;
  for (oy = 0; oy < out_h; ++oy) {
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    int32_t ky0, ky1;
    tinyml_tap_range(y0, p->dilation_h, filter_shape->h, in_h, &ky0, &ky1);
    for (ox = 0; ox < out_w; ++ox) {
      const int32_t x0 = ox * p->stride_w - p->pad_w;
      int8_t *out_px = out_b + (oy * out_w + ox) * out_c;
      int32_t kx0, kx1;
      tinyml_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
      for (oc = oc_begin; oc < out_c; ++oc) {
        const int8_t *x_ch = in_b + oc / dm;
        int32_t acc = bias ? bias[oc] : 0;
        for (ky = ky0; ky < ky1; ++ky) {
          const int8_t *x_row = x_ch + (y0 + ky * p->dilation_h) * in_w * in_c;
          const int8_t *w_row = filter + ky * k_w * out_c + oc;
          for (kx = kx0; kx < kx1; ++kx) acc += w_row[kx * out_c] * (x_row[(x0 + kx * p->dilation_w) * in_c] + off);
        }
        out_px[oc] = (int8_t)tinyml_requant(acc, out_mult[oc], out_shift[oc], fast, k_round, p);
      }
    }
  }
}

#if TINYML_CM_DSP
static inline uint32_t tinyml_ld32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/*
 * One tap of four channels: x holds their four input bytes, we/wo the tap's widened weights
 * (c0, c2) and (c1, c3). SXTAB16 adds the input offset to two lanes (ROR 8 folded into the
 * second, which GCC's __sxtab16 does not do), SMLABB/SMLATT accumulate each lane: 6
 * instructions; the two loads stay in C so GCC picks their addressing modes.
 */
#define TINYML_DW_TAP(X, WE, WO)                                                            \
  do {                                                                                      \
    int32_t x_ = (int32_t)(X), xo_;                                                         \
    __asm__("sxtab16 %[xo], %[off2], %[x], ror #8\n\t"                                      \
            "sxtab16 %[x], %[off2], %[x]\n\t"                                               \
            "smlabb  %[a0], %[x], %[we], %[a0]\n\t"                                         \
            "smlatt  %[a2], %[x], %[we], %[a2]\n\t"                                         \
            "smlabb  %[a1], %[xo], %[wo], %[a1]\n\t"                                        \
            "smlatt  %[a3], %[xo], %[wo], %[a3]"                                             \
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+&r"(x_), [xo] "=&r"(xo_) \
            : [we] "r"(WE), [wo] "r"(WO), [off2] "r"(off2));                               \
  } while (0)

/* Depth multiplier 1, channels [0, out_c & ~3) in groups of four. */
static void tinyml_dw_groups(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                             const tinyml_shape4_t *in_shape, const int8_t *in_b, const tinyml_shape4_t *filter_shape,
                             const int8_t *filter, const int32_t *bias, const tinyml_shape4_t *out_shape, int8_t *out_b,
                             int32_t *wv, int fast) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, c_all = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w;
  const int32_t out_h = out_shape->h, out_w = out_shape->w;
  const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)p->input_offset) * 0x00010001u);
  const int32_t k_round = 1 + 2 * p->output_offset;
  const int32_t step = p->dilation_w * c_all;       /* input bytes between taps of a row */
  const int32_t step2 = 2 * step;
  const int32_t row = p->dilation_h * in_w * c_all; /* ... and between filter rows */
  const int full3 = k_h == 3 && k_w == 3;
  int32_t c, t, i, oy, ox, ky, kx;
  for (c = 0; c + 4 <= c_all; c += 4) {
    int32_t b4[4], m4[4], s4[4];
    for (t = 0; t < k_h * k_w; ++t) {
      const uint32_t w = tinyml_ld32(filter + t * c_all + c);
      wv[2 * t] = __sxtb16((int32_t)w);
      wv[2 * t + 1] = __sxtb16((int32_t)((w >> 8) | (w << 24)));
    }
    for (i = 0; i < 4; ++i) {
      b4[i] = bias ? bias[c + i] : 0;
      m4[i] = out_mult[c + i];
      s4[i] = out_shift[c + i];
    }
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      int32_t ky0, ky1;
      tinyml_tap_range(y0, p->dilation_h, k_h, in_h, &ky0, &ky1);
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_w;
        int8_t *out_px = out_b + (oy * out_w + ox) * c_all + c;
        int32_t kx0, kx1, acc[4], a0, a1, a2, a3;
        tinyml_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
        a0 = b4[0];
        a1 = b4[1];
        a2 = b4[2];
        a3 = b4[3];
        if (full3 && ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3) {
          /* every tap inside: unrolled, three row pointers and the tap step as offsets */
          const int8_t *r0 = in_b + (y0 * in_w + x0) * c_all + c, *r1 = r0 + row, *r2 = r1 + row;
          TINYML_DW_TAP(tinyml_ld32(r0), wv[0], wv[1]);
          TINYML_DW_TAP(tinyml_ld32(r0 + step), wv[2], wv[3]);
          TINYML_DW_TAP(tinyml_ld32(r0 + step2), wv[4], wv[5]);
          TINYML_DW_TAP(tinyml_ld32(r1), wv[6], wv[7]);
          TINYML_DW_TAP(tinyml_ld32(r1 + step), wv[8], wv[9]);
          TINYML_DW_TAP(tinyml_ld32(r1 + step2), wv[10], wv[11]);
          TINYML_DW_TAP(tinyml_ld32(r2), wv[12], wv[13]);
          TINYML_DW_TAP(tinyml_ld32(r2 + step), wv[14], wv[15]);
          TINYML_DW_TAP(tinyml_ld32(r2 + step2), wv[16], wv[17]);
        } else {
          /* exactly the taps inside the input */
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *xp = in_b + ((y0 + ky * p->dilation_h) * in_w + x0 + kx0 * p->dilation_w) * c_all + c;
            const int32_t *q = wv + 2 * (ky * k_w + kx0);
            for (kx = kx0; kx < kx1; ++kx, xp += step, q += 2) TINYML_DW_TAP(tinyml_ld32(xp), q[0], q[1]);
          }
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        for (i = 0; i < 4; ++i) out_px[i] = (int8_t)tinyml_requant(acc[i], m4[i], s4[i], fast, k_round, p);
      }
    }
  }
}
#endif

int32_t tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                   const tinyml_shape4_t *in_shape, const int8_t *input,
                                   const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                   const tinyml_shape4_t *out_shape, int8_t *output,
                                   void *scratch, int32_t scratch_bytes) {
  const int32_t in_sz = in_shape->h * in_shape->w * in_shape->c;
  const int32_t out_sz = out_shape->h * out_shape->w * out_shape->c;
  const int fast = tinyml_all_rs2(out_shift, out_shape->c);
  int32_t b, oc_plain = 0;
  if (scratch_bytes < TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M(filter_shape->h, filter_shape->w, out_shape->c) ||
      scratch == 0) {
    return TINYML_ERR_SCRATCH;
  }
#if TINYML_CM_DSP
  if (p->depth_multiplier == 1) oc_plain = out_shape->c & ~3;
#endif
  for (b = 0; b < out_shape->n; ++b) {
#if TINYML_CM_DSP
    if (oc_plain > 0) {
      tinyml_dw_groups(p, out_mult, out_shift, in_shape, input + b * in_sz, filter_shape, filter, bias, out_shape,
                       output + b * out_sz, (int32_t *)scratch, fast);
    }
#endif
    if (oc_plain < out_shape->c) {
      tinyml_dw_plain(p, out_mult, out_shift, in_shape, input + b * in_sz, filter_shape, filter, bias, out_shape,
                      output + b * out_sz, oc_plain, fast);
    }
  }
  return TINYML_OK;
}
