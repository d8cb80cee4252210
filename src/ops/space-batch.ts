/**
 * SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (3-D [N, H, C] or 4-D NHWC input): pure data movement.
 *
 * SPACE_TO_BATCH_ND: TFLM space_to_batch_nd.cc → reference_ops::SpaceToBatchND: the input padded
 * by `paddings` is cut into blocks; output batch (sh·bw + sw)·N + n holds the pixels
 * (oh·bh + sh − pad_top, ow·bw + sw − pad_left) of batch n; positions in the padding are filled
 * with the output zero point (`pad_value = output_offset`: 0 for float). BATCH_TO_SPACE_ND:
 * TFLM batch_to_space_nd.cc → reference_ops::BatchToSpaceND, the inverse with `crops` taken off.
 * A 3-D input is the 4-D case with width 1 (ExtendShapeSpaceToBatch / ...BatchToSpace).
 *
 * Both are, per block offset (sh, sw), one strided copy between the space-side tensor
 * [N, SH, SW, C] and the batch-side tensor [N·bh·bw, BH, BW, C] (src/ops/strided-copy.ts), so
 * every element size shares the C kernel; SPACE_TO_BATCH_ND first fills its output with the pad
 * value (a zero-stride copy of one constant).
 */
import type { Graph, SpaceBatchOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { cType, input, inShape, noMacs, noParams, output, requireSameParams, shapeFail, shapeStr, unsupported, zeroPointOf } from './common.js';
import type { Kernel, OpDef, TfliteReadContext } from './op-def.js';
import { copyCount, emitCopyCall, movableOperands, runCopy, simplifyCopy, type StridedCopy } from './strided-copy.js';

interface Geometry {
  n: number;
  sh: number;
  sw: number;
  c: number;
  bh: number;
  bw: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Block and pads as the 4-D case (a 3-D input has width 1 and block width 1). */
function geometry(op: SpaceBatchOp, spaceShape: readonly number[], fail: (w: string) => never): Geometry {
  const rank = spaceShape.length;
  if (rank !== 3 && rank !== 4) fail(`input must be 3-D or 4-D, got ${shapeStr(spaceShape)}`);
  const m = rank - 2;
  if (op.blockShape.length !== m || op.pads.length !== 2 * m) fail(`a ${rank}-D input takes a block shape of ${m} and ${m}×2 ${op.kind === 'SpaceToBatchND' ? 'paddings' : 'crops'}, got [${op.blockShape}] and [${op.pads}]`);
  if (op.blockShape.some((b) => !Number.isInteger(b) || b < 1) || op.pads.some((p) => !Number.isInteger(p) || p < 0)) fail(`block shape [${op.blockShape}] must be ≥ 1 and ${op.kind === 'SpaceToBatchND' ? 'paddings' : 'crops'} [${op.pads}] ≥ 0`);
  const [n, sh, c] = [spaceShape[0]!, spaceShape[1]!, spaceShape[rank - 1]!];
  const sw = rank === 4 ? spaceShape[2]! : 1;
  return { n, sh, sw, c, bh: op.blockShape[0]!, bw: rank === 4 ? op.blockShape[1]! : 1, top: op.pads[0]!, bottom: op.pads[1]!, left: rank === 4 ? op.pads[2]! : 0, right: rank === 4 ? op.pads[3]! : 0 };
}

function outShape(g: Graph, op: SpaceBatchOp): number[] {
  const s = inShape(g, op, 0);
  const fail = (w: string): never => shapeFail(op, w);
  const rank = s.length;
  if (op.kind === 'SpaceToBatchND') {
    const q = geometry(op, s, fail);
    const [ph, pw] = [q.sh + q.top + q.bottom, q.sw + q.left + q.right];
    if (ph % q.bh !== 0 || pw % q.bw !== 0) fail(`padded spatial size ${ph}×${pw} is not a multiple of the block [${op.blockShape}]`);
    return rank === 4 ? [q.n * q.bh * q.bw, ph / q.bh, pw / q.bw, q.c] : [q.n * q.bh, ph / q.bh, q.c];
  }
  // The batch side is the input: its spatial sizes times the block, minus the crops.
  const q = geometry(op, s, fail);
  const blocks = q.bh * q.bw;
  if (q.n % blocks !== 0) fail(`input batch ${q.n} is not a multiple of the block size ${blocks}`);
  const [oh, ow] = [q.sh * q.bh - q.top - q.bottom, q.sw * q.bw - q.left - q.right];
  if (oh < 1 || ow < 1) fail(`crops [${op.pads}] leave nothing of ${q.sh * q.bh}×${q.sw * q.bw}`);
  return rank === 4 ? [q.n / blocks, oh, ow, q.c] : [q.n / blocks, oh, q.c];
}

/** One copy per block offset between the space-side [n, SH, SW, c] and the batch side [n·bh·bw, BH, BW, c]. */
export function spaceBatchCopies(kind: SpaceBatchOp['kind'], q: Geometry, bhSize: number, bwSize: number): StridedCopy[] {
  const { n, sh: SH, sw: SW, c, bh, bw, top, left } = q;
  const copies: StridedCopy[] = [];
  for (let oh = 0; oh < bh; oh++) {
    for (let ow = 0; ow < bw; ow++) {
      // Batch-side rows i with 0 ≤ i·bh + oh − top < SH, columns likewise.
      const i0 = Math.max(0, Math.ceil((top - oh) / bh));
      const i1 = Math.min(bhSize - 1, Math.floor((SH - 1 + top - oh) / bh));
      const j0 = Math.max(0, Math.ceil((left - ow) / bw));
      const j1 = Math.min(bwSize - 1, Math.floor((SW - 1 + left - ow) / bw));
      if (i1 < i0 || j1 < j0) continue;
      const space = { offset: ((i0 * bh + oh - top) * SW + (j0 * bw + ow - left)) * c, strides: [SH * SW * c, bh * SW * c, bw * c, 1] };
      const batch = { offset: (oh * bw + ow) * n * bhSize * bwSize * c + (i0 * bwSize + j0) * c, strides: [bhSize * bwSize * c, bwSize * c, c, 1] };
      const dims = [n, i1 - i0 + 1, j1 - j0 + 1, c];
      copies.push(simplifyCopy(kind === 'SpaceToBatchND' ? { dims, src: space, dst: batch } : { dims, src: batch, dst: space }));
    }
  }
  return copies;
}

export interface SpaceBatchPrepared {
  copies: StridedCopy[];
  /** SPACE_TO_BATCH_ND: the value of padded positions (output zero point), written first. */
  pad?: number;
  outElements: number;
}

function plan(g: Graph, op: SpaceBatchOp): SpaceBatchPrepared {
  const x = input(g, op, 0);
  const y = output(g, op);
  const s2b = op.kind === 'SpaceToBatchND';
  const space = s2b ? x.shape : y.shape;
  const batch = s2b ? y.shape : x.shape;
  const q = geometry(op, space, (w) => unsupported(op, w));
  const bhSize = batch[1]!;
  const bwSize = batch.length === 4 ? batch[2]! : 1;
  return { copies: spaceBatchCopies(op.kind, q, bhSize, bwSize), ...(s2b ? { pad: x.dtype === 'int8' ? zeroPointOf(y) : 0 } : {}), outElements: elementCount(y.shape) };
}

function kernel(op: SpaceBatchOp, p: SpaceBatchPrepared): Kernel {
  const [xi, yi] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    if (p.pad !== undefined) bufs[yi]!.fill(p.pad);
    for (const c of p.copies) runCopy(c, bufs[xi]!, bufs[yi]!);
  };
}

function readPads(r: TfliteReadContext, kind: SpaceBatchOp['kind']): SpaceBatchOp {
  return { ...r.base, kind, blockShape: r.constInts(1, 'block_shape'), pads: r.constInts(2, kind === 'SpaceToBatchND' ? 'paddings' : 'crops') };
}

function def<K extends SpaceBatchOp['kind']>(kind: K): OpDef<SpaceBatchOp & { kind: K }, SpaceBatchPrepared> {
  const s2b = kind === 'SpaceToBatchND';
  return {
    kind,
    arity: { inputs: [1, 3] },
    inferShapes: (g, op) => [outShape(g, op)],
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'shared', inputs: [0] } },
    fold: 'constant-inputs',
    prepare(g, op) {
      const { x, y } = movableOperands(g, op);
      requireSameParams(op, x, 'input', y, 'output', 'TFLM copies the values');
      // TFLM pads with memset(output_offset): one byte value, so a wider type pads with 0 only.
      if (s2b && x.dtype !== 'int8' && zeroPointOf(y) !== 0) unsupported(op, `${x.dtype} output with zero point ${zeroPointOf(y)}: TFLM's memset padding writes zero point bytes`);
      for (const k of [1, 2]) {
        const i = op.inputs[k];
        if (i !== undefined && i >= 0 && !g.tensors[i]?.data) unsupported(op, `input ${k} (${k === 1 ? 'block_shape' : s2b ? 'paddings' : 'crops'}) is not a constant`);
      }
      return plan(g, op);
    },
    evalQuantized: (_g, op, p) => kernel(op, p),
    evalFloat: (g, op) => kernel(op, plan(g, op)),
    emitC(ctx, op, p) {
      const dtype = ctx.g.tensors[op.outputs[0]!]!.dtype;
      const out = ctx.ptr(op.outputs[0]!);
      if (p.pad !== undefined) {
        ctx.decl(`static const ${cType(dtype)} ${ctx.prefix}_pad[1] = {${p.pad}};`);
        emitCopyCall(ctx, { dims: [p.outElements], src: { offset: 0, strides: [0] }, dst: { offset: 0, strides: [1] } }, dtype, `${ctx.prefix}_pad`, out, '_fill');
      }
      p.copies.forEach((c, k) => {
        if (copyCount(c) > 0) emitCopyCall(ctx, c, dtype, ctx.ptr(op.inputs[0]!), out, `_b${k}`);
      });
      return ['strided_copy'];
    },
    tflite: {
      builtin: s2b ? 'SPACE_TO_BATCH_ND' : 'BATCH_TO_SPACE_ND',
      options: s2b ? 'SpaceToBatchNDOptions' : 'BatchToSpaceNDOptions',
      read: (r) => readPads(r, kind) as SpaceBatchOp & { kind: K },
      write(op, w) {
        const m = op.blockShape.length;
        const inputs =
          op.inputs.length >= 3
            ? op.inputs
            : [
                op.inputs[0]!,
                w.addConstant({ name: `${op.name}/block_shape`, shape: [m], dtype: 'int32', data: Int32Array.from(op.blockShape) }),
                w.addConstant({ name: `${op.name}/${s2b ? 'paddings' : 'crops'}`, shape: [m, 2], dtype: 'int32', data: Int32Array.from(op.pads) }),
              ];
        // op_version.cc: int8 → 2; a 3-D input → 3 (int16 → 4 for SPACE_TO_BATCH_ND).
        const x = w.g.tensors[op.inputs[0]!]!;
        const version = x.dtype === 'int16' ? 4 : x.shape.length === 3 ? 3 : x.dtype === 'int8' ? 2 : 1;
        return { version, options: {}, inputs };
      },
    },
    tf(tf, _g, op, get) {
      const m = op.blockShape.length;
      const pairs = Array.from({ length: m }, (_, i) => [op.pads[2 * i]!, op.pads[2 * i + 1]!]);
      return s2b ? tf.spaceToBatchND(get(op.inputs[0]!), op.blockShape, pairs) : tf.batchToSpaceND(get(op.inputs[0]!), op.blockShape, pairs);
    },
  };
}

export const spaceToBatchNd = def('SpaceToBatchND');
export const batchToSpaceNd = def('BatchToSpaceND');
