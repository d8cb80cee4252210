/**
 * Strided copies: what every pure data-movement op of the registry (Transpose, StridedSlice,
 * Slice, Split, SplitV, Pack, Unpack, Gather with constant indices excepted) reduces to.
 *
 * A copy walks an iteration space `dims` in row-major order; element (i0, …, ik) is read at
 * `src.offset + Σ i_d · src.strides[d]` and written at `dst.offset + Σ i_d · dst.strides[d]`
 * (offsets and strides in elements, strides may be negative). TFLM's kernels
 * (reference_ops::Transpose, StridedSlice, Slice, Split, Pack, Unpack) each walk their own
 * loops, but they only move elements, so any order that writes the same element to the same
 * place gives the same bytes; the tests check each op against values written by hand from
 * TFLM's index arithmetic.
 *
 * `simplifyCopy` drops size-1 dimensions and merges neighbours that are contiguous in both the
 * source and the destination (a channel split becomes one run per row, a slice of whole rows
 * one run), so the TypeScript and C loops do as little index arithmetic as possible. The C
 * kernel (firmware-templates/kernels/reference/strided_copy.c) is generic over the element
 * size: int8, int16, int32, float32 and bool tensors share it.
 */
import { bytesPerElement, type DType, type Graph, type Op, type Tensor, type TensorData } from '../ir/graph.js';
import type { EmitContext, Kernel } from './op-def.js';
import { cInt32Array, input, noMacs, noParams, output, requireDtype, unsupported } from './common.js';

/** Largest rank the C kernel walks (TINYML_MAX_DIMS in tinyml_kernels.h). */
export const MAX_COPY_DIMS = 8;

export interface StridedView {
  offset: number;
  strides: number[];
}

export interface StridedCopy {
  dims: number[];
  src: StridedView;
  dst: StridedView;
}

/** Row-major strides (in elements) of a shape. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/** Number of elements a copy moves. */
export function copyCount(c: StridedCopy): number {
  return c.dims.reduce((a, b) => a * b, 1);
}

/** The same copy with size-1 dimensions dropped and contiguous neighbours merged. */
export function simplifyCopy(c: StridedCopy): StridedCopy {
  if (c.dims.some((d) => d === 0)) return { dims: [0], src: { offset: c.src.offset, strides: [0] }, dst: { offset: c.dst.offset, strides: [0] } };
  const dims: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  c.dims.forEach((n, d) => {
    if (n === 1) return;
    const k = dims.length - 1;
    // Dimension d-1 (already kept) steps exactly over all of d in both views: one dimension.
    if (k >= 0 && ss[k] === c.src.strides[d]! * n && ds[k] === c.dst.strides[d]! * n) {
      dims[k] = dims[k]! * n;
      ss[k] = c.src.strides[d]!;
      ds[k] = c.dst.strides[d]!;
      return;
    }
    dims.push(n);
    ss.push(c.src.strides[d]!);
    ds.push(c.dst.strides[d]!);
  });
  return { dims, src: { offset: c.src.offset, strides: ss }, dst: { offset: c.dst.offset, strides: ds } };
}

