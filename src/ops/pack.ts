/**
 * PACK (N inputs of one shape → one output with a new axis of size N at `axis`) and UNPACK
 * (one input → `num` outputs, the input's `axis` removed). TFLM pack.cc PackImpl copies, for
 * every outer index, each input's run of `inner` elements in turn; unpack.cc UnpackImpl the
 * reverse. Each input (output) is one strided copy here (src/ops/strided-copy.ts). `axis` may
 * be negative (TFLM adds the output rank for PACK, the input rank for UNPACK); the IR keeps it
 * non-negative. TFLite requires the inputs and the output to share quantization, so the copy
 * is exact; the quantizer puts them in one group.
 */
import type { Graph, PackOp } from '../ir/graph.js';
import { input, inShape, noMacs, noParams, output, requireDtype, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { emitCopyCall, MOVABLE_DTYPES, rowMajorStrides, simplifyCopy, stridedCopyKernel, type StridedCopy } from './strided-copy.js';

/** Copy k between the packed tensor `packed` (with the axis) and one part `part` (without it). */
function partCopy(packed: readonly number[], axis: number, k: number, toPacked: boolean): StridedCopy {
  const part = packed.filter((_, i) => i !== axis);
  const ps = rowMajorStrides(packed);
  const packedView = { offset: k * ps[axis]!, strides: ps.filter((_, i) => i !== axis) };
  const partView = { offset: 0, strides: rowMajorStrides(part) };
  return simplifyCopy(toPacked ? { dims: part, src: partView, dst: packedView } : { dims: part, src: packedView, dst: partView });
}

function packShape(op: PackOp, parts: readonly (readonly number[])[], fail: (w: string) => never): number[] {
  const first = parts[0];
  if (!first) return fail('no inputs');
  const axis = op.axis;
  if (!Number.isInteger(axis) || axis < 0 || axis > first.length) fail(`axis ${axis} is out of range for inputs ${shapeStr(first)}`);
  if (op.count !== parts.length) fail(`values_count ${op.count} for ${parts.length} inputs`);
  for (const s of parts) if (s.length !== first.length || s.some((d, i) => d !== first[i])) fail(`input ${shapeStr(s)} differs from ${shapeStr(first)}`);
  return [...first.slice(0, axis), parts.length, ...first.slice(axis)];
}

function unpackShapes(op: PackOp, x: readonly number[], fail: (w: string) => never): number[][] {
  const axis = op.axis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.length) fail(`axis ${axis} is out of range for input ${shapeStr(x)}`);
  if (x[axis] !== op.count) fail(`num ${op.count} but axis ${axis} of ${shapeStr(x)} has ${x[axis]} entries`);
  return Array.from({ length: op.count }, () => x.filter((_, i) => i !== axis));
}

function checkDtypes(g: Graph, op: PackOp): void {
  const first = input(g, op, 0);
  requireDtype(first, MOVABLE_DTYPES, op, 'input 0');
  for (const [k, t] of [...op.inputs.map((_, k) => input(g, op, k)), ...op.outputs.map((_, k) => output(g, op, k))].entries()) {
    if (t.dtype !== first.dtype) unsupported(op, `operand ${k} '${t.name}' is ${t.dtype}, input 0 is ${first.dtype}`);
  }
}

function packPlan(g: Graph, op: PackOp): StridedCopy[] {
  const y = output(g, op);
  return op.inputs.map((_, k) => partCopy(y.shape, op.axis, k, true));
}

function unpackPlan(g: Graph, op: PackOp): StridedCopy[] {
  const x = input(g, op, 0);
  return op.outputs.map((_, k) => partCopy(x.shape, op.axis, k, false));
}

export const pack: OpDef<PackOp & { kind: 'Pack' }, StridedCopy[]> = {
  kind: 'Pack',
  arity: { inputs: [1, Infinity] },
  inferShapes: (g, op) => [packShape(op, op.inputs.map((_, k) => inShape(g, op, k)), (w) => shapeFail(op, w))],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: 'all' } },
  fold: 'constant-inputs',
  prepare(g, op) {
    checkDtypes(g, op);
    return packPlan(g, op);
  },
  evalQuantized: (_g, op, p) => stridedCopyKernel(p, op.inputs, p.map(() => op.outputs[0]!)),
  evalFloat: (g, op) => stridedCopyKernel(packPlan(g, op), op.inputs, op.inputs.map(() => op.outputs[0]!)),
  emitC(ctx, op, p) {
    const dst = ctx.ptr(op.outputs[0]!);
    const dtype = ctx.g.tensors[op.outputs[0]!]!.dtype;
    p.forEach((c, k) => emitCopyCall(ctx, c, dtype, ctx.ptr(op.inputs[k]!), dst, `_i${k}`));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'PACK',
    options: 'PackOptions',
    read(r) {
      const rank = r.tensors[r.base.outputs[0] ?? -1]?.shape.length ?? 1;
      const a = r.optNumber('axis');
      return { ...r.base, kind: 'Pack', axis: a < 0 ? a + rank : a, count: r.optNumber('values_count', r.base.inputs.length) };
    },
    write(op, w) {
      const x = w.g.tensors[op.inputs[0]!]!;
      // op_version.cc: int8 → 2, int16 → 3.
      const version = x.dtype === 'int8' ? 2 : x.dtype === 'int16' ? 3 : 1;
      return { version, options: { values_count: op.count, axis: op.axis } };
    },
  },
  tf: (tf, _g, op, get) => tf.stack(op.inputs.map(get), op.axis),
};

export const unpack: OpDef<PackOp & { kind: 'Unpack' }, StridedCopy[]> = {
  kind: 'Unpack',
  arity: { inputs: [1, 1], outputs: [1, Infinity] },
  inferShapes(g, op) {
    const shapes = unpackShapes(op, inShape(g, op, 0), (w) => shapeFail(op, w));
    if (shapes.length !== op.outputs.length) shapeFail(op, `num ${op.count} for ${op.outputs.length} outputs`);
    return shapes;
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  fold: 'constant-inputs',
  prepare(g, op) {
    checkDtypes(g, op);
    return unpackPlan(g, op);
  },
  evalQuantized: (_g, op, p) => stridedCopyKernel(p, p.map(() => op.inputs[0]!), op.outputs),
  evalFloat: (g, op) => {
    const p = unpackPlan(g, op);
    return stridedCopyKernel(p, p.map(() => op.inputs[0]!), op.outputs);
  },
  emitC(ctx, op, p) {
    const src = ctx.ptr(op.inputs[0]!);
    const dtype = ctx.g.tensors[op.inputs[0]!]!.dtype;
    p.forEach((c, k) => emitCopyCall(ctx, c, dtype, src, ctx.ptr(op.outputs[k]!), `_o${k}`));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'UNPACK',
    options: 'UnpackOptions',
    read(r) {
      const rank = r.tensors[r.base.inputs[0] ?? -1]?.shape.length ?? 1;
      const a = r.optNumber('axis');
      return { ...r.base, kind: 'Unpack', axis: a < 0 ? a + rank : a, count: r.optNumber('num', r.base.outputs.length) };
    },
    write(op, w) {
      const x = w.g.tensors[op.inputs[0]!]!;
      // op_version.cc: int8 → 2, bool → 3, int16 → 4.
      const version = x.dtype === 'int8' ? 2 : x.dtype === 'bool' ? 3 : x.dtype === 'int16' ? 4 : 1;
      return { version, options: { num: op.count, axis: op.axis } };
    },
  },
  tf: (tf, _g, op, get) => tf.unstack(get(op.inputs[0]!), op.axis),
};
