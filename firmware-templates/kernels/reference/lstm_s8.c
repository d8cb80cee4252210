/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, int8 input/weights/hidden state, int16 cell state: TFLM's
 * integer LSTM (lstm_eval.h EvalLstm<int8_t, int8_t, int16_t, int32_t>, LstmStep,
 * CalculateLstmGate, UpdateLstmCell, UpdateLstmHidden; lstm_eval.cc for the helpers), step for
 * step as src/ops/lstm.ts. Gates in TFLM's order: forget, input, cell, output. The hidden and
 * cell state are updated in place and persist between invocations.
 */
#include <stddef.h>

#include "tinyml_kernels.h"

/* sigmoid(i/24) in unsigned Q0.16: TFLite's sigmoid_table_uint16 (reference_integer_ops). */
static const uint16_t sigmoid_table_uint16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

/* reference_integer_ops::Logistic for int16 (Q3.12 in, Q0.15 out). */
static int16_t logistic_s16(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  int32_t round, input_data;
  uint32_t abs_input_data, uh, result;
  /* Shifts are done in 32 bits explicitly: int is 16 bits on some targets (AVR). */
  if (input_multiplier == 0) {
    input_multiplier = (int32_t)3 << input_left_shift;
    input_left_shift = 0;
  }
  round = (input_left_shift > 0) ? (int32_t)1 << (input_left_shift - 1) : 0;
  input_data = ((int32_t)x * input_multiplier + round) >> input_left_shift;
  abs_input_data = (uint32_t)(input_data < 0 ? -input_data : input_data);
  uh = abs_input_data >> 9;
  if (uh >= 255) {
    result = (uint32_t)0x7FFF << 10;
  } else {
    const uint32_t ua = sigmoid_table_uint16[uh];
    const uint32_t ub = sigmoid_table_uint16[uh + 1];
    const uint32_t ut = abs_input_data & 0x1ff;
    result = (ua << 9) + ut * (ub - ua);
  }
  result = (input_data >= 0) ? (result + ((uint32_t)1 << 9)) : (((uint32_t)1 << (16 + 9)) - result + ((uint32_t)1 << 9) - 1);
  result >>= 10;
  return (int16_t)result;
}

/* reference_integer_ops::Tanh for int16 (Q0.15 out). */
static int16_t tanh_s16(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  int32_t round, input_data, result;
  uint32_t abs_input_data, uh;
  if (input_multiplier == 0) {
    input_multiplier = (int32_t)3 << input_left_shift;
    input_left_shift = 0;
  }
  round = (input_left_shift > 0) ? (int32_t)1 << (input_left_shift - 1) : 0;
  input_data = ((int32_t)x * input_multiplier + round) >> input_left_shift;
  abs_input_data = (uint32_t)(input_data < 0 ? -input_data : input_data);
  uh = abs_input_data >> 8;
  if (uh >= 255) {
    result = (int32_t)0xFFFF << 8;
  } else {
    const uint32_t ua = sigmoid_table_uint16[uh];
    const uint32_t ub = sigmoid_table_uint16[uh + 1];
    const uint32_t ut = abs_input_data & 0xFF;
    result = (int32_t)((ua << 8) + ut * (ub - ua));
  }
  result = (input_data >= 0) ? (result - ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)))
                             : (-result + ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)) - 1);
  result >>= (9 - 1);
  return (int16_t)result;
}

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
      for (i = 0; i < n; ++i) g[i] = tanh_s16(g[i], 0, 0);
      /* UpdateLstmCell: c = sat(f * c + i * g), clipped. */
      for (i = 0; i < n; ++i) {
        const int32_t fc_ = tinyml_clamp(tinyml_mbqm((int32_t)gate[0][i] * c[i], p->forget_cell_mult, p->forget_cell_shift), -32768, 32767);
        const int32_t ig = tinyml_clamp(tinyml_mbqm((int32_t)gate[1][i] * g[i], p->input_mul_mult, p->input_mul_shift), -32768, 32767);
        int32_t v = sat16(fc_ + ig);
        if (p->cell_clip > 0) v = tinyml_clamp(v, -p->cell_clip, p->cell_clip);
        c[i] = (int16_t)v;
      }
    } else {
      for (i = 0; i < n; ++i) g[i] = logistic_s16(g[i], 0, 0);
    }
  }
  /* UpdateLstmHidden: h = tanh(c) * o, requantized to the hidden state's int8 parameters. */
  for (i = 0; i < n; ++i) {
    const int32_t t = tanh_s16(c[i], p->tanh_mult, p->tanh_shift);
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
