/**
 * The boundary ops of models whose own layout is not the IR's (ONNX NCHW), as recorded in
 * `Graph.boundaryLayout`. Such a graph's inputs and outputs keep the source model's shapes and
 * element order, so the tensor fed to PyTorch or ONNX Runtime is fed unchanged to the reference
 * interpreter, `tinyml run` and the generated firmware; IR ops (a Transpose, and a Reshape where
 * an axis is inserted or only size-1 axes move) carry it into the NHWC body and back out.
 *
 * `dropBoundaryOps` removes those ops, for users whose pre-processing already produces NHWC
 * (`convert --io-layout nhwc`): the graph's inputs and outputs become the NHWC tensors.
 */
import type { BoundaryLayout, Graph, Op } from './graph.js';
import { TinymlError } from '../errors.js';

/** The NHWC (IR body) shape of boundary `b`: its source shape split and permuted. */
export function nhwcShape(b: BoundaryLayout): number[] {
  return b.perm.map((p) => b.split[p]!);
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const isBoundaryOp = (op: Op): boolean => op.kind === 'Transpose' || op.kind === 'Reshape';

function consumers(g: Graph, t: number): Op[] {
  return g.ops.filter((op) => op.inputs.includes(t));
}

function hasBoundaryOps(b: BoundaryLayout | undefined): b is BoundaryLayout {
  return b !== undefined && !(b.perm.every((p, i) => p === i) && sameShape(b.split, b.sourceShape));
}

/**
 * A copy of `g` without its boundary ops: each graph input and output with a recorded layout
 * change becomes the NHWC tensor on the other side of its Transpose/Reshape chain (the tensor
 * keeps the source name). Throws when the chain is not the one the importer emitted (a pass
 * rewrote it), naming the input or output.
 */
export function dropBoundaryOps(g: Graph): Graph {
  const bl = g.boundaryLayout;
  if (!bl || ![...bl.inputs, ...bl.outputs].some(hasBoundaryOps)) {
    throw new TinymlError('usage', `model '${g.name}' has no layout change at its inputs or outputs (only ONNX models with NCHW inputs or outputs have one)`, 'Leave out --io-layout nhwc: the model already takes and gives the layout its inputs and outputs have.');
  }
  const drop = new Set<Op>();
  const fail = (what: string): never => {
    throw new TinymlError('unsupported', `model '${g.name}': the layout change at ${what} is no longer a Transpose/Reshape chain of its own; --io-layout nhwc cannot drop it`);
  };
  const inputs = g.inputs.map((t, k) => {
    const b = bl.inputs[k];
    if (!hasBoundaryOps(b)) return t;
    const want = nhwcShape(b);
    let cur = t;
    // Follow the chain the importer emitted: each op the only reader of its input.
    while (!(sameShape(g.tensors[cur]!.shape, want) && cur !== t)) {
      const next = consumers(g, cur);
      if (next.length !== 1 || !isBoundaryOp(next[0]!) || next[0]!.inputs[0] !== cur) fail(`input '${b.sourceName}'`);
      drop.add(next[0]!);
      cur = next[0]!.outputs[0]!;
    }
    return cur;
  });
  const outputs = g.outputs.map((t, k) => {
    const b = bl.outputs[k];
    if (!hasBoundaryOps(b)) return t;
    const want = nhwcShape(b);
    let cur = t;
    while (!(sameShape(g.tensors[cur]!.shape, want) && cur !== t)) {
      const op = g.ops.find((o) => o.outputs.includes(cur));
      if (!op || !isBoundaryOp(op) || (cur !== t && consumers(g, cur).length !== 1)) fail(`output '${b.sourceName}'`);
      drop.add(op!);
      cur = op!.inputs[0]!;
    }
    return cur;
  });
  const tensors = g.tensors.map((t) => ({ ...t }));
  [...inputs, ...outputs].forEach((t, i) => {
    const orig = i < inputs.length ? g.inputs[i]! : g.outputs[i - inputs.length]!;
    if (t !== orig) tensors[t]!.name = g.tensors[orig]!.name;
  });
  const out: Graph = { ...g, tensors, ops: g.ops.filter((op) => !drop.has(op)), inputs, outputs };
  delete out.boundaryLayout;
  return out;
}

/** `g`'s NHWC body: `g` itself when nothing converts at its boundary, else `dropBoundaryOps(g)`. */
export function nhwcBody(g: Graph): Graph {
  const bl = g.boundaryLayout;
  return bl && [...bl.inputs, ...bl.outputs].some(hasBoundaryOps) ? dropBoundaryOps(g) : g;
}
