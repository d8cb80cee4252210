/**
 * Comparisons EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL and the logical ops
 * LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT, with NumPy broadcasting (up to 4-D) and a bool output.
 *
 * int8 inputs: TFLM comparisons.cc ComparisonsPrepare + reference_ops::*WithScaling /
 * Broadcast4DSlow*WithScaling (comparisons.h ComparisonWithScaling): each input's own scale
 * becomes a multiplier < 1 (QuantizeMultiplierSmallerThanOneExp(double(scale))), and each
 * value is compared as MultiplyByQuantizedMultiplierSmallerThanOneExp((x − zp) << 8, m, shift),
 * so two inputs with different parameters compare by their real values (to that precision).
 * int32 and bool inputs: the raw values (*NoScaling); float32: float comparisons.
 * TFLM takes bool inputs in EQUAL and NOT_EQUAL only, int32/int8/float32 in all six.
 * LOGICAL_AND/OR/NOT: TFLM logical.cc (bool only; BroadcastBinaryFunction4DSlow for AND/OR).
 * A bool is one byte 0/1; any non-zero byte reads as true.
 *
 * C: tinyml_compare_s8 / tinyml_compare_i32 / tinyml_compare_u8 (compare.c), one kernel per
 * input element type with the comparison as a code; LOGICAL_NOT is `x == false` on the bool
 * kernel with a broadcast constant.
 */
import type { BinaryOp, Graph, Op, UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplierSmallerThanOne } from '../numerics/fixed-point.js';
import { rdbpot, srdhmFast } from '../numerics/requantize.js';
import { BROADCAST_BINARY, broadcastMaps, emitBroadcastArgs, type BroadcastMaps } from './binary-common.js';
import { cInt32, input, inShape, noMacs, noParams, output, requireDtype, shape4, unsupported, zeroPointOf } from './common.js';
import type { Kernel, OpDef } from './op-def.js';

export type ComparisonKind = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual' | 'LogicalAnd' | 'LogicalOr';
type CmpOp<K extends ComparisonKind> = BinaryOp & { kind: K };
type LogicalNotOp = UnaryOp & { kind: 'LogicalNot' };

/** The comparison codes of compare.c, in this order. */
const CODES: Record<ComparisonKind, number> = { Equal: 0, NotEqual: 1, Less: 2, LessEqual: 3, Greater: 4, GreaterEqual: 5, LogicalAnd: 6, LogicalOr: 7 };

const FN: Record<ComparisonKind, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b,
  NotEqual: (a, b) => a !== b,
  Less: (a, b) => a < b,
  LessEqual: (a, b) => a <= b,
  Greater: (a, b) => a > b,
  GreaterEqual: (a, b) => a >= b,
  LogicalAnd: (a, b) => a !== 0 && b !== 0,
  LogicalOr: (a, b) => a !== 0 || b !== 0,
};

const BUILTIN: Record<ComparisonKind, string> = {
  Equal: 'EQUAL',
  NotEqual: 'NOT_EQUAL',
  Less: 'LESS',
  LessEqual: 'LESS_EQUAL',
  Greater: 'GREATER',
  GreaterEqual: 'GREATER_EQUAL',
  LogicalAnd: 'LOGICAL_AND',
  LogicalOr: 'LOGICAL_OR',
};

/** ComparisonParams of an int8 comparison (TFLM ComparisonsPrepare). */
export interface ComparisonScaling {
  leftShift: number;
  input1Offset: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Offset: number;
  input2Multiplier: number;
  input2Shift: number;
}

export interface ComparisonPrepared extends BroadcastMaps {
  dtype: 'int8' | 'int32' | 'bool';
  scaling?: ComparisonScaling;
}

/** MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) << left_shift, m, shift). */
function scaled(x: number, offset: number, m: number, shift: number, leftShift: number): number {
  return rdbpot(srdhmFast(((x + offset) * (1 << leftShift)) | 0, m), -shift);
}

function comparisonScaling(g: Graph, op: Op): ComparisonScaling {
  const mult = (k: number) => {
    const t = input(g, op, k);
    const s = t.quant?.scale[0];
    if (s === undefined) unsupported(op, `input ${k + 1} '${t.name}' is int8 but has no quantization scale`);
    // QuantizeMultiplierSmallerThanOneExp(double(scale)) asserts 0 < scale < 1.
    if (!(f32(s) > 0 && f32(s) < 1)) unsupported(op, `input ${k + 1} '${t.name}' has scale ${s}; TFLM's int8 comparison takes scales in (0, 1)`);
    return quantizeMultiplierSmallerThanOne(f32(s));
  };
  const m1 = mult(0);
  const m2 = mult(1);
  return {
    leftShift: 8,
    input1Offset: -zeroPointOf(input(g, op, 0)),
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Offset: -zeroPointOf(input(g, op, 1)),
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
  };
}

/** A broadcasting kernel writing `f(a, b)` as a bool byte; `pre` maps each stored value first. */
function boolKernel(op: Op, b: BroadcastMaps, f: (a: number, c: number) => boolean, pre1 = (v: number) => v, pre2 = pre1): Kernel {
  const { n, map1, map2 } = b;
  const [i1, i2, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    const a = bufs[i1]!;
    const c = bufs[i2]!;
    const out = bufs[oIdx] as Uint8Array;
    for (let i = 0; i < n; i++) out[i] = f(pre1(a[map1 ? map1[i]! : i]!), pre2(c[map2 ? map2[i]! : i]!)) ? 1 : 0;
  };
}

