/**
 * PAD: constant padding per dimension (`paddings` from the constant input 1). int8 and int16
 * (16x8): padded elements take the output zero point (= the input's in valid models; TFLM
 * pad.cc, reference_ops::Pad with pad_value = output zero point); float: 0.
 * PADV2: the same kernel with the pad value from the constant scalar input 2 (TFLM pad.cc
 * PadPrepare: its int8/int16 value is used as stored, and its scale and zero point must be the
 * output's).
 * MIRROR_PAD: REFLECT (the edge not repeated) or SYMMETRIC (repeated) padding; every output
 * element is a copy of an input element (TFLM mirror_pad.cc, int8 and float32), so it is
 * built from strided copies: the input into the interior, then per dimension d the before and
 * after bands, read backwards from the output itself over the dimensions already padded
 * (< d, full extent) and the interior of the others (> d). Padding is separable, so that is
 * TFLM's GetInputDimension index arithmetic, element for element.
 */
import type { Graph, MirrorPadOp, PadOp, PadV2Op } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import type { EmitContext, Kernel, OpDef, TfliteReadContext, TfliteWriteContext } from './op-def.js';
import { input, inShape, noMacs, noParams, output, requireDtype, scaleOf, shape4, shapeFail, shapeLit, unsupported, versionByDtype, zeroPointOf } from './common.js';
import { emitCopyCall, rowMajorStrides, simplifyCopy, stridedCopyKernel, type StridedCopy } from './strided-copy.js';

export interface PadPrepared {
  /** Output flat index of every input element. */
  map: Int32Array;
  padValue: number;
}

function padMap(g: Graph, op: PadOp | PadV2Op | MirrorPadOp): Int32Array {
  const x = input(g, op, 0);
  const y = output(g, op);
  const rank = x.shape.length;
  const paddings = op.paddings;
  if (paddings.length !== rank) unsupported(op, `${paddings.length} paddings for rank ${rank}`);
  for (let d = 0; d < rank; d++) {
    const expect = x.shape[d]! + paddings[d]![0] + paddings[d]![1];
    if (y.shape[d] !== expect) unsupported(op, `output dim ${d} is ${y.shape[d]}, padding gives ${expect}`);
  }
  const n = elementCount(x.shape);
  const map = new Int32Array(n);
  const outStrides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) outStrides[d] = outStrides[d + 1]! * y.shape[d + 1]!;
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += (counter[d]! + paddings[d]![0]) * outStrides[d]!;
    map[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d]! < x.shape[d]!) break;
      counter[d] = 0;
    }
  }
  return map;
}

function padKernel(op: PadOp | PadV2Op, map: Int32Array, padValue: number): Kernel {
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as Int8Array | Int16Array;
    const out = bufs[oIdx] as Int8Array | Int16Array;
    out.fill(padValue);
    for (let i = 0; i < map.length; i++) out[map[i]!] = inp[i]!;
  };
}

function paddedShape(g: Graph, op: PadOp | PadV2Op | MirrorPadOp): number[][] {
  const x = inShape(g, op, 0);
  if (op.paddings.length !== x.length) shapeFail(op, `paddings have ${op.paddings.length} rows for a ${x.length}-D input`);
  if (op.paddings.some(([a, b]) => a < 0 || b < 0)) shapeFail(op, 'negative paddings');
  return [x.map((d, i) => d + op.paddings[i]![0] + op.paddings[i]![1])];
}

function readPaddings(r: TfliteReadContext): [number, number][] {
  const p = r.constInts(1, 'paddings');
  if (p.length % 2 !== 0) r.bad(`paddings hold ${p.length} values, expected rank x 2`);
  const paddings: [number, number][] = [];
  for (let i = 0; i < p.length; i += 2) paddings.push([p[i]!, p[i + 1]!]);
  return paddings;
}

/** The operator's inputs with the paddings as the constant input 1 (TFLite wants them there). */
function withPaddings(op: PadOp | PadV2Op | MirrorPadOp, w: TfliteWriteContext): number[] {
  if (op.inputs.length >= 2 && op.inputs[1]! >= 0) return op.inputs;
  return [op.inputs[0]!, w.addConstant({ name: `${op.name}/paddings`, shape: [op.paddings.length, 2], dtype: 'int32', data: Int32Array.from(op.paddings.flat()) }), ...op.inputs.slice(2)];
}

