/**
 * The op registry: one definition per IR op kind. `OPS` is a mapped type over the IR's `Op`
 * union, so adding a kind to src/ir/graph.ts without its definition here is a compile error;
 * no stage has a default branch for an op it does not know.
 *
 * Adding an op (docs/adding-an-op.md): its attribute interface in src/ir/graph.ts and its kind in
 * the `Op` union; one file in src/ops/ exporting its OpDef; one line in `OPS` below; its C
 * kernel in firmware-templates/kernels/reference/ (declared in tinyml_kernels.h); its tests.
 */
import type { Graph, Op, OpKind } from '../ir/graph.js';
import { addN, cumsum } from './accumulate.js';
import { add, mul } from './add-mul.js';
import { argMax, argMin } from './arg-max.js';
import { batchMatMul } from './batch-matmul.js';
import { broadcastTo } from './broadcast-to.js';
import { cast } from './cast.js';
import { equal, greater, greaterEqual, less, lessEqual, logicalAnd, logicalNot, logicalOr, notEqual } from './comparisons.js';
import { concatenation } from './concatenation.js';
import { conv2d } from './conv2d.js';
import { depthwiseConv2d } from './depthwise-conv2d.js';
import { div } from './div.js';
import { abs, ceil, exp, floor, log, neg, relu0To1, reluN1To1, round, sqrt, square } from './elementwise-unary.js';
import { elu } from './elu.js';
import { embeddingLookup } from './embedding-lookup.js';
import { floorDiv, floorMod } from './floor-div-mod.js';
import { fullyConnected } from './fully-connected.js';
import { gather } from './gather.js';
import { gelu } from './gelu.js';
import { hardSwish } from './hard-swish.js';
import { l2Normalization } from './l2-normalization.js';
import { leakyRelu } from './leaky-relu.js';
import { logSoftmax } from './log-softmax.js';
import { logistic, tanh } from './logistic-tanh.js';
import { unidirectionalSequenceLstm } from './lstm.js';
import { maximum, minimum } from './maximum-minimum.js';
import { mean } from './mean.js';
import type { OpDef, OpOf } from './op-def.js';
import { pack, unpack } from './pack.js';
import { mirrorPad, pad, padV2 } from './pad.js';
import { averagePool2d, l2Pool2d, maxPool2d } from './pool2d.js';
import { prelu } from './prelu.js';
import { dequantize, quantize } from './quantize.js';
import { reduceMax, reduceMin, sum } from './reduce.js';
import { relu, relu6 } from './relu.js';
import { reshape } from './reshape.js';
import { resizeBilinear, resizeNearestNeighbor } from './resize.js';
import { assignVariable, callOnce, readVariable, varHandle } from './resource-variables.js';
import { rsqrt } from './rsqrt.js';
import { select, selectV2 } from './select.js';
import { batchToSpaceNd, spaceToBatchNd } from './space-batch.js';
import { depthToSpace, spaceToDepth } from './space-depth.js';
import { fill, shape } from './shape-fill.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { split, splitV } from './split.js';
import { squaredDifference } from './squared-difference.js';
import { expandDims, squeeze } from './squeeze-expand.js';
import { stridedSlice } from './strided-slice.js';
import { sub } from './sub.js';
import { svdf } from './svdf.js';
import { builtinCode } from './tflite-codes.js';
import { transposeConv } from './transpose-conv.js';
import { transpose } from './transpose.js';
import { unsupportedOp } from './unsupported.js';
import { zerosLike } from './zeros-like.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpTable = { readonly [K in OpKind]: OpDef<OpOf<K>, any> };

