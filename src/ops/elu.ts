/**
 * ELU: x < 0 ? exp(x) − 1 : x (alpha 1, TFLite's builtin has no alpha).
 * int8: TFLM elu.cc PopulateLookupTable<int8_t> — for every int8 value v, in float32:
 * dequantized = in_scale · (v − in_zp); transformed = v < 0 ? exp(x) − 1 : x;
 * q = TfLiteRound(transformed · (1 / out_scale)) + out_zp, clamped to int8 — and
 * EvalUsingLookupTable. The C kernel is that 256-entry table (src/ops/lut.ts, lut_s8.c).
 * float: reference_ops::Elu, `x < 0 ? expm1(x) : x` in float32.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import { ELEMENTWISE_CALIBRATED, INT8_MAX, INT8_MIN, scaleOf, versionByDtype, zeroPointOf, int8InOut } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type EluOp = UnaryOp & { kind: 'Elu' };

export interface EluPrepared {
  /** Output of int8 value v at table[v + 128]. */
  table: Int8Array;
  n: number;
}

export const elu: OpDef<EluOp, EluPrepared> = {
  kind: 'Elu',
  ...ELEMENTWISE_CALIBRATED,
  prepare(g, op) {
    const { x, y } = int8InOut(g, op);
    const inScale = f32(scaleOf(x, 'input', op));
    const inZp = zeroPointOf(x);
    const invScale = f32(1 / f32(scaleOf(y, 'output', op)));
    const outZp = zeroPointOf(y);
    const table = new Int8Array(256);
    for (let v = INT8_MIN; v <= INT8_MAX; v++) {
      const d = f32(inScale * (v - inZp));
      const t = d < 0 ? f32(f32(Math.exp(d)) - 1) : d;
      const q = roundHalfAway(f32(t * invScale)) + outZp;
      table[v + 128] = Math.max(INT8_MIN, Math.min(INT8_MAX, q));
    }
    return { table, n: elementCount(x.shape) };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let i = 0; i < p.n; i++) out[i] = p.table[inp[i]! + 128]!;
    };
  },
  evalFloat: (g, op) => unaryFloat(g, op, (v) => (v < 0 ? f32(Math.expm1(v)) : v)),
  emitC: (ctx, op) => emitLut(elu, ctx, op),
  tflite: {
    builtin: 'ELU',
    read: (r) => ({ ...r.base, kind: 'Elu' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }) }),
  },
  tf: (tf, _g, op, get) => tf.elu(get(op.inputs[0]!)),
};
