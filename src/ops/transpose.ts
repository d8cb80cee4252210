/**
 * TRANSPOSE: output dimension i is input dimension perm[i] (TFLM transpose.cc TransposeEval →
 * reference_ops::Transpose, with TransposePrepare's checks: a constant 1-D perm holding a
 * permutation of the input's dimensions). It only moves elements, so every dtype shares one
 * strided copy and int8/int16 outputs keep the input's quantization (the quantizer shares it).
 *
 * Ranks: TFLM's Prepare stops at 5 dimensions, TFLite's kernel (and its op version 6) at 6; a
 * copy has no numerics to disagree on, so rank 6 is accepted (ONNX's PixelShuffle lowers to a
 * rank-6 transpose). Dtypes: TFLM moves float32, int8 and int16; TFLite also int32, int64 and
 * bool, which the generic kernel moves the same way.
 */
import type { Graph, TransposeOp } from '../ir/graph.js';
import { input, inShape, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { oneCopyOp, rowMajorStrides, simplifyCopy, type StridedCopy } from './strided-copy.js';

/** Largest rank TFLite's TRANSPOSE takes (kTransposeMaxDimensions). */
const MAX_RANK = 6;

/** The copy of a transpose of `shape` by `perm`: output row-major, input read through perm. */
export function transposeCopy(shape: readonly number[], perm: readonly number[]): StridedCopy {
  const inStrides = rowMajorStrides(shape);
  const outShape = perm.map((p) => shape[p]!);
  return simplifyCopy({ dims: outShape, src: { offset: 0, strides: perm.map((p) => inStrides[p]!) }, dst: { offset: 0, strides: rowMajorStrides(outShape) } });
}

function checkPerm(op: TransposeOp, rank: number, fail: (what: string) => never): void {
  const seen = new Set(op.perm);
  if (op.perm.length !== rank || seen.size !== rank || op.perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    fail(`perm [${op.perm.join(',')}] is not a permutation of the ${rank} input dimensions`);
  }
}

function plan(g: Graph, op: TransposeOp): StridedCopy {
  const x = input(g, op, 0);
  checkPerm(op, x.shape.length, (w) => unsupported(op, w));
  return transposeCopy(x.shape, op.perm);
}

export const transpose: OpDef<TransposeOp, StridedCopy> = {
  kind: 'Transpose',
  arity: { inputs: [1, 2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    checkPerm(op, x.length, (w) => shapeFail(op, `${w} (input ${shapeStr(x)})`));
    const permT = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? g.tensors[op.inputs[1]] : undefined;
    if (permT?.data && (permT.data.length !== op.perm.length || op.perm.some((p, i) => permT.data![i] !== p))) {
      shapeFail(op, `the perm operand [${Array.from(permT.data).join(',')}] differs from the op's perm [${op.perm.join(',')}]`);
    }
    return [op.perm.map((p) => x[p]!)];
  },
  ...oneCopyOp(plan, {
    check: (_g, op, x) => {
      if (x.shape.length > MAX_RANK) unsupported(op, `rank ${x.shape.length}; TFLite transposes at most ${MAX_RANK} dimensions`);
    },
    notConstant: () => 'the perm operand is not a constant (TFLM: "Non-constant >perm< tensor is not supported")',
  }),
  tflite: {
    builtin: 'TRANSPOSE',
    options: 'TransposeOptions',
    read(r) {
      const perm = r.constInts(1, 'perm');
      return { ...r.base, kind: 'Transpose', perm };
    },
    write(op, w) {
      const x = w.g.tensors[op.inputs[0]!]!;
      const inputs = op.inputs.length >= 2 ? op.inputs : [op.inputs[0]!, w.addConstant({ name: `${op.name}/perm`, shape: [op.perm.length], dtype: 'int32', data: Int32Array.from(op.perm) })];
      // op_version.cc: rank > 5 → 6, int16 → 5, rank 5 → 4, bool → 3, int8 → 2.
      const rank = x.shape.length;
      const version = rank > 5 ? 6 : x.dtype === 'int16' ? 5 : rank > 4 ? 4 : x.dtype === 'bool' ? 3 : x.dtype === 'int8' ? 2 : 1;
      return { version, options: {}, inputs };
    },
  },
  tf: (tf, _g, op, get) => tf.transpose(get(op.inputs[0]!), op.perm),
};
