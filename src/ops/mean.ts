/**
 * MEAN over a set of axes. int8: TFLM reduce_common.cc EvalIntegerMean. Current TFLM has two
 * paths and no integer multiplier path any more:
 *  - same input/output scale and zero point: reference_ops::Mean<int8_t, int32_t>, i.e. the
 *    int32 sum of the raw values divided by the element count with C's truncating division;
 *  - otherwise reference_ops::QuantizedMeanOrSum in float32: mean = float(sum)/float(n),
 *    round(mean * scale + bias) + zp with scale = in_scale/out_scale and bias = -in_zp * scale,
 *    clamped. (Older TFLM used reference_integer_ops::Mean with a multiplier/shift for 4D H,W
 *    means; TFLM no longer does, so neither do we.)
 * int16 (16x8): the same two paths on int16 data, clamped to int16 (EvalIntegerMean<int16_t>),
 * in its own C kernel (mean_s16.c) so 8-bit projects do not carry it.
 * The float steps assume no fused multiply-add contraction (compile C with -ffp-contract=off).
 * float: TFLM reduce, float sums in input order divided by the count.
 * The reduction machinery here (axes, the element → output map, the output shape, the int8
 * checks and the C call of reduce_s8.c) is shared with SUM and REDUCE_MAX (src/ops/reduce.ts).
 */
