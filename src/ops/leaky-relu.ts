/**
 * LEAKY_RELU: x > 0 ? x : alpha·x.
 * int8 and int16 (16x8): TFLM leaky_relu_common.cc CalculateOpDataLeakyRelu — two multipliers,
 * float32 in_scale·alpha/out_scale and in_scale/out_scale (float arithmetic, then
 * QuantizeMultiplier; a negative alpha gives a negative multiplier) — and
 * reference_ops::QuantizeLeakyRelu: out = out_zp + MultiplyByQuantizedMultiplier(x − in_zp,
 * identity or alpha multiplier by the sign of x − in_zp), clamped to the type. In C the int8 op
 * is its 256-entry table (src/ops/lut.ts), int16 the kernel leaky_relu_s16.
 * float: reference_ops::LeakyRelu, `val > 0 ? val : val * alpha` in float32.
 */
import type { LeakyReluOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { cInt32, ELEMENTWISE_CALIBRATED, input, output, qRange, requireDtype, scaleOf, versionByDtype, zeroPointOf } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

export interface LeakyReluPrepared {
  inputZeroPoint: number;
  outputZeroPoint: number;
  multiplierAlpha: number;
  shiftAlpha: number;
  multiplierIdentity: number;
  shiftIdentity: number;
  qmin: number;
  qmax: number;
  n: number;
}

export const leakyRelu: OpDef<LeakyReluOp, LeakyReluPrepared> = {
  kind: 'LeakyRelu',
  ...ELEMENTWISE_CALIBRATED,
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = output(g, op);
    requireDtype(y, ['int8', 'int16'], op, 'output');
    requireDtype(x, [y.dtype], op, 'input');
    const inScale = scaleOf(x, 'input', op);
    const outScale = scaleOf(y, 'output', op);
    // static_cast<double>(input->params.scale * params->alpha / output->params.scale): float32.
    const alpha = quantizeMultiplier(f32(f32(inScale * f32(op.alpha)) / outScale));
    const identity = quantizeMultiplier(f32(inScale / outScale));
    const [qmin, qmax] = qRange(y.dtype);
    return {
      inputZeroPoint: zeroPointOf(x),
      outputZeroPoint: zeroPointOf(y),
      multiplierAlpha: alpha.multiplier,
      shiftAlpha: alpha.shift,
      multiplierIdentity: identity.multiplier,
      shiftIdentity: identity.shift,
      qmin,
      qmax,
      n: elementCount(x.shape),
    };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      for (let i = 0; i < p.n; i++) {
        const v = inp[i]! - p.inputZeroPoint;
        const o = p.outputZeroPoint + (v >= 0 ? mbqm(v, p.multiplierIdentity, p.shiftIdentity) : mbqm(v, p.multiplierAlpha, p.shiftAlpha));
        out[i] = o < p.qmin ? p.qmin : o > p.qmax ? p.qmax : o;
      }
    };
  },
  evalFloat(g, op) {
    const alpha = f32(op.alpha);
    return unaryFloat(g, op, (v) => (v > 0 ? v : f32(v * alpha)));
  },
  emitC(ctx, op, p) {
    if (ctx.g.tensors[op.outputs[0]!]!.dtype === 'int8') return emitLut(leakyRelu, ctx, op);
    const L = ctx.prefix;
    ctx.decl(
      `static const tinyml_leaky_relu_params_t ${L}_p = { ${p.inputZeroPoint}, ${p.outputZeroPoint}, ${cInt32(p.multiplierAlpha)}, ${p.shiftAlpha}, ${cInt32(p.multiplierIdentity)}, ${p.shiftIdentity} };`,
    );
    ctx.call(`tinyml_leaky_relu_s16(&${L}_p, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)}, ${p.n});`);
    return ['leaky_relu_s16'];
  },
  tflite: {
    builtin: 'LEAKY_RELU',
    options: 'LeakyReluOptions',
    read: (r) => ({ ...r.base, kind: 'LeakyRelu', alpha: r.optNumber('alpha', 0) }),
    // op_version.cc: int16 → 2; int8 and float → 1.
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 1, int16: 2 }), options: { alpha: op.alpha } }),
  },
  tf: (tf, _g, op, get) => tf.leakyRelu(get(op.inputs[0]!), op.alpha),
};
