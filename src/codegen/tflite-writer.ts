/**
 * IR → standard .tflite flatbuffer (schema version 3, file identifier "TFL3"), so a graph tinyml
 * quantized runs under TFLite / TFLite Micro and round-trips through src/importers/tflite.ts.
 *
 * Steps (the flatbuffers Builder writes children before parents):
 *   1. buffers: buffer 0 is the empty sentinel; each constant tensor gets its own buffer with its
 *      data little-endian, 16-byte aligned (the schema's force_align); activations use buffer 0;
 *   2. operator codes: one per op kind used, with builtin_code and deprecated_builtin_code both set
 *      (the byte clamped to 127 = PLACEHOLDER_FOR_GREATER_OP_CODES for codes above it, e.g.
 *      QUANTIZE = 114 fits, so both hold 114) and the op version TFLite requires for the dtype;
 *   3. tensors with shape, type, buffer, name and quantization (float32 scales, int64 zero points,
 *      quantized_dimension = the per-channel axis);
 *   4. operators with their builtin options, from each op's definition (src/ops/, `tflite.write`:
 *      version, options record, operands); MEAN and PAD need their axes/paddings as a constant
 *      int32 input in TFLite, so an IR op without that input gets one appended as a new tensor;
 *   5. one subgraph "main" (plus the graph's other subgraphs, `Graph.subgraphs`, in order, each with
 *      its own tensors), the model table, finished with the identifier.
 * Variable tensors carry is_variable; operator intermediates (LSTM) are written as the op's
 * definition gives them.
 * The graph is validated first (src/ops/validate.ts). Only field values the importer reads are
 * written, so import(write(g)) equals g for graphs the importer produced.
 */
import { rename, writeFile } from 'node:fs/promises';
import { Builder } from 'flatbuffers';
import { TinymlError } from '../errors.js';
import type { Graph, Op, Tensor } from '../ir/graph.js';
import { opDef } from '../ops/registry.js';
import {
  builtinCode,
  OPTION_TABLES,
  optionsTypeOf,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  TensorType,
  TFLITE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  type OptionRecord,
} from '../ops/tflite-codes.js';
import { validateGraph } from '../ops/validate.js';

function tensorType(t: Tensor): number {
  switch (t.dtype) {
    case 'float32':
      return TensorType.FLOAT32;
    case 'int8':
      return TensorType.INT8;
    case 'int16':
      return TensorType.INT16;
    case 'int32':
      return TensorType.INT32;
    case 'int64':
      return TensorType.INT64;
    case 'uint8':
      return TensorType.UINT8;
    case 'bool':
      return TensorType.BOOL;
    case 'float16':
      return TensorType.FLOAT16;
    case 'resource':
      return TensorType.RESOURCE;
    case 'opaque':
      throw new TinymlError('unsupported', `tensor '${t.name}' has type ${t.sourceType ?? 'opaque'}, which tinyml does not write`);
  }
}

function dataBytes(t: Tensor): Uint8Array {
  const d = t.data!;
  if (d instanceof Int8Array || d instanceof Uint8Array) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const dv = new DataView(out.buffer);
  if (d instanceof Float32Array) for (let i = 0; i < d.length; i++) dv.setFloat32(4 * i, d[i]!, true);
  else if (d instanceof Int32Array) for (let i = 0; i < d.length; i++) dv.setInt32(4 * i, d[i]!, true);
  else if (d instanceof Int16Array) for (let i = 0; i < d.length; i++) dv.setInt16(2 * i, d[i]!, true);
  else if (d instanceof Uint16Array) for (let i = 0; i < d.length; i++) dv.setUint16(2 * i, d[i]!, true);
  else for (let i = 0; i < d.length; i++) dv.setBigInt64(8 * i, BigInt(d[i]!), true);
  return out;
}

function int32Vector(b: Builder, xs: readonly number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!);
  return b.endVector();
}

