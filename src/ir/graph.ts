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

/**
 * Element types. float32, int8, int16, int32 and int64 are computed on; the others are read
 * from files so that `inspect` can show them (an op that meets one refuses it by name), and
 * uint8 models are re-expressed in int8 on import where that is exact. `resource` is a
 * variable handle (no data); `opaque` is any other file type (its name in `Tensor.sourceType`),
 * kept only so the rest of the model can be shown.
 */
export type DType = 'float32' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'bool' | 'float16' | 'resource' | 'opaque';

export const DTYPES: readonly DType[] = ['float32', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool', 'float16', 'resource', 'opaque'];

/**
 * Storage per dtype. int64 is held as Float64Array: exact for |v| < 2^53, which every int64 a
 * model stores (16x8 biases, shapes, indices) satisfies; importers refuse larger values.
 * bool is Uint8Array (0/1), float16 the raw bits in a Uint16Array.
 */
export type TensorData = Float32Array | Int8Array | Int16Array | Int32Array | Float64Array | Uint8Array | Uint16Array;

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
  /** The source file's type name when it has no IR dtype (dtype 'opaque'), e.g. "STRING". */
  sourceType?: string;
  /**
   * A variable (state) tensor (TFLite is_variable): the ops that take it as an input update it
   * in place, and its value persists between invocations. Its initial (and reset) value is
   * the zero point for int8, 0 otherwise, as TFLM's ResetVariableTensors sets it.
   */
  variable?: boolean;
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
  kind: 'AveragePool2D' | 'MaxPool2D' | 'L2Pool2D';
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  activation: Activation;
}

/** Reductions over `axes` (MEAN, SUM, REDUCE_MAX, REDUCE_MIN). */
export interface ReduceOp extends OpBase {
  kind: 'Mean' | 'Sum' | 'ReduceMax' | 'ReduceMin';
  /** Reduced axes (non-negative). Inputs[1] may also hold them as a constant tensor. */
  axes: number[];
  keepDims: boolean;
}
export type MeanOp = ReduceOp & { kind: 'Mean' };
export type SumOp = ReduceOp & { kind: 'Sum' };
export type ReduceMaxOp = ReduceOp & { kind: 'ReduceMax' };
export type ReduceMinOp = ReduceOp & { kind: 'ReduceMin' };

export interface ReshapeOp extends OpBase {
  kind: 'Reshape';
  newShape: number[];
}

export interface PadOp extends OpBase {
  kind: 'Pad';
  /** `[before, after]` per dimension. Padded int8 elements take the input zero point. */
  paddings: [number, number][];
}

/** PADV2: constant padding with the value of the constant scalar input 2 (inputs: x, paddings, value). */
export interface PadV2Op extends OpBase {
  kind: 'PadV2';
  paddings: [number, number][];
}

/** MIRROR_PAD: reflect (edge not repeated) or symmetric (edge repeated) padding. */
export interface MirrorPadOp extends OpBase {
  kind: 'MirrorPad';
  paddings: [number, number][];
  mode: 'reflect' | 'symmetric';
}

export interface ConcatenationOp extends OpBase {
  kind: 'Concatenation';
  axis: number;
  activation: Activation;
}

/** Binary arithmetic with NumPy broadcasting and a fused activation. */
export interface ElementwiseBinaryOp extends OpBase {
  kind: 'Add' | 'Mul' | 'Sub' | 'Div';
  activation: Activation;
}

/** Binary ops with broadcasting and no fused activation. */
export interface BinaryOp extends OpBase {
  kind: 'Maximum' | 'Minimum' | 'SquaredDifference' | 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual' | 'LogicalAnd' | 'LogicalOr' | 'FloorDiv' | 'FloorMod';
}

export interface SoftmaxOp extends OpBase {
  kind: 'Softmax';
  beta: number;
}

export interface UnaryOp extends OpBase {
  kind: 'Logistic' | 'Tanh' | 'Relu' | 'Relu6' | 'Quantize' | 'Dequantize' | 'Rsqrt' | 'HardSwish' | 'LogSoftmax' | 'Cast' | 'Abs' | 'Neg' | 'Square' | 'Sqrt' | 'Exp' | 'Log' | 'Floor' | 'Ceil' | 'Round' | 'ReluN1To1' | 'Relu0To1' | 'ZerosLike' | 'LogicalNot' | 'Elu';
}

/** L2_NORMALIZATION over the last dimension; TFLite's options carry a fused activation. */
export interface L2NormalizationOp extends OpBase {
  kind: 'L2Normalization';
  activation: Activation;
}

