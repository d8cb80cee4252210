/*
 * Conv2D int8, per-channel requantization — Cortex-M DSP version of
 * kernels/reference/conv2d_s8.c (same name, same signature, same bytes out).
 *
 * Steps, per output pixel (ungrouped convolution whose patch fits TINYML_PATCH_MAX):
 *   1. im2col: copy the k_h × k_w × in_c input patch into an int16 buffer with the input offset
 *      already added (|x + offset| <= 255), 0 where the filter hangs over the padding (a zero
 *      term, as the reference's skipped one). Each group of four values is stored in the order
 *      x0 x2 x1 x3, the lane order SXTB16 produces from four weight bytes.
 *   2. For each output channel: the dot product with the filter row (int8, OHWI = the same
 *      order as the patch), four MACs per two SMLADs, the tail in plain C.
 *   3. Bias, requantization and clamp exactly as the reference.
 * Integer sums are associative, so every accumulator equals the reference's exactly. Grouped
 * convolutions and oversized patches take the reference loop. Without the DSP extension
 * (__ARM_FEATURE_DSP unset) the dot product is plain C over the same buffer.
 * Costs: a static patch buffer of TINYML_PATCH_MAX int16 in RAM.
 */
#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
/* Rotate right by 8 (GCC folds this into ROR; its arm_acle.h has no __ror). */
static inline uint32_t tinyml_ror8(uint32_t x) { return (x >> 8) | (x << 24); }
#endif

#ifndef TINYML_PATCH_MAX
#define TINYML_PATCH_MAX 2048
#endif

static int16_t tinyml_conv_patch[TINYML_PATCH_MAX] TINYML_ALIGN(4);

static inline int32_t tinyml_dot_q15_s8(const int16_t *patch, const int8_t *w, int32_t n) {
  int32_t acc = 0, i = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
  for (; i + 4 <= n; i += 4) {
    uint32_t wv;
    int32_t p0, p1;
    __builtin_memcpy(&wv, w + i, 4);
    __builtin_memcpy(&p0, patch + i, 4);
    __builtin_memcpy(&p1, patch + i + 2, 4);
    acc = __smlad(__sxtb16(wv), p0, acc);
    acc = __smlad(__sxtb16(tinyml_ror8(wv)), p1, acc);
  }
#else
  for (; i + 4 <= n; i += 4) {
    acc += (int32_t)w[i] * patch[i] + (int32_t)w[i + 2] * patch[i + 1] + (int32_t)w[i + 1] * patch[i + 2] +
           (int32_t)w[i + 3] * patch[i + 3];
  }
#endif
  for (; i < n; ++i) acc += (int32_t)w[i] * patch[i];
  return acc;
}

static void tinyml_conv2d_s8_generic(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                     const tinyml_shape4_t *in_shape, const int8_t *input,
                                     const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                     const tinyml_shape4_t *out_shape, int8_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, k_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t groups = in_c / k_c;
  const int32_t filters_per_group = out_c / groups;
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        for (oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / filters_per_group;
          int32_t acc = 0;
          for (ky = 0; ky < k_h; ++ky) {
            const int32_t in_y = in_y_origin + p->dilation_h * ky;
            if (in_y < 0 || in_y >= in_h) continue;
            for (kx = 0; kx < k_w; ++kx) {
              const int32_t in_x = in_x_origin + p->dilation_w * kx;
              const int8_t *in_px;
              const int8_t *f_px;
              if (in_x < 0 || in_x >= in_w) continue;
              in_px = input + (((b * in_h + in_y) * in_w + in_x) * in_c) + group * k_c;
              f_px = filter + (((oc * k_h + ky) * k_w + kx) * k_c);
              for (ic = 0; ic < k_c; ++ic) acc += (int32_t)f_px[ic] * ((int32_t)in_px[ic] + p->input_offset);
            }
          }
          if (bias) acc += bias[oc];
          acc = tinyml_mbqm(acc, out_mult[oc], out_shift[oc]);
          acc += p->output_offset;
          acc = tinyml_clamp(acc, p->act_min, p->act_max);
          output[((b * out_h + oy) * out_w + ox) * out_c + oc] = (int8_t)acc;
        }
      }
    }
  }
}

void tinyml_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                      const tinyml_shape4_t *in_shape, const int8_t *input,
                      const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                      const tinyml_shape4_t *out_shape, int8_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w, k_c = filter_shape->c;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t K = k_h * k_w * k_c;
  const int32_t K4 = K & ~3;
  int32_t b, oy, ox, oc, ky, kx, ic;
  if (k_c != in_c || K > TINYML_PATCH_MAX) {
    tinyml_conv2d_s8_generic(p, out_mult, out_shift, in_shape, input, filter_shape, filter, bias, out_shape, output);
    return;
  }
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
        int32_t j = 0;
        for (ky = 0; ky < k_h; ++ky) {
          const int32_t in_y = in_y_origin + p->dilation_h * ky;
          for (kx = 0; kx < k_w; ++kx) {
            const int32_t in_x = in_x_origin + p->dilation_w * kx;
            const int inside = in_y >= 0 && in_y < in_h && in_x >= 0 && in_x < in_w;
            const int8_t *in_px = input + ((b * in_h + in_y) * in_w + in_x) * in_c;
            for (ic = 0; ic < in_c; ++ic, ++j) {
              /* x0 x1 x2 x3 -> slots 0 2 1 3 of their group of four; the tail stays in order. */
              const int32_t slot = j < K4 ? (j & ~3) + ((j & 1) << 1) + ((j >> 1) & 1) : j;
              tinyml_conv_patch[slot] = (int16_t)(inside ? (int32_t)in_px[ic] + p->input_offset : 0);
            }
          }
        }
        for (oc = 0; oc < out_c; ++oc) {
          int32_t acc = tinyml_dot_q15_s8(tinyml_conv_patch, filter + oc * K, K);
          if (bias) acc += bias[oc];
          acc = tinyml_mbqm(acc, out_mult[oc], out_shift[oc]);
          acc += p->output_offset;
          out_px[oc] = (int8_t)tinyml_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