/** Writes an options table from its field layout (src/ops/tflite-codes.ts); returns its offset. */
function writeOptionsTable(b: Builder, table: string, values: OptionRecord): number {
  const fields = OPTION_TABLES[table];
  if (!fields) throw new Error(`no field layout for TFLite options table ${table}`);
  // Vectors and strings are children: they must be created before the table starts.
  const children = new Map<string, number>();
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined) continue;
    if (f.type === 'i32[]') children.set(f.name, int32Vector(b, v as number[]));
    if (f.type === 'string') children.set(f.name, b.createString(v as string));
  }
  b.startObject(fields.reduce((m, f) => Math.max(m, f.id + 1), 0));
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined) continue;
    const dflt = typeof f.default === 'boolean' ? (f.default ? 1 : 0) : (f.default ?? 0);
    switch (f.type) {
      case 'bool':
        b.addFieldInt8(f.id, v ? 1 : 0, dflt);
        break;
      case 'i8':
        b.addFieldInt8(f.id, v as number, dflt);
        break;
      case 'u8':
        b.addFieldInt8(f.id, v as number, dflt);
        break;
      case 'i32':
      case 'u32':
        b.addFieldInt32(f.id, v as number, dflt);
        break;
      case 'f32':
        b.addFieldFloat32(f.id, v as number, dflt);
        break;
      case 'i64':
        b.addFieldInt64(f.id, BigInt(v as number), BigInt(dflt));
        break;
      case 'i32[]':
      case 'string':
        b.addFieldOffset(f.id, children.get(f.name)!, 0);
        break;
    }
  }
  return b.endObject();
}

/** One subgraph ready to serialize: its tensors (with appended constants) and its operators. */
interface WrittenSubgraph {
  name: string;
  graph: Graph;
  tensors: Tensor[];
  ops: { op: Op; code: number; version: number; table: string | undefined; options: OptionRecord | undefined; intermediates: number[] }[];
}

function prepareSubgraph(graph: Graph, name: string): WrittenSubgraph {
  // Each op's definition gives its version, options and operands (an attribute the file
  // stores as a constant operand, like MEAN's axes, is appended as a new tensor).
  const tensors: Tensor[] = [...graph.tensors];
  const ops = graph.ops.map((op) => {
    const def = opDef(op);
    const w = def.tflite.write(op, {
      g: graph,
      addConstant: (t) => {
        tensors.push(t);
        return tensors.length - 1;
      },
    });
    return { op: { ...op, inputs: w.inputs ?? op.inputs } as Op, code: builtinCode(def.tflite.builtin), version: w.version, table: def.tflite.options, options: w.options, intermediates: w.intermediates ?? [] };
  });
  return { name, graph, tensors, ops };
}

