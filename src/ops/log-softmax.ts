/**
 * LOG_SOFTMAX over the last dimension.
 * int8: TFLM log_softmax.cc CalculateOpData and reference_ops::LogSoftmaxQuantized<int8_t>.
 * The output must be scale 16/256 and zero point 127 (TFLM checks both exactly; TFLite's
 * converter fixes them). PreprocessLogSoftmaxScalingExp(beta 1, input_scale, 5 integer bits):
 * input multiplier and left shift (QuantizeMultiplierGreaterThanOne of
 * min(input_scale·2^26, 2^31 − 1)), the reverse scaling divisor and shift
 * (QuantizeMultiplierSmallerThanOneExp of 2^(31 − left_shift) / multiplier), diff_min =
 * −CalculateInputRadius(5, left_shift). Per row: exp of the scaled differences to the row maximum
 * summed in Q12.19, gemmlowp log_x_for_x_greater_than_or_equal_to_1 of the sum (Q5.26), an
 * adjusted lower bound, then (diff_in_q5 − log_sum) rounded by 2^22, plus 127, clamped.
 * float: reference_ops::LogSoftmax, x − max − log(Σ exp(x − max)) in float32.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { expOnNegativeValues, saturatingRoundingMultiplyByPOT } from '../numerics/gemmlowp.js';
import { mbqm, rdbpot } from '../numerics/requantize.js';
import { logXForXGreaterThanOrEqualTo1 } from '../numerics/tflite-math.js';
import { cInt32, input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, scaleOf, unsupported, versionByDtype, zeroPointOf, int8InOut } from './common.js';
import type { OpDef } from './op-def.js';

type LogSoftmaxOp = UnaryOp & { kind: 'LogSoftmax' };

const kInputIntegerBits = 5;
const kAccumulationIntegerBits = 12;
const kOutputIntegerBits = 4;
const OUTPUT_SCALE = 16 / 256;
const OUTPUT_ZERO_POINT = 127;

export interface LogSoftmaxPrepared {
  inputMultiplier: number;
  inputLeftShift: number;
  reverseScalingDivisor: number;
  /** Left shift of the reverse scaling divisor (≤ 0; TFLM stores its negation as the right shift). */
  reverseScalingLeftShift: number;
  diffMin: number;
  outer: number;
  depth: number;
}

export const logSoftmax: OpDef<LogSoftmaxOp, LogSoftmaxPrepared> = {
  kind: 'LogSoftmax',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'fixed', int8: { scale: OUTPUT_SCALE, zeroPoint: OUTPUT_ZERO_POINT } } },
  prepare(g, op) {
    const { x, y } = int8InOut(g, op);
    if (scaleOf(y, 'output', op) !== OUTPUT_SCALE || zeroPointOf(y) !== OUTPUT_ZERO_POINT) {
      unsupported(op, `int8 LOG_SOFTMAX output must have scale 16/256 and zero point 127 (TFLM's requirement), got ${y.quant?.scale[0]} and ${zeroPointOf(y)}`);
    }
    if (x.shape.length === 0) unsupported(op, 'a scalar input has no axis to normalise');
    const inScale = scaleOf(x, 'input', op);
    const real = Math.min(1.0 * inScale * 2 ** (31 - kInputIntegerBits), 2147483647);
    if (!(real > 1)) unsupported(op, `input scale ${inScale} is too small for TFLM's int8 LOG_SOFTMAX (input_scale · 2^26 must exceed 1)`);
    const m = quantizeMultiplier(real);
    const reverse = 2 ** (31 - m.shift) / m.multiplier;
    if (!(reverse < 1)) unsupported(op, `input scale ${inScale} gives a reverse scaling divisor of ${reverse}, which TFLM requires below 1`);
    const r = quantizeMultiplier(reverse);
    // CalculateInputRadius(5, left_shift): floor((2^5 − 1) · 2^26 / 2^left_shift).
    const radius = Math.floor(((2 ** kInputIntegerBits - 1) * 2 ** (31 - kInputIntegerBits)) / 2 ** m.shift);
    const depth = x.shape[x.shape.length - 1]!;
    return {
      inputMultiplier: m.multiplier,
      inputLeftShift: m.shift,
      reverseScalingDivisor: r.multiplier,
      reverseScalingLeftShift: r.shift,
      diffMin: -radius,
      outer: depth === 0 ? 0 : elementCount(x.shape) / depth,
      depth,
    };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let row = 0; row < p.outer; row++) {
        const base = row * p.depth;
        let maxInRow = INT8_MIN;
        for (let c = 0; c < p.depth; c++) if (inp[base + c]! > maxInRow) maxInRow = inp[base + c]!;
        let sumOfExpsQ12 = 0;
        for (let c = 0; c < p.depth; c++) {
          const diff = inp[base + c]! - maxInRow;
          if (diff >= p.diffMin) {
            const diffQ5 = mbqm(diff, p.inputMultiplier, p.inputLeftShift);
            sumOfExpsQ12 = (sumOfExpsQ12 + saturatingRoundingMultiplyByPOT(expOnNegativeValues(diffQ5, kInputIntegerBits), -kAccumulationIntegerBits)) | 0;
          }
        }
        const logSumQ5 = logXForXGreaterThanOrEqualTo1(sumOfExpsQ12, kInputIntegerBits, kAccumulationIntegerBits);
        const shiftedLogSum = (logSumQ5 - 2147483648) | 0;
        const adjustedDiffMin = Math.max(p.diffMin - 1, mbqm(shiftedLogSum, p.reverseScalingDivisor, p.reverseScalingLeftShift));
        for (let c = 0; c < p.depth; c++) {
          const diff = inp[base + c]! - maxInRow;
          if (diff > adjustedDiffMin) {
            const diffQ5 = mbqm(diff, p.inputMultiplier, p.inputLeftShift);
            const v = rdbpot((diffQ5 - logSumQ5) | 0, 31 - kInputIntegerBits - kOutputIntegerBits) + INT8_MAX;
            out[base + c] = v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : v;
          } else {
            out[base + c] = INT8_MIN;
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    const x = input(g, op, 0);
    const depth = x.shape[x.shape.length - 1] ?? 1;
    const outer = depth === 0 ? 0 : elementCount(x.shape) / depth;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      for (let row = 0; row < outer; row++) {
        const base = row * depth;
        let max = -3.4028234663852886e38;
        for (let c = 0; c < depth; c++) max = Math.max(max, inp[base + c]!);
        let sum = 0;
        for (let c = 0; c < depth; c++) sum = f32(sum + f32(Math.exp(f32(inp[base + c]! - max))));
        const logSum = f32(Math.log(sum));
        for (let c = 0; c < depth; c++) out[base + c] = f32(f32(inp[base + c]! - max) - logSum);
      }
    };
  },
  emitC(ctx, op, p) {
    ctx.call(
      `tinyml_log_softmax_s8(${cInt32(p.inputMultiplier)}, ${p.inputLeftShift}, ${cInt32(p.reverseScalingDivisor)}, ${p.reverseScalingLeftShift}, ${p.diffMin}, ${p.outer}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`,
    );
    return ['log_softmax_s8', 'fixed_point'];
  },
  tflite: {
    builtin: 'LOG_SOFTMAX',
    options: 'LogSoftmaxOptions',
    read: (r) => ({ ...r.base, kind: 'LogSoftmax' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }), options: {} }),
  },
  tf: (tf, _g, op, get) => tf.logSoftmax(get(op.inputs[0]!)),
};
