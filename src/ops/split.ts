/**
 * SPLIT (inputs [axis, x], num_splits equal parts) and SPLIT_V (inputs [x, size_splits, axis],
 * one size may be -1 for the rest): several outputs, each the slice of x along `axis` that
 * follows the previous one. TFLM split.cc / split_v.cc SplitImpl copy, for every outer index,
 * each output's run of `size_k × inner` elements in turn; every output is one strided copy
 * here (src/ops/strided-copy.ts), the same elements to the same places. The axis must be a
 * constant (TFLM: "Non-constant axis tensor not supported"); a negative axis counts from the
 * end. Outputs keep the input's quantization.
 */
import type { Graph, SplitOp } from '../ir/graph.js';
import { input, inShape, noMacs, noParams, normAxis, output, requireDtype, shapeFail, shapeStr, unsupported } from './common.js';
import type { OpDef, TfliteReadContext } from './op-def.js';
import { sliceCopy } from './slice.js';
import { emitCopyCall, MOVABLE_DTYPES, stridedCopyKernel, type StridedCopy } from './strided-copy.js';

/** Position of the split tensor among the op's inputs. */
const dataInput = (op: SplitOp): number => (op.kind === 'Split' ? 1 : 0);

function outShapes(op: SplitOp, x: readonly number[], fail: (w: string) => never): number[][] {
  const axis = op.axis < 0 ? op.axis + x.length : op.axis;
  if (axis < 0 || axis >= x.length) fail(`axis ${op.axis} is out of range for input ${shapeStr(x)}`);
  const total = op.sizes.reduce((a, b) => a + b, 0);
  if (op.sizes.length === 0 || op.sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== x[axis]) {
    fail(`sizes [${op.sizes.join(',')}] do not split axis ${axis} of ${shapeStr(x)}`);
  }
  if (op.kind === 'Split' && op.sizes.some((s) => s !== op.sizes[0])) fail(`SPLIT makes equal parts; sizes are [${op.sizes.join(',')}]`);
  return op.sizes.map((s) => x.map((d, i) => (i === axis ? s : d)));
}

function plan(g: Graph, op: SplitOp): StridedCopy[] {
  const x = input(g, op, dataInput(op));
  const axis = normAxis(op.axis, x.shape.length, op);
  let at = 0;
  return outShapes(op, x.shape, (w) => unsupported(op, w)).map((shape) => {
    const begin = x.shape.map((_, i) => (i === axis ? at : 0));
    at += shape[axis]!;
    return sliceCopy(x.shape, begin, shape);
  });
}

function makeDef<K extends SplitOp['kind']>(kind: K): OpDef<SplitOp & { kind: K }, StridedCopy[]> {
  const builtin = kind === 'Split' ? 'SPLIT' : 'SPLIT_V';
  const axisInput = kind === 'Split' ? 0 : 2;
  return {
    kind,
    arity: { inputs: kind === 'Split' ? [2, 2] : [3, 3], outputs: [1, Infinity] },
    inferShapes(g, op) {
      const x = inShape(g, op, dataInput(op));
      const shapes = outShapes(op, x, (w) => shapeFail(op, w));
      if (shapes.length !== op.outputs.length) shapeFail(op, `${shapes.length} sizes for ${op.outputs.length} outputs`);
      const axisT = g.tensors[op.inputs[axisInput]!];
      const a = axisT?.data?.[0];
      if (a !== undefined && (a < 0 ? a + x.length : a) !== (op.axis < 0 ? op.axis + x.length : op.axis)) shapeFail(op, `the axis operand ${a} differs from the op's axis ${op.axis}`);
      return shapes;
    },
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'shared', inputs: [kind === 'Split' ? 1 : 0] } },
    fold: 'constant-inputs',
    prepare(g, op) {
      const x = input(g, op, dataInput(op));
      requireDtype(x, MOVABLE_DTYPES, op, 'input');
      op.outputs.forEach((_, k) => {
        if (output(g, op, k).dtype !== x.dtype) unsupported(op, `input is ${x.dtype} but output ${k} is ${output(g, op, k).dtype}`);
      });
      const axisT = g.tensors[op.inputs[axisInput]!];
      if (axisT && !axisT.data) unsupported(op, 'the axis is computed at run time (TFLM: "Non-constant axis tensor not supported")');
      if (kind === 'SplitV' && !g.tensors[op.inputs[1]!]?.data) unsupported(op, 'size_splits is computed at run time; the generated code splits by constant sizes');
      return plan(g, op);
    },
    evalQuantized: (_g, op, p) => stridedCopyKernel(p, p.map(() => op.inputs[dataInput(op)]!), op.outputs),
    evalFloat: (g, op) => {
      const p = plan(g, op);
      return stridedCopyKernel(p, p.map(() => op.inputs[dataInput(op)]!), op.outputs);
    },
    emitC(ctx, op, p) {
      const src = ctx.ptr(op.inputs[dataInput(op)]!);
      const dtype = ctx.g.tensors[op.outputs[0]!]!.dtype;
      p.forEach((c, k) => emitCopyCall(ctx, c, dtype, src, ctx.ptr(op.outputs[k]!), `_o${k}`));
      return ['strided_copy'];
    },
    tflite: {
      builtin,
      options: kind === 'Split' ? 'SplitOptions' : 'SplitVOptions',
      read(r: TfliteReadContext): SplitOp & { kind: K } {
        if (!r.isConstant(axisInput)) r.unsupported('the axis is computed at run time (TFLM: "Non-constant axis tensor not supported")');
        const x = r.tensors[r.base.inputs[kind === 'Split' ? 1 : 0] ?? -1];
        if (!x) r.bad('has no input tensor');
        const rank = x.shape.length;
        const a = r.constInts(axisInput, 'axis')[0];
        if (a === undefined) r.bad('the axis tensor is empty');
        const axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) r.bad(`axis ${a} is out of range for rank ${rank}`);
        const n = r.base.outputs.length;
        const declared = r.optNumber('num_splits', n);
        if (declared !== n) r.bad(`num_splits is ${declared} but the operator has ${n} outputs`);
        let sizes: number[];
        if (kind === 'Split') {
          sizes = new Array<number>(n).fill(Math.floor(x.shape[axis]! / n));
        } else {
          if (!r.isConstant(1)) r.unsupported('size_splits is computed at run time; the generated code splits by constant sizes');
          sizes = r.constInts(1, 'size_splits');
          const unknown = sizes.filter((s) => s === -1).length;
          if (unknown > 1) r.bad('size_splits holds more than one -1');
          if (unknown === 1) {
            const known = sizes.reduce((acc, s) => (s === -1 ? acc : acc + s), 0);
            sizes = sizes.map((s) => (s === -1 ? x.shape[axis]! - known : s));
          }
        }
        return { ...r.base, kind, axis, sizes };
      },
      write(op, w) {
        const x = w.g.tensors[op.inputs[dataInput(op)]!]!;
        // op_version.cc: SPLIT int16 → 4, int32 → 3, int8 → 2; SPLIT_V int8 → 2.
        const version = kind === 'Split' ? (x.dtype === 'int16' ? 4 : x.dtype === 'int32' ? 3 : x.dtype === 'int8' ? 2 : 1) : x.dtype === 'int8' ? 2 : 1;
        return { version, options: { num_splits: op.outputs.length } };
      },
    },
    tf: (tf, _g, op, get) => tf.split(get(op.inputs[dataInput(op)]!), op.sizes, op.axis),
  };
}

export const split = makeDef('Split');
export const splitV = makeDef('SplitV');
