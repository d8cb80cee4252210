/**
 * The bytes the generated firmware takes and gives: every model input packed back to back at
 * its offset (src/codegen/emit-c.ts ioLayout), every output likewise. Float edges are handled
 * exactly as the graph defines them: a float input's Quantize op and a float output's
 * Dequantize op (stripped from the C, src/codegen/prepare.ts) run in the reference interpreter.
 */
import { ioLayout } from '../codegen/emit-c.js';
import { TinymlError } from '../errors.js';
import { allocTensorData, bytesPerElement, elementCount, type Graph, type Op, type TensorData } from '../ir/graph.js';
import { runGraph } from '../reference/interpreter.js';

/** A one-op graph running `op` of `g` (for the float edges). */
function edgeGraph(g: Graph, op: Op): Graph {
  const inT = g.tensors[op.inputs[0]!]!;
  const outT = g.tensors[op.outputs[0]!]!;
  return { name: `${g.name}/${op.name}`, tensors: [inT, outT], ops: [{ ...op, inputs: [0], outputs: [1] } as Op], inputs: [0], outputs: [1] };
}

export interface IoPacker {
  /** Packed input bytes (TINYML_INPUT_BYTES) of one sample given in the original graph's input dtypes. */
  pack(sample: readonly TensorData[]): Uint8Array;
  /** One sample's outputs in the original graph's output dtypes, from the packed output bytes. */
  unpack(bytes: Uint8Array): TensorData[];
  inputBytes: number;
  outputBytes: number;
}

/**
 * `original`: the graph the caller speaks (maybe with float edges); `c`: the graph the C
 * implements (stripFloatEdges of it: same ops minus the edge Quantize/Dequantize).
 */
export function ioPacker(original: Graph, c: Graph): IoPacker {
  const inL = ioLayout(c, c.inputs);
  const outL = ioLayout(c, c.outputs);
  const inEdges = original.inputs.map((t, k) => (c.inputs[k] === t ? undefined : original.ops.find((op) => op.inputs[0] === t && op.outputs[0] === c.inputs[k])));
  const outEdges = original.outputs.map((t, k) => (c.outputs[k] === t ? undefined : original.ops.find((op) => op.inputs[0] === c.outputs[k] && op.outputs[0] === t)));
  return {
    inputBytes: inL.bytes,
    outputBytes: outL.bytes,
    pack(sample) {
      if (sample.length !== c.inputs.length) throw new TinymlError('usage', `model '${original.name}' has ${c.inputs.length} input(s), ${sample.length} given`);
      const out = new Uint8Array(inL.bytes);
      inL.tensors.forEach((io, k) => {
        const edge = inEdges[k];
        const x = edge ? runGraph(edgeGraph(original, edge), [sample[k]!])[0]! : sample[k]!;
        if (x.byteLength !== io.bytes) throw new TinymlError('usage', `input ${k} of '${original.name}' needs ${io.bytes} bytes, got ${x.byteLength}`);
        out.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), io.offset);
      });
      return out;
    },
    unpack(bytes) {
      if (bytes.length !== outL.bytes) throw new TinymlError('device', `expected ${outL.bytes} output bytes, got ${bytes.length}`);
      return outL.tensors.map((io, k) => {
        const t = c.tensors[io.tensor]!;
        const y = allocTensorData(t.dtype, elementCount(t.shape));
        new Uint8Array(y.buffer).set(bytes.subarray(io.offset, io.offset + elementCount(t.shape) * bytesPerElement(t.dtype)));
        const edge = outEdges[k];
        return edge ? runGraph(edgeGraph(original, edge), [y])[0]! : y;
      });
    },
  };
}

/** The inverse direction, for graphs without float edges: packed input bytes → input tensors. */
export function unpackTensors(g: Graph, tensors: readonly number[], bytes: Uint8Array): TensorData[] {
  const l = ioLayout(g, tensors);
  if (bytes.length !== l.bytes) throw new TinymlError('input', `expected ${l.bytes} packed bytes for ${tensors.length} tensor(s), got ${bytes.length}`);
  return l.tensors.map((io) => {
    const t = g.tensors[io.tensor]!;
    const y = allocTensorData(t.dtype, elementCount(t.shape));
    new Uint8Array(y.buffer).set(bytes.subarray(io.offset, io.offset + io.bytes));
    return y;
  });
}

/** Tensors → their packed bytes (gaps between tensors are zero). */
export function packTensors(g: Graph, tensors: readonly number[], data: readonly TensorData[]): Uint8Array {
  const l = ioLayout(g, tensors);
  const out = new Uint8Array(l.bytes);
  l.tensors.forEach((io, k) => {
    const d = data[k]!;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), io.offset);
  });
  return out;
}
