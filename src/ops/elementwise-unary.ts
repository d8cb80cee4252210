/**
 * Elementwise unary math: ABS, NEG, SQUARE, SQRT, EXP, LOG, FLOOR, CEIL, ROUND, RELU_N1_TO_1,
 * RELU_0_TO_1.
 *
 * float32 (every op): TFLite's float kernels, one float32 result per element —
 * elementwise.cc (std::abs, std::sqrt, std::log, `f * f`), neg.h Negate, exp.h Exp (std::exp),
 * floor.h (std::floor), ceil.h (std::ceil), round.h RoundToNearest (halves to even).
 *
 * int8/int16: only ABS has a quantized kernel in TFLM (elementwise.cc PrepareAbsRsqrt +
 * AbsEvalQuantized): v = |x − in_zp|; when the input and output scales are equal, out = v +
 * out_zp; otherwise out = MBQM(v, QuantizeMultiplier(double(in_scale) / double(out_scale))) +
 * out_zp; clamped to the type. int16 requires zero points 0. In C the int8 op is its 256-entry
 * table (src/ops/lut.ts), the int16 op tinyml_abs_s16 (abs_s16.c). TFLM's NEG
 * (neg.cc), SQUARE, SQRT, LOG (elementwise.cc IsNumericSupportedType), EXP (exp.cc), FLOOR
 * (floor.cc), CEIL (ceil.cc) and ROUND (round.cc) take float32 only, so `prepare` refuses
 * their integer forms with that reason; TFLM has no RELU_N1_TO_1 or RELU_0_TO_1 kernel at all
 * (desktop TFLite's activations.cc has them), so those run in float graphs only.
 */
import type * as TF from '@tensorflow/tfjs';
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { cInt32, input, inShape, INT16_MAX, INT16_MIN, INT8_MAX, INT8_MIN, noMacs, noParams, output, requireDtype, requireZeroPoints16, scaleOf, unsupported, versionByDtype, zeroPointOf } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef, TfModule } from './op-def.js';

export type MathUnaryKind = 'Abs' | 'Neg' | 'Square' | 'Sqrt' | 'Exp' | 'Log' | 'Floor' | 'Ceil' | 'Round' | 'ReluN1To1' | 'Relu0To1';
type MathUnaryOp<K extends MathUnaryKind> = UnaryOp & { kind: K };

/** AbsEvalQuantized's constants (multiplier/shift unused when `rescale` is false). */
export interface AbsPrepared {
  dtype: 'int8' | 'int16';
  rescale: boolean;
  multiplier: number;
  shift: number;
  inputOffset: number;
  outputOffset: number;
  n: number;
}

/** round.h RoundToNearest: to the nearest integer, halves to the even one (float32). */
export function roundToNearestEven(x: number): number {
  const floor = Math.floor(x);
  const diff = f32(x - floor);
  if (diff < 0.5 || (diff === 0.5 && floor % 2 === 0)) return floor;
  return floor + 1;
}

interface UnaryMath {
  builtin: string;
  /** TFLM source that refuses integer tensors (for the message); undefined: TFLM has no kernel at all. */
  tflmFile?: string;
  float: (x: number) => number;
  tf: (tf: TfModule, x: TF.Tensor) => TF.Tensor;
}

const f = f32;
const MATH: Record<MathUnaryKind, UnaryMath> = {
  Abs: { builtin: 'ABS', tflmFile: 'elementwise.cc', float: (x) => Math.abs(x), tf: (tf, x) => tf.abs(x) },
  Neg: { builtin: 'NEG', tflmFile: 'neg.cc', float: (x) => -x, tf: (tf, x) => tf.neg(x) },
  Square: { builtin: 'SQUARE', tflmFile: 'elementwise.cc', float: (x) => f(x * x), tf: (tf, x) => tf.square(x) },
  Sqrt: { builtin: 'SQRT', tflmFile: 'elementwise.cc', float: (x) => f(Math.sqrt(x)), tf: (tf, x) => tf.sqrt(x) },
  Exp: { builtin: 'EXP', tflmFile: 'exp.cc', float: (x) => f(Math.exp(x)), tf: (tf, x) => tf.exp(x) },
  Log: { builtin: 'LOG', tflmFile: 'elementwise.cc', float: (x) => f(Math.log(x)), tf: (tf, x) => tf.log(x) },
  Floor: { builtin: 'FLOOR', tflmFile: 'floor.cc', float: Math.floor, tf: (tf, x) => tf.floor(x) },
  Ceil: { builtin: 'CEIL', tflmFile: 'ceil.cc', float: Math.ceil, tf: (tf, x) => tf.ceil(x) },
  Round: { builtin: 'ROUND', tflmFile: 'round.cc', float: roundToNearestEven, tf: (tf, x) => tf.round(x) },
  // activations.cc ReluN1To1 / Relu0To1 (desktop TFLite only): `x > hi ? hi : x < lo ? lo : x`.
  ReluN1To1: { builtin: 'RELU_N1_TO_1', float: (x) => (x > 1 ? 1 : x < -1 ? -1 : x), tf: (tf, x) => tf.clipByValue(x, -1, 1) },
  Relu0To1: { builtin: 'RELU_0_TO_1', float: (x) => (x > 1 ? 1 : x < 0 ? 0 : x), tf: (tf, x) => tf.clipByValue(x, 0, 1) },
};

