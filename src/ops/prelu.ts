/**
 * PRELU: x ≥ 0 ? x : alpha·x, alpha (input 1, usually constant) broadcast against x.
 * int8: TFLM prelu_common.cc CalculatePreluParams — multiplier 1 = in_scale/out_scale,
 * multiplier 2 = in_scale·alpha_scale/out_scale (double) — and
 * reference_ops::BroadcastPrelu4DSlow: v = x − in_zp; v ≥ 0 → MBQM(v, m1), else
 * MBQM(v·(alpha − alpha_zp), m2); plus out_zp, clamped to int8.
 * float: TFLM BroadcastPrelu4DSlowFloat, `in >= 0.0f ? in : in * alpha`.
 */
import type { PreluOp } from '../ir/graph.js';
import { quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { BROADCAST_BINARY, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type BinaryPrepared } from './binary-common.js';
import { cInt32, input, INT8_MAX, INT8_MIN, output, requireDtype, scaleOf, shape4, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';

export interface PreluParams {
  inputOffset: number;
  alphaOffset: number;
  outputOffset: number;
  multiplier1: number;
  shift1: number;
  multiplier2: number;
  shift2: number;
}

export const prelu: OpDef<PreluOp, BinaryPrepared<PreluParams>> = {
  kind: 'Prelu',
  ...BROADCAST_BINARY,
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const a = input(g, op, 1);
    const y = output(g, op);
    requireDtype(x, ['int8'], op, 'input');
    requireDtype(a, ['int8'], op, 'alpha');
    requireDtype(y, ['int8'], op, 'output');
    shape4(x, op);
    shape4(a, op);
    shape4(y, op);
    const sIn = scaleOf(x, 'input', op);
    const sAlpha = scaleOf(a, 'alpha', op);
    const sOut = scaleOf(y, 'output', op);
    const m1 = quantizeMultiplier(sIn / sOut);
    const m2 = quantizeMultiplier((sIn * sAlpha) / sOut);
    const q: PreluParams = { inputOffset: -zeroPointOf(x), alphaOffset: -zeroPointOf(a), outputOffset: zeroPointOf(y), multiplier1: m1.multiplier, shift1: m1.shift, multiplier2: m2.multiplier, shift2: m2.shift };
    return { q, actMin: INT8_MIN, actMax: INT8_MAX, ...broadcastMaps(g, op) };
  },
  evalQuantized(_g, op, p) {
    const q = p.q;
    return binaryKernel(op, p, p.actMin, p.actMax, (x, alpha) => {
      const v = x + q.inputOffset;
      return (v >= 0 ? mbqm(v, q.multiplier1, q.shift1) : mbqm(Math.imul(v, alpha + q.alphaOffset), q.multiplier2, q.shift2)) + q.outputOffset;
    });
  },
  evalFloat: (g, op) => binaryKernelFloat(g, op, -Infinity, Infinity, (x, alpha) => (x >= 0 ? x : x * alpha)),
  emitC(ctx, op, p) {
    const q = p.q;
    const args = emitBroadcastArgs(ctx, op);
    ctx.decl(`static const tinyml_prelu_params_t ${ctx.prefix}_p = { ${q.inputOffset}, ${q.alphaOffset}, ${q.outputOffset}, ${cInt32(q.multiplier1)}, ${q.shift1}, ${cInt32(q.multiplier2)}, ${q.shift2} };`);
    ctx.call(`tinyml_prelu_s8(&${ctx.prefix}_p, ${args});`);
    return ['prelu_s8'];
  },
  tflite: {
    builtin: 'PRELU',
    read: (r) => ({ ...r.base, kind: 'Prelu' }),
    // op_version.cc has no case for PRELU: every dtype is version 1.
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 1 }) }),
  },
  // relu(x) + alpha·min(x, 0), exact in float: tfjs's own prelu on its wasm backend gives
  // wrong values for a [1, 1, C] alpha (40 % of the output range off in the ONNX PRelu test).
  tf: (tf, _g, op, get) => {
    const x = get(op.inputs[0]!);
    return tf.add(tf.relu(x), tf.mul(get(op.inputs[1]!), tf.minimum(x, 0)));
  },
};
