/**
 * SOFTMAX over the last dimension. int8: reference_ops::Softmax<int8_t, int8_t> with TFLM
 * softmax_common.cc CalculateSoftmaxParams: PreprocessSoftmaxScaling(beta, input_scale,
 * kScaledDiffIntegerBits = 5) gives the input beta multiplier and left shift; diff_min =
 * -CalculateInputRadius(5, left_shift); exp over gemmlowp fixed point, sum in Q12.19,
 * reciprocal by GetReciprocal. TFLM requires an output zero point of -128 and a scale within
 * 0.1 % of 1/256 (TF_LITE_ENSURE_NEAR), and computes as if it were exactly 1/256.
 * int8 → int16 (keyword models end with it): the same template, reference_ops::Softmax<int8_t,
 * int16_t>: output zero point -32768, scale within 0.1 % of 1/65536, the last rounding by
 * num_bits_over_unit + 31 - 16 bits; kept apart from int16 → int16 (a different algorithm).
 * float: reference_ops::Softmax, exp((x - max) · beta) normalised by the float sum.
 */
import type { SoftmaxOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { expOnNegativeValues, getReciprocal, saturatingRoundingMultiplyByPOT } from '../numerics/gemmlowp.js';
import { rdbpot, srdhmFast } from '../numerics/requantize.js';
import { cInt32, input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, output, requireDtype, scaleOf, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';

const kScaledDiffIntegerBits = 5;
const kAccumulationIntegerBits = 12;

export interface SoftmaxPrepared {
  inputMultiplier: number;
  leftShift: number;
  diffMin: number;
  rows: number;
  depth: number;
  /** 8 (int8 output) or 16 (int16 output, from an int8 input). */
  outBits: 8 | 16;
}

export const softmax: OpDef<SoftmaxOp, SoftmaxPrepared> = {
  kind: 'Softmax',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'fixed', int8: { scale: 1 / 256, zeroPoint: -128 }, int16: { scale: 1 / 32768, zeroPoint: 0 } } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = output(g, op);
    requireDtype(x, ['int8'], op, 'input');
    requireDtype(y, ['int8', 'int16'], op, 'output');
    const outScale = scaleOf(y, 'output', op);
    const outBits = y.dtype === 'int16' ? 16 : 8;
    if (outBits === 16) {
      if (zeroPointOf(y) !== -32768 || Math.abs(outScale - 1 / 65536) > 0.001 * (1 / 65536)) {
        unsupported(op, `int16 output of an int8 softmax must have zero point -32768 and scale 1/65536 (TFLM's requirement), got ${zeroPointOf(y)} and ${y.quant?.scale[0]}`);
      }
    } else if (zeroPointOf(y) !== -128 || Math.abs(outScale - 1 / 256) > 0.001 * (1 / 256)) {
      unsupported(op, `int8 softmax output must have zero point -128 and scale 1/256 (TFLite's requirement), got ${zeroPointOf(y)} and ${y.quant?.scale[0]}`);
    }
    const inScale = scaleOf(x, 'input', op);
    const beta = f32(op.beta);
    const real = Math.min(beta * inScale * (1 << (31 - kScaledDiffIntegerBits)), 2147483647);
    const q = quantizeMultiplier(real);
    if (!(real > 1) || q.shift < 0) unsupported(op, `beta × input scale (${beta} × ${inScale}) is too small for TFLite's int8 softmax`);
    // CalculateInputRadius(5, left_shift): floor((2^5 - 1) · 2^26 / 2^left_shift).
    const diffMin = -Math.floor((((1 << kScaledDiffIntegerBits) - 1) * Math.pow(2, 31 - kScaledDiffIntegerBits)) / Math.pow(2, q.shift));
    const depth = x.shape[x.shape.length - 1]!;
    return { inputMultiplier: q.multiplier, leftShift: q.shift, diffMin, rows: elementCount(x.shape) / depth, depth, outBits };
  },
  evalQuantized(_g, op, p) {
    const { inputMultiplier, leftShift, diffMin, rows, depth, outBits } = p;
    const scale = 1 << leftShift;
    const [outMin, outMax] = outBits === 16 ? [-32768, 32767] : [INT8_MIN, INT8_MAX];
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      for (let i = 0; i < rows; i++) {
        const base = i * depth;
        let maxInRow = INT8_MIN;
        for (let c = 0; c < depth; c++) if (inp[base + c]! > maxInRow) maxInRow = inp[base + c]!;
        let sumOfExps = 0; // Q12.19
        for (let c = 0; c < depth; c++) {
          const diff = inp[base + c]! - maxInRow;
          if (diff >= diffMin) {
            // MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(x · 2^left_shift, multiplier).
            const e = expOnNegativeValues(srdhmFast(Math.imul(diff, scale), inputMultiplier), kScaledDiffIntegerBits);
            sumOfExps = (sumOfExps + saturatingRoundingMultiplyByPOT(e, -kAccumulationIntegerBits)) | 0;
          }
        }
        const { raw: shiftedScale, numBitsOverUnit } = getReciprocal(sumOfExps, kAccumulationIntegerBits);
        for (let c = 0; c < depth; c++) {
          const diff = inp[base + c]! - maxInRow;
          if (diff >= diffMin) {
            const e = expOnNegativeValues(srdhmFast(Math.imul(diff, scale), inputMultiplier), kScaledDiffIntegerBits);
            const v = rdbpot(srdhmFast(shiftedScale, e), numBitsOverUnit + 31 - outBits) + outMin;
            out[base + c] = v > outMax ? outMax : v < outMin ? outMin : v;
          } else {
            out[base + c] = outMin;
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    const fr = Math.fround;
    const x = input(g, op, 0);
    const depth = x.shape[x.shape.length - 1]!;
    const rows = elementCount(x.shape) / depth;
    const beta = f32(op.beta);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      for (let i = 0; i < rows; i++) {
        const base = i * depth;
        let max = -3.4028234663852886e38;
        for (let c = 0; c < depth; c++) if (inp[base + c]! > max) max = inp[base + c]!;
        let sum = 0;
        for (let c = 0; c < depth; c++) {
          const e = fr(Math.exp(fr(fr(inp[base + c]! - max) * beta)));
          out[base + c] = e;
          sum = fr(sum + e);
        }
        for (let c = 0; c < depth; c++) out[base + c] = out[base + c]! / sum;
      }
    };
  },
  emitC(ctx, op, p) {
    if (p.outBits === 16) {
      ctx.call(`tinyml_softmax_s8_s16(${cInt32(p.inputMultiplier)}, ${p.leftShift}, ${p.diffMin}, ${p.rows}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return ['softmax_s8_s16'];
    }
    ctx.call(`tinyml_softmax_s8(${cInt32(p.inputMultiplier)}, ${p.leftShift}, ${p.diffMin}, ${p.rows}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
    return ['softmax_s8'];
  },
  tflite: {
    builtin: 'SOFTMAX',
    options: 'SoftmaxOptions',
    read: (r) => ({ ...r.base, kind: 'Softmax', beta: r.optNumber('beta', 1) }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: { beta: op.beta } }),
  },
  tf: (tf, _g, op, get) => tf.softmax(tf.mul(get(op.inputs[0]!), op.beta)),
};
