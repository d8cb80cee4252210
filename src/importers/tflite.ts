/**
 * TFLite flatbuffer (.tflite) → IR.
 *
 * Steps:
 *   1. decode the schema subset (tflite-schema.ts; bounds-checked, ModelFormatError on damage);
 *   2. collect every operator whose builtin code tinyml cannot lower and throw ONE
 *      UnsupportedOpsError listing them all with the supported set;
 *   3. map tensors 1:1 (same indices as subgraph 0 of the file), copying constant buffers into
 *      fresh, aligned typed arrays read little-endian, and quantization parameters as stored
 *      (float32 scales widened to number, int64 zero points narrowed after a range check);
 *   4. lower operators with their options; constant operands that are attributes in the IR
 *      (Reshape's shape, Mean's axes, Pad's paddings) are read from their tensors and the tensor
 *      stays an input, so writing the graph back gives the same file structure;
 *   5. hybrid models (float activations with int8 weights, as in kws_ref_model_float32.tflite)
 *      get those weights dequantized to float32 (real = scale × (q − zeroPoint)), so a float
 *      graph is float throughout;
 *   6. fold what is constant at import (SHAPE of a static shape, FILL, data movement on
 *      constants: src/ops/fold.ts);
 *   7. validate the graph (src/ops/validate.ts).
 * Subgraph 0 is the graph; the model's other subgraphs (a CALL_ONCE's init subgraph, as in
 * streaming models with resource variables) are read the same way into `Graph.subgraphs`,
 * each with its own tensors and folded on its own. Operator intermediates (LSTM) are kept on
 * the op.
 */
import { basename, extname } from 'node:path';
import { ModelFormatError, TinymlError } from '../errors.js';
import { elementCount, type DType, type Graph, type Op, type QuantParams, type Tensor } from '../ir/graph.js';
import type { TfliteReadContext } from '../ops/op-def.js';
import { opDefForBuiltin, SUPPORTED_TFLITE_OPS } from '../ops/registry.js';
import { activationOfCode, ActivationCode, BuiltinOperator, builtinOperatorName, OPTION_TABLES, optionsTableName, PaddingCode, TENSOR_TYPE_NAMES, TensorType } from '../ops/tflite-codes.js';
import { foldConstants } from '../ops/fold.js';
import { MAX_TENSOR_ELEMENTS, validateGraph } from '../ops/validate.js';
import { registerImporter } from './registry.js';
import { decodeTfliteModel, hasTfliteIdentifier, type TfliteModel, type TfliteOperator, type TfliteSubGraph, type TfliteTensor } from './tflite-schema.js';
import { uint8ToInt8 } from './uint8.js';

export { SUPPORTED_TFLITE_OPS };

function dtypeOf(type: number): DType {
  switch (type) {
    case TensorType.FLOAT32:
      return 'float32';
    case TensorType.INT8:
      return 'int8';
    case TensorType.INT16:
      return 'int16';
    case TensorType.INT32:
      return 'int32';
    case TensorType.INT64:
      return 'int64';
    case TensorType.UINT8:
      return 'uint8';
    case TensorType.BOOL:
      return 'bool';
    case TensorType.FLOAT16:
      return 'float16';
    case TensorType.RESOURCE:
      return 'resource';
    default:
      return 'opaque';
  }
}

const BYTES: Partial<Record<DType, number>> = { float32: 4, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, bool: 1, float16: 2 };

function opName(sg: { tensors: TfliteTensor[] }, op: TfliteOperator, index: number, type: string): string {
  const out = op.outputs[0];
  const t = out !== undefined && out >= 0 ? sg.tensors[out] : undefined;
  return t?.name ? t.name : `${type.toLowerCase()}_${index}`;
}

function readConstant(bytes: Uint8Array, start: number, dtype: DType, count: number): Tensor['data'] {
  // Copy out of the file (flatbuffer data is only 16-byte aligned relative to the buffer start,
  // and the caller's Uint8Array may sit at any offset) and decode little-endian explicitly.
  const raw = bytes.slice(start, start + count * (BYTES[dtype] ?? 1));
  const dv = new DataView(raw.buffer);
  switch (dtype) {
    case 'int8':
      return new Int8Array(raw.buffer);
    case 'uint8':
    case 'bool':
      return raw;
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, true);
      return out;
    }
    case 'float16': {
      const out = new Uint16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, true);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
      return out;
    }
    case 'int64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 9007199254740991n || v < -9007199254740991n) return undefined;
        out[i] = Number(v);
      }
      return out;
    }
    default:
      return undefined;
  }
}

