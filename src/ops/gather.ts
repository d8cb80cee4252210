/**
 * GATHER (inputs [params, indices]): TFLM gather.cc Gather — for every batch (the first
 * `batchDims` axes, shared by params and indices), outer index (params axes before `axis`) and
 * coordinate (the remaining indices axes), the run of inner elements (params axes after `axis`)
 * at the index along `axis` is copied to the output in order. Output shape: params[:axis] +
 * indices[batchDims:] + params[axis+1:]. `axis` and `batchDims` may be negative in the file
 * (+ rank of params / of indices); the IR keeps them non-negative.
 *
 * Params: TFLM gathers float32 and int8; TFLite also int16, int32, int64 and bool, which the
 * generic kernel moves the same way. Indices: constant (any integer dtype, emitted as an int32
 * table) or an int32 tensor computed at run time (TFLM takes int32 positions only).
 *
 * Out-of-range indices: TFLM returns kTfLiteError. A constant index outside the axis is
 * refused by `prepare`. A run-time one makes the reference interpreter throw (naming the op,
 * the position and the value) and the C kernel return -1 with the output zeroed before anything
 * is read, which `tinyml_invoke()` returns as -3 (see gather.c): no read out of bounds, no
 * clamping that would hide the fault.
 */
import { TinymlError } from '../errors.js';
import type { GatherOp, Graph } from '../ir/graph.js';
import { cInt32Array, input, inShape, noMacs, noParams, output, requireDtype, shapeFail, shapeStr, unsupported, where } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { MOVABLE_DTYPES } from './strided-copy.js';
import { bytesPerElement, elementCount } from '../ir/graph.js';

export interface GatherPrepared {
  batch: number;
  outer: number;
  axisSize: number;
  inner: number;
  coords: number;
  /** The indices when they are constant (checked in range). */
  constIndices?: Int32Array;
}

/** Output shape of a gather, or why the operands do not fit. */
export function gatherShape(params: readonly number[], indices: readonly number[], axis: number, batchDims: number): number[] | string {
  if (!Number.isInteger(axis) || axis < 0 || axis >= params.length) return `axis ${axis} is out of range for params ${shapeStr(params)}`;
  if (!Number.isInteger(batchDims) || batchDims < 0 || batchDims > axis || batchDims > indices.length) return `batch_dims ${batchDims} must be within 0..min(axis ${axis}, indices rank ${indices.length})`;
  for (let i = 0; i < batchDims; i++) if (params[i] !== indices[i]) return `batch dimension ${i} differs: params ${shapeStr(params)}, indices ${shapeStr(indices)}`;
  return [...params.slice(0, axis), ...indices.slice(batchDims), ...params.slice(axis + 1)];
}

function sizes(params: readonly number[], indices: readonly number[], op: GatherOp): Omit<GatherPrepared, 'constIndices'> {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return {
    batch: prod(params.slice(0, op.batchDims)),
    outer: prod(params.slice(op.batchDims, op.axis)),
    axisSize: params[op.axis]!,
    inner: prod(params.slice(op.axis + 1)),
    coords: prod(indices.slice(op.batchDims)),
  };
}

function plan(g: Graph, op: GatherOp): GatherPrepared {
  const p = input(g, op, 0);
  const idx = input(g, op, 1);
  const s = gatherShape(p.shape, idx.shape, op.axis, op.batchDims);
  if (typeof s === 'string') unsupported(op, s);
  const base = sizes(p.shape, idx.shape, op);
  if (!idx.data) return base;
  const constIndices = Int32Array.from(idx.data);
  const bad = constIndices.findIndex((v) => v < 0 || v >= base.axisSize);
  if (bad >= 0) unsupported(op, `constant index ${constIndices[bad]} (position ${bad}) is outside axis ${op.axis} of size ${base.axisSize}; TFLM returns an error for it`);
  return { ...base, constIndices };
}

