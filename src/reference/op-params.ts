/**
 * The "Prepare" half of TFLite's kernels: quantities computed once per op from tensor shapes
 * and quantization parameters (padding, fused-activation ranges, requantization multipliers).
 * Each function names the TFLite/TFLM function it reproduces; float arithmetic is done in
 * float32 (Math.fround) exactly where the C code uses `float`, and in double where it uses
 * `double`, because the resulting multipliers differ in their last bit otherwise.
 */
import { TinymlError } from '../errors.js';
import type { Activation, Graph, Op, Padding, Tensor } from '../ir/graph.js';
import { f32, quantizeMultiplier, roundHalfAway, type QuantizedMultiplier } from '../quantize/fixed-point.js';

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/** Scale of a per-tensor quantized tensor, as the float32 TFLite stores. */
export function scaleOf(t: Tensor, what: string, op: Op): number {
  const s = t.quant?.scale[0];
  if (s === undefined) {
    throw new TinymlError('input', `${op.kind} '${op.name}': ${what} tensor '${t.name}' is int8 but has no quantization scale`);
  }
  return f32(s);
}

export function zeroPointOf(t: Tensor): number {
  return t.quant?.zeroPoint[0] ?? 0;
}

/** kernels/padding.h ComputeOutSize. */
export function computeOutSize(padding: Padding, imageSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  if (stride === 0) return 0;
  return padding === 'same'
    ? Math.trunc((imageSize + stride - 1) / stride)
    : Math.trunc((imageSize + stride - effectiveFilterSize) / stride);
}

/**
 * kernels/padding.h ComputePaddingWithOffset: the top/left padding. The reference kernels use
 * only this value; the odd extra row/column of SAME padding falls at the bottom/right.
 */
export function computePadding(stride: number, dilation: number, inSize: number, filterSize: number, outSize: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  const total = (outSize - 1) * stride + effectiveFilterSize - inSize;
  return total > 0 ? Math.trunc(total / 2) : 0;
}

/**
 * Padding of a windowed op (conv, depthwise, pool) after checking that the graph's output
 * height and width are the ones TFLite's padding rules give.
 */
export function windowPadding(
  op: Op & { padding: Padding; strideH: number; strideW: number },
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  outH: number,
  outW: number,
  dilationH = 1,
  dilationW = 1,
): { padH: number; padW: number } {
  checkOutSize(op, 'height', computeOutSize(op.padding, inH, kH, op.strideH, dilationH), outH);
  checkOutSize(op, 'width', computeOutSize(op.padding, inW, kW, op.strideW, dilationW), outW);
  return { padH: computePadding(op.strideH, dilationH, inH, kH, outH), padW: computePadding(op.strideW, dilationW, inW, kW, outW) };
}

/** Output size TFLite computes must equal the graph's; a mismatch is an invalid graph, not ours to guess. */
export function checkOutSize(op: Op, dim: string, expected: number, actual: number): void {
  if (expected !== actual) {
    throw new TinymlError(
      'input',
      `${op.kind} '${op.name}': output ${dim} is ${actual} in the model but TFLite's padding rules give ${expected}`,
      'The model file is inconsistent; re-export it.',
    );
  }
}

/** kernel_util.cc CalculateActivationRangeQuantized for int8 outputs. */
export function activationRangeInt8(act: Activation, out: Tensor, op: Op): [number, number] {
  const scale = scaleOf(out, 'output', op);
  const zp = zeroPointOf(out);
  // zero_point + static_cast<int32_t>(TfLiteRound(f / scale)) with float f and float scale.
  const quantize = (f: number) => zp + roundHalfAway(f32(f / scale));
  switch (act) {
    case 'none':
      return [INT8_MIN, INT8_MAX];
    case 'relu':
      return [Math.max(INT8_MIN, quantize(0)), INT8_MAX];
    case 'relu6':
      return [Math.max(INT8_MIN, quantize(0)), Math.min(INT8_MAX, quantize(6))];
    case 'relu_n1_to_1':
      return [Math.max(INT8_MIN, quantize(-1)), Math.min(INT8_MAX, quantize(1))];
    case 'tanh':
      throw new TinymlError('unsupported', `${op.kind} '${op.name}': a fused tanh activation has no int8 kernel in TFLite`);
  }
}

/** kernel_util.h CalculateActivationRange for float outputs. */
export function activationRangeFloat(act: Activation, op: Op): [number, number] {
  switch (act) {
    case 'none':
      return [-Infinity, Infinity];
    case 'relu':
      return [0, Infinity];
    case 'relu6':
      return [0, 6];
    case 'relu_n1_to_1':
      return [-1, 1];
    case 'tanh':
      throw new TinymlError('unsupported', `${op.kind} '${op.name}': a fused tanh activation is not supported by TFLite's float kernels`);
  }
}

/**
 * Per-output-channel multipliers of Conv2D / DepthwiseConv2D / per-channel FullyConnected:
 * kernel_util.cc PopulateConvolutionQuantizationParams (and TFLM's per-channel
 * CalculateOpDataFullyConnected) compute `double(input_scale) * double(filter_scale[c]) /
 * double(output_scale)` — a DOUBLE product of the float32 scales.
 */
export function perChannelMultipliers(input: Tensor, filter: Tensor, output: Tensor, channels: number, op: Op): { multipliers: Int32Array; shifts: Int32Array } {
  const inScale = scaleOf(input, 'input', op);
  const outScale = scaleOf(output, 'output', op);
  const fs = filter.quant?.scale;
  if (!fs || fs.length === 0) {
    throw new TinymlError('input', `${op.kind} '${op.name}': int8 filter '${filter.name}' has no quantization scale`);
  }
  if (fs.length !== 1 && fs.length !== channels) {
    throw new TinymlError('input', `${op.kind} '${op.name}': filter '${filter.name}' has ${fs.length} scales for ${channels} output channels`);
  }
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const filterScale = f32(fs.length === 1 ? fs[0]! : fs[c]!);
    const q = quantizeMultiplier((inScale * filterScale) / outScale);
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
  }
  return { multipliers, shifts };
}

/**
 * kernel_util.cc GetQuantizedConvolutionMultipler, used by per-tensor FullyConnected:
 * `static_cast<double>(input->params.scale * filter->params.scale)` multiplies the two scales
 * in FLOAT32 first, then divides by the output scale in double. This differs from the
 * per-channel formula above in the last bit of the multiplier for some scale pairs.
 */
export function perTensorConvMultiplier(input: Tensor, filter: Tensor, output: Tensor, op: Op): QuantizedMultiplier {
  const inScale = scaleOf(input, 'input', op);
  const filterScale = scaleOf(filter, 'filter', op);
  const outScale = scaleOf(output, 'output', op);
  return quantizeMultiplier(f32(inScale * filterScale) / outScale);
}

/** Shape of a tensor extended to 4D on the left, as RuntimeShape::ExtendedShape(4, ...). */
export function shape4(t: Tensor): [number, number, number, number] {
  const s = t.shape;
  const pad = 4 - s.length;
  if (pad < 0) throw new TinymlError('unsupported', `tensor '${t.name}' has rank ${s.length}; 4D kernels take at most rank 4`);
  const out = [1, 1, 1, 1] as [number, number, number, number];
  for (let i = 0; i < s.length; i++) out[pad + i] = s[i]!;
  return out;
}

export function tensorOf(g: Graph, index: number, op: Op, role: string): Tensor {
  const t = g.tensors[index];
  if (!t) throw new TinymlError('input', `${op.kind} '${op.name}': ${role} refers to tensor ${index}, which does not exist`);
  return t;
}
