/**
 * RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR of NHWC images: inputs [x, size (constant int32
 * [newH, newW])], options align_corners and half_pixel_centers. Neither requantizes: the output
 * shares the input's parameters (raw values are copied or interpolated).
 *
 * Nearest, TFLM resize_nearest_neighbor.cc (float32, int8, int16) with
 * reference_ops::ResizeNearestNeighbor / GetNearestNeighbor, in float32 as TFLM computes it:
 * scale = (align_corners && out > 1) ? (in - 1) / float(out - 1) : in / float(out); source =
 * align_corners ? round((i + offset) · scale) : floor((i + offset) · scale) with offset 0.5 for
 * half_pixel_centers, then min(source, in - 1) and, with half_pixel_centers, max(0, source).
 * The source row and column of every output row and column are computed once here (prepare)
 * and the C kernel is a gather over those tables, generic over the element size.
 *
 * Bilinear, TFLM resize_bilinear.cc (float32, int8; both options at once are refused as TFLM's
 * Prepare does):
 *  - int8: reference_ops::ResizeBilinearInteger, no float at all: scales in 1/1024 units
 *    ((1024 · in + out/2) / out, or the align_corners variant), source positions
 *    y · scale (+ scale/2 − 512 with half_pixel_centers), lower = max(pos / 1024, 0) and upper =
 *    min((pos + 1023) / 1024, in − 1) with C's truncating division, the four weighted values
 *    summed in int64 and divided by 2^20 rounding half away from zero (the double-rounding
 *    build; TFLITE_SINGLE_ROUNDING would shift with a +2^19 instead);
 *  - float: reference_ops::ResizeBilinear in float32 step for step.
 */
import type { Graph, ResizeOp } from '../ir/graph.js';
import { bytesPerElement } from '../ir/graph.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import { cInt32Array, constantValues, input, inShape, need4d, noMacs, noParams, output, requireDtype, shapeFail, shapeStr, unsupported } from './common.js';
import type { Kernel, OpDef } from './op-def.js';

type NearestOp = ResizeOp & { kind: 'ResizeNearestNeighbor' };
type BilinearOp = ResizeOp & { kind: 'ResizeBilinear' };

export interface ResizeGeometry {
  batches: number;
  inH: number;
  inW: number;
  depth: number;
  outH: number;
  outW: number;
}

export interface NearestPrepared extends ResizeGeometry {
  /** Source row of each output row, source column of each output column. */
  rows: Int32Array;
  cols: Int32Array;
}

export interface BilinearPrepared extends ResizeGeometry {
  /** ResizeBilinearInteger's scales in 1/1024 units. */
  heightScale10: number;
  widthScale10: number;
}

/** The constant size operand [newH, newW]; undefined when it is not a constant. */
function sizeOf(g: Graph, op: ResizeOp): number[] | undefined {
  return constantValues(g, op, 1);
}

function inferResize(g: Graph, op: ResizeOp): number[][] {
  const x = inShape(g, op, 0);
  need4d(op, x, 'input');
  const s = inShape(g, op, 1);
  if (s.length !== 1 || s[0] !== 2) shapeFail(op, `size must hold 2 values [height, width], got shape ${shapeStr(s)}`);
  const size = sizeOf(g, op);
  if (!size) {
    // TFLM refuses a run-time size (prepare says so); the declared output shape stands.
    const y = g.tensors[op.outputs[0] ?? -1];
    if (!y) shapeFail(op, 'size is not a constant and the output tensor is missing');
    return [[...y.shape]];
  }
  if (size.some((d) => !Number.isInteger(d) || d < 1)) shapeFail(op, `size [${size.join(',')}] must be positive`);
  return [[x[0]!, size[0]!, size[1]!, x[3]!]];
}

function geometry(g: Graph, op: ResizeOp): ResizeGeometry {
  if (!sizeOf(g, op)) unsupported(op, 'the size operand is not a constant; TFLM resizes to a constant size only');
  const [batches, inH, inW, depth] = input(g, op, 0).shape as [number, number, number, number];
  const [, outH, outW] = output(g, op).shape as [number, number, number, number];
  return { batches, inH, inW, depth, outH, outW };
}

/** reference_ops GetNearestNeighbor (float32 arithmetic). */
export function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = alignCorners && outSize > 1 ? f32(f32(inSize - 1) / f32(outSize - 1)) : f32(f32(inSize) / f32(outSize));
  const v = f32(f32(i + (halfPixelCenters ? 0.5 : 0)) * scale);
  let s = Math.min(alignCorners ? roundHalfAway(v) : Math.floor(v), inSize - 1);
  if (halfPixelCenters) s = Math.max(0, s);
  return s;
}

