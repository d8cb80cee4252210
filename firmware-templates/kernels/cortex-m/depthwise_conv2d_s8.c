/*
 * DepthwiseConv2D int8, per-channel — Cortex-M version of kernels/reference/depthwise_conv2d_s8.c
 * (same name, signature and bytes out).
 *
 * The reference walks one output channel at a time and recomputes every index per MAC. Here,
 * per output pixel, all out_c accumulators live in a static int32 array and each in-bounds
 * filter tap adds w[tap][c] * (x[c / M] + offset) for every channel c in one linear pass over
 * contiguous memory (NHWC input, [1, kh, kw, C*M] filter). With depth multiplier 1 and the DSP
 * extension, two channels go at a time: SXTAB16 adds the offset to two input bytes, SXTB16
 * widens two weight bytes, SMLABB/SMLATT accumulate each lane. The sums are the reference's, in
 * another order, so they are equal. More than TINYML_DW_MAX_CHANNELS channels take the
 * reference loop.
 */
#include "tinyml_kernels.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

#ifndef TINYML_DW_MAX_CHANNELS
#define TINYML_DW_MAX_CHANNELS 1024
#endif

static int32_t tinyml_dw_acc[TINYML_DW_MAX_CHANNELS];

void tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                                const tinyml_shape4_t *in_shape, const int8_t *input,
                                const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                                const tinyml_shape4_t *out_shape, int8_t *output) {
  const int32_t in_h = in_shape->h, in_w = in_shape->w, in_c = in_shape->c;
  const int32_t k_h = filter_shape->h, k_w = filter_shape->w;
  const int32_t out_h = out_shape->h, out_w = out_shape->w, out_c = out_shape->c;
  const int32_t dm = p->depth_multiplier;
  const int32_t io = p->input_offset;
  int32_t b, oy, ox, ic, m, ky, kx, c;
  for (b = 0; b < out_shape->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y_origin = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x_origin = ox * p->stride_w - p->pad_w;
        int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
        if (out_c > TINYML_DW_MAX_CHANNELS) {
          for (ic = 0; ic < in_c; ++ic) {
            for (m = 0; m < dm; ++m) {
              const int32_t oc = m + ic * dm;
              int32_t acc = 0;
              for (ky = 0; ky < k_h; ++ky) {
                const int32_t in_y = in_y_origin + p->dilation_h * ky;
                if (in_y < 0 || in_y >= in_h) continue;
                for (kx = 0; kx < k_w; ++kx) {
                  const int32_t in_x = in_x_origin + p->dilation_w * kx;
                  if (in_x < 0 || in_x >= in_w) continue;
                  acc += (int32_t)filter[(ky * k_w + kx) * out_c + oc] * ((int32_t)input[((b * in_h + in_y) * in_w + in_x) * in_c + ic] + io);
                }
              }
              if (bias) acc += bias[oc];
              acc = tinyml_mbqm(acc, out_mult[oc], out_shift[oc]);
              acc += p->output_offset;
              out_px[oc] = (int8_t)tinyml_clamp(acc, p->act_min, p->act_max);
            }
          }
          continue;
        }
        for (c = 0; c < out_c; ++c) tinyml_dw_acc[c] = bias ? bias[c] : 0;
        for (ky = 0; ky < k_h; ++ky) {
          const int32_t in_y = in_y_origin + p->dilation_h * ky;
          if (in_y < 0 || in_y >= in_h) continue;
          for (kx = 0; kx < k_w; ++kx) {
            const int32_t in_x = in_x_origin + p->dilation_w * kx;
            const int8_t *x = input + ((b * in_h + in_y) * in_w + in_x) * in_c;
            const int8_t *w = filter + (ky * k_w + kx) * out_c;
            if (in_x < 0 || in_x >= in_w) continue;
            if (dm == 1) {
              c = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
              {
                const int32_t io2 = (int32_t)(((uint32_t)(uint16_t)io) * 0x00010001u);
                for (; c + 2 <= out_c; c += 2) {
                  uint16_t xv, wv;
                  int32_t xs, ws;
                  __builtin_memcpy(&xv, x + c, 2);
                  __builtin_memcpy(&wv, w + c, 2);
                  /* bytes b0 b1 -> lanes (b0, b1) as 16-bit: spread byte 1 to byte 2 first. */
                  xs = __sxtab16(io2, (int32_t)(((uint32_t)xv & 0xFFu) | (((uint32_t)xv & 0xFF00u) << 8)));
                  ws = __sxtb16((int32_t)(((uint32_t)wv & 0xFFu) | (((uint32_t)wv & 0xFF00u) << 8)));
                  tinyml_dw_acc[c] = __smlabb(xs, ws, tinyml_dw_acc[c]);
                  tinyml_dw_acc[c + 1] = __smlatt(xs, ws, tinyml_dw_acc[c + 1]);
                }
              }
#endif
              for (; c < out_c; ++c) tinyml_dw_acc[c] += (int32_t)w[c] * ((int32_t)x[c] + io);
            } else {
              for (c = 0; c < out_c; ++c) tinyml_dw_acc[c] += (int32_t)w[c] * ((int32_t)x[c / dm] + io);
            }
          }
        }
        for (c = 0; c < out_c; ++c) {
          int32_t acc = tinyml_mbqm(tinyml_dw_acc[c], out_mult[c], out_shift[c]);
          acc += p->output_offset;
          out_px[c] = (int8_t)tinyml_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
