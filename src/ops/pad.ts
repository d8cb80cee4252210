/**
 * PAD: constant padding per dimension (`paddings` from the constant input 1). int8 and int16
 * (16x8): padded elements take the output zero point (= the input's in valid models; TFLM
 * pad.cc, reference_ops::Pad with pad_value = output zero point); float: 0.
 */
import type { Graph, PadOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import type { Kernel, OpDef } from './op-def.js';
import { input, inShape, noMacs, noParams, output, requireDtype, shape4, shapeFail, shapeLit, unsupported, versionByDtype, zeroPointOf } from './common.js';

export interface PadPrepared {
  /** Output flat index of every input element. */
  map: Int32Array;
  padValue: number;
}

function padMap(g: Graph, op: PadOp): Int32Array {
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

function padKernel(op: PadOp, map: Int32Array, padValue: number): Kernel {
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as Int8Array | Int16Array;
    const out = bufs[oIdx] as Int8Array | Int16Array;
    out.fill(padValue);
    for (let i = 0; i < map.length; i++) out[map[i]!] = inp[i]!;
  };
}

export const pad: OpDef<PadOp, PadPrepared> = {
  kind: 'Pad',
  arity: { inputs: [1, 2] },
  inferShapes(g, op) {
    const x = inShape(g, op, 0);
    if (op.paddings.length !== x.length) shapeFail(op, `paddings have ${op.paddings.length} rows for a ${x.length}-D input`);
    if (op.paddings.some(([a, b]) => a < 0 || b < 0)) shapeFail(op, 'negative paddings');
    return [x.map((d, i) => d + op.paddings[i]![0] + op.paddings[i]![1])];
  },
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
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const xT = ctx.g.tensors[op.inputs[0]!]!;
    const yT = ctx.g.tensors[op.outputs[0]!]!;
    const before = op.paddings.map((q) => q[0]);
    while (before.length < 4) before.unshift(0);
    ctx.decl(`static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT, op))}, ${L}_out = ${shapeLit(shape4(yT, op))};`, `static const int32_t ${L}_before[4] = {${before.join(', ')}};`);
    const fn = xT.dtype === 'int16' ? 'pad_s16' : 'pad_s8';
    ctx.call(`tinyml_${fn}(&${L}_in, ${ctx.ptr(op.inputs[0]!)}, ${L}_before, &${L}_out, ${ctx.ptr(op.outputs[0]!)}, ${p.padValue});`);
    return [fn];
  },
  tflite: {
    builtin: 'PAD',
    options: 'PadOptions',
    read(r) {
      const p = r.constInts(1, 'paddings');
      if (p.length % 2 !== 0) r.bad(`paddings hold ${p.length} values, expected rank x 2`);
      const paddings: [number, number][] = [];
      for (let i = 0; i < p.length; i += 2) paddings.push([p[i]!, p[i + 1]!]);
      return { ...r.base, kind: 'Pad', paddings };
    },
    write(op, w) {
      let inputs = op.inputs;
      if (inputs.length < 2) inputs = [op.inputs[0]!, w.addConstant({ name: `${op.name}/paddings`, shape: [op.paddings.length, 2], dtype: 'int32', data: Int32Array.from(op.paddings.flat()) })];
      return { version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }), options: {}, inputs };
    },
  },
  tf: (tf, _g, op, get) => tf.pad(get(op.inputs[0]!), op.paddings),
};
