/*
 * DepthwiseConv2D int8, per-channel — Cortex-M version of kernels/reference/depthwise_conv2d_s8.c
 * (same name, signature and bytes out).
 *
 * Working memory: the caller's scratch, TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M =
 * 8 * filter_h * filter_w bytes: the filter taps of four channels widened to int16 pairs; in
 * place, TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M = 4 * in_h * in_w bytes more. Nothing
 * static, no other path.
 *
 * In place (output == input, depth multiplier 1, any stride or padding): channels are done a
 * group at a time, and a group's input plane (its bytes of every pixel) is first copied into
 * the scratch, so its outputs may overwrite exactly the bytes it has consumed; no other
 * channel's bytes are touched. Any other aliasing returns TINYML_ERR_ALIAS.
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
 *   3. Requantization in tinyml_requant_rs2's one-SMLAL form (every channel's shift a right
 *      shift >= 2, as real layers have), SSAT, the clamp, four byte stores.
 *   Steps 2 and 3 run in one assembly routine over a run of output pixels that see the same
 *   taps (the interior of a row is one run, each border pixel its own).
 * Channels beyond a multiple of four, depth multipliers > 1, layers with a shift > -2 and
 * cores without the DSP extension (Cortex-M3) take a plain loop per output channel with its
 * accumulator in a register and the reference's tinyml_mbqm. The sums are the reference's in
 * another order, so the bytes are the same.
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

/*
 * One output channel oc (any depth multiplier, any core), accumulator in a register. Its input
 * channel's byte of pixel (y, x) is in[(y * in_w + x) * in_px]; its output byte of pixel
 * (oy, ox) is out[(oy * out_w + ox) * out_px].
 */
static void tinyml_dw_plain(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                            const tinyml_shape4_t *in_shape, const tinyml_shape4_t *filter_shape, const int8_t *filter,
                            const int32_t *bias, const tinyml_shape4_t *out_shape, const int8_t *in, int32_t in_px,
                            int8_t *out, int32_t out_px, int32_t oc, int fast) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w;
  const int32_t k_w = filter_shape->w, f_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w;
  const int32_t off = p->input_offset;
  const int32_t k_round = 1 + 2 * p->output_offset;
  const int32_t b0 = bias ? bias[oc] : 0, m = out_mult[oc], sh = out_shift[oc];
  int32_t oy, ox, ky, kx;
  for (oy = 0; oy < out_h; ++oy) {
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    int32_t ky0, ky1;
    tinyml_tap_range(y0, p->dilation_h, filter_shape->h, in_h, &ky0, &ky1);
    for (ox = 0; ox < out_w; ++ox) {
      const int32_t x0 = ox * p->stride_w - p->pad_w;
      int32_t kx0, kx1, acc = b0;
      tinyml_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
      for (ky = ky0; ky < ky1; ++ky) {
        const int8_t *x_row = in + (y0 + ky * p->dilation_h) * in_w * in_px;
        const int8_t *w_row = filter + ky * k_w * f_c + oc;
        for (kx = kx0; kx < kx1; ++kx) acc += w_row[kx * f_c] * (x_row[(x0 + kx * p->dilation_w) * in_px] + off);
      }
      out[(oy * out_w + ox) * out_px] = (int8_t)tinyml_requant(acc, m, sh, fast, k_round, p);
    }
  }
}

#if TINYML_CM_DSP
static inline uint32_t tinyml_ld32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* What the assembly reads (offsets fixed in it): a run of output pixels of one output row
 * that see the same filter taps, four channels. in, out and npx advance as it goes. */
typedef struct {
  const int8_t *in;     /* 0: input at the first tap inside, first pixel of the run */
  const int32_t *wv;    /* 4: widened weights of that tap */
  int32_t nky, nkx;     /* 8, 12: taps inside, per column and per row */
  int32_t step;         /* 16: input bytes from a tap to the next in a row (dilation * C) */
  int32_t rowskip;      /* 20: from after a row's last tap to the next row's first */
  int32_t wskip;        /* 24: widened-weight bytes of the taps outside, per row */
  int32_t pxstep;       /* 28: input bytes between output pixels (stride * C) */
  int32_t off2;         /* 32: input offset in both halfwords */
  int8_t *out;          /* 36 */
  int32_t out_step;     /* 40: C */
  int32_t npx;          /* 44: pixels left in the run */
  int32_t k_round;      /* 48: 1 + 2 * output_offset */
  int32_t clamp;        /* 52 */
  int32_t act_min;      /* 56 */
  int32_t act_max;      /* 60 */
  int32_t bias[4];      /* 64 */
  int32_t rq[8];        /* 80: multiplier, e - 2 per channel */
  int32_t rows_left;    /* 112: the routine's row counter */
  int32_t full3;        /* 116: a 3x3 filter with every tap inside: unrolled */
} tinyml_dw_job_t;

