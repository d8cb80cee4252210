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
 *   4. operators with their builtin options; MEAN and PAD need their axes/paddings as a constant
 *      int32 input in TFLite, so an IR op without that input gets one appended as a new tensor;
 *   5. one subgraph "main", the model table, finished with the identifier.
 * The graph is validated first (src/ir/validate.ts). Only field values the importer reads are
 * written, so import(write(g)) equals g for graphs the importer produced.
 */
import { rename, writeFile } from 'node:fs/promises';
import { Builder } from 'flatbuffers';
import { TinymlError } from '../errors.js';
import type { Activation, Graph, Op, Padding, Tensor } from '../ir/graph.js';
import { validateGraph } from '../ir/validate.js';
import {
  ActivationCode,
  BuiltinOperator,
  BuiltinOptionsType,
  PaddingCode,
  TensorType,
  TFLITE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from '../importers/tflite-schema.js';

/** Builtin code, and op versions for float and int8 operands (as TFLite's converter assigns them). */
const OP_CODES: Record<Op['kind'], { code: number; floatVersion: number; int8Version: number }> = {
  Conv2D: { code: BuiltinOperator.CONV_2D, floatVersion: 1, int8Version: 3 },
  DepthwiseConv2D: { code: BuiltinOperator.DEPTHWISE_CONV_2D, floatVersion: 1, int8Version: 3 },
  FullyConnected: { code: BuiltinOperator.FULLY_CONNECTED, floatVersion: 1, int8Version: 4 },
  AveragePool2D: { code: BuiltinOperator.AVERAGE_POOL_2D, floatVersion: 1, int8Version: 2 },
  MaxPool2D: { code: BuiltinOperator.MAX_POOL_2D, floatVersion: 1, int8Version: 2 },
  Mean: { code: BuiltinOperator.MEAN, floatVersion: 1, int8Version: 2 },
  Reshape: { code: BuiltinOperator.RESHAPE, floatVersion: 1, int8Version: 1 },
  Pad: { code: BuiltinOperator.PAD, floatVersion: 1, int8Version: 2 },
  Concatenation: { code: BuiltinOperator.CONCATENATION, floatVersion: 1, int8Version: 2 },
  Add: { code: BuiltinOperator.ADD, floatVersion: 1, int8Version: 2 },
  Mul: { code: BuiltinOperator.MUL, floatVersion: 1, int8Version: 2 },
  Softmax: { code: BuiltinOperator.SOFTMAX, floatVersion: 1, int8Version: 2 },
  Logistic: { code: BuiltinOperator.LOGISTIC, floatVersion: 1, int8Version: 2 },
  Tanh: { code: BuiltinOperator.TANH, floatVersion: 1, int8Version: 2 },
  Relu: { code: BuiltinOperator.RELU, floatVersion: 1, int8Version: 2 },
  Relu6: { code: BuiltinOperator.RELU6, floatVersion: 1, int8Version: 2 },
  Quantize: { code: BuiltinOperator.QUANTIZE, floatVersion: 1, int8Version: 2 },
  Dequantize: { code: BuiltinOperator.DEQUANTIZE, floatVersion: 1, int8Version: 2 },
};

const ACTIVATION_CODES: Record<Activation, number> = {
  none: ActivationCode.NONE,
  relu: ActivationCode.RELU,
  relu_n1_to_1: ActivationCode.RELU_N1_TO_1,
  relu6: ActivationCode.RELU6,
  tanh: ActivationCode.TANH,
};

const paddingCode = (p: Padding): number => (p === 'same' ? PaddingCode.SAME : PaddingCode.VALID);

function tensorType(t: Tensor): number {
  return t.dtype === 'float32' ? TensorType.FLOAT32 : t.dtype === 'int8' ? TensorType.INT8 : TensorType.INT32;
}

function dataBytes(t: Tensor): Uint8Array {
  const d = t.data!;
  if (d instanceof Int8Array) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.length * 4);
  const dv = new DataView(out.buffer);
  if (d instanceof Float32Array) for (let i = 0; i < d.length; i++) dv.setFloat32(4 * i, d[i]!, true);
  else for (let i = 0; i < d.length; i++) dv.setInt32(4 * i, d[i]!, true);
  return out;
}

