/**
 * CONCATENATION along `axis`. TFLite and TFLM require int8 inputs to share the output's scale
 * and zero point and then only copy. Inputs whose parameters differ are requantized as
 * TFLite's reference ConcatenationWithScaling does (float32: round(q · s + bias) + out_zp with
 * s = in_scale · (1 / out_scale), bias = -in_zp · s), clamped to the fused activation range.
 * int16 (16x8): TFLM's kTfLiteInt16 case, a plain copy (EvalUnquantized<int16_t>) with no
 * fused activation; inputs must share the output's parameters (TFLM would copy other inputs
 * unconverted, so they are refused here).
 */
import type * as TF from '@tensorflow/tfjs';
import type { ConcatenationOp } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  cFloat,
  constantOperandParams,
  inShape,
  noMacs,
  normAxis,
  output,
  requireDtype,
  scaleOf,
  shapeFail,
  shapeStr,
  tensorOf,
  unsupported,
  versionByDtype,
  zeroPointOf,
} from './common.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode } from './tflite-codes.js';

export interface ConcatPrepared {
  dtype: 'int8' | 'int16';
  outer: number;
  parts: { idx: number; copy: number; same: boolean; scale: number; bias: number }[];
  outputZeroPoint: number;
  actMin: number;
  actMax: number;
}