function lowerTensors(model: TfliteModel, sg: TfliteSubGraph, si: number, bytes: Uint8Array, file: string): Tensor[] {
  return sg.tensors.map((t, i): Tensor => {
    const label = `${si > 0 ? `subgraph ${si} ` : ''}tensor ${i} "${t.name}"`;
    const dtype = dtypeOf(t.type);
    if (t.shape.some((d) => d < 0)) throw new ModelFormatError(file, `${label} has shape [${t.shape}] (dynamic shapes are not supported)`);
    if (t.hasSparsity) throw new TinymlError('unsupported', `${file}: ${label} is sparse; tinyml reads dense tensors only`, 'Export the model without sparsification.');
    const tensor: Tensor = { name: t.name, shape: [...t.shape], dtype };
    if (dtype === 'opaque') tensor.sourceType = TENSOR_TYPE_NAMES[t.type] ?? `type ${t.type}`;
    if (t.isVariable) tensor.variable = true;
    if (t.buffer >= model.buffers.length) {
      throw new ModelFormatError(file, `${label} refers to buffer ${t.buffer}, but the model has ${model.buffers.length}`);
    }
    const buf = model.buffers[t.buffer]!;
    const width = BYTES[dtype];
    if (t.buffer !== 0 && buf.length > 0 && width !== undefined) {
      const count = elementCount(t.shape);
      if (count > MAX_TENSOR_ELEMENTS) throw new ModelFormatError(file, `${label} has shape [${t.shape}]`);
      const want = count * width;
      if (buf.length !== want) {
        throw new ModelFormatError(file, `${label} [${t.shape}] ${dtype} needs ${want} bytes, buffer ${t.buffer} holds ${buf.length}`, buf.start);
      }
      tensor.data = readConstant(bytes, buf.start, dtype, count);
      if (!tensor.data) throw new TinymlError('unsupported', `${file}: ${label} holds an int64 value beyond ±2^53, which tinyml does not represent`);
    }
    const q = t.quantization;
    if (q && q.scale.length > 0) {
      if (q.hasDetails) throw new TinymlError('unsupported', `${file}: ${label} uses custom quantization details`);
      if (q.zeroPoint.length !== q.scale.length) {
        throw new ModelFormatError(file, `${label} has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
      }
      const zeroPoint = q.zeroPoint.map((z) => {
        if (z < -2147483648n || z > 2147483647n) throw new ModelFormatError(file, `${label} has zero point ${z}`);
        return Number(z);
      });
      const quant: QuantParams = { scale: Array.from(q.scale), zeroPoint };
      if (q.scale.length > 1) {
        let axis = q.quantizedDimension;
        // Old converters wrote a quantized_dimension outside the tensor's shape (person_detect.tflite:
        // axis 3 on its [8] biases), which TFLite and TFLM accept: their per-channel kernels index
        // the scales by output channel and never read the axis. A 1-D tensor has one axis.
        if ((axis < 0 || axis >= t.shape.length) && t.shape.length === 1 && t.shape[0] === q.scale.length) axis = 0;
        quant.axis = axis;
      }
      tensor.quant = quant;
    }
    return tensor;
  });
}

/** Thrown by a definition's reader for an operator it recognises but cannot support. */
class UnsupportedOperator extends Error {}

function lowerOp(model: TfliteModel, sg: TfliteSubGraph, si: number, tensors: Tensor[], op: TfliteOperator, index: number, file: string): Op {
  const oc = model.operatorCodes[op.opcodeIndex]!;
  const code = oc.builtinCode;
  const type = code === BuiltinOperator.CUSTOM ? `CUSTOM:${oc.customCode ?? '?'}` : builtinOperatorName(code);
  const name = opName(sg, op, index, type);
  const where = `${si > 0 ? `subgraph ${si} ` : ''}operator ${index} (${type} "${name}")`;
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `${where}: ${what}`, op.offset);
  };
  for (const ti of [...op.inputs, ...op.outputs]) {
    if (ti !== -1 && (ti < 0 || ti >= tensors.length)) bad(`refers to tensor ${ti}, but the subgraph has ${tensors.length}`);
  }
  for (const ti of op.intermediates) {
    if (ti < 0 || ti >= tensors.length) bad(`has intermediate tensor ${ti}, but the subgraph has ${tensors.length}`);
  }
  const base = { name, inputs: [...op.inputs], outputs: [...op.outputs] };
  const unsupportedOp = (reason: string): Op => ({ ...base, kind: 'Unsupported', type, reason });
  const def = opDefForBuiltin(code);
  if (!def) {
    return unsupportedOp(code === BuiltinOperator.CUSTOM ? 'custom operators are not supported' : 'tinyml has no kernel for this TFLite operator');
  }
  const table = optionsTableName(op.optionsType);
  const fields = OPTION_TABLES[table ?? ''] ?? [];
  const opt = (field: string) => {
    if (!op.hasOptions) return undefined;
    if (field in op.options) return op.options[field];
    const f = fields.find((x) => x.name === field);
    if (!f) return undefined;
    return f.default ?? (f.type === 'bool' ? false : f.type === 'i32[]' || f.type === 'string' ? undefined : 0);
  };
  const r: TfliteReadContext = {
    file,
    index,
    base,
    tensors,
    hasOptions: op.hasOptions,
    opt,
    optNumber: (field, noTable = 0) => (op.hasOptions ? Number(opt(field) ?? 0) : noTable),
    optBool: (field, noTable = false) => (op.hasOptions ? Boolean(opt(field) ?? false) : noTable),
    activation() {
      const code = op.hasOptions ? Number(opt('fused_activation_function') ?? 0) : ActivationCode.NONE;
      const a = activationOfCode(code);
      if (!a) throw new UnsupportedOperator(`fused activation code ${code} (${code === ActivationCode.SIGN_BIT ? 'SIGN_BIT' : 'unknown'}) is not supported`);
      return a;
    },
    padding() {
      const p = opt('padding');
      if (p === undefined) bad('missing options');
      if (p === PaddingCode.SAME) return 'same';
      if (p === PaddingCode.VALID) return 'valid';
      return bad(`unknown padding code ${String(p)}`);
    },
    constInts(k, what) {
      const ti = op.inputs[k];
      const t = ti !== undefined && ti >= 0 ? tensors[ti] : undefined;
      if (!t || !(t.data instanceof Int32Array || (t.dtype === 'int64' && t.data instanceof Float64Array))) return bad(`${what} (input ${k}) must be a constant int32 tensor`);
      return Array.from(t.data);
    },
    isConstant(k) {
      const ti = op.inputs[k];
      return ti !== undefined && ti >= 0 && tensors[ti]?.data !== undefined;
    },
    intermediates: op.intermediates,
    bad,
    unsupported(reason) {
      throw new UnsupportedOperator(reason);
    },
  };
  try {
    return def.tflite.read(r);
  } catch (e) {
    if (e instanceof UnsupportedOperator) return unsupportedOp(e.message);
    throw e;
  }
}

/** Float activations with int8 constant weights (dynamic-range "hybrid" models): dequantize the weights. */
function dequantizeHybridWeights(tensors: Tensor[], ops: Op[]): void {
  for (const op of ops) {
    if (op.kind !== 'Conv2D' && op.kind !== 'DepthwiseConv2D' && op.kind !== 'FullyConnected') continue;
    const x = tensors[op.inputs[0]!];
    const wi = op.inputs[1]!;
    const w = tensors[wi];
    if (!x || !w || x.dtype !== 'float32' || !(w.data instanceof Int8Array) || !w.quant) continue;
    const { scale, zeroPoint } = w.quant;
    const axis = w.quant.axis ?? 0;
    const inner = elementCount(w.shape.slice(axis + 1));
    const channels = w.shape[axis] ?? 1;
    const out = new Float32Array(w.data.length);
    for (let i = 0; i < out.length; i++) {
      const c = scale.length > 1 ? Math.floor(i / inner) % channels : 0;
      out[i] = Math.fround(scale[c]! * (w.data[i]! - zeroPoint[c]!));
    }
    tensors[wi] = { name: w.name, shape: w.shape, dtype: 'float32', data: out };
  }
}

export function tfliteToGraph(bytes: Uint8Array, file: string): Graph {
  const model = decodeTfliteModel(bytes, file);
  if (model.version !== 3) {
    throw new ModelFormatError(file, `TFLite schema version ${model.version}; tinyml reads version 3`, undefined, 'Re-export with a current TensorFlow converter.');
  }
  if (model.subgraphs.length === 0) throw new ModelFormatError(file, 'the model has no subgraph');
  const graphs = model.subgraphs.map((sg, si): Graph => {
    sg.operators.forEach((op, i) => {
      if (!model.operatorCodes[op.opcodeIndex]) {
        throw new ModelFormatError(file, `${si > 0 ? `subgraph ${si} ` : ''}operator ${i} uses operator code ${op.opcodeIndex}, but the model has ${model.operatorCodes.length}`, op.offset);
      }
    });
    const tensors = lowerTensors(model, sg, si, bytes, file);
    const ops = sg.operators.map((op, i) => lowerOp(model, sg, si, tensors, op, i, file));
    dequantizeHybridWeights(tensors, ops);
    // SHAPE/FILL of static shapes and data movement on constants become constants (src/ops/fold.ts).
    return foldConstants(
      uint8ToInt8({
        name: si === 0 ? basename(file, extname(file)) || sg.name : sg.name,
        tensors,
        ops,
        inputs: [...sg.inputs],
        outputs: [...sg.outputs],
      }),
    ).graph;
  });
  const graph: Graph = { ...graphs[0]!, source: { format: 'tflite', path: file } };
  if (graphs.length > 1) graph.subgraphs = graphs.slice(1);
  validateGraph(graph);
  return graph;
}

registerImporter({
  id: 'tflite',
  description: 'TFLite flatbuffer (.tflite, identifier TFL3)',
  detect: (bytes) => hasTfliteIdentifier(bytes),
  load: async (bytes, path) => tfliteToGraph(bytes, path),
});
