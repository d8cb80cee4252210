/**
 * SHAPE and FILL, the shape constants of TF-exported models (e.g. x → SHAPE → STRIDED_SLICE →
 * PACK → RESHAPE for a dynamic batch). Both are folded into constants at import time when
 * their inputs are static (src/ops/fold.ts); these definitions run them when they are not
 * folded (their output is a model output, or FILL's value is computed at run time).
 *
 * - SHAPE (TFLM shape.cc ExtractShape): the input's dimensions as a 1-D int32 tensor (TFLM
 *   writes int32 only). Its input's values are never read. Not quantized.
 * - FILL (TFLM fill.cc, reference_ops::Fill): every output element is the scalar `value`
 *   (input 1); `dims` (input 0) must equal the output shape when it is a constant, as TFLM's
 *   Prepare checks. TFLM fills float32, int32 and int8; int16 and bool (TFLite's) are moved
 *   the same way. The output shares the value's quantization.
 * In C both are one strided copy: SHAPE from a const table, FILL from the value with stride 0.
 */
import type { FillOp, Graph, ShapeOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { cInt32Array, input, inShape, noMacs, noParams, output, requireDtype, shapeFail, shapeStr, unsupported } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { emitCopyCall, simplifyCopy, type StridedCopy } from './strided-copy.js';
import { TensorType } from './tflite-codes.js';

function shapeKernel(op: ShapeOp, dims: readonly number[]): Kernel {
  const o = op.outputs[0]!;
  return (bufs) => {
    const out = bufs[o]!;
    dims.forEach((d, i) => (out[i] = d));
  };
}

export const shape: OpDef<ShapeOp, number[]> = {
  kind: 'Shape',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[inShape(g, op, 0).length]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  fold: 'static-shape',
  usesFloatKernel: () => false,
  prepare(g, op) {
    requireDtype(output(g, op), ['int32'], op, 'output');
    return [...input(g, op, 0).shape];
  },
  evalQuantized: (_g, op, dims) => shapeKernel(op, dims),
  evalFloat: (g, op) => shapeKernel(op, input(g, op, 0).shape),
  emitC(ctx, op, dims) {
    if (dims.length === 0) {
      ctx.call('/* the shape of a scalar is empty */');
      return [];
    }
    ctx.decl(cInt32Array(`${ctx.prefix}_shape`, dims));
    const copy: StridedCopy = { dims: [dims.length], src: { offset: 0, strides: [1] }, dst: { offset: 0, strides: [1] } };
    emitCopyCall(ctx, copy, 'int32', `${ctx.prefix}_shape`, ctx.ptr(op.outputs[0]!));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'SHAPE',
    options: 'ShapeOptions',
    read: (r) => ({ ...r.base, kind: 'Shape' }),
    write(op, w) {
      const t = w.g.tensors[op.outputs[0]!]!;
      return { version: 1, options: { out_type: t.dtype === 'int64' ? TensorType.INT64 : TensorType.INT32 } };
    },
  },
};

/** Output shape of a FILL: its constant dims, else the shape the graph declares. */
function fillShape(g: Graph, op: FillOp): number[] {
  const d = g.tensors[op.inputs[0]!];
  if (d?.data) return Array.from(d.data);
  return [...(g.tensors[op.outputs[0]!]?.shape ?? [])];
}

function fillPlan(g: Graph, op: FillOp): StridedCopy {
  const n = elementCount(output(g, op).shape);
  return simplifyCopy({ dims: [n], src: { offset: 0, strides: [0] }, dst: { offset: 0, strides: [1] } });
}

function fillKernel(op: FillOp): Kernel {
  const [v, o] = [op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    bufs[o]!.fill(bufs[v]![0]!);
  };
}

export const fill: OpDef<FillOp, StridedCopy> = {
  kind: 'Fill',
  arity: { inputs: [2, 2] },
  inferShapes(g, op) {
    const v = inShape(g, op, 1);
    if (v.length !== 0 && elementCount(v) !== 1) shapeFail(op, `value must be a scalar, got ${shapeStr(v)}`);
    const dims = inShape(g, op, 0);
    if (dims.length !== 1) shapeFail(op, `dims must be 1-D, got ${shapeStr(dims)}`);
    const s = fillShape(g, op);
    if (s.length !== dims[0] || s.some((d) => !Number.isInteger(d) || d < 0)) shapeFail(op, `dims [${s.join(',')}] are not a shape of rank ${dims[0]}`);
    return [s];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [1] } },
  fold: 'constant-inputs',
  prepare(g, op) {
    const v = input(g, op, 1);
    requireDtype(v, ['int8', 'int16', 'int32', 'float32', 'bool'], op, 'value');
    if (output(g, op).dtype !== v.dtype) unsupported(op, `value is ${v.dtype} but the output is ${output(g, op).dtype}`);
    return fillPlan(g, op);
  },
  evalQuantized: (_g, op) => fillKernel(op),
  evalFloat: (_g, op) => fillKernel(op),
  emitC(ctx, op, p) {
    emitCopyCall(ctx, p, ctx.g.tensors[op.outputs[0]!]!.dtype, ctx.ptr(op.inputs[1]!), ctx.ptr(op.outputs[0]!));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'FILL',
    options: 'FillOptions',
    read: (r) => ({ ...r.base, kind: 'Fill' }),
    write(op, w) {
      const v = w.g.tensors[op.inputs[1]!]!;
      // op_version.cc: int8/int16 value → 3, bool → 2.
      const version = v.dtype === 'int8' || v.dtype === 'int16' ? 3 : v.dtype === 'bool' ? 2 : 1;
      return { version, options: {} };
    },
  },
};
