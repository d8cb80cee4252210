/**
 * SQUARED_DIFFERENCE with NumPy broadcasting: (x − y)².
 * int8: TFLM squared_difference.cc — PrepareQuantized with left_shift 7 (255² · 2^14 fits
 * int32): input multipliers s_k / (2·max(s1, s2)) (QuantizeMultiplierSmallerThanOneExp, double),
 * output multiplier (2·max)² / (2^14 · s_out) (QuantizeMultiplier, may exceed 1; the product
 * 2^14 · s_out is float32 as in the C); per pair: both inputs offset and shifted left by 7,
 * rescaled, subtracted, squared in int32, requantized by MultiplyByQuantizedMultiplier, offset,
 * clamped to int8.
 * float: reference_ops::BinaryFunction with `difference * difference` in float32.
 */
import type { BinaryOp } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm, rdbpot, srdhmFast } from '../numerics/requantize.js';
import { BROADCAST_BINARY, addSubParamsLiteral, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type AddSubParams, type BinaryPrepared } from './binary-common.js';
import { input, INT8_MAX, INT8_MIN, output, requireDtype, scaleOf, shape4, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';

type SquaredDifferenceOp = BinaryOp & { kind: 'SquaredDifference' };

const LEFT_SHIFT = 7;

export const squaredDifference: OpDef<SquaredDifferenceOp, BinaryPrepared<AddSubParams>> = {
  kind: 'SquaredDifference',
  ...BROADCAST_BINARY,
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    const y = output(g, op);
    requireDtype(input(g, op, 0), ['int8'], op, 'input 1');
    requireDtype(input(g, op, 1), ['int8'], op, 'input 2');
    requireDtype(y, ['int8'], op, 'output');
    shape4(input(g, op, 0), op);
    shape4(input(g, op, 1), op);
    shape4(y, op);
    const s1 = scaleOf(input(g, op, 0), 'input 1', op);
    const s2 = scaleOf(input(g, op, 1), 'input 2', op);
    const so = scaleOf(y, 'output', op);
    const twiceMax = 2 * Math.max(s1, s2);
    const m1 = quantizeMultiplier(s1 / twiceMax);
    const m2 = quantizeMultiplier(s2 / twiceMax);
    const mo = quantizeMultiplier((twiceMax * twiceMax) / f32((1 << (2 * LEFT_SHIFT)) * so));
    if (mo.shift > 30) unsupported(op, `output scale ${so} is too small for TFLite's int8 SQUARED_DIFFERENCE (output multiplier beyond 2^30)`);
    const q: AddSubParams = {
      leftShift: LEFT_SHIFT,
      input1Offset: -zeroPointOf(input(g, op, 0)),
      input1Multiplier: m1.multiplier,
      input1Shift: m1.shift,
      input2Offset: -zeroPointOf(input(g, op, 1)),
      input2Multiplier: m2.multiplier,
      input2Shift: m2.shift,
      outputOffset: zeroPointOf(y),
      outputMultiplier: mo.multiplier,
      outputShift: mo.shift,
    };
    return { q, actMin: INT8_MIN, actMax: INT8_MAX, ...broadcastMaps(g, op) };
  },
  evalQuantized(_g, op, p) {
    const q = p.q;
    const scale = 1 << q.leftShift;
    return binaryKernel(op, p, p.actMin, p.actMax, (x, y) => {
      const a = rdbpot(srdhmFast((x + q.input1Offset) * scale, q.input1Multiplier), -q.input1Shift);
      const b = rdbpot(srdhmFast((y + q.input2Offset) * scale, q.input2Multiplier), -q.input2Shift);
      const d = (a - b) | 0;
      return mbqm(Math.imul(d, d), q.outputMultiplier, q.outputShift) + q.outputOffset;
    });
  },
  evalFloat: (g, op) =>
    binaryKernelFloat(g, op, -Infinity, Infinity, (x, y) => {
      const d = Math.fround(x - y);
      return d * d;
    }),
  emitC(ctx, op, p) {
    const args = emitBroadcastArgs(ctx, op);
    ctx.decl(`static const tinyml_add_params_t ${ctx.prefix}_p = ${addSubParamsLiteral(p.q, p.actMin, p.actMax)};`);
    ctx.call(`tinyml_squared_difference_s8(&${ctx.prefix}_p, ${args});`);
    return ['squared_difference_s8'];
  },
  tflite: {
    builtin: 'SQUARED_DIFFERENCE',
    options: 'SquaredDifferenceOptions',
    read: (r) => ({ ...r.base, kind: 'SquaredDifference' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }), options: {} }),
  },
  tf: (tf, _g, op, get) => tf.squaredDifference(get(op.inputs[0]!), get(op.inputs[1]!)),
};