/** AbsEvalQuantized on one int8 value. */
export function absElement(p: AbsPrepared, x: number): number {
  const v = Math.abs(x - p.inputOffset);
  const out = (p.rescale ? mbqm(v, p.multiplier, p.shift) : v) + p.outputOffset;
  const [lo, hi] = p.dtype === 'int16' ? [INT16_MIN, INT16_MAX] : [INT8_MIN, INT8_MAX];
  return out > hi ? hi : out < lo ? lo : out;
}

function def<K extends MathUnaryKind>(kind: K): OpDef<MathUnaryOp<K>, AbsPrepared> {
  const m = MATH[kind];
  const isAbs = kind === 'Abs';
  const self: OpDef<MathUnaryOp<K>, AbsPrepared> = {
    kind,
    arity: { inputs: [1, 1] },
    inferShapes: (g, op) => [[...inShape(g, op, 0)]],
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'calibrated' } },
    prepare(g, op) {
      const x = input(g, op, 0);
      const y = output(g, op);
      if (!isAbs) {
        const why = m.tflmFile ? `TFLM's ${m.builtin} kernel (${m.tflmFile}) takes float32 only` : `TFLM has no ${m.builtin} kernel (only desktop TFLite has one)`;
        unsupported(op, `${why}; this layer is ${x.dtype}`, 'Keep this layer in a float model, or replace it by an op with an int8 kernel.');
      }
      requireDtype(x, ['int8', 'int16'], op, 'input');
      requireDtype(y, [x.dtype], op, 'output');
      if (x.dtype === 'int16') requireZeroPoints16(op, x, y);
      const inScale = scaleOf(x, 'input', op);
      const outScale = scaleOf(y, 'output', op);
      const q = quantizeMultiplier(inScale / outScale);
      return { dtype: x.dtype as 'int8' | 'int16', rescale: inScale !== outScale, multiplier: q.multiplier, shift: q.shift, inputOffset: zeroPointOf(x), outputOffset: zeroPointOf(y), n: elementCount(x.shape) };
    },
    evalQuantized(_g, op, p) {
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array | Int16Array;
        const out = bufs[oIdx] as Int8Array | Int16Array;
        for (let i = 0; i < p.n; i++) out[i] = absElement(p, inp[i]!);
      };
    },
    evalFloat: (g, op) => unaryFloat(g, op, m.float),
    emitC(ctx, op, p) {
      if (p.dtype === 'int8') return emitLut(self, ctx, op);
      ctx.call(`tinyml_abs_s16(${p.rescale ? 1 : 0}, ${cInt32(p.multiplier)}, ${p.shift}, ${p.n}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return ['abs_s16'];
    },
    tflite: {
      builtin: m.builtin,
      read: (r) => ({ ...r.base, kind }) as MathUnaryOp<K>,
      // op_version.cc: ABS int8 → 2, int16 → 3; the float-only ops are version 1.
      write: (op, w) => ({ version: isAbs ? versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }) : 1 }),
    },
    tf: (tf, _g, op, get) => m.tf(tf, get(op.inputs[0]!)),
  };
  return self;
}

export const abs = def('Abs');
export const neg = def('Neg');
export const square = def('Square');
export const sqrt = def('Sqrt');
export const exp = def('Exp');
export const log = def('Log');
export const floor = def('Floor');
export const ceil = def('Ceil');
export const round = def('Round');
export const reluN1To1 = def('ReluN1To1');
export const relu0To1 = def('Relu0To1');
