/**
 * QUANTIZE and DEQUANTIZE.
 * - Quantize float32 → int8: reference_ops::AffineQuantize — round(val / scale) in float32
 *   (half away from zero), + zero point, clamped; out-of-range float → int32 conversion
 *   saturates as on Arm (VCVT), NaN becomes 0.
 * - Quantize int8 → int8: TFLM quantize_common.cc, reference_ops::Requantize with
 *   MBQM(in_scale / out_scale).
 * - Dequantize int8 → float32: reference_ops::Dequantize, float(double(scale) · (q - zp)).
 * - Quantize between integer types other than int8 → int8 (int16 → int8, int16 → int32, int8 →
 *   int16, ...; TFLM quantize_common.cc EvalQuantizeReference, all through
 *   reference_ops::Requantize with QuantizeMultiplier(double(in_scale) / double(out_scale))):
 *   the 'requantize-int' path, a C kernel generic over both element sizes (requantize.c).
 * The generated C takes int8 data at its boundary: a float input's Quantize and a float
 * output's Dequantize are stripped there (src/codegen/prepare.ts) and run by the caller; an
 * int8 → int8 Quantize becomes a 256-entry table.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier, roundHalfAway } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { cInt32, input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, output, requireDtype, scaleOf, unsupported, versionByDtype, zeroPointOf } from './common.js';
import { emitLut } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type QuantizeOp = UnaryOp & { kind: 'Quantize' };
type DequantizeOp = UnaryOp & { kind: 'Dequantize' };

export type QuantizePrepared =
  | { mode: 'from-float'; scale: number; zeroPoint: number; n: number }
  | { mode: 'requantize'; multiplier: number; shift: number; inputZeroPoint: number; outputZeroPoint: number; n: number }
  | { mode: 'requantize-int'; from: IntType; to: IntType; multiplier: number; shift: number; inputZeroPoint: number; outputZeroPoint: number; n: number };

type IntType = 'int8' | 'int16' | 'int32';

/** The integer → integer pairs TFLM's PrepareQuantizeReference accepts (besides int8 → int8). */
function requantizePairOk(from: string, to: string): boolean {
  return (
    (from === 'int16' && (to === 'int8' || to === 'int16' || to === 'int32')) ||
    (from === 'int8' && (to === 'int16' || to === 'int32')) ||
    (from === 'int32' && (to === 'int8' || to === 'int16'))
  );
}

/** Element range of an integer type. */
function intRange(t: IntType): [number, number] {
  return t === 'int8' ? [-128, 127] : t === 'int16' ? [-32768, 32767] : [-2147483648, 2147483647];
}

