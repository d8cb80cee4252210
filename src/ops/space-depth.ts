/**
 * SPACE_TO_DEPTH and DEPTH_TO_SPACE (NHWC, block size b): pure data movement.
 *
 * SPACE_TO_DEPTH: TFLM space_to_depth.cc → reference_ops::SpaceToDepth: output [N, H/b, W/b,
 * C·b²]; output depth d reads input channel d % C of the pixel (oh·b + o / b, ow·b + o % b) with
 * o = d / C. DEPTH_TO_SPACE: TFLM depth_to_space.cc → reference_ops::DepthToSpace: output
 * [N, H·b, W·b, C/b²]; output (oh, ow, c) reads input (oh / b, ow / b) at depth
 * c + ((oh % b)·b + ow % b)·C_out. Both are one 6-D strided copy (src/ops/strided-copy.ts), so
 * every element size shares the C kernel; int8/int16 outputs share the input's parameters
 * (TFLM requires equal scale and zero point: it copies the values).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Graph, SpaceDepthOp } from '../ir/graph.js';
import { input, inShape, need4d, requireSameParams, shapeFail, shapeStr } from './common.js';
import type { OpDef } from './op-def.js';
import { oneCopyOp, simplifyCopy, type StridedCopy } from './strided-copy.js';

function outShape(op: SpaceDepthOp, s: readonly number[]): number[] {
  need4d(op, s, 'input');
  const b = op.blockSize;
  if (!Number.isInteger(b) || b < 1) shapeFail(op, `block size ${b} must be a positive integer`);
  const [n, h, w, c] = s as [number, number, number, number];
  if (op.kind === 'SpaceToDepth') {
    if (h % b !== 0 || w % b !== 0) shapeFail(op, `input ${shapeStr(s)}: height and width must be multiples of the block size ${b}`);
    return [n, h / b, w / b, c * b * b];
  }
  if (c % (b * b) !== 0) shapeFail(op, `input ${shapeStr(s)}: depth must be a multiple of block size² (${b * b})`);
  return [n, h * b, w * b, c / (b * b)];
}

/** The copy of either op, walking the output in row-major order (dst strides row-major). */
export function spaceDepthCopy(kind: SpaceDepthOp['kind'], inShapeV: readonly number[], b: number): StridedCopy {
  const [n, h, w, c] = inShapeV as [number, number, number, number];
  if (kind === 'SpaceToDepth') {
    const [oh, ow] = [h / b, w / b];
    // Output [n, oh, ow, (bh, bw, c)] reads input [n, oh·b + bh, ow·b + bw, c].
    return simplifyCopy({
      dims: [n, oh, ow, b, b, c],
      src: { offset: 0, strides: [h * w * c, b * w * c, b * c, w * c, c, 1] },
      dst: { offset: 0, strides: [oh * ow * c * b * b, ow * c * b * b, c * b * b, b * c, c, 1] },
    });
  }
  const oc = c / (b * b);
  // Output [n, (h, bh), (w, bw), oc] reads input [n, h, w, (bh, bw, oc)].
  return simplifyCopy({
    dims: [n, h, b, w, b, oc],
    src: { offset: 0, strides: [h * w * c, w * c, b * oc, c, oc, 1] },
    dst: { offset: 0, strides: [h * b * w * b * oc, b * w * b * oc, w * b * oc, b * oc, oc, 1] },
  });
}

function plan(g: Graph, op: SpaceDepthOp): StridedCopy {
  return spaceDepthCopy(op.kind, input(g, op, 0).shape, op.blockSize);
}

function def<K extends SpaceDepthOp['kind']>(kind: K): OpDef<SpaceDepthOp & { kind: K }, StridedCopy> {
  const s2d = kind === 'SpaceToDepth';
  return {
    kind,
    arity: { inputs: [1, 1] },
    inferShapes: (g, op) => [outShape(op, inShape(g, op, 0))],
    ...oneCopyOp(plan, { check: (_g, op, x, y) => requireSameParams(op, x, 'input', y, 'output', 'TFLM copies the values') }),
    tflite: {
      builtin: s2d ? 'SPACE_TO_DEPTH' : 'DEPTH_TO_SPACE',
      options: s2d ? 'SpaceToDepthOptions' : 'DepthToSpaceOptions',
      read: (r) => ({ ...r.base, kind, blockSize: r.optNumber('block_size') }) as SpaceDepthOp & { kind: K },
      // op_version.cc: SPACE_TO_DEPTH int8 → 2; DEPTH_TO_SPACE int8 → 2.
      write: (op, w) => ({ version: w.g.tensors[op.inputs[0]!]!.dtype === 'int8' ? 2 : 1, options: { block_size: op.blockSize } }),
    },
    // tfjs has depthToSpace only; SPACE_TO_DEPTH as its reshape/transpose/reshape.
    tf(tf, _g, op, get) {
      const x = get(op.inputs[0]!) as TF.Tensor4D;
      const b = op.blockSize;
      if (!s2d) return tf.depthToSpace(x, b, 'NHWC');
      const [n, h, w, c] = x.shape;
      return tf.reshape(tf.transpose(tf.reshape(x, [n, h / b, b, w / b, b, c]), [0, 1, 3, 2, 4, 5]), [n, h / b, w / b, b * b * c]);
    },
  };
}

export const spaceToDepth = def('SpaceToDepth');
export const depthToSpace = def('DepthToSpace');
