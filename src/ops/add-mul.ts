/**
 * ADD and MUL with NumPy broadcasting and a fused activation.
 * int8 Add: reference_integer_ops::AddFunc with TFLM add_common.cc's parameters — both inputs
 * shifted left by 20 bits, rescaled to twice the larger input scale, summed, then rescaled to
 * the output (each multiplier must be < 1, as TFLM's QuantizeMultiplierSmallerThanOneExp
 * requires). int8 Mul: reference_integer_ops::MulElementwise with one multiplier
 * in1_scale·in2_scale/out_scale (double). float: reference_ops Add/Mul with the activation clamp.
 * 16x8: TFLM add.cc's int16 case is reference_ops::Add(int16, pot_scale = false) →
 * AddElementwise, the same steps as int8 with a left shift of 15 (add_common.cc); the int16 Mul
 * is reference_integer_ops::MulElementwise / BroadcastMul4DSlow on int16 with zero points 0
 * (mul_common.cc requires them). Both write pot_scale_int16 = false (TFLite's general-scale
 * int16 ADD, version 3) so TFLite itself runs the same arithmetic.
 */
import type { ElementwiseBinaryOp, Graph, Op } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm, rdbpot, srdhmFast } from '../numerics/requantize.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  broadcastIndex,
  broadcastStrides4,
  cInt32,
  constantOperandParams,
  hasOperandDtype,
  input,
  inShape,
  noMacs,
  output,
  requireDtype,
  requireZeroPoints16,
  sameShape,
  scaleOf,
  shape4,
  shapeFail,
  shapeLit,
  shapeStr,
  unsupported,
  versionByDtype,
  zeroPointOf,
} from './common.js';
import { broadcastShapes } from '../ir/shapes.js';
import type { Kernel, OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, type OptionRecord } from './tflite-codes.js';

type AddMulOp = ElementwiseBinaryOp & { kind: 'Add' | 'Mul' };

export interface AddParams {
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

export interface MulParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
}

export interface BinaryPrepared<Q> {
  q: Q;
  actMin: number;
  actMax: number;
  n: number;
  map1: Int32Array | undefined;
  map2: Int32Array | undefined;
}

