/**
 * STRIDED_SLICE (inputs [x, begin, end, strides], constants). The element walk is TFLM's
 * reference_ops::StridedSlice: every axis padded to five (StridedSlicePadIndices), start and
 * end per axis from strided_slice::StridedSliceStartForAxis / StridedSliceEndForAxis (negative
 * indices wrap once, then clamp to [0, size] going forward or [-1, size-1] going backward;
 * begin_mask / end_mask take the whole range; a shrunk axis keeps one element), then nested
 * loops `for (i = start; stride > 0 ? i < end : i > end; i += stride)` writing the output in
 * order. That walk is one strided copy (src/ops/strided-copy.ts), so int8, int16 (16x8 models),
 * int32, float32 and bool share the C kernel.
 *
 * ellipsis_mask, new_axis_mask and `offset` follow TFLite's kernel (lite/kernels/
 * strided_slice.cc BuildStridedSliceParams: the ellipsis expands to whole-range axes, a new
 * axis is a size-1 input axis sliced [0, 1), `offset` makes end relative to the start). TFLM's
 * BuildStridedSliceParams zeroes ellipsis_mask and new_axis_mask and drops `offset`, so models
 * using them fail TFLM's output-size check in Prepare; tinyml runs them as TFLite defines them.
 *
 * The output shape is the number of elements that walk visits per kept axis, which is what
 * TFLite's ResizeOutputTensor computes (ceil((end - start) / stride), at least 0); a shrunk axis
 * whose start falls outside the input (TFLM would then write nothing) is refused.
 */
import type { Graph, StridedSliceOp, Tensor } from '../ir/graph.js';
import { input, inShape, noMacs, noParams, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef } from './op-def.js';
import { emitCopyCall, movableOperands, rowMajorStrides, simplifyCopy, stridedCopyKernel, type StridedCopy } from './strided-copy.js';

/** TFLite's limit on the effective rank (input rank plus new axes). */
const MAX_RANK = 5;

export interface SliceAxis {
  start: number;
  end: number;
  stride: number;
  /** Elements the walk visits on this axis. */
  count: number;
  shrink: boolean;
}

export interface StridedSlicePlan {
  /** The input shape with new axes inserted (TFLite's effective_input_shape). */
  effectiveShape: number[];
  axes: SliceAxis[];
  outShape: number[];
  copy: StridedCopy;
}

const bit = (mask: number, i: number): boolean => i >= 0 && i < 31 && (mask & (1 << i)) !== 0;
const clamp = (v: number, lo: number, hi: number): number => (hi < v ? hi : v < lo ? lo : v);

/** Elements of `for (i = start; stride > 0 ? i < end : i > end; i += stride)`. */
function walkCount(start: number, end: number, stride: number): number {
  return stride > 0 ? (end > start ? Math.ceil((end - start) / stride) : 0) : start > end ? Math.ceil((start - end) / -stride) : 0;
}

/**
 * TFLite's BuildStridedSliceParams + StridedSliceStartForAxis/EndForAxis for `shape`; a string
 * says why the slice cannot be taken.
 */
