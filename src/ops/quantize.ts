/**
 * QUANTIZE and DEQUANTIZE.
 * - Quantize float32 → int8 / int16: reference_ops::AffineQuantize — round(val / scale) in
 *   float32 (half away from zero), + zero point, clamped to the output type; out-of-range
 *   float → int32 conversion saturates as on Arm (VCVT), NaN becomes 0.
 * - Quantize between int8, int16 and int32 (the pairs TFLM quantize_common.cc
 *   PrepareQuantizeReference accepts: 16→8, 8→8, 8→16, 8→32, 16→16, 16→32, 32→8, 32→16):
 *   reference_ops::Requantize, clamp(MBQM(in - in_zp, in_scale / out_scale) + out_zp).
 * - Dequantize int8 / int16 → float32: reference_ops::Dequantize, float(double(scale) · (q - zp)).
 * The generated C takes integer data at its boundary: a float input's Quantize and a float
 * output's Dequantize are stripped there (src/codegen/prepare.ts) and run by the caller; an
 * int8 → int8 Quantize becomes a 256-entry table, the other requantizations call
 * tinyml_requantize_s16.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier, roundHalfAway } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import type { DType, Graph } from '../ir/graph.js';
import { cInt32, ELEMENTWISE_CALIBRATED, input, inShape, noMacs, noParams, output, qRange, requireDtype, scaleOf, unsupported, versionByDtype, zeroPointOf } from './common.js';
import { emitLut } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type QuantizeOp = UnaryOp & { kind: 'Quantize' };
type DequantizeOp = UnaryOp & { kind: 'Dequantize' };

export type QuantizePrepared =
  | { mode: 'from-float'; scale: number; zeroPoint: number; n: number; min: number; max: number }
  | { mode: 'requantize'; multiplier: number; shift: number; inputZeroPoint: number; outputZeroPoint: number; n: number; min: number; max: number };

/** Integer → integer pairs TFLM's QUANTIZE requantizes (quantize_common.cc). */
const REQUANTIZE_PAIRS = ['int16>int8', 'int8>int8', 'int8>int16', 'int8>int32', 'int16>int16', 'int16>int32', 'int32>int8', 'int32>int16'];

/** Element bytes of an integer dtype (for the C kernel). */
const bytesOf = (d: DType) => (d === 'int8' ? 1 : d === 'int16' ? 2 : 4);

/** TFLite's QUANTIZE version (op_version.cc): 2 when the output is int16, else 1. */
function quantizeVersion(g: Graph, op: QuantizeOp): number {
  return g.tensors[op.outputs[0]!]?.dtype === 'int16' ? 2 : 1;
}

export const quantize: OpDef<QuantizeOp, QuantizePrepared> = {
  kind: 'Quantize',
  ...ELEMENTWISE_CALIBRATED,
  usesFloatKernel: () => false,
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = output(g, op);
    requireDtype(x, ['float32', 'int8', 'int16', 'int32'], op, 'input');
    requireDtype(y, x.dtype === 'float32' ? ['int8', 'int16'] : ['int8', 'int16', 'int32'], op, 'output');
    if ((y.quant?.scale.length ?? 0) > 1) unsupported(op, `output '${y.name}' is quantized per channel; TFLM's QUANTIZE takes one scale`);
    const n = elementCount(x.shape);
    const [min, max] = qRange(y.dtype);
    if (x.dtype === 'float32') return { mode: 'from-float', scale: scaleOf(y, 'output', op), zeroPoint: zeroPointOf(y), n, min, max };
    if (!REQUANTIZE_PAIRS.includes(`${x.dtype}>${y.dtype}`)) unsupported(op, `${x.dtype} → ${y.dtype} is not a requantization TFLite Micro's QUANTIZE implements`);
    const q = quantizeMultiplier(scaleOf(x, 'input', op) / scaleOf(y, 'output', op));
    return { mode: 'requantize', multiplier: q.multiplier, shift: q.shift, inputZeroPoint: zeroPointOf(x), outputZeroPoint: zeroPointOf(y), n, min, max };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { min, max } = p;
    if (p.mode === 'from-float') {
      const { scale, zeroPoint: zp, n } = p;
      return (bufs) => {
        const inp = bufs[iIdx] as Float32Array;
        const out = bufs[oIdx] as Int8Array | Int16Array;
        for (let i = 0; i < n; i++) {
          let r = roundHalfAway(f32(inp[i]! / scale));
          r = Number.isNaN(r) ? 0 : r > 2147483647 ? 2147483647 : r < -2147483648 ? -2147483648 : r;
          const v = r + zp;
          out[i] = v < min ? min : v > max ? max : v;
        }
      };
    }
    const { multiplier, shift, inputZeroPoint: inZp, outputZeroPoint: outZp, n } = p;
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array | Int32Array;
      const out = bufs[oIdx] as Int8Array | Int16Array | Int32Array;
      for (let i = 0; i < n; i++) {
        // int32 arithmetic as in C: the subtraction and the addition wrap.
        const v = (mbqm((inp[i]! - inZp) | 0, multiplier, shift) + outZp) | 0;
        out[i] = v < min ? min : v > max ? max : v;
      }
    };
  },
  emitC(ctx, op, p) {
    if (p.mode === 'from-float') unsupported(op, 'a float → integer Quantize inside the graph needs float data at run time; the generated C only strips it at the model input');
    const x = ctx.g.tensors[op.inputs[0]!]!;
    const y = ctx.g.tensors[op.outputs[0]!]!;
    if (x.dtype === 'int8' && y.dtype === 'int8') return emitLut(quantize, ctx, op);
    ctx.call(
      `tinyml_requantize_s16(${ctx.ptr(op.inputs[0]!)}, ${bytesOf(x.dtype)}, ${ctx.ptr(op.outputs[0]!)}, ${bytesOf(y.dtype)}, ${p.n}, ${cInt32(p.multiplier)}, ${p.shift}, ${cInt32(p.inputZeroPoint)}, ${cInt32(p.outputZeroPoint)});`,
    );
    return ['requantize_s16'];
  },
  tflite: {
    builtin: 'QUANTIZE',
    options: 'QuantizeOptions',
    read: (r) => ({ ...r.base, kind: 'Quantize' }),
    write: (op, w) => ({ version: quantizeVersion(w.g, op), options: {} }),
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
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(output(g, op), ['float32'], op, 'output');
    return { scale: scaleOf(x, 'input', op), zeroPoint: zeroPointOf(x), n: elementCount(x.shape) };
  },
  evalQuantized(_g, op, p) {
    const { scale, zeroPoint: zp, n } = p;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const out = bufs[oIdx] as Float32Array;
      for (let i = 0; i < n; i++) out[i] = scale * (inp[i]! - zp);
    };
  },
  emitC(_ctx, op) {
    return unsupported(op, 'Dequantize inside the graph produces float32; integer firmware only strips it at the model output');
  },
  tflite: {
    builtin: 'DEQUANTIZE',
    options: 'DequantizeOptions',
    read: (r) => ({ ...r.base, kind: 'Dequantize' }),
    // op_version.cc: 3 for int16 input, 2 for int8.
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: {} }),
  },
};
