/**
 * Shape arithmetic shared by the ops' shape inference, with TFLite's padding rules.
 *
 * Padding (tensorflow/lite/kernels/padding.h):
 *   effective filter  ek  = (k - 1) * dilation + 1
 *   VALID             out = floor((in - ek) / stride) + 1      (= ceil((in - ek + 1) / stride))
 *   SAME              out = ceil(in / stride)
 *   padding before    max(0, floor(((out - 1) * stride + ek - in) / 2)); the odd pixel goes after.
 *
 * Each op's own shape inference lives in its definition (src/ops/); it throws ShapeError (a
 * TinymlError) describing the op when input shapes do not fit it.
 */
import { TinymlError } from '../errors.js';
import { elementCount, type Padding } from './graph.js';

export class ShapeError extends TinymlError {
  constructor(message: string) {
    super('input', message);
    this.name = 'ShapeError';
  }
}

export function effectiveFilterSize(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}

export function convOutputSize(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  const ek = effectiveFilterSize(k, dilation);
  if (padding === 'same') return Math.floor((inSize + stride - 1) / stride);
  return Math.floor((inSize - ek) / stride) + 1;
}

/** Padding before the first element along one axis (TFLite ComputePaddingHeightWidth). */
export function paddingBefore(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  if (padding === 'valid') return 0;
  const out = convOutputSize(inSize, k, stride, dilation, padding);
  const total = (out - 1) * stride + effectiveFilterSize(k, dilation) - inSize;
  return Math.max(0, Math.floor(total / 2));
}

/** NumPy-style broadcast of two shapes (TFLite's Add/Mul broadcasting). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Resolves one -1 in a reshape target against the element count of the input. */
export function resolveReshape(newShape: readonly number[], inputCount: number): number[] | undefined {
  const unknown = newShape.filter((d) => d === -1).length;
  if (unknown > 1 || newShape.some((d) => d < -1)) return undefined;
  const known = elementCount(newShape.filter((d) => d !== -1));
  if (unknown === 0) return known === inputCount ? [...newShape] : undefined;
  if (known === 0 || inputCount % known !== 0) return undefined;
  return newShape.map((d) => (d === -1 ? inputCount / known : d));
}
