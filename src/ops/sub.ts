/**
 * SUB with NumPy broadcasting and a fused activation.
 * int8 and int16 (16x8): TFLM sub.cc EvalSubQuantized → reference_ops::Sub / BroadcastQuantSubSlow
 * with CalculateOpDataSub's parameters (src/ops/binary-common.ts addSubParams, float32 scale
 * arithmetic): both inputs shifted left by 20 (int16: 15), rescaled to twice the larger input
 * scale, subtracted, rescaled to the output. TFLM ignores pot_scale_int16 and always takes this
 * general path; the writer stores pot_scale_int16 = false for int16 so TFLite does the same.
 * float: reference_ops::SubWithActivation / BroadcastSubSlow.
 */
import type { ElementwiseBinaryOp } from '../ir/graph.js';
import { BROADCAST_BINARY, addSubElement, addSubParams, addSubParamsLiteral, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type AddSubParams, type BinaryPrepared } from './binary-common.js';
import { activationRangeFloat, activationRangeQuantized, hasOperandDtype, input, output, requireDtype, sameShape, shape4, versionByDtype } from './common.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode } from './tflite-codes.js';

type SubOp = ElementwiseBinaryOp & { kind: 'Sub' };

export const sub: OpDef<SubOp, BinaryPrepared<AddSubParams>> = {
  kind: 'Sub',
  ...BROADCAST_BINARY,
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation },
  prepare(g, op) {
    const y = output(g, op);
    requireDtype(y, ['int8', 'int16'], op, 'output');
    requireDtype(input(g, op, 0), [y.dtype], op, 'input 1');
    requireDtype(input(g, op, 1), [y.dtype], op, 'input 2');
    shape4(input(g, op, 0), op);
    shape4(input(g, op, 1), op);
    shape4(y, op);
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    return { q: addSubParams(g, op, 'float'), actMin, actMax, ...broadcastMaps(g, op) };
  },
  evalQuantized: (_g, op, p) => binaryKernel(op, p, p.actMin, p.actMax, (x, y) => addSubElement(p.q, x, y, -1)),
  evalFloat(g, op) {
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    return binaryKernelFloat(g, op, actMin, actMax, (x, y) => x - y);
  },
  emitC(ctx, op, p) {
    const args = emitBroadcastArgs(ctx, op);
    const fn = ctx.g.tensors[op.outputs[0]!]!.dtype === 'int16' ? 'sub_s16' : 'sub_s8';
    ctx.decl(`static const tinyml_add_params_t ${ctx.prefix}_p = ${addSubParamsLiteral(p.q, p.actMin, p.actMax)};`);
    ctx.call(`tinyml_${fn}(&${ctx.prefix}_p, ${args});`);
    return [fn];
  },
  tflite: {
    builtin: 'SUB',
    options: 'SubOptions',
    read: (r) => ({ ...r.base, kind: 'Sub', activation: r.activation() }),
    write(op, w) {
      const int16 = hasOperandDtype(w.g, op, 'int16');
      const [a, b] = [w.g.tensors[op.inputs[0]!]!.shape, w.g.tensors[op.inputs[1]!]!.shape];
      const wideBroadcast = !sameShape(a, b) && Math.max(a.length, b.length) > 4;
      // op_version.cc: int16 with pot_scale_int16 false → 5; a broadcast beyond 4-D → 3; int8 → 2.
      return {
        version: int16 ? 5 : wideBroadcast ? 3 : versionByDtype(w.g, op, { float: 1, int8: 2 }),
        options: { fused_activation_function: activationCode(op.activation), ...(int16 ? { pot_scale_int16: false } : {}) },
      };
    },
  },
  tf: (tf, _g, op, get) => tfActivation(tf, tf.sub(get(op.inputs[0]!), get(op.inputs[1]!)), op.activation),
};