export const concatenation: OpDef<ConcatenationOp, ConcatPrepared> = {
  kind: 'Concatenation',
  arity: { inputs: [1, Infinity] },
  inferShapes(g, op) {
    const shapes = op.inputs.map((_, k) => inShape(g, op, k));
    if (shapes.length === 0) shapeFail(op, 'no inputs');
    const first = shapes[0]!;
    const axis = op.axis < 0 ? op.axis + first.length : op.axis;
    if (axis < 0 || axis >= first.length) shapeFail(op, `axis ${op.axis} out of range for ${shapeStr(first)}`);
    let sum = 0;
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) shapeFail(op, `input ${shapeStr(s)} does not match ${shapeStr(first)} off axis ${axis}`);
      sum += s[axis]!;
    }
    return [first.map((d, i) => (i === axis ? sum : d))];
  },
  params: constantOperandParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: 'all' }, clip: (op) => op.activation },
  prepare(g, op) {
    const y = output(g, op);
    requireDtype(y, ['int8', 'int16'], op, 'output');
    const is16 = y.dtype === 'int16';
    if (is16 && op.activation !== 'none') unsupported(op, `a fused ${op.activation} on an int16 concatenation; TFLite Micro's CONCATENATION takes no activation`);
    const rank = y.shape.length;
    const axis = normAxis(op.axis, rank, op);
    const outScale = scaleOf(y, 'output', op);
    const outZp = zeroPointOf(y);
    const inverseOutScale = f32(1 / outScale);
    const outer = elementCount(y.shape.slice(0, axis));
    const parts = op.inputs.map((idx, k) => {
      const t = tensorOf(g, idx, op, `input ${k}`);
      requireDtype(t, [y.dtype], op, `input ${k}`);
      if (t.shape.length !== rank) unsupported(op, `input ${k} has rank ${t.shape.length}, output ${rank}`);
      const s = scaleOf(t, `input ${k}`, op);
      const zp = zeroPointOf(t);
      if (is16 && (s !== outScale || zp !== outZp)) unsupported(op, `int16 input '${t.name}' (scale ${s}, zero point ${zp}) differs from the output's (${outScale}, ${outZp}); TFLite Micro's int16 CONCATENATION only copies`);
      const scale = f32(s * inverseOutScale);
      return { idx, copy: elementCount(t.shape.slice(axis)), same: s === outScale && zp === outZp, scale, bias: f32(-zp * scale) };
    });
    const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
    return { dtype: y.dtype as 'int8' | 'int16', outer, parts, outputZeroPoint: outZp, actMin, actMax };
  },
  evalQuantized(_g, op, p) {
    const { outer, parts, outputZeroPoint: outZp, actMin, actMax } = p;
    const oIdx = op.outputs[0]!;
    return (bufs) => {
      const out = bufs[oIdx] as Int8Array | Int16Array;
      let o = 0;
      for (let k = 0; k < outer; k++) {
        for (const q of parts) {
          const inp = bufs[q.idx] as Int8Array | Int16Array;
          const base = k * q.copy;
          for (let j = 0; j < q.copy; j++) {
            let v = q.same ? inp[base + j]! : roundHalfAway(f32(f32(inp[base + j]! * q.scale) + q.bias)) + outZp;
            v = v < actMin ? actMin : v > actMax ? actMax : v;
            out[o++] = v;
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    const y = output(g, op);
    const axis = normAxis(op.axis, y.shape.length, op);
    const outer = elementCount(y.shape.slice(0, axis));
    const [actMin, actMax] = activationRangeFloat(op.activation, op);
    const parts = op.inputs.map((idx, k) => ({ idx, copy: elementCount(tensorOf(g, idx, op, `input ${k}`).shape.slice(axis)) }));
    const oIdx = op.outputs[0]!;
    return (bufs) => {
      const out = bufs[oIdx] as Float32Array;
      let o = 0;
      for (let k = 0; k < outer; k++) {
        for (const q of parts) {
          const inp = bufs[q.idx] as Float32Array;
          for (let j = 0; j < q.copy; j++) {
            const v = inp[k * q.copy + j]!;
            out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
          }
        }
      }
    };
  },
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const n = op.inputs.length;
    const sizes = op.inputs.map((t) => tensorBytes(ctx.g.tensors[t]!) / p.outer);
    if (p.dtype === 'int16') {
      ctx.decl(`static const int32_t ${L}_sizes[${n}] = {${sizes.join(', ')}};`);
      ctx.call(
        `{`,
        `  const void *const in[${n}] = {${op.inputs.map((t) => ctx.ptr(t)).join(', ')}};`,
        `  tinyml_concat_copy(${n}, in, ${L}_sizes, ${p.outer}, ${ctx.ptr(op.outputs[0]!)});`,
        `}`,
      );
      return ['concat_copy'];
    }
    ctx.decl(
      `static const int32_t ${L}_sizes[${n}] = {${sizes.join(', ')}}, ${L}_same[${n}] = {${p.parts.map((q) => (q.same ? 1 : 0)).join(', ')}};`,
      `static const float ${L}_scales[${n}] = {${p.parts.map((q) => cFloat(q.scale)).join(', ')}}, ${L}_biases[${n}] = {${p.parts.map((q) => cFloat(q.bias)).join(', ')}};`,
    );
    ctx.call(
      `{`,
      `  const int8_t *const in[${n}] = {${op.inputs.map((t) => ctx.ptr(t)).join(', ')}};`,
      `  tinyml_concat_s8(${n}, in, ${L}_sizes, ${L}_same, ${L}_scales, ${L}_biases, ${p.outer}, ${p.outputZeroPoint}, ${p.actMin}, ${p.actMax}, ${ctx.ptr(op.outputs[0]!)});`,
      `}`,
    );
    return ['concat_s8'];
  },
  tflite: {
    builtin: 'CONCATENATION',
    options: 'ConcatenationOptions',
    read(r) {
      const rank = r.tensors[r.base.outputs[0] ?? -1]?.shape.length ?? 0;
      const axis = r.optNumber('axis');
      return { ...r.base, kind: 'Concatenation', axis: axis < 0 ? axis + rank : axis, activation: r.activation() };
    },
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: { axis: op.axis, fused_activation_function: activationCode(op.activation) } }),
  },
  tf: (tf, _g, op, get) => tfActivation(tf, tf.concat(op.inputs.map(get) as TF.Tensor[], op.axis), op.activation),
};