/* Parameters of a naked function are read by its assembly, never by C. */
#define TINYML_REG_ARG __attribute__((unused))

/* One tap: input word at ADDR, widened weights by LDRD at [r2, #QOFF] (unrolled path). */
#define TINYML_DW_TAP(ADDR, QOFF)              \
  "ldr     r8, " ADDR "\n\t"                   \
  "ldrd    r10, r11, [r2, #" QOFF "]\n\t"      \
  "sxtab16 r9, r12, r8, ror #8\n\t"            \
  "sxtab16 r8, r12, r8\n\t"                    \
  "smlabb  r4, r8, r10, r4\n\t"                \
  "smlatt  r6, r8, r10, r6\n\t"                \
  "smlabb  r5, r9, r11, r5\n\t"                \
  "smlatt  r7, r9, r11, r7\n\t"

#define TINYML_DW_RQ(A, OFF)                   \
  "ldrd   r10, r11, [r0, #" OFF "]\n\t"        \
  "asr    r2, " A ", #31\n\t"                  \
  "orr    r3, r12, r2, lsl #31\n\t"            \
  "smlal  r3, r2, " A ", r10\n\t"              \
  "asr    r2, r2, r11\n\t"                     \
  "add    r2, r2, lr\n\t"                      \
  "ssat   " A ", #8, r2, asr #1\n\t"

#define TINYML_DW_CLAMP(A)                     \
  "cmp    " A ", r2\n\t"                       \
  "it     lt\n\t"                              \
  "movlt  " A ", r2\n\t"                       \
  "cmp    " A ", r3\n\t"                       \
  "it     gt\n\t"                              \
  "movgt  " A ", r3\n\t"

/*
 * The run's pixels, four channels each: accumulators r4-r7 from the biases; per tap one
 * 32-bit load of the four channels' inputs, SXTAB16 / SXTAB16-ROR-8 adding the input offset,
 * one LDRD of the widened weights, SMLABB/SMLATT: 8 instructions a tap unrolled (3x3 with all
 * taps inside), 11 in the loop over exactly the taps inside (borders, other sizes); then the
 * one-SMLAL requantization, the clamp and four byte stores. Naked, registers fixed by hand
 * (all 14 are in use; GCC's allocator cannot always give an inline asm that many).
 * AAPCS: r0 job.
 */
