/*
 * tinyml int8 (and 16x8) kernels: the definition of the project's numerics in C.
 *
 * Every kernel follows TFLite's integer kernels (reference_integer_ops / TFLM) step for
 * step, so that the TypeScript reference interpreter, these kernels and TFLite give the
 * same bytes for the same inputs. Requantization multipliers and shifts are NOT computed
 * here: the code generator computes them in TypeScript (src/quantize/fixed-point.ts,
 * quantizeMultiplier) and emits them as const tables, so C and TypeScript use identical
 * constants and no floating point runs on the target.
 *
 * Optimized kernel sets (kernels/cortex-m/) implement the same functions with the same
 * signatures and must match these bit for bit. A kernel set replaces files by name.
 *
 * Conventions: activations are NHWC int8; conv filters OHWI, depthwise filters
 * [1, kh, kw, C*M], fully-connected weights [units, in]. "offset" parameters are the
 * negated input zero points (TFLite's input_offset), output_offset is the output zero point.
 * C99, no malloc, no float, no static buffers: working memory comes from the caller (below).
 */
#ifndef TINYML_KERNELS_H
#define TINYML_KERNELS_H

#include <stdint.h>
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
#include <arm_acle.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TINYML_ALIGN(n) __attribute__((aligned(n)))
#else
#define TINYML_ALIGN(n)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fixed-point helpers (gemmlowp / TFLite common.h, double-rounding variant) ---- */

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t tinyml_srdhm(int32_t a, int32_t b) {
  int64_t ab;
  int64_t nudge;
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  /* C99 division truncates toward zero, as gemmlowp requires. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero. */
static inline int32_t tinyml_rdbpot(int32_t x, int exponent) {
  int32_t mask;
  int32_t remainder;
  int32_t threshold;
  if (exponent == 0) return x;
  mask = (int32_t)(((int64_t)1 << exponent) - 1);
  remainder = x & mask;
  threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier: x * multiplier * 2^shift (shift > 0 = left). */
static inline int32_t tinyml_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  int left = shift > 0 ? (int)shift : 0;
  int right = shift > 0 ? 0 : (int)-shift;
  int32_t shifted = (int32_t)((uint32_t)x << left); /* wraps like the TypeScript Math.imul */
  return tinyml_rdbpot(tinyml_srdhm(shifted, multiplier), right);
}

static inline int32_t tinyml_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/*
 * The same requantization in fewer instructions, for optimized kernel sets:
 *   tinyml_requant_rs2(acc, m, e - 2, 1 + 2 * zp) == tinyml_mbqm(acc, m, -e) + zp (before the clamp)
 * when 0 <= m < 2^31 (every multiplier quantizeMultiplier makes) and a right shift e >= 2
 * (out_shift <= -2). Why it is exact:
 *   1. SRDHM: for m >= 0, gemmlowp's trunc((a*m + nudge) / 2^31) equals floor((a*m + 2^30) / 2^31)
 *      (for a*m < 0 the nudge 1 - 2^30 plus truncation is the same floor).
 *   2. RDBPOT(x, e) with e >= 1 rounds half away from zero: floor((z + 2^(e-1)) / 2^e) with
 *      z = x - [x < 0], i.e. (floor(z / 2^(e-1)) + 1) >> 1.
 *   3. Nested floors collapse: floor(z / 2^(e-1)) = floor((a*m + 2^30 - 2^31 [x < 0]) / 2^(30+e)),
 *      and [x < 0] may be replaced by [a < 0]: they differ only when -2^30 <= a*m < 0, where both
 *      give a quotient (0 or -1) that the final (t + 1) >> 1 maps to 0.
 *   4. With e >= 2 the divisor is >= 2^32: t = high word of the 64-bit sum >> (e - 2), one SMLAL
 *      and one shift; adding 2 * zp before the final halving adds zp after it.
 * test/firmware/kernel-check.c compares the kernels that use it with the reference on target.
 */
static inline int32_t tinyml_requant_rs2(int32_t acc, int32_t m, int32_t em2, int32_t k) {
#if defined(__thumb2__) && !defined(TINYML_NO_ASM)
  /* Thumb-2 (Cortex-M3 and up): the 64-bit sum starts at +-2^30 by the sign of acc, then one
   * SMLAL; GCC's own code for the C below takes 11 instructions instead of these 4. */
  int32_t lo, hi;
  __asm__("asr %[hi], %[a], #31\n\t"
          "orr %[lo], %[c], %[hi], lsl #31\n\t"
          "smlal %[lo], %[hi], %[a], %[m]\n\t"
          "asr %[hi], %[hi], %[e]"
          : [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [a] "r"(acc), [m] "r"(m), [e] "r"(em2), [c] "r"(0x40000000));
  (void)lo;
  return (hi + k) >> 1;
#else
  const int64_t v = (int64_t)acc * m + (acc < 0 ? -((int64_t)1 << 30) : ((int64_t)1 << 30));
  return (((int32_t)(v >> 32) >> em2) + k) >> 1;
#endif
}

/* Saturate to int8: one SSAT where the core has it (Cortex-M3 and up). */
static inline int32_t tinyml_sat8(int32_t x) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
  return __ssat(x, 8);
#else
  return tinyml_clamp(x, -128, 127);
#endif
}

/* 1 when every channel of out_shift[0..n) is a right shift of at least 2 (tinyml_requant_rs2). */
static inline int tinyml_all_rs2(const int32_t *out_shift, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i)
    if (out_shift[i] > -2) return 0;
  return 1;
}