const asBool = (v: number) => (v !== 0 ? 1 : 0);

function def<K extends ComparisonKind>(kind: K): OpDef<CmpOp<K>, ComparisonPrepared> {
  const logical = kind === 'LogicalAnd' || kind === 'LogicalOr';
  const equality = kind === 'Equal' || kind === 'NotEqual';
  const f = FN[kind];
  return {
    kind,
    ...BROADCAST_BINARY,
    quant: { output: { kind: 'none' } },
    usesFloatKernel: (g, op) => g.tensors[op.inputs[0]!]?.dtype === 'float32',
    prepare(g, op) {
      const x1 = input(g, op, 0);
      const x2 = input(g, op, 1);
      const allowed = logical ? (['bool'] as const) : equality ? (['int8', 'int32', 'bool'] as const) : (['int8', 'int32'] as const);
      requireDtype(x1, allowed, op, 'input 1');
      requireDtype(x2, [x1.dtype], op, 'input 2');
      requireDtype(output(g, op), ['bool'], op, 'output');
      for (const t of [x1, x2, output(g, op)]) shape4(t, op);
      const dtype = x1.dtype as ComparisonPrepared['dtype'];
      return { dtype, ...(dtype === 'int8' ? { scaling: comparisonScaling(g, op) } : {}), ...broadcastMaps(g, op) };
    },
    evalQuantized(_g, op, p) {
      const s = p.scaling;
      if (s) return boolKernel(op, p, f, (v) => scaled(v, s.input1Offset, s.input1Multiplier, s.input1Shift, s.leftShift), (v) => scaled(v, s.input2Offset, s.input2Multiplier, s.input2Shift, s.leftShift));
      return boolKernel(op, p, f, p.dtype === 'bool' ? asBool : (v) => v);
    },
    evalFloat: (g, op) => boolKernel(op, broadcastMaps(g, op), f),
    emitC(ctx, op, p) {
      const args = emitBroadcastArgs(ctx, op);
      if (p.scaling) {
        const s = p.scaling;
        ctx.decl(`static const tinyml_compare_params_t ${ctx.prefix}_q = { ${s.leftShift}, ${s.input1Offset}, ${cInt32(s.input1Multiplier)}, ${s.input1Shift}, ${s.input2Offset}, ${cInt32(s.input2Multiplier)}, ${s.input2Shift} };`);
        ctx.call(`tinyml_compare_s8(${CODES[kind]}, &${ctx.prefix}_q, ${args});`);
      } else {
        ctx.call(`tinyml_compare_${p.dtype === 'bool' ? 'u8' : 'i32'}(${CODES[kind]}, ${args});`);
      }
      return ['compare'];
    },
    tflite: {
      builtin: BUILTIN[kind],
      read: (r) => ({ ...r.base, kind }) as CmpOp<K>,
      // op_version.cc: int8 inputs → 2 (the comparisons), else 1.
      write: (op, w) => ({ version: !logical && w.g.tensors[op.inputs[0]!]!.dtype === 'int8' ? 2 : 1 }),
    },
    tf(tf, _g, op, get) {
      const [a, b] = [get(op.inputs[0]!), get(op.inputs[1]!)];
      const fns = { Equal: tf.equal, NotEqual: tf.notEqual, Less: tf.less, LessEqual: tf.lessEqual, Greater: tf.greater, GreaterEqual: tf.greaterEqual, LogicalAnd: tf.logicalAnd, LogicalOr: tf.logicalOr };
      return fns[kind](a, b);
    },
  };
}

export const equal = def('Equal');
export const notEqual = def('NotEqual');
export const less = def('Less');
export const lessEqual = def('LessEqual');
export const greater = def('Greater');
export const greaterEqual = def('GreaterEqual');
export const logicalAnd = def('LogicalAnd');
export const logicalOr = def('LogicalOr');

/** LOGICAL_NOT (TFLM elementwise.cc LogicalNotEval, bool only). */
export const logicalNot: OpDef<LogicalNotOp, { n: number }> = {
  kind: 'LogicalNot',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['bool'], op, 'input');
    requireDtype(output(g, op), ['bool'], op, 'output');
    return { n: elementCount(input(g, op, 0).shape) };
  },
  evalQuantized(_g, op, p) {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const x = bufs[iIdx] as Uint8Array;
      const out = bufs[oIdx] as Uint8Array;
      for (let i = 0; i < p.n; i++) out[i] = x[i] === 0 ? 1 : 0;
    };
  },
  emitC(ctx, op, p) {
    // `x == false` on the bool comparison kernel: the constant operand has stride 0.
    const L = ctx.prefix;
    ctx.decl(`static const tinyml_shape4_t ${L}_out = {1, 1, 1, ${p.n}};`, `static const int32_t ${L}_s1[4] = {0, 0, 0, 1}, ${L}_s2[4] = {0, 0, 0, 0};`, `static const uint8_t ${L}_false[1] = {0};`);
    ctx.call(`tinyml_compare_u8(${CODES.Equal}, &${L}_out, ${L}_s1, ${ctx.ptr(op.inputs[0]!)}, ${L}_s2, ${L}_false, ${ctx.ptr(op.outputs[0]!)});`);
    return ['compare'];
  },
  tflite: {
    builtin: 'LOGICAL_NOT',
    read: (r) => ({ ...r.base, kind: 'LogicalNot' }),
    write: () => ({ version: 1 }),
  },
  tf: (tf, _g, op, get) => tf.logicalNot(get(op.inputs[0]!)),
};
