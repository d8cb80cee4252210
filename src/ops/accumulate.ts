/**
 * ADD_N and CUMSUM: sums of int8 values on TFLM's shared "8bit -> 8bit general quantized path"
 * (add_n.cc / cumsum.cc CalculateOpData, reference_ops::AddN / CumSum for int8):
 *   left_shift 20; input multiplier QuantizeMultiplierSmallerThanOneExp(s / 2s) (= 0.5);
 *   output multiplier QuantizeMultiplierSmallerThanOneExp(2s / (2^20 · s_out)), in double;
 *   each value scaled = MBQMSmallerThanOneExp((q − zp) << 20, m_in, shift_in); the sum of the
 *   scaled values is requantized with the output multiplier, plus the output zero point, and
 *   clamped to int8.
 * TFLM starts the int32 accumulator at the scaled value of `input1_offset` (−zp), i.e. of a raw
 * 0 (the comment says "accumulator = 0"): every sum carries one extra (0 − zp)·s term. That is
 * what TFLM computes, so it is reproduced here; with zero point 0 it vanishes. A sum beyond int32
 * (more than ~15 full-range terms) overflows in TFLM's int32; here and in C it wraps as two's
 * complement does on the targets TFLM runs on, rather than being undefined.
 * float: the plain float32 sums (ADD_N from 0 in input order; CUMSUM along the axis).
 * C: accumulate_s8.c (tinyml_add_n_s8, tinyml_cumsum_s8) on tinyml_add_params_t (input 1 fields).
 */
import type { AddNOp, CumsumOp, Graph, Op } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { quantizeMultiplier } from '../numerics/fixed-point.js';
import { rdbpot, srdhmFast } from '../numerics/requantize.js';
import { addSubParamsLiteral, type AddSubParams } from './binary-common.js';
import { constantValues, INT8_MAX, INT8_MIN, input, inShape, noMacs, noParams, normAxis, output, requireDtype, requireSameParams, sameShape, scaleOf, shapeFail, shapeStr, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';

const LEFT_SHIFT = 20;

/** CalculateOpData of ADD_N / CUMSUM as an AddSubParams (input 2 fields unused, copies of input 1). */
function accumulateParams(g: Graph, op: Op): AddSubParams {
  const x = input(g, op, 0);
  const y = output(g, op);
  const s = scaleOf(x, 'input', op);
  const so = scaleOf(y, 'output', op);
  const twiceMax = 2 * s;
  const mi = quantizeMultiplier(s / twiceMax);
  const mo = quantizeMultiplier(twiceMax / ((1 << LEFT_SHIFT) * so));
  if (mo.shift > 0) unsupported(op, `output scale ${so} is too small for input scale ${s} (TFLM's output multiplier must be < 1)`);
  return {
    leftShift: LEFT_SHIFT,
    input1Offset: -zeroPointOf(x),
    input1Multiplier: mi.multiplier,
    input1Shift: mi.shift,
    input2Offset: -zeroPointOf(x),
    input2Multiplier: mi.multiplier,
    input2Shift: mi.shift,
    outputOffset: zeroPointOf(y),
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
  };
}

/** One int8 value scaled to the common accumulation scale. */
function scaled(p: AddSubParams, q: number): number {
  return rdbpot(srdhmFast(((q + p.input1Offset) * (1 << p.leftShift)) | 0, p.input1Multiplier), -p.input1Shift);
}

/** The accumulator's start: the scaled value of a raw 0 (TFLM's `accumulator = input1_offset`). */
function start(p: AddSubParams): number {
  return rdbpot(srdhmFast((p.input1Offset * (1 << p.leftShift)) | 0, p.input1Multiplier), -p.input1Shift);
}

/** The accumulated sum back to int8. */
function finish(p: AddSubParams, acc: number): number {
  const v = rdbpot(srdhmFast(acc | 0, p.outputMultiplier), -p.outputShift) + p.outputOffset;
  return v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
}

// ---- ADD_N -------------------------------------------------------------------------------------

export interface AddNPrepared {
  q: AddSubParams;
  n: number;
}

export const addN: OpDef<AddNOp, AddNPrepared> = {
  kind: 'AddN',
  arity: { inputs: [2, 64] },
  inferShapes(g, op) {
    const s = inShape(g, op, 0);
    op.inputs.forEach((_, k) => {
      if (!sameShape(inShape(g, op, k), s)) shapeFail(op, `input ${k} ${shapeStr(inShape(g, op, k))} differs from input 0 ${shapeStr(s)} (ADD_N does not broadcast)`);
    });
    return [[...s]];
  },
  params: noParams,
  macs: noMacs,
  // TFLM requires every input to share scale and zero point; the output may differ, but one
  // group whose range covers inputs and sum is what TFLite's quantizer gives.
  quant: { output: { kind: 'shared', inputs: 'all' } },
  prepare(g, op) {
    const x = input(g, op, 0);
    requireDtype(x, ['int8'], op, 'input 0');
    requireDtype(output(g, op), ['int8'], op, 'output');
    op.inputs.forEach((_, k) => {
      const t = input(g, op, k);
      requireDtype(t, ['int8'], op, `input ${k}`);
      requireSameParams(op, t, `input ${k}`, x, 'input 0', "TFLM's int8 ADD_N requires them equal");
    });
    return { q: accumulateParams(g, op), n: elementCount(x.shape) };
  },
  evalQuantized(_g, op, p) {
    const acc0 = start(p.q);
    const oIdx = op.outputs[0]!;
    return (bufs) => {
      const ins = op.inputs.map((i) => bufs[i] as Int8Array);
      const out = bufs[oIdx] as Int8Array;
      for (let i = 0; i < p.n; i++) {
        let acc = acc0;
        for (const x of ins) acc = (acc + scaled(p.q, x[i]!)) | 0;
        out[i] = finish(p.q, acc);
      }
    };
  },
  evalFloat(g, op) {
    const n = elementCount(output(g, op).shape);
    const oIdx = op.outputs[0]!;
    return (bufs) => {
      const ins = op.inputs.map((i) => bufs[i] as Float32Array);
      const out = bufs[oIdx] as Float32Array;
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (const x of ins) acc = Math.fround(acc + x[i]!);
        out[i] = acc;
      }
    };
  },
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    ctx.decl(`static const tinyml_add_params_t ${L}_q = ${addSubParamsLiteral(p.q, INT8_MIN, INT8_MAX)};`);
    // The input pointers may be the caller's buffers, so the table is built at the call.
    ctx.call(`{`, `  const int8_t *const ${L}_in[${op.inputs.length}] = {${op.inputs.map((i) => ctx.ptr(i)).join(', ')}};`, `  tinyml_add_n_s8(&${L}_q, ${op.inputs.length}, ${L}_in, ${p.n}, ${ctx.ptr(op.outputs[0]!)});`, `}`);
    return ['accumulate_s8'];
  },
  tflite: {
    builtin: 'ADD_N',
    options: 'AddNOptions',
    read: (r) => ({ ...r.base, kind: 'AddN' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }), options: {} }),
  },
  tf: (tf, _g, op, get) => tf.addN(op.inputs.map((i) => get(i))),
};

