/**
 * SUM, REDUCE_MAX and REDUCE_MIN over a set of axes, on the reduction machinery of MEAN (src/ops/mean.ts:
 * axes, the element → output map, the output shape, and one C kernel, reduce_s8.c).
 *
 * int8, TFLM reduce_common.cc:
 *  - SUM: EvalSumHelper → reference_ops::QuantizedMeanOrSum with compute_sum = true, computed
 *    in float32: scale = in_scale / out_scale, bias = -in_zp · scale · n (n = elements per
 *    output, each step rounded to float32), value = int32(round(float(sum) · scale + bias)) +
 *    out_zp, stored with static_cast<int8_t> — no clamp: a sum outside int8 wraps modulo 256,
 *    as in TFLM. TFLM resolves the axes into an array of kMaxNumberOfReducedAxis = 2 entries,
 *    so an int8 SUM over more than two distinct axes is refused. The float steps assume no
 *    fused multiply-add (the C kernel stores the product through a volatile float).
 *  - REDUCE_MAX / REDUCE_MIN: EvalMaxHelper / EvalMinHelper → reference_ops::ReduceGeneric<int8_t>
 *    with init -128 (127) and max (min) of the raw values; TFLM requires the output to share
 *    the input's scale and zero point.
 * float: ReduceGeneric<float>: SUM adds in input order from 0 (float32 each step); REDUCE_MAX
 * starts from the lowest float (-FLT_MAX, so an all -inf block gives -FLT_MAX) and keeps `in`
 * only when in > current (NaN is never taken); REDUCE_MIN likewise from FLT_MAX with in < current.
 */
import type { Graph, ReduceOp, SumOp } from '../ir/graph.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import { input, noMacs, noParams, unsupported, versionByDtype } from './common.js';
import { emitReduction, prepareReduction, reduceAxes, reducedShape, reduceOutputIndex, type ReductionPrepared } from './mean.js';
import type { Kernel, OpDef, TfliteCodec } from './op-def.js';

/** TFLM reduce_common.cc: `int resolved_axis[kMaxNumberOfReducedAxis]` for SUM and MEAN. */
const MAX_REDUCED_AXES = 2;
const FLOAT_LOWEST = -3.4028234663852886e38;

export interface SumPrepared extends ReductionPrepared {
  scale: number;
  bias: number;
}

/** The TFLite codec of a reducer (MEAN's layout: axes as constant input 1, ReducerOptions keep_dims). */
function reducerCodec<O extends ReduceOp>(kind: O['kind'], builtin: string): TfliteCodec<O> {
  return {
    builtin,
    options: 'ReducerOptions',
    read(r) {
      const rank = r.tensors[r.base.inputs[0] ?? -1]?.shape.length ?? 0;
      const axes = r.constInts(1, 'axes').map((a) => (a < 0 ? a + rank : a));
      return { ...r.base, kind, axes, keepDims: r.optBool('keep_dims') } as O;
    },
    write(op, w) {
      let inputs = op.inputs;
      if (inputs.length < 2) inputs = [op.inputs[0]!, w.addConstant({ name: `${op.name}/axes`, shape: [op.axes.length], dtype: 'int32', data: Int32Array.from(op.axes) })];
      return { version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: { keep_dims: op.keepDims }, inputs };
    },
  };
}

/** A float reduction kernel: `init`, then out = f(out, in) over the input in order (float32 stores). */
function floatReduce(g: Graph, op: ReduceOp, init: number, f: (current: number, v: number) => number): Kernel {
  const x = input(g, op, 0);
  const { map, outCount } = reduceOutputIndex(x.shape, reduceAxes(g, op, x.shape.length));
  const acc = new Float32Array(outCount);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as Float32Array;
    const out = bufs[oIdx] as Float32Array;
    acc.fill(init);
    for (let i = 0; i < inp.length; i++) acc[map[i]!] = f(acc[map[i]!]!, inp[i]!);
    out.set(acc);
  };
}

