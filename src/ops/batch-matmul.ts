/**
 * BATCH_MATMUL: out[..., a, c] = Σ_k X[..., a, k] · Y[..., k, c], with X's last two dims swapped
 * first when adj_x and Y's when adj_y; inputs of rank 2 to 5 whose batch dims broadcast (NumPy
 * rules, aligned on the right). Either operand may be a constant or a run-time tensor.
 *
 * int8: TFLM batch_matmul.cc (EvalInt8 → reference_ops::BatchMatMul<int8_t, int32_t>).
 * TFLM transposes operands and swaps their roles to suit its GEMM layout; the integer per
 * output element is the same: Σ_k (x + x_offset) · (y + y_offset) in int32 (x_offset, y_offset
 * = minus the zero points), then MultiplyByQuantizedMultiplier with the multiplier of
 * GetQuantizedConvolutionMultipler (float32 product of the two operand scales, then double
 * division by the output scale), the output zero point, and a clamp to int8 (no fused
 * activation). Per-tensor operand scales only (TFLM's reference kernel reads one scale).
 * int16 (which TFLM also runs, with int64 accumulators) is refused here.
 * float: reference_ops::BatchMatMul, float32 products summed from 0 in k order.
 */
import type { BatchMatMulOp, Graph } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { mbqm } from '../numerics/requantize.js';
import { cInt32, cInt32Array, constantOperandParams, input, inShape, output, perTensorConvMultiplier, requireDtype, shapeFail, shapeStr, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { Kernel, OpDef } from './op-def.js';

export interface MatMulGeometry {
  /** Output batch count (the product of the broadcast batch dims). */
  batches: number;
  rows: number;
  cols: number;
  depth: number;
  /** Element offset of batch b's matrix in X and in Y. */
  xBase: Int32Array;
  yBase: Int32Array;
}

export interface BatchMatMulPrepared extends MatMulGeometry {
  xOffset: number;
  yOffset: number;
  outputOffset: number;
  multiplier: number;
  shift: number;
}

/** [batch dims, rows, depth, cols] of X·Y, or a shape error naming the op. */
function matmulDims(op: BatchMatMulOp, x: readonly number[], y: readonly number[]): { batch: number[]; rows: number; depth: number; cols: number } {
  for (const [s, role] of [[x, 'x'], [y, 'y']] as const) if (s.length < 2 || s.length > 5) shapeFail(op, `${role} ${shapeStr(s)} must have rank 2 to 5`);
  const rank = Math.max(x.length, y.length) - 2;
  const xb = [...new Array<number>(rank - (x.length - 2)).fill(1), ...x.slice(0, -2)];
  const yb = [...new Array<number>(rank - (y.length - 2)).fill(1), ...y.slice(0, -2)];
  const batch = xb.map((d, i) => {
    const e = yb[i]!;
    if (d !== e && d !== 1 && e !== 1) shapeFail(op, `batch dims of ${shapeStr(x)} and ${shapeStr(y)} do not broadcast`);
    return d === 1 ? e : d;
  });
  const [xr, xc] = x.slice(-2) as [number, number];
  const [yr, yc] = y.slice(-2) as [number, number];
  const [rows, depth] = op.adjX ? [xc, xr] : [xr, xc];
  const [yDepth, cols] = op.adjY ? [yc, yr] : [yr, yc];
  if (depth !== yDepth) shapeFail(op, `x ${shapeStr(x)}${op.adjX ? ' (adj_x)' : ''} has ${depth} columns but y ${shapeStr(y)}${op.adjY ? ' (adj_y)' : ''} has ${yDepth} rows`);
  return { batch, rows, depth, cols };
}

/** Where each output batch's matrices start in X and Y (size-1 batch dims repeat). */
function geometry(g: Graph, op: BatchMatMulOp): MatMulGeometry {
  const x = input(g, op, 0).shape;
  const y = input(g, op, 1).shape;
  const { batch, rows, depth, cols } = matmulDims(op, x, y);
  const baseOf = (s: readonly number[], matrix: number): Int32Array => {
    const dims = [...new Array<number>(batch.length - (s.length - 2)).fill(1), ...s.slice(0, -2)];
    const strides = new Array<number>(dims.length).fill(0);
    let acc = matrix;
    for (let d = dims.length - 1; d >= 0; d--) {
      strides[d] = dims[d] === 1 ? 0 : acc;
      acc *= dims[d]!;
    }
    const n = elementCount(batch);
    const out = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      let rest = b;
      let off = 0;
      for (let d = batch.length - 1; d >= 0; d--) {
        off += (rest % batch[d]!) * strides[d]!;
        rest = Math.floor(rest / batch[d]!);
      }
      out[b] = off;
    }
    return out;
  };
  return { batches: elementCount(batch), rows, cols, depth, xBase: baseOf(x, rows * depth), yBase: baseOf(y, depth * cols) };
}