// ---- CUMSUM ------------------------------------------------------------------------------------

export interface CumsumPrepared {
  q?: AddSubParams;
  /** Elements before the axis, along it, after it. */
  before: number;
  depth: number;
  after: number;
}

function cumsumGeometry(g: Graph, op: CumsumOp): CumsumPrepared {
  const s = input(g, op, 0).shape;
  const v = constantValues(g, op, 1);
  const axis = normAxis(v && v.length > 0 ? v[0]! : op.axis, s.length, op);
  return { before: elementCount(s.slice(0, axis)), depth: s[axis]!, after: elementCount(s.slice(axis + 1)) };
}

/**
 * reference_ops::CumSum's walk: for each (before, after) position, along the axis (backwards
 * when `reverse`), `emit(index, acc)` before (exclusive) or after (inclusive) adding the value.
 */
function cumsumWalk(op: CumsumOp, p: CumsumPrepared, init: number, add: (acc: number, index: number) => number, emit: (index: number, acc: number) => void): void {
  for (let b = 0; b < p.before; b++) {
    for (let a = 0; a < p.after; a++) {
      let acc = init;
      for (let d = 0; d < p.depth; d++) {
        const dd = op.reverse ? p.depth - 1 - d : d;
        const index = (b * p.depth + dd) * p.after + a;
        if (op.exclusive) {
          emit(index, acc);
          acc = add(acc, index);
        } else {
          acc = add(acc, index);
          emit(index, acc);
        }
      }
    }
  }
}

export const cumsum: OpDef<CumsumOp, CumsumPrepared> = {
  kind: 'Cumsum',
  arity: { inputs: [1, 2] },
  inferShapes(g, op) {
    const s = inShape(g, op, 0);
    if (s.length === 0) shapeFail(op, 'the input is a scalar; CUMSUM needs at least one dimension');
    return [[...s]];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8'], op, 'input');
    requireDtype(output(g, op), ['int8'], op, 'output');
    const a = op.inputs[1];
    if (a !== undefined && a >= 0 && !g.tensors[a]?.data) unsupported(op, 'the axis operand is not a constant');
    return { ...cumsumGeometry(g, op), q: accumulateParams(g, op) };
  },
  evalQuantized(_g, op, p) {
    const q = p.q!;
    const acc0 = start(q);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const x = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      cumsumWalk(op, p, acc0, (acc, i) => (acc + scaled(q, x[i]!)) | 0, (i, acc) => (out[i] = finish(q, acc)));
    };
  },
  evalFloat(g, op) {
    const p = cumsumGeometry(g, op);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const x = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      cumsumWalk(op, p, 0, (acc, i) => Math.fround(acc + x[i]!), (i, acc) => (out[i] = acc));
    };
  },
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    ctx.decl(`static const tinyml_add_params_t ${L}_q = ${addSubParamsLiteral(p.q!, INT8_MIN, INT8_MAX)};`);
    ctx.call(`tinyml_cumsum_s8(&${L}_q, ${p.before}, ${p.depth}, ${p.after}, ${op.exclusive ? 1 : 0}, ${op.reverse ? 1 : 0}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
    return ['accumulate_s8'];
  },
  tflite: {
    builtin: 'CUMSUM',
    options: 'CumsumOptions',
    read(r) {
      const rank = r.tensors[r.base.inputs[0] ?? -1]?.shape.length ?? 0;
      const axes = r.constInts(1, 'axis');
      if (axes.length !== 1) r.bad(`axis holds ${axes.length} values, expected 1`);
      const a = axes[0]!;
      return { ...r.base, kind: 'Cumsum', axis: a < 0 ? a + rank : a, exclusive: r.optBool('exclusive'), reverse: r.optBool('reverse') };
    },
    write(op, w) {
      const inputs = op.inputs.length >= 2 ? op.inputs : [op.inputs[0]!, w.addConstant({ name: `${op.name}/axis`, shape: [], dtype: 'int32', data: Int32Array.of(op.axis) })];
      return { version: 1, options: { exclusive: op.exclusive, reverse: op.reverse }, inputs };
    },
  },
  tf: (tf, _g, op, get) => tf.cumsum(get(op.inputs[0]!), op.axis, op.exclusive, op.reverse),
};