import type { Graph, MeanOp, Op, ReduceOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import { cFloat, constantValues, input, inShape, noMacs, noParams, normAxis, output, qRange, requireDtype, scaleOf, shape4, shapeFail, shapeLit, shapeStr, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { EmitContext, OpDef } from './op-def.js';

/** The reduced axes of a reduction (attribute, or the constant axis tensor), normalised and deduplicated. */
export function reduceAxes(g: Graph, op: Op & { axes: number[] }, rank: number): number[] {
  let axes = op.axes;
  if ((!axes || axes.length === 0) && op.inputs[1] !== undefined && op.inputs[1] >= 0) axes = constantValues(g, op, 1) ?? [];
  return [...new Set(axes.map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);
}

/** For every input element, the flat index of the output element it reduces into. */
export function reduceOutputIndex(shape: readonly number[], axes: readonly number[]): { map: Int32Array; outCount: number; perOut: number } {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  let perOut = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      perOut *= shape[d]!;
      continue;
    }
    outStrides[d] = s;
    s *= shape[d]!;
  }
  const total = elementCount(shape);
  const map = new Int32Array(total);
  const counter = new Array<number>(rank).fill(0);
  let idx = 0;
  for (let i = 0; i < total; i++) {
    map[i] = idx;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      idx += outStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      idx -= outStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return { map, outCount: s, perOut };
}

/** Output shape of a reduction over `axes` (keepDims: reduced dims become 1). */
export function reducedShape(g: Graph, op: Op & { axes: number[]; keepDims: boolean }): number[] {
  const x = inShape(g, op, 0);
  const axes = op.axes.length > 0 ? op.axes.map((a) => (a < 0 ? a + x.length : a)) : (constantValues(g, op, 1) ?? []).map((a) => (a < 0 ? a + x.length : a));
  if (axes.some((a) => a < 0 || a >= x.length)) shapeFail(op, `axes [${op.axes.join(',')}] out of range for input ${shapeStr(x)}`);
  if (op.keepDims) return x.map((d, i) => (axes.includes(i) ? 1 : d));
  return x.filter((_, i) => !axes.includes(i));
}

/** What every reduction kernel needs: the reduced axes, where each input element goes, and the params. */
export interface ReductionPrepared {
  dtype: 'int8' | 'int16';
  axes: number[];
  map: Int32Array;
  outCount: number;
  perOut: number;
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outputZeroPoint: number;
}

/** Checks a quantized reduction (in and out of one of `dtypes`, rank <= 4, output size) and maps its elements. */
export function prepareReduction(g: Graph, op: ReduceOp, dtypes: readonly ('int8' | 'int16')[] = ['int8']): ReductionPrepared {
  const x = input(g, op, 0);
  const y = output(g, op);
  requireDtype(x, dtypes, op, 'input');
  requireDtype(y, [x.dtype], op, 'output');
  shape4(x, op);
  const axes = reduceAxes(g, op, x.shape.length);
  const { map, outCount, perOut } = reduceOutputIndex(x.shape, axes);
  if (elementCount(y.shape) !== outCount) unsupported(op, `output has ${elementCount(y.shape)} elements, the reduction gives ${outCount}`);
  return { dtype: x.dtype as 'int8' | 'int16', axes, map, outCount, perOut, inScale: scaleOf(x, 'input', op), inZeroPoint: zeroPointOf(x), outScale: scaleOf(y, 'output', op), outputZeroPoint: zeroPointOf(y) };
}

/** The C call of firmware-templates/kernels/reference/reduce_s8.c for a prepared reduction. */
export function emitReduction(ctx: EmitContext, op: ReduceOp, axes: readonly number[], kind: 'TINYML_REDUCE_MEAN_SAME' | 'TINYML_REDUCE_MEAN' | 'TINYML_REDUCE_SUM' | 'TINYML_REDUCE_MAX' | 'TINYML_REDUCE_MIN', scale: number, bias: number, outputZeroPoint: number): string[] {
  const L = ctx.prefix;
  const xT = ctx.g.tensors[op.inputs[0]!]!;
  const rank = xT.shape.length;
  const reduced = [0, 0, 0, 0];
  for (const a of axes) reduced[4 - rank + a] = 1;
  ctx.decl(`static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT, op))};`, `static const int32_t ${L}_reduced[4] = {${reduced.join(', ')}};`);
  ctx.call(`tinyml_reduce_s8(${kind}, ${cFloat(scale)}, ${cFloat(bias)}, ${outputZeroPoint}, &${L}_in, ${L}_reduced, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
  return ['reduce_s8'];
}

export interface MeanPrepared extends ReductionPrepared {
  sameParams: boolean;
  scale: number;
  bias: number;
}

export const mean: OpDef<MeanOp, MeanPrepared> = {
  kind: 'Mean',
  arity: { inputs: [1, 2] },
  inferShapes: (g, op) => [reducedShape(g, op)],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    const r = prepareReduction(g, op, ['int8', 'int16']);
    const scale = f32(r.inScale / r.outScale);
    return { ...r, sameParams: r.inScale === r.outScale && r.inZeroPoint === r.outputZeroPoint, scale, bias: f32(-r.inZeroPoint * scale) };
  },
  evalQuantized(_g, op, p) {
    const { map, outCount, perOut, sameParams, scale, bias, outputZeroPoint: outZp } = p;
    const [qMin, qMax] = qRange(p.dtype);
    const n = f32(perOut);
    const sums = new Float64Array(outCount);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array | Int16Array;
      const out = bufs[oIdx] as Int8Array | Int16Array;
      sums.fill(0);
      for (let i = 0; i < inp.length; i++) sums[map[i]!] += inp[i]!;
      for (let o = 0; o < outCount; o++) {
        const sum = sums[o]! | 0;
        if (sameParams) {
          out[o] = Math.trunc(sum / perOut);
        } else {
          const floatMean = f32(f32(sum) / n);
          let r = roundHalfAway(f32(f32(floatMean * scale) + bias)) + outZp;
          r = r > qMax ? qMax : r < qMin ? qMin : r;
          out[o] = r;
        }
      }
    };
  },
  evalFloat(g, op) {
    const x = input(g, op, 0);
    const { map, outCount, perOut } = reduceOutputIndex(x.shape, reduceAxes(g, op, x.shape.length));
    const sums = new Float32Array(outCount);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      sums.fill(0);
      for (let i = 0; i < inp.length; i++) sums[map[i]!] = sums[map[i]!]! + inp[i]!; // Float32Array store rounds
      for (let o = 0; o < outCount; o++) out[o] = sums[o]! / perOut;
    };
  },
  emitC(ctx, op, p) {
    if (p.dtype === 'int8') return emitReduction(ctx, op, p.axes, p.sameParams ? 'TINYML_REDUCE_MEAN_SAME' : 'TINYML_REDUCE_MEAN', p.scale, p.bias, p.outputZeroPoint);
    const L = ctx.prefix;
    const xT = ctx.g.tensors[op.inputs[0]!]!;
    const reduced = [0, 0, 0, 0];
    for (const a of p.axes) reduced[4 - xT.shape.length + a] = 1;
    ctx.decl(`static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT, op))};`, `static const int32_t ${L}_reduced[4] = {${reduced.join(', ')}};`);
    ctx.call(`tinyml_mean_s16(${p.sameParams ? 1 : 0}, ${cFloat(p.scale)}, ${cFloat(p.bias)}, ${p.outputZeroPoint}, &${L}_in, ${L}_reduced, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
    return ['mean_s16'];
  },
  tflite: {
    builtin: 'MEAN',
    options: 'ReducerOptions',
    read(r) {
      const rank = r.tensors[r.base.inputs[0] ?? -1]?.shape.length ?? 0;
      const axes = r.constInts(1, 'axes').map((a) => (a < 0 ? a + rank : a));
      return { ...r.base, kind: 'Mean', axes, keepDims: r.optBool('keep_dims') };
    },
    write(op, w) {
      let inputs = op.inputs;
      if (inputs.length < 2) inputs = [op.inputs[0]!, w.addConstant({ name: `${op.name}/axes`, shape: [op.axes.length], dtype: 'int32', data: Int32Array.from(op.axes) })];
      return { version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: { keep_dims: op.keepDims }, inputs };
    },
  },
  tf: (tf, _g, op, get) => tf.mean(get(op.inputs[0]!), op.axes, op.keepDims),
};