function int32Vector(b: Builder, xs: readonly number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!);
  return b.endVector();
}

/** The op's options table and its union type; -1/0 when the op has none. */
function writeOptions(b: Builder, op: Op): { type: number; offset: number } {
  const table = (type: number, fill: () => void): { type: number; offset: number } => {
    // Child vectors must be created before startObject, so `fill` only adds scalar/offset fields.
    fill();
    return { type, offset: b.endObject() };
  };
  switch (op.kind) {
    case 'Conv2D':
      b.startObject(6);
      return table(BuiltinOptionsType.Conv2DOptions, () => {
        b.addFieldInt8(0, paddingCode(op.padding), 0);
        b.addFieldInt32(1, op.strideW, 0);
        b.addFieldInt32(2, op.strideH, 0);
        b.addFieldInt8(3, ACTIVATION_CODES[op.activation], 0);
        b.addFieldInt32(4, op.dilationW, 1);
        b.addFieldInt32(5, op.dilationH, 1);
      });
    case 'DepthwiseConv2D':
      b.startObject(7);
      return table(BuiltinOptionsType.DepthwiseConv2DOptions, () => {
        b.addFieldInt8(0, paddingCode(op.padding), 0);
        b.addFieldInt32(1, op.strideW, 0);
        b.addFieldInt32(2, op.strideH, 0);
        b.addFieldInt32(3, op.depthMultiplier, 0);
        b.addFieldInt8(4, ACTIVATION_CODES[op.activation], 0);
        b.addFieldInt32(5, op.dilationW, 1);
        b.addFieldInt32(6, op.dilationH, 1);
      });
    case 'FullyConnected':
      b.startObject(3);
      return table(BuiltinOptionsType.FullyConnectedOptions, () => {
        b.addFieldInt8(0, ACTIVATION_CODES[op.activation], 0);
        b.addFieldInt8(2, op.keepNumDims ? 1 : 0, 0);
      });
    case 'AveragePool2D':
    case 'MaxPool2D':
      b.startObject(6);
      return table(BuiltinOptionsType.Pool2DOptions, () => {
        b.addFieldInt8(0, paddingCode(op.padding), 0);
        b.addFieldInt32(1, op.strideW, 0);
        b.addFieldInt32(2, op.strideH, 0);
        b.addFieldInt32(3, op.filterW, 0);
        b.addFieldInt32(4, op.filterH, 0);
        b.addFieldInt8(5, ACTIVATION_CODES[op.activation], 0);
      });
    case 'Mean':
      b.startObject(1);
      return table(BuiltinOptionsType.ReducerOptions, () => b.addFieldInt8(0, op.keepDims ? 1 : 0, 0));
    case 'Reshape': {
      const shape = int32Vector(b, op.newShape);
      b.startObject(1);
      return table(BuiltinOptionsType.ReshapeOptions, () => b.addFieldOffset(0, shape, 0));
    }
    case 'Pad':
      b.startObject(0);
      return table(BuiltinOptionsType.PadOptions, () => {});
    case 'Concatenation':
      b.startObject(2);
      return table(BuiltinOptionsType.ConcatenationOptions, () => {
        b.addFieldInt32(0, op.axis, 0);
        b.addFieldInt8(1, ACTIVATION_CODES[op.activation], 0);
      });
    case 'Add':
    case 'Mul':
      b.startObject(1);
      return table(op.kind === 'Add' ? BuiltinOptionsType.AddOptions : BuiltinOptionsType.MulOptions, () =>
        b.addFieldInt8(0, ACTIVATION_CODES[op.activation], 0),
      );
    case 'Softmax':
      b.startObject(1);
      return table(BuiltinOptionsType.SoftmaxOptions, () => b.addFieldFloat32(0, op.beta, 0));
    case 'Quantize':
      b.startObject(0);
      return table(BuiltinOptionsType.QuantizeOptions, () => {});
    case 'Dequantize':
      b.startObject(0);
      return table(BuiltinOptionsType.DequantizeOptions, () => {});
    case 'Logistic':
    case 'Tanh':
    case 'Relu':
    case 'Relu6':
      return { type: BuiltinOptionsType.NONE, offset: 0 };
  }
}

