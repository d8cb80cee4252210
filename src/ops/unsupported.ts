/**
 * An operator the importer could read but the project cannot run (an unknown builtin, a
 * custom op, an option or dtype no kernel supports). Its outputs keep the shapes the file
 * declares, so `inspect` can show the whole model; every stage that would compute it refuses
 * with the reason, and `convert`/`run` list all such layers at once (src/ops/support.ts).
 */
import type { UnsupportedOp } from '../ir/graph.js';
import { noMacs, noParams, unsupported as refuse } from './common.js';
import type { OpDef } from './op-def.js';

export const unsupportedOp: OpDef<UnsupportedOp, never> = {
  kind: 'Unsupported',
  arity: { inputs: [0, Infinity], optional: 'all', outputs: [0, Infinity] },
  inferShapes: (g, op) => op.outputs.map((t) => [...(g.tensors[t]?.shape ?? [])]),
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare: (_g, op) => refuse(op, `${op.type}: ${op.reason}`),
  evalQuantized: (_g, op) => refuse(op, `${op.type}: ${op.reason}`),
  evalFloat: (_g, op) => refuse(op, `${op.type}: ${op.reason}`),
  emitC: (_ctx, op) => refuse(op, `${op.type}: ${op.reason}`),
  tflite: {
    builtin: 'CUSTOM',
    read: (r) => r.bad('is not supported'),
    write: (op) => refuse(op, `${op.type} cannot be written to .tflite: ${op.reason}`),
  },
};
