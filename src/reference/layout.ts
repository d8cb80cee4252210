/**
 * Shape helpers shared by the int8 and float kernels: NumPy-style broadcasting (as TFLite's
 * BroadcastAdd/Mul "4DSlow" kernels do, generalised to any rank), axis normalisation and the
 * kernel function type.
 */
import { TinymlError } from '../errors.js';
import type { Op, TensorData } from '../ir/graph.js';

/** A prepared kernel: reads and writes tensors by index in `bufs`. */
export type Kernel = (bufs: TensorData[]) => void;

/**
 * For every element of `outShape`, the flat index of the element of `inShape` it reads when
 * `inShape` is broadcast to `outShape` (shapes aligned on the right, size-1 dims repeat).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[], op: Op): Int32Array {
  const rank = outShape.length;
  if (inShape.length > rank) {
    throw new TinymlError('input', `${op.kind} '${op.name}': input shape [${inShape}] does not broadcast to output [${outShape}]`);
  }
  const inDims = new Array<number>(rank).fill(1);
  for (let i = 0; i < inShape.length; i++) inDims[rank - inShape.length + i] = inShape[i]!;
  const inStrides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const dim = inDims[d]!;
    if (dim !== outShape[d] && dim !== 1) {
      throw new TinymlError('input', `${op.kind} '${op.name}': input shape [${inShape}] does not broadcast to output [${outShape}]`);
    }
    inStrides[d] = dim === 1 ? 0 : stride;
    stride *= dim;
  }
  let total = 1;
  for (const d of outShape) total *= d;
  const map = new Int32Array(total);
  const counter = new Array<number>(rank).fill(0);
  let idx = 0;
  for (let i = 0; i < total; i++) {
    map[i] = idx;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      idx += inStrides[d]!;
      if (counter[d]! < outShape[d]!) break;
      idx -= inStrides[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return map;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A possibly negative axis as a non-negative one, checked against the rank. */
export function normAxis(axis: number, rank: number, op: Op): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new TinymlError('input', `${op.kind} '${op.name}': axis ${axis} is out of range for rank ${rank}`);
  return a;
}