/** The matrix product per output element; `finish` turns the accumulator into the stored value. */
function matmulKernel(op: BatchMatMulOp, p: MatMulGeometry, xOff: number, yOff: number, float: boolean, finish: (acc: number) => number): Kernel {
  const { batches, rows, cols, depth, xBase, yBase } = p;
  const { adjX, adjY } = op;
  const [xIdx, yIdx, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    const x = bufs[xIdx]!;
    const y = bufs[yIdx]!;
    const out = bufs[oIdx]!;
    let o = 0;
    for (let b = 0; b < batches; b++) {
      const xb = xBase[b]!;
      const yb = yBase[b]!;
      for (let a = 0; a < rows; a++) {
        for (let c = 0; c < cols; c++) {
          let acc = 0;
          for (let k = 0; k < depth; k++) {
            const xv = x[adjX ? xb + k * rows + a : xb + a * depth + k]! + xOff;
            const yv = y[adjY ? yb + c * depth + k : yb + k * cols + c]! + yOff;
            acc = float ? Math.fround(acc + Math.fround(xv * yv)) : (acc + xv * yv) | 0;
          }
          out[o++] = finish(acc);
        }
      }
    }
  };
}

export const batchMatMul: OpDef<BatchMatMulOp, BatchMatMulPrepared> = {
  kind: 'BatchMatMul',
  arity: { inputs: [2, 2] },
  inferShapes(g, op) {
    const { batch, rows, cols } = matmulDims(op, inShape(g, op, 0), inShape(g, op, 1));
    return [[...batch, rows, cols]];
  },
  params: constantOperandParams,
  macs(g, op) {
    const { batch, rows, depth, cols } = matmulDims(op, g.tensors[op.inputs[0]!]!.shape, g.tensors[op.inputs[1]!]!.shape);
    return elementCount(batch) * rows * depth * cols;
  },
  quant: { output: { kind: 'calibrated' } },
  prepare(g, op) {
    const x = input(g, op, 0);
    const y = input(g, op, 1);
    const o = output(g, op);
    requireDtype(x, ['int8'], op, 'x');
    requireDtype(y, ['int8'], op, 'y');
    requireDtype(o, ['int8'], op, 'output');
    for (const t of [x, y, o]) if ((t.quant?.scale.length ?? 1) > 1) unsupported(op, `'${t.name}' is quantized per channel; TFLM's int8 BATCH_MATMUL takes one scale per operand`);
    const m = perTensorConvMultiplier(x, y, o, op);
    return { ...geometry(g, op), xOffset: -zeroPointOf(x), yOffset: -zeroPointOf(y), outputOffset: zeroPointOf(o), multiplier: m.multiplier, shift: m.shift };
  },
  evalQuantized(_g, op, p) {
    const { multiplier, shift, outputOffset } = p;
    return matmulKernel(op, p, p.xOffset, p.yOffset, false, (acc) => {
      const v = mbqm(acc, multiplier, shift) + outputOffset;
      return v < -128 ? -128 : v > 127 ? 127 : v;
    });
  },
  evalFloat: (g, op) => matmulKernel(op, geometry(g, op), 0, 0, true, (acc) => acc),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    ctx.decl(cInt32Array(`${L}_xb`, p.xBase), cInt32Array(`${L}_yb`, p.yBase));
    ctx.call(
      `tinyml_batch_matmul_s8(${p.xOffset}, ${p.yOffset}, ${p.outputOffset}, ${cInt32(p.multiplier)}, ${p.shift}, ${p.batches}, ${p.rows}, ${p.cols}, ${p.depth}, ${op.adjX ? 1 : 0}, ${op.adjY ? 1 : 0}, ${L}_xb, ${L}_yb, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.inputs[1]!)}, ${ctx.ptr(op.outputs[0]!)});`,
    );
    return ['batch_matmul_s8'];
  },
  tflite: {
    builtin: 'BATCH_MATMUL',
    options: 'BatchMatMulOptions',
    read: (r) => ({ ...r.base, kind: 'BatchMatMul', adjX: r.optBool('adj_x'), adjY: r.optBool('adj_y') }),
    // TFLite op_version.cc: int16 → 3, int8 → 2, float → 1.
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: { adj_x: op.adjX, adj_y: op.adjY } }),
  },
  tf: (tf, _g, op, get) => tf.matMul(get(op.inputs[0]!), get(op.inputs[1]!), op.adjX, op.adjY),
};
