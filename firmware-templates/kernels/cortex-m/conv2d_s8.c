/*
 * Conv2D int8, per-channel requantization — Cortex-M version of kernels/reference/conv2d_s8.c
 * (same name, signature and bytes out).
 *
 * Working memory: the caller's scratch, TINYML_CONV2D_S8_SCRATCH_CORTEX_M = 4 * K bytes with
 * K = filter_h * filter_w * filter_c rounded up to even: the im2col columns of two output
 * pixels as int16. Nothing static, no other path.
 *
 * Steps, for each pair of output pixels (the last one twice when their count is odd):
 *   1. im2col: each pixel's K-value patch becomes a column of x + input_offset in int16
 *      (|x + offset| <= 255; padding taps get 0, a zero term as the reference's skipped one).
 *      The two columns are interleaved by groups of four values, [px0: x0 x2 | px0: x1 x3 |
 *      px1: x0 x2 | px1: x1 x3], the lane order SXTB16 gives four weight bytes, so the inner
 *      loop reads both pixels through one pointer; the last K % 4 values of each column follow
 *      in plain order. The patch streams in as runs of input bytes (a whole filter row when the
 *      row is in bounds and undilated) through a packer that widens each complete group of
 *      four with two SXTAB16s. An unpadded stride-1 1x1 conv — 77 % of a DS-CNN's MACs — has
 *      nothing to gather: a pixel's input channels are its column, widened straight from the
 *      input (no im2col gather, no bounds checks).
 *   2. For each pair of output channels, a 2 x 2 register tile (2 channels x 2 pixels, four
 *      accumulators from the biases): per group of four values, one LDM of both columns, one
 *      word of each filter row widened by SXTB16 and SXTB16-ROR-8, eight SMLADs — 15
 *      instructions for 16 MACs, plus one loop instruction per two groups. (GCC's code for the
 *      same C took 31: it spills.) Counted for a 1x1 conv read straight from int8 input
 *      instead of the widened columns, the loop would take 20: each input word would be
 *      widened once per channel pair rather than once per pixel.
 *   3. Requantization of the four sums in the same routine: tinyml_requant_rs2's one-SMLAL
 *      form (exact; see tinyml_kernels.h) when every channel's shift is a right shift >= 2
 *      (what real layers have), then SSAT, the activation clamp and four byte stores.
 *   Steps 2 and 3 for every channel pair of a pixel pair are one assembly routine (registers
 *   fixed by hand: the loop uses all 14). An odd last channel and layers with a shift > -2
 *   take plain C with the reference's tinyml_mbqm.
 * Integer sums are associative, so each accumulator equals the reference's. Grouped convs run
 * the same steps per group. Without the DSP extension (Cortex-M3) step 2 is plain C over the
 * same columns.
 *
 * Aliasing: output may equal input for an unpadded stride-1 1x1 ungrouped conv with
 * out_c <= in_c (both pixels of a pair are widened before any byte of the pair is written, and
 * output pixel p never reaches past input pixel p).
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

/* Streams patch bytes into one column of the interleaved pair. */
typedef struct {
  int16_t *slot;  /* where the next complete group goes (advances 8 int16 per group) */
  uint32_t carry; /* bytes of an incomplete group, little-endian */
  int32_t pending;
  int32_t offset;
} tinyml_packer_t;

static inline void tinyml_emit(tinyml_packer_t *pk, uint32_t v) {
#if TINYML_CM_DSP
  const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)pk->offset) * 0x00010001u);
  tinyml_st32(pk->slot, (uint32_t)__sxtab16(off2, (int32_t)v));
  tinyml_st32(pk->slot + 2, (uint32_t)__sxtab16(off2, (int32_t)((v >> 8) | (v << 24))));
#else
  pk->slot[0] = (int16_t)((int8_t)v + pk->offset);
  pk->slot[1] = (int16_t)((int8_t)(v >> 16) + pk->offset);
  pk->slot[2] = (int16_t)((int8_t)(v >> 8) + pk->offset);
  pk->slot[3] = (int16_t)((int8_t)(v >> 24) + pk->offset);
#endif
  pk->slot += 8;
}

static inline void tinyml_push(tinyml_packer_t *pk, uint32_t byte) {
  pk->carry |= (byte & 0xFFu) << (8 * pk->pending);
  if (++pk->pending == 4) {
    tinyml_emit(pk, pk->carry);
    pk->carry = 0;
    pk->pending = 0;
  }
}