export const OPS: OpTable = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  FullyConnected: fullyConnected,
  AveragePool2D: averagePool2d,
  MaxPool2D: maxPool2d,
  L2Pool2D: l2Pool2d,
  Mean: mean,
  Sum: sum,
  ReduceMax: reduceMax,
  ReduceMin: reduceMin,
  ArgMax: argMax,
  ArgMin: argMin,
  TransposeConv: transposeConv,
  ResizeNearestNeighbor: resizeNearestNeighbor,
  ResizeBilinear: resizeBilinear,
  BatchMatMul: batchMatMul,
  Reshape: reshape,
  Pad: pad,
  Concatenation: concatenation,
  Add: add,
  Mul: mul,
  Softmax: softmax,
  Logistic: logistic,
  Tanh: tanh,
  Relu: relu,
  Relu6: relu6,
  Quantize: quantize,
  Dequantize: dequantize,
  Sub: sub,
  Div: div,
  LeakyRelu: leakyRelu,
  Maximum: maximum,
  Minimum: minimum,
  SquaredDifference: squaredDifference,
  Prelu: prelu,
  HardSwish: hardSwish,
  Rsqrt: rsqrt,
  LogSoftmax: logSoftmax,
  L2Normalization: l2Normalization,
  Transpose: transpose,
  StridedSlice: stridedSlice,
  Slice: slice,
  Split: split,
  SplitV: splitV,
  Pack: pack,
  Unpack: unpack,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Gather: gather,
  Cast: cast,
  Shape: shape,
  Fill: fill,
  UnidirectionalSequenceLSTM: unidirectionalSequenceLstm,
  SVDF: svdf,
  VarHandle: varHandle,
  ReadVariable: readVariable,
  AssignVariable: assignVariable,
  CallOnce: callOnce,
  Abs: abs,
  Neg: neg,
  Square: square,
  Sqrt: sqrt,
  Exp: exp,
  Log: log,
  Floor: floor,
  Ceil: ceil,
  Round: round,
  ReluN1To1: reluN1To1,
  Relu0To1: relu0To1,
  ZerosLike: zerosLike,
  Equal: equal,
  NotEqual: notEqual,
  Less: less,
  LessEqual: lessEqual,
  Greater: greater,
  GreaterEqual: greaterEqual,
  LogicalAnd: logicalAnd,
  LogicalOr: logicalOr,
  LogicalNot: logicalNot,
  SelectV2: selectV2,
  Select: select,
  SpaceToDepth: spaceToDepth,
  DepthToSpace: depthToSpace,
  SpaceToBatchND: spaceToBatchNd,
  BatchToSpaceND: batchToSpaceNd,
  BroadcastTo: broadcastTo,
  AddN: addN,
  Cumsum: cumsum,
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  EmbeddingLookup: embeddingLookup,
  Gelu: gelu,
  Elu: elu,
  PadV2: padV2,
  MirrorPad: mirrorPad,
  Unsupported: unsupportedOp,
};

/** Every op kind of the IR, in registry order. */
export const OP_KINDS = Object.keys(OPS) as OpKind[];

/** The definition of an op (typed for that op). */
export function opDef<O extends Op>(op: O): OpDef<O, unknown> {
  return OPS[op.kind as OpKind] as unknown as OpDef<O, unknown>;
}

const byBuiltin = new Map<number, OpDef>();
for (const kind of OP_KINDS) {
  if (kind === 'Unsupported') continue;
  const d = OPS[kind] as unknown as OpDef;
  const code = builtinCode(d.tflite.builtin);
  if (byBuiltin.has(code)) throw new Error(`two op definitions read TFLite ${d.tflite.builtin}`);
  byBuiltin.set(code, d);
}

/** The definition that reads a TFLite builtin operator code, if any. */
export function opDefForBuiltin(code: number): OpDef | undefined {
  return byBuiltin.get(code);
}

/** TFLite builtin names the registry reads, sorted (the "supported" list of import errors). */
export const SUPPORTED_TFLITE_OPS: readonly string[] = [...byBuiltin.values()].map((d) => d.tflite.builtin).sort();

/** Whether the reference interpreter runs `op` with its float kernel (else the quantized one). */
export function usesFloatKernel(g: Graph, op: Op): boolean {
  const d = opDef(op);
  if (d.usesFloatKernel) return d.usesFloatKernel(g, op);
  return g.tensors[op.outputs[0] ?? -1]?.dtype === 'float32';
}
