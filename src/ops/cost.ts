/**
 * Size and work figures of a graph, per op and in total.
 *
 * Definitions (what `tinyml inspect` prints):
 * - params: elements of an op's trainable constants, as its definition's `params` names them
 *   (weights and bias of conv-like ops, constant operands of elementwise ops and
 *   Concatenation). Constants that are attributes (Reshape's shape, Mean's axes, Pad's
 *   paddings) are not params.
 * - MACs: the definition's `macs` — Conv2D N·OH·OW·OC·KH·KW·IC, DepthwiseConv2D N·OH·OW·OC·KH·KW,
 *   FullyConnected rows · units · inFeatures, and so on; data movement counts 0.
 * - weightBytesInt8: bytes the params take in an int8 deployment — 1 byte per weight, 4 per bias
 *   element (int32 biases of the TFLite int8 scheme).
 * - activationBytes (per op): bytes of the op's output tensors in their dtype.
 * - largestActivationBytes: the largest non-constant tensor of the graph (inputs included).
 * Params shared by several ops are counted once in the totals.
 * Not promised: arena size (that is the memory planner's job; tensors overlap in time).
 */
import { bytesPerElement, elementCount, isConstant, tensorBytes, type Graph, type Op } from '../ir/graph.js';
import { opDef } from './registry.js';

export interface OpCost {
  params: number;
  macs: number;
  weightBytesInt8: number;
  activationBytes: number;
}

export interface GraphCost {
  perOp: OpCost[];
  totals: {
    params: number;
    macs: number;
    weightBytesInt8: number;
    largestActivationBytes: number;
    /** Bytes of all constant data as stored in the graph's own dtypes. */
    constantBytes: number;
    ops: number;
  };
}

/** Tensors of an op's params, with the int8-deployment bytes per element (each op's `params`). */
function paramInputs(g: Graph, op: Op): { tensor: number; bytesPerElement: number }[] {
  return opDef(op)
    .params(g, op)
    .map((p) => ({ tensor: op.inputs[p.input]!, bytesPerElement: p.bytesPerElement }))
    .filter((p) => p.tensor >= 0 && g.tensors[p.tensor] !== undefined && isConstant(g.tensors[p.tensor]!));
}

export function opMacs(g: Graph, op: Op): number {
  return opDef(op).macs(g, op);
}

export function opCost(g: Graph, op: Op): OpCost {
  let params = 0;
  let weightBytesInt8 = 0;
  for (const p of paramInputs(g, op)) {
    const n = elementCount(g.tensors[p.tensor]!.shape);
    params += n;
    weightBytesInt8 += n * p.bytesPerElement;
  }
  const activationBytes = op.outputs.reduce((s, ti) => s + tensorBytes(g.tensors[ti]!), 0);
  return { params, macs: opMacs(g, op), weightBytesInt8, activationBytes };
}

export function graphCost(g: Graph): GraphCost {
  const perOp = g.ops.map((op) => opCost(g, op));
  const seen = new Set<number>();
  let params = 0;
  let weightBytesInt8 = 0;
  for (const op of g.ops) {
    for (const p of paramInputs(g, op)) {
      if (seen.has(p.tensor)) continue;
      seen.add(p.tensor);
      const n = elementCount(g.tensors[p.tensor]!.shape);
      params += n;
      weightBytesInt8 += n * p.bytesPerElement;
    }
  }
  let largestActivationBytes = 0;
  let constantBytes = 0;
  for (const t of g.tensors) {
    if (isConstant(t)) constantBytes += elementCount(t.shape) * bytesPerElement(t.dtype);
    else largestActivationBytes = Math.max(largestActivationBytes, tensorBytes(t));
  }
  return {
    perOp,
    totals: {
      params,
      macs: perOp.reduce((s, c) => s + c.macs, 0),
      weightBytesInt8,
      largestActivationBytes,
      constantBytes,
      ops: g.ops.length,
    },
  };
}