export const sum: OpDef<SumOp, SumPrepared> = {
  kind: 'Sum',
  arity: { inputs: [1, 2] },
  inferShapes: (g, op) => [reducedShape(g, op)],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    const r = prepareReduction(g, op);
    if (r.axes.length > MAX_REDUCED_AXES) {
      unsupported(op, `an int8 SUM over ${r.axes.length} axes; TFLM's reduce kernel resolves at most ${MAX_REDUCED_AXES} (kMaxNumberOfReducedAxis)`, 'Reshape the input so the reduced dimensions are at most two, or sum in two steps.');
    }
    const scale = f32(r.inScale / r.outScale);
    return { ...r, scale, bias: f32(f32(-r.inZeroPoint * scale) * f32(r.perOut)) };
  },
  evalQuantized(_g, op, p) {
    const { map, outCount, scale, bias, outputZeroPoint: outZp } = p;
    const sums = new Int32Array(outCount);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      sums.fill(0);
      for (let i = 0; i < inp.length; i++) sums[map[i]!] += inp[i]!;
      for (let o = 0; o < outCount; o++) {
        const v = roundHalfAway(f32(f32(f32(sums[o]!) * scale) + bias)) + outZp;
        out[o] = (v << 24) >> 24; // static_cast<int8_t>: wraps, no clamp
      }
    };
  },
  evalFloat: (g, op) => floatReduce(g, op, 0, (c, v) => c + v),
  emitC: (ctx, op, p) => emitReduction(ctx, op, p.axes, 'TINYML_REDUCE_SUM', p.scale, p.bias, p.outputZeroPoint),
  tflite: reducerCodec<SumOp>('Sum', 'SUM'),
  tf: (tf, _g, op, get) => tf.sum(get(op.inputs[0]!), op.axes, op.keepDims),
};

function minMax<K extends 'ReduceMax' | 'ReduceMin'>(kind: K): OpDef<ReduceOp & { kind: K }, ReductionPrepared> {
  const isMin = kind === 'ReduceMin';
  const name = isMin ? 'REDUCE_MIN' : 'REDUCE_MAX';
  return {
    kind,
    arity: { inputs: [1, 2] },
    inferShapes: (g, op) => [reducedShape(g, op)],
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'shared', inputs: [0] } },
    prepare(g, op) {
      const r = prepareReduction(g, op);
      if (r.inScale !== r.outScale || r.inZeroPoint !== r.outputZeroPoint) {
        unsupported(op, `output params (scale ${r.outScale}, zero point ${r.outputZeroPoint}) differ from the input's (${r.inScale}, ${r.inZeroPoint}); TFLM's int8 ${name} requires them equal`);
      }
      return r;
    },
    evalQuantized(_g, op, p) {
      const { map, outCount } = p;
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array;
        const out = bufs[oIdx] as Int8Array;
        out.fill(isMin ? 127 : -128, 0, outCount);
        for (let i = 0; i < inp.length; i++) if (isMin ? inp[i]! < out[map[i]!]! : inp[i]! > out[map[i]!]!) out[map[i]!] = inp[i]!;
      };
    },
    evalFloat: (g, op) => floatReduce(g, op, isMin ? -FLOAT_LOWEST : FLOAT_LOWEST, isMin ? (c, v) => (v < c ? v : c) : (c, v) => (v > c ? v : c)),
    emitC: (ctx, op, p) => emitReduction(ctx, op, p.axes, isMin ? 'TINYML_REDUCE_MIN' : 'TINYML_REDUCE_MAX', 0, 0, p.outputZeroPoint),
    tflite: reducerCodec<ReduceOp & { kind: K }>(kind, name),
    tf: (tf, _g, op, get) => (isMin ? tf.min : tf.max)(get(op.inputs[0]!), op.axes, op.keepDims),
  };
}

export const reduceMax = minMax('ReduceMax');
export const reduceMin = minMax('ReduceMin');
