/**
 * The int16 sigmoid and tanh of TFLite's integer kernels (reference_integer_ops::Logistic and
 * ::Tanh for int16_t, tensorflow/lite/kernels/internal/reference/integer_ops/logistic.h and
 * tanh.h), as TFLM's integer LSTM calls them (lstm_eval.cc lstm_internal::Sigmoid and ::Tanh).
 *
 * Both interpolate one 256-entry table of sigmoid(i/24) in unsigned Q0.16 (TFLite's
 * `sigmoid_table_uint16`, the same table CMSIS-NN ships as arm_nntables.c) and use
 * tanh(x) = 2·sigmoid(2x) − 1. The table is data, not a formula: 44 of its entries differ by
 * one from round(65536 · sigmoid(i/24)), so it is reproduced value for value.
 *
 * Each function mirrors the C statement by statement, including its uint32 arithmetic and the
 * final truncating conversion to int16, so the C kernels (firmware-templates/kernels/
 * reference/sigmoid_s16.c, used by the LOGISTIC and TANH int16 kernels and lstm_s8.c) and
 * this file agree on every input.
 */

import { SIGMOID_TABLE_UINT16 } from './lut16.js';

const T = SIGMOID_TABLE_UINT16;

/** Two's-complement truncation to int16, as C's conversion of an int32 to int16_t. */
function toInt16(x: number): number {
  return (x << 16) >> 16;
}

/** The int16 kernels' input rescaling (multiplier 0: a power-of-two scale, multiplier 3 << shift). */
function rescaleInput(x: number, inputMultiplier: number, inputLeftShift: number): number {
  const mult = inputMultiplier === 0 ? 3 << inputLeftShift : inputMultiplier;
  const shift = inputMultiplier === 0 ? 0 : inputLeftShift;
  const round = shift > 0 ? 1 << (shift - 1) : 0;
  return (x * mult + round) >> shift;
}

/**
 * reference_integer_ops::Logistic(input_multiplier, input_left_shift, size, int16 in, int16 out)
 * on one value: Q3.12 input (with the power-of-two convention multiplier 0 → 3 << shift) to a
 * Q0.15 output in [0, 32767].
 */
export function logisticInt16(x: number, inputMultiplier: number, inputLeftShift: number): number {
  const inputData = rescaleInput(x, inputMultiplier, inputLeftShift);
  const abs = Math.abs(inputData);
  const uh = abs >>> 9;
  let result: number;
  if (uh >= 255) {
    result = 0x7fff << 10;
  } else {
    const ua = T[uh]!;
    const ub = T[uh + 1]!;
    const ut = abs & 0x1ff;
    result = ua * 512 + ut * (ub - ua);
  }
  // uint32 arithmetic: both branches stay in [0, 2^26).
  result = inputData >= 0 ? result + (1 << 9) : (1 << 25) - result + (1 << 9) - 1;
  return toInt16(result >>> 10);
}

/**
 * reference_integer_ops::Tanh(input_multiplier, input_left_shift, int16 in, int16 out) on one
 * value: output Q0.15 in [-32767, 32767].
 */
export function tanhInt16(x: number, inputMultiplier: number, inputLeftShift: number): number {
  const inputData = rescaleInput(x, inputMultiplier, inputLeftShift);
  const abs = Math.abs(inputData);
  const uh = abs >>> 8;
  let result: number;
  if (uh >= 255) {
    result = 0xffff << 8;
  } else {
    const ua = T[uh]!;
    const ub = T[uh + 1]!;
    const ut = abs & 0xff;
    result = ua * 256 + ut * (ub - ua);
  }
  result = inputData >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return toInt16(result >> 8);
}

/**
 * The (multiplier, left shift) TFLM's LSTM passes to Tanh for an int16 input whose scale is
 * 2^scalePower (lstm_eval.cc lstm_internal::Tanh): Q3.12 needs no rescaling.
 */
export function lstmTanhParams(scalePower: number): { multiplier: number; shift: number } {
  const leftShift = 15 + scalePower - 3;
  return leftShift < 0 ? { multiplier: 3, shift: -leftShift } : { multiplier: 0, shift: leftShift };
}