static inline void tinyml_put(tinyml_packer_t *pk, const int8_t *src, int32_t n) {
  for (; pk->pending && n > 0; --n) tinyml_push(pk, (uint8_t)*src++);
  for (; n >= 4; n -= 4, src += 4) tinyml_emit(pk, tinyml_ld32(src));
  for (; n > 0; --n) tinyml_push(pk, (uint8_t)*src++);
}

/* n padding taps: the input zero point, which the offset turns into 0. */
static inline void tinyml_pad(tinyml_packer_t *pk, int32_t n) {
  const uint32_t zp = (uint32_t)(uint8_t)(int8_t)(-pk->offset);
  for (; pk->pending && n > 0; --n) tinyml_push(pk, zp);
  for (; n >= 4; n -= 4) tinyml_emit(pk, zp * 0x01010101u);
  for (; n > 0; --n) tinyml_push(pk, zp);
}

/* The last K % 4 values of column j go after the groups, in plain order. */
static inline void tinyml_finish(tinyml_packer_t *pk, int16_t *tail) {
  int32_t i;
  for (i = 0; i < pk->pending; ++i) tail[i] = (int16_t)((int8_t)(pk->carry >> (8 * i)) + pk->offset);
}

/* im2col of output pixel (oy, ox), channels [c0, c0 + k_c), into column j of the pair. */
static void tinyml_conv_gather_columns(int16_t *cols, int32_t j, int32_t K, const tinyml_conv_params_t *p, const tinyml_shape4_t *in_shape,
                          const int8_t *in_b, int32_t k_h, int32_t k_w, int32_t k_c, int32_t c0, int32_t oy, int32_t ox) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
  const int32_t run = p->dilation_w == 1 && k_c == in_c; /* a filter row is one run of input */
  tinyml_packer_t pk;
  int32_t ky, kx;
  pk.slot = cols + 4 * j;
  pk.carry = 0;
  pk.pending = 0;
  pk.offset = p->input_offset;
  for (ky = 0; ky < k_h; ++ky) {
    const int32_t iy = y0 + ky * p->dilation_h;
    if (iy < 0 || iy >= in_h) {
      tinyml_pad(&pk, k_w * k_c);
    } else if (run) {
      const int32_t lo = x0 < 0 ? -x0 : 0;                  /* taps [lo, hi) are inside */
      const int32_t hi = x0 + k_w > in_w ? in_w - x0 : k_w;
      if (hi <= lo) {
        tinyml_pad(&pk, k_w * k_c);
      } else {
        tinyml_pad(&pk, lo * k_c);
        tinyml_put(&pk, in_b + (iy * in_w + x0 + lo) * in_c, (hi - lo) * k_c);
        tinyml_pad(&pk, (k_w - hi) * k_c);
      }
    } else {
      for (kx = 0; kx < k_w; ++kx) {
        const int32_t ix = x0 + kx * p->dilation_w;
        if (ix < 0 || ix >= in_w) tinyml_pad(&pk, k_c);
        else tinyml_put(&pk, in_b + (iy * in_w + ix) * in_c + c0, k_c);
      }
    }
  }
  tinyml_finish(&pk, cols + 8 * (K >> 2) + j * (K & 3));
}

/* Unpadded stride-1 1x1: the pixel's channels are the column. */
static void tinyml_widen(int16_t *cols, int32_t j, int32_t K, const int8_t *src, int32_t offset) {
  tinyml_packer_t pk;
  int32_t g;
  pk.slot = cols + 4 * j;
  pk.carry = 0;
  pk.pending = 0;
  pk.offset = offset;
  for (g = K >> 2; g > 0; --g, src += 4) tinyml_emit(&pk, tinyml_ld32(src));
  for (g = K & 3; g > 0; --g) tinyml_push(&pk, (uint8_t)*src++);
  tinyml_finish(&pk, cols + 8 * (K >> 2) + j * (K & 3));
}

/* A single pixel: column 1 repeats column 0, so the tile code stays the same. */
static void tinyml_duplicate(int16_t *cols, int32_t K) {
  int32_t g, i;
  for (g = 0; g < (K >> 2); ++g) {
    tinyml_st32(cols + 8 * g + 4, tinyml_ld32(cols + 8 * g));
    tinyml_st32(cols + 8 * g + 6, tinyml_ld32(cols + 8 * g + 2));
  }
  for (i = 0; i < (K & 3); ++i) cols[8 * (K >> 2) + (K & 3) + i] = cols[8 * (K >> 2) + i];
}

