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
 *   6. validate the graph (src/ir/validate.ts).
 * Only the first subgraph is read (control-flow subgraphs are not supported).
 */
import { basename, extname } from 'node:path';
import { ModelFormatError, TinymlError, UnsupportedOpsError, type UnsupportedLayer } from '../errors.js';
import {
  elementCount,
  type Activation,
  type DType,
  type Graph,
  type Op,
  type Padding,
  type QuantParams,
  type Tensor,
} from '../ir/graph.js';
import { validateGraph, MAX_TENSOR_ELEMENTS } from '../ir/validate.js';
import { registerImporter } from './registry.js';
import {
  ActivationCode,
  BuiltinOperator,
  builtinOperatorName,
  decodeTfliteModel,
  hasTfliteIdentifier,
  PaddingCode,
  TENSOR_TYPE_NAMES,
  TensorType,
  type TfliteModel,
  type TfliteOperator,
  type TfliteTensor,
} from './tflite-schema.js';

/** TFLite builtin operators tinyml lowers, by name (the list shown in UnsupportedOpsError). */
export const SUPPORTED_TFLITE_OPS: readonly string[] = [
  'ADD',
  'AVERAGE_POOL_2D',
  'CONCATENATION',
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'DEQUANTIZE',
  'FULLY_CONNECTED',
  'LOGISTIC',
  'MAX_POOL_2D',
  'MEAN',
  'MUL',
  'PAD',
  'QUANTIZE',
  'RELU',
  'RELU6',
  'RESHAPE',
  'SOFTMAX',
  'TANH',
];

const SUPPORTED_CODES = new Set<number>(SUPPORTED_TFLITE_OPS.map((n) => BuiltinOperator[n as keyof typeof BuiltinOperator]));

function dtypeOf(type: number): DType | undefined {
  switch (type) {
    case TensorType.FLOAT32:
      return 'float32';
    case TensorType.INT8:
      return 'int8';
    case TensorType.INT32:
      return 'int32';
    default:
      return undefined;
  }
}

function activationOf(code: number | undefined): Activation | undefined {
  switch (code ?? 0) {
    case ActivationCode.NONE:
      return 'none';
    case ActivationCode.RELU:
      return 'relu';
    case ActivationCode.RELU_N1_TO_1:
      return 'relu_n1_to_1';
    case ActivationCode.RELU6:
      return 'relu6';
    case ActivationCode.TANH:
      return 'tanh';
    default:
      return undefined;
  }
}

function opName(sg: { tensors: TfliteTensor[] }, op: TfliteOperator, index: number, type: string): string {
  const out = op.outputs[0];
  const t = out !== undefined && out >= 0 ? sg.tensors[out] : undefined;
  return t?.name ? t.name : `${type.toLowerCase()}_${index}`;
}