function gatherKernel(op: GatherOp, p: GatherPrepared): Kernel {
  const [pIdx, iIdx] = [op.inputs[0]!, op.inputs[1]!];
  const oIdx = op.outputs[0]!;
  const { batch, outer, axisSize, inner, coords } = p;
  return (bufs) => {
    const src = bufs[pIdx]!;
    const dst = bufs[oIdx]!;
    const ids = p.constIndices ?? bufs[iIdx]!;
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outer; o++) {
        const slab = b * outer + o;
        for (let c = 0; c < coords; c++) {
          const v = ids[b * coords + c]!;
          if (v < 0 || v >= axisSize) {
            throw new TinymlError(
              'input',
              `${where(op)}: index ${v} at position ${b * coords + c} is outside axis ${op.axis} of size ${axisSize}`,
              'TFLM returns kTfLiteError here; the generated code zeroes the output and tinyml_invoke() returns -3.',
            );
          }
          const from = (slab * axisSize + v) * inner;
          const to = (slab * coords + c) * inner;
          for (let k = 0; k < inner; k++) dst[to + k] = src[from + k]!;
        }
      }
    }
  };
}

export const gather: OpDef<GatherOp, GatherPrepared> = {
  kind: 'Gather',
  arity: { inputs: [2, 2] },
  inferShapes(g, op) {
    const s = gatherShape(inShape(g, op, 0), inShape(g, op, 1), op.axis, op.batchDims);
    if (typeof s === 'string') shapeFail(op, s);
    return [s];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  fold: 'constant-inputs',
  prepare(g, op) {
    const p = input(g, op, 0);
    const idx = input(g, op, 1);
    requireDtype(p, MOVABLE_DTYPES, op, 'params');
    if (output(g, op).dtype !== p.dtype) unsupported(op, `params are ${p.dtype} but the output is ${output(g, op).dtype}`);
    if (!idx.data) requireDtype(idx, ['int32'], op, 'indices (computed at run time)');
    else requireDtype(idx, ['int32', 'int64', 'int16', 'int8'], op, 'indices');
    return plan(g, op);
  },
  evalQuantized: (_g, op, p) => gatherKernel(op, p),
  evalFloat: (g, op) => gatherKernel(op, plan(g, op)),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const y = ctx.g.tensors[op.outputs[0]!]!;
    if (elementCount(y.shape) === 0) {
      ctx.call('/* empty: nothing to gather */');
      return [];
    }
    let coords: string;
    if (p.constIndices) {
      ctx.decl(cInt32Array(`${L}_indices`, p.constIndices));
      coords = `${L}_indices`;
    } else {
      coords = ctx.ptr(op.inputs[1]!);
    }
    ctx.call(
      `if (tinyml_gather(${bytesPerElement(y.dtype)}, ${p.batch}, ${p.outer}, ${p.axisSize}, ${p.inner}, ${p.coords}, (const void *)${ctx.ptr(op.inputs[0]!)}, ${coords}, (void *)${ctx.ptr(op.outputs[0]!)}) != 0) return -3; /* an index is out of range */`,
    );
    return ['gather'];
  },
  tflite: {
    builtin: 'GATHER',
    options: 'GatherOptions',
    read(r) {
      const params = r.tensors[r.base.inputs[0] ?? -1];
      const indices = r.tensors[r.base.inputs[1] ?? -1];
      if (!params || !indices) r.bad('needs params and indices');
      const a = r.optNumber('axis');
      const b = r.optNumber('batch_dims');
      return { ...r.base, kind: 'Gather', axis: a < 0 ? a + params.shape.length : a, batchDims: b < 0 ? b + indices.shape.length : b };
    },
    write(op, w) {
      const p = w.g.tensors[op.inputs[0]!]!;
      const idx = w.g.tensors[op.inputs[1]!]!;
      // op_version.cc: int16 indices → 6, batch_dims → 5, int16 params → 4, bool → 3, int8 → 2.
      const version = idx.dtype === 'int16' ? 6 : op.batchDims !== 0 ? 5 : p.dtype === 'int16' ? 4 : p.dtype === 'bool' ? 3 : p.dtype === 'int8' ? 2 : 1;
      return { version, options: { axis: op.axis, batch_dims: op.batchDims } };
    },
  },
  tf: (tf, _g, op, get) => tf.gather(get(op.inputs[0]!), tf.cast(get(op.inputs[1]!), 'int32'), op.axis, op.batchDims),
};
