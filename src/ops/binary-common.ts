/**
 * What the broadcasting binary ops share (ADD, MUL, SUB, DIV, MAXIMUM, MINIMUM,
 * SQUARED_DIFFERENCE, PRELU): output shape inference, the element maps of both operands onto the
 * output, the int8/int16 and float32 per-element kernels, the 4-D stride arrays their C kernels
 * take, and TFLM's rescale-both-inputs arithmetic of ADD and SUB:
 *   - CalculateOpDataAdd (add_common.cc) and CalculateOpDataSub (sub_common.cc): both inputs
 *     shifted left by 20 bits (15 for int16 outputs), rescaled to twice the larger input scale,
 *     combined, then rescaled to the output; each multiplier must be < 1
 *     (QuantizeMultiplierSmallerThanOneExp). ADD computes the real multipliers in double, SUB
 *     in float32 (`const float twice_max_input_scale`, float divisions, then cast to double),
 *     which changes the last bit of some multipliers.
 *   - reference_integer_ops::AddFunc / reference_ops SubElementwise on one pair of values.
 */
import type { Graph, Op } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { broadcastShapes } from '../ir/shapes.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { rdbpot, srdhmFast } from '../numerics/requantize.js';
import { broadcastIndex, broadcastStrides4, cInt32, constantOperandParams, input, inShape, noMacs, output, sameShape, scaleOf, shape4, shapeFail, shapeLit, shapeStr, unsupported, zeroPointOf } from './common.js';
import type { EmitContext, Kernel } from './op-def.js';

