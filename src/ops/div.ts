/**
 * DIV with NumPy broadcasting and a fused activation.
 * int8: TFLM div.cc (90b983c has the int8 path: CalculateOpDataDiv + EvalQuantized) —
 * multiplier in1_scale / (in2_scale · out_scale) in float32 arithmetic, QuantizeMultiplier;
 * per pair reference_ops::DivElementwise / BroadcastDivSlowQuantized: offset both inputs, make
 * the divisor positive (negating both), its reciprocal by GetReciprocal(divisor, 31) (gemmlowp
 * one_over_one_plus_x), the dividend normalised by its leading sign bits, multiplied
 * (MultiplyByQuantizedMultiplierGreaterThanOne), then MultiplyByQuantizedMultiplierSmallerThanOneExp
 * by the output multiplier with shift output_shift − recip_shift − headroom, offset, clamped.
 * Where TFLM's C is undefined the result here is defined, and documented:
 *   - a zero divisor (input 2 at its zero point; TFLM only DCHECKs): the dividend's sign
 *     saturates the output (0/0 gives the output zero point);
 *   - a total right shift beyond 31 bits (a quotient far below one output step; the C shift
 *     is undefined): the rounded value, 0.
 * float: reference_ops::Div / BroadcastDivSlow, x / y in float32, then the activation clamp.
 */
import type { ElementwiseBinaryOp, Graph } from '../ir/graph.js';
import { f32, quantizeMultiplier, saturatingRoundingDoublingHighMul as srdhm } from '../numerics/fixed-point.js';
import { getReciprocal } from '../numerics/gemmlowp.js';
import { rdbpot } from '../numerics/requantize.js';
import { countLeadingSignBits } from '../numerics/tflite-math.js';
import { BROADCAST_BINARY, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type BinaryPrepared } from './binary-common.js';
import { activationRangeFloat, activationRangeQuantized, cInt32, input, INT8_MAX, INT8_MIN, output, requireDtype, sameShape, scaleOf, shape4, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode } from './tflite-codes.js';

type DivOp = ElementwiseBinaryOp & { kind: 'Div' };

export interface DivParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
}

/** DivElementwise on one pair, before the clamp. */
export function divElement(q: DivParams, x: number, y: number): number {
  let v1 = x + q.input1Offset;
  let v2 = y + q.input2Offset;
  if (v2 === 0) return v1 > 0 ? INT8_MAX : v1 < 0 ? INT8_MIN : q.outputOffset;
  if (v2 < 0) {
    v1 = -v1;
    v2 = -v2;
  }
  const { raw: inv, numBitsOverUnit: recipShift } = getReciprocal(v2, 31);
  const headroom = countLeadingSignBits(v1);
  // x * (1 << headroom) in C: a headroom of 31 (x = −1) wraps to INT32_MIN, as Math.imul does.
  const unscaled = srdhm(Math.imul(v1, 1 << headroom), inv);
  const right = -(q.outputShift - recipShift - headroom);
  const scaled = srdhm(unscaled, q.outputMultiplier);
  return (right > 31 ? 0 : rdbpot(scaled, right)) + q.outputOffset;
}

function divParams(g: Graph, op: DivOp): DivParams {
  const s1 = scaleOf(input(g, op, 0), 'input 1', op);
  const s2 = scaleOf(input(g, op, 1), 'input 2', op);
  const so = scaleOf(output(g, op), 'output', op);
  // static_cast<double>(input1->params.scale / (input2->params.scale * output->params.scale)).
  const m = quantizeMultiplier(f32(s1 / f32(s2 * so)));
  // The dividend has at least 23 leading sign bits and the reciprocal shift is ≥ 0, so the final
  // shift stays a right shift (defined in C) while output_shift ≤ 23.
  if (m.shift > 23) unsupported(op, `in1_scale / (in2_scale · out_scale) = ${s1 / (s2 * so)} is beyond TFLM's int8 DIV range (output scale too small)`);
  return { input1Offset: -zeroPointOf(input(g, op, 0)), input2Offset: -zeroPointOf(input(g, op, 1)), outputOffset: zeroPointOf(output(g, op)), outputMultiplier: m.multiplier, outputShift: m.shift };
}

export const div: OpDef<DivOp, BinaryPrepared<DivParams>> = {
  kind: 'Div',
  ...BROADCAST_BINARY,
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8'], op, 'input 1');
    requireDtype(input(g, op, 1), ['int8'], op, 'input 2');
    requireDtype(output(g, op), ['int8'], op, 'output');
    shape4(input(g, op, 0), op);
    shape4(input(g, op, 1), op);
    shape4(output(g, op), op);
    const [actMin, actMax] = activationRangeQuantized(op.activation, output(g, op), op);
    return { q: divParams(g, op), actMin, actMax, ...broadcastMaps(g, op) };
  },
  evalQuantized: (_g, op, p) => binaryKernel(op, p, p.actMin, p.actMax, (x, y) => divElement(p.q, x, y)),
  evalFloat(g, op) {
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    return binaryKernelFloat(g, op, actMin, actMax, (x, y) => x / y);
  },
  emitC(ctx, op, p) {
    const q = p.q;
    const args = emitBroadcastArgs(ctx, op);
    ctx.decl(`static const tinyml_mul_params_t ${ctx.prefix}_p = { ${q.input1Offset}, ${q.input2Offset}, ${q.outputOffset}, ${cInt32(q.outputMultiplier)}, ${q.outputShift}, ${p.actMin}, ${p.actMax} };`);
    ctx.call(`tinyml_div_s8(&${ctx.prefix}_p, ${args});`);
    return ['div_s8', 'fixed_point'];
  },
  tflite: {
    builtin: 'DIV',
    options: 'DivOptions',
    read: (r) => ({ ...r.base, kind: 'Div', activation: r.activation() }),
    write(op, w) {
      // op_version.cc: 2 for a broadcast beyond 4-D, else 1 (it has no int8 case).
      const [a, b] = [w.g.tensors[op.inputs[0]!]!.shape, w.g.tensors[op.inputs[1]!]!.shape];
      const wide = !sameShape(a, b) && Math.max(a.length, b.length) > 4;
      return { version: wide ? 2 : versionByDtype(w.g, op, { float: 1, int8: 1 }), options: { fused_activation_function: activationCode(op.activation) } };
    },
  },
  tf: (tf, _g, op, get) => tfActivation(tf, tf.div(get(op.inputs[0]!), get(op.inputs[1]!)), op.activation),
};
