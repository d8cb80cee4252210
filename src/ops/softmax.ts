/**
 * SOFTMAX over the last dimension. int8: reference_ops::Softmax<int8_t, int8_t> with TFLM
 * softmax_common.cc CalculateSoftmaxParams: PreprocessSoftmaxScaling(beta, input_scale,
 * kScaledDiffIntegerBits = 5) gives the input beta multiplier and left shift; diff_min =
 * -CalculateInputRadius(5, left_shift); exp over gemmlowp fixed point, sum in Q12.19,
 * reciprocal by GetReciprocal. TFLM requires an output zero point of -128 and a scale within
 * 0.1 % of 1/256 (TF_LITE_ENSURE_NEAR), and computes as if it were exactly 1/256.
 * int8 → int16 (keyword models end with it): the same template, reference_ops::Softmax<int8_t,
 * int16_t>: output zero point -32768, scale within 0.1 % of 1/65536, the last rounding by
 * num_bits_over_unit + 31 - 16 bits (softmax_s8_s16.c).
 * int16 (16x8): reference_ops::SoftmaxInt16 with TFLM softmax_common.cc's int16 parameters —
 * the input difference rescaled by QuantizeMultiplier(input_scale · beta / (10 / 65535)) so
 * [-65535, 0] covers [-10, 0], exp and 1/(1 + x) read from two 513-entry interpolated tables
 * (LUTPopulate<int16_t> over [-10, 0] and [0, 1], src/numerics/lut16.ts), output zero point 0
 * and scale within 0.1 % of 1/32768. The tables are computed here and emitted as constants,
 * so the C kernel and this one read the same entries.
 * float: reference_ops::Softmax, exp((x - max) · beta) normalised by the float sum.
 */
