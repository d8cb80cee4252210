/**
 * CAST: static_cast element by element (TFLM cast.cc CastEval). TFLM reads int8, int16, int32,
 * float32 and bool and writes int8, int16, int32 and float32; `prepare` refuses the rest (a
 * bool output is TFLite's, not TFLM's). The values are the stored integers, not dequantized
 * reals: a cast ignores quantization, so its output is not quantized (quant rule `none`) and
 * the quantizer refuses to quantize float activations a cast reads or writes (`rawValues`).
 *
 * Conversions: integers narrow by keeping the low bits (JS typed arrays and the C kernel's
 * explicit wrap agree); bool reads as 0/1; integer → float rounds to nearest (Math.fround);
 * float → integer truncates toward zero, and where C++ leaves static_cast undefined (NaN,
 * |x| >= 2^31) it saturates to int32 as the Cortex-M VCVT instruction does, NaN → 0 (the same
 * convention as QUANTIZE's float → int32 step), then narrows like an integer.
 */
import type { DType, UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { input, inShape, noMacs, noParams, output, requireDtype } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { TensorType } from './tflite-codes.js';

type CastOp = UnaryOp & { kind: 'Cast' };

const FROM: readonly DType[] = ['int8', 'int16', 'int32', 'float32', 'bool'];
const TO: readonly DType[] = ['int8', 'int16', 'int32', 'float32'];

/** Element type codes of tinyml_cast (TINYML_TYPE_* in tinyml_kernels.h). */
const C_TYPE: Partial<Record<DType, string>> = { int8: 'TINYML_TYPE_INT8', int16: 'TINYML_TYPE_INT16', int32: 'TINYML_TYPE_INT32', bool: 'TINYML_TYPE_BOOL', float32: 'TINYML_TYPE_FLOAT32' };

const TFLITE_TYPE: Partial<Record<DType, number>> = { int8: TensorType.INT8, int16: TensorType.INT16, int32: TensorType.INT32, float32: TensorType.FLOAT32, bool: TensorType.BOOL, int64: TensorType.INT64 };

export interface CastPrepared {
  from: DType;
  to: DType;
  n: number;
}

/** float → int32 as the C kernel does it: truncate, saturate (NaN → 0). */
function floatToInt32(f: number): number {
  if (Number.isNaN(f)) return 0;
  if (f >= 2147483648) return 2147483647;
  if (f <= -2147483648) return -2147483648;
  return Math.trunc(f);
}

function castKernel(op: CastOp, p: CastPrepared): Kernel {
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { from, to, n } = p;
  return (bufs) => {
    const inp = bufs[iIdx]!;
    const out = bufs[oIdx]!;
    for (let i = 0; i < n; i++) {
      const v = inp[i]!;
      // Typed-array stores do the rest: Int8/Int16/Int32Array wrap, Float32Array rounds to nearest.
      if (from === 'float32') out[i] = to === 'float32' ? v : floatToInt32(v);
      else out[i] = from === 'bool' ? (v !== 0 ? 1 : 0) : v;
    }
  };
}

export const cast: OpDef<CastOp, CastPrepared> = {
  kind: 'Cast',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' }, rawValues: true },
  fold: 'constant-inputs',
  usesFloatKernel: () => false,
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = output(g, op);
    requireDtype(x, FROM, op, 'input');
    requireDtype(y, TO, op, 'output');
    return { from: x.dtype, to: y.dtype, n: elementCount(x.shape) };
  },
  evalQuantized: (_g, op, p) => castKernel(op, p),
  evalFloat: (g, op) => castKernel(op, cast.prepare(g, op)),
  emitC(ctx, op, p) {
    ctx.call(`tinyml_cast(${C_TYPE[p.from]}, (const void *)${ctx.ptr(op.inputs[0]!)}, ${C_TYPE[p.to]}, (void *)${ctx.ptr(op.outputs[0]!)}, ${p.n});`);
    return ['cast'];
  },
  tflite: {
    builtin: 'CAST',
    options: 'CastOptions',
    // The tensors carry the types; the options only repeat them (TFLite ignores them too).
    read: (r) => ({ ...r.base, kind: 'Cast' }),
    write(op, w) {
      const from = w.g.tensors[op.inputs[0]!]!.dtype;
      const to = w.g.tensors[op.outputs[0]!]!.dtype;
      // op_version.cc: int8 on either side → 3.
      const version = from === 'int8' || to === 'int8' ? 3 : 1;
      return { version, options: { in_data_type: TFLITE_TYPE[from] ?? 0, out_data_type: TFLITE_TYPE[to] ?? 0 } };
    },
  },
};
