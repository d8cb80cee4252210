/**
 * The codes of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, version 3) that
 * the op registry, the .tflite reader (src/importers/tflite-schema.ts) and the .tflite writer
 * (src/codegen/tflite-writer.ts) share: builtin operator codes, tensor types, fused-activation
 * and padding codes, and the BuiltinOptions union with the field layout of every options table
 * an op of the registry reads or writes.
 *
 * An options table is described once, as data (field id = position in the schema table, type,
 * default); the reader decodes any described table into a plain record and the writer encodes
 * one from a record, so an op's TFLite support is its `tflite` entry in src/ops/ and nothing else.
 */

export const TFLITE_IDENTIFIER = 'TFL3';
export const TFLITE_SCHEMA_VERSION = 3;

export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
} as const;

export const TENSOR_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(TensorType).map(([k, v]) => [v, k]));

/** BuiltinOperator names in code order (code = index), up to RIGHT_SHIFT = 161. */
const BUILTIN_NAMES = (
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP ' +
  'FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC ' +
  'LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX ' +
  'SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD ' +
  'UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE ' +
  'UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX ' +
  'DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER ' +
  'GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL ' +
  'NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ' +
  'ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL ' +
  'FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE ' +
  'CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE ' +
  'MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND ' +
  'SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE ' +
  'BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT ' +
  'HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS ' +
  'RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 ' +
  'UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN ' +
  'BITCAST BITWISE_XOR RIGHT_SHIFT'
).split(' ');

export type BuiltinName = string;

/** Builtin operator code by name, e.g. BuiltinOperator.CONV_2D === 3. */
export const BuiltinOperator: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(BUILTIN_NAMES.map((n, i) => [n, i])));

export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
export const CUSTOM_CODE = 32;

export function builtinOperatorName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

export function builtinCode(name: string): number {
  const c = BuiltinOperator[name];
  if (c === undefined) throw new Error(`unknown TFLite builtin operator ${name}`);
  return c;
}

export const PaddingCode = { SAME: 0, VALID: 1 } as const;
export const ActivationCode = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

/** The BuiltinOptions union in schema order: the union type of table k is k + 1 (0 = NONE). */
const BUILTIN_OPTIONS_NAMES = (
  'Conv2DOptions DepthwiseConv2DOptions ConcatEmbeddingsOptions LSHProjectionOptions Pool2DOptions SVDFOptions ' +
  'RNNOptions FullyConnectedOptions SoftmaxOptions ConcatenationOptions AddOptions L2NormOptions ' +
  'LocalResponseNormalizationOptions LSTMOptions ResizeBilinearOptions CallOptions ReshapeOptions SkipGramOptions ' +
  'SpaceToDepthOptions EmbeddingLookupSparseOptions MulOptions PadOptions GatherOptions BatchToSpaceNDOptions ' +
  'SpaceToBatchNDOptions TransposeOptions ReducerOptions SubOptions DivOptions SqueezeOptions SequenceRNNOptions ' +
  'StridedSliceOptions ExpOptions TopKV2Options SplitOptions LogSoftmaxOptions CastOptions DequantizeOptions ' +
  'MaximumMinimumOptions ArgMaxOptions LessOptions NegOptions PadV2Options GreaterOptions GreaterEqualOptions ' +
  'LessEqualOptions SelectOptions SliceOptions TransposeConvOptions SparseToDenseOptions TileOptions ' +
  'ExpandDimsOptions EqualOptions NotEqualOptions ShapeOptions PowOptions ArgMinOptions FakeQuantOptions ' +
  'PackOptions LogicalOrOptions OneHotOptions LogicalAndOptions LogicalNotOptions UnpackOptions FloorDivOptions ' +
  'SquareOptions ZerosLikeOptions FillOptions BidirectionalSequenceLSTMOptions BidirectionalSequenceRNNOptions ' +
  'UnidirectionalSequenceLSTMOptions FloorModOptions RangeOptions ResizeNearestNeighborOptions LeakyReluOptions ' +
  'SquaredDifferenceOptions MirrorPadOptions AbsOptions SplitVOptions UniqueOptions ReverseV2Options AddNOptions ' +
  'GatherNdOptions CosOptions WhereOptions RankOptions ReverseSequenceOptions MatrixDiagOptions QuantizeOptions ' +
  'MatrixSetDiagOptions HardSwishOptions IfOptions WhileOptions DepthToSpaceOptions NonMaxSuppressionV4Options ' +
  'NonMaxSuppressionV5Options ScatterNdOptions SelectV2Options DensifyOptions SegmentSumOptions BatchMatMulOptions ' +
  'CumsumOptions CallOnceOptions BroadcastToOptions Rfft2dOptions Conv3DOptions HashtableOptions ' +
  'HashtableFindOptions HashtableImportOptions HashtableSizeOptions VarHandleOptions ReadVariableOptions ' +
  'AssignVariableOptions RandomOptions BucketizeOptions GeluOptions DynamicUpdateSliceOptions ' +
  'UnsortedSegmentProdOptions UnsortedSegmentMaxOptions UnsortedSegmentMinOptions UnsortedSegmentSumOptions ' +
  'ATan2Options SignOptions BitcastOptions BitwiseXorOptions RightShiftOptions'
).split(' ');