function readConstant(bytes: Uint8Array, start: number, dtype: DType, count: number): Float32Array | Int8Array | Int32Array {
  // Copy out of the file (flatbuffer data is only 16-byte aligned relative to the buffer start,
  // and the caller's Uint8Array may sit at any offset) and decode little-endian explicitly.
  if (dtype === 'int8') return new Int8Array(bytes.slice(start, start + count).buffer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
  if (dtype === 'float32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
    return out;
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
  return out;
}

function lowerTensors(model: TfliteModel, bytes: Uint8Array, file: string): Tensor[] {
  const sg = model.subgraphs[0]!;
  const badTypes: string[] = [];
  const tensors = sg.tensors.map((t, i): Tensor => {
    const label = `tensor ${i} "${t.name}"`;
    const dtype = dtypeOf(t.type);
    if (!dtype) {
      badTypes.push(`${label} (${TENSOR_TYPE_NAMES[t.type] ?? `type ${t.type}`})`);
      return { name: t.name, shape: t.shape, dtype: 'float32' };
    }
    if (t.shape.some((d) => d < 0)) throw new ModelFormatError(file, `${label} has shape [${t.shape}] (dynamic shapes are not supported)`);
    if (t.hasSparsity) throw new TinymlError('unsupported', `${file}: ${label} is sparse; tinyml reads dense tensors only`, 'Export the model without sparsification.');
    if (t.isVariable) throw new TinymlError('unsupported', `${file}: ${label} is a variable (stateful) tensor; tinyml reads stateless models only`);
    const tensor: Tensor = { name: t.name, shape: [...t.shape], dtype };
    if (t.buffer >= model.buffers.length) {
      throw new ModelFormatError(file, `${label} refers to buffer ${t.buffer}, but the model has ${model.buffers.length}`);
    }
    const buf = model.buffers[t.buffer]!;
    if (t.buffer !== 0 && buf.length > 0) {
      const count = elementCount(t.shape);
      if (count > MAX_TENSOR_ELEMENTS) throw new ModelFormatError(file, `${label} has shape [${t.shape}]`);
      const want = count * (dtype === 'int8' ? 1 : 4);
      if (buf.length !== want) {
        throw new ModelFormatError(file, `${label} [${t.shape}] ${dtype} needs ${want} bytes, buffer ${t.buffer} holds ${buf.length}`, buf.start);
      }
      tensor.data = readConstant(bytes, buf.start, dtype, count);
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
      if (q.scale.length > 1 || q.quantizedDimension !== 0) quant.axis = q.quantizedDimension;
      tensor.quant = quant;
    }
    return tensor;
  });
  if (badTypes.length > 0) {
    throw new TinymlError(
      'unsupported',
      `${file}: ${badTypes.length} tensor${badTypes.length === 1 ? '' : 's'} with a data type tinyml does not handle:\n${badTypes.map((b) => `  - ${b}`).join('\n')}\nSupported: FLOAT32, INT8, INT32`,
      'Convert the model with float32 or full-int8 quantization (no uint8/int16/float16).',
    );
  }
  return tensors;
}

function lowerOp(model: TfliteModel, tensors: Tensor[], op: TfliteOperator, index: number, file: string): Op {
  const sg = model.subgraphs[0]!;
  const code = model.operatorCodes[op.opcodeIndex]!.builtinCode;
  const type = builtinOperatorName(code);
  const name = opName(sg, op, index, type);
  const o = op.options;
  const where = `operator ${index} (${type} "${name}")`;
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `${where}: ${what}`, op.offset);
  };
  const base = { name, inputs: [...op.inputs], outputs: [...op.outputs] };
  const padding = (): Padding => {
    if (o.padding === undefined) bad('missing options');
    if (o.padding === PaddingCode.SAME) return 'same';
    if (o.padding === PaddingCode.VALID) return 'valid';
    return bad(`unknown padding code ${o.padding}`);
  };
  const act = (): Activation => activationOf(o.activation) ?? bad(`unsupported fused activation code ${o.activation}`);
  const constInt = (k: number, what: string): Int32Array => {
    const ti = op.inputs[k];
    const t = ti !== undefined && ti >= 0 ? tensors[ti] : undefined;
    if (!t || !(t.data instanceof Int32Array)) return bad(`${what} (input ${k}) must be a constant int32 tensor`);
    return t.data;
  };
  for (const ti of [...op.inputs, ...op.outputs]) {
    if (ti !== -1 && (ti < 0 || ti >= tensors.length)) bad(`refers to tensor ${ti}, but the subgraph has ${tensors.length}`);
  }

  switch (code) {
    case BuiltinOperator.CONV_2D:
      return {
        ...base,
        kind: 'Conv2D',
        padding: padding(),
        strideH: o.strideH ?? 1,
        strideW: o.strideW ?? 1,
        dilationH: o.dilationH ?? 1,
        dilationW: o.dilationW ?? 1,
        activation: act(),
      };
    case BuiltinOperator.DEPTHWISE_CONV_2D: {
      let depthMultiplier = o.depthMultiplier ?? 0;
      const x = tensors[op.inputs[0] ?? -1];
      const w = tensors[op.inputs[1] ?? -1];
      // Some converters leave depth_multiplier 0; TFLite derives it from the shapes then.
      if (depthMultiplier === 0 && x && w && x.shape[3]) depthMultiplier = (w.shape[3] ?? 0) / x.shape[3];
      return {
        ...base,
        kind: 'DepthwiseConv2D',
        padding: padding(),
        strideH: o.strideH ?? 1,
        strideW: o.strideW ?? 1,
        dilationH: o.dilationH ?? 1,
        dilationW: o.dilationW ?? 1,
        depthMultiplier,
        activation: act(),
      };
    }
    case BuiltinOperator.FULLY_CONNECTED:
      if ((o.weightsFormat ?? 0) !== 0) bad(`weights_format ${o.weightsFormat} (shuffled weights) is not supported`);
      return { ...base, kind: 'FullyConnected', activation: act(), keepNumDims: o.keepNumDims ?? false };
    case BuiltinOperator.AVERAGE_POOL_2D:
    case BuiltinOperator.MAX_POOL_2D:
      return {
        ...base,
        kind: code === BuiltinOperator.MAX_POOL_2D ? 'MaxPool2D' : 'AveragePool2D',
        filterH: o.filterH ?? 0,
        filterW: o.filterW ?? 0,
        strideH: o.strideH ?? 1,
        strideW: o.strideW ?? 1,
        padding: padding(),
        activation: act(),
      };
    case BuiltinOperator.MEAN: {
      const axes = Array.from(constInt(1, 'axes'));
      const rank = tensors[op.inputs[0] ?? -1]?.shape.length ?? 0;
      return { ...base, kind: 'Mean', axes: axes.map((a) => (a < 0 ? a + rank : a)), keepDims: o.keepDims ?? false };
    }
    case BuiltinOperator.RESHAPE: {
      // TFLite: the shape operand wins over the option; with neither, the output shape is the target.
      const shapeIn = op.inputs[1];
      let newShape: number[];
      if (shapeIn !== undefined && shapeIn >= 0 && tensors[shapeIn]?.data instanceof Int32Array) newShape = Array.from(tensors[shapeIn]!.data);
      else if (o.newShape && o.newShape.length > 0) newShape = o.newShape;
      else newShape = [...(tensors[op.outputs[0] ?? -1]?.shape ?? [])];
      return { ...base, kind: 'Reshape', newShape };
    }
    case BuiltinOperator.PAD: {
      const p = constInt(1, 'paddings');
      if (p.length % 2 !== 0) bad(`paddings hold ${p.length} values, expected rank x 2`);
      const paddings: [number, number][] = [];
      for (let i = 0; i < p.length; i += 2) paddings.push([p[i]!, p[i + 1]!]);
      return { ...base, kind: 'Pad', paddings };
    }
    case BuiltinOperator.CONCATENATION: {
      const rank = tensors[op.outputs[0] ?? -1]?.shape.length ?? 0;
      const axis = o.axis ?? 0;
      return { ...base, kind: 'Concatenation', axis: axis < 0 ? axis + rank : axis, activation: act() };
    }
    case BuiltinOperator.ADD:
      return { ...base, kind: 'Add', activation: act() };
    case BuiltinOperator.MUL:
      return { ...base, kind: 'Mul', activation: act() };
    case BuiltinOperator.SOFTMAX:
      return { ...base, kind: 'Softmax', beta: o.beta ?? 1 };
    case BuiltinOperator.LOGISTIC:
      return { ...base, kind: 'Logistic' };
    case BuiltinOperator.TANH:
      return { ...base, kind: 'Tanh' };
    case BuiltinOperator.RELU:
      return { ...base, kind: 'Relu' };
    case BuiltinOperator.RELU6:
      return { ...base, kind: 'Relu6' };
    case BuiltinOperator.QUANTIZE:
      return { ...base, kind: 'Quantize' };
    case BuiltinOperator.DEQUANTIZE:
      return { ...base, kind: 'Dequantize' };
    default:
      return bad('unsupported operator');
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
  const sg = model.subgraphs[0];
  if (!sg) throw new ModelFormatError(file, 'the model has no subgraph');

  const unsupported: UnsupportedLayer[] = [];
  sg.operators.forEach((op, i) => {
    const oc = model.operatorCodes[op.opcodeIndex];
    if (!oc) throw new ModelFormatError(file, `operator ${i} uses operator code ${op.opcodeIndex}, but the model has ${model.operatorCodes.length}`, op.offset);
    const type = oc.builtinCode === BuiltinOperator.CUSTOM ? `CUSTOM:${oc.customCode ?? '?'}` : builtinOperatorName(oc.builtinCode);
    if (!SUPPORTED_CODES.has(oc.builtinCode)) unsupported.push({ name: opName(sg, op, i, type), type });
    else if (op.options.activation === ActivationCode.SIGN_BIT) unsupported.push({ name: opName(sg, op, i, type), type: `${type} with fused SIGN_BIT` });
  });
  if (unsupported.length > 0) throw new UnsupportedOpsError(file, unsupported, SUPPORTED_TFLITE_OPS);

  const tensors = lowerTensors(model, bytes, file);
  const ops = sg.operators.map((op, i) => lowerOp(model, tensors, op, i, file));
  dequantizeHybridWeights(tensors, ops);

  const graph: Graph = {
    name: basename(file, extname(file)) || sg.name,
    tensors,
    ops,
    inputs: [...sg.inputs],
    outputs: [...sg.outputs],
    source: { format: 'tflite', path: file },
  };
  validateGraph(graph);
  return graph;
}

registerImporter({
  id: 'tflite',
  description: 'TFLite flatbuffer (.tflite, identifier TFL3)',
  detect: (bytes) => hasTfliteIdentifier(bytes),
  load: async (bytes, path) => tfliteToGraph(bytes, path),
});
