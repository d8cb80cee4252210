/**
 * SVDF (singular value decomposition filter), the streaming layer of keyword models.
 *
 * Inputs: x [batch, in], weightsFeature [filters, in], weightsTime [filters, memory], bias
 * [units] (optional), state [batch, memory · filters] — a variable tensor, updated in place and
 * kept between invocations. Output [batch, units], units = filters / rank.
 *
 * int8: TFLM svdf.cc Eval → svdf_common.cc EvalIntegerSvdfReference<T>, T = the time weights'
 * type (int16 or int8; the state has the same type), with PrepareSvdf's constants:
 *   effective_scale_1 = double(float(input_scale · feature_scale / state_scale)),
 *   effective_scale_2 = double(float(state_scale · time_scale / output_scale)).
 * Per invocation: the state shifts left by one (the oldest column drops out); the feature
 * matmul, requantized by scale 1, clamped to T and offset by the state zero point, fills each
 * filter's newest column; each filter's dot product with its time weights (state minus its zero
 * point) is summed over `rank` filters per unit, added to the bias, requantized by scale 2 and
 * clamped to int8. TFLM applies no fused activation on this path (only the int8 clamp).
 *
 * float: EvalFloatSvdfReference (same steps in float32, then the fused activation).
 */
import type { Graph, SVDFOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { activationRangeFloat, cInt32, input, inShape, INT8_MAX, INT8_MIN, optionalInput, output, requireDtype, scaleOf, shapeFail, shapeStr, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { Kernel, OpDef, ParamInput } from './op-def.js';
import { activationCode } from './tflite-codes.js';

export interface SvdfSize {
  batch: number;
  inputSize: number;
  filters: number;
  units: number;
  memory: number;
  rank: number;
}

export interface SvdfPrepared extends SvdfSize {
  /** 'int16' or 'int8': the type of the time weights and the state (TFLM's template T). */
  stateType: 'int16' | 'int8';
  inputZp: number;
  stateZp: number;
  outputZp: number;
  scale1: { multiplier: number; shift: number };
  scale2: { multiplier: number; shift: number };
}

function sizeOf(g: Graph, op: SVDFOp): SvdfSize {
  const x = input(g, op, 0).shape;
  const wf = input(g, op, 1).shape;
  const wt = input(g, op, 2).shape;
  if (x.length !== 2) unsupported(op, `input must be 2-D [batch, features], got ${shapeStr(x)}`);
  if (wf.length !== 2 || wf[1] !== x[1]) unsupported(op, `feature weights ${shapeStr(wf)} do not take ${x[1]} input features`);
  if (wt.length !== 2 || wt[0] !== wf[0]) unsupported(op, `time weights ${shapeStr(wt)} do not match ${wf[0]} filters`);
  const rank = op.rank;
  if (!(Number.isInteger(rank) && rank > 0) || wf[0]! % rank !== 0) unsupported(op, `rank ${rank} does not divide ${wf[0]} filters`);
  const s = { batch: x[0]!, inputSize: x[1]!, filters: wf[0]!, units: wf[0]! / rank, memory: wt[1]!, rank };
  const state = input(g, op, 4);
  if (!state.variable) unsupported(op, `state '${state.name}' is not a variable tensor`);
  if (elementCount(state.shape) !== s.batch * s.memory * s.filters) unsupported(op, `state '${state.name}' has ${elementCount(state.shape)} elements, expected ${s.batch} × ${s.memory} × ${s.filters}`);
  const b = optionalInput(g, op, 3);
  if (b && elementCount(b.shape) !== s.units) unsupported(op, `bias has ${elementCount(b.shape)} elements for ${s.units} units`);
  for (const k of [1, 2]) if (!input(g, op, k).data) unsupported(op, `'${input(g, op, k).name}' is not a constant`);
  if (b && !b.data) unsupported(op, `bias '${b.name}' is not a constant`);
  return s;
}

function prepareInt8(g: Graph, op: SVDFOp): SvdfPrepared {
  const s = sizeOf(g, op);
  const x = input(g, op, 0);
  const wf = input(g, op, 1);
  const wt = input(g, op, 2);
  const b = optionalInput(g, op, 3);
  const state = input(g, op, 4);
  const y = output(g, op);
  requireDtype(x, ['int8'], op, 'input');
  requireDtype(wf, ['int8'], op, 'feature weights');
  requireDtype(wt, ['int16', 'int8'], op, 'time weights');
  requireDtype(state, [wt.dtype], op, 'state (the same type as the time weights)');
  requireDtype(y, ['int8'], op, 'output');
  if (b) requireDtype(b, ['int32'], op, 'bias');
  if (!b) unsupported(op, 'has no bias; TFLM\'s int8 SVDF reads the bias scale unconditionally, so it requires one');
  const inScale = scaleOf(x, 'input', op);
  const fScale = scaleOf(wf, 'feature weights', op);
  const tScale = scaleOf(wt, 'time weights', op);
  const sScale = scaleOf(state, 'state', op);
  const oScale = scaleOf(y, 'output', op);
  // PrepareSvdf: a float expression (left to right) widened to double.
  const e1 = f32(f32(inScale * fScale) / sScale);
  const e2 = f32(f32(sScale * tScale) / oScale);
  const bScale = scaleOf(b, 'bias', op);
  if (!(Math.abs(bScale - f32(sScale * tScale)) < 1e-5)) unsupported(op, `bias scale ${bScale} is not state scale × time weight scale (${f32(sScale * tScale)}), as TFLM requires`);
  return {
    ...s,
    stateType: wt.dtype as 'int16' | 'int8',
    inputZp: zeroPointOf(x),
    stateZp: zeroPointOf(state),
    outputZp: zeroPointOf(y),
    scale1: quantizeMultiplier(e1),
    scale2: quantizeMultiplier(e2),
  };
}

function evalInt8(g: Graph, op: SVDFOp, p: SvdfPrepared): Kernel {
  const { batch, inputSize, filters, units, memory, rank } = p;
  const wf = input(g, op, 1).data as Int8Array;
  const wt = input(g, op, 2).data as Int16Array | Int8Array;
  const bias = optionalInput(g, op, 3)?.data as Int32Array | undefined;
  const [lo, hi] = p.stateType === 'int16' ? [-32768, 32767] : [INT8_MIN, INT8_MAX];
  const [xIdx, sIdx, yIdx] = [op.inputs[0]!, op.inputs[4]!, op.outputs[0]!];
  const scratch = new Int32Array(batch * filters);
  const outScratch = new Int32Array(batch * units);
  return (bufs) => {
    const x = bufs[xIdx] as Int8Array;
    const state = bufs[sIdx] as Int16Array | Int8Array;
    const y = bufs[yIdx] as Int8Array;
    // Shift the state left by one element (the whole buffer, as TFLM does).
    state.copyWithin(0, 1);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < filters; r++) {
        let dot = 0;
        for (let c = 0; c < inputSize; c++) dot += wf[r * inputSize + c]! * (x[b * inputSize + c]! - p.inputZp);
        let v = mbqm(dot | 0, p.scale1.multiplier, p.scale1.shift);
        v = v < lo ? lo : v > hi ? hi : v;
        state[(b * filters + r) * memory + memory - 1] = p.stateZp + v;
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < filters; i++) {
        let acc = 0;
        const sb = b * memory * filters + i * memory;
        for (let j = 0; j < memory; j++) acc = (acc + wt[i * memory + j]! * (state[sb + j]! - p.stateZp)) | 0;
        scratch[b * filters + i] = acc;
      }
    }
    for (let b = 0; b < batch; b++) for (let j = 0; j < units; j++) outScratch[b * units + j] = bias ? bias[j]! : 0;
    for (let b = 0; b < batch; b++) {
      let k = b * filters;
      for (let i = 0; i < units; i++) for (let j = 0; j < rank; j++) outScratch[b * units + i] = (outScratch[b * units + i]! + scratch[k++]!) | 0;
    }
    for (let i = 0; i < batch * units; i++) {
      const v = mbqm(outScratch[i]!, p.scale2.multiplier, p.scale2.shift) + p.outputZp;
      y[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
    }
  };
}

function evalFloatSvdf(g: Graph, op: SVDFOp): Kernel {
  const { batch, inputSize, filters, units, memory, rank } = sizeOf(g, op);
  for (const k of [0, 1, 2, 4]) requireDtype(input(g, op, k), ['float32'], op, `input ${k}`);
  const wf = input(g, op, 1).data as Float32Array;
  const wt = input(g, op, 2).data as Float32Array;
  const bias = optionalInput(g, op, 3)?.data as Float32Array | undefined;
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const fr = Math.fround;
  const [xIdx, sIdx, yIdx] = [op.inputs[0]!, op.inputs[4]!, op.outputs[0]!];
  const scratch = new Float32Array(batch * filters);
  return (bufs) => {
    const x = bufs[xIdx] as Float32Array;
    const state = bufs[sIdx] as Float32Array;
    const y = bufs[yIdx] as Float32Array;
    state.copyWithin(0, 1);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < filters; r++) {
        let dot = 0;
        for (let c = 0; c < inputSize; c++) dot = fr(dot + fr(wf[r * inputSize + c]! * x[b * inputSize + c]!));
        state[(b * filters + r) * memory + memory - 1] = dot;
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < filters; i++) {
        let acc = 0;
        const sb = b * memory * filters + i * memory;
        for (let j = 0; j < memory; j++) acc = fr(acc + fr(wt[i * memory + j]! * state[sb + j]!));
        scratch[b * filters + i] = acc;
      }
    }
    for (let b = 0; b < batch; b++) {
      let k = b * filters;
      for (let i = 0; i < units; i++) {
        let v = bias ? bias[i]! : 0;
        for (let j = 0; j < rank; j++) v = fr(v + scratch[k++]!);
        y[b * units + i] = v < actMin ? actMin : v > actMax ? actMax : v;
      }
    }
  };
}

