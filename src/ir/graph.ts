/**
 * The one graph type of the project. Every importer produces it, every later stage
 * (quantize, reference, codegen) consumes it.
 *
 * Conventions (the TFLite ones, so .tflite files map 1:1):
 * - Activations are NHWC.
 * - Conv2D weights are OHWI `[outC, kH, kW, inC]`.
 * - DepthwiseConv2D weights are `[1, kH, kW, inC * depthMultiplier]`.
 * - FullyConnected weights are `[units, inFeatures]`.
 * - Biases are `[outC]` (float32 in float graphs, int32 in int8 graphs).
 * - Quantization: `real = scale * (q - zeroPoint)`. Per-tensor params have one entry;
 *   per-channel params have one entry per slice along `axis`.
 *
 * Tensors are referred to by their index in `Graph.tensors`. An optional op input
 * (a missing bias) is `-1`, as in TFLite.
 */

export type DType = 'float32' | 'int8' | 'int32';

export type TensorData = Float32Array | Int8Array | Int32Array;

export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** Channel axis for per-channel parameters; absent or 0 with one entry = per tensor. */
  axis?: number;
}

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  /** Constant contents (weights, biases, shape operands); absent for activations. */
  data?: TensorData;
  quant?: QuantParams;
}

export type Activation = 'none' | 'relu' | 'relu6' | 'relu_n1_to_1' | 'tanh';
export type Padding = 'same' | 'valid';

interface OpBase {
  /** Human-readable name (layer name from the source model, or derived). */
  name: string;
  /** Tensor indices; -1 marks an absent optional input. */
  inputs: number[];
  outputs: number[];
}

export interface Conv2DOp extends OpBase {
  kind: 'Conv2D';
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padding: Padding;
  activation: Activation;
}

export interface DepthwiseConv2DOp extends OpBase {
  kind: 'DepthwiseConv2D';
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  depthMultiplier: number;
  padding: Padding;
  activation: Activation;
}

export interface FullyConnectedOp extends OpBase {
  kind: 'FullyConnected';
  activation: Activation;
  keepNumDims: boolean;
}

export interface Pool2DOp extends OpBase {
  kind: 'AveragePool2D' | 'MaxPool2D';
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  activation: Activation;
}

export interface MeanOp extends OpBase {
  kind: 'Mean';
  /** Reduced axes (non-negative). Inputs[1] may also hold them as a constant tensor. */
  axes: number[];
  keepDims: boolean;
}

export interface ReshapeOp extends OpBase {
  kind: 'Reshape';
  newShape: number[];
}

export interface PadOp extends OpBase {
  kind: 'Pad';
  /** `[before, after]` per dimension. Padded int8 elements take the input zero point. */
  paddings: [number, number][];
}

export interface ConcatenationOp extends OpBase {
  kind: 'Concatenation';
  axis: number;
  activation: Activation;
}

export interface ElementwiseBinaryOp extends OpBase {
  kind: 'Add' | 'Mul';
  activation: Activation;
}

export interface SoftmaxOp extends OpBase {
  kind: 'Softmax';
  beta: number;
}

export interface UnaryOp extends OpBase {
  kind: 'Logistic' | 'Tanh' | 'Relu' | 'Relu6' | 'Quantize' | 'Dequantize';
}

export type Op =
  | Conv2DOp
  | DepthwiseConv2DOp
  | FullyConnectedOp
  | Pool2DOp
  | MeanOp
  | ReshapeOp
  | PadOp
  | ConcatenationOp
  | ElementwiseBinaryOp
  | SoftmaxOp
  | UnaryOp;

export type OpKind = Op['kind'];

export const OP_KINDS: readonly OpKind[] = [
  'Conv2D',
  'DepthwiseConv2D',
  'FullyConnected',
  'AveragePool2D',
  'MaxPool2D',
  'Mean',
  'Reshape',
  'Pad',
  'Concatenation',
  'Add',
  'Mul',
  'Softmax',
  'Logistic',
  'Tanh',
  'Relu',
  'Relu6',
  'Quantize',
  'Dequantize',
];

export interface GraphSource {
  /** 'tflite' | 'keras-h5' | 'keras-v3' | 'tfjs' | ... */
  format: string;
  path: string;
}

/**
 * How one graph input or output relates to the source model's own layout, for formats whose
 * activations are not NHWC (ONNX: NCHW). The IR tensor's data is
 * `transpose(reshape(source, split), perm)`, in row-major order; the user-facing value keeps
 * `sourceShape`. Callers that take or give data in the source layout (`tinyml run` on a
 * .onnx, the firmware boundary) convert with src/ir/boundary-layout.ts.
 */
export interface BoundaryLayout {
  /** The value's name and shape in the source model. */
  sourceName: string;
  sourceShape: number[];
  split: number[];
  perm: number[];
  /** False when only the shape changes (same element order): no data moves at the boundary. */
  transpose: boolean;
}

export interface Graph {
  name: string;
  tensors: Tensor[];
  /** Ops in execution order (topologically sorted). */
  ops: Op[];
  inputs: number[];
  outputs: number[];
  source?: GraphSource;
  /**
   * Present when the source model's inputs/outputs are in another layout than the IR's
   * (ONNX NCHW): one entry per `inputs[k]` / `outputs[k]`, in order.
   */
  boundaryLayout?: { inputs: BoundaryLayout[]; outputs: BoundaryLayout[] };
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'int8' ? 1 : 4;
}

export function tensorBytes(t: Tensor): number {
  return elementCount(t.shape) * bytesPerElement(t.dtype);
}

export function isConstant(t: Tensor): boolean {
  return t.data !== undefined;
}

export function allocTensorData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int32':
      return new Int32Array(n);
  }
}

/** True when every activation tensor an op reads or writes is int8 (a fully-quantized graph). */
export function isFullyInt8(g: Graph): boolean {
  return g.inputs.every((i) => g.tensors[i]!.dtype === 'int8') && g.outputs.every((i) => g.tensors[i]!.dtype === 'int8');
}
