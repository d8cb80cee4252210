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
import { quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { BROADCAST_BINARY, addSubElement, addSubParams, addSubParamsLiteral, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type AddSubParams, type BinaryPrepared } from './binary-common.js';
import { activationRangeFloat, activationRangeQuantized, cInt32, hasOperandDtype, input, output, requireDtype, requireZeroPoints16, scaleOf, shape4, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, type OptionRecord } from './tflite-codes.js';

type AddMulOp = ElementwiseBinaryOp & { kind: 'Add' | 'Mul' };

export interface MulParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
}

/** TFLM mul_common.cc: real = double(s1) * double(s2) / double(s_out). */
export function mulParams(g: Graph, op: Op): MulParams {
  const s1 = scaleOf(input(g, op, 0), 'input 1', op);
  const s2 = scaleOf(input(g, op, 1), 'input 2', op);
  const so = scaleOf(output(g, op), 'output', op);
  const m = quantizeMultiplier((s1 * s2) / so);
  return { input1Offset: -zeroPointOf(input(g, op, 0)), input2Offset: -zeroPointOf(input(g, op, 1)), outputOffset: zeroPointOf(output(g, op)), outputMultiplier: m.multiplier, outputShift: m.shift };
}

function addMulDef<K extends 'Add' | 'Mul'>(kind: K): OpDef<AddMulOp & { kind: K }, BinaryPrepared<AddSubParams | MulParams>> {
  const isAdd = kind === 'Add';
  return {
    kind,
    ...BROADCAST_BINARY,
    quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation },
    prepare(g, op) {
      const y = output(g, op);
      requireDtype(y, ['int8', 'int16'], op, 'output');
      requireDtype(input(g, op, 0), [y.dtype], op, 'input 1');
      requireDtype(input(g, op, 1), [y.dtype], op, 'input 2');
      if (!isAdd && y.dtype === 'int16') requireZeroPoints16(op, input(g, op, 0), input(g, op, 1), y);
      shape4(output(g, op), op);
      const [actMin, actMax] = activationRangeQuantized(op.activation, output(g, op), op);
      return { q: isAdd ? addSubParams(g, op, 'double') : mulParams(g, op), actMin, actMax, ...broadcastMaps(g, op) };
    },
    evalQuantized(_g, op, p) {
      if (isAdd) {
        const q = p.q as AddSubParams;
        return binaryKernel(op, p, p.actMin, p.actMax, (x, y) => addSubElement(q, x, y, 1));
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
      const args = emitBroadcastArgs(ctx, op);
      if (isAdd) {
        ctx.decl(`static const tinyml_add_params_t ${L}_p = ${addSubParamsLiteral(p.q as AddSubParams, p.actMin, p.actMax)};`);
      } else {
        const q = p.q as MulParams;
        ctx.decl(`static const tinyml_mul_params_t ${L}_p = { ${q.input1Offset}, ${q.input2Offset}, ${q.outputOffset}, ${cInt32(q.outputMultiplier)}, ${q.outputShift}, ${p.actMin}, ${p.actMax} };`);
      }
      const s16 = ctx.g.tensors[op.outputs[0]!]!.dtype === 'int16';
      const fn = (isAdd ? 'add_' : 'mul_') + (s16 ? 's16' : 's8');
      ctx.call(`tinyml_${fn}(&${L}_p, ${args});`);
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
