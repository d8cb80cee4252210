/**
 * HARD_SWISH: x · relu6(x + 3) / 6.
 * int8: TFLM hard_swish_common.cc HardSwishPrepare and reference_ops::HardSwish<int8_t>: int16
 * fixed point throughout — the input minus its zero point on a "hires" scale (×128), an output
 * multiplier and a "reluish" multiplier (float32 ratios, QuantizeMultiplier, then
 * DownScaleInt32ToInt16Multiplier), gemmlowp's int16 SaturatingRoundingDoublingHighMul and
 * RoundingDivideByPOT, a saturating left shift, and the truncating SaturatingDoublingHighMul;
 * int16 wrap-around where the C stores into int16 (the zero-point add). TFLM requires the output
 * multiplier exponent ≤ 0. In C the op is its 256-entry table (src/ops/lut.ts).
 * float: reference_ops::HardSwish, `in * min(6, max(0, in + 3)) / 6` in float32.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { ELEMENTWISE_CALIBRATED, INT8_MAX, INT8_MIN, scaleOf, unsupported, zeroPointOf, int8InOut } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type HardSwishOp = UnaryOp & { kind: 'HardSwish' };

export interface HardSwishPrepared {
  inputZeroPoint: number;
  outputZeroPoint: number;
  outputMultiplier: number; // int16
  outputExponent: number;
  reluishMultiplier: number; // int16
  reluishExponent: number;
  n: number;
}

/** Two's-complement int16 wrap of an integer. */
const i16 = (x: number): number => (x << 16) >> 16;

/** DownScaleInt32ToInt16Multiplier. */
function downScaleToInt16(m: number): number {
  if (m >= 2147483647 - (1 << 15)) return 32767;
  return (m + (1 << 15)) >> 16;
}

/** gemmlowp SaturatingRoundingDoublingHighMul on int16. */
function srdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  const ab = a * b;
  const nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
  return i16(Math.trunc((ab + nudge) / 32768));
}

/** reference_ops::SaturatingDoublingHighMul: like the above, truncating (no nudge). */
function sdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  return i16(Math.trunc((a * b) / 32768));
}

/** gemmlowp RoundingDivideByPOT on int16 scalars (mask and threshold are int16 too). */
function rdbpot16(x: number, exponent: number): number {
  const mask = i16(exponent >= 31 ? -1 : 2 ** exponent - 1);
  const remainder = i16(x & mask);
  const threshold = i16((mask >> 1) + (x < 0 ? 1 : 0));
  return i16((exponent >= 31 ? (x < 0 ? -1 : 0) : x >> exponent) + (remainder > threshold ? 1 : 0));
}

/** reference_ops::SaturatingLeftShift(int16, amount). */
function saturatingLeftShift16(v: number, amount: number): number {
  const r = v * 2 ** amount;
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/** reference_ops::HardSwish<int8_t> on one value. */
export function hardSwishElement(p: HardSwishPrepared, x: number): number {
  const inputValue = i16(x - p.inputZeroPoint);
  const hires = i16(inputValue * 128);
  const preshiftOutput = srdhm16(hires, p.outputMultiplier);
  let reluish = hires;
  if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, p.reluishExponent - 1);
  reluish = srdhm16(reluish, p.reluishMultiplier);
  if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, 1);
  if (p.reluishExponent < 0) reluish = rdbpot16(reluish, -p.reluishExponent);
  reluish = i16((reluish + (1 << 15)) >> 1);
  const preshiftOutputValue = sdhm16(reluish, preshiftOutput);
  let out = rdbpot16(preshiftOutputValue, -p.outputExponent);
  out = i16(out + p.outputZeroPoint);
  return out > INT8_MAX ? INT8_MAX : out < INT8_MIN ? INT8_MIN : out;
}

export const hardSwish: OpDef<HardSwishOp, HardSwishPrepared> = {
  kind: 'HardSwish',
  ...ELEMENTWISE_CALIBRATED,
  prepare(g, op) {
    const { x, y } = int8InOut(g, op);
    const hiresInputScale = f32(f32(1 / 128) * scaleOf(x, 'input', op));
    const reluishScale = f32(3 / 32768);
    const outputScale = scaleOf(y, 'output', op);
    const om = quantizeMultiplier(f32(hiresInputScale / outputScale));
    if (om.shift > 0) unsupported(op, `output scale ${outputScale} is below input scale / 128 (${hiresInputScale}); TFLM's int8 HARD_SWISH requires an output multiplier exponent ≤ 0`);
    const rm = quantizeMultiplier(f32(hiresInputScale / reluishScale));
    return {
      inputZeroPoint: zeroPointOf(x),
      outputZeroPoint: zeroPointOf(y),
      outputMultiplier: downScaleToInt16(om.multiplier),
      outputExponent: om.shift,
      reluishMultiplier: downScaleToInt16(rm.multiplier),
      reluishExponent: rm.shift,
      n: elementCount(x.shape),
    };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let i = 0; i < p.n; i++) out[i] = hardSwishElement(p, inp[i]!);
    };
  },
  evalFloat: (g, op) => unaryFloat(g, op, (v) => f32(f32(v * Math.min(6, Math.max(0, f32(v + 3)))) / 6)),
  emitC: (ctx, op) => emitLut(hardSwish, ctx, op),
  tflite: {
    builtin: 'HARD_SWISH',
    options: 'HardSwishOptions',
    read: (r) => ({ ...r.base, kind: 'HardSwish' }),
    // op_version.cc has no case for HARD_SWISH: version 1 for every dtype.
    write: () => ({ version: 1, options: {} }),
  },
  tf: (tf, _g, op, get) => {
    const x = get(op.inputs[0]!);
    return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
  },
};
