/**
 * AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D over NHWC. int8: reference_integer_ops::AveragePool /
 * MaxPool (TFLM pooling.cc) — input and output share quantization (TFLite requires it), the
 * average rounds half away from zero over the in-image part of the window only. int16 (16x8):
 * the same kernels on int16 data (TFLM pooling.cc's kTfLiteInt16 cases). float:
 * reference_ops::AveragePool / MaxPool / L2Pool (√(Σx² / count) over the in-image part of the
 * window, float32 steps). TFLM's L2_POOL_2D (l2_pool_2d.cc) takes float32 only, so `prepare`
 * refuses its integer form.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Graph, Pool2DOp } from '../ir/graph.js';
import {
  activationRangeFloat,
  activationRangeQuantized,
  input,
  inShape,
  INT16_MIN,
  INT8_MIN,
  need4d,
  noMacs,
  noParams,
  output,
  requireDtype,
  shape4,
  shapeLit,
  spatialOut,
  unsupported,
  versionByDtype,
  windowPadding,
} from './common.js';
import type { OpDef } from './op-def.js';
import { tfActivation } from './tf-helpers.js';
import { activationCode, paddingCode } from './tflite-codes.js';

export interface PoolPrepared {
  dtype: 'int8' | 'int16';
  batches: number;
  inH: number;
  inW: number;
  depth: number;
  outH: number;
  outW: number;
  padH: number;
  padW: number;
  actMin: number;
  actMax: number;
}

function geometry(g: Graph, op: Pool2DOp): Omit<PoolPrepared, 'dtype' | 'actMin' | 'actMax'> {
  const [batches, inH, inW, depth] = shape4(input(g, op, 0), op);
  const [, outH, outW, outDepth] = shape4(output(g, op), op);
  if (outDepth !== depth) unsupported(op, `depth ${depth} in, ${outDepth} out`);
  const { padH, padW } = windowPadding(op, inH, inW, op.filterH, op.filterW, outH, outW);
  return { batches, inH, inW, depth, outH, outW, padH, padW };
}

function poolDef<K extends Pool2DOp['kind']>(kind: K): OpDef<Pool2DOp & { kind: K }, PoolPrepared> {
  const isAvg = kind === 'AveragePool2D';
  const isL2 = kind === 'L2Pool2D';
  return {
    kind,
    arity: { inputs: [1, 1] },
    inferShapes(g, op) {
      const x = inShape(g, op, 0);
      need4d(op, x, 'input');
      const [oh, ow] = spatialOut(op, x[1]!, x[2]!, op.filterH, op.filterW, op.strideH, op.strideW, 1, 1, op.padding);
      return [[x[0]!, oh, ow, x[3]!]];
    },
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'shared', inputs: [0] } },
    prepare(g, op) {
      const x = input(g, op, 0);
      const y = output(g, op);
      if (isL2) unsupported(op, `TFLM's L2_POOL_2D kernel (l2_pool_2d.cc) takes float32 only; this layer is ${x.dtype}`, 'Keep this layer in a float model, or replace it by an op with an int8 kernel.');
      requireDtype(x, ['int8', 'int16'], op, 'input');
      requireDtype(y, [x.dtype], op, 'output');
      const [actMin, actMax] = activationRangeQuantized(op.activation, y, op);
      return { ...geometry(g, op), dtype: x.dtype as 'int8' | 'int16', actMin, actMax };
    },
    evalQuantized(_g, op, p) {
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      const { filterH, filterW, strideH, strideW } = op;
      const { batches, inH, inW, depth, outH, outW, padH, padW, actMin, actMax } = p;
      const lowest = p.dtype === 'int16' ? INT16_MIN : INT8_MIN;
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array | Int16Array;
        const out = bufs[oIdx] as Int8Array | Int16Array;
        for (let b = 0; b < batches; b++) {
          for (let oy = 0; oy < outH; oy++) {
            for (let ox = 0; ox < outW; ox++) {
              const inYOrigin = oy * strideH - padH;
              const inXOrigin = ox * strideW - padW;
              const fyStart = Math.max(0, -inYOrigin);
              const fyEnd = Math.min(filterH, inH - inYOrigin);
              const fxStart = Math.max(0, -inXOrigin);
              const fxEnd = Math.min(filterW, inW - inXOrigin);
              for (let c = 0; c < depth; c++) {
                let v: number;
                if (isAvg) {
                  let acc = 0;
                  let count = 0;
                  for (let fy = fyStart; fy < fyEnd; fy++) {
                    for (let fx = fxStart; fx < fxEnd; fx++) {
                      acc += inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                      count++;
                    }
                  }
                  if (count === 0) unsupported(op, 'a window lies entirely in the padding');
                  const half = (count / 2) | 0;
                  v = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
                } else {
                  v = lowest;
                  for (let fy = fyStart; fy < fyEnd; fy++) {
                    for (let fx = fxStart; fx < fxEnd; fx++) {
                      const x = inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                      if (x > v) v = x;
                    }
                  }
                }
                v = v < actMin ? actMin : v > actMax ? actMax : v;
                out[((b * outH + oy) * outW + ox) * depth + c] = v;
              }
            }
          }
        }
      };
    },
    evalFloat(g, op) {
      const fr = Math.fround;
      const { batches, inH, inW, depth, outH, outW, padH, padW } = geometry(g, op);
      const [actMin, actMax] = activationRangeFloat(op.activation, op);
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      const { filterH, filterW, strideH, strideW } = op;
      return (bufs) => {
        const inp = bufs[iIdx] as Float32Array;
        const out = bufs[oIdx] as Float32Array;
        for (let b = 0; b < batches; b++) {
          for (let oy = 0; oy < outH; oy++) {
            for (let ox = 0; ox < outW; ox++) {
              const inYOrigin = oy * strideH - padH;
              const inXOrigin = ox * strideW - padW;
              const fyStart = Math.max(0, -inYOrigin);
              const fyEnd = Math.min(filterH, inH - inYOrigin);
              const fxStart = Math.max(0, -inXOrigin);
              const fxEnd = Math.min(filterW, inW - inXOrigin);
              for (let c = 0; c < depth; c++) {
                let acc = isAvg || isL2 ? 0 : -3.4028234663852886e38; // numeric_limits<float>::lowest()
                let count = 0;
                for (let fy = fyStart; fy < fyEnd; fy++) {
                  for (let fx = fxStart; fx < fxEnd; fx++) {
                    const x = inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                    if (isAvg) acc = fr(acc + x);
                    else if (isL2) acc = fr(acc + fr(x * x));
                    else if (x > acc) acc = x;
                    count++;
                  }
                }
                if (count === 0) unsupported(op, 'a window lies entirely in the padding');
                const v = isAvg ? fr(acc / count) : isL2 ? fr(Math.sqrt(fr(acc / count))) : acc;
                out[((b * outH + oy) * outW + ox) * depth + c] = v < actMin ? actMin : v > actMax ? actMax : v;
              }
            }
          }
        }
      };
    },
    emitC(ctx, op, p) {
      const L = ctx.prefix;
      ctx.decl(
        `static const tinyml_pool_params_t ${L}_p = { ${op.filterH}, ${op.filterW}, ${op.strideH}, ${op.strideW}, ${p.padH}, ${p.padW}, ${p.actMin}, ${p.actMax} };`,
        `static const tinyml_shape4_t ${L}_in = ${shapeLit([p.batches, p.inH, p.inW, p.depth])}, ${L}_out = ${shapeLit([p.batches, p.outH, p.outW, p.depth])};`,
      );
      const fn = (isAvg ? 'avg_pool_' : 'max_pool_') + (p.dtype === 'int16' ? 's16' : 's8');
      ctx.call(`tinyml_${fn}(&${L}_p, &${L}_in, ${ctx.ptr(op.inputs[0]!)}, &${L}_out, ${ctx.ptr(op.outputs[0]!)});`);
      return [fn];
    },
    tflite: {
      builtin: isAvg ? 'AVERAGE_POOL_2D' : isL2 ? 'L2_POOL_2D' : 'MAX_POOL_2D',
      options: 'Pool2DOptions',
      read: (r) => ({
        ...r.base,
        kind: kind as K,
        filterH: r.optNumber('filter_height'),
        filterW: r.optNumber('filter_width'),
        strideH: r.optNumber('stride_h', 1),
        strideW: r.optNumber('stride_w', 1),
        padding: r.padding(),
        activation: r.activation(),
      }),
      write: (op, w) => ({
        version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }),
        options: {
          padding: paddingCode(op.padding),
          stride_w: op.strideW,
          stride_h: op.strideH,
          filter_width: op.filterW,
          filter_height: op.filterH,
          fused_activation_function: activationCode(op.activation),
        },
      }),
    },
    tf(tf, _g, op, get) {
      const x = get(op.inputs[0]!) as TF.Tensor4D;
      if (isL2) return tfActivation(tf, tf.sqrt(tf.avgPool(tf.square(x), [op.filterH, op.filterW], [op.strideH, op.strideW], op.padding)), op.activation);
      const pool = isAvg ? tf.avgPool : tf.maxPool;
      return tfActivation(tf, pool(x, [op.filterH, op.filterW], [op.strideH, op.strideW], op.padding), op.activation);
    },
  };
}

export const averagePool2d = poolDef('AveragePool2D');
export const maxPool2d = poolDef('MaxPool2D');
export const l2Pool2d = poolDef('L2Pool2D');
