/**
 * TRANSPOSE_CONV: inputs [output_shape (int32 [4]), weights OHWI [outC, kH, kW, inC], x NHWC,
 * bias?], a fused activation (TransposeConvOptions, op version 4 when it is not NONE).
 *
 * TFLM transpose_conv.cc. Prepare: the padding comes from ComputePaddingHeightWidth run on the
 * OUTPUT size as if it were a forward convolution's input (stride, dilation 1, the filter, the
 * op's padding; ComputeOutSize's result as that convolution's output); per-channel multipliers
 * from PopulateConvolutionQuantizationParams (double(in_scale) · double(w_scale[c]) /
 * double(out_scale)), and the fused activation's range. The output_shape input is not read at
 * run time (TFLM has no dynamic tensors): the output tensor's shape is the one used, so a
 * non-constant output_shape (as in TFLM's own seanet models) is accepted.
 * Eval: reference_integer_ops::TransposeConv, a scatter: every input element adds
 * (x + input_offset) · w into a zeroed accumulator per output element, then bias,
 * MultiplyByQuantizedMultiplier, output offset, clamp.
 *  - int8 activations: int32 accumulators, int32 bias (the double-rounding int32 MBQM);
 *  - 16x8 (int16 activations, int8 weights, int64 bias): int64 accumulators, no input or output
 *    offset (zero points must be 0, TFLite's 16x8 scheme), and the int64 MBQM (multiplier
 *    reduced to 16 bits, src/numerics/requantize.ts mbqm64).
 * The accumulators are kernel scratch planned in the arena (`scratchBytes`: output elements ×
 * 4 or 8 bytes), as TFLM requests them with RequestScratchBufferInArena.
 * float: reference_ops::TransposeConv, the same scatter in float32 (each += rounded), then the
 * bias and the activation clamp.
 */
import type { Graph, TransposeConvOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { mbqm, mbqm64 } from '../numerics/requantize.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  cInt32Array,
  computeOutSize,
  computePadding,
  constantValues,
  input,
  inShape,
  need4d,
  optionalInput,
  output,
  perChannelMultipliers,
  requireDtype,
  shapeFail,
  shapeLit,
  shapeStr,
  unsupported,
  zeroPointOf,
} from './common.js';
import type { OpDef, ParamInput } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, paddingCode } from './tflite-codes.js';
import type * as TF from '@tensorflow/tfjs';

export interface TransposeConvGeometry {
  batches: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  outH: number;
  outW: number;
  outC: number;
  padH: number;
  padW: number;
}

