/**
 * What several op definitions share: tensor access with errors that name the op, TFLite's
 * padding and activation-range arithmetic, per-channel requantization multipliers, NumPy
 * broadcasting, shape-inference helpers, and the C formatting helpers of the emitter.
 *
 * Float arithmetic is done in float32 (Math.fround) exactly where TFLite's C code uses `float`
 * and in double where it uses `double`, because the resulting multipliers differ in their last
 * bit otherwise. Each function names the TFLite/TFLM function it reproduces.
 */
import { TinymlError } from '../errors.js';
import { elementCount, type Activation, type DType, type Graph, type Op, type Padding, type Tensor } from '../ir/graph.js';
import { ShapeError, convOutputSize } from '../ir/shapes.js';
import { f32, quantizeMultiplier, roundHalfAway, type QuantizedMultiplier } from '../numerics/fixed-point.js';

export const INT8_MIN = -128;
export const INT8_MAX = 127;
export const INT16_MIN = -32768;
export const INT16_MAX = 32767;

/** [min, max] of a quantized activation dtype. */
export function qRange(dtype: DType): [number, number] {
  if (dtype === 'int8') return [INT8_MIN, INT8_MAX];
  if (dtype === 'int16') return [INT16_MIN, INT16_MAX];
  if (dtype === 'int32') return [-2147483648, 2147483647];
  throw new TinymlError('unsupported', `${dtype} is not a quantized activation type`);
}

export function where(op: Op): string {
  return `${op.kind} '${op.name}'`;
}

export function unsupported(op: Op, what: string, hint?: string): never {
  throw new TinymlError('unsupported', `${where(op)}: ${what}`, hint);
}

export function tensorOf(g: Graph, index: number, op: Op, role: string): Tensor {
  const t = g.tensors[index];
  if (!t) throw new TinymlError('input', `${where(op)}: ${role} refers to tensor ${index}, which does not exist`);
  return t;
}

export function input(g: Graph, op: Op, k: number): Tensor {
  return tensorOf(g, op.inputs[k] ?? -1, op, `input ${k}`);
}

export function output(g: Graph, op: Op, k = 0): Tensor {
  return tensorOf(g, op.outputs[k] ?? -1, op, k === 0 ? 'output' : `output ${k}`);
}

/** Input k when present (an optional input is -1 when absent). */
export function optionalInput(g: Graph, op: Op, k: number): Tensor | undefined {
  const i = op.inputs[k];
  return i !== undefined && i >= 0 ? tensorOf(g, i, op, `input ${k}`) : undefined;
}

/** Requires the tensor's dtype to be one of `dtypes`; the error names the op and the role. */
export function requireDtype(t: Tensor, dtypes: readonly DType[], op: Op, role: string): void {
  if (dtypes.includes(t.dtype)) return;
  if (t.dtype === 'uint8' && t.quant && t.data) {
    // A uint8 constant the importer could not re-express in int8 exactly (src/importers/uint8.ts).
    const zp = t.quant.zeroPoint[0] ?? 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of t.data as Uint8Array) {
      lo = Math.min(lo, v - zp);
      hi = Math.max(hi, v - zp);
    }
    unsupported(op, `${role} '${t.name}' is uint8 with zero point ${zp}: as symmetric int8 (q − ${zp}) it would span [${lo}, ${hi}], beyond [-127, 127], so it cannot be converted exactly`, 'Re-quantize the model with int8 weights (TFLite converter, or tinyml quantize on the float model).');
  }
  unsupported(op, `${role} '${t.name}' is ${t.sourceType ?? t.dtype}; this kernel takes ${dtypes.join(' or ')}`);
}

/** Input 0 and the output of an op whose kernel takes int8 for both (refused otherwise). */
export function int8InOut(g: Graph, op: Op): { x: Tensor; y: Tensor } {
  const x = input(g, op, 0);
  const y = output(g, op);
  requireDtype(x, ['int8'], op, 'input');
  requireDtype(y, ['int8'], op, 'output');
  return { x, y };
}