export const svdf: OpDef<SVDFOp, SvdfPrepared> = {
  kind: 'SVDF',
  arity: { inputs: [5, 5], optional: [3] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const wf = inShape(g, op, 1);
    if (x.length !== 2 || wf.length !== 2) shapeFail(op, `input ${shapeStr(x)} and feature weights ${shapeStr(wf)} must be 2-D`);
    if (!(op.rank > 0) || wf[0]! % op.rank !== 0) shapeFail(op, `rank ${op.rank} does not divide ${wf[0]} filters`);
    return [[x[0]!, wf[0]! / op.rank]];
  },
  params(g, op) {
    const out: ParamInput[] = [];
    for (const k of [1, 2, 3]) {
      const t = op.inputs[k] ?? -1;
      if (t >= 0 && g.tensors[t]?.data) out.push({ input: k, bytesPerElement: k === 3 ? 4 : k === 2 ? 2 : 1 });
    }
    return out;
  },
  macs(g, op) {
    const x = g.tensors[op.inputs[0]!]!.shape;
    const wf = g.tensors[op.inputs[1]!]!.shape;
    const wt = g.tensors[op.inputs[2]!]!.shape;
    return x[0]! * wf[0]! * (wf[1]! + wt[1]!);
  },
  quant: {
    output: { kind: 'calibrated' },
    // TFLM applies no fused activation on the int8 path: a ReLU lives in the output range.
    clip: (op) => op.activation,
    /**
     * TFLite's SVDF scheme: feature weights int8, time weights and state int16, symmetric per
     * tensor (the state's scale from the range calibration saw in it), bias int32 at state
     * scale × time-weight scale (what TFLM's PrepareSvdf requires).
     */
    custom(op, q) {
      q.weights(op.inputs[1]!, 8);
      const st = q.weights(op.inputs[2]!, 16);
      const r = q.range(op.inputs[4]!) ?? [-1, 1];
      const s0 = f32(Math.max(Math.abs(r[0]), Math.abs(r[1])) / 32767);
      const ss = s0 > 0 ? s0 : 1;
      if ((op.inputs[3] ?? -1) >= 0) q.bias(op.inputs[3]!, f32(ss * st));
      q.state(op.inputs[4]!, 'int16', { scale: ss, zeroPoint: 0 });
    },
  },
  prepare: prepareInt8,
  evalQuantized: evalInt8,
  evalFloat: evalFloatSvdf,
  scratchBytes(_g, _op, p) {
    return 4 * p.batch * (p.filters + p.units);
  },
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    ctx.decl(
      `static const tinyml_svdf_params_t ${L}_params = {${p.batch}, ${p.inputSize}, ${p.filters}, ${p.units}, ${p.memory}, ${p.rank}, ${p.stateType === 'int16' ? 2 : 1}, ${p.inputZp}, ${p.stateZp}, ${p.outputZp}, ${cInt32(p.scale1.multiplier)}, ${p.scale1.shift}, ${cInt32(p.scale2.multiplier)}, ${p.scale2.shift}};`,
    );
    const b = op.inputs[3] ?? -1;
    ctx.call(
      `tinyml_svdf_s8(&${L}_params, ${ctx.ptr(op.inputs[0]!)}, ${ctx.weight(op.inputs[1]!)}, ${ctx.weight(op.inputs[2]!)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, ${ctx.ptr(op.inputs[4]!)}, ${ctx.ptr(op.outputs[0]!)}, (int32_t *)${ctx.scratch()});`,
    );
    return ['svdf_s8'];
  },
  tflite: {
    builtin: 'SVDF',
    options: 'SVDFOptions',
    read: (r) => ({ ...r.base, kind: 'SVDF', rank: r.optNumber('rank'), activation: r.activation(), asymmetricQuantizeInputs: r.optBool('asymmetric_quantize_inputs') }),
    write(op, w) {
      // op_version.cc: 1 float, 2 hybrid, 3 int8 (integer path), 4 hybrid with asymmetric inputs.
      const v = versionByDtype(w.g, op, { float: 1, int8: 3 });
      return { version: v, options: { rank: op.rank, fused_activation_function: activationCode(op.activation), asymmetric_quantize_inputs: op.asymmetricQuantizeInputs } };
    },
  },
};