/** Serializes `graph` as a .tflite file. Throws TinymlError for graphs that are not well-formed. */
export function writeTflite(graph: Graph): Uint8Array {
  validateGraph(graph);
  // Work on shallow copies: MEAN/PAD may need an extra constant operand appended.
  const tensors: Tensor[] = [...graph.tensors];
  const ops: Op[] = graph.ops.map((op) => {
    if (op.kind === 'Mean' && op.inputs.length < 2) {
      tensors.push({ name: `${op.name}/axes`, shape: [op.axes.length], dtype: 'int32', data: Int32Array.from(op.axes) });
      return { ...op, inputs: [op.inputs[0]!, tensors.length - 1] };
    }
    if (op.kind === 'Pad' && op.inputs.length < 2) {
      tensors.push({ name: `${op.name}/paddings`, shape: [op.paddings.length, 2], dtype: 'int32', data: Int32Array.from(op.paddings.flat()) });
      return { ...op, inputs: [op.inputs[0]!, tensors.length - 1] };
    }
    return op;
  });

  const b = new Builder(1024 + tensors.reduce((s, t) => s + (t.data ? t.data.byteLength + 16 : 0), 0));

  // 1. buffers
  const bufferOffsets: number[] = [];
  const tensorBuffer: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  for (const t of tensors) {
    if (!t.data) {
      tensorBuffer.push(0);
      continue;
    }
    const bytes = dataBytes(t);
    b.startVector(1, bytes.length, 16);
    for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]!);
    const vec = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, vec, 0);
    tensorBuffer.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }

  // 2. operator codes
  const codeIndex = new Map<string, number>();
  const codeOffsets: number[] = [];
  const opCodeIndex = ops.map((op) => {
    const spec = OP_CODES[op.kind];
    const int8 = op.inputs.some((ti) => ti >= 0 && tensors[ti]!.dtype === 'int8') || op.outputs.some((ti) => tensors[ti]!.dtype === 'int8');
    const version = int8 ? spec.int8Version : spec.floatVersion;
    const key = `${spec.code}:${version}`;
    let idx = codeIndex.get(key);
    if (idx === undefined) {
      b.startObject(4);
      b.addFieldInt8(0, Math.min(spec.code, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
      b.addFieldInt32(2, version, 1);
      b.addFieldInt32(3, spec.code, 0);
      idx = codeOffsets.length;
      codeOffsets.push(b.endObject());
      codeIndex.set(key, idx);
    }
    return idx;
  });

  // 3. tensors
  const tensorOffsets = tensors.map((t, i) => {
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
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, tensorType(t), 0);
    b.addFieldInt32(2, tensorBuffer[i]!, 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });

  // 4. operators
  const opOffsets = ops.map((op, i) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const options = writeOptions(b, op);
    b.startObject(5);
    b.addFieldInt32(0, opCodeIndex[i]!, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (options.offset) {
      b.addFieldInt8(3, options.type, 0);
      b.addFieldOffset(4, options.offset, 0);
    }
    return b.endObject();
  });

  // 5. subgraph and model
  const vectorOf = (offsets: number[]): number => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  };
  const tensorsVec = vectorOf(tensorOffsets);
  const inputsVec = int32Vector(b, graph.inputs);
  const outputsVec = int32Vector(b, graph.outputs);
  const operatorsVec = vectorOf(opOffsets);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, operatorsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const codesVec = vectorOf(codeOffsets);
  const subgraphsVec = vectorOf([subgraph]);
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
