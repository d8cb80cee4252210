/**
 * 256-entry tables for int8 ops whose output depends on one input value only (Logistic, Tanh,
 * Relu, Relu6, int8 → int8 Quantize, ...). The table is made by running the op's own prepared
 * reference kernel on every int8 value, so the C table equals the reference by construction.
 */
import type { Graph, Op } from '../ir/graph.js';
import { input, output, unsupported } from './common.js';
import type { OpDef } from './op-def.js';

export function lutTable<O extends Op, P>(def: OpDef<O, P>, g: Graph, op: O): Int8Array {
  const x = input(g, op, 0);
  const y = output(g, op);
  if (x.dtype !== 'int8' || y.dtype !== 'int8') unsupported(op, `a 256-entry table needs int8 input and output, got ${x.dtype} → ${y.dtype}`);
  const miniOp = { ...op, inputs: [0], outputs: [1] } as O;
  const mini: Graph = {
    name: `${g.name}/${op.name}`,
    tensors: [
      { name: x.name, shape: [256], dtype: 'int8', ...(x.quant ? { quant: x.quant } : {}) },
      { name: y.name, shape: [256], dtype: 'int8', ...(y.quant ? { quant: y.quant } : {}) },
    ],
    ops: [miniOp],
    inputs: [0],
    outputs: [1],
  };
  const values = new Int8Array(256);
  for (let i = 0; i < 256; i++) values[i] = i - 128;
  const out = new Int8Array(256);
  def.evalQuantized(mini, miniOp, def.prepare(mini, miniOp))([values, out]);
  return out;
}
