/**
 * FULLY_CONNECTED: weights [units, inFeatures], optional bias, input flattened to
 * [batches, inFeatures]. int8: TFLM fully_connected.cc — per-tensor weights with
 * reference_integer_ops::FullyConnected (multiplier from GetQuantizedConvolutionMultipler,
 * float32 product of the scales), per-channel weights with FullyConnectedPerChannel (double
 * product). float: reference_ops::FullyConnected.
 * 16x8: TFLM's kTfLiteInt16 case, reference_integer_ops::FullyConnected<int64_t> for int16
 * data — per-tensor weights only (TFLM's CalculateOpDataFullyConnected allows per-channel for
 * int8 alone), int64 bias, no input/output offsets, the int64 MultiplyByQuantizedMultiplier.
 */
import type * as TF from '@tensorflow/tfjs';
import type { FullyConnectedOp, Graph } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { mbqm, mbqm64 } from '../numerics/requantize.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  cInt32,
  cInt32Array,
  input,
  inShape,
  optionalInput,
  output,
  perChannelMultipliers,
  perTensorConvMultiplier,
  requireDtype,
  requireZeroPoints16,
  shapeFail,
  shapeStr,
  unsupported,
  versionByDtype,
  weightBiasParams,
  zeroPointOf,
} from './common.js';
import { opScratchBytes } from './kernel-scratch.js';
import type { OpDef } from './op-def.js';
import { batchedShape, tfActivation } from './tf-helpers.js';
import { activationCode } from './tflite-codes.js';