/** Output shape of a broadcasting binary op. */
export function broadcastOutShape(g: Graph, op: Op): number[] {
  const a = inShape(g, op, 0);
  const b = inShape(g, op, 1);
  const out = broadcastShapes(a, b);
  if (!out) shapeFail(op, `operands ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
  return out;
}

/** Broadcast maps of both operands onto the output (undefined where the shapes are equal). */
export function broadcastMaps(g: Graph, op: Op): { n: number; map1: Int32Array | undefined; map2: Int32Array | undefined } {
  const o = op;
  const a = input(g, o, 0).shape;
  const b = input(g, o, 1).shape;
  const y = output(g, o).shape;
  return {
    n: elementCount(y),
    map1: sameShape(a, y) ? undefined : broadcastIndex(a, y, o),
    map2: sameShape(b, y) ? undefined : broadcastIndex(b, y, o),
  };
}

/** TFLM add_common.cc CalculateOpDataAdd for int8 and int16 (left shift 20 or 15). */
export function addParams(g: Graph, op: Op): AddParams {
  const s1 = scaleOf(input(g, op, 0), 'input 1', op);
  const s2 = scaleOf(input(g, op, 1), 'input 2', op);
  const so = scaleOf(output(g, op), 'output', op);
  const leftShift = output(g, op).dtype === 'int16' ? 15 : 20;
  const twiceMaxInputScale = 2 * Math.max(s1, s2);
  const m1 = quantizeMultiplier(s1 / twiceMaxInputScale);
  const m2 = quantizeMultiplier(s2 / twiceMaxInputScale);
  const mo = quantizeMultiplier(twiceMaxInputScale / ((1 << leftShift) * so));
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

/** TFLM mul_common.cc: real = double(s1) * double(s2) / double(s_out). */
export function mulParams(g: Graph, op: Op): MulParams {
  const s1 = scaleOf(input(g, op, 0), 'input 1', op);
  const s2 = scaleOf(input(g, op, 1), 'input 2', op);
  const so = scaleOf(output(g, op), 'output', op);
  const m = quantizeMultiplier((s1 * s2) / so);
  return { input1Offset: -zeroPointOf(input(g, op, 0)), input2Offset: -zeroPointOf(input(g, op, 1)), outputOffset: zeroPointOf(output(g, op)), outputMultiplier: m.multiplier, outputShift: m.shift };
}

/** int8 AddFunc on one pair (offsets already applied by the caller's parameters). */
export function addElement(p: AddParams, x: number, y: number): number {
  const scale = 1 << p.leftShift;
  const a = rdbpot(srdhmFast((x + p.input1Offset) * scale, p.input1Multiplier), -p.input1Shift);
  const b = rdbpot(srdhmFast((y + p.input2Offset) * scale, p.input2Multiplier), -p.input2Shift);
  return rdbpot(srdhmFast((a + b) | 0, p.outputMultiplier), -p.outputShift) + p.outputOffset;
}

/** An elementwise binary int8/int16 kernel from a per-pair function, with broadcasting and clamping. */
export function binaryKernel(op: { inputs: number[]; outputs: number[] }, b: { n: number; map1: Int32Array | undefined; map2: Int32Array | undefined }, actMin: number, actMax: number, f: (x: number, y: number) => number): Kernel {
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

function addMulDef<K extends 'Add' | 'Mul'>(kind: K): OpDef<AddMulOp & { kind: K }, BinaryPrepared<AddParams | MulParams>> {
  const isAdd = kind === 'Add';
  return {
    kind,
    arity: { inputs: [2, 2] },
    inferShapes: (g, op) => [broadcastOutShape(g, op)],
    params: constantOperandParams,
    macs: noMacs,
    quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation },
    prepare(g, op) {
      const y = output(g, op);
      requireDtype(y, ['int8', 'int16'], op, 'output');
      requireDtype(input(g, op, 0), [y.dtype], op, 'input 1');
      requireDtype(input(g, op, 1), [y.dtype], op, 'input 2');
      if (!isAdd && y.dtype === 'int16') requireZeroPoints16(op, input(g, op, 0), input(g, op, 1), y);
      shape4(output(g, op), op);
      const [actMin, actMax] = activationRangeQuantized(op.activation, output(g, op), op);
      return { q: isAdd ? addParams(g, op) : mulParams(g, op), actMin, actMax, ...broadcastMaps(g, op) };
    },
    evalQuantized(_g, op, p) {
      if (isAdd) {
        const q = p.q as AddParams;
        return binaryKernel(op, p, p.actMin, p.actMax, (x, y) => addElement(q, x, y));
      }
      const q = p.q as MulParams;
      // int32 product as in C (wraps only for int16 operands with offsets, which int16 refuses).
      return binaryKernel(op, p, p.actMin, p.actMax, (x, y) => mbqm(Math.imul(x + q.input1Offset, y + q.input2Offset), q.outputMultiplier, q.outputShift) + q.outputOffset);
    },
    evalFloat(g, op) {
      const [actMin, actMax] = activationRangeFloat(op.activation, op);
      return binaryKernelFloat(g, op, actMin, actMax, isAdd ? (x, y) => x + y : (x, y) => x * y);
    },
    emitC(ctx, op, p) {
      const L = ctx.prefix;
      const g = ctx.g;
      const yShape = g.tensors[op.outputs[0]!]!.shape;
      const s1 = broadcastStrides4(g.tensors[op.inputs[0]!]!.shape, yShape, op);
      const s2 = broadcastStrides4(g.tensors[op.inputs[1]!]!.shape, yShape, op);
      ctx.decl(`static const tinyml_shape4_t ${L}_out = ${shapeLit(shape4(yShape, op))};`, `static const int32_t ${L}_s1[4] = {${s1.join(', ')}}, ${L}_s2[4] = {${s2.join(', ')}};`);
      if (isAdd) {
        const q = p.q as AddParams;
        ctx.decl(
          `static const tinyml_add_params_t ${L}_p = { ${q.leftShift}, ${q.input1Offset}, ${cInt32(q.input1Multiplier)}, ${q.input1Shift}, ${q.input2Offset}, ${cInt32(q.input2Multiplier)}, ${q.input2Shift}, ${q.outputOffset}, ${cInt32(q.outputMultiplier)}, ${q.outputShift}, ${p.actMin}, ${p.actMax} };`,
        );
      } else {
        const q = p.q as MulParams;
        ctx.decl(`static const tinyml_mul_params_t ${L}_p = { ${q.input1Offset}, ${q.input2Offset}, ${q.outputOffset}, ${cInt32(q.outputMultiplier)}, ${q.outputShift}, ${p.actMin}, ${p.actMax} };`);
      }
      const s16 = g.tensors[op.outputs[0]!]!.dtype === 'int16';
      const fn = (isAdd ? 'add_' : 'mul_') + (s16 ? 's16' : 's8');
      ctx.call(`tinyml_${fn}(&${L}_p, &${L}_out, ${L}_s1, ${ctx.ptr(op.inputs[0]!)}, ${L}_s2, ${ctx.ptr(op.inputs[1]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return [fn];
    },
    tflite: {
      builtin: isAdd ? 'ADD' : 'MUL',
      options: isAdd ? 'AddOptions' : 'MulOptions',
      read: (r) => ({ ...r.base, kind, activation: r.activation() }) as AddMulOp & { kind: K },
      write(op, w) {
        const options: OptionRecord = { fused_activation_function: activationCode(op.activation) };
        // TFLite's int16 ADD defaults to power-of-two scales; TFLM and this kernel use general ones.
        if (isAdd && hasOperandDtype(w.g, op, 'int16')) options.pot_scale_int16 = false;
        return { version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: isAdd ? 3 : 4 }), options };
      },
    },
    tf: (tf, _g, op, get) => tfActivation(tf, (isAdd ? tf.add : tf.mul)(get(op.inputs[0]!), get(op.inputs[1]!)), op.activation),
  };
}

export const add = addMulDef('Add');
export const mul = addMulDef('Mul');
