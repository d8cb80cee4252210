/*
 * tinyml int8 kernels: the definition of the project's numerics in C.
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
 * C99, no malloc, no float.
 */
#ifndef TINYML_KERNELS_H
#define TINYML_KERNELS_H

#include <stdint.h>

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

/* ---- kernels (one .c file each; only those a model uses are copied into a project) ---- */

/* Conv2D, per-channel quantized (reference_integer_ops::ConvPerChannel). bias may be NULL. */
void tinyml_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                      const tinyml_shape4_t *in_shape, const int8_t *input,
                      const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                      const tinyml_shape4_t *out_shape, int8_t *output);

/* DepthwiseConv2D, per-channel (reference_integer_ops::DepthwiseConvPerChannel). */
void tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                const tinyml_shape4_t *in_shape, const int8_t *input,
                                const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                const tinyml_shape4_t *out_shape, int8_t *output);

/*
 * FullyConnected (reference_integer_ops::FullyConnected / FullyConnectedPerChannel).
 * out_mult/out_shift hold `units` entries (a per-tensor weight scale is repeated).
 * filter_offset is the negated weight zero point (0 for symmetric weights).
 */
void tinyml_fully_connected_s8(int32_t input_offset, int32_t filter_offset, int32_t output_offset,
                               int32_t act_min, int32_t act_max,
                               const int32_t *out_mult, const int32_t *out_shift,
                               int32_t batches, int32_t in_features, int32_t units,
                               const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output);

/* AveragePool2D (reference_integer_ops::AveragePool): input and output share quantization. */
void tinyml_avg_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output);

/* MaxPool2D (reference_integer_ops::MaxPool). */
void tinyml_max_pool_s8(const tinyml_pool_params_t *p, const tinyml_shape4_t *in_shape, const int8_t *input,
                        const tinyml_shape4_t *out_shape, int8_t *output);

/*
 * Mean over the NHWC dimensions k with reduced[k] != 0 (TFLM EvalIntegerMean); the output
 * holds the kept dimensions in row-major order. same_params != 0: sum / count, truncating.
 * Otherwise TFLM's float32 path: round(float(sum) / float(count) * scale + bias) + output_zp
 * with scale = input_scale / output_scale and bias = -input_zp * scale (see mean_s8.c).
 */
void tinyml_mean_s8(int32_t same_params, float scale, float bias, int32_t output_zp,
                    const tinyml_shape4_t *in_shape, const int32_t *reduced, const int8_t *input, int8_t *output);

/* Reshape: a byte copy (skipped entirely when the planner aliases the two tensors). */
void tinyml_reshape_s8(const int8_t *input, int8_t *output, int32_t size);

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


/*
 * Requantize between integer types (reference_ops::Requantize): in_bytes / out_bytes are the
 * element sizes (1 int8, 2 int16, 4 int32); out = clamp(MBQM(in - input_zp) + output_zp).
 */
void tinyml_requantize(const void *input, int32_t in_bytes, void *output, int32_t out_bytes, int32_t size,
                       int32_t multiplier, int32_t shift, int32_t input_zp, int32_t output_zp);


/* Softmax int8 -> int16 with output scale 1/65536, zero point -32768 (reference_ops::Softmax<int8_t,
 * int16_t>; softmax_s8_s16.c). */
void tinyml_softmax_s8_s16(int32_t input_beta_multiplier, int32_t input_beta_left_shift, int32_t diff_min,
                           int32_t rows, int32_t depth, const int8_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TINYML_KERNELS_H */