export interface FullyConnectedPrepared {
  dtype: 'int8' | 'int16';
  batches: number;
  depth: number;
  units: number;
  multipliers: Int32Array;
  shifts: Int32Array;
  inputOffset: number;
  /** -weight zero point for per-tensor weights (0 for every int8 model TFLite accepts); 0 per channel. */
  filterOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

function dims(g: Graph, op: FullyConnectedOp): { batches: number; depth: number; units: number } {
  const [units, depth] = input(g, op, 1).shape as [number, number];
  const outT = output(g, op);
  const outDepth = outT.shape[outT.shape.length - 1]!;
  if (outDepth !== units) unsupported(op, `${units} units but output depth ${outDepth}`);
  const batches = elementCount(outT.shape) / units;
  const n = elementCount(input(g, op, 0).shape);
  if (n !== batches * depth) unsupported(op, `input has ${n} elements, expected ${batches} × ${depth}`);
  return { batches, depth, units };
}

export const fullyConnected: OpDef<FullyConnectedOp, FullyConnectedPrepared> = {
  kind: 'FullyConnected',
  arity: { inputs: [2, 3], optional: [2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const w = inShape(g, op, 1);
    if (w.length !== 2) shapeFail(op, `weights must be 2-D [units, in], got ${shapeStr(w)}`);
    const inF = w[1]!;
    const total = elementCount(x);
    if (inF === 0 || total % inF !== 0) shapeFail(op, `input ${shapeStr(x)} is not a multiple of ${inF} input features`);
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && elementCount(inShape(g, op, 2)) !== w[0]) shapeFail(op, `bias ${shapeStr(inShape(g, op, 2))} does not match ${w[0]} units`);
    if (op.keepNumDims) {
      if (x[x.length - 1] !== inF) shapeFail(op, `keep_num_dims needs the last input dimension (${x[x.length - 1]}) to equal ${inF}`);
      return [[...x.slice(0, -1), w[0]!]];
    }
    return [[total / inF, w[0]!]];
  },
  params: weightBiasParams,
  macs(g, op) {
    const w = g.tensors[op.inputs[1]!]!.shape; // [units, in]
    return elementCount(g.tensors[op.outputs[0]!]!.shape) * w[1]!;
  },
  quant: { output: { kind: 'calibrated' }, clip: (op) => op.activation, weights: [{ input: 1, axis: 0 }], bias: { input: 2, weights: 1 } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const w = input(g, op, 1);
    const b = optionalInput(g, op, 2);
    const y = output(g, op);
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(w, ['int8'], op, 'weights');
    requireDtype(y, [x.dtype], op, 'output');
    const is16 = x.dtype === 'int16';
    if (b) requireDtype(b, is16 ? ['int64'] : ['int32'], op, 'bias');
    if (!w.data) unsupported(op, `weights '${w.name}' are not a constant`);
    if (b && !b.data) unsupported(op, `bias '${b.name}' is not a constant`);
    const { batches, depth, units } = dims(g, op);
    const perChannel = (w.quant?.scale.length ?? 0) > 1;
    if (is16) {
      requireZeroPoints16(op, x, y);
      if (perChannel) unsupported(op, `16x8 weights '${w.name}' have ${w.quant!.scale.length} scales; TFLite Micro's int16 FULLY_CONNECTED takes per-tensor weights only`, 'Quantize the weights per tensor (tinyml quantize --activations int16 does).');
    }
    let multipliers: Int32Array;
    let shifts: Int32Array;
    if (perChannel) {
      ({ multipliers, shifts } = perChannelMultipliers(x, w, y, units, op));
    } else {
      const q = perTensorConvMultiplier(x, w, y, op);
      multipliers = new Int32Array(units).fill(q.multiplier);
      shifts = new Int32Array(units).fill(q.shift);
    }
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    return {
      dtype: is16 ? 'int16' : 'int8',
      batches,
      depth,
      units,
      multipliers,
      shifts,
      inputOffset: -zeroPointOf(x),
      filterOffset: perChannel ? 0 : -zeroPointOf(w),
      outputOffset: zeroPointOf(y),
      actMin,
      actMax,
    };
  },
  evalQuantized(g, op, p) {
    const fdata = input(g, op, 1).data as Int8Array;
    const bdata = optionalInput(g, op, 2)?.data as Int32Array | Float64Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    const { batches, depth, units, multipliers, shifts, inputOffset, filterOffset, outputOffset, actMin, actMax } = p;
    if (p.dtype === 'int16') {
      const m = multipliers[0]!;
      const sh = shifts[0]!;
      return (bufs) => {
        const inp = bufs[iIdx] as Int16Array;
        const out = bufs[oIdx] as Int16Array;
        for (let b = 0; b < batches; b++) {
          const ib = b * depth;
          for (let oc = 0; oc < units; oc++) {
            const fb = oc * depth;
            let acc = 0; // int64: exact in a double for valid models (|acc| < 2^47)
            for (let d = 0; d < depth; d++) acc += (fdata[fb + d]! + filterOffset) * inp[ib + d]!;
            if (bdata) acc += bdata[oc]!;
            let v = mbqm64(acc, m, sh);
            v = v < actMin ? actMin : v > actMax ? actMax : v;
            out[b * units + oc] = v;
          }
        }
      };
    }
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let b = 0; b < batches; b++) {
        const ib = b * depth;
        for (let oc = 0; oc < units; oc++) {
          const fb = oc * depth;
          let acc = 0;
          if (filterOffset === 0) {
            for (let d = 0; d < depth; d++) acc += fdata[fb + d]! * (inp[ib + d]! + inputOffset);
          } else {
            for (let d = 0; d < depth; d++) acc += (fdata[fb + d]! + filterOffset) * (inp[ib + d]! + inputOffset);
          }
          if (bdata) acc += bdata[oc]!;
          let v = mbqm(acc | 0, multipliers[oc]!, shifts[oc]!) + outputOffset;
          v = v < actMin ? actMin : v > actMax ? actMax : v;
          out[b * units + oc] = v;
        }
      }
    };
  },
  evalFloat(g, op) {
    const fr = Math.fround;
    const { batches, depth, units } = dims(g, op);
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    const fdata = input(g, op, 1).data as Float32Array;
    const bias = optionalInput(g, op, 2)?.data as Float32Array | undefined;
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      for (let b = 0; b < batches; b++) {
        for (let oc = 0; oc < units; oc++) {
          let total = 0;
          const fb = oc * depth;
          const ib = b * depth;
          for (let d = 0; d < depth; d++) total = fr(total + fr(inp[ib + d]! * fdata[fb + d]!));
          const v = fr(total + (bias ? bias[oc]! : 0));
          out[b * units + oc] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
    };
  },
  scratchBytes: (g, op, _p, kernelSet) => opScratchBytes(kernelSet, g, op),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const b = op.inputs[2] ?? -1;
    if (p.dtype === 'int16') {
      ctx.call(
        `tinyml_fully_connected_s16(${p.filterOffset}, ${p.actMin}, ${p.actMax}, ${cInt32(p.multipliers[0]!)}, ${p.shifts[0]}, ${p.batches}, ${p.depth}, ${p.units}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.weight(op.inputs[1]!)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, ${ctx.ptr(op.outputs[0]!)});`,
      );
      return ['fully_connected_s16'];
    }
    ctx.decl(cInt32Array(`${L}_mult`, p.multipliers), cInt32Array(`${L}_shift`, p.shifts));
    ctx.call(
      `if (tinyml_fully_connected_s8(${p.inputOffset}, ${p.filterOffset}, ${p.outputOffset}, ${p.actMin}, ${p.actMax}, ${L}_mult, ${L}_shift, ${p.batches}, ${p.depth}, ${p.units}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.weight(op.inputs[1]!)}, ${b >= 0 ? ctx.weight(b) : 'NULL'}, ${ctx.ptr(op.outputs[0]!)}, ${ctx.scratch()}, ${ctx.scratchBytes}) != TINYML_OK) return -3;`,
    );
    return ['fully_connected_s8'];
  },
  tflite: {
    builtin: 'FULLY_CONNECTED',
    options: 'FullyConnectedOptions',
    read(r) {
      const wf = r.optNumber('weights_format');
      if (wf !== 0) r.bad(`weights_format ${wf} (shuffled weights) is not supported`);
      return { ...r.base, kind: 'FullyConnected', activation: r.activation(), keepNumDims: r.optBool('keep_num_dims') };
    },
    write: (op, w) => ({
      version: versionByDtype(w.g, op, { float: 1, int8: 4, int16: 7 }),
      options: { fused_activation_function: activationCode(op.activation), keep_num_dims: op.keepNumDims },
    }),
  },
  tf(tf, g, op, get, n) {
    const w = get(op.inputs[1]!);
    const x = tf.reshape(get(op.inputs[0]!), [-1, w.shape[1]!]);
    let y: TF.Tensor = tf.matMul(x, w, false, true);
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
    return tf.reshape(tfActivation(tf, y, op.activation), batchedShape(g.tensors[op.outputs[0]!]!.shape, n));
  },
};