/* ---- shapes and parameters ---- */

typedef struct {
  int32_t n, h, w, c;
} tinyml_shape4_t;

typedef struct {
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;            /* top/left padding (TFLite's paddings.height/width) */
  int32_t depth_multiplier;        /* depthwise only */
  int32_t input_offset;            /* -input zero point */
  int32_t output_offset;           /* output zero point */
  int32_t act_min, act_max;        /* fused activation range in the output's int8 domain */
} tinyml_conv_params_t;

typedef struct {
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t act_min, act_max;
} tinyml_pool_params_t;

/* The window walk of TFLite's reference pooling kernels: for every batch, output pixel and
 * channel c, runs the statements given with the window clipped to the input — rows
 * fy_start..fy_end-1 and columns fx_start..fx_end-1 — and out_at, the output element's index.
 * TINYML_POOL_IN(in_shape, fy, fx) is the index of the window's input element (fy, fx). */
#define TINYML_POOL2D(p, in_shape, out_shape, ...)                                                     \
  do {                                                                                                \
    int32_t b_, oy_, ox_, c;                                                                          \
    for (b_ = 0; b_ < (out_shape)->n; ++b_)                                                           \
      for (oy_ = 0; oy_ < (out_shape)->h; ++oy_)                                                      \
        for (ox_ = 0; ox_ < (out_shape)->w; ++ox_) {                                                  \
          const int32_t in_x_origin = ox_ * (p)->stride_w - (p)->pad_w;                               \
          const int32_t in_y_origin = oy_ * (p)->stride_h - (p)->pad_h;                               \
          const int32_t fx_start = in_x_origin < 0 ? -in_x_origin : 0;                                \
          const int32_t fx_end = (p)->filter_w < (in_shape)->w - in_x_origin ? (p)->filter_w : (in_shape)->w - in_x_origin; \
          const int32_t fy_start = in_y_origin < 0 ? -in_y_origin : 0;                                \
          const int32_t fy_end = (p)->filter_h < (in_shape)->h - in_y_origin ? (p)->filter_h : (in_shape)->h - in_y_origin; \
          const int32_t window_ = (b_ * (in_shape)->h + in_y_origin) * (in_shape)->w + in_x_origin;   \
          for (c = 0; c < (in_shape)->c; ++c) {                                                       \
            const int32_t out_at = ((b_ * (out_shape)->h + oy_) * (out_shape)->w + ox_) * (in_shape)->c + c; \
            __VA_ARGS__                                                                               \
          }                                                                                           \
        }                                                                                             \
  } while (0)
#define TINYML_POOL_IN(in_shape, fy, fx) ((window_ + (fy) * (in_shape)->w + (fx)) * (in_shape)->c + c)

/* AveragePool's integer mean: the sum over count elements, rounded half away from zero (0 for
 * an empty window), as TFLite's reference_integer_ops::AveragePool. */
static inline int32_t tinyml_pool_average(int32_t acc, int32_t count) {
  if (count == 0) return 0;
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

/*
 * ---- kernel scratch ----
 * Kernels that may need working memory take it from the caller as (scratch, scratch_bytes):
 * 4-byte aligned, NULL allowed when the size is 0, contents undefined on entry and exit (the
 * code generator plans it in the arena and may share it between layers). No kernel allocates
 * or keeps a static buffer, and there is no slower path for a buffer that is too small: given
 * fewer bytes than its formula, a kernel writes nothing and returns TINYML_ERR_SCRATCH.
 * Sizes in bytes, with K = filter_h * filter_w * filter_c (the conv patch) and r2(n) = n
 * rounded up to even:
 *
 *   kernel set   conv2d_s8      depthwise_conv2d_s8   fully_connected_s8
 *   reference    0              0                     0
 *   cortex-m     4 * r2(K)      8 * filter_h * filter_w   2 * r2(in_features)
 *
 * (cortex-m conv: two im2col columns of K int16; depthwise: four channels' filter taps as
 * int16; fully connected: the input row as int16.) In place (below), the cortex-m depthwise
 * needs 4 * in_h * in_w bytes more (TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M).
 * src/codegen/kernel-scratch.ts computes the same numbers for the code generator; the macros
 * below are the C side of that contract.
 */
#define TINYML_OK 0
#define TINYML_ERR_SCRATCH (-3)
#define TINYML_ERR_ALIAS (-4) /* output == input where the kernel set does not allow it */
#define TINYML_ERR_ROWS (-5)  /* tinyml_conv_rows_s8: rows out of range or input rows missing */
#define TINYML_R2(n) (((n) + 1) & ~1)
#define TINYML_CONV2D_S8_SCRATCH_REFERENCE(kh, kw, kc) 0
#define TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_REFERENCE(kh, kw, c) 0
#define TINYML_FULLY_CONNECTED_S8_SCRATCH_REFERENCE(in_features) 0
#define TINYML_CONV2D_S8_SCRATCH_CORTEX_M(kh, kw, kc) (4 * TINYML_R2((kh) * (kw) * (kc)))
#define TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M(kh, kw, c) (8 * (kh) * (kw))
#define TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M(in_h, in_w) (4 * (in_h) * (in_w))
#define TINYML_FULLY_CONNECTED_S8_SCRATCH_CORTEX_M(in_features) (2 * TINYML_R2(in_features))

/*
 * ---- aliasing (in place) ----
 * Outputs never alias inputs, except where a kernel set documents it in its .c file. cortex-m:
 *   - conv2d_s8: output == input for an unpadded stride-1 1x1 ungrouped conv with
 *     out_c <= in_c (no extra scratch);
 *   - depthwise_conv2d_s8: output == input for depth multiplier 1, any stride and padding
 *     (scratch + TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M); other aliasing returns
 *     TINYML_ERR_ALIAS.
 * The reference kernels allow no aliasing.
 */

/* ---- kernels (one .c file each; only those a model uses are copied into a project) ---- */

/* Conv2D, per-channel quantized (reference_integer_ops::ConvPerChannel). bias may be NULL.
 * Returns TINYML_OK, or TINYML_ERR_SCRATCH (nothing written) when scratch_bytes is too small. */
int32_t tinyml_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                         const tinyml_shape4_t *in_shape, const int8_t *input,
                         const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                         const tinyml_shape4_t *out_shape, int8_t *output, void *scratch, int32_t scratch_bytes);

