/**
 * Make a graph ready for integer C code: drop float edges and check every op is one the
 * kernels implement.
 *
 * - A float32 graph input feeding only a Quantize op: the Quantize output becomes the input
 *   (the firmware receives int8 or int16 data; tinyml_input_scale()/zero_point() say how to
 *   make it).
 * - A float32 graph output made by a Dequantize op: the Dequantize input becomes the output.
 * Integer inputs and outputs (int8, and the int16/int32/bool tensors of 16x8 models, index
 * inputs and casts, the keyword models of TFLM that take int16 and give int32, converted
 * inside the graph by QUANTIZE ops that the C runs) are taken and given as they are, and so are float32 ones that only CAST
 * ops read or write (data, not activations). A float32 input or output otherwise is an error
 * naming the tensor. The input graph is not modified.
 */
import type { DType, Graph } from '../ir/graph.js';
import { TinymlError } from '../errors.js';
import { opDef } from '../ops/registry.js';

/** Dtypes the generated C takes and gives at its boundary as they are. */
const C_IO_DTYPES: ReadonlySet<DType> = new Set<DType>(['int8', 'int16', 'int32', 'int64', 'bool']);

/** True when every op reading or writing tensor `t` computes on stored values (CAST), so a float `t` is data, not an activation to quantize. */
function onlyRawValueOps(g: Graph, t: number): boolean {
  const touching = g.ops.filter((op) => op.inputs.includes(t) || op.outputs.includes(t));
  return touching.length > 0 && touching.every((op) => opDef(op).quant.rawValues === true);
}

/** Quantized dtypes a stripped Quantize/Dequantize edge may leave at the boundary. */
const isIntegerIo = (d: DType) => d === 'int8' || d === 'int16' || d === 'int32';

export function stripFloatEdges(g: Graph): Graph {
  let ops = [...g.ops];
  const inputs = g.inputs.map((t) => {
    if (C_IO_DTYPES.has(g.tensors[t]!.dtype) || onlyRawValueOps(g, t)) return t;
    const consumers = ops.filter((op) => op.inputs.includes(t));
    const only = consumers[0];
    if (consumers.length === 1 && only!.kind === 'Quantize' && isIntegerIo(g.tensors[only!.outputs[0]!]!.dtype)) {
      ops = ops.filter((op) => op !== only);
      return only!.outputs[0]!;
    }
    throw new TinymlError(
      'unsupported',
      `${g.name}: input '${g.tensors[t]!.name}' is ${g.tensors[t]!.dtype}; the generated code takes integer inputs (or a float input followed only by a Quantize op)`,
      'Quantize the model first (tinyml quantize), or convert with --calibration.',
    );
  });
  const outputs = g.outputs.map((t) => {
    if (C_IO_DTYPES.has(g.tensors[t]!.dtype) || onlyRawValueOps(g, t)) return t;
    const producer = ops.find((op) => op.outputs.includes(t));
    if (producer && producer.kind === 'Dequantize' && isIntegerIo(g.tensors[producer.inputs[0]!]!.dtype)) {
      ops = ops.filter((op) => op !== producer);
      return producer.inputs[0]!;
    }
    throw new TinymlError(
      'unsupported',
      `${g.name}: output '${g.tensors[t]!.name}' is ${g.tensors[t]!.dtype}; the generated code gives integer outputs (or a Dequantize of an int8 tensor)`,
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
  for (const t of used) if (g.tensors[t]!.dtype === 'float32' && !onlyRawValueOps(g, t)) return true;
  return false;
}
