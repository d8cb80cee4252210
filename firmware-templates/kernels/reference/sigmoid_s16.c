/*
 * TFLite's int16 sigmoid and tanh of one value (reference_integer_ops::Logistic and ::Tanh for
 * int16), shared by the LOGISTIC and TANH int16 kernels and the integer LSTM's gates: the input
 * is rescaled by the int16 Prepare's multiplier and shift (multiplier 0: a power-of-two input
 * scale, where the multiplier is 3 << shift), then TFLite's 256-entry table of sigmoid(i / 24)
 * in Q0.16 is interpolated (tanh(x) = 2 * sigmoid(2x) - 1 reads it at twice the resolution).
 * Output scale 2^-15, zero point 0.
 */
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

/* The int16 Prepare's input rescaling (multiplier 0: a power-of-two input scale, multiplier
 * 3 << shift). Shifts are done in 32 bits explicitly: int is 16 bits on some targets (AVR). */
static int32_t rescale_input(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  int32_t round;
  if (input_multiplier == 0) {
    input_multiplier = (int32_t)3 << input_left_shift;
    input_left_shift = 0;
  }
  round = (input_left_shift > 0) ? (int32_t)1 << (input_left_shift - 1) : 0;
  return ((int32_t)x * input_multiplier + round) >> input_left_shift;
}

/* The table interpolated at `frac_bits` fractional bits of |v|: (ua << frac_bits) + t * (ub - ua),
 * or the saturated end value past the table. */
static uint32_t interpolate(uint32_t abs_v, int frac_bits, uint32_t saturated) {
  const uint32_t uh = abs_v >> frac_bits;
  uint32_t ua, ub;
  if (uh >= 255) return saturated;
  ua = sigmoid_table_uint16[uh];
  ub = sigmoid_table_uint16[uh + 1];
  return (ua << frac_bits) + (abs_v & (((uint32_t)1 << frac_bits) - 1)) * (ub - ua);
}

/* reference_integer_ops::Logistic for int16 (Q3.12 in, Q0.15 out). */
int16_t tinyml_logistic_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  const int32_t input_data = rescale_input(x, input_multiplier, input_left_shift);
  uint32_t result = interpolate((uint32_t)(input_data < 0 ? -input_data : input_data), 9, (uint32_t)0x7FFF << 10);
  result = (input_data >= 0) ? (result + ((uint32_t)1 << 9)) : (((uint32_t)1 << (16 + 9)) - result + ((uint32_t)1 << 9) - 1);
  return (int16_t)(result >> 10);
}

/* reference_integer_ops::Tanh for int16 (Q0.15 out). */
int16_t tinyml_tanh_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  const int32_t input_data = rescale_input(x, input_multiplier, input_left_shift);
  int32_t result = (int32_t)interpolate((uint32_t)(input_data < 0 ? -input_data : input_data), 8, (uint32_t)0xFFFF << 8);
  result = (input_data >= 0) ? (result - ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)))
                             : (-result + ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)) - 1);
  return (int16_t)(result >> (9 - 1));
}