/* DepthwiseConv2D, per-channel (reference_integer_ops::DepthwiseConvPerChannel). Same returns. */
int32_t tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                   const tinyml_shape4_t *in_shape, const int8_t *input,
                                   const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                   const tinyml_shape4_t *out_shape, int8_t *output, void *scratch,
                                   int32_t scratch_bytes);

/*
 * FullyConnected (reference_integer_ops::FullyConnected / FullyConnectedPerChannel).
 * out_mult/out_shift hold `units` entries (a per-tensor weight scale is repeated).
 * filter_offset is the negated weight zero point (0 for symmetric weights). Same returns.
 */
int32_t tinyml_fully_connected_s8(int32_t input_offset, int32_t filter_offset, int32_t output_offset,
                                  int32_t act_min, int32_t act_max,
                                  const int32_t *out_mult, const int32_t *out_shift,
                                  int32_t batches, int32_t in_features, int32_t units,
                                  const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch, int32_t scratch_bytes);

/* The signature tinyml_conv2d_s8 and tinyml_depthwise_conv2d_s8 share. */
typedef int32_t (*tinyml_conv_fn_t)(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                    const tinyml_shape4_t *in_shape, const int8_t *input,
                                    const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                    const tinyml_shape4_t *out_shape, int8_t *output, void *scratch, int32_t scratch_bytes);

/*
 * Output rows r0..r1-1 of the conv-like layer `fn` (batch 1) into `output` (their bytes only),
 * given its input from row in_row0 on at `input` (the rows those outputs read that exist must
 * be there; the rows before in_row0 need not). The bytes equal the whole layer's. Returns the
 * kernel's code, or TINYML_ERR_ROWS (nothing written) for rows out of range or missing input.
 * conv_rows_s8.c; the generated code streams layers with it.
 */
int32_t tinyml_conv_rows_s8(tinyml_conv_fn_t fn, const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                            const tinyml_shape4_t *in_shape, const int8_t *input, int32_t in_row0,
                            const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                            const tinyml_shape4_t *out_shape, int32_t r0, int32_t r1, int8_t *output, void *scratch,
                            int32_t scratch_bytes);

/* AveragePool2D (reference_integer_ops::AveragePool): input and output share quantization. */
void tinyml_avg_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output);

/* MaxPool2D (reference_integer_ops::MaxPool). */
void tinyml_max_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output);

/*
 * Reductions over the NHWC dimensions k with reduced[k] != 0 (TFLM reduce_common.cc); the
 * output holds the kept dimensions in row-major order. kind (see reduce_s8.c):
 *  TINYML_REDUCE_MEAN_SAME  MEAN with equal input/output params: sum / count, truncating;
 *  TINYML_REDUCE_MEAN       MEAN, TFLM's float32 path: round(float(sum) / float(count) * scale
 *                           + bias) + output_zp, clamped (bias = -input_zp * scale);
 *  TINYML_REDUCE_SUM        SUM: round(float(sum) * scale + bias) + output_zp, wrapped to int8
 *                           as TFLM's cast does (bias = -input_zp * scale * count);
 *  TINYML_REDUCE_MAX        REDUCE_MAX: the largest raw value (scale, bias, output_zp unused);
 *  TINYML_REDUCE_MIN        REDUCE_MIN: the smallest raw value (likewise).
 * scale = input_scale / output_scale (float32).
 */
#define TINYML_REDUCE_MEAN_SAME 0
#define TINYML_REDUCE_MEAN 1
#define TINYML_REDUCE_SUM 2
#define TINYML_REDUCE_MAX 3
#define TINYML_REDUCE_MIN 4
void tinyml_reduce_s8(int32_t kind, float scale, float bias, int32_t output_zp, const tinyml_shape4_t *in_shape,
                      const int32_t *reduced, const int8_t *input, int8_t *output);