__attribute__((naked, noinline)) static void tinyml_dw_run_dsp(tinyml_dw_job_t *job TINYML_REG_ARG) {
  __asm__ volatile(
      "push    {r3-r11, lr}\n\t"
      "1:\n\t"
      "ldr     r1, [r0, #0]\n\t"
      "ldr     r2, [r0, #4]\n\t"
      "add     r8, r0, #64\n\t"
      "ldm     r8, {r4-r7}\n\t"
      "ldr     r12, [r0, #32]\n\t"
      "ldr     lr, [r0, #16]\n\t"
      "ldr     r3, [r0, #116]\n\t"
      "cmp     r3, #0\n\t"
      "bne     5f\n\t"
      /* any taps: rows [0, nky) x taps [0, nkx) */
      "ldr     r3, [r0, #8]\n\t"
      "str     r3, [r0, #112]\n\t"
      "cmp     r3, #0\n\t"
      "beq     6f\n\t"
      "ldr     r3, [r0, #12]\n\t"
      "cmp     r3, #0\n\t"
      "beq     6f\n\t"
      "2:\n\t"
      "ldr     r3, [r0, #12]\n\t"
      "3:\n\t"
      "ldr     r8, [r1]\n\t"
      "add     r1, r1, lr\n\t"
      "ldrd    r10, r11, [r2], #8\n\t"
      "sxtab16 r9, r12, r8, ror #8\n\t"
      "sxtab16 r8, r12, r8\n\t"
      "smlabb  r4, r8, r10, r4\n\t"
      "smlatt  r6, r8, r10, r6\n\t"
      "smlabb  r5, r9, r11, r5\n\t"
      "smlatt  r7, r9, r11, r7\n\t"
      "subs    r3, r3, #1\n\t"
      "bne     3b\n\t"
      "ldr     r3, [r0, #20]\n\t"
      "add     r1, r1, r3\n\t"
      "ldr     r3, [r0, #24]\n\t"
      "add     r2, r2, r3\n\t"
      "ldr     r3, [r0, #112]\n\t"
      "subs    r3, r3, #1\n\t"
      "str     r3, [r0, #112]\n\t"
      "bne     2b\n\t"
      "b       6f\n\t"
      /* 3x3, every tap inside: r3 = from a row's middle tap to the next row's first */
      "5:\n\t"
      "ldr     r3, [r0, #20]\n\t"
      "add     r3, r3, lr, lsl #1\n\t"
      TINYML_DW_TAP("[r1]", "0") TINYML_DW_TAP("[r1, lr]", "8")
      "add     r1, r1, lr\n\t"
      TINYML_DW_TAP("[r1, lr]", "16")
      "add     r1, r1, r3\n\t"
      TINYML_DW_TAP("[r1]", "24") TINYML_DW_TAP("[r1, lr]", "32")
      "add     r1, r1, lr\n\t"
      TINYML_DW_TAP("[r1, lr]", "40")
      "add     r1, r1, r3\n\t"
      TINYML_DW_TAP("[r1]", "48") TINYML_DW_TAP("[r1, lr]", "56")
      "add     r1, r1, lr\n\t"
      TINYML_DW_TAP("[r1, lr]", "64")
      /* requantize, clamp, store, next pixel */
      "6:\n\t"
      "mov     r12, #0x40000000\n\t"
      "ldr     lr, [r0, #48]\n\t"
      TINYML_DW_RQ("r4", "80") TINYML_DW_RQ("r5", "88") TINYML_DW_RQ("r6", "96") TINYML_DW_RQ("r7", "104")
      "ldr     r3, [r0, #52]\n\t"
      "cbz     r3, 7f\n\t"
      "ldrd    r2, r3, [r0, #56]\n\t"
      TINYML_DW_CLAMP("r4") TINYML_DW_CLAMP("r5") TINYML_DW_CLAMP("r6") TINYML_DW_CLAMP("r7")
      "7:\n\t"
      "ldr     r3, [r0, #36]\n\t"
      "strb    r4, [r3]\n\t"
      "strb    r5, [r3, #1]\n\t"
      "strb    r6, [r3, #2]\n\t"
      "strb    r7, [r3, #3]\n\t"
      "ldr     r2, [r0, #40]\n\t"
      "add     r3, r3, r2\n\t"
      "str     r3, [r0, #36]\n\t"
      "ldr     r3, [r0, #0]\n\t"
      "ldr     r2, [r0, #28]\n\t"
      "add     r3, r3, r2\n\t"
      "str     r3, [r0, #0]\n\t"
      "ldr     r3, [r0, #44]\n\t"
      "subs    r3, r3, #1\n\t"
      "str     r3, [r0, #44]\n\t"
      "bne     1b\n\t"
      "pop     {r3-r11, pc}\n\t");
}

/*
 * Depth multiplier 1, every shift <= -2: channels c .. c + 3. Their input bytes of pixel (y, x)
 * start at in[(y * in_w + x) * in_px], their output bytes at out[(oy * out_w + ox) * out_px].
 */