export interface LeakyReluOp extends OpBase {
  kind: 'LeakyRelu';
  alpha: number;
}

/** PRelu: inputs [x, alpha], alpha broadcast against x. */
export interface PreluOp extends OpBase {
  kind: 'Prelu';
}

export interface TransposeOp extends OpBase {
  kind: 'Transpose';
  /** Output dim i is input dim perm[i]. Inputs[1] may hold it as a constant tensor. */
  perm: number[];
}

/** TFLite STRIDED_SLICE, masks as bit fields. Inputs: [x, begin, end, strides] (constants). */
export interface StridedSliceOp extends OpBase {
  kind: 'StridedSlice';
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
  /** End is relative to begin. */
  offset: boolean;
}

/** SLICE: inputs [x, begin, size]; size -1 = to the end. */
export interface SliceOp extends OpBase {
  kind: 'Slice';
  begin: number[];
  size: number[];
}

/** SPLIT (inputs [axis, x]) and SPLIT_V (inputs [x, sizeSplits, axis]): several outputs. */
export interface SplitOp extends OpBase {
  kind: 'Split' | 'SplitV';
  axis: number;
  /** Size of each output along `axis`. */
  sizes: number[];
}

export interface PackOp extends OpBase {
  kind: 'Pack' | 'Unpack';
  axis: number;
  count: number;
}

export interface SqueezeOp extends OpBase {
  kind: 'Squeeze';
  /** Dims to drop (empty = every size-1 dim). */
  squeezeDims: number[];
}

export interface ExpandDimsOp extends OpBase {
  kind: 'ExpandDims';
  axis: number;
}

/** GATHER: inputs [params, indices]. */
export interface GatherOp extends OpBase {
  kind: 'Gather';
  axis: number;
  batchDims: number;
}

export interface ShapeOp extends OpBase {
  kind: 'Shape';
}

/** FILL: inputs [dims, value]. */
export interface FillOp extends OpBase {
  kind: 'Fill';
}

/** ARG_MAX / ARG_MIN: inputs [x, axis (constant int32)]; the output dtype (int32/int64) is TFLite's output_type. */
export interface ArgMaxOp extends OpBase {
  kind: 'ArgMax' | 'ArgMin';
  /** Non-negative axis of the input that is reduced. */
  axis: number;
}

/** TRANSPOSE_CONV: inputs [outputShape, weights (OHWI), x, bias?]. */
export interface TransposeConvOp extends OpBase {
  kind: 'TransposeConv';
  strideH: number;
  strideW: number;
  padding: Padding;
  activation: Activation;
}