/* Reshape: a byte copy (skipped entirely when the planner aliases the two tensors). */
void tinyml_reshape_s8(const int8_t *input, int8_t *output, int32_t size);

/* TFLite's reference Pad, 4-D NHWC, for any element type: every output element is the input
 * element pad_before[d] behind it, or pad_value outside the input. */
#define TINYML_PAD4D(in_shape, input, pad_before, out_shape, output, pad_value)                         \
  do {                                                                                                \
    int32_t b_, y_, x_, c_;                                                                           \
    for (b_ = 0; b_ < (out_shape)->n; ++b_)                                                           \
      for (y_ = 0; y_ < (out_shape)->h; ++y_)                                                         \
        for (x_ = 0; x_ < (out_shape)->w; ++x_) {                                                     \
          const int32_t ib_ = b_ - (pad_before)[0], iy_ = y_ - (pad_before)[1], ix_ = x_ - (pad_before)[2]; \
          const int32_t out_px_ = ((b_ * (out_shape)->h + y_) * (out_shape)->w + x_) * (out_shape)->c; \
          const int inside_ = ib_ >= 0 && ib_ < (in_shape)->n && iy_ >= 0 && iy_ < (in_shape)->h && ix_ >= 0 && ix_ < (in_shape)->w; \
          for (c_ = 0; c_ < (out_shape)->c; ++c_) {                                                   \
            const int32_t ic_ = c_ - (pad_before)[3];                                                 \
            (output)[out_px_ + c_] = inside_ && ic_ >= 0 && ic_ < (in_shape)->c                       \
                ? (input)[((ib_ * (in_shape)->h + iy_) * (in_shape)->w + ix_) * (in_shape)->c + ic_]  \
                : (pad_value);                                                                        \
          }                                                                                           \
        }                                                                                             \
  } while (0)
/* Pad (4-D, NHWC): padded elements take pad_value (the zero point). */
void tinyml_pad_s8(const tinyml_shape4_t *in_shape, const int8_t *input, const int32_t *pad_before,
                   const tinyml_shape4_t *out_shape, int8_t *output, int8_t pad_value);

/*
 * Concatenation: each input i is viewed as [outer, sizes[i]] bytes and the output as
 * [outer, sum(sizes)]. Inputs with same_params[i] != 0 are copied; others are requantized
 * like TFLite's ConcatenationWithScaling (float32 scales[i], biases[i]; see concat_s8.c).
 */
void tinyml_concat_s8(int32_t num_inputs, const int8_t *const *inputs, const int32_t *sizes, const int32_t *same_params,
                      const float *scales, const float *biases, int32_t outer, int32_t output_zp, int32_t act_min,
                      int32_t act_max, int8_t *output);

/* Add with 4-D broadcast (reference_integer_ops::Add / BroadcastAdd4DSlow); strides are in
 * elements per NHWC dimension, 0 on broadcast dimensions. */
typedef struct {
  int32_t left_shift;
  int32_t input1_offset, input1_multiplier, input1_shift;
  int32_t input2_offset, input2_multiplier, input2_shift;
  int32_t output_offset, output_multiplier, output_shift;
  int32_t act_min, act_max;
} tinyml_add_params_t;
void tinyml_add_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output);

/* Runs the statements given once per element of a 4-D broadcast's output, in NHWC raster order
 * (TFLite's Broadcast*4DSlow walk), with i1 and i2 the two inputs' element indices; strides are
 * in elements per NHWC dimension, 0 on broadcast dimensions. Every broadcasting binary kernel
 * walks its operands with it. */
#define TINYML_BROADCAST4D(shape, strides1, strides2, ...)                                              \
  do {                                                                                               \
    int32_t b_, y_, x_, c_;                                                                          \
    for (b_ = 0; b_ < (shape)->n; ++b_)                                                              \
      for (y_ = 0; y_ < (shape)->h; ++y_)                                                            \
        for (x_ = 0; x_ < (shape)->w; ++x_)                                                          \
          for (c_ = 0; c_ < (shape)->c; ++c_) {                                                      \
            const int32_t i1 = b_ * (strides1)[0] + y_ * (strides1)[1] + x_ * (strides1)[2] + c_ * (strides1)[3]; \
            const int32_t i2 = b_ * (strides2)[0] + y_ * (strides2)[1] + x_ * (strides2)[2] + c_ * (strides2)[3]; \
            __VA_ARGS__                                                                              \
          }                                                                                          \
  } while (0)

/* The prologue of TFLite's integer Add, Sub and SquaredDifference: both raw inputs offset,
 * shifted left by left_shift and scaled to the common scale (*s1, *s2). */
static inline void tinyml_add_rescale(const tinyml_add_params_t *p, int32_t raw1, int32_t raw2, int32_t *s1, int32_t *s2) {
  *s1 = tinyml_mbqm((p->input1_offset + raw1) * ((int32_t)1 << p->left_shift), p->input1_multiplier, p->input1_shift);
  *s2 = tinyml_mbqm((p->input2_offset + raw2) * ((int32_t)1 << p->left_shift), p->input2_multiplier, p->input2_shift);
}

