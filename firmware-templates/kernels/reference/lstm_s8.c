/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, int8 input/weights/hidden state, int16 cell state: TFLM's
 * integer LSTM (lstm_eval.h EvalLstm<int8_t, int8_t, int16_t, int32_t>, LstmStep,
 * CalculateLstmGate, UpdateLstmCell, UpdateLstmHidden; lstm_eval.cc for the helpers), step for
 * step as src/ops/lstm.ts. Gates in TFLM's order: forget, input, cell, output. The hidden and
 * cell state are updated in place and persist between invocations.
 */
#include <stddef.h>

#include "tinyml_kernels.h"

static int16_t sat16(int32_t v) { return (int16_t)tinyml_clamp(v, -32768, 32767); }

/* reference_integer_ops::FullyConnected int8 -> int16, output offset 0, full int16 range. */
static void fc_s16(const int8_t *input, int32_t rows, int32_t depth, int32_t input_offset, const int8_t *weights,
                   int32_t filter_offset, const int32_t *bias, int32_t mult, int32_t shift, int32_t units,
                   int16_t *output) {
  int32_t b, o, d;
  for (b = 0; b < rows; ++b) {
    const int8_t *in_row = input + b * depth;
    for (o = 0; o < units; ++o) {
      const int8_t *w_row = weights + o * depth;
      int32_t acc = 0;
      for (d = 0; d < depth; ++d) acc += ((int32_t)w_row[d] + filter_offset) * ((int32_t)in_row[d] + input_offset);
      if (bias) acc += bias[o];
      output[b * units + o] = sat16(tinyml_mbqm(acc, mult, shift));
    }
  }
}

static void lstm_step(const tinyml_lstm_params_t *p, const int8_t *x, const int8_t *const *weights,
                      const int32_t *const *bias, int8_t *h, int16_t *c, int8_t *y, int16_t *scratch) {
  const int32_t rows = p->time_major ? p->batch : 1;
  const int32_t n = rows * p->units;
  int16_t *gate[4];
  int16_t *tmp = scratch + 3 * n; /* the recurrent FC, then the cell products */
  int32_t k, i;
  gate[0] = scratch;
  gate[1] = scratch + n;
  gate[2] = scratch + 2 * n;
  gate[3] = scratch; /* the output gate reuses the forget gate's buffer once the cell is updated */
  for (k = 0; k < 4; ++k) {
    int16_t *g = gate[k];
    fc_s16(x, rows, p->input_size, p->input_offset, weights[2 * k], p->filter_offset[2 * k], bias[k],
           p->fc_mult[2 * k], p->fc_shift[2 * k], p->units, g);
    fc_s16(h, rows, p->units, p->hidden_offset, weights[2 * k + 1], p->filter_offset[2 * k + 1], NULL,
           p->fc_mult[2 * k + 1], p->fc_shift[2 * k + 1], p->units, tmp);
    for (i = 0; i < n; ++i) g[i] = sat16((int32_t)g[i] + tmp[i]);
    if (k == 2) {
      for (i = 0; i < n; ++i) g[i] = tinyml_tanh_s16_value(g[i], 0, 0);
      /* UpdateLstmCell: c = sat(f * c + i * g), clipped. */
      for (i = 0; i < n; ++i) {
        const int32_t fc_ = tinyml_clamp(tinyml_mbqm((int32_t)gate[0][i] * c[i], p->forget_cell_mult, p->forget_cell_shift), -32768, 32767);
        const int32_t ig = tinyml_clamp(tinyml_mbqm((int32_t)gate[1][i] * g[i], p->input_mul_mult, p->input_mul_shift), -32768, 32767);
        int32_t v = sat16(fc_ + ig);
        if (p->cell_clip > 0) v = tinyml_clamp(v, -p->cell_clip, p->cell_clip);
        c[i] = (int16_t)v;
      }
    } else {
      for (i = 0; i < n; ++i) g[i] = tinyml_logistic_s16_value(g[i], 0, 0);
    }
  }
  /* UpdateLstmHidden: h = tanh(c) * o, requantized to the hidden state's int8 parameters. */
  for (i = 0; i < n; ++i) {
    const int32_t t = tinyml_tanh_s16_value(c[i], p->tanh_mult, p->tanh_shift);
    const int32_t v = p->hidden_zp + tinyml_mbqm(t * gate[3][i], p->hidden_mult, p->hidden_shift);
    h[i] = (int8_t)tinyml_clamp(v, -128, 127);
    y[i] = h[i];
  }
}

void tinyml_lstm_s8(const tinyml_lstm_params_t *p, const int8_t *input, const int8_t *const *weights,
                    const int32_t *const *bias, int8_t *hidden_state, int16_t *cell_state, int8_t *output,
                    int16_t *scratch) {
  int32_t b, t;
  if (p->time_major) {
    for (t = 0; t < p->time; ++t) {
      lstm_step(p, input + t * p->batch * p->input_size, weights, bias, hidden_state, cell_state,
                output + t * p->batch * p->units, scratch);
    }
  } else {
    for (b = 0; b < p->batch; ++b) {
      for (t = 0; t < p->time; ++t) {
        lstm_step(p, input + (b * p->time + t) * p->input_size, weights, bias, hidden_state + b * p->units,
                  cell_state + b * p->units, output + (b * p->time + t) * p->units, scratch);
      }
    }
  }
}