/** Union type of an options table by name (e.g. 1 for Conv2DOptions). */
export function optionsTypeOf(table: string): number {
  const i = BUILTIN_OPTIONS_NAMES.indexOf(table);
  if (i < 0) throw new Error(`unknown TFLite options table ${table}`);
  return i + 1;
}

export function optionsTableName(type: number): string | undefined {
  return BUILTIN_OPTIONS_NAMES[type - 1];
}

export type OptionFieldType = 'bool' | 'i8' | 'u8' | 'i32' | 'u32' | 'f32' | 'i64' | 'i32[]' | 'string';
export type OptionValue = number | boolean | number[] | string;

export interface OptionField {
  /** Field id: the field's position in the schema table. */
  id: number;
  /** The schema's field name. */
  name: string;
  type: OptionFieldType;
  /** Schema default (0 / false when the schema gives none; vectors and strings default to absent). */
  default?: number | boolean;
}

const f = (id: number, name: string, type: OptionFieldType, dflt?: number | boolean): OptionField => ({ id, name, type, ...(dflt !== undefined ? { default: dflt } : {}) });

/**
 * Field layouts of the options tables the registry uses (schema.fbs). Tables with no fields
 * (PadOptions, TransposeOptions, ...) are listed empty: ops write them so other readers see
 * the options type they expect.
 */