/** Output shape of a broadcasting binary op. */
export function broadcastOutShape(g: Graph, op: Op): number[] {
  const a = inShape(g, op, 0);
  const b = inShape(g, op, 1);
  const out = broadcastShapes(a, b);
  if (!out) shapeFail(op, `operands ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
  return out;
}

export interface BroadcastMaps {
  n: number;
  /** Flat index of operand 1 (2) read by each output element; undefined where the shapes are equal. */
  map1: Int32Array | undefined;
  map2: Int32Array | undefined;
}

/** What every two-operand broadcasting op shares: arity, output shape, params (its constant operands), no MACs. */
export const BROADCAST_BINARY = {
  arity: { inputs: [2, 2] as [number, number] },
  inferShapes: (g: Graph, op: Op) => [broadcastOutShape(g, op)],
  params: constantOperandParams,
  macs: noMacs,
};

/** Broadcast maps of both operands onto the output (undefined where the shapes are equal). */
export function broadcastMaps(g: Graph, op: Op): BroadcastMaps {
  const a = input(g, op, 0).shape;
  const b = input(g, op, 1).shape;
  const y = output(g, op).shape;
  return {
    n: elementCount(y),
    map1: sameShape(a, y) ? undefined : broadcastIndex(a, y, op),
    map2: sameShape(b, y) ? undefined : broadcastIndex(b, y, op),
  };
}

export interface BinaryPrepared<Q> extends BroadcastMaps {
  q: Q;
  actMin: number;
  actMax: number;
}

/**
 * An elementwise binary integer kernel (int8 or int16 tensors) from a per-pair function, with
 * broadcasting and the final clamp to [actMin, actMax].
 */
export function binaryKernel(op: { inputs: number[]; outputs: number[] }, b: BroadcastMaps, actMin: number, actMax: number, f: (x: number, y: number) => number): Kernel {
  const { n, map1, map2 } = b;
  const [i1, i2, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    const a = bufs[i1] as Int8Array | Int16Array;
    const c = bufs[i2] as Int8Array | Int16Array;
    const out = bufs[oIdx] as Int8Array | Int16Array;
    for (let i = 0; i < n; i++) {
      let v = f(a[map1 ? map1[i]! : i]!, c[map2 ? map2[i]! : i]!);
      v = v < actMin ? actMin : v > actMax ? actMax : v;
      out[i] = v;
    }
  };
}

/** A float elementwise binary kernel (float32 result, then the clamp). */
export function binaryKernelFloat(g: Graph, op: Op, actMin: number, actMax: number, f: (x: number, y: number) => number): Kernel {
  const { n, map1, map2 } = broadcastMaps(g, op);
  const [i1, i2, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    const a = bufs[i1] as Float32Array;
    const c = bufs[i2] as Float32Array;
    const out = bufs[oIdx] as Float32Array;
    for (let i = 0; i < n; i++) {
      const v = Math.fround(f(a[map1 ? map1[i]! : i]!, c[map2 ? map2[i]! : i]!));
      out[i] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  };
}

/**
 * C declarations of a 4-D broadcasting binary layer: `<L>_out` (the output shape) and
 * `<L>_s1`, `<L>_s2` (element strides of each operand per NHWC dimension, 0 where broadcast).
 * Returns the argument list `&<L>_out, <L>_s1, in1, <L>_s2, in2, out` of the kernel call.
 */
export function emitBroadcastArgs(ctx: EmitContext, op: Op): string {
  const L = ctx.prefix;
  const g = ctx.g;
  const yShape = g.tensors[op.outputs[0]!]!.shape;
  const s1 = broadcastStrides4(g.tensors[op.inputs[0]!]!.shape, yShape, op);
  const s2 = broadcastStrides4(g.tensors[op.inputs[1]!]!.shape, yShape, op);
  ctx.decl(`static const tinyml_shape4_t ${L}_out = ${shapeLit(shape4(yShape, op))};`, `static const int32_t ${L}_s1[4] = {${s1.join(', ')}}, ${L}_s2[4] = {${s2.join(', ')}};`);
  return `&${L}_out, ${L}_s1, ${ctx.ptr(op.inputs[0]!)}, ${L}_s2, ${ctx.ptr(op.inputs[1]!)}, ${ctx.ptr(op.outputs[0]!)}`;
}

/** TFLM's ArithmeticParams of ADD and SUB (the C struct tinyml_add_params_t, in that order). */
export interface AddSubParams {
  leftShift: number;
  input1Offset: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Offset: number;
  input2Multiplier: number;
  input2Shift: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
}

/**
 * CalculateOpDataAdd (`scaleArithmetic: 'double'`) / CalculateOpDataSub (`'float'`): left shift
 * 20 for int8 outputs, 15 for int16 (65535 << 15 still fits the int32 sum).
 */
export function addSubParams(g: Graph, op: Op, scaleArithmetic: 'double' | 'float'): AddSubParams {
  const s1 = scaleOf(input(g, op, 0), 'input 1', op);
  const s2 = scaleOf(input(g, op, 1), 'input 2', op);
  const so = scaleOf(output(g, op), 'output', op);
  const leftShift = output(g, op).dtype === 'int16' ? 15 : 20;
  let r1: number;
  let r2: number;
  let ro: number;
  if (scaleArithmetic === 'double') {
    const twiceMax = 2 * Math.max(s1, s2);
    r1 = s1 / twiceMax;
    r2 = s2 / twiceMax;
    ro = twiceMax / ((1 << leftShift) * so);
  } else {
    const twiceMax = f32(2 * Math.max(s1, s2));
    r1 = f32(s1 / twiceMax);
    r2 = f32(s2 / twiceMax);
    ro = f32(twiceMax / f32((1 << leftShift) * so));
  }
  const m1 = quantizeMultiplier(r1);
  const m2 = quantizeMultiplier(r2);
  const mo = quantizeMultiplier(ro);
  if (m1.shift > 0 || m2.shift > 0 || mo.shift > 0) {
    unsupported(op, `output scale ${so} is too small for TFLite's ${output(g, op).dtype} ${op.kind} (a rescaling multiplier ≥ 1)`);
  }
  return {
    leftShift,
    input1Offset: -zeroPointOf(input(g, op, 0)),
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Offset: -zeroPointOf(input(g, op, 1)),
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
    outputOffset: zeroPointOf(output(g, op)),
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
  };
}

/**
 * AddFunc (`sign` 1) / the SubElementwise step (`sign` -1) on one pair, before the clamp:
 * MultiplyByQuantizedMultiplierSmallerThanOneExp of each shifted input, sum or difference, then
 * of the result, plus the output offset.
 */
export function addSubElement(p: AddSubParams, x: number, y: number, sign: 1 | -1): number {
  const scale = 1 << p.leftShift;
  const a = rdbpot(srdhmFast((x + p.input1Offset) * scale, p.input1Multiplier), -p.input1Shift);
  const b = rdbpot(srdhmFast((y + p.input2Offset) * scale, p.input2Multiplier), -p.input2Shift);
  return rdbpot(srdhmFast((sign === 1 ? a + b : a - b) | 0, p.outputMultiplier), -p.outputShift) + p.outputOffset;
}

/** The C initializer of a tinyml_add_params_t. */
export function addSubParamsLiteral(q: AddSubParams, actMin: number, actMax: number): string {
  return `{ ${q.leftShift}, ${q.input1Offset}, ${cInt32(q.input1Multiplier)}, ${q.input1Shift}, ${q.input2Offset}, ${cInt32(q.input2Multiplier)}, ${q.input2Shift}, ${q.outputOffset}, ${cInt32(q.outputMultiplier)}, ${q.outputShift}, ${actMin}, ${actMax} }`;
}