export function planStridedSlice(shape: readonly number[], op: StridedSliceOp): StridedSlicePlan | string {
  const n = op.begin.length;
  if (op.end.length !== n || op.strides.length !== n) return `begin, end and strides have ${n}, ${op.end.length} and ${op.strides.length} entries`;
  if (op.strides.some((s) => s === 0)) return 'a stride is 0';
  const inDims = shape.length;
  let numAddAxis = 0;
  for (let i = 0; i < n; i++) if (!bit(op.ellipsisMask, i) && bit(op.newAxisMask, i)) numAddAxis++;
  const eff = inDims + numAddAxis;
  if (eff > MAX_RANK) return `${eff} dimensions with the new axes; TFLite slices at most ${MAX_RANK}`;
  let effEllipsis = 0;
  let effNewAxis = 0;
  let ellipsisStart = eff;
  let expanded = 0;
  for (let i = 0; i < eff; ) {
    if (bit(op.ellipsisMask, i)) {
      ellipsisStart = i;
      const stop = Math.max(i + 1, Math.min(i + 1 + numAddAxis + inDims - n, eff));
      expanded = stop - ellipsisStart - 1;
      for (; i < stop; i++) effEllipsis |= 1 << i;
      continue;
    }
    if (bit(op.newAxisMask, i - expanded)) effNewAxis |= 1 << i;
    i++;
  }
  const starts: number[] = [];
  const stops: number[] = [];
  const strides: number[] = [];
  const effectiveShape: number[] = [];
  let beginMask = 0;
  let endMask = 0;
  let shrinkMask = 0;
  let addedEllipsis = 0;
  let addedAxes = 0;
  for (let i = 0; i < eff; i++) {
    const dim = shape[i - addedAxes];
    if (bit(effEllipsis, i)) {
      addedEllipsis = Math.max(0, i - ellipsisStart);
      beginMask |= 1 << i;
      endMask |= 1 << i;
      starts.push(0);
      stops.push(0);
      strides.push(1);
      effectiveShape.push(dim ?? -1);
    } else if (bit(effNewAxis, i)) {
      starts.push(0);
      stops.push(1);
      strides.push(1);
      effectiveShape.push(1);
      addedAxes++;
    } else if (i >= n + expanded) {
      beginMask |= 1 << i;
      endMask |= 1 << i;
      starts.push(0);
      stops.push(0);
      strides.push(1);
      effectiveShape.push(dim ?? -1);
    } else {
      const k = i - addedEllipsis;
      starts.push(op.begin[k]!);
      stops.push(op.end[k]!);
      strides.push(op.strides[k]!);
      if (bit(op.beginMask, k)) beginMask |= 1 << i;
      if (bit(op.endMask, k)) endMask |= 1 << i;
      if (bit(op.shrinkAxisMask, k)) shrinkMask |= 1 << i;
      effectiveShape.push(dim ?? -1);
    }
  }
  if (effectiveShape.some((d) => d < 0)) return `the slice spec does not fit a rank-${inDims} input`;

  const axes: SliceAxis[] = effectiveShape.map((size, i) => {
    const stride = strides[i]!;
    // StridedSliceStartForAxis
    let start = starts[i]!;
    if (start < 0) start += size;
    start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
    if (bit(beginMask, i)) start = stride > 0 ? 0 : size - 1;
    // StridedSliceEndForAxis
    const shrink = bit(shrinkMask, i);
    let end: number;
    if (shrink) {
      end = start >= size ? start : start + 1;
    } else {
      end = stops[i]!;
      if (op.offset) end += start;
      if (end < 0) end += size;
      end = stride > 0 ? clamp(end, 0, size) : clamp(end, -1, size - 1);
      if (bit(endMask, i)) end = stride > 0 ? size : -1;
    }
    return { start, end, stride, count: walkCount(start, end, stride), shrink };
  });
  const bad = axes.findIndex((a) => a.shrink && a.count !== 1);
  if (bad >= 0) return `shrink_axis_mask keeps an index outside axis ${bad} (size ${effectiveShape[bad]})`;
  const outShape = axes.filter((a) => !a.shrink).map((a) => a.count);
  const inStrides = rowMajorStrides(effectiveShape);
  const empty = axes.some((a) => a.count === 0);
  const copy = simplifyCopy({
    dims: axes.map((a) => a.count),
    src: { offset: empty ? 0 : axes.reduce((o, a, i) => o + a.start * inStrides[i]!, 0), strides: axes.map((a, i) => a.stride * inStrides[i]!) },
    dst: { offset: 0, strides: rowMajorStrides(axes.map((a) => a.count)) },
  });
  return { effectiveShape, axes, outShape, copy };
}

function plan(g: Graph, op: StridedSliceOp): StridedSlicePlan {
  const p = planStridedSlice(input(g, op, 0).shape, op);
  if (typeof p === 'string') unsupported(op, p);
  return p;
}

/** Constant int32 operand k when present: it must hold the attribute's values. */
function operandMatches(g: Graph, op: StridedSliceOp, k: number, values: readonly number[]): boolean {
  const t: Tensor | undefined = op.inputs[k] !== undefined && op.inputs[k]! >= 0 ? g.tensors[op.inputs[k]!] : undefined;
  if (!t?.data) return true;
  return t.data.length === values.length && values.every((v, i) => t.data![i] === v);
}