export interface TransposeConvPrepared extends TransposeConvGeometry {
  /** 16x8: int16 activations, int64 accumulators and bias. */
  wide: boolean;
  multipliers: Int32Array;
  shifts: Int32Array;
  inputOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

/** The output shape: the constant output_shape operand, else the output tensor's own. */
function targetShape(g: Graph, op: TransposeConvOp): number[] {
  const v = constantValues(g, op, 0);
  if (v) return v;
  const y = g.tensors[op.outputs[0] ?? -1];
  if (!y) shapeFail(op, 'output_shape is not a constant and the output tensor is missing');
  return y.shape;
}

function geometry(g: Graph, op: TransposeConvOp): TransposeConvGeometry {
  const [batches, inH, inW, inC] = input(g, op, 2).shape as [number, number, number, number];
  const [outC, kH, kW] = input(g, op, 1).shape as [number, number, number, number];
  const [, outH, outW] = output(g, op).shape as [number, number, number, number];
  // TFLM: ComputePaddingHeightWidth(stride, 1, out_h, out_w, k_h, k_w, padding) with the
  // forward output size ComputeOutSize gives for those.
  const padH = computePadding(op.strideH, 1, outH, kH, computeOutSize(op.padding, outH, kH, op.strideH, 1));
  const padW = computePadding(op.strideW, 1, outW, kW, computeOutSize(op.padding, outW, kW, op.strideW, 1));
  return { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW };
}

function params(g: Graph, op: TransposeConvOp): ParamInput[] {
  const out: ParamInput[] = [];
  if (g.tensors[op.inputs[1]!]?.data) out.push({ input: 1, bytesPerElement: 1 });
  const b = op.inputs[3];
  if (b !== undefined && b >= 0 && g.tensors[b]?.data) out.push({ input: 3, bytesPerElement: g.tensors[b]!.dtype === 'int64' ? 8 : 4 });
  return out;
}

export const transposeConv: OpDef<TransposeConvOp, TransposeConvPrepared> = {
  kind: 'TransposeConv',
  arity: { inputs: [3, 4], optional: [3] },
  inferShapes(g, op) {
    const w = inShape(g, op, 1);
    const x = inShape(g, op, 2);
    need4d(op, x, 'input');
    need4d(op, w, 'filter (OHWI)');
    if (op.strideH < 1 || op.strideW < 1) shapeFail(op, `strides must be >= 1, got ${op.strideH}x${op.strideW}`);
    const os = inShape(g, op, 0);
    if (os.length !== 1 || os[0] !== 4) shapeFail(op, `output_shape must be a vector of 4 values, got shape ${shapeStr(os)}`);
    const out = targetShape(g, op);
    if (out.length !== 4) shapeFail(op, `output_shape ${shapeStr(out)} is not 4-D`);
    if (x[3] !== w[3]) shapeFail(op, `input channels ${x[3]} differ from the filter's ${w[3]}`);
    if (out[0] !== x[0] || out[3] !== w[0]) shapeFail(op, `output_shape ${shapeStr(out)} does not have batch ${x[0]} and ${w[0]} channels`);
    // The forward convolution of the output must give back the input (TF's conv2d_transpose rule).
    const fh = computeOutSize(op.padding, out[1]!, w[1]!, op.strideH, 1);
    const fw = computeOutSize(op.padding, out[2]!, w[2]!, op.strideW, 1);
    if (fh !== x[1] || fw !== x[2]) shapeFail(op, `output_shape ${shapeStr(out)} with ${op.padding.toUpperCase()} padding, stride ${op.strideH}x${op.strideW} and a ${w[1]}x${w[2]} filter convolves back to ${fh}x${fw}, not the input's ${x[1]}x${x[2]}`);
    const b = op.inputs[3];
    if (b !== undefined && b >= 0 && elementCount(inShape(g, op, 3)) !== w[0]) shapeFail(op, `bias ${shapeStr(inShape(g, op, 3))} does not match ${w[0]} output channels`);
    return [[...out]];
  },
  params,
  macs(g, op) {
    const w = g.tensors[op.inputs[1]!]!.shape; // [O, kH, kW, I]
    return elementCount(g.tensors[op.inputs[2]!]!.shape) * w[0]! * w[1]! * w[2]!;
  },
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation, weights: [{ input: 1, axis: 0 }], bias: { input: 3, weights: 1 }, activationInput: 2 },
  prepare(g, op) {
    const x = input(g, op, 2);
    const w = input(g, op, 1);
    const b = optionalInput(g, op, 3);
    const y = output(g, op);
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(w, ['int8'], op, 'filter');
    const wide = x.dtype === 'int16';
    requireDtype(y, [x.dtype], op, 'output');
    if (b) requireDtype(b, [wide ? 'int64' : 'int32'], op, 'bias');
    if (wide && (zeroPointOf(x) !== 0 || zeroPointOf(y) !== 0)) unsupported(op, `16x8 zero points must be 0 (input ${zeroPointOf(x)}, output ${zeroPointOf(y)})`, "TFLite's 16x8 scheme uses symmetric int16 activations.");
    if (w.quant?.zeroPoint.some((z) => z !== 0)) unsupported(op, `filter '${w.name}' has non-zero zero points; TFLite's int8 weights are symmetric`);
    const geo = geometry(g, op);
    const { multipliers, shifts } = perChannelMultipliers(x, w, y, geo.outC, op);
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    return { ...geo, wide, multipliers, shifts, inputOffset: -zeroPointOf(x), outputOffset: zeroPointOf(y), actMin, actMax };
  },
  evalQuantized(_g, op, p) {
    const { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW, wide, multipliers, shifts, inputOffset, outputOffset, actMin, actMax } = p;
    const { strideH, strideW } = op;
    const bIdx = op.inputs[3] ?? -1;
    const [iIdx, wIdx, oIdx] = [op.inputs[2]!, op.inputs[1]!, op.outputs[0]!];
    const n = batches * outH * outW * outC;
    const scratch = wide ? new Float64Array(n) : new Int32Array(n);
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const filter = bufs[wIdx] as Int8Array;
      const bias = bIdx >= 0 ? (bufs[bIdx] as Int32Array | Float64Array) : undefined;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      scratch.fill(0);
      for (let b = 0; b < batches; b++) {
        for (let iy = 0; iy < inH; iy++) {
          for (let ix = 0; ix < inW; ix++) {
            for (let ic = 0; ic < inC; ic++) {
              const v = inp[((b * inH + iy) * inW + ix) * inC + ic]! + inputOffset;
              const oxOrigin = ix * strideW - padW;
              const oyOrigin = iy * strideH - padH;
              for (let fy = 0; fy < kH; fy++) {
                const oy = oyOrigin + fy;
                if (oy < 0 || oy >= outH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ox = oxOrigin + fx;
                  if (ox < 0 || ox >= outW) continue;
                  const ob = ((b * outH + oy) * outW + ox) * outC;
                  for (let oc = 0; oc < outC; oc++) scratch[ob + oc] += v * filter[((oc * kH + fy) * kW + fx) * inC + ic]!;
                }
              }
            }
          }
        }
      }
      for (let i = 0; i < n; i++) {
        const oc = i % outC;
        let r: number;
        if (wide) {
          const acc = scratch[i]! + (bias ? bias[oc]! : 0);
          r = mbqm64(acc, multipliers[oc]!, shifts[oc]!);
        } else {
          const acc = (scratch[i]! + (bias ? bias[oc]! : 0)) | 0;
          r = mbqm(acc, multipliers[oc]!, shifts[oc]!) + outputOffset;
        }
        out[i] = r < actMin ? actMin : r > actMax ? actMax : r;
      }
    };
  },
  evalFloat(g, op) {
    const { batches, inH, inW, inC, kH, kW, outH, outW, outC, padH, padW } = geometry(g, op);
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    const { strideH, strideW } = op;
    const bIdx = op.inputs[3] ?? -1;
    const [iIdx, wIdx, oIdx] = [op.inputs[2]!, op.inputs[1]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const filter = bufs[wIdx] as Float32Array;
      const bias = bIdx >= 0 ? (bufs[bIdx] as Float32Array) : undefined;
      const out = bufs[oIdx] as Float32Array;
      out.fill(0);
      for (let b = 0; b < batches; b++) {
        for (let iy = 0; iy < inH; iy++) {
          for (let ix = 0; ix < inW; ix++) {
            for (let ic = 0; ic < inC; ic++) {
              const v = inp[((b * inH + iy) * inW + ix) * inC + ic]!;
              for (let fy = 0; fy < kH; fy++) {
                const oy = iy * strideH - padH + fy;
                if (oy < 0 || oy >= outH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ox = ix * strideW - padW + fx;
                  if (ox < 0 || ox >= outW) continue;
                  const ob = ((b * outH + oy) * outW + ox) * outC;
                  // Float32Array stores round each sum; the product rounds first.
                  for (let oc = 0; oc < outC; oc++) out[ob + oc] = out[ob + oc]! + Math.fround(v * filter[((oc * kH + fy) * kW + fx) * inC + ic]!);
                }
              }
            }
          }
        }
      }
      for (let i = 0; i < out.length; i++) {
        const v = Math.fround(out[i]! + (bias ? bias[i % outC]! : 0));
        out[i] = v < actMin ? actMin : v > actMax ? actMax : v;
      }
    };
  },
  scratchBytes: (_g, _op, p) => p.batches * p.outH * p.outW * p.outC * (p.wide ? 8 : 4),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const b = op.inputs[3] ?? -1;
    ctx.decl(
      `static const tinyml_conv_params_t ${L}_p = { ${op.strideH}, ${op.strideW}, 1, 1, ${p.padH}, ${p.padW}, 1, ${p.inputOffset}, ${p.outputOffset}, ${p.actMin}, ${p.actMax} };`,
      `static const tinyml_shape4_t ${L}_in = ${shapeLit([p.batches, p.inH, p.inW, p.inC])}, ${L}_w = ${shapeLit([p.outC, p.kH, p.kW, p.inC])}, ${L}_out = ${shapeLit([p.batches, p.outH, p.outW, p.outC])};`,
      cInt32Array(`${L}_mult`, p.multipliers),
      cInt32Array(`${L}_shift`, p.shifts),
    );
    const [fn, acc] = p.wide ? ['transpose_conv_s16', 'int64_t'] : ['transpose_conv_s8', 'int32_t'];
    ctx.call(
      `tinyml_${fn}(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ctx.ptr(op.inputs[2]!)}, &${L}_w, ${ctx.ptr(op.inputs[1]!)}, ${b >= 0 ? ctx.ptr(b) : 'NULL'}, &${L}_out, ${ctx.ptr(op.outputs[0]!)}, (${acc} *)(void *)${ctx.scratch()});`,
    );
    return [fn];
  },
  tflite: {
    builtin: 'TRANSPOSE_CONV',
    options: 'TransposeConvOptions',
    read: (r) => ({ ...r.base, kind: 'TransposeConv', padding: r.padding(), strideH: r.optNumber('stride_h', 1), strideW: r.optNumber('stride_w', 1), activation: r.activation() }),
    write(op, w) {
      // TFLite op_version.cc: a fused activation → 4; a bias → 3; int8 weights → 2; else 1.
      const hasBias = op.inputs[3] !== undefined && op.inputs[3] >= 0;
      const version = op.activation !== 'none' ? 4 : hasBias ? 3 : w.g.tensors[op.inputs[1]!]!.dtype === 'int8' ? 2 : 1;
      return { version, options: { padding: paddingCode(op.padding), stride_w: op.strideW, stride_h: op.strideH, fused_activation_function: activationCode(op.activation) } };
    },
  },
  tf(tf, g, op, get, n) {
    const x = get(op.inputs[2]!) as TF.Tensor4D;
    // IR filters are [out, kh, kw, in]; tfjs wants [kh, kw, out, in].
    const w = tf.transpose(get(op.inputs[1]!), [1, 2, 0, 3]) as TF.Tensor4D;
    const [, oh, ow, oc] = g.tensors[op.outputs[0]!]!.shape as [number, number, number, number];
    let y: TF.Tensor = tf.conv2dTranspose(x, w, [n, oh, ow, oc], [op.strideH, op.strideW], op.padding);
    const b = op.inputs[3];
    if (b !== undefined && b >= 0) y = tf.add(y, get(b));
    return tfActivation(tf, y, op.activation);
  },
};