/** Scale of a per-tensor quantized tensor, as the float32 TFLite stores. */
export function scaleOf(t: Tensor, what: string, op: Op): number {
  const s = t.quant?.scale[0];
  if (s === undefined) unsupported(op, `${what} tensor '${t.name}' is ${t.dtype} but has no quantization scale`, 'Quantize the model first (tinyml quantize, or convert with --calibration).');
  return f32(s);
}

export function zeroPointOf(t: Tensor): number {
  return t.quant?.zeroPoint[0] ?? 0;
}

/** kernels/padding.h ComputeOutSize. */
export function computeOutSize(padding: Padding, imageSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  if (stride === 0) return 0;
  return padding === 'same' ? Math.trunc((imageSize + stride - 1) / stride) : Math.trunc((imageSize + stride - effectiveFilterSize) / stride);
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

/** Output size TFLite computes must equal the graph's; a mismatch is an invalid graph, not ours to guess. */
export function checkOutSize(op: Op, dim: string, expected: number, actual: number): void {
  if (expected !== actual) {
    throw new TinymlError('input', `${where(op)}: output ${dim} is ${actual} in the model but TFLite's padding rules give ${expected}`, 'The model file is inconsistent; re-export it.');
  }
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

/** kernel_util.cc CalculateActivationRangeQuantized for int8/int16 outputs. */
export function activationRangeQuantized(act: Activation, out: Tensor, op: Op): [number, number] {
  const [qmin, qmax] = qRange(out.dtype);
  const scale = scaleOf(out, 'output', op);
  const zp = zeroPointOf(out);
  // zero_point + static_cast<int32_t>(TfLiteRound(f / scale)) with float f and float scale.
  const quantize = (x: number) => zp + roundHalfAway(f32(x / scale));
  switch (act) {
    case 'none':
      return [qmin, qmax];
    case 'relu':
      return [Math.max(qmin, quantize(0)), qmax];
    case 'relu6':
      return [Math.max(qmin, quantize(0)), Math.min(qmax, quantize(6))];
    case 'relu_n1_to_1':
      return [Math.max(qmin, quantize(-1)), Math.min(qmax, quantize(1))];
    case 'tanh':
      return unsupported(op, 'a fused tanh activation has no quantized kernel in TFLite');
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
      return unsupported(op, "a fused tanh activation is not supported by TFLite's float kernels");
  }
}

/**
 * Per-output-channel multipliers of Conv2D / DepthwiseConv2D / per-channel FullyConnected:
 * kernel_util.cc PopulateConvolutionQuantizationParams (and TFLM's per-channel
 * CalculateOpDataFullyConnected) compute `double(input_scale) * double(filter_scale[c]) /
 * double(output_scale)` — a DOUBLE product of the float32 scales.
 */
export function perChannelMultipliers(inputT: Tensor, filter: Tensor, outputT: Tensor, channels: number, op: Op): { multipliers: Int32Array; shifts: Int32Array } {
  const inScale = scaleOf(inputT, 'input', op);
  const outScale = scaleOf(outputT, 'output', op);
  const fs = filter.quant?.scale;
  if (!fs || fs.length === 0) unsupported(op, `filter '${filter.name}' has no quantization scale`);
  if (fs.length !== 1 && fs.length !== channels) unsupported(op, `filter '${filter.name}' has ${fs.length} scales for ${channels} output channels`);
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
export function perTensorConvMultiplier(inputT: Tensor, filter: Tensor, outputT: Tensor, op: Op): QuantizedMultiplier {
  const inScale = scaleOf(inputT, 'input', op);
  const filterScale = scaleOf(filter, 'filter', op);
  const outScale = scaleOf(outputT, 'output', op);
  return quantizeMultiplier(f32(inScale * filterScale) / outScale);
}

/** Shape of a tensor extended to 4D on the left, as RuntimeShape::ExtendedShape(4, ...). */
export function shape4(t: Tensor | readonly number[], op?: Op): [number, number, number, number] {
  const s = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  const pad = 4 - s.length;
  if (pad < 0) {
    const name = Array.isArray(t) ? `[${s}]` : `'${(t as Tensor).name}'`;
    throw new TinymlError('unsupported', `${op ? `${where(op)}: ` : ''}tensor ${name} has rank ${s.length}; this kernel takes at most rank 4`);
  }
  const out = [1, 1, 1, 1] as [number, number, number, number];
  for (let i = 0; i < s.length; i++) out[pad + i] = s[i]!;
  return out;
}

/** A possibly negative axis as a non-negative one, checked against the rank. */
export function normAxis(axis: number, rank: number, op: Op): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new TinymlError('input', `${where(op)}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * For every element of `outShape`, the flat index of the element of `inShape` it reads when
 * `inShape` is broadcast to `outShape` (shapes aligned on the right, size-1 dims repeat).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[], op: Op): Int32Array {
  const rank = outShape.length;
  const fail = (): never => {
    throw new TinymlError('input', `${where(op)}: input shape [${inShape}] does not broadcast to output [${outShape}]`);
  };
  if (inShape.length > rank) fail();
  const inDims = new Array<number>(rank).fill(1);
  for (let i = 0; i < inShape.length; i++) inDims[rank - inShape.length + i] = inShape[i]!;
  const inStrides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const dim = inDims[d]!;
    if (dim !== outShape[d] && dim !== 1) fail();
    inStrides[d] = dim === 1 ? 0 : stride;
    stride *= dim;
  }
  const total = elementCount(outShape);
  const map = new Int32Array(total);
  const counter = new Array<number>(rank).fill(0);
  let idx = 0;
  for (let i = 0; i < total; i++) {
    map[i] = idx;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      idx += inStrides[d]!;
      if (counter[d]! < outShape[d]!) break;
      idx -= inStrides[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return map;
}

// ---- shape inference helpers ------------------------------------------------------------------

export function shapeStr(s: readonly number[] | undefined): string {
  return s ? `[${s.join(',')}]` : '(missing)';
}

/** Throws the ShapeError of op `op`. */
export function shapeFail(op: Op, what: string): never {
  throw new ShapeError(`${op.kind} "${op.name}": ${what}`);
}

/** Shape of input k for shape inference (a ShapeError when the input is missing). */
export function inShape(g: Graph, op: Op, k: number): number[] {
  const idx = op.inputs[k];
  const t = idx === undefined || idx < 0 ? undefined : g.tensors[idx];
  if (!t) shapeFail(op, `input ${k} is missing`);
  return t.shape;
}

export function need4d(op: Op, s: readonly number[], role: string): void {
  if (s.length !== 4) shapeFail(op, `${role} must be 4-D NHWC, got ${shapeStr(s)}`);
}

/** Output height/width of a windowed op, with the checks every windowed op shares. */
export function spatialOut(op: Op, inH: number, inW: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, p: Padding): [number, number] {
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1) shapeFail(op, `strides and dilations must be >= 1 (stride ${sh}x${sw}, dilation ${dh}x${dw})`);
  if (kh < 1 || kw < 1) shapeFail(op, `filter must be at least 1x1, got ${kh}x${kw}`);
  const oh = convOutputSize(inH, kh, sh, dh, p);
  const ow = convOutputSize(inW, kw, sw, dw, p);
  if (oh < 1 || ow < 1) shapeFail(op, `filter ${kh}x${kw} does not fit input ${inH}x${inW} with ${p.toUpperCase()} padding`);
  return [oh, ow];
}

/** Constant input k as JS numbers (int32/int64/float), or undefined when absent or not constant. */
export function constantValues(g: Graph, op: Op, k: number): number[] | undefined {
  const i = op.inputs[k];
  const t = i !== undefined && i >= 0 ? g.tensors[i] : undefined;
  if (!t?.data) return undefined;
  return Array.from(t.data);
}

// ---- params and MACs ---------------------------------------------------------------------------

/** Conv-like ops: weights (input 1) at 1 byte and bias (input 2) at 4 bytes when constant. */
export function weightBiasParams(g: Graph, op: Op): { input: number; bytesPerElement: number }[] {
  const out: { input: number; bytesPerElement: number }[] = [];
  const isConst = (k: number) => {
    const i = op.inputs[k];
    return i !== undefined && i >= 0 && g.tensors[i]?.data !== undefined;
  };
  if (isConst(1)) out.push({ input: 1, bytesPerElement: 1 });
  if (isConst(2)) out.push({ input: 2, bytesPerElement: 4 });
  return out;
}

/** Elementwise ops: each constant operand counts, one byte per element. */
export function constantOperandParams(g: Graph, op: Op): { input: number; bytesPerElement: number }[] {
  const out: { input: number; bytesPerElement: number }[] = [];
  op.inputs.forEach((ti, k) => {
    if (ti >= 0 && g.tensors[ti]?.data !== undefined) out.push({ input: k, bytesPerElement: 1 });
  });
  return out;
}

export const noParams = (): { input: number; bytesPerElement: number }[] => [];
export const noMacs = (): number => 0;

/**
 * The entries every one-input elementwise op with a calibrated output shares (ELU, GELU,
 * HARD_SWISH, LEAKY_RELU, QUANTIZE, RSQRT): one input, the input's shape, no params or MACs.
 */
export const ELEMENTWISE_CALIBRATED = {
  arity: { inputs: [1, 1] as const },
  inferShapes: (g: Graph, op: Op): number[][] => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'calibrated' as const } },
};

// ---- C formatting ------------------------------------------------------------------------------

export function cString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[^\x20-\x7e]/g, '?') + '"';
}

export function cComment(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/[^\x20-\x7e\n]/g, '?');
}

export function cFloat(x: number): string {
  const s = Math.fround(x).toPrecision(9);
  return (s.includes('e') || s.includes('.') ? s : s + '.0') + 'f';
}

export function cInt32(x: number): string {
  return x === -2147483648 ? '(-2147483647 - 1)' : String(x);
}

export function cInt64(x: bigint | number): string {
  const v = BigInt(x);
  return v === -9223372036854775808n ? '(-9223372036854775807LL - 1)' : `${v}LL`;
}

export function arrayBody(values: ArrayLike<number>, perLine: number, fmt: (v: number) => string = String): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const chunk: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) chunk.push(fmt(values[j]!));
    lines.push('  ' + chunk.join(', '));
  }
  return lines.join(',\n');
}

export function shapeLit(s: readonly number[]): string {
  return `{${s.join(', ')}}`;
}

/** `static const int32_t name[n] = {...};` */
export function cInt32Array(name: string, values: ArrayLike<number>): string {
  return `static const int32_t ${name}[${Math.max(values.length, 1)}] = {\n${values.length ? arrayBody(values, 8, cInt32) : '  0'}\n};`;
}

/** Row-major strides of `inShape` broadcast to `outShape` (0 on broadcast dimensions), 4-D. */
export function broadcastStrides4(inShapeV: readonly number[], outShapeV: readonly number[], op: Op): number[] {
  const i4 = shape4(inShapeV, op);
  const o4 = shape4(outShapeV, op);
  const strides = [0, 0, 0, 0];
  let acc = 1;
  for (let d = 3; d >= 0; d--) {
    if (i4[d] === o4[d]) strides[d] = acc;
    else if (i4[d] === 1) strides[d] = 0;
    else unsupported(op, `shapes [${inShapeV}] and [${outShapeV}] do not broadcast`);
    acc *= i4[d]!;
  }
  return strides;
}

/** C element type of a dtype. */
export function cType(dtype: DType): string {
  switch (dtype) {
    case 'int8':
      return 'int8_t';
    case 'int16':
      return 'int16_t';
    case 'int32':
      return 'int32_t';
    case 'int64':
      return 'int64_t';
    case 'uint8':
    case 'bool':
      return 'uint8_t';
    case 'float32':
      return 'float';
    case 'float16':
      return 'uint16_t';
    case 'resource':
    case 'opaque':
      return 'uint8_t';
  }
}

/** True when any non-absent operand (input or output) of `op` has `dtype`. */
export function hasOperandDtype(g: Graph, op: Op, dtype: DType, tensors: readonly Tensor[] = g.tensors): boolean {
  return [...op.inputs, ...op.outputs].some((ti) => ti >= 0 && tensors[ti]?.dtype === dtype);
}

/** TFLite op version by operand dtype: int16 activations, else int8, else float. */
export function versionByDtype(g: Graph, op: Op, v: { float: number; int8: number; int16?: number }, tensors?: readonly Tensor[]): number {
  if (v.int16 !== undefined && hasOperandDtype(g, op, 'int16', tensors)) return v.int16;
  if (hasOperandDtype(g, op, 'int8', tensors)) return v.int8;
  return v.float;
}

/** TFLite's 16x8 scheme: int16 activations are symmetric, zero point 0 (its int16 kernels take no offsets). */
export function requireZeroPoints16(op: Op, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (zeroPointOf(t) !== 0) unsupported(op, `int16 tensor '${t.name}' has zero point ${zeroPointOf(t)}; TFLite's 16x8 kernels take symmetric int16 (zero point 0)`);
  }
}

/**
 * The operands of a conv-like layer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): int8 or
 * int16 (16x8) input and output of one dtype, constant int8 weights, an optional constant bias
 * of one of `biasDtypes[activation dtype]`; 16x8 needs zero points 0. Each failure names the
 * operand and says what the kernel takes.
 */
export function convLikeOperands(
  g: Graph,
  op: Op,
  weightsRole: string,
  biasDtypes: { int8: readonly DType[]; int16: readonly DType[] },
): { x: Tensor; w: Tensor; b: Tensor | undefined; y: Tensor; is16: boolean } {
  const x = input(g, op, 0);
  const w = input(g, op, 1);
  const b = optionalInput(g, op, 2);
  const y = output(g, op);
  requireDtype(x, ['int8', 'int16'], op, 'input');
  requireDtype(w, ['int8'], op, weightsRole);
  requireDtype(y, [x.dtype], op, 'output');
  const is16 = x.dtype === 'int16';
  if (b) requireDtype(b, is16 ? biasDtypes.int16 : biasDtypes.int8, op, 'bias');
  if (is16) requireZeroPoints16(op, x, y);
  if (!w.data) unsupported(op, `${weightsRole} '${w.name}' is not a constant`);
  if (b && !b.data) unsupported(op, `bias '${b.name}' is not a constant`);
  return { x, w, b, y, is16 };
}

/**
 * Requires two int8/int16 tensors of an op that moves or compares raw values (data movement,
 * SELECT, ADD_N's inputs) to share scale and zero point; `why` says what TFLM does with them.
 */
export function requireSameParams(op: Op, a: Tensor, aRole: string, b: Tensor, bRole: string, why: string): void {
  if (a.dtype !== 'int8' && a.dtype !== 'int16') return;
  if (scaleOf(a, aRole, op) === scaleOf(b, bRole, op) && zeroPointOf(a) === zeroPointOf(b)) return;
  unsupported(
    op,
    `${aRole} '${a.name}' (scale ${a.quant?.scale[0]}, zero point ${zeroPointOf(a)}) and ${bRole} '${b.name}' (scale ${b.quant?.scale[0]}, zero point ${zeroPointOf(b)}) must share quantization: ${why}`,
    'Re-quantize the model so that these tensors share their parameters (tinyml quantize does).',
  );
}