/* Plain dot products of one filter row with both columns of the pair (any core). */
static void tinyml_dot2(const int8_t *w, const int16_t *cols, int32_t K, int32_t *acc0, int32_t *acc1) {
  const int32_t n = K >> 2, r = K & 3;
  const int16_t *tail = cols + 8 * n;
  int32_t a0 = *acc0, a1 = *acc1, g, i;
  for (g = 0; g < n; ++g, w += 4, cols += 8) {
    a0 += w[0] * cols[0] + w[2] * cols[1] + w[1] * cols[2] + w[3] * cols[3];
    a1 += w[0] * cols[4] + w[2] * cols[5] + w[1] * cols[6] + w[3] * cols[7];
  }
  for (i = 0; i < r; ++i) {
    a0 += w[i] * tail[i];
    a1 += w[i] * tail[r + i];
  }
  *acc0 = a0;
  *acc1 = a1;
}

#if TINYML_CM_DSP
/*
 * What the assembly reads (offsets are fixed in it): one pixel pair, its channel pairs.
 * Pointers and the count advance as the routine goes.
 */
typedef struct {
  const int16_t *cols;   /* 0: the interleaved column pair */
  int32_t groups;        /* 4: K / 4 */
  int32_t K;             /* 8 */
  int32_t tail;          /* 12: K % 4 */
  const int32_t *bias;   /* 16: channel pair's two biases (advances by bias_step) */
  int32_t bias_step;     /* 20: 8, or 0 over a zero pair when the layer has no bias */
  const int32_t *mult;   /* 24 */
  const int32_t *shift;  /* 28: every shift <= -2 */
  int8_t *out;           /* 32: output of pixel 0, first channel of the pair */
  int32_t px1;           /* 36: offset of pixel 1's output (0: the pair is one pixel) */
  int32_t k_round;       /* 40: 1 + 2 * output_offset */
  int32_t clamp;         /* 44: act_min/act_max narrower than int8 */
  int32_t act_min;       /* 48 */
  int32_t act_max;       /* 52 */
  int32_t pairs;         /* 56: channel pairs left */
} tinyml_conv_job_t;

/* Parameters of a naked function are read by its assembly, never by C. */
#define TINYML_REG_ARG __attribute__((unused))

/* One group of four patch values, both filter rows (r0, r1), both pixels (r2: columns). */
#define TINYML_TILE_GROUP          \
  "ldr    r12, [r0], #4\n\t"       \
  "ldm    r2!, {r8-r11}\n\t"       \
  "sxtb16 lr, r12\n\t"             \
  "sxtb16 r12, r12, ror #8\n\t"    \
  "smlad  r4, lr, r8, r4\n\t"      \
  "smlad  r5, lr, r10, r5\n\t"     \
  "smlad  r4, r12, r9, r4\n\t"     \
  "smlad  r5, r12, r11, r5\n\t"    \
  "ldr    r12, [r1], #4\n\t"       \
  "sxtb16 lr, r12\n\t"             \
  "sxtb16 r12, r12, ror #8\n\t"    \
  "smlad  r6, lr, r8, r6\n\t"      \
  "smlad  r7, lr, r10, r7\n\t"     \
  "smlad  r6, r12, r9, r6\n\t"     \
  "smlad  r7, r12, r11, r7\n\t"

/* tinyml_requant_rs2 of accumulator A in place (mult M, e - 2 in E; r12 = 2^30, lr = k). */
#define TINYML_TILE_RQ(A, M, E)             \
  "asr    r2, " A ", #31\n\t"               \
  "orr    r3, r12, r2, lsl #31\n\t"         \
  "smlal  r3, r2, " A ", " M "\n\t"         \
  "asr    r2, r2, " E "\n\t"                \
  "add    r2, r2, lr\n\t"                   \
  "ssat   " A ", #8, r2, asr #1\n\t"

#define TINYML_TILE_CLAMP(A)                \
  "cmp    " A ", r2\n\t"                    \
  "it     lt\n\t"                           \
  "movlt  " A ", r2\n\t"                    \
  "cmp    " A ", r3\n\t"                    \
  "it     gt\n\t"                           \
  "movgt  " A ", r3\n\t"

