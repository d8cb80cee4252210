/**
 * SLICE (inputs [x, begin, size], constant int32 or int64): output element i reads input
 * element begin + i on every axis; size -1 takes the rest of the axis. TFLM slice.cc SliceEval →
 * reference_ops::Slice, with GetValidatedBeginAndSizeVectors's checks: 0 <= begin <= dim and
 * 0 <= size <= dim - begin (TFLM returns an error at run time otherwise; here `prepare` and
 * shape inference refuse the slice). A strided copy with unit strides; TFLM moves float32,
 * int8, int16, int32 and bool, and so does the generic kernel (int64 too).
 */
import type { Graph, SliceOp } from '../ir/graph.js';
import { input, inShape, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { oneCopyOp, rowMajorStrides, simplifyCopy, type StridedCopy } from './strided-copy.js';

/** TFLM's kMaxDim for SLICE. */
const MAX_RANK = 5;

/** Resolved sizes of a slice of `shape`, or why it is invalid. */
export function sliceSizes(shape: readonly number[], begin: readonly number[], size: readonly number[]): number[] | string {
  if (begin.length !== shape.length || size.length !== shape.length) return `begin has ${begin.length} and size ${size.length} entries for a rank-${shape.length} input`;
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const b = begin[d]!;
    const dim = shape[d]!;
    if (b < 0 || b > dim) return `begin ${b} is outside axis ${d} of size ${dim}`;
    const s = size[d] === -1 ? dim - b : size[d]!;
    if (s < 0 || s > dim - b) return `size ${size[d]} on axis ${d} runs past its end (begin ${b}, size ${dim})`;
    out.push(s);
  }
  return out;
}

/** The copy of a slice (unit strides from `begin`). */
export function sliceCopy(shape: readonly number[], begin: readonly number[], sizes: readonly number[]): StridedCopy {
  const inStrides = rowMajorStrides(shape);
  return simplifyCopy({
    dims: [...sizes],
    src: { offset: begin.reduce((o, b, d) => o + b * inStrides[d]!, 0), strides: inStrides },
    dst: { offset: 0, strides: rowMajorStrides(sizes) },
  });
}

function plan(g: Graph, op: SliceOp): StridedCopy {
  const x = input(g, op, 0);
  const sizes = sliceSizes(x.shape, op.begin, op.size);
  if (typeof sizes === 'string') unsupported(op, sizes);
  return sliceCopy(x.shape, op.begin, sizes);
}

export const slice: OpDef<SliceOp, StridedCopy> = {
  kind: 'Slice',
  arity: { inputs: [1, 3] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const sizes = sliceSizes(x, op.begin, op.size);
    if (typeof sizes === 'string') shapeFail(op, `${sizes} (input ${shapeStr(x)})`);
    return [sizes];
  },
  ...oneCopyOp(plan, {
    check: (_g, op, x) => {
      if (x.shape.length > MAX_RANK) unsupported(op, `rank ${x.shape.length}; TFLM slices at most ${MAX_RANK} dimensions`);
    },
    notConstant: (k) => `input ${k} (${k === 1 ? 'begin' : 'size'}) is not a constant; the generated code slices with constant begin and size`,
  }),
  tflite: {
    builtin: 'SLICE',
    options: 'SliceOptions',
    read(r) {
      if (!r.isConstant(1) || !r.isConstant(2)) r.unsupported('begin and size are computed at run time; the generated code slices with constant begin and size');
      return { ...r.base, kind: 'Slice', begin: r.constInts(1, 'begin'), size: r.constInts(2, 'size') };
    },
    write(op, w) {
      const x = w.g.tensors[op.inputs[0]!]!;
      const inputs = [op.inputs[0]!];
      (['begin', 'size'] as const).forEach((f, i) => {
        const have = op.inputs[i + 1];
        inputs.push(have !== undefined && have >= 0 ? have : w.addConstant({ name: `${op.name}/${f}`, shape: [op[f].length], dtype: 'int32', data: Int32Array.from(op[f]) }));
      });
      // op_version.cc: rank > 4 → 5, int16 → 4, int8 → 2.
      const version = x.shape.length > 4 ? 5 : x.dtype === 'int16' ? 4 : x.dtype === 'int8' ? 2 : 1;
      return { version, options: {}, inputs };
    },
  },
  tf(tf, g, op, get, n) {
    const size = [...op.size];
    // The batch axis carries n samples in tfjs: a slice spanning the graph's batch of 1 spans all.
    if (n !== 1 && op.begin[0] === 0 && g.tensors[op.inputs[0]!]!.shape[0] === 1) size[0] = -1;
    return tf.slice(get(op.inputs[0]!), op.begin, size);
  },
};
