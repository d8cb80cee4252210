/*
 * Gather, generic over the element size (TFLM gather.cc Gather): for every batch, outer index
 * and coordinate, the run of inner_size elements at coords[batch * coord_size + coord] along
 * the gathered axis is copied to the output in order.
 *
 * Out-of-range coordinates: TFLM returns kTfLiteError at the first one (the output then holds
 * whatever was copied before it). Here every coordinate is checked before anything is written;
 * if one is outside [0, axis_size) the whole output is zeroed (all bytes 0) and -1 is returned,
 * which tinyml_invoke() passes on as -3. Nothing is ever read outside the input.
 */
#include "tinyml_kernels.h"

int32_t tinyml_gather(int32_t elem_bytes, int32_t batch_size, int32_t outer_size, int32_t axis_size, int32_t inner_size,
                      int32_t coord_size, const void *input, const int32_t *coords, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const int32_t run = inner_size * elem_bytes;
  int32_t batch, outer, coord, k;
  for (k = 0; k < batch_size * coord_size; ++k) {
    if (coords[k] < 0 || coords[k] >= axis_size) {
      const int32_t total = batch_size * outer_size * coord_size * run;
      for (k = 0; k < total; ++k) out[k] = 0;
      return -1;
    }
  }
  for (batch = 0; batch < batch_size; ++batch) {
    for (outer = 0; outer < outer_size; ++outer) {
      const int32_t slab = batch * outer_size + outer;
      for (coord = 0; coord < coord_size; ++coord) {
        const uint8_t *src = in + (slab * axis_size + coords[batch * coord_size + coord]) * run;
        uint8_t *dst = out + (slab * coord_size + coord) * run;
        for (k = 0; k < run; ++k) dst[k] = src[k];
      }
    }
  }
  return 0;
}