function emitPad(ctx: EmitContext, op: PadOp | PadV2Op, padValue: number): string[] {
  const L = ctx.prefix;
  const xT = ctx.g.tensors[op.inputs[0]!]!;
  const yT = ctx.g.tensors[op.outputs[0]!]!;
  const before = op.paddings.map((q) => q[0]);
  while (before.length < 4) before.unshift(0);
  ctx.decl(`static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT, op))}, ${L}_out = ${shapeLit(shape4(yT, op))};`, `static const int32_t ${L}_before[4] = {${before.join(', ')}};`);
  const fn = xT.dtype === 'int16' ? 'pad_s16' : 'pad_s8';
  ctx.call(`tinyml_${fn}(&${L}_in, ${ctx.ptr(op.inputs[0]!)}, ${L}_before, &${L}_out, ${ctx.ptr(op.outputs[0]!)}, ${padValue});`);
  return [fn];
}

export const pad: OpDef<PadOp, PadPrepared> = {
  kind: 'Pad',
  arity: { inputs: [1, 2] },
  inferShapes: paddedShape,
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8', 'int16'], op, 'input');
    requireDtype(output(g, op), [input(g, op, 0).dtype], op, 'output');
    return { map: padMap(g, op), padValue: zeroPointOf(output(g, op)) };
  },
  evalQuantized: (_g, op, p) => padKernel(op, p.map, p.padValue),
  evalFloat: (g, op) => padKernel(op, padMap(g, op), 0),
  emitC: (ctx, op, p) => emitPad(ctx, op, p.padValue),
  tflite: {
    builtin: 'PAD',
    options: 'PadOptions',
    read: (r) => ({ ...r.base, kind: 'Pad', paddings: readPaddings(r) }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: {}, inputs: withPaddings(op, w) }),
  },
  tf: (tf, _g, op, get) => tf.pad(get(op.inputs[0]!), op.paddings),
};

/** The pad value of a PADV2: its constant input 2 as stored (TFLM requires the output's params). */
function padV2Value(g: Graph, op: PadV2Op, quantized: boolean): number {
  const v = input(g, op, 2);
  if (!v.data || v.data.length !== 1) unsupported(op, `constant_values '${v.name}' must be a constant scalar`);
  if (quantized) {
    const y = output(g, op);
    requireDtype(v, [y.dtype], op, 'constant_values');
    if (zeroPointOf(v) !== zeroPointOf(y) || scaleOf(v, 'constant_values', op) !== scaleOf(y, 'output', op)) unsupported(op, 'constant_values must have the output\'s scale and zero point (TFLM PadPrepare)');
  }
  return Number(v.data[0]);
}

export const padV2: OpDef<PadV2Op, PadPrepared> = {
  kind: 'PadV2',
  arity: { inputs: [3, 3] },
  inferShapes: paddedShape,
  params: noParams,
  macs: noMacs,
  // The pad value is quantized with the output's params (TFLite requires them equal).
  quant: { output: { kind: 'shared', inputs: [0, 2] } },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8', 'int16'], op, 'input');
    requireDtype(output(g, op), [input(g, op, 0).dtype], op, 'output');
    return { map: padMap(g, op), padValue: padV2Value(g, op, true) };
  },
  evalQuantized: (_g, op, p) => padKernel(op, p.map, p.padValue),
  evalFloat: (g, op) => padKernel(op, padMap(g, op), padV2Value(g, op, false)),
  emitC: (ctx, op, p) => emitPad(ctx, op, p.padValue),
  tflite: {
    builtin: 'PADV2',
    options: 'PadV2Options',
    read: (r) => ({ ...r.base, kind: 'PadV2', paddings: readPaddings(r) }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: {}, inputs: withPaddings(op, w) }),
  },
  tf: (tf, g, op, get) => tf.pad(get(op.inputs[0]!), op.paddings, padV2Value(g, op, false)),
};