/** Runs one copy between two typed arrays of the same dtype. */
export function runCopy(c: StridedCopy, src: TensorData, dst: TensorData): void {
  const rank = c.dims.length;
  if (rank === 0) {
    dst[c.dst.offset] = src[c.src.offset]!;
    return;
  }
  if (c.dims.some((d) => d === 0)) return;
  const inner = c.dims[rank - 1]!;
  const si = c.src.strides[rank - 1]!;
  const di = c.dst.strides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let so = c.src.offset;
  let dof = c.dst.offset;
  for (;;) {
    for (let i = 0, s = so, t = dof; i < inner; i++, s += si, t += di) dst[t] = src[s]!;
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      so += c.src.strides[d]!;
      dof += c.dst.strides[d]!;
      if (idx[d]! < c.dims[d]!) break;
      so -= c.src.strides[d]! * c.dims[d]!;
      dof -= c.dst.strides[d]! * c.dims[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** A kernel running `copies[k]` from tensor `from[k]` into tensor `to[k]`. */
export function stridedCopyKernel(copies: readonly StridedCopy[], from: readonly number[], to: readonly number[]): Kernel {
  return (bufs) => {
    copies.forEach((c, k) => runCopy(c, bufs[from[k]!]!, bufs[to[k]!]!));
  };
}

/**
 * Writes the C of one copy: its dims and strides as const tables and the kernel call. `tag`
 * keeps the tables of several copies of one layer apart. A copy of no element emits nothing.
 */
export function emitCopyCall(ctx: EmitContext, c: StridedCopy, dtype: DType, src: string, dst: string, tag = ''): void {
  if (copyCount(c) === 0) {
    ctx.call('/* empty: nothing to copy */');
    return;
  }
  const L = `${ctx.prefix}${tag}`;
  const rank = c.dims.length;
  ctx.decl(cInt32Array(`${L}_dims`, c.dims), cInt32Array(`${L}_src_strides`, c.src.strides), cInt32Array(`${L}_dst_strides`, c.dst.strides));
  ctx.call(`tinyml_strided_copy(${bytesPerElement(dtype)}, ${rank}, ${L}_dims, (const void *)${src}, ${c.src.offset}, ${L}_src_strides, (void *)${dst}, ${c.dst.offset}, ${L}_dst_strides);`);
}

/**
 * evalQuantized, evalFloat and emitC of an op that is one strided copy of its input 0 into its
 * output 0: `plan` gives the copy (the prepared value, and the float path's plan).
 */
export function oneCopyKernels<O extends Op>(plan: (g: Graph, op: O) => StridedCopy) {
  return {
    evalQuantized: (_g: Graph, op: O, p: StridedCopy): Kernel => stridedCopyKernel([p], [op.inputs[0]!], [op.outputs[0]!]),
    evalFloat: (g: Graph, op: O): Kernel => stridedCopyKernel([plan(g, op)], [op.inputs[0]!], [op.outputs[0]!]),
    emitC(ctx: EmitContext, op: O, p: StridedCopy): string[] {
      emitCopyCall(ctx, p, ctx.g.tensors[op.outputs[0]!]!.dtype, ctx.ptr(op.inputs[0]!), ctx.ptr(op.outputs[0]!));
      return ['strided_copy'];
    },
  };
}

/** Dtypes the data-movement kernels move (any element size the C kernel knows). */
export const MOVABLE_DTYPES: readonly DType[] = ['int8', 'int16', 'int32', 'float32', 'bool', 'int64'];

/** Input 0 of a data-movement op, of a dtype the copy kernels move, and its output, of the same dtype. */
export function movableOperands(g: Graph, op: Op): { x: Tensor; y: Tensor } {
  const x = input(g, op, 0);
  const y = output(g, op);
  requireDtype(x, MOVABLE_DTYPES, op, 'input');
  if (y.dtype !== x.dtype) unsupported(op, `input is ${x.dtype} but output is ${y.dtype}`);
  return { x, y };
}

/**
 * The definition of an op that is one strided copy of its input 0, but for its shapes and file
 * format: no params or MACs, the output quantized as input 0, folded when its inputs are
 * constants, the copy kernels, and a `prepare` that takes movable operands
 * (`movableOperands`), runs `check`, refuses any other operand k that is not a constant with
 * `notConstant(k)`, and returns `plan`.
 */
export function oneCopyOp<O extends Op>(
  plan: (g: Graph, op: O) => StridedCopy,
  c: { check?: (g: Graph, op: O, x: Tensor, y: Tensor) => void; notConstant?: (k: number) => string } = {},
) {
  return {
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'shared' as const, inputs: [0] } },
    fold: 'constant-inputs' as const,
    prepare(g: Graph, op: O): StridedCopy {
      const { x, y } = movableOperands(g, op);
      c.check?.(g, op, x, y);
      for (let k = 1; k < op.inputs.length; k++) {
        const t = g.tensors[op.inputs[k]!];
        if (t && !t.data) unsupported(op, c.notConstant?.(k) ?? `input ${k} is not a constant`);
      }
      return plan(g, op);
    },
    ...oneCopyKernels(plan),
  };
}
