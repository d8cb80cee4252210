/**
 * SELECT_V2 and SELECT: out = condition ? x : y, element by element; inputs [condition (bool),
 * x, y].
 *
 * SELECT_V2: TFLM select.cc (reference_ops::Select / BroadcastSelect5DSlow): the three operands
 * broadcast NumPy-style (here up to 4-D; equal shapes of any rank). The values are copied, not
 * rescaled, so for int8/int16 x, y and the output must share scale and zero point (TFLite's
 * quantizer makes them share; `prepare` refuses otherwise).
 * SELECT (v1): desktop TFLite select.cc: x and y have one shape, the condition either the same
 * shape or rank 1 over the first dimension (RankOneSelect). TFLM registers SELECT_V2 only, so
 * SELECT runs in float graphs and `prepare` refuses its integer form.
 *
 * C: tinyml_select (select.c), generic over the element size.
 */
import type { Graph, SelectOp } from '../ir/graph.js';
import { bytesPerElement, elementCount } from '../ir/graph.js';
import { broadcastShapes } from '../ir/shapes.js';
import { broadcastIndex, broadcastStrides4, constantOperandParams, input, inShape, noMacs, output, requireDtype, requireSameParams, sameShape, shape4, shapeFail, shapeLit, shapeStr, unsupported } from './common.js';
import type { Kernel, OpDef } from './op-def.js';

export interface SelectPrepared {
  n: number;
  /** Flat index of condition, x, y read by each output element (undefined: same shape as the output). */
  maps: (Int32Array | undefined)[];
}

/** The condition's shape as it broadcasts: SELECT's rank-1 condition runs along the first dimension. */
function conditionShape(kind: SelectOp['kind'], cond: readonly number[], x: readonly number[]): number[] {
  if (kind === 'Select' && cond.length === 1 && x.length > 1) return [cond[0]!, ...new Array<number>(x.length - 1).fill(1)];
  return [...cond];
}

function outShape(g: Graph, op: SelectOp): number[] {
  const [c, x, y] = [inShape(g, op, 0), inShape(g, op, 1), inShape(g, op, 2)];
  if (op.kind === 'Select') {
    if (!sameShape(x, y)) shapeFail(op, `x ${shapeStr(x)} and y ${shapeStr(y)} must have one shape (use SELECT_V2 to broadcast)`);
    const ok = sameShape(c, x) || (c.length === 1 && c[0] === x[0]) || elementCount(c) === 1;
    if (!ok) shapeFail(op, `condition ${shapeStr(c)} must have the shape of x ${shapeStr(x)} or be rank 1 of size ${x[0]}`);
    return [...x];
  }
  const xy = broadcastShapes(x, y);
  const out = xy && broadcastShapes(c, xy);
  if (!out) shapeFail(op, `condition ${shapeStr(c)}, x ${shapeStr(x)} and y ${shapeStr(y)} do not broadcast`);
  return out;
}

function selectKernel(op: SelectOp, p: SelectPrepared): Kernel {
  const [ci, xi, yi, oi] = [op.inputs[0]!, op.inputs[1]!, op.inputs[2]!, op.outputs[0]!];
  const [mc, mx, my] = p.maps;
  return (bufs) => {
    const c = bufs[ci]!;
    const x = bufs[xi]!;
    const y = bufs[yi]!;
    const out = bufs[oi]!;
    for (let i = 0; i < p.n; i++) out[i] = c[mc ? mc[i]! : i] ? x[mx ? mx[i]! : i]! : y[my ? my[i]! : i]!;
  };
}

function prepareMaps(g: Graph, op: SelectOp): SelectPrepared {
  const y = output(g, op).shape;
  const x = input(g, op, 1).shape;
  const shapes = [conditionShape(op.kind, input(g, op, 0).shape, x), x, input(g, op, 2).shape];
  return { n: elementCount(y), maps: shapes.map((s) => (sameShape(s, y) ? undefined : broadcastIndex(s, y, op))) };
}

function def<K extends SelectOp['kind']>(kind: K): OpDef<SelectOp & { kind: K }, SelectPrepared> {
  const v2 = kind === 'SelectV2';
  return {
    kind,
    arity: { inputs: [3, 3] },
    inferShapes: (g, op) => [outShape(g, op)],
    params: constantOperandParams,
    macs: noMacs,
    quant: { output: { kind: 'shared', inputs: [1, 2] } },
    prepare(g, op) {
      const x = input(g, op, 1);
      const y = output(g, op);
      requireDtype(input(g, op, 0), ['bool'], op, 'condition');
      if (!v2) unsupported(op, `TFLM has no SELECT kernel (it registers SELECT_V2 only); this layer is ${x.dtype}`, 'Convert the model with SELECT_V2 (tf.where in TF 2), or keep it in float.');
      requireDtype(x, ['int8', 'int16'], op, 'x');
      for (const [t, role] of [[input(g, op, 2), 'y'], [y, 'output']] as const) {
        requireDtype(t, [x.dtype], op, role);
        requireSameParams(op, t, role, x, 'x', 'TFLM copies the raw values');
      }
      return prepareMaps(g, op);
    },
    evalQuantized: (_g, op, p) => selectKernel(op, p),
    evalFloat: (g, op) => selectKernel(op, prepareMaps(g, op)),
    emitC(ctx, op) {
      const g = ctx.g;
      const L = ctx.prefix;
      const yT = g.tensors[op.outputs[0]!]!;
      const shapes = [conditionShape(op.kind, g.tensors[op.inputs[0]!]!.shape, g.tensors[op.inputs[1]!]!.shape), g.tensors[op.inputs[1]!]!.shape, g.tensors[op.inputs[2]!]!.shape];
      // Equal shapes run flat (any rank); otherwise the 4-D broadcast of BroadcastSelect.
      const flat = shapes.every((s) => sameShape(s, yT.shape));
      const out4 = flat ? [1, 1, 1, elementCount(yT.shape)] : shape4(yT.shape, op);
      const strides = shapes.map((s) => (flat ? [0, 0, 0, 1] : broadcastStrides4(s, yT.shape, op)));
      ctx.decl(`static const tinyml_shape4_t ${L}_out = ${shapeLit(out4)};`, `static const int32_t ${L}_sc[4] = {${strides[0]!.join(', ')}}, ${L}_sx[4] = {${strides[1]!.join(', ')}}, ${L}_sy[4] = {${strides[2]!.join(', ')}};`);
      ctx.call(`tinyml_select(${bytesPerElement(yT.dtype)}, &${L}_out, ${L}_sc, ${ctx.ptr(op.inputs[0]!)}, ${L}_sx, ${ctx.ptr(op.inputs[1]!)}, ${L}_sy, ${ctx.ptr(op.inputs[2]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return ['select'];
    },
    tflite: {
      builtin: v2 ? 'SELECT_V2' : 'SELECT',
      read: (r) => ({ ...r.base, kind }) as SelectOp & { kind: K },
      // op_version.cc: SELECT int8 → 2 (int16 → 3); SELECT_V2 int16 → 2.
      write: (op, w) => {
        const dt = w.g.tensors[op.inputs[1]!]!.dtype;
        return { version: v2 ? (dt === 'int16' ? 2 : 1) : dt === 'int8' ? 2 : dt === 'int16' ? 3 : 1 };
      },
    },
    tf: (tf, _g, op, get) => tf.where(get(op.inputs[0]!), get(op.inputs[1]!), get(op.inputs[2]!)),
  };
}

export const selectV2 = def('SelectV2');
export const select = def('Select');
