/**
 * Size and work figures of a graph, per op and in total.
 *
 * Definitions (what `tinyml inspect` prints):
 * - params: elements of an op's trainable constants — weights and bias of Conv2D,
 *   DepthwiseConv2D and FullyConnected, and constant operands of Add, Mul and Concatenation.
 *   Constants that are attributes (Reshape's shape, Mean's axes, Pad's paddings) are not params.
 * - MACs: multiply-accumulates of Conv2D (N·OH·OW·OC·KH·KW·IC), DepthwiseConv2D (N·OH·OW·OC·KH·KW)
 *   and FullyConnected (rows · units · inFeatures); other ops count 0.
 * - weightBytesInt8: bytes the params take in an int8 deployment — 1 byte per weight, 4 per bias
 *   element (int32 biases of the TFLite int8 scheme).
 * - activationBytes (per op): bytes of the op's output tensors in their dtype.
 * - largestActivationBytes: the largest non-constant tensor of the graph (inputs included).
 * Params shared by several ops are counted once in the totals.
 * Not promised: arena size (that is the memory planner's job; tensors overlap in time).
 */
import { bytesPerElement, elementCount, isConstant, tensorBytes, type Graph, type Op } from './graph.js';

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

/** Indices of op inputs that are params, with the int8-deployment bytes per element. */
function paramInputs(g: Graph, op: Op): { tensor: number; bytesPerElement: number }[] {
  const out: { tensor: number; bytesPerElement: number }[] = [];
  const constantAt = (k: number): boolean => {
    const ti = op.inputs[k];
    return ti !== undefined && ti >= 0 && g.tensors[ti] !== undefined && isConstant(g.tensors[ti]!);
  };
  switch (op.kind) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'FullyConnected':
      if (constantAt(1)) out.push({ tensor: op.inputs[1]!, bytesPerElement: 1 });
      if (constantAt(2)) out.push({ tensor: op.inputs[2]!, bytesPerElement: 4 });
      break;
    case 'Add':
    case 'Mul':
    case 'Concatenation':
      op.inputs.forEach((ti, k) => {
        if (constantAt(k)) out.push({ tensor: ti, bytesPerElement: 1 });
      });
      break;
    default:
      break;
  }
  return out;
}

export function opMacs(g: Graph, op: Op): number {
  const shape = (k: number): number[] => g.tensors[op.inputs[k]!]?.shape ?? [];
  const outShape = g.tensors[op.outputs[0]!]?.shape ?? [];
  switch (op.kind) {
    case 'Conv2D': {
      const w = shape(1); // [OC, KH, KW, IC]
      return elementCount(outShape) * (w[1] ?? 0) * (w[2] ?? 0) * (w[3] ?? 0);
    }
    case 'DepthwiseConv2D': {
      const w = shape(1); // [1, KH, KW, OC]
      return elementCount(outShape) * (w[1] ?? 0) * (w[2] ?? 0);
    }
    case 'FullyConnected': {
      const w = shape(1); // [units, in]
      return elementCount(outShape) * (w[1] ?? 0);
    }
    default:
      return 0;
  }
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
