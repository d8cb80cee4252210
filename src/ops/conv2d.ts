/**
 * CONV_2D: NHWC input, OHWI filter, optional bias, grouped when the filter has fewer input
 * channels than the input (groups = inC / filterC). int8: TFLM conv.cc with
 * reference_integer_ops::ConvPerChannel; float: reference_ops::Conv.
 * 16x8 (int16 activations, int8 filter): TFLM conv.cc's kTfLiteInt16 case, the int16
 * reference_integer_ops::ConvPerChannel<AccumScalar>: no input or output offset (TFLite's
 * 16x8 scheme has zero points 0); with an int64 bias the accumulator is int64 and requantizes
 * through the int64 MultiplyByQuantizedMultiplier (Q15-reduced multiplier, one rounding); with
 * an int32 bias or none, AccumScalar is int32 and the usual int32 MultiplyByQuantizedMultiplier.
 */
import type { Conv2DOp, Graph, Op } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { mbqm, mbqm64 } from '../numerics/requantize.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  cInt32Array,
  input,
  inShape,
  need4d,
  optionalInput,
  output,
  perChannelMultipliers,
  requireDtype,
  requireZeroPoints16,
  shape4,
  shapeFail,
  shapeLit,
  shapeStr,
  spatialOut,
  unsupported,
  versionByDtype,
  weightBiasParams,
  windowPadding,
  zeroPointOf,
} from './common.js';
import { inPlaceAllowed, opScratchBytes } from './kernel-scratch.js';
import type { EmitContext, OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, paddingCode } from './tflite-codes.js';
import type * as TF from '@tensorflow/tfjs';

export interface ConvGeometry {
  batches: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  filterInC: number;
  outH: number;
  outW: number;
  outC: number;
  padH: number;
  padW: number;
}