export const quantize: OpDef<QuantizeOp, QuantizePrepared> = {
  kind: 'Quantize',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'calibrated' } },
  usesFloatKernel: () => false,
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = output(g, op);
    if (requantizePairOk(x.dtype, y.dtype)) {
      // Separate from the int8 → int8 table path: any pair of integer types TFLM requantizes.
      const q = quantizeMultiplier(scaleOf(x, 'input', op) / scaleOf(y, 'output', op));
      return { mode: 'requantize-int', from: x.dtype as IntType, to: y.dtype as IntType, multiplier: q.multiplier, shift: q.shift, inputZeroPoint: zeroPointOf(x), outputZeroPoint: zeroPointOf(y), n: elementCount(x.shape) };
    }
    requireDtype(x, ['float32', 'int8'], op, 'input');
    requireDtype(y, ['int8'], op, 'output');
    const n = elementCount(x.shape);
    if (x.dtype === 'float32') return { mode: 'from-float', scale: scaleOf(y, 'output', op), zeroPoint: zeroPointOf(y), n };
    const q = quantizeMultiplier(scaleOf(x, 'input', op) / scaleOf(y, 'output', op));
    return { mode: 'requantize', multiplier: q.multiplier, shift: q.shift, inputZeroPoint: zeroPointOf(x), outputZeroPoint: zeroPointOf(y), n };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    if (p.mode === 'requantize-int') {
      // reference_ops::Requantize: MBQM(in - in_zp) + out_zp, clamped to the output type.
      const { multiplier, shift, inputZeroPoint: inZp, outputZeroPoint: outZp, n } = p;
      const [lo, hi] = intRange(p.to);
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array | Int16Array | Int32Array;
        const out = bufs[oIdx] as Int8Array | Int16Array | Int32Array;
        for (let i = 0; i < n; i++) {
          const v = mbqm((inp[i]! - inZp) | 0, multiplier, shift) + outZp;
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
      };
    }
    if (p.mode === 'from-float') {
      const { scale, zeroPoint: zp, n } = p;
      return (bufs) => {
        const inp = bufs[iIdx] as Float32Array;
        const out = bufs[oIdx] as Int8Array;
        for (let i = 0; i < n; i++) {
          let r = roundHalfAway(f32(inp[i]! / scale));
          r = Number.isNaN(r) ? 0 : r > 2147483647 ? 2147483647 : r < -2147483648 ? -2147483648 : r;
          const v = r + zp;
          out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
        }
      };
    }
    const { multiplier, shift, inputZeroPoint: inZp, outputZeroPoint: outZp, n } = p;
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let i = 0; i < n; i++) {
        const v = mbqm(inp[i]! - inZp, multiplier, shift) + outZp;
        out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
      }
    };
  },
  emitC(ctx, op, p) {
    if (p.mode === 'requantize-int') {
      const bytes = (t: IntType) => (t === 'int8' ? 1 : t === 'int16' ? 2 : 4);
      ctx.call(
        `tinyml_requantize(${ctx.ptr(op.inputs[0]!)}, ${bytes(p.from)}, ${ctx.ptr(op.outputs[0]!)}, ${bytes(p.to)}, ${p.n}, ${cInt32(p.multiplier)}, ${p.shift}, ${p.inputZeroPoint}, ${p.outputZeroPoint});`,
      );
      return ['requantize'];
    }
    if (p.mode === 'from-float') unsupported(op, 'a float → int8 Quantize inside the graph needs float data at run time; the generated C only strips it at the model input');
    return emitLut(quantize, ctx, op);
  },
  tflite: {
    builtin: 'QUANTIZE',
    options: 'QuantizeOptions',
    read: (r) => ({ ...r.base, kind: 'Quantize' }),
    write(op, w) {
      // Requantization between integer types other than int8 → int8 is version 1, as TFLite's
      // converter writes it (keyword_scrambled_8bit's int16 → int8 / int16 → int32, seanet's int32 → int16).
      const from = w.g.tensors[op.inputs[0]!]!.dtype;
      const to = w.g.tensors[op.outputs[0]!]!.dtype;
      if (requantizePairOk(from, to)) return { version: 1, options: {} };
      return { version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 4 }), options: {} };
    },
  },
};

export interface DequantizePrepared {
  scale: number;
  zeroPoint: number;
  n: number;
}

export const dequantize: OpDef<DequantizeOp, DequantizePrepared> = {
  kind: 'Dequantize',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare(g, op) {
    const x = input(g, op, 0);
    requireDtype(x, ['int8'], op, 'input');
    requireDtype(output(g, op), ['float32'], op, 'output');
    return { scale: scaleOf(x, 'input', op), zeroPoint: zeroPointOf(x), n: elementCount(x.shape) };
  },
  evalQuantized(_g, op, p) {
    const { scale, zeroPoint: zp, n } = p;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Float32Array;
      for (let i = 0; i < n; i++) out[i] = scale * (inp[i]! - zp);
    };
  },
  emitC(_ctx, op) {
    return unsupported(op, 'Dequantize inside the graph produces float32; int8 firmware only strips it at the model output');
  },
  tflite: {
    builtin: 'DEQUANTIZE',
    options: 'DequantizeOptions',
    read: (r) => ({ ...r.base, kind: 'Dequantize' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 4 }), options: {} }),
  },
};