/* Mul with 4-D broadcast (reference_integer_ops::Mul / BroadcastMul4DSlow). */
typedef struct {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tinyml_mul_params_t;
void tinyml_mul_s8(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output);

/* Softmax int8 -> int8 with output scale 1/256, zero point -128 (reference_ops::Softmax,
 * gemmlowp fixed-point exp and reciprocal). */
void tinyml_softmax_s8(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                       int32_t rows, int32_t depth, const int8_t *input, int8_t *output);

/*
 * Element-wise int8 -> int8 function by a 256-entry table indexed by (x + 128). Used for
 * Logistic, Tanh, Relu, Relu6 and int8 requantization: each is a function of one int8 value,
 * and the table is computed by the TypeScript reference kernel for all 256 inputs, so it
 * is the reference by construction.
 */
void tinyml_lut_s8(const int8_t *table, const int8_t *input, int8_t *output, int32_t size);

/*
 * TFLite MultiplyByQuantizedMultiplier(int64_t x, multiplier, shift), double-rounding build:
 * the multiplier reduced to 16 bits, one rounding right shift by 15 - shift, truncated to
 * int32 (the 16x8 kernels' int64 accumulators). The shift of a negative value is arithmetic,
 * as TFLM relies on (GCC and Clang define it so).
 */
static inline int32_t tinyml_mbqm64(int64_t x, int32_t multiplier, int32_t shift) {
  const int64_t reduced = multiplier < 0x7FFF0000 ? (int64_t)((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - (int)shift;
  const int64_t r = x * reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(r >> total_shift);
}

/* ArgMax (is_min 0) / ArgMin (is_min 1) of int8 values along one axis of [outer, axis_size,
 * inner] (TFLM ArgMinMax, GreaterFn / LessFn: the first largest / smallest wins); int32 indices. */
void tinyml_arg_min_max_s8(int32_t is_min, int32_t outer, int32_t axis_size, int32_t inner, const int8_t *input,
                           int32_t *output);

/*
 * TransposeConv (reference_integer_ops::TransposeConv): int8 with int32 accumulators, and 16x8
 * (int16 activations, int64 bias and accumulators, zero points 0). `scratch` holds one
 * accumulator per output element (planned in the arena). Dilations in p are unused (1).
 */
void tinyml_transpose_conv_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                              const tinyml_shape4_t *in_shape, const int8_t *input,
                              const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                              const tinyml_shape4_t *out_shape, int8_t *output, int32_t *scratch);
void tinyml_transpose_conv_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                               const tinyml_shape4_t *in_shape, const int16_t *input,
                               const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias,
                               const tinyml_shape4_t *out_shape, int16_t *output, int64_t *scratch);

/* ResizeNearestNeighbor, any element size: output (b, y, x) copies input (b, rows[y], cols[x])
 * (the source tables are TFLM's GetNearestNeighbor, computed by the code generator). */
void tinyml_resize_nearest(int32_t elem_size, int32_t batches, int32_t in_h, int32_t in_w, int32_t depth,
                           int32_t out_h, int32_t out_w, const int32_t *rows, const int32_t *cols,
                           const void *input, void *output);

/* ResizeBilinear int8 (reference_ops::ResizeBilinearInteger): scales in 1/1024 units. */
void tinyml_resize_bilinear_s8(int32_t batches, int32_t in_h, int32_t in_w, int32_t depth, int32_t out_h,
                               int32_t out_w, int32_t h_scale_10, int32_t w_scale_10, int32_t half_pixel,
                               const int8_t *input, int8_t *output);

/* BatchMatMul int8 (reference_ops::BatchMatMul): x_base/y_base hold each output batch's operand
 * offsets; adj_x / adj_y say the operand is stored transposed. */
void tinyml_batch_matmul_s8(int32_t x_offset, int32_t y_offset, int32_t out_offset, int32_t out_mult, int32_t out_shift,
                            int32_t batches, int32_t rows, int32_t cols, int32_t depth, int32_t adj_x, int32_t adj_y,
                            const int32_t *x_base, const int32_t *y_base, const int8_t *x, const int8_t *y,
                            int8_t *output);
/* ---- 16x8 kernels: int16 activations, int8 weights, int64 (or int32) biases ----
 * TFLite's 16x8 scheme: activations symmetric (zero point 0), so these kernels take no
 * input/output offsets. Each lives in its own *_s16.c file: 8-bit projects never carry them. */

/* Conv2D 16x8 (reference_integer_ops::ConvPerChannel<AccumScalar>, int16 data): with bias64
 * the accumulator is int64 (tinyml_mbqm64); otherwise int32 with the optional bias32
 * (tinyml_mbqm), as TFLM chooses by the bias type. */
void tinyml_conv2d_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                       const tinyml_shape4_t *in_shape, const int16_t *input,
                       const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias64,
                       const int32_t *bias32, const tinyml_shape4_t *out_shape, int16_t *output);

/* DepthwiseConv2D 16x8 (reference_integer_ops::DepthwiseConvPerChannel, int64 accumulator). */
void tinyml_depthwise_conv2d_s16(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                 const tinyml_shape4_t *in_shape, const int16_t *input,
                                 const tinyml_shape4_t *filter_shape, const int8_t *filter, const int64_t *bias,
                                 const tinyml_shape4_t *out_shape, int16_t *output);