import type { SoftmaxOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { expOnNegativeValues, getReciprocal, saturatingRoundingMultiplyByPOT } from '../numerics/gemmlowp.js';
import { lutLookup16, lutPopulateInt16 } from '../numerics/lut16.js';
import { mbqm, rdbpot, srdhmFast } from '../numerics/requantize.js';
import { arrayBody, cInt32, input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, output, requireDtype, scaleOf, unsupported, zeroPointOf } from './common.js';
import type { Kernel, OpDef } from './op-def.js';

const kScaledDiffIntegerBits = 5;
const kAccumulationIntegerBits = 12;

export interface SoftmaxPrepared {
  /** The input's type: int8 (reference_ops::Softmax) or int16 (SoftmaxInt16). */
  dtype: 'int8' | 'int16';
  /** int8 input: 8 (int8 output) or 16 (int16 output). */
  outBits?: 8 | 16;
  inputMultiplier: number;
  leftShift: number;
  diffMin: number;
  rows: number;
  depth: number;
  /** int16: exp over [-10, 0] and 1/(1 + x) over [0, 1], 513 entries each. */
  expLut?: Int16Array;
  oneOverOnePlusXLut?: Int16Array;
}

/** The two tables of TFLM's int16 softmax (softmax_common.cc, LUTPopulate<int16_t>, float transforms). */
export function softmaxInt16Luts(): { expLut: Int16Array; oneOverOnePlusXLut: Int16Array } {
  const range = 65535; // int16 max - int16 min
  return {
    expLut: lutPopulateInt16(f32(10 / range), 32767, f32(2 / range), 0, (v) => f32(Math.exp(v))),
    oneOverOnePlusXLut: lutPopulateInt16(f32(1 / range), -32768, f32(2 / range), 0, (v) => f32(1 / f32(1 + v))),
  };
}

/** reference_ops::SoftmaxInt16 on rows of `depth` int16 values. */
function softmaxInt16Kernel(p: SoftmaxPrepared, iIdx: number, oIdx: number): Kernel {
  const { inputMultiplier, leftShift, rows, depth } = p;
  const expLut = p.expLut!;
  const recipLut = p.oneOverOnePlusXLut!;
  return (bufs) => {
    const inp = bufs[iIdx] as Int16Array;
    const out = bufs[oIdx] as Int16Array;
    for (let i = 0; i < rows; i++) {
      const base = i * depth;
      let maxInRow = -32768;
      for (let c = 0; c < depth; c++) if (inp[base + c]! > maxInRow) maxInRow = inp[base + c]!;
      // exp(x - max) in Q0.15, cached in the output as TFLM does; their sum in int32.
      let sumOfExps = 0;
      for (let c = 0; c < depth; c++) {
        const scaled = mbqm(inp[base + c]! - maxInRow, inputMultiplier, leftShift);
        const sym = scaled + 32767;
        const e = lutLookup16(sym < -32768 ? -32768 : sym > 32767 ? 32767 : sym, expLut);
        out[base + c] = e;
        sumOfExps = (sumOfExps + e) | 0;
      }
      // 1 / sum: normalise the sum to [1, 2), look up 1/(1 + x) with x recentred on [-32768, 32767].
      const headroomPlusOne = Math.clz32(sumOfExps >>> 0);
      const shiftedSum = Math.floor((sumOfExps * 2 ** (headroomPlusOne - 1) + (1 << 13)) / (1 << 14));
      const symShiftedSum = shiftedSum - ((1 << 15) + (1 << 16));
      const reciprocal = lutLookup16(symShiftedSum < -32768 ? -32768 : symShiftedSum > 32767 ? 32767 : symShiftedSum, recipLut);
      const rightShift = 31 - headroomPlusOne;
      const round = 2 ** (rightShift - 1);
      const div = 2 ** rightShift;
      for (let c = 0; c < depth; c++) {
        const r = Math.floor((out[base + c]! * reciprocal + round) / div);
        out[base + c] = r < 0 ? 0 : r > 32767 ? 32767 : r;
      }
    }
  };
}

/** TFLite's SOFTMAX version (op_version.cc): by the input's type only. */
const softmaxVersion = (inputDtype: string) => (inputDtype === 'int16' ? 3 : inputDtype === 'int8' ? 2 : 1);

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
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(y, x.dtype === 'int8' ? ['int8', 'int16'] : ['int16'], op, 'output');
    const depth16 = x.shape[x.shape.length - 1]!;
    if (x.dtype === 'int16') {
      const outScale16 = scaleOf(y, 'output', op);
      // TF_LITE_ENSURE_NEAR(scale, 1.f / 32768, 0.001f * 1.f / 32768), in float.
      if (zeroPointOf(y) !== 0 || Math.abs(f32(outScale16 - f32(1 / 32768))) > f32(f32(0.001) * f32(1 / 32768))) {
        unsupported(op, `int16 softmax output must have zero point 0 and scale 1/32768 (TFLite's requirement), got ${zeroPointOf(y)} and ${y.quant?.scale[0]}`);
      }
      // QuantizeMultiplier(double(input_scale) * double(beta) / (10.0 / 65535.0)).
      const q = quantizeMultiplier((scaleOf(x, 'input', op) * f32(op.beta)) / (10.0 / 65535.0));
      return { dtype: 'int16', inputMultiplier: q.multiplier, leftShift: q.shift, diffMin: 0, rows: elementCount(x.shape) / depth16, depth: depth16, ...softmaxInt16Luts() };
    }
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
    return { dtype: 'int8', outBits, inputMultiplier: q.multiplier, leftShift: q.shift, diffMin, rows: elementCount(x.shape) / depth, depth };
  },
  evalQuantized(_g, op, p) {
    if (p.dtype === 'int16') return softmaxInt16Kernel(p, op.inputs[0]!, op.outputs[0]!);
    const { inputMultiplier, leftShift, diffMin, rows, depth } = p;
    const outBits = p.outBits ?? 8;
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
    if (p.dtype === 'int16') {
      const L = ctx.prefix;
      ctx.decl(
        `static const int16_t ${L}_exp_lut[513] = {\n${arrayBody(p.expLut!, 12)}\n};`,
        `static const int16_t ${L}_recip_lut[513] = {\n${arrayBody(p.oneOverOnePlusXLut!, 12)}\n};`,
      );
      ctx.call(
        `tinyml_softmax_s16(${cInt32(p.inputMultiplier)}, ${p.leftShift}, ${L}_exp_lut, ${L}_recip_lut, ${p.rows}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`,
      );
      return ['softmax_s16'];
    }
    if (p.outBits === 16) {
      ctx.call(`tinyml_softmax_s8_s16(${cInt32(p.inputMultiplier)}, ${p.leftShift}, ${p.diffMin}, ${p.rows}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return ['softmax_s8_s16', 'fixed_point'];
    }
    ctx.call(`tinyml_softmax_s8(${cInt32(p.inputMultiplier)}, ${p.leftShift}, ${p.diffMin}, ${p.rows}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
    return ['softmax_s8', 'fixed_point'];
  },
  tflite: {
    builtin: 'SOFTMAX',
    options: 'SoftmaxOptions',
    read: (r) => ({ ...r.base, kind: 'Softmax', beta: r.optNumber('beta', 1) }),
    // op_version.cc reads the input's type: int8 → int16 (keyword_scrambled_8bit) is version 2.
    write: (op, w) => ({ version: softmaxVersion(w.g.tensors[op.inputs[0]!]!.dtype), options: { beta: op.beta } }),
  },
  tf: (tf, _g, op, get) => tf.softmax(tf.mul(get(op.inputs[0]!), op.beta)),
};
