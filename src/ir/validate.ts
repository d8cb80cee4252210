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
 *   4. each op's operand count fits its kind, and its declared output shapes equal the ones
 *      src/ir/shapes.ts infers.
 * Throws ModelFormatError naming the graph's source file (or name) and the op/tensor at fault.
 * It does not check numerics (e.g. that int8 biases have scale input_scale × weight_scale).
 */
import { ModelFormatError } from '../errors.js';
import { elementCount, isConstant, type Graph, type Op } from './graph.js';
import { inferOutputShapes, ShapeError } from './shapes.js';

/** Largest element count accepted for one tensor (2^31 - 1): beyond it the file is corrupt. */
export const MAX_TENSOR_ELEMENTS = 0x7fffffff;

const ARITY: Record<Op['kind'], [number, number]> = {
  Conv2D: [2, 3],
  DepthwiseConv2D: [2, 3],
  FullyConnected: [2, 3],
  AveragePool2D: [1, 1],
  MaxPool2D: [1, 1],
  Mean: [1, 2],
  Reshape: [1, 2],
  Pad: [1, 2],
  Concatenation: [1, Infinity],
  Add: [2, 2],
  Mul: [2, 2],
  Softmax: [1, 1],
  Logistic: [1, 1],
  Tanh: [1, 1],
  Relu: [1, 1],
  Relu6: [1, 1],
  Quantize: [1, 1],
  Dequantize: [1, 1],
};

/** Inputs that may be -1 (absent): the bias of Conv2D/DepthwiseConv2D/FullyConnected. */
function optionalInput(op: Op, k: number): boolean {
  return k === 2 && (op.kind === 'Conv2D' || op.kind === 'DepthwiseConv2D' || op.kind === 'FullyConnected');
}

export function validateGraph(g: Graph): void {
  const file = g.source?.path ?? g.name;
  const fail = (what: string): never => {
    throw new ModelFormatError(file, `invalid graph: ${what}`);
  };
  const n = g.tensors.length;

  g.tensors.forEach((t, i) => {
    const label = `tensor ${i} "${t.name}"`;
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${label} has shape [${t.shape}]`);
    if (elementCount(t.shape) > MAX_TENSOR_ELEMENTS) fail(`${label} has ${elementCount(t.shape)} elements (shape [${t.shape}])`);
    if (t.dtype !== 'float32' && t.dtype !== 'int8' && t.dtype !== 'int32') fail(`${label} has dtype ${String(t.dtype)}`);
    if (t.data) {
      const ok =
        (t.dtype === 'float32' && t.data instanceof Float32Array) ||
        (t.dtype === 'int8' && t.data instanceof Int8Array) ||
        (t.dtype === 'int32' && t.data instanceof Int32Array);
      if (!ok) fail(`${label} is ${t.dtype} but holds a ${t.data.constructor.name}`);
      if (t.data.length !== elementCount(t.shape)) fail(`${label} holds ${t.data.length} values for shape [${t.shape}]`);
    }
    const q = t.quant;
    if (q) {
      if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) fail(`${label} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
      if (q.scale.some((s) => !Number.isFinite(s) || s <= 0)) fail(`${label} has a non-positive or non-finite scale`);
      if (q.zeroPoint.some((z) => !Number.isInteger(z))) fail(`${label} has a non-integer zero point`);
      if (t.dtype === 'int8' && q.zeroPoint.some((z) => z < -128 || z > 127)) fail(`${label} has an int8 zero point outside [-128, 127]`);
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
    const arity = ARITY[op.kind];
    if (!arity) fail(`${label} has unknown kind`);
    if (op.inputs.length < arity[0] || op.inputs.length > arity[1]) fail(`${label} has ${op.inputs.length} inputs, expected ${arity[0]}${arity[1] === arity[0] ? '' : `..${arity[1]}`}`);
    if (op.outputs.length !== 1) fail(`${label} has ${op.outputs.length} outputs, expected 1`);
    op.inputs.forEach((ti, k) => {
      if (ti === -1 && optionalInput(op, k)) return;
      if (!inRange(ti)) fail(`${label} input ${k} is tensor ${ti}, out of range (${n} tensors)`);
      if (!available.has(ti) && !isConstant(g.tensors[ti]!)) fail(`${label} reads tensor ${ti} "${g.tensors[ti]!.name}" before anything produces it`);
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
      inferred = inferOutputShapes(g, op);
    } catch (e) {
      if (e instanceof ShapeError) fail(`op ${oi} ${e.message}`);
      throw e;
    }
    op.outputs.forEach((ti, k) => {
      const declared = g.tensors[ti]!.shape;
      const want = inferred[k]!;
      if (declared.length !== want.length || declared.some((d, i) => d !== want[i])) {
        fail(`${label} output "${g.tensors[ti]!.name}" is declared [${declared}] but the op produces [${want}]`);
      }
    });
  });
  for (const ti of g.outputs) if (!available.has(ti)) fail(`graph output ${ti} "${g.tensors[ti]!.name}" is never produced`);
}