/*
 * Every channel pair of one pixel pair: per pair, the 2 x 2 tile (four accumulators from the
 * biases; per group of four patch values one LDM of both columns, one word of each filter
 * row widened by SXTB16 / SXTB16-ROR-8, eight SMLADs: 16 instructions for 16 MACs, two groups
 * a loop trip), the K % 4 tail, the one-SMLAL requantization, the clamp and four byte stores.
 * A naked function with its registers fixed by hand: the loop needs all 14 (r0-r12, lr), more
 * than GCC's allocator can always give an inline asm (it depends on -O level and FPU flags).
 * AAPCS: r0 job, r1 first filter row of the first pair (rows follow each other, K apart).
 */
__attribute__((naked, noinline)) static void tinyml_conv_pairs_dsp(tinyml_conv_job_t *job TINYML_REG_ARG,
                                                                   const int8_t *w TINYML_REG_ARG) {
  __asm__ volatile(
      "push   {r0, r4-r11, lr}\n\t" /* job stays at [sp] */
      "1:\n\t"
      "ldr    r12, [sp]\n\t"
      "mov    r0, r1\n\t"           /* row of channel 0 of the pair ... */
      "ldr    r3, [r12, #8]\n\t"
      "add    r1, r0, r3\n\t"       /* ... and of channel 1 */
      "ldr    r2, [r12, #0]\n\t"
      "ldr    r3, [r12, #16]\n\t"
      "ldrd   r4, r6, [r3]\n\t"
      "ldr    r8, [r12, #20]\n\t"
      "add    r3, r3, r8\n\t"
      "str    r3, [r12, #16]\n\t"
      "mov    r5, r4\n\t"
      "mov    r7, r6\n\t"
      "ldr    r3, [r12, #4]\n\t"
      "tst    r3, #1\n\t"
      "beq    2f\n\t"
      TINYML_TILE_GROUP
      "2:\n\t"
      "lsrs   r3, r3, #1\n\t"
      "beq    4f\n\t"
      "3:\n\t"
      TINYML_TILE_GROUP
      TINYML_TILE_GROUP
      "subs   r3, r3, #1\n\t"
      "bne    3b\n\t"
      "4:\n\t"
      "ldr    r12, [sp]\n\t"
      "ldr    r3, [r12, #12]\n\t"
      "cbz    r3, 6f\n\t"
      "add    r9, r2, r3, lsl #1\n\t" /* pixel 1's tail */
      "5:\n\t"
      "ldrsb  r10, [r0], #1\n\t"
      "ldrsb  r11, [r1], #1\n\t"
      "ldrsh  r8, [r2], #2\n\t"
      "ldrsh  r12, [r9], #2\n\t"
      "mla    r4, r10, r8, r4\n\t"
      "mla    r5, r10, r12, r5\n\t"
      "mla    r6, r11, r8, r6\n\t"
      "mla    r7, r11, r12, r7\n\t"
      "subs   r3, r3, #1\n\t"
      "bne    5b\n\t"
      "ldr    r12, [sp]\n\t"
      "6:\n\t"
      "ldr    r3, [r12, #24]\n\t"
      "ldrd   r10, r11, [r3], #8\n\t" /* multipliers */
      "str    r3, [r12, #24]\n\t"
      "ldr    r3, [r12, #28]\n\t"
      "ldrd   r8, r9, [r3], #8\n\t"   /* shifts -> e - 2 = ~shift - 1 */
      "str    r3, [r12, #28]\n\t"
      "mvn    r8, r8\n\t"
      "sub    r8, r8, #1\n\t"
      "mvn    r9, r9\n\t"
      "sub    r9, r9, #1\n\t"
      "ldr    lr, [r12, #40]\n\t"
      "mov    r12, #0x40000000\n\t"
      TINYML_TILE_RQ("r4", "r10", "r8")
      TINYML_TILE_RQ("r5", "r10", "r8")
      TINYML_TILE_RQ("r6", "r11", "r9")
      TINYML_TILE_RQ("r7", "r11", "r9")
      "ldr    r12, [sp]\n\t"
      "ldr    r3, [r12, #44]\n\t"
      "cbz    r3, 7f\n\t"
      "ldrd   r2, r3, [r12, #48]\n\t"
      TINYML_TILE_CLAMP("r4")
      TINYML_TILE_CLAMP("r5")
      TINYML_TILE_CLAMP("r6")
      TINYML_TILE_CLAMP("r7")
      "7:\n\t"
      "ldr    r3, [r12, #32]\n\t"
      "ldr    r2, [r12, #36]\n\t"
      "strb   r4, [r3]\n\t"
      "strb   r6, [r3, #1]\n\t"
      "add    r2, r2, r3\n\t"
      "strb   r5, [r2]\n\t"
      "strb   r7, [r2, #1]\n\t"
      "add    r3, r3, #2\n\t"
      "str    r3, [r12, #32]\n\t"
      "ldr    r3, [r12, #56]\n\t"
      "subs   r3, r3, #1\n\t"
      "str    r3, [r12, #56]\n\t"
      "bne    1b\n\t"
      "pop    {r0, r4-r11, pc}\n\t");
}