static void tinyml_dw_group4(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                             const tinyml_shape4_t *in_shape, const tinyml_shape4_t *filter_shape, const int8_t *filter,
                             const int32_t *bias, const tinyml_shape4_t *out_shape, const int8_t *in, int32_t in_px,
                             int8_t *out, int32_t out_px, int32_t c, int32_t *wv) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, f_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w;
  /* Output columns [ox_lo, ox_hi) see every filter column; the others are border pixels. */
  const int32_t right = in_w - 1 - (k_w - 1) * p->dilation_w + p->pad_w;
  int32_t ox_lo = (p->pad_w + p->stride_w - 1) / p->stride_w;
  int32_t ox_hi = right < 0 ? 0 : right / p->stride_w + 1;
  tinyml_dw_job_t job;
  int32_t t, i, oy, ox;
  if (ox_hi > out_w) ox_hi = out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  job.step = p->dilation_w * in_px;
  job.pxstep = p->stride_w * in_px;
  job.off2 = (int32_t)(((uint32_t)(uint16_t)p->input_offset) * 0x00010001u);
  job.out_step = out_px;
  job.k_round = 1 + 2 * p->output_offset;
  job.clamp = p->act_min > -128 || p->act_max < 127;
  job.act_min = p->act_min;
  job.act_max = p->act_max;
  for (t = 0; t < k_h * k_w; ++t) {
    const uint32_t w = tinyml_ld32(filter + t * f_c + c);
    wv[2 * t] = __sxtb16((int32_t)w);
    wv[2 * t + 1] = __sxtb16((int32_t)((w >> 8) | (w << 24)));
  }
  for (i = 0; i < 4; ++i) {
    job.bias[i] = bias ? bias[c + i] : 0;
    job.rq[2 * i] = out_mult[c + i];
    job.rq[2 * i + 1] = -out_shift[c + i] - 2;
  }
  for (oy = 0; oy < out_h; ++oy) {
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    int32_t ky0, ky1;
    tinyml_tap_range(y0, p->dilation_h, k_h, in_h, &ky0, &ky1);
    for (ox = 0; ox < out_w;) {
      /* a border pixel alone, or the whole interior of the row as one run */
      const int32_t end = ox >= ox_lo && ox < ox_hi ? ox_hi : ox + 1;
      const int32_t x0 = ox * p->stride_w - p->pad_w;
      int32_t kx0, kx1;
      tinyml_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
      job.nky = ky1 - ky0;
      job.nkx = kx1 - kx0;
      job.in = in + ((y0 + ky0 * p->dilation_h) * in_w + x0 + kx0 * p->dilation_w) * in_px;
      job.wv = wv + 2 * (ky0 * k_w + kx0);
      job.rowskip = p->dilation_h * in_w * in_px - job.nkx * job.step;
      job.wskip = 8 * (k_w - job.nkx);
      job.full3 = k_h == 3 && k_w == 3 && job.nky == 3 && job.nkx == 3;
      job.out = out + (oy * out_w + ox) * out_px;
      job.npx = end - ox;
      tinyml_dw_run_dsp(&job);
      ox = end;
    }
  }
}
#endif

int32_t tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                   const tinyml_shape4_t *in_shape, const int8_t *input,
                                   const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                   const tinyml_shape4_t *out_shape, int8_t *output,
                                   void *scratch, int32_t scratch_bytes) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c, out_c = out_shape->c;
  const int32_t npx_in = in_h * in_w;
  const int32_t in_sz = npx_in * in_c;
  const int32_t out_sz = out_shape->h * out_shape->w * out_c;
  const int32_t dm = p->depth_multiplier;
  const int fast = tinyml_all_rs2(out_shift, out_c);
  const int inplace = (const int8_t *)output == input;
  const int32_t wv_bytes = TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M(filter_shape->h, filter_shape->w, out_c);
  int8_t *const plane = (int8_t *)scratch + wv_bytes; /* in place: the input channels being consumed */
  int32_t b, c, i;
  if (inplace && (dm != 1 || out_c != in_c)) return TINYML_ERR_ALIAS;
  if (scratch_bytes < wv_bytes + (inplace ? TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M(in_h, in_w) : 0) || scratch == 0) {
    return TINYML_ERR_SCRATCH;
  }
  for (b = 0; b < out_shape->n; ++b) {
    const int8_t *in_b = input + b * in_sz;
    int8_t *out_b = output + b * out_sz;
    c = 0;
#if TINYML_CM_DSP
    if (dm == 1 && fast) {
      for (; c + 4 <= out_c; c += 4) {
        if (inplace) {
          /* save channels c .. c + 3 of every pixel: their outputs overwrite them */
          for (i = 0; i < npx_in; ++i) __builtin_memcpy(plane + 4 * i, in_b + i * in_c + c, 4);
          tinyml_dw_group4(p, out_mult, out_shift, in_shape, filter_shape, filter, bias, out_shape, plane, 4, out_b + c, out_c, c,
                           (int32_t *)scratch);
        } else {
          tinyml_dw_group4(p, out_mult, out_shift, in_shape, filter_shape, filter, bias, out_shape, in_b + c, in_c, out_b + c,
                           out_c, c, (int32_t *)scratch);
        }
      }
    }
#endif
    for (; c < out_c; ++c) {
      if (inplace) {
        for (i = 0; i < npx_in; ++i) plane[i] = in_b[i * in_c + c];
        tinyml_dw_plain(p, out_mult, out_shift, in_shape, filter_shape, filter, bias, out_shape, plane, 1, out_b + c, out_c, c, fast);
      } else {
        tinyml_dw_plain(p, out_mult, out_shift, in_shape, filter_shape, filter, bias, out_shape, in_b + c / dm, in_c, out_b + c,
                        out_c, c, fast);
      }
    }
  }
  return TINYML_OK;
}
