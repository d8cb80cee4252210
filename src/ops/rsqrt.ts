/**
 * RSQRT: 1/√x.
 * int8: TFLM elementwise.cc PrepareAbsRsqrt (SetRsqrtOutputMultiplier: 1 / (√in_scale ·
 * out_scale) in double, QuantizeMultiplier) and RsqrtEvalQuantized: v = x − in_zp; v = 0 gives
 * the int8 maximum ("any value close to 0 represents the max output value"); otherwise
 * GetInvSqrtQuantizedMultiplierExp(v) → data = MBQM(1, inv, inv_shift + 20), out =
 * MBQM(data, multiplier, shift − 20) + out_zp, clamped to int8. TFLM fails the invocation for
 * v < 0 ("Rsqrt is only defined for positive values"); code that runs per element cannot fail,
 * so here those inputs give the int8 maximum too (the value TFLM gives the closest valid
 * input, 0). In C the op is its 256-entry table (src/ops/lut.ts).
 * float: `1.f / std::sqrt(f)` in float32.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { getInvSqrtQuantizedMultiplierExp } from '../numerics/tflite-math.js';
import { ELEMENTWISE_CALIBRATED, INT8_MAX, INT8_MIN, scaleOf, unsupported, versionByDtype, zeroPointOf, int8InOut } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type RsqrtOp = UnaryOp & { kind: 'Rsqrt' };

const K_SHIFT = 20;

export interface RsqrtPrepared {
  multiplier: number;
  shift: number;
  inputOffset: number;
  outputOffset: number;
  n: number;
}

/** RsqrtEvalQuantized on one int8 value. */
export function rsqrtElement(p: RsqrtPrepared, x: number): number {
  const value = x - p.inputOffset;
  if (value <= 0) return INT8_MAX;
  const inv = getInvSqrtQuantizedMultiplierExp(value);
  const data = mbqm(1, inv.multiplier, inv.shift + K_SHIFT);
  const out = mbqm(data, p.multiplier, p.shift - K_SHIFT) + p.outputOffset;
  return out > INT8_MAX ? INT8_MAX : out < INT8_MIN ? INT8_MIN : out;
}

export const rsqrt: OpDef<RsqrtOp, RsqrtPrepared> = {
  kind: 'Rsqrt',
  ...ELEMENTWISE_CALIBRATED,
  prepare(g, op) {
    const { x, y } = int8InOut(g, op);
    const inScale = scaleOf(x, 'input', op);
    const outScale = scaleOf(y, 'output', op);
    const m = quantizeMultiplier(1 / (Math.sqrt(inScale) * outScale));
    // MBQM(data, m, shift − 20) must stay a right shift of at most 31 bits (C shifts).
    if (m.shift - K_SHIFT < -31) unsupported(op, `output scale ${outScale} is too large for input scale ${inScale} (1/(√in·out) below 2^-12)`);
    return { multiplier: m.multiplier, shift: m.shift, inputOffset: zeroPointOf(x), outputOffset: zeroPointOf(y), n: elementCount(x.shape) };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let i = 0; i < p.n; i++) out[i] = rsqrtElement(p, inp[i]!);
    };
  },
  evalFloat: (g, op) => unaryFloat(g, op, (v) => f32(1 / f32(Math.sqrt(v)))),
  emitC: (ctx, op) => emitLut(rsqrt, ctx, op),
  tflite: {
    builtin: 'RSQRT',
    read: (r) => ({ ...r.base, kind: 'Rsqrt' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }) }),
  },
  tf: (tf, _g, op, get) => tf.rsqrt(get(op.inputs[0]!)),
};
