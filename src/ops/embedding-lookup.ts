/**
 * EMBEDDING_LOOKUP: inputs [ids (int32, 1-D), value (rank ≥ 2)]; output row k is value row
 * ids[k] (TFLM embedding_lookup.cc EvalSimple: a memcpy of each row). That is GATHER along axis
 * 0 with the operands swapped, so this definition runs GATHER's (src/ops/gather.ts): its checks
 * (an id outside the rows is refused when constant; at run time the reference throws and the C
 * kernel returns -3, where TFLM returns kTfLiteError), its kernel and its C call. float32 and
 * int8 tables (the output shares the table's parameters); TFLM's hybrid form (int8 table,
 * float32 output, rows dequantized) is refused here.
 */
import type { EmbeddingLookupOp, GatherOp, Graph } from '../ir/graph.js';
import { input, inShape, noMacs, output, shapeFail, shapeStr, unsupported } from './common.js';
import { gather, type GatherPrepared } from './gather.js';
import type { OpDef } from './op-def.js';

/** The same lookup as a GATHER op (params = value, indices = ids, axis 0). */
function asGather(op: EmbeddingLookupOp): GatherOp {
  return { kind: 'Gather', name: op.name, inputs: [op.inputs[1]!, op.inputs[0]!], outputs: [...op.outputs], axis: 0, batchDims: 0 };
}

export const embeddingLookup: OpDef<EmbeddingLookupOp, GatherPrepared> = {
  kind: 'EmbeddingLookup',
  arity: { inputs: [2, 2] },
  inferShapes(g, op) {
    const ids = inShape(g, op, 0);
    const value = inShape(g, op, 1);
    if (ids.length !== 1) shapeFail(op, `ids must be 1-D, got ${shapeStr(ids)}`);
    if (value.length < 2) shapeFail(op, `value must have rank ≥ 2, got ${shapeStr(value)}`);
    return [[ids[0]!, ...value.slice(1)]];
  },
  params(g, op) {
    return g.tensors[op.inputs[1]!]?.data ? [{ input: 1, bytesPerElement: 1 }] : [];
  },
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [1] } },
  fold: 'constant-inputs',
  prepare(g: Graph, op) {
    const value = input(g, op, 1);
    const y = output(g, op);
    if (value.dtype !== y.dtype) unsupported(op, `value is ${value.dtype} but the output is ${y.dtype}: tinyml runs the lookup with the table's own dtype only, not TFLM's hybrid lookup (int8 rows dequantized to a float output)`);
    return gather.prepare(g, asGather(op));
  },
  evalQuantized: (g, op, p) => gather.evalQuantized(g, asGather(op), p),
  evalFloat: (g, op) => gather.evalFloat!(g, asGather(op)),
  emitC: (ctx, op, p) => gather.emitC(ctx, asGather(op), p),
  tflite: {
    builtin: 'EMBEDDING_LOOKUP',
    read: (r) => ({ ...r.base, kind: 'EmbeddingLookup' }),
    // op_version.cc: an int8 table → 2 (hybrid int8 → float is 3).
    write: (op, w) => ({ version: w.g.tensors[op.inputs[1]!]!.dtype === 'int8' ? 2 : 1 }),
  },
  tf: (tf, _g, op, get) => tf.gather(get(op.inputs[1]!), tf.cast(get(op.inputs[0]!), 'int32'), 0),
};