/** The strided copies of a MIRROR_PAD from `x` (copy 0) and from the output itself (the rest). */
function mirrorCopies(g: Graph, op: MirrorPadOp): StridedCopy[] {
  const xs = input(g, op, 0).shape;
  const ys = output(g, op).shape;
  const r = xs.length;
  if (op.paddings.length !== r) unsupported(op, `${op.paddings.length} paddings for rank ${r}`);
  const edge = op.mode === 'reflect' ? 1 : 0;
  op.paddings.forEach(([a, b], d) => {
    if (Math.max(a, b) > xs[d]! - edge) unsupported(op, `padding ${Math.max(a, b)} on dimension ${d} of size ${xs[d]} (${op.mode} allows at most ${xs[d]! - edge})`);
  });
  const ySt = rowMajorStrides(ys);
  const at = (pos: number[]) => pos.reduce((s, p, d) => s + p * ySt[d]!, 0);
  const before = op.paddings.map((p) => p[0]);
  const copies: StridedCopy[] = [simplifyCopy({ dims: [...xs], src: { offset: 0, strides: rowMajorStrides(xs) }, dst: { offset: at(before), strides: ySt } })];
  for (let d = 0; d < r; d++) {
    const [pb, pa] = op.paddings[d]!;
    // Dimensions before d are padded already (full extent), the ones after are the interior.
    const dims = ys.map((n, e) => (e < d ? n : xs[e]!));
    const start = ys.map((_, e) => (e < d ? 0 : before[e]!));
    const back = ySt.map((s, e) => (e === d ? -s : s));
    const n = xs[d]!;
    if (pb > 0) {
      // Output j < pb reads output pb + (pb − j) (reflect) or pb + (pb − 1 − j) (symmetric).
      const src = [...start];
      src[d] = 2 * pb - (1 - edge);
      const dst = [...start];
      dst[d] = 0;
      copies.push(simplifyCopy({ dims: dims.map((v, e) => (e === d ? pb : v)), src: { offset: at(src), strides: back }, dst: { offset: at(dst), strides: ySt } }));
    }
    if (pa > 0) {
      // Output pb + n + j reads output pb + n − 1 − edge − j.
      const src = [...start];
      src[d] = pb + n - 1 - edge;
      const dst = [...start];
      dst[d] = pb + n;
      copies.push(simplifyCopy({ dims: dims.map((v, e) => (e === d ? pa : v)), src: { offset: at(src), strides: back }, dst: { offset: at(dst), strides: ySt } }));
    }
  }
  return copies;
}

function mirrorKernel(op: MirrorPadOp, copies: StridedCopy[]): Kernel {
  const x = op.inputs[0]!;
  const y = op.outputs[0]!;
  return stridedCopyKernel(copies, copies.map((_, k) => (k === 0 ? x : y)), copies.map(() => y));
}

export const mirrorPad: OpDef<MirrorPadOp, StridedCopy[]> = {
  kind: 'MirrorPad',
  arity: { inputs: [1, 2] },
  inferShapes: paddedShape,
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'shared', inputs: [0] } },
  prepare(g, op) {
    requireDtype(input(g, op, 0), ['int8'], op, 'input');
    requireDtype(output(g, op), ['int8'], op, 'output');
    return mirrorCopies(g, op);
  },
  evalQuantized: (_g, op, p) => mirrorKernel(op, p),
  evalFloat: (g, op) => mirrorKernel(op, mirrorCopies(g, op)),
  emitC(ctx, op, p) {
    const dtype = ctx.g.tensors[op.outputs[0]!]!.dtype;
    p.forEach((c, k) => emitCopyCall(ctx, c, dtype, ctx.ptr(k === 0 ? op.inputs[0]! : op.outputs[0]!), ctx.ptr(op.outputs[0]!), `_${k}`));
    return ['strided_copy'];
  },
  tflite: {
    builtin: 'MIRROR_PAD',
    options: 'MirrorPadOptions',
    read: (r) => ({ ...r.base, kind: 'MirrorPad', paddings: readPaddings(r), mode: r.optNumber('mode', 0) === 1 ? 'symmetric' : 'reflect' }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }), options: { mode: op.mode === 'symmetric' ? 1 : 0 }, inputs: withPaddings(op, w) }),
  },
  tf: (tf, _g, op, get) => tf.mirrorPad(get(op.inputs[0]!), op.paddings, op.mode),
};