export interface ConvPrepared extends ConvGeometry {
  /** Activation dtype: int8, or int16 (16x8). */
  dtype: 'int8' | 'int16';
  /** 16x8: accumulator width (int64 with an int64 bias, else int32, as TFLM's template picks it). */
  accum: 'int32' | 'int64';
  multipliers: Int32Array;
  shifts: Int32Array;
  inputOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

function geometry(g: Graph, op: Conv2DOp): ConvGeometry {
  const [batches, inH, inW, inC] = shape4(input(g, op, 0), op);
  const [outC, kH, kW, filterInC] = input(g, op, 1).shape as [number, number, number, number];
  const [, outH, outW] = shape4(output(g, op), op);
  if (inC % filterInC !== 0 || outC % (inC / filterInC) !== 0) unsupported(op, `input depth ${inC} and filter depth ${filterInC} do not make whole groups of ${outC} filters`);
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  return { batches, inH, inW, inC, kH, kW, filterInC, outH, outW, outC, padH, padW };
}

/** The parameter, shape and multiplier declarations shared by the 16x8 conv kernels. */
export function emitConvParams16(ctx: EmitContext, op: Op, p: Omit<ConvGeometry, 'filterInC'> & { filterInC?: number; multipliers: Int32Array; shifts: Int32Array; actMin: number; actMax: number }, s: [number, number, number, number, number]): void {
  const L = ctx.prefix;
  const filterShape = op.kind === 'DepthwiseConv2D' ? [1, p.kH, p.kW, p.outC] : [p.outC, p.kH, p.kW, p.filterInC ?? p.inC];
  ctx.decl(
    `static const tinyml_conv_params_t ${L}_p = { ${s[0]}, ${s[1]}, ${s[2]}, ${s[3]}, ${p.padH}, ${p.padW}, ${s[4]}, 0, 0, ${p.actMin}, ${p.actMax} };`,
    `static const tinyml_shape4_t ${L}_in = ${shapeLit([p.batches, p.inH, p.inW, p.inC])}, ${L}_w = ${shapeLit(filterShape)}, ${L}_out = ${shapeLit([p.batches, p.outH, p.outW, p.outC])};`,
    cInt32Array(`${L}_mult`, p.multipliers),
    cInt32Array(`${L}_shift`, p.shifts),
  );
}

export const conv2d: OpDef<Conv2DOp, ConvPrepared> = {
  kind: 'Conv2D',
  arity: { inputs: [2, 3], optional: [2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const w = inShape(g, op, 1);
    need4d(op, x, 'input');
    need4d(op, w, 'filter (OHWI)');
    if (w[3]! < 1 || x[3]! % w[3]! !== 0 || w[0]! % (x[3]! / w[3]!) !== 0) {
      shapeFail(op, `input channels ${x[3]} differ from filter input channels ${w[3]} and are not a whole number of groups of them for ${w[0]} filters`);
    }
    const [oh, ow] = spatialOut(op, x[1]!, x[2]!, w[1]!, w[2]!, op.strideH, op.strideW, op.dilationH, op.dilationW, op.padding);
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(inShape(g, op, 2)) !== w[0]) shapeFail(op, `bias ${shapeStr(inShape(g, op, 2))} does not match ${w[0]} output channels`);
    return [[x[0]!, oh, ow, w[0]!]];
  },
  params: weightBiasParams,
  macs(g, op) {
    const w = g.tensors[op.inputs[1]!]!.shape; // [OC, KH, KW, IC]
    return elementCount(g.tensors[op.outputs[0]!]!.shape) * w[1]! * w[2]! * w[3]!;
  },
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation, weights: [{ input: 1, axis: 0 }], bias: { input: 2, weights: 1 } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const w = input(g, op, 1);
    const b = optionalInput(g, op, 2);
    const y = output(g, op);
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(w, ['int8'], op, 'filter');
    requireDtype(y, [x.dtype], op, 'output');
    const is16 = x.dtype === 'int16';
    if (b) requireDtype(b, is16 ? ['int64', 'int32'] : ['int32'], op, 'bias');
    if (is16) requireZeroPoints16(op, x, y);
    if (!w.data) unsupported(op, `filter '${w.name}' is not a constant`);
    if (b && !b.data) unsupported(op, `bias '${b.name}' is not a constant`);
    const geo = geometry(g, op);
    const { multipliers, shifts } = perChannelMultipliers(x, w, y, geo.outC, op);
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    const accum = is16 && b?.dtype === 'int64' ? 'int64' : 'int32';
    return { ...geo, dtype: is16 ? 'int16' : 'int8', accum, multipliers, shifts, inputOffset: -zeroPointOf(x), outputOffset: zeroPointOf(y), actMin, actMax };
  },
  evalQuantized(g, op, p) {
    const fdata = input(g, op, 1).data as Int8Array;
    const bdata = optionalInput(g, op, 2)?.data as Int32Array | Float64Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { strideH, strideW, dilationH, dilationW } = op;
    const { batches, inH, inW, inC, kH, kW, filterInC, outH, outW, outC, padH, padW, multipliers, shifts, actMin, actMax } = p;
    // 16x8 has no offsets; the int8 kernel applies both zero points.
    const inputOffset = p.dtype === 'int16' ? 0 : p.inputOffset;
    const outputOffset = p.dtype === 'int16' ? 0 : p.outputOffset;
    // int64 accumulation: the sum is exact in a double (|acc| < 2^47 in valid models).
    const requant = p.accum === 'int64' ? (acc: number, oc: number) => mbqm64(acc, multipliers[oc]!, shifts[oc]!) : (acc: number, oc: number) => mbqm(acc | 0, multipliers[oc]!, shifts[oc]!);
    const filtersPerGroup = outC / (inC / filterInC);
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      let o = 0;
      for (let b = 0; b < batches; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const inYOrigin = oy * strideH - padH;
          for (let ox = 0; ox < outW; ox++) {
            const inXOrigin = ox * strideW - padW;
            for (let oc = 0; oc < outC; oc++) {
              const icBase = ((oc / filtersPerGroup) | 0) * filterInC;
              let acc = 0;
              for (let fy = 0; fy < kH; fy++) {
                const iy = inYOrigin + dilationH * fy;
                if (iy < 0 || iy >= inH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ix = inXOrigin + dilationW * fx;
                  if (ix < 0 || ix >= inW) continue;
                  const ib = ((b * inH + iy) * inW + ix) * inC + icBase;
                  const fb = ((oc * kH + fy) * kW + fx) * filterInC;
                  for (let ic = 0; ic < filterInC; ic++) acc += fdata[fb + ic]! * (inp[ib + ic]! + inputOffset);
                }
              }
              if (bdata) acc += bdata[oc]!;
              let v = requant(acc, oc) + outputOffset;
              v = v < actMin ? actMin : v > actMax ? actMax : v;
              out[o++] = v;
            }
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    const fr = Math.fround;
    const { batches, inH, inW, inC, kH, kW, filterInC, outH, outW, outC, padH, padW } = geometry(g, op);
    const filtersPerGroup = outC / (inC / filterInC);
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    const fdata = input(g, op, 1).data as Float32Array;
    const bias = optionalInput(g, op, 2)?.data as Float32Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { strideH, strideW, dilationH, dilationW } = op;
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      let o = 0;
      for (let b = 0; b < batches; b++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            for (let oc = 0; oc < outC; oc++) {
              const icBase = ((oc / filtersPerGroup) | 0) * filterInC;
              let total = 0;
              for (let fy = 0; fy < kH; fy++) {
                const iy = oy * strideH - padH + dilationH * fy;
                if (iy < 0 || iy >= inH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ix = ox * strideW - padW + dilationW * fx;
                  if (ix < 0 || ix >= inW) continue;
                  const ib = ((b * inH + iy) * inW + ix) * inC + icBase;
                  const fb = ((oc * kH + fy) * kW + fx) * filterInC;
                  for (let ic = 0; ic < filterInC; ic++) total = fr(total + fr(inp[ib + ic]! * fdata[fb + ic]!));
                }
              }
              const v = fr(total + (bias ? bias[oc]! : 0));
              out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
            }
          }
        }
      }
    };
  },
  scratchBytes: (g, op, _p, kernelSet, inPlace) => opScratchBytes(kernelSet, g, op, { inPlace }),
  inPlace: (g, op, kernelSet) => inPlaceAllowed(kernelSet, g, op),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const w = op.inputs[1]!;
    const b = op.inputs[2] ?? -1;
    if (p.dtype === 'int16') {
      emitConvParams16(ctx, op, p, [op.strideH, op.strideW, op.dilationH, op.dilationW, 1]);
      const bias64 = b >= 0 && p.accum === 'int64' ? ctx.weight(b) : 'NULL';
      const bias32 = b >= 0 && p.accum === 'int32' ? ctx.weight(b) : 'NULL';
      ctx.call(
        `tinyml_conv2d_s16(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ctx.ptr(op.inputs[0]!)}, &${L}_w, ${ctx.weight(w)}, ${bias64}, ${bias32}, &${L}_out, ${ctx.ptr(op.outputs[0]!)});`,
      );
      return ['conv2d_s16'];
    }
    ctx.decl(
      `static const tinyml_conv_params_t ${L}_p = { ${op.strideH}, ${op.strideW}, ${op.dilationH}, ${op.dilationW}, ${p.padH}, ${p.padW}, 1, ${p.inputOffset}, ${p.outputOffset}, ${p.actMin}, ${p.actMax} };`,
      `static const tinyml_shape4_t ${L}_in = ${shapeLit([p.batches, p.inH, p.inW, p.inC])}, ${L}_w = ${shapeLit([p.outC, p.kH, p.kW, p.filterInC])}, ${L}_out = ${shapeLit([p.batches, p.outH, p.outW, p.outC])};`,
      cInt32Array(`${L}_mult`, p.multipliers),
      cInt32Array(`${L}_shift`, p.shifts),
    );
    ctx.call(
      `if (tinyml_conv2d_s8(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ctx.ptr(op.inputs[0]!)}, &${L}_w, ${ctx.weight(w)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, &${L}_out, ${ctx.ptr(op.outputs[0]!)}, ${ctx.scratch()}, ${ctx.scratchBytes}) != TINYML_OK) return -3;`,
    );
    return ['conv2d_s8'];
  },
  tflite: {
    builtin: 'CONV_2D',
    options: 'Conv2DOptions',
    read: (r) => ({
      ...r.base,
      kind: 'Conv2D',
      padding: r.padding(),
      strideH: r.optNumber('stride_h', 1),
      strideW: r.optNumber('stride_w', 1),
      dilationH: r.optNumber('dilation_h_factor', 1),
      dilationW: r.optNumber('dilation_w_factor', 1),
      activation: r.activation(),
    }),
    write: (op, w) => ({
      version: versionByDtype(w.g, op, { float: 1, int8: 3, int16: 4 }),
      options: { padding: paddingCode(op.padding), stride_w: op.strideW, stride_h: op.strideH, fused_activation_function: activationCode(op.activation), dilation_w_factor: op.dilationW, dilation_h_factor: op.dilationH },
    }),
  },
  tf(tf, _g, op, get) {
    // IR filters are [out, kh, kw, in]; tfjs wants [kh, kw, in, out].
    const x = get(op.inputs[0]!) as TF.Tensor4D;
    const w = tf.transpose(get(op.inputs[1]!), [1, 2, 3, 0]) as TF.Tensor4D;
    const strided = (op.strideH > 1 || op.strideW > 1) && (op.dilationH > 1 || op.dilationW > 1);
    const conv = (xi: TF.Tensor4D, wi: TF.Tensor4D): TF.Tensor4D => {
      if (!strided) return tf.conv2d(xi, wi, [op.strideH, op.strideW], op.padding, 'NHWC', [op.dilationH, op.dilationW]);
      // tfjs refuses strides and dilations together: TFLite's padding, a stride-1 dilated
      // convolution, then every stride-th row and column.
      const [, h, wd] = xi.shape;
      const pads = [h, wd].map((n, a) => {
        const [k, s, d] = a === 0 ? [wi.shape[0], op.strideH, op.dilationH] : [wi.shape[1], op.strideW, op.dilationW];
        const ek = (k - 1) * d + 1;
        const out = op.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - ek) / s) + 1;
        const total = op.padding === 'same' ? Math.max(0, (out - 1) * s + ek - n) : 0;
        return { before: Math.floor(total / 2), after: total - Math.floor(total / 2), out, s };
      });
      const padded = tf.pad(xi, [[0, 0], [pads[0]!.before, pads[0]!.after], [pads[1]!.before, pads[1]!.after], [0, 0]]);
      const full = tf.conv2d(padded, wi, 1, 'valid', 'NHWC', [op.dilationH, op.dilationW]);
      return tf.stridedSlice(full, [0, 0, 0, 0], [full.shape[0], pads[0]!.out * pads[0]!.s, pads[1]!.out * pads[1]!.s, full.shape[3]], [1, pads[0]!.s, pads[1]!.s, 1]) as TF.Tensor4D;
    };
    const groups = x.shape[3] / w.shape[2];
    // Grouped convolution (tfjs has none): one convolution per group of channels.
    let y: TF.Tensor =
      groups === 1
        ? conv(x, w)
        : tf.concat(
            tf.split(x, groups, 3).map((xi, k) => conv(xi as TF.Tensor4D, tf.split(w, groups, 3)[k] as TF.Tensor4D)),
            3,
          );
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
    return tfActivation(tf, y, op.activation);
  },
};