function nearestTables(g: Graph, op: NearestOp): NearestPrepared {
  const geo = geometry(g, op);
  const rows = Int32Array.from({ length: geo.outH }, (_, y) => nearestSource(y, geo.inH, geo.outH, op.alignCorners, op.halfPixelCenters));
  const cols = Int32Array.from({ length: geo.outW }, (_, x) => nearestSource(x, geo.inW, geo.outW, op.alignCorners, op.halfPixelCenters));
  return { ...geo, rows, cols };
}

/** The gather of reference_ops::ResizeNearestNeighbor, any element type. */
function nearestKernel(op: ResizeOp, p: NearestPrepared): Kernel {
  const { batches, inH, inW, depth, outH, outW, rows, cols } = p;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx]!;
    const out = bufs[oIdx]!;
    let o = 0;
    for (let b = 0; b < batches; b++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          const src = ((b * inH + rows[y]!) * inW + cols[x]!) * depth;
          for (let c = 0; c < depth; c++) out[o++] = inp[src + c]!;
        }
      }
    }
  };
}

/** reference_ops ComputeInterpolationValuesInteger: [position in 1/1024, lower, upper]. */
export function interpolationInteger(value: number, scale10: number, halfPixelCenters: boolean, inSize: number): [number, number, number] {
  const pos = halfPixelCenters ? value * scale10 + Math.trunc(scale10 / 2) - 512 : value * scale10;
  return [pos, Math.max(Math.trunc(pos / 1024), 0), Math.min(Math.trunc((pos + 1023) / 1024), inSize - 1)];
}

function bilinearGeometry(g: Graph, op: BilinearOp): BilinearPrepared {
  if (op.alignCorners && op.halfPixelCenters) unsupported(op, 'align_corners and half_pixel_centers are both set; TFLM refuses that (half_pixel_centers requires align_corners false)');
  const geo = geometry(g, op);
  const scale10 = (inSize: number, outSize: number) =>
    op.alignCorners && outSize > 1 ? Math.trunc((1024 * (inSize - 1) + Math.trunc((outSize - 1) / 2)) / (outSize - 1)) : Math.trunc((1024 * inSize + Math.trunc(outSize / 2)) / outSize);
  return { ...geo, heightScale10: scale10(geo.inH, geo.outH), widthScale10: scale10(geo.inW, geo.outW) };
}

function versionOf(g: Graph, op: ResizeOp, halfOrAlignBumps: boolean): number {
  const dt = g.tensors[op.inputs[0]!]!.dtype;
  if (dt === 'int16') return 4;
  if (halfOrAlignBumps) return 3;
  return dt === 'int8' ? 2 : 1;
}

const sizeParams = noParams;

export const resizeNearestNeighbor: OpDef<NearestOp, NearestPrepared> = {
  kind: 'ResizeNearestNeighbor',
  arity: { inputs: [2, 2] },
  inferShapes: inferResize,
  params: sizeParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  prepare(g, op) {
    const x = input(g, op, 0);
    requireDtype(x, ['int8', 'int16'], op, 'input');
    requireDtype(output(g, op), [x.dtype], op, 'output');
    return nearestTables(g, op);
  },
  evalQuantized: (_g, op, p) => nearestKernel(op, p),
  evalFloat: (g, op) => nearestKernel(op, nearestTables(g, op)),
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const size = bytesPerElement(ctx.g.tensors[op.inputs[0]!]!.dtype);
    ctx.decl(cInt32Array(`${L}_rows`, p.rows), cInt32Array(`${L}_cols`, p.cols));
    ctx.call(
      `tinyml_resize_nearest(${size}, ${p.batches}, ${p.inH}, ${p.inW}, ${p.depth}, ${p.outH}, ${p.outW}, ${L}_rows, ${L}_cols, (const void *)${ctx.ptr(op.inputs[0]!)}, (void *)${ctx.ptr(op.outputs[0]!)});`,
    );
    return ['resize_nearest'];
  },
  tflite: {
    builtin: 'RESIZE_NEAREST_NEIGHBOR',
    options: 'ResizeNearestNeighborOptions',
    read: (r) => ({ ...r.base, kind: 'ResizeNearestNeighbor', alignCorners: r.optBool('align_corners'), halfPixelCenters: r.optBool('half_pixel_centers') }),
    write: (op, w) => ({ version: versionOf(w.g, op, op.alignCorners || op.halfPixelCenters), options: { align_corners: op.alignCorners, half_pixel_centers: op.halfPixelCenters } }),
  },
  tf(tf, g, op, get) {
    const [, h, w] = g.tensors[op.outputs[0]!]!.shape as [number, number, number, number];
    return tf.image.resizeNearestNeighbor(get(op.inputs[0]!) as never, [h, w], op.alignCorners, op.halfPixelCenters);
  },
};

