/**
 * DEPTHWISE_CONV_2D: NHWC input, filter [1, kh, kw, C·M], optional bias. int8: TFLM
 * depthwise_conv.cc with reference_integer_ops::DepthwiseConvPerChannel; float:
 * reference_ops::DepthwiseConv. 16x8: TFLM's kTfLiteInt16 case, the int16
 * reference_integer_ops::DepthwiseConvPerChannel — int64 accumulator and bias, no offsets,
 * the int64 MultiplyByQuantizedMultiplier (TFLM reads the bias as int64 only).
 */
import type * as TF from '@tensorflow/tfjs';
import type { DepthwiseConv2DOp, Graph } from '../ir/graph.js';
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
import { emitConvParams16, type ConvGeometry } from './conv2d.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, paddingCode } from './tflite-codes.js';

export interface DepthwiseGeometry extends Omit<ConvGeometry, 'filterInC'> {
  depthMultiplier: number;
}

export interface DepthwisePrepared extends DepthwiseGeometry {
  dtype: 'int8' | 'int16';
  multipliers: Int32Array;
  shifts: Int32Array;
  inputOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

function geometry(g: Graph, op: DepthwiseConv2DOp): DepthwiseGeometry {
  const [batches, inH, inW, inC] = shape4(input(g, op, 0), op);
  const [, kH, kW, filterC] = input(g, op, 1).shape as [number, number, number, number];
  const [, outH, outW, outC] = shape4(output(g, op), op);
  const depthMultiplier = op.depthMultiplier;
  if (outC !== inC * depthMultiplier || filterC !== outC) {
    unsupported(op, `${inC} input channels × multiplier ${depthMultiplier} ≠ ${outC} output channels (filter ${filterC})`);
  }
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  return { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW, depthMultiplier };
}

export const depthwiseConv2d: OpDef<DepthwiseConv2DOp, DepthwisePrepared> = {
  kind: 'DepthwiseConv2D',
  arity: { inputs: [2, 3], optional: [2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const w = inShape(g, op, 1);
    need4d(op, x, 'input');
    need4d(op, w, 'filter [1,kh,kw,C*M]');
    if (!Number.isInteger(op.depthMultiplier) || op.depthMultiplier < 1) shapeFail(op, `depth multiplier must be >= 1, got ${op.depthMultiplier}`);
    if (w[0] !== 1 || w[3] !== x[3]! * op.depthMultiplier) shapeFail(op, `filter ${shapeStr(w)} does not match ${x[3]} input channels x multiplier ${op.depthMultiplier}`);
    const [oh, ow] = spatialOut(op, x[1]!, x[2]!, w[1]!, w[2]!, op.strideH, op.strideW, op.dilationH, op.dilationW, op.padding);
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(inShape(g, op, 2)) !== w[3]) shapeFail(op, `bias ${shapeStr(inShape(g, op, 2))} does not match ${w[3]} output channels`);
    return [[x[0]!, oh, ow, w[3]!]];
  },
  params: weightBiasParams,
  macs(g, op) {
    const w = g.tensors[op.inputs[1]!]!.shape; // [1, KH, KW, OC]
    return elementCount(g.tensors[op.outputs[0]!]!.shape) * w[1]! * w[2]!;
  },
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation, weights: [{ input: 1, axis: 3 }], bias: { input: 2, weights: 1 } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const w = input(g, op, 1);
    const b = optionalInput(g, op, 2);
    const y = output(g, op);
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(w, ['int8'], op, 'filter');
    requireDtype(y, [x.dtype], op, 'output');
    const is16 = x.dtype === 'int16';
    if (b) requireDtype(b, is16 ? ['int64'] : ['int32'], op, 'bias');
    if (is16) requireZeroPoints16(op, x, y);
    if (!w.data) unsupported(op, `filter '${w.name}' is not a constant`);
    if (b && !b.data) unsupported(op, `bias '${b.name}' is not a constant`);
    const geo = geometry(g, op);
    const { multipliers, shifts } = perChannelMultipliers(x, w, y, geo.outC, op);
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    return { ...geo, dtype: is16 ? 'int16' : 'int8', multipliers, shifts, inputOffset: -zeroPointOf(x), outputOffset: zeroPointOf(y), actMin, actMax };
  },
  evalQuantized(g, op, p) {
    const fdata = input(g, op, 1).data as Int8Array;
    const bdata = optionalInput(g, op, 2)?.data as Int32Array | Float64Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { strideH, strideW, dilationH, dilationW } = op;
    const { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW, depthMultiplier: mult, multipliers, shifts, actMin, actMax } = p;
    const is16 = p.dtype === 'int16';
    const inputOffset = is16 ? 0 : p.inputOffset;
    const outputOffset = is16 ? 0 : p.outputOffset;
    // 16x8: the int64 sum is exact in a double; int8: TFLM's int32 accumulator.
    const requant = is16 ? (acc: number, oc: number) => mbqm64(acc, multipliers[oc]!, shifts[oc]!) : (acc: number, oc: number) => mbqm(acc | 0, multipliers[oc]!, shifts[oc]!);
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      for (let b = 0; b < batches; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const inYOrigin = oy * strideH - padH;
          for (let ox = 0; ox < outW; ox++) {
            const inXOrigin = ox * strideW - padW;
            const ob = ((b * outH + oy) * outW + ox) * outC;
            for (let ic = 0; ic < inC; ic++) {
              for (let m = 0; m < mult; m++) {
                const oc = m + ic * mult;
                let acc = 0;
                for (let fy = 0; fy < kH; fy++) {
                  const iy = inYOrigin + dilationH * fy;
                  if (iy < 0 || iy >= inH) continue;
                  for (let fx = 0; fx < kW; fx++) {
                    const ix = inXOrigin + dilationW * fx;
                    if (ix < 0 || ix >= inW) continue;
                    acc += fdata[(fy * kW + fx) * outC + oc]! * (inp[((b * inH + iy) * inW + ix) * inC + ic]! + inputOffset);
                  }
                }
                if (bdata) acc += bdata[oc]!;
                let v = requant(acc, oc) + outputOffset;
                v = v < actMin ? actMin : v > actMax ? actMax : v;
                out[ob + oc] = v;
              }
            }
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    const fr = Math.fround;
    const { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW, depthMultiplier: mult } = geometry(g, op);
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    const fdata = input(g, op, 1).data as Float32Array;
    const bias = optionalInput(g, op, 2)?.data as Float32Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { strideH, strideW, dilationH, dilationW } = op;
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      for (let b = 0; b < batches; b++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            const ob = ((b * outH + oy) * outW + ox) * outC;
            for (let ic = 0; ic < inC; ic++) {
              for (let m = 0; m < mult; m++) {
                const oc = m + ic * mult;
                let total = 0;
                for (let fy = 0; fy < kH; fy++) {
                  const iy = oy * strideH - padH + dilationH * fy;
                  if (iy < 0 || iy >= inH) continue;
                  for (let fx = 0; fx < kW; fx++) {
                    const ix = ox * strideW - padW + dilationW * fx;
                    if (ix < 0 || ix >= inW) continue;
                    total = fr(total + fr(inp[((b * inH + iy) * inW + ix) * inC + ic]! * fdata[(fy * kW + fx) * outC + oc]!));
                  }
                }
                const v = fr(total + (bias ? bias[oc]! : 0));
                out[ob + oc] = v < actMin ? actMin : v > actMax ? actMax : v;
              }
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
      emitConvParams16(ctx, op, p, [op.strideH, op.strideW, op.dilationH, op.dilationW, p.depthMultiplier]);
      ctx.call(
        `tinyml_depthwise_conv2d_s16(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ctx.ptr(op.inputs[0]!)}, &${L}_w, ${ctx.weight(w)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, &${L}_out, ${ctx.ptr(op.outputs[0]!)});`,
      );
      return ['depthwise_conv2d_s16'];
    }
    ctx.decl(
      `static const tinyml_conv_params_t ${L}_p = { ${op.strideH}, ${op.strideW}, ${op.dilationH}, ${op.dilationW}, ${p.padH}, ${p.padW}, ${p.depthMultiplier}, ${p.inputOffset}, ${p.outputOffset}, ${p.actMin}, ${p.actMax} };`,
      `static const tinyml_shape4_t ${L}_in = ${shapeLit([p.batches, p.inH, p.inW, p.inC])}, ${L}_w = ${shapeLit([1, p.kH, p.kW, p.outC])}, ${L}_out = ${shapeLit([p.batches, p.outH, p.outW, p.outC])};`,
      cInt32Array(`${L}_mult`, p.multipliers),
      cInt32Array(`${L}_shift`, p.shifts),
    );
    ctx.call(
      `if (tinyml_depthwise_conv2d_s8(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ctx.ptr(op.inputs[0]!)}, &${L}_w, ${ctx.weight(w)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, &${L}_out, ${ctx.ptr(op.outputs[0]!)}, ${ctx.scratch()}, ${ctx.scratchBytes}) != TINYML_OK) return -3;`,
    );
    return ['depthwise_conv2d_s8'];
  },
  tflite: {
    builtin: 'DEPTHWISE_CONV_2D',
    options: 'DepthwiseConv2DOptions',
    read(r) {
      let depthMultiplier = r.optNumber('depth_multiplier');
      const x = r.tensors[r.base.inputs[0] ?? -1];
      const w = r.tensors[r.base.inputs[1] ?? -1];
      // Some converters leave depth_multiplier 0; TFLite derives it from the shapes then.
      if (depthMultiplier === 0 && x && w && x.shape[3]) depthMultiplier = (w.shape[3] ?? 0) / x.shape[3];
      return {
        ...r.base,
        kind: 'DepthwiseConv2D',
        padding: r.padding(),
        strideH: r.optNumber('stride_h', 1),
        strideW: r.optNumber('stride_w', 1),
        dilationH: r.optNumber('dilation_h_factor', 1),
        dilationW: r.optNumber('dilation_w_factor', 1),
        depthMultiplier,
        activation: r.activation(),
      };
    },
    write: (op, w) => ({
      version: versionByDtype(w.g, op, { float: 1, int8: 3, int16: 5 }),
      options: {
        padding: paddingCode(op.padding),
        stride_w: op.strideW,
        stride_h: op.strideH,
        depth_multiplier: op.depthMultiplier,
        fused_activation_function: activationCode(op.activation),
        dilation_w_factor: op.dilationW,
        dilation_h_factor: op.dilationH,
      },
    }),
  },
  tf(tf, _g, op, get) {
    const x = get(op.inputs[0]!) as TF.Tensor4D;
    const f = get(op.inputs[1]!);
    const inC = x.shape[3];
    const w = tf.reshape(f, [f.shape[1]!, f.shape[2]!, inC, f.shape[3]! / inC]) as TF.Tensor4D;
    let y: TF.Tensor = tf.depthwiseConv2d(x, w, [op.strideH, op.strideW], op.padding, 'NHWC', [op.dilationH, op.dilationW]);
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
    return tfActivation(tf, y, op.activation);
  },
};