static const int32_t tinyml_zero_bias[2] = {0, 0};
#endif

/* Output channels [oc, oc_end) of the pixel pair in cols: requantize, clamp, store. */
static void tinyml_conv_channels(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                 const int8_t *filter, const int32_t *bias, int32_t K, const int16_t *cols, int32_t oc,
                                 int32_t oc_end, int8_t *out_px0, int32_t px1, int fast) {
  const int32_t k_round = 1 + 2 * p->output_offset;
#if TINYML_CM_DSP
  if (fast && oc_end - oc >= 2) {
    tinyml_conv_job_t job;
    job.cols = cols;
    job.groups = K >> 2;
    job.K = K;
    job.tail = K & 3;
    job.bias = bias ? bias + oc : tinyml_zero_bias;
    job.bias_step = bias ? 8 : 0;
    job.mult = out_mult + oc;
    job.shift = out_shift + oc;
    job.out = out_px0 + oc;
    job.px1 = px1;
    job.k_round = k_round;
    job.clamp = p->act_min > -128 || p->act_max < 127;
    job.act_min = p->act_min;
    job.act_max = p->act_max;
    job.pairs = (oc_end - oc) >> 1;
    tinyml_conv_pairs_dsp(&job, filter + oc * K);
    oc += 2 * ((oc_end - oc) >> 1);
  }
#endif
  for (; oc < oc_end; ++oc) {
    int32_t acc[2], q;
    acc[0] = acc[1] = bias ? bias[oc] : 0;
    tinyml_dot2(filter + oc * K, cols, K, &acc[0], &acc[1]);
    for (q = 0; q < 2; ++q) {
      int32_t v = fast ? tinyml_requant_rs2(acc[q], out_mult[oc], -out_shift[oc] - 2, k_round)
                       : tinyml_mbqm(acc[q], out_mult[oc], out_shift[oc]) + p->output_offset;
      v = tinyml_clamp(tinyml_sat8(v), p->act_min, p->act_max);
      out_px0[q * px1 + oc] = (int8_t)v;
    }
  }
}

int32_t tinyml_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                         const tinyml_shape4_t *in_shape, const int8_t *input,
                         const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                         const tinyml_shape4_t *out_shape, int8_t *output,
                         void *scratch, int32_t scratch_bytes) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, k_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t K = k_h * k_w * k_c;
  const int32_t groups = in_c / k_c;
  const int32_t fpg = out_c / groups;
  const int32_t npx = out_h * out_w;
  const int fast = tinyml_all_rs2(out_shift, out_c);
  const int direct = k_h == 1 && k_w == 1 && groups == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 &&
                     p->pad_w == 0 && out_h == in_h && out_w == in_w;
  int16_t *const cols = (int16_t *)scratch;
  int32_t b, px, g, j;
  if (scratch_bytes < TINYML_CONV2D_S8_SCRATCH_CORTEX_M(k_h, k_w, k_c) || (K > 0 && scratch == 0)) return TINYML_ERR_SCRATCH;
  for (b = 0; b < out_shape->n; ++b) {
    const int8_t *in_b = input + b * in_h * in_w * in_c;
    int8_t *out_b = output + b * npx * out_c;
    for (px = 0; px < npx; px += 2) {
      const int32_t npair = px + 1 < npx ? 2 : 1;
      for (g = 0; g < groups; ++g) {
        const int32_t oc_end = (g + 1) * fpg;
        for (j = 0; j < npair; ++j) {
          if (direct) tinyml_widen(cols, j, K, in_b + (px + j) * in_c, p->input_offset);
          else tinyml_conv_gather_columns(cols, j, K, p, in_shape, in_b, k_h, k_w, k_c, g * k_c, (px + j) / out_w, (px + j) % out_w);
        }
        if (npair == 1) tinyml_duplicate(cols, K);
        tinyml_conv_channels(p, out_mult, out_shift, filter, bias, K, cols, g * fpg, oc_end, out_b + px * out_c,
                             npair == 2 ? out_c : 0, fast);
      }
    }
  }
  return TINYML_OK;
}
