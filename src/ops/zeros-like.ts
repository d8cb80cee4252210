/**
 * ZEROS_LIKE: a tensor of the input's shape and dtype filled with zeros. TFLM zeros_like.cc
 * (resetZeros) takes int32, int64 and float32 only, so `prepare` refuses int8/int16 tensors with
 * that reason. In C the fill is a strided copy of one constant zero (stride 0), so no kernel of
 * its own.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { cType, input, inShape, noMacs, noParams, output, requireDtype, unsupported } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { emitCopyCall, simplifyCopy, type StridedCopy } from './strided-copy.js';

type ZerosLikeOp = UnaryOp & { kind: 'ZerosLike' };

const zeroKernel =
  (op: ZerosLikeOp): Kernel =>
  (bufs) => {
    bufs[op.outputs[0]!]!.fill(0);
  };

export const zerosLike: OpDef<ZerosLikeOp, StridedCopy> = {
  kind: 'ZerosLike',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  prepare(g, op) {
    const x = input(g, op, 0);
    if (x.dtype === 'int8' || x.dtype === 'int16') unsupported(op, `TFLM's ZEROS_LIKE kernel (zeros_like.cc) takes int32, int64 and float32 only; this layer is ${x.dtype}`, 'Keep this layer in a float model, or replace it by a constant.');
    requireDtype(x, ['int32', 'int64'], op, 'input');
    requireDtype(output(g, op), [x.dtype], op, 'output');
    const n = elementCount(x.shape);
    return simplifyCopy({ dims: [n], src: { offset: 0, strides: [0] }, dst: { offset: 0, strides: [1] } });
  },
  evalQuantized: (_g, op) => zeroKernel(op),
  evalFloat: (_g, op) => zeroKernel(op),
  emitC(ctx, op, p) {
    const dtype = ctx.g.tensors[op.outputs[0]!]!.dtype;
    ctx.decl(`static const ${cType(dtype)} ${ctx.prefix}_zero[1] = {0};`);
    emitCopyCall(ctx, p, dtype, `${ctx.prefix}_zero`, ctx.ptr(op.outputs[0]!));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'ZEROS_LIKE',
    read: (r) => ({ ...r.base, kind: 'ZerosLike' }),
    write: () => ({ version: 1 }),
  },
  tf: (tf, _g, op, get) => tf.zerosLike(get(op.inputs[0]!)),
};
