/**
 * SQUEEZE (drop size-1 dimensions: `squeeze_dims`, or every size-1 dimension when empty) and
 * EXPAND_DIMS (inputs [x, axis]: insert a size-1 dimension at `axis`). Like RESHAPE the bytes
 * do not change (TFLM squeeze.cc / expand_dims.cc copy the input when the buffers differ), so
 * both are reshape-like (`aliasesInput`): the planner gives the output the input's buffer when
 * the input dies here, and no code runs. Negative dims count from the end (SQUEEZE: + rank;
 * EXPAND_DIMS: + rank + 1), as TFLite's kernels do.
 */
import type { ExpandDimsOp, SqueezeOp } from '../ir/graph.js';
import { inShape, noMacs, noParams, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { checkSameBytes, copyKernel, emitCopy } from './reshape.js';
import { batchedShape } from './tf-helpers.js';

/** The shape SQUEEZE gives, or why the dims cannot be squeezed. */
export function squeezeShape(shape: readonly number[], dims: readonly number[]): number[] | string {
  const rank = shape.length;
  const drop = new Set<number>();
  if (dims.length === 0) shape.forEach((d, i) => d === 1 && drop.add(i));
  for (const d of dims) {
    const a = d < 0 ? d + rank : d;
    if (!Number.isInteger(a) || a < 0 || a >= rank) return `squeeze dim ${d} is out of range for rank ${rank}`;
    if (shape[a] !== 1) return `dim ${d} has size ${shape[a]}, not 1`;
    drop.add(a);
  }
  return shape.filter((_, i) => !drop.has(i));
}

/** The axis EXPAND_DIMS inserts at, non-negative, or undefined when out of range. */
export function expandAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank + 1 : axis;
  return Number.isInteger(a) && a >= 0 && a <= rank ? a : undefined;
}

export const squeeze: OpDef<SqueezeOp, number> = {
  kind: 'Squeeze',
  arity: { inputs: [1, 1] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const s = squeezeShape(x, op.squeezeDims);
    if (typeof s === 'string') shapeFail(op, `${s} (input ${shapeStr(x)})`);
    return [s];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  aliasesInput: true,
  fold: 'constant-inputs',
  prepare: checkSameBytes,
  evalQuantized: (_g, op) => copyKernel(op),
  evalFloat: (_g, op) => copyKernel(op),
  emitC: (ctx, op, bytes) => emitCopy(ctx, op, bytes),
  tflite: {
    builtin: 'SQUEEZE',
    options: 'SqueezeOptions',
    read(r) {
      const dims = r.opt('squeeze_dims');
      return { ...r.base, kind: 'Squeeze', squeezeDims: Array.isArray(dims) ? dims : [] };
    },
    write: (op) => ({ version: 1, options: { squeeze_dims: op.squeezeDims } }),
  },
  tf(tf, g, op, get, n) {
    const y = g.tensors[op.outputs[0]!]!;
    return tf.reshape(get(op.inputs[0]!), batchedShape(y.shape, n));
  },
};

export const expandDims: OpDef<ExpandDimsOp, number> = {
  kind: 'ExpandDims',
  arity: { inputs: [1, 2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const a = expandAxis(op.axis, x.length);
    if (a === undefined) shapeFail(op, `axis ${op.axis} is out of range for input ${shapeStr(x)}`);
    const axisT = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? g.tensors[op.inputs[1]] : undefined;
    const v = axisT?.data?.[0];
    if (v !== undefined && expandAxis(v, x.length) !== a) shapeFail(op, `the axis operand ${v} differs from the op's axis ${op.axis}`);
    return [[...x.slice(0, a), 1, ...x.slice(a)]];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  aliasesInput: true,
  fold: 'constant-inputs',
  prepare(g, op) {
    const axisT = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? g.tensors[op.inputs[1]] : undefined;
    if (axisT && !axisT.data) unsupported(op, 'the axis is computed at run time; the generated code needs a constant axis');
    return checkSameBytes(g, op);
  },
  evalQuantized: (_g, op) => copyKernel(op),
  evalFloat: (_g, op) => copyKernel(op),
  emitC: (ctx, op, bytes) => emitCopy(ctx, op, bytes),
  tflite: {
    builtin: 'EXPAND_DIMS',
    options: 'ExpandDimsOptions',
    read(r) {
      if (!r.isConstant(1)) r.unsupported('the axis is computed at run time; the generated code needs a constant axis');
      const v = r.constInts(1, 'axis');
      if (v.length !== 1) r.bad(`the axis operand holds ${v.length} values, expected 1`);
      return { ...r.base, kind: 'ExpandDims', axis: v[0]! };
    },
    write(op, w) {
      const inputs = op.inputs.length >= 2 ? op.inputs : [op.inputs[0]!, w.addConstant({ name: `${op.name}/axis`, shape: [1], dtype: 'int32', data: Int32Array.of(op.axis) })];
      return { version: 1, options: {}, inputs };
    },
  },
  tf(tf, g, op, get, n) {
    const y = g.tensors[op.outputs[0]!]!;
    return tf.reshape(get(op.inputs[0]!), batchedShape(y.shape, n));
  },
};
