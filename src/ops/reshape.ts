/**
 * RESHAPE: the bytes do not change. TFLite requires input and output to share quantization;
 * the planner aliases the two buffers when the input dies here (`aliasesInput`), and then no
 * code runs at all.
 */
import type { Graph, Op, ReshapeOp } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import { resolveReshape } from '../ir/shapes.js';
import { input, inShape, noMacs, noParams, output, shapeFail, shapeStr, unsupported, versionByDtype } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { batchedShape } from './tf-helpers.js';

/** A byte copy from input 0 to output 0 (any dtype). */
export function copyKernel(op: Op): Kernel {
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    (bufs[oIdx] as Int8Array).set(bufs[iIdx] as Int8Array);
  };
}

/** Checks that a reinterpreting op keeps dtype and byte count. */
export function checkSameBytes(g: Graph, op: Op): number {
  const x = input(g, op, 0);
  const y = output(g, op);
  if (x.dtype !== y.dtype) unsupported(op, `input is ${x.dtype} but output is ${y.dtype}`);
  if (tensorBytes(x) !== tensorBytes(y)) unsupported(op, `input has ${tensorBytes(x)} bytes, output ${tensorBytes(y)}`);
  return tensorBytes(y);
}

/** C for an op whose output is its input's bytes: nothing when the planner aliased them, else a copy. */
export function emitCopy(ctx: Parameters<OpDef['emitC']>[0], op: Op, bytes: number): string[] {
  const src = ctx.ptr(op.inputs[0]!);
  const dst = ctx.ptr(op.outputs[0]!);
  if (src === dst) {
    ctx.call('/* aliased: the output shares the input\'s arena bytes */');
    return [];
  }
  ctx.call(`tinyml_reshape_s8((const int8_t *)${src}, (int8_t *)${dst}, ${bytes});`);
  return ['reshape_s8'];
}

export const reshape: OpDef<ReshapeOp, number> = {
  kind: 'Reshape',
  arity: { inputs: [1, 2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    const out = resolveReshape(op.newShape, elementCount(x));
    if (!out) shapeFail(op, `cannot reshape ${shapeStr(x)} (${elementCount(x)} elements) to ${shapeStr(op.newShape)}`);
    return [out];
  },
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  aliasesInput: true,
  prepare: checkSameBytes,
  evalQuantized: (_g, op) => copyKernel(op),
  evalFloat: (_g, op) => copyKernel(op),
  emitC: (ctx, op, bytes) => emitCopy(ctx, op, bytes),
  tflite: {
    builtin: 'RESHAPE',
    options: 'ReshapeOptions',
    read(r) {
      // TFLite: the shape operand wins over the option; with neither, the output shape is the target.
      const shapeIn = r.base.inputs[1];
      let newShape: number[];
      if (shapeIn !== undefined && shapeIn >= 0 && r.isConstant(1)) newShape = r.constInts(1, 'shape');
      else {
        const opt = r.opt('new_shape');
        newShape = Array.isArray(opt) && opt.length > 0 ? opt : [...(r.tensors[r.base.outputs[0] ?? -1]?.shape ?? [])];
      }
      return { ...r.base, kind: 'Reshape', newShape };
    },
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 1 }), options: { new_shape: op.newShape } }),
  },
  tf: (tf, g, op, get, n) => tf.reshape(get(op.inputs[0]!), batchedShape(g.tensors[op.outputs[0]!]!.shape, n)),
};