export const OPTION_TABLES: Readonly<Record<string, readonly OptionField[]>> = {
  Conv2DOptions: [f(0, 'padding', 'i8'), f(1, 'stride_w', 'i32'), f(2, 'stride_h', 'i32'), f(3, 'fused_activation_function', 'i8'), f(4, 'dilation_w_factor', 'i32', 1), f(5, 'dilation_h_factor', 'i32', 1), f(6, 'quantized_bias_type', 'i8')],
  DepthwiseConv2DOptions: [f(0, 'padding', 'i8'), f(1, 'stride_w', 'i32'), f(2, 'stride_h', 'i32'), f(3, 'depth_multiplier', 'i32'), f(4, 'fused_activation_function', 'i8'), f(5, 'dilation_w_factor', 'i32', 1), f(6, 'dilation_h_factor', 'i32', 1)],
  Pool2DOptions: [f(0, 'padding', 'i8'), f(1, 'stride_w', 'i32'), f(2, 'stride_h', 'i32'), f(3, 'filter_width', 'i32'), f(4, 'filter_height', 'i32'), f(5, 'fused_activation_function', 'i8')],
  SVDFOptions: [f(0, 'rank', 'i32'), f(1, 'fused_activation_function', 'i8'), f(2, 'asymmetric_quantize_inputs', 'bool')],
  FullyConnectedOptions: [f(0, 'fused_activation_function', 'i8'), f(1, 'weights_format', 'i8'), f(2, 'keep_num_dims', 'bool'), f(3, 'asymmetric_quantize_inputs', 'bool'), f(4, 'quantized_bias_type', 'i8')],
  SoftmaxOptions: [f(0, 'beta', 'f32')],
  ConcatenationOptions: [f(0, 'axis', 'i32'), f(1, 'fused_activation_function', 'i8')],
  AddOptions: [f(0, 'fused_activation_function', 'i8'), f(1, 'pot_scale_int16', 'bool', true)],
  L2NormOptions: [f(0, 'fused_activation_function', 'i8')],
  ResizeBilinearOptions: [f(2, 'align_corners', 'bool'), f(3, 'half_pixel_centers', 'bool')],
  ReshapeOptions: [f(0, 'new_shape', 'i32[]')],
  MulOptions: [f(0, 'fused_activation_function', 'i8')],
  PadOptions: [],
  PadV2Options: [],
  MirrorPadOptions: [f(0, 'mode', 'i8')],
  GatherOptions: [f(0, 'axis', 'i32'), f(1, 'batch_dims', 'i32')],
  TransposeOptions: [],
  ReducerOptions: [f(0, 'keep_dims', 'bool')],
  SubOptions: [f(0, 'fused_activation_function', 'i8'), f(1, 'pot_scale_int16', 'bool', true)],
  DivOptions: [f(0, 'fused_activation_function', 'i8')],
  SqueezeOptions: [f(0, 'squeeze_dims', 'i32[]')],
  StridedSliceOptions: [f(0, 'begin_mask', 'i32'), f(1, 'end_mask', 'i32'), f(2, 'ellipsis_mask', 'i32'), f(3, 'new_axis_mask', 'i32'), f(4, 'shrink_axis_mask', 'i32'), f(5, 'offset', 'bool')],
  SplitOptions: [f(0, 'num_splits', 'i32')],
  LogSoftmaxOptions: [],
  CastOptions: [f(0, 'in_data_type', 'i8'), f(1, 'out_data_type', 'i8')],
  DequantizeOptions: [],
  MaximumMinimumOptions: [],
  ArgMaxOptions: [f(0, 'output_type', 'i8')],
  SliceOptions: [],
  TransposeConvOptions: [f(0, 'padding', 'i8'), f(1, 'stride_w', 'i32'), f(2, 'stride_h', 'i32'), f(3, 'fused_activation_function', 'i8'), f(4, 'quantized_bias_type', 'i8')],
  ExpandDimsOptions: [],
  ShapeOptions: [f(0, 'out_type', 'i8')],
  PackOptions: [f(0, 'values_count', 'i32'), f(1, 'axis', 'i32')],
  UnpackOptions: [f(0, 'num', 'i32'), f(1, 'axis', 'i32')],
  FillOptions: [],
  UnidirectionalSequenceLSTMOptions: [f(0, 'fused_activation_function', 'i8'), f(1, 'cell_clip', 'f32'), f(2, 'proj_clip', 'f32'), f(3, 'time_major', 'bool'), f(4, 'asymmetric_quantize_inputs', 'bool'), f(5, 'diagonal_recurrent_tensors', 'bool')],
  ResizeNearestNeighborOptions: [f(0, 'align_corners', 'bool'), f(1, 'half_pixel_centers', 'bool')],
  LeakyReluOptions: [f(0, 'alpha', 'f32')],
  SquaredDifferenceOptions: [],
  SplitVOptions: [f(0, 'num_splits', 'i32')],
  QuantizeOptions: [],
  HardSwishOptions: [],
  BatchMatMulOptions: [f(0, 'adj_x', 'bool'), f(1, 'adj_y', 'bool'), f(2, 'asymmetric_quantize_inputs', 'bool')],
  CallOnceOptions: [f(0, 'init_subgraph_index', 'i32')],
  VarHandleOptions: [f(0, 'container', 'string'), f(1, 'shared_name', 'string')],
  ReadVariableOptions: [],
  AssignVariableOptions: [],
  SpaceToDepthOptions: [f(0, 'block_size', 'i32')],
  DepthToSpaceOptions: [f(0, 'block_size', 'i32')],
  SpaceToBatchNDOptions: [],
  BatchToSpaceNDOptions: [],
  BroadcastToOptions: [],
  ArgMinOptions: [f(0, 'output_type', 'i8')],
  CumsumOptions: [f(0, 'exclusive', 'bool'), f(1, 'reverse', 'bool')],
  AddNOptions: [],
  FloorDivOptions: [],
  FloorModOptions: [],
  GeluOptions: [f(0, 'approximate', 'bool')],
};

/** Decoded options: field name → value (absent fields take their default when read through `optionValue`). */
export type OptionRecord = Record<string, OptionValue>;

import type { Activation, Padding } from '../ir/graph.js';

const ACTIVATION_CODES: Record<Activation, number> = {
  none: ActivationCode.NONE,
  relu: ActivationCode.RELU,
  relu_n1_to_1: ActivationCode.RELU_N1_TO_1,
  relu6: ActivationCode.RELU6,
  tanh: ActivationCode.TANH,
};

export function activationCode(a: Activation): number {
  return ACTIVATION_CODES[a];
}

/** The IR name of a fused-activation code, or undefined for codes it has none for (SIGN_BIT). */
export function activationOfCode(code: number): Activation | undefined {
  return (Object.keys(ACTIVATION_CODES) as Activation[]).find((a) => ACTIVATION_CODES[a] === code);
}

export function paddingCode(p: Padding): number {
  return p === 'same' ? PaddingCode.SAME : PaddingCode.VALID;
}
