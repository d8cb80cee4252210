/**
 * Output shape inference for every op kind of the IR, with TFLite's padding arithmetic.
 *
 * Padding (tensorflow/lite/kernels/padding.h):
 *   effective filter  ek  = (k - 1) * dilation + 1
 *   VALID             out = floor((in - ek) / stride) + 1      (= ceil((in - ek + 1) / stride))
 *   SAME              out = ceil(in / stride)
 *   padding before    max(0, floor(((out - 1) * stride + ek - in) / 2)); the odd pixel goes after.
 *
 * `inferOutputShapes` throws a ShapeError (a TinymlError) describing the op when input shapes do
 * not fit the op (wrong rank, channel mismatch, non-broadcastable operands, filter larger than a
 * VALID input). It reads constant operands (Reshape's shape, Mean's axes, Pad's paddings) only
 * through the op's own attributes, which importers fill in.
 */
import { TinymlError } from '../errors.js';
import { elementCount, type Graph, type Op, type Padding } from './graph.js';

export class ShapeError extends TinymlError {
  constructor(message: string) {
    super('input', message);
    this.name = 'ShapeError';
  }
}

export function effectiveFilterSize(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}

export function convOutputSize(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  const ek = effectiveFilterSize(k, dilation);
  if (padding === 'same') return Math.floor((inSize + stride - 1) / stride);
  return Math.floor((inSize - ek) / stride) + 1;
}

/** Padding before the first element along one axis (TFLite ComputePaddingHeightWidth). */
export function paddingBefore(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  if (padding === 'valid') return 0;
  const out = convOutputSize(inSize, k, stride, dilation, padding);
  const total = (out - 1) * stride + effectiveFilterSize(k, dilation) - inSize;
  return Math.max(0, Math.floor(total / 2));
}

/** NumPy-style broadcast of two shapes (TFLite's Add/Mul broadcasting). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Resolves one -1 in a reshape target against the element count of the input. */
export function resolveReshape(newShape: readonly number[], inputCount: number): number[] | undefined {
  const unknown = newShape.filter((d) => d === -1).length;
  if (unknown > 1 || newShape.some((d) => d < -1)) return undefined;
  const known = elementCount(newShape.filter((d) => d !== -1));
  if (unknown === 0) return known === inputCount ? [...newShape] : undefined;
  if (known === 0 || inputCount % known !== 0) return undefined;
  return newShape.map((d) => (d === -1 ? inputCount / known : d));
}

function shapeStr(s: readonly number[] | undefined): string {
  return s ? `[${s.join(',')}]` : '(missing)';
}

