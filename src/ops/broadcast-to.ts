/**
 * BROADCAST_TO: the input repeated along its size-1 (or missing leading) dimensions up to
 * `shape`. TFLM broadcast_to.cc → reference_ops::BroadcastTo (a memcpy-based walk over at most
 * 5 dimensions); here one strided copy whose source strides are 0 on broadcast dimensions, so
 * every element size shares the C kernel and int8/int16 outputs keep the input's parameters.
 */
import type { BroadcastToOp, Graph } from '../ir/graph.js';
import { input, inShape, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { oneCopyOp, rowMajorStrides, simplifyCopy, type StridedCopy } from './strided-copy.js';

/** kMaxDims of TFLM's broadcast_to.cc. */
const MAX_RANK = 5;

function target(op: BroadcastToOp, x: readonly number[]): number[] {
  const out = op.shape;
  if (out.length < x.length) shapeFail(op, `target shape [${out}] has a lower rank than the input ${shapeStr(x)}`);
  x.forEach((d, i) => {
    const o = out[out.length - x.length + i]!;
    if (d !== o && d !== 1) shapeFail(op, `input ${shapeStr(x)} does not broadcast to [${out}]`);
  });
  return [...out];
}

function plan(g: Graph, op: BroadcastToOp): StridedCopy {
  const x = input(g, op, 0).shape;
  const out = target(op, x);
  const xs = rowMajorStrides(x);
  const lead = out.length - x.length;
  const src = out.map((_o, d) => (d < lead || x[d - lead] === 1 ? 0 : xs[d - lead]!));
  return simplifyCopy({ dims: out, src: { offset: 0, strides: src }, dst: { offset: 0, strides: rowMajorStrides(out) } });
}

export const broadcastTo: OpDef<BroadcastToOp, StridedCopy> = {
  kind: 'BroadcastTo',
  arity: { inputs: [1, 2] },
  inferShapes: (g, op) => [target(op, inShape(g, op, 0))],
  ...oneCopyOp(plan, {
    check: (_g, op) => {
      if (op.shape.length > MAX_RANK) unsupported(op, `target rank ${op.shape.length}; TFLM broadcasts to at most ${MAX_RANK} dimensions`);
    },
    notConstant: () => 'the shape operand is not a constant',
  }),
  tflite: {
    builtin: 'BROADCAST_TO',
    options: 'BroadcastToOptions',
    read: (r) => ({ ...r.base, kind: 'BroadcastTo', shape: r.constInts(1, 'shape') }),
    write(op, w) {
      const inputs = op.inputs.length >= 2 ? op.inputs : [op.inputs[0]!, w.addConstant({ name: `${op.name}/shape`, shape: [op.shape.length], dtype: 'int32', data: Int32Array.from(op.shape) })];
      // op_version.cc: BROADCAST_TO is version 2 for every type but the 5-D/int16 forms (3).
      const x = w.g.tensors[op.inputs[0]!]!;
      return { version: x.dtype === 'int16' ? 3 : 2, options: {}, inputs };
    },
  },
  tf: (tf, _g, op, get) => tf.broadcastTo(get(op.inputs[0]!), op.shape),
};