/** Serializes `graph` as a .tflite file. Throws TinymlError for graphs that are not well-formed. */
export function writeTflite(graph: Graph): Uint8Array {
  validateGraph(graph);
  const subgraphs = [prepareSubgraph(graph, 'main'), ...(graph.subgraphs ?? []).map((sg, k) => prepareSubgraph(sg, sg.name || `subgraph${k + 1}`))];
  const allTensors = subgraphs.flatMap((s) => s.tensors);

  const b = new Builder(1024 + allTensors.reduce((n, t) => n + (t.data ? t.data.byteLength + 16 : 0), 0));

  // 1. buffers
  const bufferOffsets: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  const tensorBuffers = subgraphs.map((s) =>
    s.tensors.map((t) => {
      if (!t.data) return 0;
      const bytes = dataBytes(t);
      b.startVector(1, bytes.length, 16);
      for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]!);
      const vec = b.endVector();
      b.startObject(1);
      b.addFieldOffset(0, vec, 0);
      bufferOffsets.push(b.endObject());
      return bufferOffsets.length - 1;
    }),
  );

  // 2. operator codes
  const codeIndex = new Map<string, number>();
  const codeOffsets: number[] = [];
  const opCodeIndex = subgraphs.map((s) =>
    s.ops.map(({ code, version }) => {
      const key = `${code}:${version}`;
      let idx = codeIndex.get(key);
      if (idx === undefined) {
        b.startObject(4);
        b.addFieldInt8(0, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
        b.addFieldInt32(2, version, 1);
        b.addFieldInt32(3, code, 0);
        idx = codeOffsets.length;
        codeOffsets.push(b.endObject());
        codeIndex.set(key, idx);
      }
      return idx;
    }),
  );

  const vectorOf = (offsets: number[]): number => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  };

  const subgraphOffsets = subgraphs.map((s, si) => {
    // 3. tensors
    const tensorOffsets = s.tensors.map((t, i) => {
      const name = b.createString(t.name);
      const shape = int32Vector(b, t.shape);
      let quant = 0;
      if (t.quant) {
        const { scale, zeroPoint } = t.quant;
        b.startVector(4, scale.length, 4);
        for (let k = scale.length - 1; k >= 0; k--) b.addFloat32(scale[k]!);
        const scaleVec = b.endVector();
        b.startVector(8, zeroPoint.length, 8);
        for (let k = zeroPoint.length - 1; k >= 0; k--) b.addInt64(BigInt(zeroPoint[k]!));
        const zpVec = b.endVector();
        b.startObject(7);
        b.addFieldOffset(2, scaleVec, 0);
        b.addFieldOffset(3, zpVec, 0);
        b.addFieldInt32(6, t.quant.axis ?? 0, 0);
        quant = b.endObject();
      }
      b.startObject(6);
      b.addFieldOffset(0, shape, 0);
      b.addFieldInt8(1, tensorType(t), 0);
      b.addFieldInt32(2, tensorBuffers[si]![i]!, 0);
      b.addFieldOffset(3, name, 0);
      if (quant) b.addFieldOffset(4, quant, 0);
      if (t.variable) b.addFieldInt8(5, 1, 0);
      return b.endObject();
    });

    // 4. operators
    const opOffsets = s.ops.map((w, i) => {
      const inputs = int32Vector(b, w.op.inputs);
      const outputs = int32Vector(b, w.op.outputs);
      const intermediates = w.intermediates.length > 0 ? int32Vector(b, w.intermediates) : 0;
      const options = w.table && w.options ? writeOptionsTable(b, w.table, w.options) : 0;
      b.startObject(9);
      b.addFieldInt32(0, opCodeIndex[si]![i]!, 0);
      b.addFieldOffset(1, inputs, 0);
      b.addFieldOffset(2, outputs, 0);
      if (options) {
        b.addFieldInt8(3, optionsTypeOf(w.table!), 0);
        b.addFieldOffset(4, options, 0);
      }
      if (intermediates) b.addFieldOffset(8, intermediates, 0);
      return b.endObject();
    });

    // 5. subgraph
    const tensorsVec = vectorOf(tensorOffsets);
    const inputsVec = int32Vector(b, s.graph.inputs);
    const outputsVec = int32Vector(b, s.graph.outputs);
    const operatorsVec = vectorOf(opOffsets);
    const sgName = b.createString(s.name);
    b.startObject(5);
    b.addFieldOffset(0, tensorsVec, 0);
    b.addFieldOffset(1, inputsVec, 0);
    b.addFieldOffset(2, outputsVec, 0);
    b.addFieldOffset(3, operatorsVec, 0);
    b.addFieldOffset(4, sgName, 0);
    return b.endObject();
  });

  const codesVec = vectorOf(codeOffsets);
  const subgraphsVec = vectorOf(subgraphOffsets);
  const buffersVec = vectorOf(bufferOffsets);
  const description = b.createString('tinyml');
  b.startObject(5);
  b.addFieldInt32(0, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  const model = b.endObject();
  b.finish(model, TFLITE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/** Writes the .tflite to `path` through a temporary file and a rename (no half-written models). */
export async function writeTfliteFile(graph: Graph, path: string): Promise<void> {
  const bytes = writeTflite(graph);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    throw new TinymlError('input', `cannot write ${path}: ${(err as Error).message}`);
  }
}