/** Output shapes of `op` given the current shapes in `g`. */
export function inferOutputShapes(g: Graph, op: Op): number[][] {
  const shapeOf = (k: number): number[] => {
    const idx = op.inputs[k];
    const t = idx === undefined || idx < 0 ? undefined : g.tensors[idx];
    if (!t) throw new ShapeError(`${op.kind} "${op.name}": input ${k} is missing`);
    return t.shape;
  };
  const fail = (what: string): never => {
    throw new ShapeError(`${op.kind} "${op.name}": ${what}`);
  };
  const need4d = (s: number[], role: string): void => {
    if (s.length !== 4) fail(`${role} must be 4-D NHWC, got ${shapeStr(s)}`);
  };
  const spatial = (inH: number, inW: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, p: Padding): [number, number] => {
    if (sh < 1 || sw < 1 || dh < 1 || dw < 1) fail(`strides and dilations must be >= 1 (stride ${sh}x${sw}, dilation ${dh}x${dw})`);
    if (kh < 1 || kw < 1) fail(`filter must be at least 1x1, got ${kh}x${kw}`);
    const oh = convOutputSize(inH, kh, sh, dh, p);
    const ow = convOutputSize(inW, kw, sw, dw, p);
    if (oh < 1 || ow < 1) fail(`filter ${kh}x${kw} does not fit input ${inH}x${inW} with ${p.toUpperCase()} padding`);
    return [oh, ow];
  };

  switch (op.kind) {
    case 'Conv2D': {
      const x = shapeOf(0);
      const w = shapeOf(1);
      need4d(x, 'input');
      need4d(w, 'filter (OHWI)');
      // Grouped convolution (TFLite CONV_2D since 2.9): the filter sees inC / groups channels.
      if (!(w[3]! > 0) || x[3]! % w[3]! !== 0 || w[0]! % (x[3]! / w[3]!) !== 0) {
        fail(`input channels ${x[3]} differ from filter input channels ${w[3]} and are not whole groups of them (${w[0]} filters)`);
      }
      const [oh, ow] = spatial(x[1]!, x[2]!, w[1]!, w[2]!, op.strideH, op.strideW, op.dilationH, op.dilationW, op.padding);
      if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(shapeOf(2)) !== w[0]) fail(`bias ${shapeStr(shapeOf(2))} does not match ${w[0]} output channels`);
      return [[x[0]!, oh, ow, w[0]!]];
    }
    case 'DepthwiseConv2D': {
      const x = shapeOf(0);
      const w = shapeOf(1);
      need4d(x, 'input');
      need4d(w, 'filter [1,kh,kw,C*M]');
      if (!Number.isInteger(op.depthMultiplier) || op.depthMultiplier < 1) fail(`depth multiplier must be >= 1, got ${op.depthMultiplier}`);
      if (w[0] !== 1 || w[3] !== x[3]! * op.depthMultiplier) fail(`filter ${shapeStr(w)} does not match ${x[3]} input channels x multiplier ${op.depthMultiplier}`);
      const [oh, ow] = spatial(x[1]!, x[2]!, w[1]!, w[2]!, op.strideH, op.strideW, op.dilationH, op.dilationW, op.padding);
      if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(shapeOf(2)) !== w[3]) fail(`bias ${shapeStr(shapeOf(2))} does not match ${w[3]} output channels`);
      return [[x[0]!, oh, ow, w[3]!]];
    }
    case 'FullyConnected': {
      const x = shapeOf(0);
      const w = shapeOf(1);
      if (w.length !== 2) fail(`weights must be 2-D [units, in], got ${shapeStr(w)}`);
      const inF = w[1]!;
      const total = elementCount(x);
      if (inF === 0 || total % inF !== 0) fail(`input ${shapeStr(x)} is not a multiple of ${inF} input features`);
      if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(shapeOf(2)) !== w[0]) fail(`bias ${shapeStr(shapeOf(2))} does not match ${w[0]} units`);
      if (op.keepNumDims) {
        if (x[x.length - 1] !== inF) fail(`keep_num_dims needs the last input dimension (${x[x.length - 1]}) to equal ${inF}`);
        return [[...x.slice(0, -1), w[0]!]];
      }
      return [[total / inF, w[0]!]];
    }
    case 'AveragePool2D':
    case 'MaxPool2D': {
      const x = shapeOf(0);
      need4d(x, 'input');
      const [oh, ow] = spatial(x[1]!, x[2]!, op.filterH, op.filterW, op.strideH, op.strideW, 1, 1, op.padding);
      return [[x[0]!, oh, ow, x[3]!]];
    }
    case 'Mean': {
      const x = shapeOf(0);
      const axes = op.axes.map((a) => (a < 0 ? a + x.length : a));
      if (axes.some((a) => a < 0 || a >= x.length)) fail(`axes [${op.axes.join(',')}] out of range for input ${shapeStr(x)}`);
      if (op.keepDims) return [x.map((d, i) => (axes.includes(i) ? 1 : d))];
      return [x.filter((_, i) => !axes.includes(i))];
    }
    case 'Reshape': {
      const x = shapeOf(0);
      const out = resolveReshape(op.newShape, elementCount(x));
      if (!out) fail(`cannot reshape ${shapeStr(x)} (${elementCount(x)} elements) to ${shapeStr(op.newShape)}`);
      return [out!];
    }
    case 'Pad': {
      const x = shapeOf(0);
      if (op.paddings.length !== x.length) fail(`paddings have ${op.paddings.length} rows for a ${x.length}-D input`);
      if (op.paddings.some(([a, b]) => a < 0 || b < 0)) fail('negative paddings');
      return [x.map((d, i) => d + op.paddings[i]![0] + op.paddings[i]![1])];
    }
    case 'Concatenation': {
      const shapes = op.inputs.map((_, k) => shapeOf(k));
      if (shapes.length === 0) fail('no inputs');
      const first = shapes[0]!;
      const axis = op.axis < 0 ? op.axis + first.length : op.axis;
      if (axis < 0 || axis >= first.length) fail(`axis ${op.axis} out of range for ${shapeStr(first)}`);
      let sum = 0;
      for (const s of shapes) {
        if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) fail(`input ${shapeStr(s)} does not match ${shapeStr(first)} off axis ${axis}`);
        sum += s[axis]!;
      }
      return [first.map((d, i) => (i === axis ? sum : d))];
    }
    case 'Add':
    case 'Mul': {
      const a = shapeOf(0);
      const b = shapeOf(1);
      const out = broadcastShapes(a, b);
      if (!out) fail(`operands ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
      return [out!];
    }
    case 'Softmax':
    case 'Logistic':
    case 'Tanh':
    case 'Relu':
    case 'Relu6':
    case 'Quantize':
    case 'Dequantize':
      return [[...shapeOf(0)]];
  }
}