/* FullyConnected 16x8 (reference_integer_ops::FullyConnected<int64_t>): per-tensor weights,
 * one multiplier, int64 accumulator; filter_offset is the negated weight zero point. */
void tinyml_fully_connected_s16(int32_t filter_offset, int32_t act_min, int32_t act_max, int32_t out_mult,
                                int32_t out_shift, int32_t batches, int32_t in_features, int32_t units,
                                const int16_t *input, const int8_t *filter, const int64_t *bias, int16_t *output);

/* Add 16x8 with 4-D broadcast (reference_ops::Add int16, pot_scale false: AddElementwise with
 * left_shift 15). */
void tinyml_add_s16(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output);

/* Mul 16x8 with 4-D broadcast (reference_integer_ops::MulElementwise / BroadcastMul4DSlow). */
void tinyml_mul_s16(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output);

/* Pad int16, 4-D NHWC: padded elements take pad_value (the zero point). */
void tinyml_pad_s16(const tinyml_shape4_t *in_shape, const int16_t *input, const int32_t *pad_before,
                    const tinyml_shape4_t *out_shape, int16_t *output, int16_t pad_value);

/* AveragePool2D / MaxPool2D int16 (reference_integer_ops::AveragePool / MaxPool, int16). */
void tinyml_avg_pool_s16(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int16_t *input,
                         const tinyml_shape4_t *out_shape, int16_t *output);
void tinyml_max_pool_s16(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int16_t *input,
                         const tinyml_shape4_t *out_shape, int16_t *output);

/* Mean int16 (TFLM EvalIntegerMean<int16_t>): as tinyml_mean_s8, clamped to int16. */
void tinyml_mean_s16(int32_t same_params, float scale, float bias, int32_t output_zp,
                     const tinyml_shape4_t *in_shape, const int32_t *reduced, const int16_t *input, int16_t *output);

/* Concatenation by copy (TFLM's int16 CONCATENATION): input i is [outer, sizes[i]] bytes. */
void tinyml_concat_copy(int32_t num_inputs, const void *const *inputs, const int32_t *sizes, int32_t outer,
                        void *output);

/*
 * Requantize between int8, int16 and int32 (reference_ops::Requantize, TFLM QUANTIZE):
 * out = clamp(MBQM(in - in_zp, multiplier, shift) + out_zp); in_bytes / out_bytes are the
 * element sizes (1, 2 or 4).
 */
void tinyml_requantize_s16(const void *input, int32_t in_bytes, void *output, int32_t out_bytes, int32_t size,
                           int32_t multiplier, int32_t shift, int32_t input_zp, int32_t output_zp);

/* Softmax int16 -> int16, output scale 1/32768 (reference_ops::SoftmaxInt16): exp and
 * 1/(1+x) through 513-entry interpolated tables computed by the code generator. */
void tinyml_softmax_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *exp_lut,
                        const int16_t *one_over_one_plus_x_lut, int32_t rows, int32_t depth, const int16_t *input,
                        int16_t *output);

/* Logistic / Tanh int16 (reference_integer_ops::Logistic / Tanh, int16): TFLite's 256-entry
 * sigmoid table, interpolated; input_multiplier 0 = the power-of-two input scale case. */
/* One int16 value's sigmoid / tanh as TFLite's int16 kernels compute it (sigmoid_s16.c). */
int16_t tinyml_logistic_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift);
int16_t tinyml_tanh_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift);
void tinyml_logistic_s16(int32_t input_multiplier, int32_t input_left_shift, int32_t size, const int16_t *input,
                         int16_t *output);
void tinyml_tanh_s16(int32_t input_multiplier, int32_t input_left_shift, int32_t size, const int16_t *input,
                     int16_t *output);
/* ---- SUB, DIV, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, PRELU, LEAKY_RELU (int16), LOG_SOFTMAX,
 *      L2_NORMALIZATION. RSQRT, HARD_SWISH, ELU and int8 LEAKY_RELU are tinyml_lut_s8 tables. ---- */

/* Sub with 4-D broadcast (TFLM sub.cc, CalculateOpDataSub): parameters as tinyml_add_s8, with
 * left_shift 20 for int8 and 15 for int16 (16x8) tensors. */
void tinyml_sub_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output);
void tinyml_sub_s16(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                    const int32_t *strides1, const int16_t *input1, const int32_t *strides2, const int16_t *input2,
                    int16_t *output);

/* LeakyRelu int16 (reference_ops::QuantizeLeakyRelu<int16_t>, TFLM leaky_relu.cc). */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t output_multiplier_alpha, output_shift_alpha;
  int32_t output_multiplier_identity, output_shift_identity;
} tinyml_leaky_relu_params_t;
void tinyml_leaky_relu_s16(const tinyml_leaky_relu_params_t *p, const int16_t *input, int16_t *output, int32_t size);

/* Maximum (is_max != 0) or Minimum of raw int8 values with 4-D broadcast (TFLM
 * maximum_minimum.cc): inputs and output share their quantization. */
void tinyml_maximum_minimum_s8(int32_t is_max, const tinyml_shape4_t *out_shape,
                               const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                               const int8_t *input2, int8_t *output);

/* SquaredDifference int8 with 4-D broadcast (TFLM squared_difference.cc): parameters as
 * tinyml_add_s8 with left_shift 7; output_shift may be positive (a left shift). */