export const resizeBilinear: OpDef<BilinearOp, BilinearPrepared> = {
  kind: 'ResizeBilinear',
  arity: { inputs: [2, 2] },
  inferShapes: inferResize,
  params: sizeParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8'], op, 'input');
    requireDtype(output(g, op), ['int8'], op, 'output');
    return bilinearGeometry(g, op);
  },
  evalQuantized(_g, op, p) {
    const { batches, inH, inW, depth, outH, outW, heightScale10, widthScale10 } = p;
    const half = op.halfPixelCenters;
    const xs = Array.from({ length: outW }, (_, x) => interpolationInteger(x, widthScale10, half, inW));
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      let o = 0;
      for (let b = 0; b < batches; b++) {
        for (let y = 0; y < outH; y++) {
          const [iy, y0, y1] = interpolationInteger(y, heightScale10, half, inH);
          const wy1 = iy - 1024 * y0;
          const wy0 = 1024 - wy1;
          for (let x = 0; x < outW; x++) {
            const [ix, x0, x1] = xs[x]!;
            const wx1 = ix - 1024 * x0;
            const wx0 = 1024 - wx1;
            const at = (yy: number, xx: number) => ((b * inH + yy) * inW + xx) * depth;
            const [ll, lu, rl, ru] = [at(y0, x0), at(y1, x0), at(y0, x1), at(y1, x1)];
            for (let c = 0; c < depth; c++) {
              // |sum| < 2^31: every product and the sum are exact doubles, as int64 in C.
              const s = inp[ll + c]! * wy0 * wx0 + inp[lu + c]! * wy1 * wx0 + inp[rl + c]! * wy0 * wx1 + inp[ru + c]! * wy1 * wx1;
              const v = Math.trunc((s + (s > 0 ? 524288 : -524288)) / 1048576);
              out[o++] = (v << 24) >> 24;
            }
          }
        }
      }
    };
  },
  evalFloat(g, op) {
    if (op.alignCorners && op.halfPixelCenters) unsupported(op, 'align_corners and half_pixel_centers are both set; TFLM refuses that');
    const { batches, inH, inW, depth, outH, outW } = geometry(g, op);
    const fr = Math.fround;
    const scaleOf = (inSize: number, outSize: number) => (op.alignCorners && outSize > 1 ? fr(fr(inSize - 1) / fr(outSize - 1)) : fr(fr(inSize) / fr(outSize)));
    const hs = scaleOf(inH, outH);
    const ws = scaleOf(inW, outW);
    // reference_ops ComputeInterpolationValues: [scaled position, lower, upper].
    const interp = (v: number, scale: number, inSize: number): [number, number, number] => {
      const s = op.halfPixelCenters ? fr(fr(fr(v + 0.5) * scale) - 0.5) : fr(v * scale);
      return [s, Math.max(Math.floor(s), 0), Math.min(Math.ceil(s), inSize - 1)];
    };
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      let o = 0;
      for (let b = 0; b < batches; b++) {
        for (let y = 0; y < outH; y++) {
          const [iy, y0, y1] = interp(y, hs, inH);
          const dy = fr(iy - y0);
          const ady = fr(1 - dy);
          for (let x = 0; x < outW; x++) {
            const [ix, x0, x1] = interp(x, ws, inW);
            const dx = fr(ix - x0);
            const adx = fr(1 - dx);
            const at = (yy: number, xx: number) => ((b * inH + yy) * inW + xx) * depth;
            for (let c = 0; c < depth; c++) {
              const t1 = fr(fr(inp[at(y0, x0) + c]! * ady) * adx);
              const t2 = fr(fr(inp[at(y1, x0) + c]! * dy) * adx);
              const t3 = fr(fr(inp[at(y0, x1) + c]! * ady) * dx);
              const t4 = fr(fr(inp[at(y1, x1) + c]! * dy) * dx);
              out[o++] = fr(fr(fr(fr(t1 + t2) + t3) + t4) + 0);
            }
          }
        }
      }
    };
  },
  emitC(ctx, op, p) {
    ctx.call(
      `tinyml_resize_bilinear_s8(${p.batches}, ${p.inH}, ${p.inW}, ${p.depth}, ${p.outH}, ${p.outW}, ${p.heightScale10}, ${p.widthScale10}, ${op.halfPixelCenters ? 1 : 0}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`,
    );
    return ['resize_bilinear_s8'];
  },
  tflite: {
    builtin: 'RESIZE_BILINEAR',
    options: 'ResizeBilinearOptions',
    read: (r) => ({ ...r.base, kind: 'ResizeBilinear', alignCorners: r.optBool('align_corners'), halfPixelCenters: r.optBool('half_pixel_centers') }),
    // TFLite op_version.cc: int16 → 4, half_pixel_centers → 3, int8 → 2, else 1.
    write: (op, w) => ({ version: versionOf(w.g, op, op.halfPixelCenters), options: { align_corners: op.alignCorners, half_pixel_centers: op.halfPixelCenters } }),
  },
  tf(tf, g, op, get) {
    const [, h, w] = g.tensors[op.outputs[0]!]!.shape as [number, number, number, number];
    return tf.image.resizeBilinear(get(op.inputs[0]!) as never, [h, w], op.alignCorners, op.halfPixelCenters);
  },
};