/** RESIZE_*: inputs [x, size (constant int32 [newH, newW])]. */
export interface ResizeOp extends OpBase {
  kind: 'ResizeNearestNeighbor' | 'ResizeBilinear';
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** BATCH_MATMUL: inputs [x, y], batch dims broadcast; adjX/adjY transpose the last two dims. */
export interface BatchMatMulOp extends OpBase {
  kind: 'BatchMatMul';
  adjX: boolean;
  adjY: boolean;
}

/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM. Inputs are TFLite's 24 in its order (lstm_shared.h): 0 input
 * [batch, time, in] (or [time, batch, in] when `timeMajor`); 1-4 input-to-{input, forget, cell,
 * output} weights [units, in]; 5-8 recurrent-to-gate weights [units, units]; 9-11 peephole
 * weights; 12-15 gate biases [units]; 16-17 projection weights and bias; 18 hidden (output)
 * state and 19 cell state, variable tensors [batch, units] that persist between invocations;
 * 20-23 layer-norm coefficients. Absent optional inputs are -1. One output, the hidden state
 * of every step [batch, time, units] (or time-major).
 */
export interface UnidirectionalSequenceLSTMOp extends OpBase {
  kind: 'UnidirectionalSequenceLSTM';
  /** Activation of the cell gate and of the cell state before the output gate (TFLite: tanh). */
  activation: Activation;
  /** Cell state clip (0 = none) and projection clip, in real units. */
  cellClip: number;
  projClip: number;
  timeMajor: boolean;
  asymmetricQuantizeInputs: boolean;
  /**
   * The operator's intermediate tensors (TFLite `Operator.intermediates`): TFLite's quantizer
   * writes five for an int8 LSTM and desktop TFLite reads their scales; TFLite Micro ignores
   * them. Kept so a model written back runs under both.
   */
  intermediates: number[];
}

/**
 * SVDF: inputs [x [batch, in], weightsFeature [filters, in], weightsTime [filters, memory],
 * bias [units]?, state [batch, memory * filters] (a variable tensor)]; output [batch, units]
 * with units = filters / rank.
 */
export interface SVDFOp extends OpBase {
  kind: 'SVDF';
  rank: number;
  activation: Activation;
  asymmetricQuantizeInputs: boolean;
}

/**
 * Resource variables (TFLite VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE). A variable is named
 * by (container, sharedName); every VarHandle with that name, in any subgraph, refers to the
 * same storage, which persists between invocations. VarHandle: no inputs, one `resource`
 * output. ReadVariable: [resource] → value. AssignVariable: [resource, value], no output.
 */
export interface VarHandleOp extends OpBase {
  kind: 'VarHandle';
  container: string;
  sharedName: string;
}

export interface ReadVariableOp extends OpBase {
  kind: 'ReadVariable';
}

export interface AssignVariableOp extends OpBase {
  kind: 'AssignVariable';
}

/** CALL_ONCE: runs subgraph `initSubgraph` (a TFLite subgraph index, see Graph.subgraphs) on the first invocation only. */
export interface CallOnceOp extends OpBase {
  kind: 'CallOnce';
  initSubgraph: number;
}

/** SPACE_TO_DEPTH / DEPTH_TO_SPACE (NHWC). */
export interface SpaceDepthOp extends OpBase {
  kind: 'SpaceToDepth' | 'DepthToSpace';
  blockSize: number;
}

/**
 * SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND: inputs [x, blockShape (int32 [M]), paddings or crops
 * (int32 [M, 2])], the constants also held as attributes. `pads` is the [M, 2] operand flattened
 * (before, after per spatial dimension): paddings of SPACE_TO_BATCH_ND, crops of BATCH_TO_SPACE_ND.
 */
export interface SpaceBatchOp extends OpBase {
  kind: 'SpaceToBatchND' | 'BatchToSpaceND';
  blockShape: number[];
  pads: number[];
}

/** BROADCAST_TO: inputs [x, shape (constant int32/int64)]; `shape` is the target shape. */
export interface BroadcastToOp extends OpBase {
  kind: 'BroadcastTo';
  shape: number[];
}

/** ADD_N: inputs [x0, x1, ...] of one shape, summed. */
export interface AddNOp extends OpBase {
  kind: 'AddN';
}

/** CUMSUM: inputs [x, axis (constant int32 scalar)]; `axis` non-negative. */
export interface CumsumOp extends OpBase {
  kind: 'Cumsum';
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/** EMBEDDING_LOOKUP: inputs [ids (int32, 1-D), value (rank ≥ 2)]; output row k = value[ids[k]]. */
export interface EmbeddingLookupOp extends OpBase {
  kind: 'EmbeddingLookup';
}

/** GELU: `approximate` selects the tanh form. */
export interface GeluOp extends OpBase {
  kind: 'Gelu';
  approximate: boolean;
}

/** SELECT / SELECT_V2: inputs [condition (bool), x, y]; out = condition ? x : y. */
export interface SelectOp extends OpBase {
  kind: 'Select' | 'SelectV2';
}

/**
 * An operator the importer could read but tinyml cannot run: its outputs keep the shapes the
 * file declares so the rest of the graph can be inspected. `type` is the source's op name
 * (e.g. "CUSTOM:TFLite_Detection_PostProcess"), `reason` says why it is not supported.
 */
export interface UnsupportedOp extends OpBase {
  kind: 'Unsupported';
  type: string;
  reason: string;
}

/**
 * The ops of the IR. Every kind here has exactly one definition in src/ops/ (the registry's
 * table is a mapped type over this union, so a kind without a definition does not compile).
 * Interfaces above that are not in this union are reserved attribute layouts for ops whose
 * definitions are not written yet.
 */
export type Op =
  | Conv2DOp
  | DepthwiseConv2DOp
  | FullyConnectedOp
  | Pool2DOp
  | MeanOp
  | SumOp
  | (ReduceOp & { kind: 'ReduceMax' | 'ReduceMin' })
  | ArgMaxOp
  | TransposeConvOp
  | ResizeOp
  | BatchMatMulOp
  | ReshapeOp
  | PadOp
  | ConcatenationOp
  | (ElementwiseBinaryOp & { kind: 'Add' | 'Mul' })
  | SoftmaxOp
  | (UnaryOp & { kind: 'Logistic' | 'Tanh' | 'Relu' | 'Relu6' | 'Quantize' | 'Dequantize' })
  | (ElementwiseBinaryOp & { kind: 'Sub' | 'Div' })
  | LeakyReluOp
  | (BinaryOp & { kind: 'Maximum' | 'Minimum' | 'SquaredDifference' })
  | PreluOp
  | (UnaryOp & { kind: 'Rsqrt' | 'HardSwish' | 'LogSoftmax' })
  | L2NormalizationOp
  | TransposeOp
  | StridedSliceOp
  | SliceOp
  | SplitOp
  | PackOp
  | SqueezeOp
  | ExpandDimsOp
  | GatherOp
  | (UnaryOp & { kind: 'Cast' })
  | (UnaryOp & { kind: 'Elu' })
  | PadV2Op
  | MirrorPadOp
  | ShapeOp
  | FillOp
  | UnidirectionalSequenceLSTMOp
  | SVDFOp
  | VarHandleOp
  | ReadVariableOp
  | AssignVariableOp
  | CallOnceOp
  | (UnaryOp & { kind: 'Abs' | 'Neg' | 'Square' | 'Sqrt' | 'Exp' | 'Log' | 'Floor' | 'Ceil' | 'Round' | 'ReluN1To1' | 'Relu0To1' | 'ZerosLike' })
  | (BinaryOp & { kind: 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual' | 'LogicalAnd' | 'LogicalOr' })
  | (UnaryOp & { kind: 'LogicalNot' })
  | (BinaryOp & { kind: 'FloorDiv' | 'FloorMod' })
  | SelectOp
  | SpaceDepthOp
  | SpaceBatchOp
  | BroadcastToOp
  | AddNOp
  | CumsumOp
  | EmbeddingLookupOp
  | GeluOp
  | UnsupportedOp;

export type OpKind = Op['kind'];

export interface GraphSource {
  /** 'tflite' | 'keras-h5' | 'keras-v3' | 'tfjs' | ... */
  format: string;
  path: string;
}

/**
 * The layout change at one graph input or output, for formats whose activations are not NHWC
 * (ONNX: NCHW). The graph's tensor keeps the source model's shape and order (`sourceShape`);
 * IR ops right after the input (right before the output) — a Transpose, with a Reshape where
 * an axis is inserted — hold it as `transpose(reshape(source, split), perm)` in the NHWC body.
 * `convert --io-layout nhwc` drops those ops (src/ir/boundary-layout.ts `dropBoundaryOps`).
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
   * Present when some of the source model's inputs/outputs are in another layout than the
   * IR's body (ONNX NCHW) and boundary ops convert them: one entry per `inputs[k]` /
   * `outputs[k]`, in order (an identity entry where nothing changes).
   */
  boundaryLayout?: { inputs: BoundaryLayout[]; outputs: BoundaryLayout[] };
  /**
   * The model's other subgraphs, in file order: TFLite subgraph k + 1 is `subgraphs[k]` (the
   * graph itself is subgraph 0). Each has its own tensors; ops reach one only through a
   * control-flow op naming its TFLite index (CallOnce.initSubgraph). Absent for the usual
   * single-subgraph model.
   */
  subgraphs?: Graph[];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
    case 'int16':
    case 'float16':
      return 2;
    case 'float32':
    case 'int32':
      return 4;
    case 'int64':
      return 8;
    case 'resource':
    case 'opaque':
      return 0;
  }
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
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new Float64Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'resource':
    case 'opaque':
      return new Uint8Array(0);
  }
}

/** True when `data` is the typed array `dtype` is stored in. */
export function dataMatchesDtype(dtype: DType, data: TensorData): boolean {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'int8':
      return data instanceof Int8Array;
    case 'int16':
      return data instanceof Int16Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'int64':
      return data instanceof Float64Array;
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array;
    case 'float16':
      return data instanceof Uint16Array;
    case 'resource':
    case 'opaque':
      return false;
  }
}

/** Integer dtypes that carry quantized activations in the integer kernels. */
export function isQuantizedDtype(dtype: DType): boolean {
  return dtype === 'int8' || dtype === 'int16';
}

/** True when every activation tensor an op reads or writes is int8 (a fully-quantized graph). */
export function isFullyInt8(g: Graph): boolean {
  return g.inputs.every((i) => g.tensors[i]!.dtype === 'int8') && g.outputs.every((i) => g.tensors[i]!.dtype === 'int8');
}