export const stridedSlice: OpDef<StridedSliceOp, StridedSlicePlan> = {
  kind: 'StridedSlice',
  arity: { inputs: [1, 4] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const p = planStridedSlice(x, op);
    if (typeof p === 'string') shapeFail(op, `${p} (input ${shapeStr(x)})`);
    (['begin', 'end', 'strides'] as const).forEach((f, i) => {
      if (!operandMatches(g, op, i + 1, op[f])) shapeFail(op, `the ${f} operand differs from the op's ${f} [${op[f].join(',')}]`);
    });
    return [p.outShape];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  fold: 'constant-inputs',
  prepare(g, op) {
    movableOperands(g, op);
    for (let k = 1; k < op.inputs.length; k++) {
      const t = g.tensors[op.inputs[k]!];
      if (t && !t.data) unsupported(op, `input ${k} (${['begin', 'end', 'strides'][k - 1]}) is not a constant; TFLM slices with constant begin, end and strides only`);
    }
    return plan(g, op);
  },
  evalQuantized: (_g, op, p) => stridedCopyKernel([p.copy], [op.inputs[0]!], [op.outputs[0]!]),
  evalFloat: (g, op) => stridedCopyKernel([plan(g, op).copy], [op.inputs[0]!], [op.outputs[0]!]),
  emitC(ctx, op, p) {
    emitCopyCall(ctx, p.copy, ctx.g.tensors[op.outputs[0]!]!.dtype, ctx.ptr(op.inputs[0]!), ctx.ptr(op.outputs[0]!));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'STRIDED_SLICE',
    options: 'StridedSliceOptions',
    read(r) {
      for (let k = 1; k <= 3; k++) {
        if (!r.isConstant(k)) r.unsupported(`input ${k} (${['begin', 'end', 'strides'][k - 1]}) is not a constant; TFLM slices with constant begin, end and strides only`);
      }
      return {
        ...r.base,
        kind: 'StridedSlice',
        begin: r.constInts(1, 'begin'),
        end: r.constInts(2, 'end'),
        strides: r.constInts(3, 'strides'),
        beginMask: r.optNumber('begin_mask'),
        endMask: r.optNumber('end_mask'),
        ellipsisMask: r.optNumber('ellipsis_mask'),
        newAxisMask: r.optNumber('new_axis_mask'),
        shrinkAxisMask: r.optNumber('shrink_axis_mask'),
        offset: r.optBool('offset'),
      };
    },
    write(op, w) {
      const x = w.g.tensors[op.inputs[0]!]!;
      const inputs = [op.inputs[0]!];
      (['begin', 'end', 'strides'] as const).forEach((f, i) => {
        const have = op.inputs[i + 1];
        inputs.push(have !== undefined && have >= 0 ? have : w.addConstant({ name: `${op.name}/${f}`, shape: [op[f].length], dtype: 'int32', data: Int32Array.from(op[f]) }));
      });
      // op_version.cc: offset → 8, ellipsis/new axis → 6, rank > 4 → 4, bool → 3, int8 → 2.
      const version = op.offset ? 8 : op.ellipsisMask || op.newAxisMask ? 6 : x.shape.length > 4 ? 4 : x.dtype === 'bool' ? 3 : x.dtype === 'int8' ? 2 : 1;
      return {
        version,
        options: {
          begin_mask: op.beginMask,
          end_mask: op.endMask,
          ellipsis_mask: op.ellipsisMask,
          new_axis_mask: op.newAxisMask,
          shrink_axis_mask: op.shrinkAxisMask,
          offset: op.offset,
        },
        inputs,
      };
    },
  },
  tf(tf, g, op, get, n) {
    if (op.offset) throw new Error(`StridedSlice '${op.name}': tfjs has no offset slices`);
    // The batch axis carries n samples in tfjs: a plain first spec entry that spans the
    // graph's batch of 1 is widened to the whole batch.
    let { beginMask, endMask } = op;
    const first = !(op.ellipsisMask & 1) && !(op.newAxisMask & 1) && !(op.shrinkAxisMask & 1) && op.strides[0] === 1;
    if (n !== 1 && first && g.tensors[op.inputs[0]!]!.shape[0] === 1) {
      beginMask |= 1;
      endMask |= 1;
    }
    return tf.stridedSlice(get(op.inputs[0]!), op.begin, op.end, op.strides, beginMask, endMask, op.ellipsisMask, op.newAxisMask, op.shrinkAxisMask);
  },
};
