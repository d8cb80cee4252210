/**
 * Checks that a Graph is well-formed, so later stages can index without defensive code.
 *
 * Checks, in order:
 *   1. every tensor: integer dims >= 0, a known dtype, constant data of exactly
 *      elementCount(shape) elements and the matching typed array, quantization with equal-length
 *      finite scale/zeroPoint arrays (scale > 0), per-channel axis inside the shape and one entry
 *      per channel along it;
 *   2. graph inputs/outputs and op operands are in range (-1 only for optional op inputs);
 *   3. ops are in execution order: every non-constant input is a graph input or produced by an
 *      earlier op; no tensor is produced twice; graph inputs and constants are never produced;
 *      every graph output is produced (or is a graph input);
 *   4. each op's operand counts fit its definition's arity (src/ops/), and its declared output
 *      shapes equal the ones the definition's `inferShapes` gives.
 * The model's other subgraphs (Graph.subgraphs) are checked the same way, each on its own.
 * Throws ModelFormatError naming the graph's source file (or name) and the op/tensor at fault.
 * It does not check numerics (e.g. that int8 biases have scale input_scale × weight_scale).
 */
import { ModelFormatError } from '../errors.js';
import { DTYPES, dataMatchesDtype, elementCount, isConstant, type Graph, type Op } from '../ir/graph.js';
import { ShapeError } from '../ir/shapes.js';
import { opDef } from './registry.js';

/** Largest element count accepted for one tensor (2^31 - 1): beyond it the file is corrupt. */
export const MAX_TENSOR_ELEMENTS = 0x7fffffff;

/** Output shapes of `op` given the current shapes in `g` (the op's own `inferShapes`). */
export function inferOutputShapes(g: Graph, op: Op): number[][] {
  return opDef(op).inferShapes(g, op);
}

export function validateGraph(g: Graph): void {
  const file = g.source?.path ?? g.name;
  validateOne(g, file, '');
  g.subgraphs?.forEach((sg, k) => {
    if (sg.subgraphs?.length) throw new ModelFormatError(file, `invalid graph: subgraph ${k + 1} has subgraphs of its own`);
    validateOne(sg, file, `subgraph ${k + 1}: `);
  });
}

function validateOne(g: Graph, file: string, prefix: string): void {
  const fail = (what: string): never => {
    throw new ModelFormatError(file, `invalid graph: ${prefix}${what}`);
  };
  const n = g.tensors.length;

  g.tensors.forEach((t, i) => {
    const label = `tensor ${i} "${t.name}"`;
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${label} has shape [${t.shape}]`);
    if (elementCount(t.shape) > MAX_TENSOR_ELEMENTS) fail(`${label} has ${elementCount(t.shape)} elements (shape [${t.shape}])`);
    if (!DTYPES.includes(t.dtype)) fail(`${label} has dtype ${String(t.dtype)}`);
    if (t.data) {
      if (!dataMatchesDtype(t.dtype, t.data)) fail(`${label} is ${t.dtype} but holds a ${t.data.constructor.name}`);
      if (t.data.length !== elementCount(t.shape)) fail(`${label} holds ${t.data.length} values for shape [${t.shape}]`);
    }
    const q = t.quant;
    if (q) {
      if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) fail(`${label} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
      if (q.scale.some((s) => !Number.isFinite(s) || s <= 0)) fail(`${label} has a non-positive or non-finite scale`);
      if (q.zeroPoint.some((z) => !Number.isInteger(z))) fail(`${label} has a non-integer zero point`);
      if (t.dtype === 'int8' && q.zeroPoint.some((z) => z < -128 || z > 127)) fail(`${label} has an int8 zero point outside [-128, 127]`);
      if (t.dtype === 'int16' && q.zeroPoint.some((z) => z < -32768 || z > 32767)) fail(`${label} has an int16 zero point outside [-32768, 32767]`);
      const axis = q.axis ?? 0;
      if (q.scale.length > 1) {
        if (!Number.isInteger(axis) || axis < 0 || axis >= t.shape.length) fail(`${label} has per-channel axis ${axis} outside its shape [${t.shape}]`);
        if (t.shape[axis] !== q.scale.length) fail(`${label} has ${q.scale.length} per-channel scales for ${t.shape[axis]} channels on axis ${axis}`);
      }
    }
  });

  const inRange = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < n;
  for (const i of g.inputs) if (!inRange(i)) fail(`graph input index ${i} out of range (${n} tensors)`);
  for (const i of g.outputs) if (!inRange(i)) fail(`graph output index ${i} out of range (${n} tensors)`);

  const available = new Set<number>(g.inputs);
  const produced = new Set<number>();
  g.ops.forEach((op, oi) => {
    const label = `op ${oi} ${op.kind} "${op.name}"`;
    const def = opDef(op);
    if (!def) fail(`${label} has unknown kind`);
    const [minIn, maxIn] = def.arity.inputs;
    const [minOut, maxOut] = def.arity.outputs ?? [1, 1];
    const range = (a: number, b: number) => `${a}${b === a ? '' : b === Infinity ? ' or more' : `..${b}`}`;
    if (op.inputs.length < minIn || op.inputs.length > maxIn) fail(`${label} has ${op.inputs.length} inputs, expected ${range(minIn, maxIn)}`);
    if (op.outputs.length < minOut || op.outputs.length > maxOut) fail(`${label} has ${op.outputs.length} outputs, expected ${range(minOut, maxOut)}`);
    op.inputs.forEach((ti, k) => {
      const optional = def.arity.optional;
      if (ti === -1 && (optional === 'all' || (optional?.includes(k) ?? false))) return;
      if (!inRange(ti)) fail(`${label} input ${k} is tensor ${ti}, out of range (${n} tensors)`);
      if (!available.has(ti) && !isConstant(g.tensors[ti]!) && !g.tensors[ti]!.variable) fail(`${label} reads tensor ${ti} "${g.tensors[ti]!.name}" before anything produces it`);
    });
    for (const ti of op.outputs) {
      if (!inRange(ti)) fail(`${label} output is tensor ${ti}, out of range (${n} tensors)`);
      const t = g.tensors[ti]!;
      if (isConstant(t)) fail(`${label} writes to constant tensor ${ti} "${t.name}"`);
      if (produced.has(ti) || g.inputs.includes(ti)) fail(`${label} writes tensor ${ti} "${t.name}", which already has a value`);
      produced.add(ti);
      available.add(ti);
    }
    let inferred: number[][];
    try {
      inferred = def.inferShapes(g, op);
    } catch (e) {
      if (e instanceof ShapeError) fail(`op ${oi} ${e.message}`);
      throw e;
    }
    op.outputs.forEach((ti, k) => {
      const declared = g.tensors[ti]!.shape;
      const want = inferred[k];
      if (!want) fail(`${label} declares output ${k} "${g.tensors[ti]!.name}", which the op does not produce`);
      if (declared.length !== want.length || declared.some((d, i) => d !== want[i])) {
        fail(`${label} output "${g.tensors[ti]!.name}" is declared [${declared}] but the op produces [${want}]`);
      }
    });
  });
  for (const ti of g.outputs) if (!available.has(ti)) fail(`graph output ${ti} "${g.tensors[ti]!.name}" is never produced`);
}
