/**
 * Make a graph ready for int8 C code: drop float edges and check every op is one the
 * kernels implement.
 *
 * - A float32 graph input feeding only a Quantize op: the Quantize output becomes the input
 *   (the firmware receives int8 data; tinyml_input_scale()/zero_point() say how to make it).
 * - A float32 graph output made by a Dequantize op: the Dequantize input becomes the output.
 * - int16 and int32 inputs and outputs stay as they are (the keyword models of TFLM take int16
 *   and give int32, converted inside the graph by QUANTIZE ops that the C runs).
 * Anything else that is not an integer type is an error naming the tensor. The input graph is
 * not modified.
 */
import type { Graph } from '../ir/graph.js';
import { TinymlError } from '../errors.js';

export function stripFloatEdges(g: Graph): Graph {
  let ops = [...g.ops];
  const integer = (t: number) => ['int8', 'int16', 'int32'].includes(g.tensors[t]!.dtype);
  const inputs = g.inputs.map((t) => {
    if (integer(t)) return t;
    const consumers = ops.filter((op) => op.inputs.includes(t));
    const only = consumers[0];
    if (consumers.length === 1 && only!.kind === 'Quantize' && g.tensors[only!.outputs[0]!]!.dtype === 'int8') {
      ops = ops.filter((op) => op !== only);
      return only!.outputs[0]!;
    }
    throw new TinymlError(
      'unsupported',
      `${g.name}: input '${g.tensors[t]!.name}' is ${g.tensors[t]!.dtype}; int8 code needs an int8 input (or a float input followed only by a Quantize op)`,
      'Quantize the model first (tinyml quantize), or convert with --calibration.',
    );
  });
  const outputs = g.outputs.map((t) => {
    if (integer(t)) return t;
    const producer = ops.find((op) => op.outputs.includes(t));
    if (producer && producer.kind === 'Dequantize' && g.tensors[producer.inputs[0]!]!.dtype === 'int8') {
      ops = ops.filter((op) => op !== producer);
      return producer.inputs[0]!;
    }
    throw new TinymlError(
      'unsupported',
      `${g.name}: output '${g.tensors[t]!.name}' is ${g.tensors[t]!.dtype}; int8 code needs an int8 output (or a Dequantize of an int8 tensor)`,
    );
  });
  return { ...g, ops, inputs, outputs };
}

/** True when the graph has float activations that need the quantizer before code generation. */
export function needsQuantization(g: Graph): boolean {
  const used = new Set<number>();
  for (const op of g.ops) {
    if (op.kind === 'Quantize' || op.kind === 'Dequantize') continue;
    for (const t of [...op.inputs, ...op.outputs]) if (t >= 0 && g.tensors[t]!.data === undefined) used.add(t);
  }
  for (const t of used) if (g.tensors[t]!.dtype === 'float32') return true;
  return false;
}