void tinyml_squared_difference_s8(const tinyml_add_params_t *p, const tinyml_shape4_t *out_shape,
                                  const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                                  const int8_t *input2, int8_t *output);

/* PRelu int8 with 4-D broadcast of alpha (reference_ops::BroadcastPrelu4DSlow, TFLM prelu.cc). */
typedef struct {
  int32_t input_offset, alpha_offset, output_offset;
  int32_t output_multiplier_1, output_shift_1; /* x >= 0: in_scale / out_scale */
  int32_t output_multiplier_2, output_shift_2; /* x < 0: in_scale * alpha_scale / out_scale */
} tinyml_prelu_params_t;
void tinyml_prelu_s8(const tinyml_prelu_params_t *p, const tinyml_shape4_t *out_shape,
                     const int32_t *strides1, const int8_t *input, const int32_t *strides2, const int8_t *alpha,
                     int8_t *output);

/* Div int8 with 4-D broadcast (reference_ops::DivElementwise / BroadcastDivSlowQuantized, TFLM
 * div.cc): output_multiplier/shift quantize in1_scale / (in2_scale * out_scale); the quotient
 * goes through GetReciprocal of the divisor (gemmlowp fixed point, fixed_point.c). */
void tinyml_div_s8(const tinyml_mul_params_t *p, const tinyml_shape4_t *out_shape,
                   const int32_t *strides1, const int8_t *input1, const int32_t *strides2, const int8_t *input2,
                   int8_t *output);

/* LogSoftmax int8 over the last dimension, output scale 16/256 and zero point 127
 * (reference_ops::LogSoftmaxQuantized, TFLM log_softmax.cc). */
void tinyml_log_softmax_s8(int32_t input_multiplier, int32_t input_left_shift, int32_t reverse_scaling_divisor,
                           int32_t reverse_scaling_left_shift, int32_t diff_min, int32_t outer, int32_t depth,
                           const int8_t *input, int8_t *output);

/* L2Normalization int8 over the last dimension, output scale 1/128 and zero point 0
 * (reference_integer_ops::L2Normalization, TFLM l2norm.cc). */
void tinyml_l2_normalization_s8(int32_t input_zero_point, int32_t outer, int32_t depth, const int8_t *input,
                                int8_t *output);

/* gemmlowp / TFLite fixed-point helpers shared by the kernels above (fixed_point.c). */
int tinyml_clz32(uint32_t x);
int tinyml_clrsb32(int32_t x);
int32_t tinyml_fx_sat_rounding_mul_pot(int32_t x, int exponent);
int32_t tinyml_fx_one_over_one_plus_x(int32_t a);
int32_t tinyml_fx_exp_on_negative_values(int32_t a, int integer_bits);
/* Softmax of int8 rows to out_bits (8 or 16) bits: the shared body of tinyml_softmax_s8 and
 * tinyml_softmax_s8_s16. */
void tinyml_softmax_s8_rows(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                            int32_t rows, int32_t depth, const int8_t *input, int out_bits, void *output);
int32_t tinyml_fx_log_x_ge_1(int32_t raw, int output_integer_bits, int input_integer_bits);
int32_t tinyml_fx_inv_sqrt(int32_t input, int32_t *shift);
/* ---- data movement, generic over the element size (int8, int16, int32, float32, bool) ---- */

/* Largest rank tinyml_strided_copy walks. */
#define TINYML_MAX_DIMS 8

/*
 * Strided copy (Transpose, StridedSlice, Slice, Split, SplitV, Pack, Unpack): walks dims in
 * row-major order, reading element (i0..ik) at src_offset + sum(i_d * src_strides[d]) and
 * writing it at dst_offset + sum(i_d * dst_strides[d]); offsets and strides in elements of
 * elem_bytes bytes, strides may be negative; rank 0 copies one element.
 */
void tinyml_strided_copy(int32_t elem_bytes, int32_t rank, const int32_t *dims, const void *src, int32_t src_offset,
                         const int32_t *src_strides, void *dst, int32_t dst_offset, const int32_t *dst_strides);

/*
 * Gather (TFLM gather.cc): output[batch][outer][coord][inner] =
 * input[batch][outer][coords[batch * coord_size + coord]][inner]. Returns 0, or -1 when a
 * coordinate is outside [0, axis_size): then nothing is read and the output is all zero bytes.
 */
int32_t tinyml_gather(int32_t elem_bytes, int32_t batch_size, int32_t outer_size, int32_t axis_size, int32_t inner_size,
                      int32_t coord_size, const void *input, const int32_t *coords, void *output);

/* Element types of tinyml_cast. */
enum { TINYML_TYPE_INT8 = 1, TINYML_TYPE_INT16 = 2, TINYML_TYPE_INT32 = 3, TINYML_TYPE_BOOL = 6, TINYML_TYPE_FLOAT32 = 7 };

/*
 * Cast (TFLM cast.cc): static_cast element by element. Integers narrow by keeping the low
 * bits, bool reads as 0/1, float to integer truncates toward zero and saturates to int32
 * first where C leaves it undefined (NaN -> 0). The only float code is for float tensors.
 */
void tinyml_cast(int32_t in_type, const void *input, int32_t out_type, void *output, int32_t size);

