/**
 * Constant parameters of the int8 kernels, computed exactly as TFLite/TFLM prepare them
 * (double arithmetic on float32 scales, QuantizeMultiplier from src/quantize/fixed-point.ts).
 * The C kernels receive these as const tables, so the numerics of the generated code and of
 * the TypeScript reference interpreter rest on the same integers.
 */
import type { Activation, Graph, Padding, Tensor } from '../ir/graph.js';
import { TinymlError } from '../errors.js';
import { f32, quantizeMultiplier, roundHalfAway } from '../quantize/fixed-point.js';

export interface Quant1 {
  scale: number;
  zeroPoint: number;
}

/** Per-tensor params of an activation tensor; an error naming the tensor if absent. */
export function tensorQuant(g: Graph, t: number, where: string): Quant1 {
  const tensor = g.tensors[t]!;
  if (tensor.dtype !== 'int8' || !tensor.quant || tensor.quant.scale.length < 1) {
    throw new TinymlError(
      'unsupported',
      `${where}: tensor '${tensor.name}' is ${tensor.dtype}${tensor.quant ? '' : ' without quantization parameters'}; the C code generator needs int8 tensors with a scale and zero point`,
      'Quantize the model first (tinyml quantize, or convert with --calibration).',
    );
  }
  return { scale: f32(tensor.quant.scale[0]!), zeroPoint: tensor.quant.zeroPoint[0] ?? 0 };
}

/** TFLite CalculateActivationRangeQuantized for int8. */
export function activationRange(act: Activation, out: Quant1): [number, number] {
  const q = (x: number) => out.zeroPoint + roundHalfAway(f32(x / out.scale));
  let lo = -128;
  let hi = 127;
  switch (act) {
    case 'none':
      break;
    case 'relu':
      lo = Math.max(lo, q(0));
      break;
    case 'relu6':
      lo = Math.max(lo, q(0));
      hi = Math.min(hi, q(6));
      break;
    case 'relu_n1_to_1':
      lo = Math.max(lo, q(-1));
      hi = Math.min(hi, q(1));
      break;
    case 'tanh':
      throw new TinymlError('unsupported', `fused tanh activation has no int8 kernel in TFLite`);
  }
  return [lo, hi];
}

/** TFLite ComputePaddingHeightWidth: the top/left padding for one spatial dimension. */
export function paddingBefore(padding: Padding, inSize: number, outSize: number, filter: number, stride: number, dilation: number): number {
  if (padding === 'valid') return 0;
  const effective = (filter - 1) * dilation + 1;
  const total = Math.max((outSize - 1) * stride + effective - inSize, 0);
  return Math.floor(total / 2);
}

/**
 * Per-output-channel multipliers of Conv2D / DepthwiseConv2D (PopulateConvolutionQuantizationParams):
 * real = double(input_scale) * double(filter_scale[c]) / double(output_scale).
 */
export function perChannelMultipliers(inScale: number, filter: Tensor, outScale: number, channels: number): { mult: number[]; shift: number[] } {
  const scales = filter.quant?.scale ?? [];
  if (scales.length !== 1 && scales.length !== channels) {
    throw new TinymlError('unsupported', `weights '${filter.name}' have ${scales.length} scales for ${channels} output channels`);
  }
  const mult: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < channels; c++) {
    const ws = f32(scales.length === 1 ? scales[0]! : scales[c]!);
    const q = quantizeMultiplier((inScale * ws) / outScale);
    mult.push(q.multiplier);
    shift.push(q.shift);
  }
  return { mult, shift };
}

/**
 * FullyConnected multipliers. Per-tensor weights follow TFLM's GetQuantizedConvolutionMultipler
 * (input_scale * filter_scale multiplied in float32, then divided in double); per-channel
 * weights follow the conv formula.
 */
export function fullyConnectedMultipliers(inScale: number, filter: Tensor, outScale: number, units: number): { mult: number[]; shift: number[] } {
  const scales = filter.quant?.scale ?? [];
  if (scales.length === 0) throw new TinymlError('unsupported', `weights '${filter.name}' have no quantization scale`);
  if (scales.length > 1) return perChannelMultipliers(inScale, filter, outScale, units);
  const q = quantizeMultiplier(f32(inScale * f32(scales[0]!)) / outScale);
  return { mult: new Array<number>(units).fill(q.multiplier), shift: new Array<number>(units).fill(q.shift) };
}

/** TFLM Add prepare (left_shift 20, both inputs rescaled to twice the larger input scale). */
export function addParams(a: Quant1, b: Quant1, out: Quant1) {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(a.scale, b.scale);
  const m1 = quantizeMultiplier(a.scale / twiceMax);
  const m2 = quantizeMultiplier(b.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / f32((1 << leftShift) * out.scale));
  return {
    left_shift: leftShift,
    input1_offset: -a.zeroPoint,
    input1_multiplier: m1.multiplier,
    input1_shift: m1.shift,
    input2_offset: -b.zeroPoint,
    input2_multiplier: m2.multiplier,
    input2_shift: m2.shift,
    output_offset: out.zeroPoint,
    output_multiplier: mo.multiplier,
    output_shift: mo.shift,
  };
}

/** TFLM Mul prepare: real = double(s1) * double(s2) / double(s_out). */
export function mulParams(a: Quant1, b: Quant1, out: Quant1) {
  const m = quantizeMultiplier((a.scale * b.scale) / out.scale);
  return {
    input1_offset: -a.zeroPoint,
    input2_offset: -b.zeroPoint,
    output_offset: out.zeroPoint,
    output_multiplier: m.multiplier,
    output_shift: m.shift,
  };
}

/**
 * TFLM softmax prepare for int8 (PreprocessSoftmaxScaling with 5 integer bits, and
 * diff_min = -CalculateInputRadius(5, left_shift)).
 */
export function softmaxParams(beta: number, inScale: number): { multiplier: number; leftShift: number; diffMin: number } {
  const kScaledDiffIntegerBits = 5;
  const real = Math.min(f32(beta) * inScale * (1 << (31 - kScaledDiffIntegerBits)), 2147483648 - 1);
  const q = quantizeMultiplier(real);
  const leftShift = q.shift;
  const maxInputRescaled = (((1 << kScaledDiffIntegerBits) - 1) * 2 ** (31 - kScaledDiffIntegerBits)) / 2 ** leftShift;
  return { multiplier: q.multiplier, leftShift, diffMin: -Math.floor(maxInputRescaled) };
}

/** TFLM EvalIntegerMean's float32 constants: scale = in/out, bias = -in_zp * scale. */
export function meanParams(inQ: Quant1, outQ: Quant1): { scale: number; bias: number } {
  const scale = f32(inQ.scale / outQ.scale);
  return { scale, bias: f32(-inQ.zeroPoint * scale) };
}
