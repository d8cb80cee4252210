/*
 * Some output rows of a conv-like int8 layer (tinyml_conv2d_s8 or tinyml_depthwise_conv2d_s8)
 * from the input rows they read: what lets the generated code run two layers a row at a time
 * (the first layer's output held as a window of rows) and fuse a residual ADD into a layer's
 * output rows. See tinyml_kernels.h.
 *
 * The call is the layer's own kernel on a sub-problem: output rows r0..r1-1 read input rows
 * top .. top + span - 1 with top = r0 * stride_h - pad_h and span = (r1 - r0 - 1) * stride_h +
 * (filter_h - 1) * dilation_h + 1. Of those, the ones that exist (0 .. in_shape->h - 1) are
 * handed over as the kernel's whole input and the ones that don't stay padding: pad_h becomes
 * first - top (first = max(top, 0)) and the input's height end - first (end = min(top + span,
 * in_shape->h)). Every tap then reads the same input value or the same padding as in the full
 * call, so each output byte equals the full layer's.
 */
#include "tinyml_kernels.h"

int32_t tinyml_conv_rows_s8(tinyml_conv_fn_t fn, const tinyml_conv_params_t *p, const int32_t *out_mult, const int32_t *out_shift,
                            const tinyml_shape4_t *in_shape, const int8_t *input, int32_t in_row0,
                            const tinyml_shape4_t *filter_shape, const int8_t *filter, const int32_t *bias,
                            const tinyml_shape4_t *out_shape, int32_t r0, int32_t r1, int8_t *output, void *scratch,
                            int32_t scratch_bytes) {
  tinyml_conv_params_t q = *p;
  tinyml_shape4_t in = *in_shape, out = *out_shape;
  const int32_t top = r0 * p->stride_h - p->pad_h;
  const int32_t span = (r1 - r0 - 1) * p->stride_h + (filter_shape->h - 1) * p->dilation_h + 1;
  const int32_t first = top < 0 ? 0 : top;
  const int32_t end = top + span < in_shape->h ? top + span : in_shape->h;
  if (in_shape->n != 1 || r0 < 0 || r1 > out_shape->h || r0 >= r1 || first < in_row0 || end <= first) return TINYML_ERR_ROWS;
  q.pad_h = first - top;
  in.h = end - first;
  out.h = r1 - r0;
  return fn(&q, out_mult, out_shift, &in, input + (first - in_row0) * in_shape->w * in_shape->c, filter_shape, filter, bias, &out,
            output, scratch, scratch_bytes);
}