/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, int8 with int16 cell state (TFLM's integer LSTM). Gates in TFLM's
 * order forget, input, cell, output; fc_mult/fc_shift/filter_offset[2g] belong to gate g's
 * input FC, [2g + 1] to its recurrent FC (both int8 -> int16 at scale 2^-12).
 * weights[2g] / weights[2g + 1]: gate g's input and recurrent weights; bias[g]: its bias.
 * hidden_state (int8) and cell_state (int16) are updated in place. scratch: 4 * rows * units
 * int16, rows = batch when time-major, else 1.
 */
typedef struct {
  int32_t batch, time, input_size, units, time_major;
  int32_t input_offset;  /* -input zero point */
  int32_t hidden_offset; /* -hidden state zero point */
  int32_t hidden_zp;     /* hidden state zero point */
  int32_t fc_mult[8], fc_shift[8], filter_offset[8];
  int32_t forget_cell_mult, forget_cell_shift;
  int32_t input_mul_mult, input_mul_shift;
  int32_t hidden_mult, hidden_shift;
  int32_t cell_clip;              /* quantized cell clip, 0 = none */
  int32_t tanh_mult, tanh_shift;  /* reference_integer_ops::Tanh parameters for the cell state */
} tinyml_lstm_params_t;
void tinyml_lstm_s8(const tinyml_lstm_params_t *p, const int8_t *input, const int8_t *const *weights,
                    const int32_t *const *bias, int8_t *hidden_state, int16_t *cell_state, int8_t *output,
                    int16_t *scratch);

/*
 * SVDF int8 (TFLM EvalIntegerSvdfReference<T>): the time weights and the state are int16
 * (state_bytes 2) or int8 (state_bytes 1). state [batch, memory * filters] is updated in place.
 * bias may be NULL. scratch: batch * (filters + units) int32.
 */
typedef struct {
  int32_t batch, input_size, filters, units, memory, rank, state_bytes;
  int32_t input_zp, state_zp, output_zp;
  int32_t scale1_mult, scale1_shift, scale2_mult, scale2_shift;
} tinyml_svdf_params_t;
void tinyml_svdf_s8(const tinyml_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,
                    const void *weights_time, const int32_t *bias, void *state, int8_t *output, int32_t *scratch);

/* Softmax int8 -> int16 with output scale 1/65536, zero point -32768 (reference_ops::Softmax<int8_t,
 * int16_t>; softmax_s8_s16.c). */
void tinyml_softmax_s8_s16(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                           int32_t rows, int32_t depth, const int8_t *input, int16_t *output);


/* Comparisons (TFLM comparisons.cc) and LOGICAL_AND/OR/NOT (logical.cc) with 4-D broadcast; the
 * output is bool (one byte 0/1). code: 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=, 6 and, 7 or. int8
 * inputs are rescaled as reference_ops::ComparisonWithScaling (compare.c). */
typedef struct {
  int32_t left_shift;
  int32_t input1_offset, input1_multiplier, input1_shift;
  int32_t input2_offset, input2_multiplier, input2_shift;
} tinyml_compare_params_t;
void tinyml_compare_s8(int32_t code, const tinyml_compare_params_t *p, const tinyml_shape4_t *out_shape,
                       const int32_t *strides1, const int8_t *input1, const int32_t *strides2,
                       const int8_t *input2, uint8_t *output);
void tinyml_compare_i32(int32_t code, const tinyml_shape4_t *out_shape, const int32_t *strides1,
                        const int32_t *input1, const int32_t *strides2, const int32_t *input2, uint8_t *output);
void tinyml_compare_u8(int32_t code, const tinyml_shape4_t *out_shape, const int32_t *strides1,
                       const uint8_t *input1, const int32_t *strides2, const uint8_t *input2, uint8_t *output);


/* SELECT_V2 with 4-D broadcast (TFLM select.cc): out = condition ? x : y, elem_size bytes per
 * value (int8, int16, int32 share the kernel). Strides per NHWC dimension, 0 where broadcast. */
void tinyml_select(int32_t elem_size, const tinyml_shape4_t *out_shape, const int32_t *strides_c,
                   const uint8_t *condition, const int32_t *strides_x, const void *x, const int32_t *strides_y,
                   const void *y, void *output);


/* ADD_N and CUMSUM int8 (TFLM add_n.cc / cumsum.cc, accumulate_s8.c): values scaled to a common
 * scale (left shift 20), summed from the scaled raw 0 as TFLM does, requantized to the output.
 * The params' input 1 and output fields are used. */
void tinyml_add_n_s8(const tinyml_add_params_t *p, int32_t num_inputs, const int8_t *const *inputs, int32_t size,
                     int8_t *output);
void tinyml_cumsum_s8(const tinyml_add_params_t *p, int32_t before, int32_t depth, int32_t after, int32_t exclusive,
                      int32_t reverse, const int8_t *input, int8_t *output);


/* ABS int16 (TFLM AbsEvalQuantized<int16_t>, zero points 0): |x|, times the multiplier when
 * rescale is set, clamped. */
void tinyml_abs_s16(int32_t rescale, int32_t multiplier, int32_t shift, int32_t size, const int16_t *input,
                    int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TINYML_KERNELS_H */
