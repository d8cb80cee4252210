/**
 * ONNX graph → IR (NHWC), with the NCHW → NHWC layout change folded into the weights.
 *
 * Steps:
 *   1. Values: initializers and Constant nodes are constants; graph inputs (minus
 *      initializers, which old exporters also list as inputs) are activations with a static
 *      shape (a symbolic batch dimension is 1). A rank-4 (rank-3) input of a graph that has
 *      2-D (1-D) convolutions or pools is held channels-last in the IR; everything else as is.
 *      Each activation carries a Layout (onnx-layout.ts) saying how the IR holds it.
 *   2. Nodes, in topological order, go through ONE table (`LOWERINGS`, op type → handler):
 *      - a node whose inputs are all constant is folded (onnx-fold.ts): PyTorch's
 *        Shape → Gather → Unsqueeze → Concat → Reshape chains become constant shapes;
 *      - otherwise its handler emits IR ops. Relabelling ops (Transpose, Reshape, Flatten,
 *        Squeeze, Unsqueeze, Identity, Dropout) only change the Layout when the element order
 *        allows it; a FullyConnected reading a flattened NHWC tensor gets its weight columns
 *        permuted; a per-channel constant is stored in the IR's channel order.
 *      - An op that needs an IR op kind this build lacks (see FUTURE_IR_OPS) is emitted
 *        through `future()`, which emits it once the kind exists in OP_KINDS and otherwise
 *        reports the node unsupported, naming the IR op it waits for.
 *      Every unsupported node is collected (its outputs are marked failed and later nodes are
 *      still checked), and ONE UnsupportedOpsError lists them all at the end.
 *   3. IR passes shared with the Keras importer: BatchNorm Mul/Add folded into the preceding
 *      Conv/FullyConnected, Relu/Relu6 fused, unused tensors dropped; validateGraph.
 *   4. Graph inputs and outputs keep the ONNX shape and order (the user feeds NCHW data to the
 *      reference, the firmware and `tinyml run` alike): IR Transpose ops (and a Reshape for
 *      N×C×L) take a channels-last input into the NHWC body and the body's result back out;
 *      `boundaryInputs`/`boundaryOutputs` record them for `graph.boundaryLayout`.
 *
 * It does not promise: dynamic shapes (other than a symbolic batch of 1), control flow (If,
 * Loop, Scan), sequences, training-mode nodes, or non-default domains other than the QDQ ops.
 */
import { ModelFormatError, TinymlError, type UnsupportedLayer } from '../errors.js';
import type { Activation, Graph, Op, Padding, QuantParams } from '../ir/graph.js';
import { OP_KINDS } from '../ops/registry.js';
import {
  broadcastShape,
  broadcastValues,
  constOf,
  FOLDABLE_OPS,
  foldNode,
  NodeAttrs,
  normAxis,
  reshapeTarget,
  SHAPE_ONLY_OPS,
  sliceRanges,
  squeezeShape,
  transposeValues,
} from './onnx-fold.js';
import {
  alignSplit,
  channelsLastLayout,
  identityLayout,
  irAxes,
  irShapeOf,
  isIdentityLayout,
  keepsOrder,
  sameLayout,
  sameOrder,
  sourceIndex,
  toIrOrder,
  type Layout,
} from './onnx-layout.js';
import { OnnxDataType, type OnnxGraphProto, type OnnxNodeProto } from './onnx-schema.js';
import { annotateWeights } from './onnx-quant.js';
import { isFloatType, readTensor, typeName, type ExternalReader, type OnnxConst } from './onnx-tensors.js';
import { GraphBuilder } from './graph-builder.js';

/** Per-tensor or per-channel affine params as an ONNX model gives them (axis in ONNX axes). */
export interface OnnxQuant {
  scale: number[];
  zeroPoint: number[];
  axis: number;
  /** TensorProto.DataType of the quantized values (INT8, UINT8, INT32). */
  type: number;
}

/** A lowered ONNX value. */
export interface Value {
  name: string;
  shape: number[];
  type: number;
  const?: OnnxConst;
  /** For a constant that a DequantizeLinear made from integers: the integers and params. */
  qconst?: { q: Float64Array; quant: OnnxQuant };
  ir?: number;
  layout?: Layout;
  /** Activation params from a QuantizeLinear → DequantizeLinear pair (QDQ models). */
  quant?: OnnxQuant;
  failed?: boolean;
}

/** IR op kinds the lowering emits once they exist (the lead adds them in src/ops/). */
export const FUTURE_IR_OPS = [
  'Transpose',
  'Sub',
  'Div',
  'Maximum',
  'Minimum',
  'LeakyRelu',
  'Prelu',
  'HardSwish',
  'TransposeConv',
  'ResizeNearestNeighbor',
  'ResizeBilinear',
  'StridedSlice',
  'Gather',
  'BatchMatMul',
  'Sum',
  'ReduceMax',
  'LogSoftmax',
] as const;

class Skip extends Error {}

export interface LoweringResult {
  graph: Graph;
  unsupported: UnsupportedLayer[];
  /** Notes for the user (re-quantized parameters, ...). */
  warnings: string[];
}

export interface LoweringOptions {
  file: string;
  /** Version of the default ('' / 'ai.onnx') opset. */
  opset: number;
  external?: ExternalReader;
  name: string;
}

const SPATIAL_OPS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'Resize', 'Upsample', 'QLinearConv', 'InstanceNormalization']);

/** Everything a handler sees for one node. */
export class Ctx {
  readonly at: NodeAttrs;
  constructor(
    readonly L: Lowering,
    readonly node: OnnxNodeProto,
    readonly index: number,
  ) {
    this.at = new NodeAttrs(node, L.file);
  }
  get name(): string {
    return this.node.name || `${this.node.opType}_${this.index}`;
  }
  get opset(): number {
    return this.L.opset;
  }
  /** Input k, or undefined when absent ('' or past the end). */
  in(k: number): Value | undefined {
    const n = this.node.input[k];
    if (n === undefined || n === '') return undefined;
    return this.L.values.get(n);
  }
  need(k: number, what = `input ${k}`): Value {
    const v = this.in(k);
    if (!v) this.bad(`${what} is missing`);
    return v!;
  }
  /** Input k as a constant (the model must give it as an initializer or constant subgraph). */
  constIn(k: number, what: string): OnnxConst {
    const v = this.need(k, what);
    if (!v.const) this.unsupported(`${what} is computed at run time (tinyml needs it constant)`);
    return v.const!;
  }
  /** Input k as an activation with an IR tensor. */
  act(k: number, what = `input ${k}`): Value {
    const v = this.need(k, what);
    if (v.ir === undefined || !v.layout) this.bad(`${what} '${v.name}' has no value`);
    if (!isFloatType(v.type)) this.unsupported(`${what} is ${typeName(v.type)} at run time (only float activations are supported)`);
    return v;
  }
  bad(what: string): never {
    throw new ModelFormatError(this.L.file, `node '${this.name}' (${this.node.opType}): ${what}`);
  }
  unsupported(reason: string): never {
    this.L.unsupported.push({ name: this.name, type: this.node.opType, reason });
    throw new Skip();
  }
  /** Emits `op` when its kind exists in this build, else reports the node (see FUTURE_IR_OPS). */
  future(kind: (typeof FUTURE_IR_OPS)[number], fields: Record<string, unknown> & { inputs: number[]; outputs: number[] }, why = ''): void {
    if (!(OP_KINDS as readonly string[]).includes(kind)) {
      this.L.unsupported.push({ name: this.name, type: this.node.opType, reason: `${why ? `${why}: ` : ''}needs IR op ${kind}, not in this build` });
      throw new Skip();
    }
    this.L.ops.push({ kind, name: this.name, ...fields } as unknown as Op);
  }
  /** Defines output k. */
  out(k: number, v: Omit<Value, 'name'>): void {
    const n = this.node.output[k];
    if (n === undefined || n === '') return;
    this.L.values.set(n, { name: n, ...v });
  }
  /** Output k as an activation: IR tensor `ir` with layout `layout` of ONNX shape `shape`. */
  outAct(k: number, shape: number[], ir: number, layout: Layout, type: number = OnnxDataType.FLOAT): void {
    this.out(k, { shape, type, ir, layout });
  }
  /** A fresh IR activation tensor named after output k. */
  newAct(irShape: number[], k = 0, suffix = ''): number {
    const base = this.node.output[k] || this.name;
    return this.L.addTensor({ name: `${base}${suffix}`, shape: irShape, dtype: 'float32' });
  }
  emit(op: Op): void {
    this.L.ops.push(op);
  }
}

type Handler = (c: Ctx) => void;

export class Lowering extends GraphBuilder {
  readonly values = new Map<string, Value>();
  readonly unsupported: UnsupportedLayer[] = [];
  /** IR tensors written by Unsupported ops (kept so that inspect shows the whole model). */
  readonly unsupportedOutputs = new Set<number>();
  /** The channels-last layout of each graph input/output that boundary ops convert (by index). */
  readonly boundaryInputs = new Map<number, Layout>();
  readonly boundaryOutputs = new Map<number, Layout>();
  readonly warnings: string[] = [];
  readonly file: string;
  readonly opset: number;
  /** IR tensor → the op that writes it (to ask whether a value is non-negative). */
  private readonly producer = new Map<number, Op>();

  constructor(readonly opts: LoweringOptions) {
    super();
    this.file = opts.file;
    this.opset = opts.opset;
  }

  /**
   * An IR StridedSlice of `x` into `y` taking `count` elements from `start` by `step` per axis.
   * A backward slice that runs through element 0 has no end index TFLite can express (-1 wraps
   * to the last element), so its axis takes the end mask instead.
   */
  stridedSlice(c: Ctx, x: number, y: number, start: number[], step: number[], count: number[], tag = '', why = ''): void {
    let endMask = 0;
    const end = start.map((s, i) => {
      const e = s + count[i]! * step[i]!;
      if (e < 0) {
        endMask |= 1 << i;
        return 0;
      }
      return e;
    });
    c.future(
      'StridedSlice',
      {
        inputs: [x, this.constI32(`${c.name}/begin${tag}`, start), this.constI32(`${c.name}/end${tag}`, end), this.constI32(`${c.name}/strides${tag}`, step)],
        outputs: [y],
        begin: start,
        end,
        strides: step,
        beginMask: 0,
        endMask,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
        offset: false,
      },
      why,
    );
  }
  producerOf(t: number): Op | undefined {
    if (this.producer.size === 0 || !this.producer.has(t)) for (const op of this.ops) for (const o of op.outputs) this.producer.set(o, op);
    return this.producer.get(t);
  }

  /**
   * The IR tensor holding `v` in layout `target` (same element count). Free when the orders
   * agree (a Reshape when the IR shapes differ); otherwise an IR Transpose is needed.
   */
  asLayout(c: Ctx, v: Value, target: Layout, why: string): number {
    const cur = v.layout!;
    const shape = irShapeOf(target);
    if (sameLayout(cur, target)) return v.ir!;
    if (sameOrder(cur, target)) {
      const curShape = this.tensors[v.ir!]!.shape;
      if (curShape.length === shape.length && curShape.every((d, i) => d === shape[i])) return v.ir!;
      return this.reshapeIr(c, v.ir!, shape);
    }
    // A real change of element order. Towards the ONNX order: transpose the IR tensor back to
    // its split's own order, then reshape.
    if (keepsOrder(target)) {
      const perm = cur.split.map((_, j) => cur.perm.indexOf(j));
      const mid = c.newAct([...cur.split], 0, '/transpose');
      const src = this.viewAs(c, v.ir!, irShapeOf(cur));
      c.future('Transpose', { inputs: [src, this.constI32(`${c.name}/perm`, perm)], outputs: [mid], perm }, why);
      return cur.split.length === shape.length && cur.split.every((d, i) => d === shape[i]) ? mid : this.reshapeIr(c, mid, shape);
    }
    // Between two views of the same split: one IR Transpose.
    const a = alignSplit(v.shape, cur);
    const b = alignSplit(v.shape, target);
    if (a && b && a.inserted.length === 0 && b.inserted.length === 0) {
      const perm = target.perm.map((tp) => cur.perm.indexOf(tp));
      const y = c.newAct(shape, 0, '/transpose');
      const src = this.viewAs(c, v.ir!, irShapeOf(cur));
      c.future('Transpose', { inputs: [src, this.constI32(`${c.name}/perm`, perm)], outputs: [y], perm }, why);
      return y;
    }
    // Views of different splits (a channel shuffle's Reshape → Transpose → Reshape read as
    // NHWC): on a split that refines both, one Transpose; else through the ONNX order.
    const common = refineSplits(cur.split, target.split);
    if (common && common.sizes.length <= 6) {
      const expand = (l: Layout, groups: number[][]): Layout => ({ split: common.sizes, perm: l.perm.flatMap((s) => groups[s]!) });
      const curR = expand(cur, common.a);
      const tgtR = expand(target, common.b);
      const perm = tgtR.perm.map((tp) => curR.perm.indexOf(tp));
      const src = this.viewAs(c, v.ir!, irShapeOf(curR));
      const y = c.newAct(irShapeOf(tgtR), 0, '/transpose');
      c.future('Transpose', { inputs: [src, this.constI32(`${c.name}/perm`, perm)], outputs: [y], perm }, why);
      return this.viewAs(c, y, shape);
    }
    if (!isIdentityLayout(cur, v.shape)) {
      const mid = this.identity(c, v, why);
      return this.asLayout(c, { ...v, ir: mid, layout: identityLayout(v.shape) }, target, why);
    }
    return c.unsupported(`${why} needs a layout change tinyml cannot express`);
  }

  /**
   * IR tensor `x` with the shape `shape` of the same elements in the same order: `x` itself,
   * or a Reshape (a relabelled value's IR tensor keeps the shape it was computed with, while a
   * Transpose reads it in its layout's canonical shape).
   */
  viewAs(c: Ctx, x: number, shape: number[]): number {
    const cur = this.tensors[x]!.shape;
    return cur.length === shape.length && cur.every((d, i) => d === shape[i]) ? x : this.reshapeIr(c, x, shape);
  }

  reshapeIr(c: Ctx, x: number, shape: number[]): number {
    const y = c.newAct(shape, 0, '/reshape');
    // Activations are float until quantized; index tensors (ArgMax) stay int32.
    if (this.tensors[x]!.dtype === 'int32') this.tensors[y]!.dtype = 'int32';
    this.ops.push({ kind: 'Reshape', name: `${c.name}/reshape`, inputs: [x, this.constI32(`${c.name}/shape`, shape)], outputs: [y], newShape: shape });
    return y;
  }

  /** `v` in identity layout (the IR tensor has the ONNX shape and order). */
  identity(c: Ctx, v: Value, why: string): number {
    return this.asLayout(c, v, identityLayout(v.shape), why);
  }

  /** True when the activation's values are known to be >= 0 (it comes out of a ReLU-like op). */
  nonNegative(v: Value): boolean {
    const op = this.producerOf(v.ir!);
    if (!op) return false;
    if (op.kind === 'Relu' || op.kind === 'Relu6' || op.kind === 'Logistic' || op.kind === 'Softmax') return true;
    if ('activation' in op && (op.activation === 'relu' || op.activation === 'relu6')) return true;
    if ((op.kind === 'MaxPool2D' || op.kind === 'AveragePool2D' || op.kind === 'Reshape' || op.kind === 'Pad') && op.inputs[0] !== undefined) {
      const up = [...this.values.values()].find((x) => x.ir === op.inputs[0]);
      return up ? this.nonNegative(up) : false;
    }
    return false;
  }

  /** A float constant shaped for an IR binary op with activation `v` (ONNX shape `outShape`). */
  constForLayout(c: Ctx, k: OnnxConst, v: Value, what: string): number {
    const outShape = v.shape;
    const full = broadcastValues(k, outShape);
    const l = v.layout!;
    const src = sourceIndex(l);
    const irShape = irShapeOf(l);
    let data = new Float64Array(full.length);
    for (let i = 0; i < src.length; i++) data[i] = full[src[i]!]!;
    // Collapse every IR axis along which the constant does not change.
    let shape = [...irShape];
    for (let ax = 0; ax < shape.length; ax++) {
      if (shape[ax] === 1) continue;
      const inner = shape.slice(ax + 1).reduce((p, d) => p * d, 1);
      const dim = shape[ax]!;
      const outer = data.length / (inner * dim);
      let invariant = true;
      for (let o = 0; o < outer && invariant; o++) {
        for (let j = 1; j < dim && invariant; j++) {
          for (let i = 0; i < inner; i++) {
            if (data[(o * dim + j) * inner + i] !== data[o * dim * inner + i]) {
              invariant = false;
              break;
            }
          }
        }
      }
      if (!invariant) continue;
      const next = new Float64Array(outer * inner);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) next[o * inner + i] = data[o * dim * inner + i]!;
      data = next;
      shape[ax] = 1;
    }
    // Drop leading 1s: a per-channel constant becomes [C] (what the BatchNorm fold looks for).
    while (shape.length > 1 && shape[0] === 1) shape = shape.slice(1);
    return this.constF32(`${c.name}/${what}`, shape, Float32Array.from(data));
  }
}

/* ------------------------------------------------------------------ */
/* Windowed ops                                                        */
/* ------------------------------------------------------------------ */

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [begin, end] per spatial axis (H, W). */
  pads: [[number, number], [number, number]];
}

/** Kernel/stride/dilation/pads of a 1-D or 2-D windowed node, as 2-D (H = 1 for 1-D). */
function windowOf(c: Ctx, inSpatial: number[], kernelShape: number[] | undefined): Window {
  const r = inSpatial.length;
  if (r !== 1 && r !== 2) c.unsupported(`${r}-D windows (only 1-D and 2-D)`);
  const k = c.at.ints('kernel_shape') ?? kernelShape ?? c.bad('kernel_shape is missing');
  const s = c.at.ints('strides') ?? new Array<number>(r).fill(1);
  const d = c.at.ints('dilations') ?? new Array<number>(r).fill(1);
  if (k.length !== r || s.length !== r || d.length !== r) c.bad(`kernel_shape/strides/dilations do not have ${r} entries`);
  if ([...k, ...s, ...d].some((v) => !Number.isInteger(v) || v < 1 || v > 1 << 16)) c.bad('kernel_shape, strides and dilations must be positive');
  const autoPad = c.at.string('auto_pad', 'NOTSET');
  const pads: [number, number][] = [];
  for (let i = 0; i < r; i++) {
    const ek = (k[i]! - 1) * d[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const out = Math.ceil(inSpatial[i]! / s[i]!);
      const total = Math.max(0, (out - 1) * s[i]! + ek - inSpatial[i]!);
      const small = Math.floor(total / 2);
      pads.push(autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small]);
    } else if (autoPad === 'VALID') pads.push([0, 0]);
    else if (autoPad === 'NOTSET') {
      const p = c.at.ints('pads') ?? new Array<number>(2 * r).fill(0);
      if (p.length !== 2 * r || p.some((v) => !Number.isInteger(v) || v < 0 || v > 1 << 16)) c.bad(`pads [${p.join(',')}] are not ${2 * r} non-negative integers`);
      pads.push([p[i]!, p[i + r]!]);
    } else c.bad(`auto_pad '${autoPad}' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  }
  if (r === 1) return { kernel: [1, k[0]!], strides: [1, s[0]!], dilations: [1, d[0]!], pads: [[0, 0], pads[0]!] };
  return { kernel: [k[0]!, k[1]!], strides: [s[0]!, s[1]!], dilations: [d[0]!, d[1]!], pads: [pads[0]!, pads[1]!] };
}

/** ONNX output size along one axis (floor, or ceil_mode). */
function windowOut(inSize: number, k: number, s: number, d: number, [pb, pe]: [number, number], ceil = false): number {
  const ek = (k - 1) * d + 1;
  const span = inSize + pb + pe - ek;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil_mode: the last window must start inside the input or its leading padding.
  if (ceil && (out - 1) * s >= inSize + pb) out--;
  return out;
}

/** Which TFLite paddings give exactly these ONNX pads along one axis. */
function tfPaddings(inSize: number, k: number, s: number, d: number, pads: [number, number], out: number): Set<Padding> {
  const ok = new Set<Padding>();
  if (pads[0] === 0 && pads[1] === 0 && Math.floor((inSize - ((k - 1) * d + 1)) / s) + 1 === out) ok.add('valid');
  const sameOut = Math.ceil(inSize / s);
  const total = Math.max(0, (sameOut - 1) * s + (k - 1) * d + 1 - inSize);
  const before = Math.floor(total / 2);
  // SAME never reads padding past what the output needs, so an unused trailing pad is the same.
  if (out === sameOut && pads[0] === before && (pads[1] === total - before || (total === 0 && pads[0] === 0))) ok.add('same');
  return ok;
}

/** One TFLite padding that fits both axes, or undefined (then pad explicitly). */
function tfPadding2(h: Set<Padding>, w: Set<Padding>): Padding | undefined {
  if (h.has('valid') && w.has('valid')) return 'valid';
  if (h.has('same') && w.has('same')) return 'same';
  return undefined;
}

/** The activation `x` (rank 3 or 4) held channels-last, as [N, H, W, C] in the IR. */
function channelsLast(c: Ctx, x: Value): { ir: number; n: number; ch: number; h: number; w: number } {
  const r = x.shape.length;
  if (r !== 3 && r !== 4) c.unsupported(`a rank-${r} input (only 1-D and 2-D, N×C×L or N×C×H×W)`);
  const ir = c.L.asLayout(c, x, channelsLastLayout(x.shape), 'reading an NCHW tensor as NHWC');
  const [n, ch] = x.shape as [number, number];
  return r === 4 ? { ir, n, ch, h: x.shape[2]!, w: x.shape[3]! } : { ir, n, ch, h: 1, w: x.shape[2]! };
}

/** Output value of a windowed op: ONNX shape [N, C, H, W] (or [N, C, W]) held channels-last. */
function defineChannelsLast(c: Ctx, k: number, rank: number, n: number, ch: number, h: number, w: number, ir: number): void {
  const shape = rank === 4 ? [n, ch, h, w] : [n, ch, w];
  c.outAct(k, shape, ir, channelsLastLayout(shape));
}

/** Explicit zero padding of an NHWC IR tensor (before a VALID conv or pool). */
function padNhwc(c: Ctx, x: number, [n, h, w, ch]: number[], pads: Window['pads']): { ir: number; h: number; w: number } {
  const paddings: [number, number][] = [[0, 0], pads[0], pads[1], [0, 0]];
  const oh = h + pads[0][0] + pads[0][1];
  const ow = w + pads[1][0] + pads[1][1];
  const y = c.newAct([n, oh, ow, ch], 0, '/pad');
  const pt = c.L.addTensor({ name: `${c.name}/paddings`, shape: [4, 2], dtype: 'int32', data: Int32Array.from(paddings.flat()) });
  c.emit({ kind: 'Pad', name: `${c.name}/pad`, inputs: [x, pt], outputs: [y], paddings });
  return { ir: y, h: oh, w: ow };
}

function floatData(c: Ctx, k: OnnxConst, what: string): Float32Array {
  if (!isFloatType(k.type)) c.unsupported(`${what} is ${typeName(k.type)} (float expected)`);
  return Float32Array.from(k.data);
}

const lowerConv: Handler = (c) => {
  const x = c.act(0, 'X');
  const wc = c.constIn(1, 'weights W');
  const r = x.shape.length;
  if (wc.shape.length !== r) c.bad(`weights [${wc.shape.join(',')}] do not match a rank-${r} input`);
  const group = c.at.int('group', 1);
  const [M, Cg] = wc.shape as [number, number];
  const { ir: xin, n, ch, h, w } = channelsLast(c, x);
  if (!(group >= 1) || ch % group !== 0 || M % group !== 0 || Cg * group !== ch) c.bad(`group ${group} does not fit ${ch} input channels and weights [${wc.shape.join(',')}]`);
  const win = windowOf(c, x.shape.slice(2), wc.shape.slice(2));
  const [kh, kw] = win.kernel;
  if (r === 3 ? wc.shape[2] !== kw : wc.shape[2] !== kh || wc.shape[3] !== kw) c.bad(`kernel_shape does not match weights [${wc.shape.join(',')}]`);
  const oh = windowOut(h, kh, win.strides[0], win.dilations[0], win.pads[0]);
  const ow = windowOut(w, kw, win.strides[1], win.dilations[1], win.pads[1]);
  if (oh < 1 || ow < 1) c.bad(`a ${kh}x${kw} kernel does not fit the ${h}x${w} input`);
  const wdata = floatData(c, wc, 'W');
  const bias = c.in(2) ? floatData(c, c.constIn(2, 'bias B'), 'B') : new Float32Array(M);
  if (bias.length !== M) c.bad(`bias has ${bias.length} values for ${M} output channels`);

  let input = xin;
  let [ih, iw] = [h, w];
  let padding = tfPadding2(tfPaddings(h, kh, win.strides[0], win.dilations[0], win.pads[0], oh), tfPaddings(w, kw, win.strides[1], win.dilations[1], win.pads[1], ow));
  if (padding === undefined) {
    // Explicit zero padding then VALID: exact for convolutions.
    ({ ir: input, h: ih, w: iw } = padNhwc(c, xin, [n, h, w, ch], win.pads));
    padding = 'valid';
  }
  void ih;
  void iw;
  const y = c.newAct([n, oh, ow, M]);
  const bt = c.L.constF32(`${c.name}/bias`, [M], bias);
  const common = { strideH: win.strides[0], strideW: win.strides[1], dilationH: win.dilations[0], dilationW: win.dilations[1], padding, activation: 'none' as Activation };
  const plane = kh * kw;
  if (group === ch && group > 1) {
    // Depthwise: ONNX output channel m = c·mult + j reads input channel c, TFLite's order too.
    const out = new Float32Array(plane * M);
    for (let m = 0; m < M; m++) for (let p = 0; p < plane; p++) out[p * M + m] = wdata[m * plane + p]!;
    const wt = c.L.constF32(`${c.name}/depthwise_weights`, [1, kh, kw, M], out);
    annotateWeights(c.L, wt, c.in(1)?.qconst?.quant, 0, 3, c.name);
    c.emit({ kind: 'DepthwiseConv2D', name: c.name, inputs: [input, wt, bt], outputs: [y], depthMultiplier: M / ch, ...common });
  } else {
    // [M, C/g, kh, kw] → OHWI [M, kh, kw, C/g]; groups stay in TFLite's grouped-conv order.
    const out = new Float32Array(wdata.length);
    for (let m = 0; m < M; m++) for (let ci = 0; ci < Cg; ci++) for (let p = 0; p < plane; p++) out[(m * plane + p) * Cg + ci] = wdata[(m * Cg + ci) * plane + p]!;
    const wt = c.L.constF32(`${c.name}/weights`, [M, kh, kw, Cg], out);
    annotateWeights(c.L, wt, c.in(1)?.qconst?.quant, 0, 0, c.name);
    c.emit({ kind: 'Conv2D', name: c.name, inputs: [input, wt, bt], outputs: [y], ...common });
  }
  defineChannelsLast(c, 0, r, n, M, oh, ow, y);
};

const lowerConvTranspose: Handler = (c) => {
  const x = c.act(0, 'X');
  const wc = c.constIn(1, 'weights W');
  const r = x.shape.length;
  if (wc.shape.length !== r) c.bad(`weights [${wc.shape.join(',')}] do not match a rank-${r} input`);
  const group = c.at.int('group', 1);
  if (group !== 1) c.unsupported(`group ${group} (only 1)`);
  const [Cin, M] = wc.shape as [number, number];
  const { ir: xin, n, ch, h, w } = channelsLast(c, x);
  if (Cin !== ch) c.bad(`weights [${wc.shape.join(',')}] do not match ${ch} input channels`);
  const win = windowOf(c, x.shape.slice(2), wc.shape.slice(2));
  if (win.dilations.some((d) => d !== 1)) c.unsupported('dilations other than 1');
  const outPad = c.at.ints('output_padding') ?? new Array<number>(r - 2).fill(0);
  const op2 = r === 3 ? [0, outPad[0] ?? 0] : [outPad[0] ?? 0, outPad[1] ?? 0];
  const [kh, kw] = win.kernel;
  const oh = win.strides[0] * (h - 1) + op2[0]! + kh - win.pads[0][0] - win.pads[0][1];
  const ow = win.strides[1] * (w - 1) + op2[1]! + kw - win.pads[1][0] - win.pads[1][1];
  if (c.at.ints('output_shape')) c.unsupported('output_shape (give pads instead)');
  if (op2[0]! >= win.strides[0] || op2[1]! >= win.strides[1]) c.unsupported(`output_padding [${op2.join(',')}] not smaller than the strides`);
  // TFLite TRANSPOSE_CONV pads like SAME (out = s·in) or VALID. A VALID one whose output_shape
  // is the full s·(in-1) + k plus output_padding computes the full transposed convolution and
  // leaves the output_padding rows/columns at the bias; ONNX's output is that, cropped by the
  // pads (begin pads included), so other pads are a VALID one cropped by a StridedSlice.
  const fullH = win.strides[0] * (h - 1) + kh;
  const fullW = win.strides[1] * (w - 1) + kw;
  const sameSize = oh === win.strides[0] * h && ow === win.strides[1] * w && win.pads[0][0] === Math.floor((fullH - oh) / 2) && win.pads[1][0] === Math.floor((fullW - ow) / 2);
  const padding: Padding = sameSize ? 'same' : 'valid';
  const extH = fullH + op2[0]!;
  const extW = fullW + op2[1]!;
  const crop = !sameSize && (win.pads[0][0] !== 0 || win.pads[1][0] !== 0 || oh !== extH || ow !== extW);
  const wdata = floatData(c, wc, 'W');
  const plane = kh * kw;
  // [Cin, M, kh, kw] → TFLite's [M, kh, kw, Cin].
  const out = new Float32Array(wdata.length);
  for (let ci = 0; ci < Cin; ci++) for (let m = 0; m < M; m++) for (let p = 0; p < plane; p++) out[(m * plane + p) * Cin + ci] = wdata[(ci * M + m) * plane + p]!;
  const wt = c.L.constF32(`${c.name}/weights`, [M, kh, kw, Cin], out);
  const bias = c.in(2) ? floatData(c, c.constIn(2, 'bias B'), 'B') : new Float32Array(M);
  const bt = c.L.constF32(`${c.name}/bias`, [M], bias);
  const [th, tw] = padding === 'same' ? [oh, ow] : [extH, extW];
  const full = c.newAct([n, th, tw, M], 0, crop ? '/full' : '');
  const shapeT = c.L.constI32(`${c.name}/output_shape`, [n, th, tw, M]);
  c.future('TransposeConv', { inputs: [shapeT, wt, xin, bt], outputs: [full], strideH: win.strides[0], strideW: win.strides[1], padding, activation: 'none' });
  let y = full;
  if (crop) {
    y = c.newAct([n, oh, ow, M]);
    c.L.stridedSlice(c, full, y, [0, win.pads[0][0], win.pads[1][0], 0], [1, 1, 1, 1], [n, oh, ow, M], '', 'cropping its pads');
  }
  defineChannelsLast(c, 0, r, n, M, oh, ow, y);
};

function lowerPool(kind: 'MaxPool2D' | 'AveragePool2D'): Handler {
  return (c) => {
    const x = c.act(0, 'X');
    if (c.node.output.length > 1 && c.node.output[1]) c.unsupported('the Indices output');
    const { ir: xin, n, ch, h, w } = channelsLast(c, x);
    const win = windowOf(c, x.shape.slice(2), undefined);
    if (win.dilations.some((d) => d !== 1)) c.unsupported('dilations other than 1');
    const ceil = c.at.int('ceil_mode', 0) === 1;
    const [kh, kw] = win.kernel;
    const oh = windowOut(h, kh, win.strides[0], 1, win.pads[0], ceil);
    const ow = windowOut(w, kw, win.strides[1], 1, win.pads[1], ceil);
    if (oh < 1 || ow < 1) c.bad(`a ${kh}x${kw} window does not fit the ${h}x${w} input`);
    // ceil_mode adds windows at the end: as extra end padding that no window value comes from.
    const pads: Window['pads'] = [
      [win.pads[0][0], Math.max(win.pads[0][1], (oh - 1) * win.strides[0] + kh - h - win.pads[0][0])],
      [win.pads[1][0], Math.max(win.pads[1][1], (ow - 1) * win.strides[1] + kw - w - win.pads[1][0])],
    ];
    const includePad = kind === 'AveragePool2D' && c.at.int('count_include_pad', 0) === 1;
    let padding = tfPadding2(tfPaddings(h, kh, win.strides[0], 1, pads[0], oh), tfPaddings(w, kw, win.strides[1], 1, pads[1], ow));
    let input = xin;
    const anyPad = pads.flat().some((p) => p > 0);
    if (padding === undefined || (includePad && anyPad)) {
      if (kind === 'MaxPool2D' && !c.L.nonNegative(x)) c.unsupported(`pads [${win.pads.flat().join(',')}] that are not TFLite's SAME padding, on an input that may be negative`);
      if (kind === 'AveragePool2D' && !includePad) c.unsupported(`pads [${win.pads.flat().join(',')}] with count_include_pad=0 that are not TFLite's SAME padding`);
      if (ceil && includePad) c.unsupported('ceil_mode with count_include_pad=1');
      // Zero padding is exact here: counted zeros for the average, and no effect on a max of values >= 0.
      input = padNhwc(c, xin, [n, h, w, ch], pads).ir;
      padding = 'valid';
    }
    const y = c.newAct([n, oh, ow, ch]);
    c.emit({ kind, name: c.name, inputs: [input], outputs: [y], filterH: kh, filterW: kw, strideH: win.strides[0], strideW: win.strides[1], padding, activation: 'none' });
    defineChannelsLast(c, 0, x.shape.length, n, ch, oh, ow, y);
  };
}

function lowerGlobalPool(kind: 'Mean' | 'MaxPool2D'): Handler {
  return (c) => {
    const x = c.act(0, 'X');
    const { ir: xin, n, ch, h, w } = channelsLast(c, x);
    const y = c.newAct([n, 1, 1, ch]);
    if (kind === 'Mean') {
      const axes = c.L.constI32(`${c.name}/axes`, [1, 2]);
      c.emit({ kind: 'Mean', name: c.name, inputs: [xin, axes], outputs: [y], axes: [1, 2], keepDims: true });
    } else {
      c.emit({ kind: 'MaxPool2D', name: c.name, inputs: [xin], outputs: [y], filterH: h, filterW: w, strideH: 1, strideW: 1, padding: 'valid', activation: 'none' });
    }
    defineChannelsLast(c, 0, x.shape.length, n, ch, 1, 1, y);
  };
}

/* ------------------------------------------------------------------ */
/* Fully connected                                                     */
/* ------------------------------------------------------------------ */

/**
 * FullyConnected over activation `a` (ONNX [M, K]) with weights `wNK` ([N, K] in ONNX column
 * order): the columns are permuted to the order the IR holds `a` in.
 */
function fullyConnected(c: Ctx, a: Value, wNK: Float32Array, N: number, K: number, bias: Float32Array, unitsAxis = -1): void {
  const M = a.shape[0]!;
  const l = a.layout!;
  let xin = a.ir!;
  let cols: Int32Array | undefined;
  if (!sameOrder(l, identityLayout(a.shape))) {
    // IR element j holds ONNX element src[j]; FC needs the same column map in every row.
    const src = sourceIndex(l);
    cols = new Int32Array(K);
    for (let j = 0; j < src.length; j++) {
      const row = Math.floor(j / K);
      if (Math.floor(src[j]! / K) !== row) {
        xin = c.L.identity(c, a, 'a fully connected layer over rows in another order');
        cols = undefined;
        break;
      }
      if (row === 0) cols[j] = src[j]! % K;
      else if (cols[j % K] !== src[j]! % K) {
        xin = c.L.identity(c, a, 'a fully connected layer over rows in another order');
        cols = undefined;
        break;
      }
    }
  }
  let w = wNK;
  if (cols) {
    w = new Float32Array(N * K);
    for (let nn = 0; nn < N; nn++) for (let j = 0; j < K; j++) w[nn * K + j] = wNK[nn * K + cols[j]!]!;
  }
  const wt = c.L.constF32(`${c.name}/weights`, [N, K], w);
  if (unitsAxis >= 0) annotateWeights(c.L, wt, c.in(1)?.qconst?.quant, unitsAxis, 0, c.name);
  const bt = c.L.constF32(`${c.name}/bias`, [N], bias);
  const y = c.newAct([M, N]);
  c.emit({ kind: 'FullyConnected', name: c.name, inputs: [xin, wt, bt], outputs: [y], activation: 'none', keepNumDims: false });
  c.outAct(0, [M, N], y, identityLayout([M, N]));
}

const lowerGemm: Handler = (c) => {
  const a = c.act(0, 'A');
  const bc = c.constIn(1, 'B');
  if (a.shape.length !== 2 || bc.shape.length !== 2) c.bad('A and B must be 2-D');
  if (c.at.int('transA', 0) !== 0) c.unsupported('transA=1 on a run-time A');
  const transB = c.at.int('transB', 0) === 1;
  const alpha = c.at.float('alpha', 1);
  const beta = c.at.float('beta', 1);
  const [M, K] = a.shape as [number, number];
  const N = transB ? bc.shape[0]! : bc.shape[1]!;
  if ((transB ? bc.shape[1] : bc.shape[0]) !== K) c.bad(`B [${bc.shape.join(',')}] does not match A [${a.shape.join(',')}]`);
  const b = floatData(c, bc, 'B');
  const w = new Float32Array(N * K);
  for (let nn = 0; nn < N; nn++) for (let k = 0; k < K; k++) w[nn * K + k] = Math.fround(alpha * (transB ? b[nn * K + k]! : b[k * N + nn]!));
  let bias = new Float32Array(N);
  const cIn = c.in(2);
  let extra: OnnxConst | undefined;
  if (cIn) {
    const cc = c.constIn(2, 'C');
    const full = broadcastValues(cc, [M, N]);
    const rowsEqual = full.every((v, i) => v === full[i % N]);
    if (rowsEqual) bias = Float32Array.from(full.subarray(0, N), (v) => Math.fround(beta * v));
    else extra = constOf(OnnxDataType.FLOAT, [M, N], Array.from(full, (v) => beta * v));
  }
  fullyConnected(c, a, w, N, K, bias, transB ? 0 : 1);
  if (extra) addConstToOutput(c, extra);
};

/** Adds a constant to the activation just defined as output 0 (Gemm's C that varies by row). */
function addConstToOutput(c: Ctx, k: OnnxConst): void {
  const v = c.L.values.get(c.node.output[0]!)!;
  const kt = c.L.constForLayout(c, k, v, 'C');
  const y = c.newAct(irShapeOf(v.layout!), 0, '/c');
  c.emit({ kind: 'Add', name: `${c.name}/c`, inputs: [v.ir!, kt], outputs: [y], activation: 'none' });
  c.outAct(0, v.shape, y, v.layout!);
}

const lowerMatMul: Handler = (c) => {
  const aV = c.need(0, 'A');
  const bV = c.need(1, 'B');
  if (aV.const && !bV.const) c.unsupported('a constant left operand with a run-time right operand');
  if (!bV.const) {
    const a = c.act(0, 'A');
    const b = c.act(1, 'B');
    const shape = matmulShape(c, a.shape, b.shape);
    const xa = c.L.identity(c, a, 'a batched matrix product');
    const xb = c.L.identity(c, b, 'a batched matrix product');
    const y = c.newAct(shape);
    c.future('BatchMatMul', { inputs: [xa, xb], outputs: [y], adjX: false, adjY: false }, 'two run-time operands');
    c.outAct(0, shape, y, identityLayout(shape));
    return;
  }
  const a = c.act(0, 'A');
  const bc = bV.const;
  if (bc.shape.length !== 2) c.unsupported(`a rank-${bc.shape.length} constant B (only 2-D)`);
  const [K, N] = bc.shape as [number, number];
  if (a.shape.length < 2 || a.shape[a.shape.length - 1] !== K) c.bad(`A [${a.shape.join(',')}] does not match B [${bc.shape.join(',')}]`);
  const b = floatData(c, bc, 'B');
  const w = new Float32Array(N * K);
  for (let nn = 0; nn < N; nn++) for (let k = 0; k < K; k++) w[nn * K + k] = b[k * N + nn]!;
  if (a.shape.length === 2) {
    fullyConnected(c, a, w, N, K, new Float32Array(N), 1);
    return;
  }
  const xin = c.L.identity(c, a, 'a fully connected layer over a rank > 2 input');
  const shape = [...a.shape.slice(0, -1), N];
  const wt = c.L.constF32(`${c.name}/weights`, [N, K], w);
  annotateWeights(c.L, wt, bV.qconst?.quant, 1, 0, c.name);
  const bt = c.L.constF32(`${c.name}/bias`, [N], new Float32Array(N));
  const y = c.newAct(shape);
  c.emit({ kind: 'FullyConnected', name: c.name, inputs: [xin, wt, bt], outputs: [y], activation: 'none', keepNumDims: true });
  c.outAct(0, shape, y, identityLayout(shape));
};

function matmulShape(c: Ctx, a: number[], b: number[]): number[] {
  if (a.length < 2 || b.length < 2) c.unsupported('1-D MatMul operands');
  const batch = broadcastShape(a.slice(0, -2), b.slice(0, -2));
  if (!batch || a[a.length - 1] !== b[b.length - 2]) c.bad(`shapes [${a.join(',')}] and [${b.join(',')}] do not multiply`);
  return [...batch!, a[a.length - 2]!, b[b.length - 1]!];
}

/* ------------------------------------------------------------------ */
/* Elementwise                                                         */
/* ------------------------------------------------------------------ */

type BinKind = 'Add' | 'Mul' | 'Sub' | 'Div' | 'Maximum' | 'Minimum';

/** An elementwise binary op between activation `x` and constant `k` (x op k, or k op x when `constFirst`). */
function binaryWithConst(c: Ctx, kind: BinKind, x: Value, k: OnnxConst, constFirst: boolean): void {
  const outShape = broadcastShape(x.shape, k.shape) ?? c.bad(`shapes [${x.shape.join(',')}] and [${k.shape.join(',')}] do not broadcast`);
  let xv = x;
  if (outShape.length !== x.shape.length || outShape.some((d, i) => d !== x.shape[i])) {
    // The constant is the larger operand: work in ONNX layout.
    const ir = c.L.identity(c, x, 'broadcasting against a larger constant');
    const xs = [...new Array<number>(outShape.length - x.shape.length).fill(1), ...x.shape];
    const irx = xs.length === x.shape.length ? ir : c.L.reshapeIr(c, ir, xs);
    xv = { ...x, shape: xs, ir: irx, layout: identityLayout(xs) };
  }
  let data = k;
  let opKind: BinKind = kind;
  if (!isFloatType(k.type)) data = { ...k, type: OnnxDataType.FLOAT, data: Float32Array.from(k.data) };
  // Exact rewrites onto IR ops this build has: x − k = x + (−k); x ÷ k = x × (1/k) (float).
  if (kind === 'Sub' && !constFirst) {
    opKind = 'Add';
    data = { ...data, data: Float32Array.from(data.data, (v) => -v) };
  } else if (kind === 'Div' && !constFirst) {
    opKind = 'Mul';
    data = { ...data, data: Float32Array.from(data.data, (v) => Math.fround(1 / v)) };
  }
  const lay = xv.layout!;
  const kt = c.L.constForLayout(c, data, xv, 'constant');
  const irShape = irShapeOf(lay);
  const y = c.newAct(irShape);
  if (opKind === 'Add' || opKind === 'Mul') {
    c.emit({ kind: opKind, name: c.name, inputs: [xv.ir!, kt], outputs: [y], activation: 'none' });
  } else if (opKind === 'Sub') {
    // k − x (x − k was rewritten to an Add above).
    c.emit({ kind: 'Sub', name: c.name, inputs: [kt, xv.ir!], outputs: [y], activation: 'none' });
  } else {
    const inputs = constFirst ? [kt, xv.ir!] : [xv.ir!, kt];
    c.future(opKind as 'Div' | 'Maximum' | 'Minimum', { inputs, outputs: [y], ...(opKind === 'Div' ? { activation: 'none' } : {}) }, constFirst && opKind === 'Div' ? 'a constant divided by a run-time value' : '');
  }
  c.outAct(0, outShape, y, lay);
}

function lowerBinary(kind: BinKind): Handler {
  return (c) => {
    const a = c.need(0, 'A');
    const b = c.need(1, 'B');
    if (a.const && !b.const) return binaryWithConst(c, kind, c.act(1, 'B'), a.const, true);
    if (b.const) return binaryWithConst(c, kind, c.act(0, 'A'), b.const, false);
    const av = c.act(0, 'A');
    const bv = c.act(1, 'B');
    const outShape = broadcastShape(av.shape, bv.shape) ?? c.bad(`shapes [${av.shape.join(',')}] and [${bv.shape.join(',')}] do not broadcast`);
    const eq = (s: number[]) => s.length === outShape.length && s.every((d, i) => d === outShape[i]);
    let main = eq(av.shape) ? av : eq(bv.shape) ? bv : undefined;
    let layout: Layout;
    let ia: number;
    let ib: number;
    if (main && av.shape.length === bv.shape.length && eq(av.shape) && eq(bv.shape) && sameLayout(av.layout!, bv.layout!)) {
      layout = av.layout!;
      [ia, ib] = [av.ir!, bv.ir!];
    } else {
      if (!main || !irAxes(main.shape, main.layout!) || alignSplit(main.shape, main.layout!)!.inserted.length > 0) main = undefined;
      if (main) {
        layout = main.layout!;
        const other = main === av ? bv : av;
        const aligned = [...new Array<number>(outShape.length - other.shape.length).fill(1), ...other.shape];
        const target: Layout = { split: aligned, perm: layout.perm };
        const io = c.L.asLayout(c, { ...other, shape: aligned }, target, 'matching the other operand');
        [ia, ib] = main === av ? [main.ir!, io] : [io, main.ir!];
      } else {
        layout = identityLayout(outShape);
        ia = c.L.identity(c, av, 'broadcasting two run-time operands');
        ib = c.L.identity(c, bv, 'broadcasting two run-time operands');
      }
    }
    const irShape = irShapeOf(layout);
    const y = c.newAct(irShape);
    if (kind === 'Add' || kind === 'Mul' || kind === 'Sub') c.emit({ kind, name: c.name, inputs: [ia, ib], outputs: [y], activation: 'none' });
    else c.future(kind, { inputs: [ia, ib], outputs: [y], ...(kind === 'Div' ? { activation: 'none' } : {}) }, 'two run-time operands');
    c.outAct(0, outShape, y, layout);
  };
}

/** Max/Min with any number of inputs (ONNX variadic). */
function lowerVariadic(kind: 'Maximum' | 'Minimum' | 'Add'): Handler {
  const bin = lowerBinary(kind);
  return (c) => {
    const n = c.node.input.filter((s) => s !== '').length;
    if (n === 1) {
      const x = c.need(0);
      c.out(0, { ...x });
      return;
    }
    if (n !== 2) c.unsupported(`${n} inputs (2 supported)`);
    bin(c);
  };
}

function lowerUnary(kind: 'Relu' | 'Relu6' | 'Logistic' | 'Tanh' | 'Elu' | 'Abs' | 'Exp' | 'Log' | 'Sqrt' | 'Floor' | 'Ceil' | 'Round'): Handler {
  return (c) => {
    const x = c.act(0, 'X');
    const y = c.newAct(irShapeOf(x.layout!));
    c.emit({ kind, name: c.name, inputs: [x.ir!], outputs: [y] });
    c.outAct(0, x.shape, y, x.layout!);
  };
}

/**
 * Elu: TFLite's ELU has alpha 1. Another alpha is alpha·elu(x) + (1 − alpha)·relu(x), which is
 * alpha·(exp(x) − 1) below 0 and x above: ELU, RELU, two MULs by a scalar and an ADD.
 */
const lowerElu: Handler = (c) => {
  const alpha = c.at.float('alpha', 1);
  if (alpha === 1) return lowerUnary('Elu')(c);
  const x = c.act(0, 'X');
  const shape = irShapeOf(x.layout!);
  const e = c.newAct(shape, 0, '/elu');
  const r = c.newAct(shape, 0, '/relu');
  const ea = c.newAct(shape, 0, '/elu_alpha');
  const rb = c.newAct(shape, 0, '/relu_1-alpha');
  const y = c.newAct(shape);
  const k = (tag: string, v: number) => c.L.constF32(`${c.name}/${tag}`, [1], Float32Array.of(v));
  c.emit({ kind: 'Elu', name: `${c.name}/elu`, inputs: [x.ir!], outputs: [e] });
  c.emit({ kind: 'Relu', name: `${c.name}/relu`, inputs: [x.ir!], outputs: [r] });
  c.emit({ kind: 'Mul', name: `${c.name}/alpha`, inputs: [e, k('alpha', alpha)], outputs: [ea], activation: 'none' });
  c.emit({ kind: 'Mul', name: `${c.name}/1-alpha`, inputs: [r, k('1-alpha', 1 - alpha)], outputs: [rb], activation: 'none' });
  c.emit({ kind: 'Add', name: c.name, inputs: [ea, rb], outputs: [y], activation: 'none' });
  c.outAct(0, x.shape, y, x.layout!);
};

const lowerClip: Handler = (c) => {
  const x = c.act(0, 'X');
  let lo: number;
  let hi: number;
  if (c.opset < 11) {
    lo = c.at.float('min', -3.4028234663852886e38);
    hi = c.at.float('max', 3.4028234663852886e38);
  } else {
    lo = c.in(1) ? Number(c.constIn(1, 'min').data[0]) : -Infinity;
    hi = c.in(2) ? Number(c.constIn(2, 'max').data[0]) : Infinity;
  }
  const big = 3.4e38;
  const noLo = lo <= -big;
  const noHi = hi >= big;
  const irShape = irShapeOf(x.layout!);
  if (noLo && noHi) {
    c.out(0, { ...x });
    return;
  }
  const y = c.newAct(irShape);
  if (lo === 0 && hi === 6) c.emit({ kind: 'Relu6', name: c.name, inputs: [x.ir!], outputs: [y] });
  else if (lo === 0 && noHi) c.emit({ kind: 'Relu', name: c.name, inputs: [x.ir!], outputs: [y] });
  else {
    // General clip = Minimum(Maximum(x, lo), hi) (Relu when lo is 0).
    let cur = x.ir!;
    if (!noLo) {
      const mid = noHi ? y : c.newAct(irShape, 0, '/max');
      if (lo === 0) c.emit({ kind: 'Relu', name: `${c.name}/max`, inputs: [cur], outputs: [mid] });
      else c.future('Maximum', { inputs: [cur, c.L.constF32(`${c.name}/min`, [1], Float32Array.of(lo))], outputs: [mid] }, `min ${lo}`);
      cur = mid;
    }
    if (!noHi) c.future('Minimum', { inputs: [cur, c.L.constF32(`${c.name}/max`, [1], Float32Array.of(hi))], outputs: [y] }, `max ${hi}`);
  }
  c.outAct(0, x.shape, y, x.layout!);
};

const lowerLeakyRelu: Handler = (c) => {
  const x = c.act(0, 'X');
  const alpha = c.at.float('alpha', 0.01);
  const y = c.newAct(irShapeOf(x.layout!));
  c.future('LeakyRelu', { inputs: [x.ir!], outputs: [y], alpha });
  c.outAct(0, x.shape, y, x.layout!);
};

const lowerPRelu: Handler = (c) => {
  const x = c.act(0, 'X');
  const slope = c.constIn(1, 'slope');
  if (!broadcastShape(x.shape, slope.shape)?.every((d, i) => d === x.shape[i])) c.bad('slope does not broadcast to X');
  const st = c.L.constForLayout(c, { ...slope, type: OnnxDataType.FLOAT, data: Float32Array.from(slope.data) }, x, 'slope');
  const y = c.newAct(irShapeOf(x.layout!));
  c.future('Prelu', { inputs: [x.ir!, st], outputs: [y] });
  c.outAct(0, x.shape, y, x.layout!);
};

const lowerHardSigmoid: Handler = (c) => {
  const x = c.act(0, 'X');
  const alpha = c.at.float('alpha', 0.2);
  const beta = c.at.float('beta', 0.5);
  const irShape = irShapeOf(x.layout!);
  // max(0, min(1, αx + β)): Mul, Add, Minimum with 1, then Relu.
  const mul = c.newAct(irShape, 0, '/mul');
  c.emit({ kind: 'Mul', name: `${c.name}/mul`, inputs: [x.ir!, c.L.constF32(`${c.name}/alpha`, [1], Float32Array.of(alpha))], outputs: [mul], activation: 'none' });
  const add = c.newAct(irShape, 0, '/add');
  c.emit({ kind: 'Add', name: `${c.name}/add`, inputs: [mul, c.L.constF32(`${c.name}/beta`, [1], Float32Array.of(beta))], outputs: [add], activation: 'none' });
  const min = c.newAct(irShape, 0, '/min');
  c.future('Minimum', { inputs: [add, c.L.constF32(`${c.name}/one`, [1], Float32Array.of(1))], outputs: [min] });
  const y = c.newAct(irShape);
  c.emit({ kind: 'Relu', name: c.name, inputs: [min], outputs: [y] });
  c.outAct(0, x.shape, y, x.layout!);
};

const lowerHardSwish: Handler = (c) => {
  const x = c.act(0, 'X');
  if (c.node.opType === 'HardSwish' || (Math.fround(c.at.float('alpha', 0.2)) === Math.fround(1 / 6) && c.at.float('beta', 0.5) === 0.5)) {
    const y = c.newAct(irShapeOf(x.layout!));
    c.future('HardSwish', { inputs: [x.ir!], outputs: [y] });
    c.outAct(0, x.shape, y, x.layout!);
  } else c.unsupported('HardSigmoid-times-x with other alpha/beta');
};

const lowerNeg: Handler = (c) => {
  const x = c.act(0, 'X');
  binaryWithConst(c, 'Mul', x, constOf(OnnxDataType.FLOAT, [], [-1]), false);
};

const lowerBatchNorm: Handler = (c) => {
  const x = c.act(0, 'X');
  if (c.node.output.slice(1).some((o) => o !== '')) c.unsupported('training-mode outputs (running mean/var)');
  if (c.opset < 9 && c.at.int('spatial', 1) !== 1) c.unsupported('spatial=0');
  if (c.at.int('training_mode', 0) !== 0) c.unsupported('training_mode=1');
  const C = x.shape[1] ?? c.bad('X has no channel axis');
  const get = (k: number, what: string) => {
    const d = floatData(c, c.constIn(k, what), what);
    if (d.length !== C) c.bad(`${what} has ${d.length} values for ${C} channels`);
    return d;
  };
  const [gamma, beta, mean, variance] = [get(1, 'scale'), get(2, 'B'), get(3, 'mean'), get(4, 'var')];
  const eps = c.at.float('epsilon', 1e-5);
  const mul = new Float64Array(C);
  const add = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    const s = gamma[i]! / Math.sqrt(variance[i]! + eps);
    mul[i] = s;
    add[i] = beta[i]! - mean[i]! * s;
  }
  // Per-channel constants shaped [C, 1, ...] in ONNX: broadcast along axis 1.
  const pc = (d: Float64Array) => constOf(OnnxDataType.FLOAT, [C, ...new Array<number>(x.shape.length - 2).fill(1)], d);
  const mt = c.L.constForLayout(c, pc(mul), x, 'scale');
  const at = c.L.constForLayout(c, pc(add), x, 'offset');
  const irShape = irShapeOf(x.layout!);
  const mid = c.newAct(irShape, 0, '/mul');
  c.emit({ kind: 'Mul', name: `${c.name}/mul`, inputs: [x.ir!, mt], outputs: [mid], activation: 'none' });
  const y = c.newAct(irShape);
  c.emit({ kind: 'Add', name: `${c.name}/add`, inputs: [mid, at], outputs: [y], activation: 'none' });
  c.outAct(0, x.shape, y, x.layout!);
};

/* ------------------------------------------------------------------ */
/* Shape ops                                                           */
/* ------------------------------------------------------------------ */

/**
 * Output 0 is `x` with a new ONNX shape (same elements, same order): the IR tensor is reused as
 * it is and the layout's split still describes its elements. A consumer that needs another
 * IR shape asks for it (`asLayout`), which costs an IR Reshape only then; a FullyConnected
 * after a Flatten needs none.
 */
function reshapeTo(c: Ctx, x: Value, shape: number[]): void {
  c.outAct(0, shape, x.ir!, x.layout!);
}

const lowerReshape: Handler = (c) => {
  const x = c.act(0, 'data');
  let target: number[];
  if (c.opset >= 5) target = Array.from(c.constIn(1, 'shape').data);
  else target = c.at.ints('shape') ?? c.bad('shape is missing');
  const shape = reshapeTarget(x.shape, target, c.at.int('allowzero', 0) === 1) ?? c.bad(`cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  reshapeTo(c, x, shape);
};

const lowerFlatten: Handler = (c) => {
  const x = c.act(0, 'input');
  const r = x.shape.length;
  let axis = c.at.int('axis', 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) c.bad(`axis out of range for rank ${r}`);
  const a = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const b = x.shape.slice(axis).reduce((p, d) => p * d, 1);
  reshapeTo(c, x, [a, b]);
};

function lowerSqueeze(op: 'Squeeze' | 'Unsqueeze'): Handler {
  return (c) => {
    const x = c.act(0, 'data');
    const axes = c.opset >= 13 ? (c.in(1) ? Array.from(c.constIn(1, 'axes').data) : undefined) : c.at.ints('axes');
    const shape = squeezeShape(op, x.shape, axes) ?? c.bad(`axes [${axes?.join(',')}] do not fit shape [${x.shape.join(',')}]`);
    reshapeTo(c, x, shape);
  };
}

const lowerIdentity: Handler = (c) => {
  const x = c.need(0, 'input');
  if (c.node.opType === 'Dropout') {
    if (c.node.output[1]) c.unsupported('the mask output');
    if (c.in(2) && c.in(2)!.const && c.in(2)!.const!.data[0]) c.unsupported('training_mode=true');
  }
  c.out(0, { ...x });
};

const lowerTranspose: Handler = (c) => {
  const x = c.act(0, 'data');
  const r = x.shape.length;
  const perm = c.at.ints('perm') ?? [...Array(r).keys()].reverse();
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => !(p >= 0 && p < r))) c.bad(`perm [${perm.join(',')}] is not a permutation of ${r} axes`);
  const shape = perm.map((p) => x.shape[p]!);
  let l = x.layout!;
  let ir = x.ir!;
  let al = alignSplit(x.shape, l) ?? ((l = splitAs(l, x.shape) ?? l), alignSplit(x.shape, l));
  if (!al) {
    // The relabel below needs the ONNX order: the IR tensor in it replaces x's.
    ir = c.L.identity(c, x, 'a Transpose after a reshape of a permuted tensor');
    l = identityLayout(x.shape);
    al = alignSplit(x.shape, l)!;
  }
  // y = transpose(x, perm): y's split lists x's split axes in perm order, inserted 1s last.
  const order = [...perm.map((p) => al.axisOf[p]!), ...al.inserted];
  const split = order.map((s) => l.split[s]!);
  const newPerm = l.perm.map((s) => order.indexOf(s));
  c.outAct(0, shape, ir, { split, perm: newPerm });
};

const lowerConcat: Handler = (c) => {
  const ins = c.node.input.map((_, k) => c.in(k)).filter((v): v is Value => v !== undefined);
  const main = ins.find((v) => !v.const);
  if (!main) c.bad('internal: all inputs constant');
  const m = c.act(c.node.input.indexOf(main!.name), 'input');
  const r = m.shape.length;
  const axis = normAxis(c.at.int('axis', 1), r) ?? c.bad(`axis out of range for rank ${r}`);
  let l = m.layout!;
  let al = alignSplit(m.shape, l);
  if (!al) {
    l = identityLayout(m.shape);
    al = alignSplit(m.shape, l)!;
  }
  const sAxis = al.axisOf[axis]!;
  const irAxis = l.perm.indexOf(sAxis);
  const outShape = [...m.shape];
  outShape[axis] = 0;
  const irs: number[] = [];
  for (const v of ins) {
    if (v.shape.length !== r || v.shape.some((d, i) => i !== axis && d !== m.shape[i])) c.bad(`input [${v.shape.join(',')}] does not match [${m.shape.join(',')}] off axis ${axis}`);
    outShape[axis] += v.shape[axis]!;
    const split = [...l.split];
    split[sAxis] = v.shape[axis]!;
    const target: Layout = { split, perm: l.perm };
    if (v.const) {
      const data = toIrOrder(Float32Array.from(v.const.data), target);
      irs.push(c.L.constF32(`${c.name}/const${irs.length}`, irShapeOf(target), data));
    } else irs.push(c.L.asLayout(c, c.act(c.node.input.indexOf(v.name)), target, 'concatenating tensors held in different layouts'));
  }
  const split = [...l.split];
  split[sAxis] = outShape[axis]!;
  const outLayout: Layout = { split, perm: l.perm };
  const y = c.newAct(irShapeOf(outLayout));
  c.emit({ kind: 'Concatenation', name: c.name, inputs: irs, outputs: [y], axis: irAxis, activation: 'none' });
  c.outAct(0, outShape, y, outLayout);
};

const lowerPad: Handler = (c) => {
  const x = c.act(0, 'data');
  const r = x.shape.length;
  let pads: number[];
  let value = 0;
  let mode: string;
  if (c.opset < 11) {
    pads = c.at.ints('pads') ?? c.bad('pads is missing');
    value = c.at.float('value', 0);
    mode = c.at.string('mode', 'constant');
  } else {
    pads = Array.from(c.constIn(1, 'pads').data);
    if (c.in(2)) value = Number(c.constIn(2, 'constant_value').data[0] ?? 0);
    mode = c.at.string('mode', 'constant');
    if (c.in(3)) {
      const axes = Array.from(c.constIn(3, 'axes').data).map((a) => normAxis(a, r) ?? c.bad(`axis ${a} out of range`));
      const full = new Array<number>(2 * r).fill(0);
      axes.forEach((a, i) => {
        full[a] = pads[i]!;
        full[a + r] = pads[i + axes.length]!;
      });
      pads = full;
    }
  }
  if (pads.length !== 2 * r) c.bad(`pads have ${pads.length} values for rank ${r}`);
  if (mode !== 'constant' && mode !== 'reflect') c.unsupported(`mode '${mode}' (constant and reflect are supported; TFLite has no ${mode} padding)`);
  if (pads.some((p) => p < 0)) c.unsupported('negative pads (cropping)');
  const { ir, l, axisOf } = alignedAxes(c, x, 'padding a reshaped permuted tensor');
  const splitPads: [number, number][] = l.split.map(() => [0, 0]);
  axisOf.forEach((s, j) => (splitPads[s] = [pads[j]!, pads[j + r]!]));
  const paddings = l.perm.map((s) => splitPads[s]!);
  const split = l.split.map((d, s) => d + splitPads[s]![0] + splitPads[s]![1]);
  const outLayout: Layout = { split, perm: l.perm };
  const shape = x.shape.map((d, j) => d + pads[j]! + pads[j + r]!);
  const y = c.newAct(irShapeOf(outLayout));
  const pt = c.L.addTensor({ name: `${c.name}/paddings`, shape: [paddings.length, 2], dtype: 'int32', data: Int32Array.from(paddings.flat()) });
  if (mode === 'reflect') {
    // ONNX reflect = TFLite MIRROR_PAD REFLECT (the edge is not repeated).
    x.shape.forEach((d, j) => {
      if (Math.max(pads[j]!, pads[j + r]!) > d - 1) c.unsupported(`reflect pads [${pads.join(',')}] wider than the input's size − 1 on axis ${j}`);
    });
    c.emit({ kind: 'MirrorPad', name: c.name, inputs: [ir, pt], outputs: [y], paddings, mode: 'reflect' });
  } else if (value !== 0) {
    const vt = c.L.addTensor({ name: `${c.name}/constant_value`, shape: [], dtype: 'float32', data: Float32Array.of(value) });
    c.emit({ kind: 'PadV2', name: c.name, inputs: [ir, pt, vt], outputs: [y], paddings });
  } else c.emit({ kind: 'Pad', name: c.name, inputs: [ir, pt], outputs: [y], paddings });
  c.outAct(0, shape, y, outLayout);
};

function lowerSoftmax(kind: 'Softmax' | 'LogSoftmax'): Handler {
  return (c) => {
    const x = c.act(0, 'input');
    const r = x.shape.length;
    const axis = normAxis(c.at.int('axis', c.opset >= 13 ? -1 : 1), r) ?? c.bad(`axis out of range for rank ${r}`);
    // Opset < 13 normalises over the flattened axes [axis, r); from 13 over `axis` alone.
    const inner = c.opset >= 13 ? [axis] : Array.from({ length: r - axis }, (_, i) => axis + i);
    const depth = inner.reduce((p, a) => p * x.shape[a]!, 1);
    let l = x.layout!;
    let ir = x.ir!;
    let al = alignSplit(x.shape, l);
    if (!al) {
      ir = c.L.identity(c, x, 'a softmax over a reshaped permuted tensor');
      l = identityLayout(x.shape);
      al = alignSplit(x.shape, l)!;
    }
    // The normalised axes (ignoring size 1) must be the innermost IR axes, in order.
    const irOrder = l.perm.filter((s) => l.split[s]! > 1);
    const want = inner.map((a) => al.axisOf[a]!).filter((s) => l.split[s]! > 1);
    const tail = irOrder.slice(irOrder.length - want.length);
    if (want.length === 0 || tail.length !== want.length || tail.some((s, i) => s !== want[i])) {
      if (want.length === 0) c.unsupported('a softmax over size-1 axes');
      ir = c.L.identity(c, { ...x, ir, layout: l }, `a softmax over axis ${axis}`);
      l = identityLayout(x.shape);
      if (inner[inner.length - 1] !== r - 1 && inner.slice(-1).some((a) => x.shape.slice(a + 1).some((d) => d > 1))) {
        // Still not innermost: only a Transpose could bring it there.
        c.L.asLayout(c, { ...x, ir, layout: l }, { split: [...x.shape], perm: [...Array(r).keys()].filter((a) => !inner.includes(a)).concat(inner) }, `a softmax over axis ${axis}`);
      }
    }
    const irShape = irShapeOf(l);
    const flat = [irShape.reduce((p, d) => p * d, 1) / depth, depth];
    const needReshape = irShape[irShape.length - 1] !== depth;
    const xin = needReshape ? c.L.reshapeIr(c, ir, flat) : ir;
    const mid = c.newAct(needReshape ? flat : irShape, 0, needReshape ? '/softmax' : '');
    if (kind === 'Softmax') c.emit({ kind: 'Softmax', name: c.name, inputs: [xin], outputs: [mid], beta: 1 });
    else c.future('LogSoftmax', { inputs: [xin], outputs: [mid] });
    const y = needReshape ? c.L.reshapeIr(c, mid, irShape) : mid;
    c.outAct(0, x.shape, y, l);
  };
}

function lowerReduce(kind: 'Mean' | 'ReduceMax' | 'Sum'): Handler {
  return (c) => {
    const x = c.act(0, 'data');
    const r = x.shape.length;
    const fromInput = c.opset >= 18 || (kind === 'Sum' && c.opset >= 13);
    let axes = fromInput ? (c.in(1) ? Array.from(c.constIn(1, 'axes').data) : undefined) : c.at.ints('axes');
    if (!axes || axes.length === 0) {
      if (c.at.int('noop_with_empty_axes', 0) === 1) {
        c.out(0, { ...x });
        return;
      }
      axes = [...Array(r).keys()];
    }
    const ax = axes.map((a) => normAxis(a, r) ?? c.bad(`axis ${a} out of range for rank ${r}`));
    const keep = c.at.int('keepdims', 1) === 1;
    const { ir, l, axisOf } = alignedAxes(c, x, 'a reduction over a reshaped permuted tensor');
    const sAxes = ax.map((a) => axisOf[a]!);
    const irAx = sAxes.map((s) => l.perm.indexOf(s)).sort((a, b) => a - b);
    const shape = keep ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    let outLayout: Layout;
    if (keep) outLayout = { split: l.split.map((d, s) => (sAxes.includes(s) ? 1 : d)), perm: l.perm };
    else outLayout = dropSplitAxes(l, sAxes);
    const y = c.newAct(irShapeOf(outLayout));
    const axesT = c.L.constI32(`${c.name}/axes`, irAx);
    if (kind === 'Mean') c.emit({ kind: 'Mean', name: c.name, inputs: [ir, axesT], outputs: [y], axes: irAx, keepDims: keep });
    else c.future(kind, { inputs: [ir, axesT], outputs: [y], axes: irAx, keepDims: keep });
    c.outAct(0, shape, y, outLayout);
  };
}

/**
 * `x` in a layout whose split axes line up with its ONNX axes — brought to the ONNX order when
 * they do not (`why` says for what) —: its IR tensor, that layout, and each ONNX axis's split axis.
 */
function alignedAxes(c: Ctx, x: Value, why: string): { ir: number; l: Layout; axisOf: number[] } {
  const al = alignSplit(x.shape, x.layout!);
  if (al) return { ir: x.ir!, l: x.layout!, axisOf: al.axisOf };
  const l = identityLayout(x.shape);
  return { ir: c.L.identity(c, x, why), l, axisOf: alignSplit(x.shape, l)!.axisOf };
}

/** The split and perm of `l` without the split axes `sAxes` (a reduction that drops them). */
function dropSplitAxes(l: Layout, sAxes: number[]): Layout {
  const keptSplit = l.split.map((_, s) => s).filter((s) => !sAxes.includes(s));
  return { split: keptSplit.map((s) => l.split[s]!), perm: l.perm.filter((s) => !sAxes.includes(s)).map((s) => keptSplit.indexOf(s)) };
}

/**
 * ArgMax / ArgMin on the axis as the IR holds it: int32 indices (ONNX says int64; TFLM writes
 * int32), the first index on ties as TFLite picks it, keepdims by a Reshape.
 */
function lowerArgMinMax(kind: 'ArgMax' | 'ArgMin'): Handler {
  return (c) => {
    const x = c.act(0, 'data');
    if (c.at.int('select_last_index', 0) !== 0) c.unsupported('select_last_index=1 (TFLite returns the first index of equal values)');
    const r = x.shape.length;
    const a = normAxis(c.at.int('axis', 0), r) ?? c.bad(`axis ${c.at.int('axis', 0)} out of range for rank ${r}`);
    const { ir, l, axisOf } = alignedAxes(c, x, 'an arg-max over a reshaped permuted tensor');
    const s = axisOf[a]!;
    const irAxis = l.perm.indexOf(s);
    const dropped = dropSplitAxes(l, [s]);
    const y = c.L.addTensor({ name: c.node.output[0] || c.name, shape: irShapeOf(dropped), dtype: 'int32' });
    c.emit({ kind, name: c.name, inputs: [ir, c.L.constI32(`${c.name}/axis`, [irAxis])], outputs: [y], axis: irAxis });
    if (c.at.int('keepdims', 1) !== 1) {
      c.outAct(0, x.shape.filter((_, i) => i !== a), y, dropped, OnnxDataType.INT64);
      return;
    }
    const kept: Layout = { split: l.split.map((d, k) => (k === s ? 1 : d)), perm: l.perm };
    c.outAct(0, x.shape.map((d, i) => (i === a ? 1 : d)), c.L.reshapeIr(c, y, irShapeOf(kept)), kept, OnnxDataType.INT64);
  };
}

const lowerSlice: Handler = (c) => {
  const x = c.act(0, 'data');
  const spec =
    c.opset >= 10
      ? {
          starts: Array.from(c.constIn(1, 'starts').data),
          ends: Array.from(c.constIn(2, 'ends').data),
          axes: c.in(3) ? Array.from(c.constIn(3, 'axes').data) : undefined,
          steps: c.in(4) ? Array.from(c.constIn(4, 'steps').data) : undefined,
        }
      : { starts: c.at.ints('starts'), ends: c.at.ints('ends'), axes: c.at.ints('axes'), steps: undefined };
  const ranges = sliceRanges(x.shape, spec) ?? c.bad('starts/ends/axes/steps do not fit the input');
  const ir = c.L.identity(c, x, 'a slice');
  const shape = ranges.map((q) => q.count);
  const y = c.newAct(shape);
  c.L.stridedSlice(
    c,
    ir,
    y,
    ranges.map((q) => q.start),
    ranges.map((q) => q.step),
    shape,
  );
  c.outAct(0, shape, y, identityLayout(shape));
};

const lowerSplit: Handler = (c) => {
  const x = c.act(0, 'input');
  const r = x.shape.length;
  const axis = normAxis(c.at.int('axis', 0), r) ?? c.bad(`axis out of range for rank ${r}`);
  const n = c.node.output.length;
  let sizes = c.opset >= 13 ? (c.in(1) ? Array.from(c.constIn(1, 'split').data) : undefined) : c.at.ints('split');
  if (!sizes) {
    const d = x.shape[axis]!;
    const each = Math.ceil(d / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
  }
  if (sizes.length !== n || sizes.reduce((p, d) => p + d, 0) !== x.shape[axis]) c.bad(`split sizes [${sizes.join(',')}] do not add up to ${x.shape[axis]}`);
  // Split along the axis as the IR holds it (an NHWC-held channel split stays in NHWC); a
  // layout that does not align the axis is brought to the ONNX order first.
  const { ir, l, axisOf } = alignedAxes(c, x, 'a split');
  const s = axisOf[axis]!;
  const irAxis = l.perm.indexOf(s);
  const src = c.L.viewAs(c, ir, irShapeOf(l));
  const outputs = sizes.map((sz, k) => {
    const shape = x.shape.map((d, i) => (i === axis ? sz : d));
    const layout: Layout = { split: l.split.map((d, j) => (j === s ? sz : d)), perm: l.perm };
    const y = c.newAct(irShapeOf(layout), k);
    c.outAct(k, shape, y, layout);
    return y;
  });
  const axisT = c.L.constI32(`${c.name}/axis`, [irAxis]);
  if (sizes.every((v) => v === sizes[0])) c.emit({ kind: 'Split', name: c.name, inputs: [axisT, src], outputs, axis: irAxis, sizes });
  else c.emit({ kind: 'SplitV', name: c.name, inputs: [src, c.L.constI32(`${c.name}/sizes`, sizes), axisT], outputs, axis: irAxis, sizes });
};

const lowerGather: Handler = (c) => {
  const x = c.act(0, 'data');
  const idx = c.constIn(1, 'indices');
  const r = x.shape.length;
  const axis = normAxis(c.at.int('axis', 0), r) ?? c.bad(`axis out of range for rank ${r}`);
  const d = x.shape[axis]!;
  const ids = Array.from(idx.data, (i) => (i < 0 ? i + d : i));
  if (ids.some((i) => !(i >= 0 && i < d))) c.bad('an index is out of range');
  const ir = c.L.identity(c, x, 'a gather');
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const y = c.newAct(shape);
  c.future('Gather', { inputs: [ir, c.L.addTensor({ name: `${c.name}/indices`, shape: [...idx.shape], dtype: 'int32', data: Int32Array.from(ids) })], outputs: [y], axis, batchDims: 0 });
  c.outAct(0, shape, y, identityLayout(shape));
};

const lowerResize: Handler = (c) => {
  const x = c.act(0, 'X');
  if (x.shape.length !== 4) c.unsupported(`a rank-${x.shape.length} input (only N×C×H×W)`);
  const mode = c.at.string('mode', 'nearest');
  const [n, ch, h, w] = x.shape as [number, number, number, number];
  let oh: number;
  let ow: number;
  const scalesIdx = c.node.opType === 'Upsample' ? 1 : c.opset >= 11 ? 2 : 1;
  const sizesV = c.node.opType === 'Resize' && c.opset >= 11 ? c.in(3) : undefined;
  if (sizesV && sizesV.const && sizesV.const.data.length > 0) {
    [oh, ow] = [sizesV.const.data[2]!, sizesV.const.data[3]!];
  } else {
    const sc = c.node.opType === 'Upsample' && c.opset < 9 ? c.at.floats('scales') : c.in(scalesIdx) ? Array.from(c.constIn(scalesIdx, 'scales').data) : undefined;
    if (!sc || sc.length !== 4) c.bad('scales or sizes must be given for all 4 axes');
    if (sc![0] !== 1 || sc![1] !== 1) c.unsupported('scaling the batch or channel axis');
    [oh, ow] = [Math.floor(h * sc![2]!), Math.floor(w * sc![3]!)];
  }
  const ctm = c.at.string('coordinate_transformation_mode', c.node.opType === 'Upsample' ? 'asymmetric' : 'half_pixel');
  const xin = c.L.asLayout(c, x, channelsLastLayout(x.shape), 'reading an NCHW tensor as NHWC');
  const y = c.newAct([n, oh, ow, ch]);
  const size = c.L.constI32(`${c.name}/size`, [oh, ow]);
  if (mode === 'nearest') {
    const nm = c.at.string('nearest_mode', 'round_prefer_floor');
    const asym = ctm === 'asymmetric' && (nm === 'floor' || c.node.opType === 'Upsample');
    // Integer upscaling with asymmetric/floor (PyTorch's nearest): each pixel repeated; TFLite's
    // RESIZE_NEAREST_NEIGHBOR without align_corners/half_pixel_centers computes the same.
    if (!(asym || (ctm === 'half_pixel' && oh % h === 0 && ow % w === 0) || (ctm === 'pytorch_half_pixel' && oh % h === 0 && ow % w === 0))) c.unsupported(`nearest with ${ctm}/${nm} coordinates`);
    c.future('ResizeNearestNeighbor', { inputs: [xin, size], outputs: [y], alignCorners: false, halfPixelCenters: !asym });
  } else if (mode === 'linear' || mode === 'bilinear') {
    if (!['align_corners', 'half_pixel', 'asymmetric', 'pytorch_half_pixel'].includes(ctm)) c.unsupported(`linear with ${ctm} coordinates`);
    c.future('ResizeBilinear', { inputs: [xin, size], outputs: [y], alignCorners: ctm === 'align_corners', halfPixelCenters: ctm === 'half_pixel' || ctm === 'pytorch_half_pixel' });
  } else c.unsupported(`mode '${mode}'`);
  defineChannelsLast(c, 0, 4, n, ch, oh, ow, y);
};

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

/** Every ONNX op (default domain) the importer lowers, by op type. */
export const LOWERINGS: Record<string, Handler> = {
  Conv: lowerConv,
  ConvTranspose: lowerConvTranspose,
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  BatchNormalization: lowerBatchNorm,
  Relu: lowerUnary('Relu'),
  Elu: lowerElu,
  Sigmoid: lowerUnary('Logistic'),
  Tanh: lowerUnary('Tanh'),
  Clip: lowerClip,
  LeakyRelu: lowerLeakyRelu,
  PRelu: lowerPRelu,
  HardSigmoid: lowerHardSigmoid,
  HardSwish: lowerHardSwish,
  MaxPool: lowerPool('MaxPool2D'),
  AveragePool: lowerPool('AveragePool2D'),
  GlobalAveragePool: lowerGlobalPool('Mean'),
  GlobalMaxPool: lowerGlobalPool('MaxPool2D'),
  Add: lowerBinary('Add'),
  Sub: lowerBinary('Sub'),
  Mul: lowerBinary('Mul'),
  Div: lowerBinary('Div'),
  Max: lowerVariadic('Maximum'),
  Min: lowerVariadic('Minimum'),
  Sum: lowerVariadic('Add'),
  Neg: lowerNeg,
  Abs: lowerUnary('Abs'),
  Exp: lowerUnary('Exp'),
  Log: lowerUnary('Log'),
  Sqrt: lowerUnary('Sqrt'),
  Floor: lowerUnary('Floor'),
  Ceil: lowerUnary('Ceil'),
  Round: lowerUnary('Round'),
  ArgMax: lowerArgMinMax('ArgMax'),
  ArgMin: lowerArgMinMax('ArgMin'),
  Concat: lowerConcat,
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Squeeze: lowerSqueeze('Squeeze'),
  Unsqueeze: lowerSqueeze('Unsqueeze'),
  Transpose: lowerTranspose,
  Identity: lowerIdentity,
  Dropout: lowerIdentity,
  Pad: lowerPad,
  Softmax: lowerSoftmax('Softmax'),
  LogSoftmax: lowerSoftmax('LogSoftmax'),
  ReduceMean: lowerReduce('Mean'),
  ReduceMax: lowerReduce('ReduceMax'),
  ReduceSum: lowerReduce('Sum'),
  Resize: lowerResize,
  Upsample: lowerResize,
  Slice: lowerSlice,
  Split: lowerSplit,
  Gather: lowerGather,
};

/** Op types that lower only through an IR op of FUTURE_IR_OPS (listed as supported once it exists). */
const NEEDS_FUTURE: Record<string, (typeof FUTURE_IR_OPS)[number]> = {
  ConvTranspose: 'TransposeConv',
  LeakyRelu: 'LeakyRelu',
  PRelu: 'Prelu',
  HardSwish: 'HardSwish',
  HardSigmoid: 'Minimum',
  LogSoftmax: 'LogSoftmax',
  ReduceMax: 'ReduceMax',
  ReduceSum: 'Sum',
  Resize: 'ResizeNearestNeighbor',
  Upsample: 'ResizeNearestNeighbor',
};
/** Op types that fold on constants but need an IR op of FUTURE_IR_OPS on run-time values. */
const CONST_ONLY: Record<string, (typeof FUTURE_IR_OPS)[number]> = { Slice: 'StridedSlice', Gather: 'Gather', Max: 'Maximum', Min: 'Minimum' };

/** Op types the importer accepts (lowered, folded, or QDQ), for error messages. */
export function supportedOnnxOps(): string[] {
  const has = (k: string) => (OP_KINDS as readonly string[]).includes(k);
  const all = [...new Set([...Object.keys(LOWERINGS), ...FOLDABLE_OPS, 'QuantizeLinear', 'DequantizeLinear', 'Cast'])].sort();
  return all
    .filter((op) => !NEEDS_FUTURE[op] || has(NEEDS_FUTURE[op]))
    .map((op) => (CONST_ONLY[op] && !has(CONST_ONLY[op]) ? `${op} (constant inputs)` : ['Shape', 'Size', 'Range', 'Equal', 'Where', 'Expand', 'ConstantOfShape', 'Cast'].includes(op) ? `${op} (shape arithmetic)` : op));
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */
/* ------------------------------------------------------------------ */

/** Ops that need an IR op of FUTURE_IR_OPS whatever their inputs (reported even after an unsupported node). */
const STATIC_NEEDS: Record<string, (typeof FUTURE_IR_OPS)[number]> = {
  ConvTranspose: 'TransposeConv',
  LeakyRelu: 'LeakyRelu',
  PRelu: 'Prelu',
  HardSwish: 'HardSwish',
  HardSigmoid: 'Minimum',
  LogSoftmax: 'LogSoftmax',
  ReduceMax: 'ReduceMax',
  ReduceSum: 'Sum',
  Slice: 'StridedSlice',
};

/** Hook for QDQ handling (onnx-quant.ts): QuantizeLinear/DequantizeLinear and QLinear* ops. */
export type QuantHook = (c: Ctx) => boolean;

function topoOrder(g: OnnxGraphProto, known: Set<string>, file: string): OnnxNodeProto[] {
  const nodes = g.node;
  const done = new Array<boolean>(nodes.length).fill(false);
  const avail = new Set(known);
  const out: OnnxNodeProto[] = [];
  let progress = true;
  while (out.length < nodes.length && progress) {
    progress = false;
    for (let i = 0; i < nodes.length; i++) {
      if (done[i]) continue;
      const nd = nodes[i]!;
      if (nd.input.every((n) => n === '' || avail.has(n))) {
        done[i] = true;
        out.push(nd);
        for (const o of nd.output) if (o !== '') avail.add(o);
        progress = true;
      }
    }
  }
  if (out.length < nodes.length) {
    const i = done.indexOf(false);
    const nd = nodes[i]!;
    const missing = nd.input.find((n) => n !== '' && !avail.has(n));
    throw new ModelFormatError(file, `node '${nd.name || `${nd.opType}_${i}`}' (${nd.opType}) reads '${missing}', which no node, initializer or graph input defines (or the graph has a cycle)`);
  }
  return out;
}

export function lowerOnnxGraph(g: OnnxGraphProto, opts: LoweringOptions, quantHook?: QuantHook): { lowering: Lowering; inputs: Value[]; outputs: Value[] } {
  const L = new Lowering(opts);
  const { file } = opts;
  for (const t of g.initializer) {
    if (!t.name) throw new ModelFormatError(file, 'an initializer has no name');
    const k = readTensor(t, file, opts.external);
    L.values.set(t.name, { name: t.name, shape: k.shape, type: k.type, const: k });
  }
  if (g.sparseInitializer > 0) throw new TinymlError('unsupported', `${file}: the graph has ${g.sparseInitializer} sparse initializer(s); tinyml reads dense tensors`);
  const is2d = g.node.some((n) => SPATIAL_OPS.has(n.opType));
  const inputs: Value[] = [];
  for (const vi of g.input) {
    if (L.values.has(vi.name)) continue; // an initializer listed as input (IR < 4 style)
    if (vi.elemType === undefined) throw new TinymlError('unsupported', `${file}: graph input '${vi.name}' is not a tensor`);
    if (vi.elemType !== OnnxDataType.FLOAT) throw new TinymlError('unsupported', `${file}: graph input '${vi.name}' is ${typeName(vi.elemType)}; tinyml takes float32 inputs`);
    if (!vi.shape) throw new TinymlError('unsupported', `${file}: graph input '${vi.name}' has no shape`, 'Export with a fixed input shape (torch.onnx.export with a concrete example input).');
    const shape = vi.shape.map((d, i) => {
      if (d.value !== undefined && d.value > 0) return d.value;
      if (i === 0) return 1; // a symbolic batch: microcontroller models run one sample
      throw new TinymlError(
        'unsupported',
        `${file}: graph input '${vi.name}' has a variable dimension ${i} ('${d.param || '?'}') in [${vi.shape!.map((x) => x.value ?? (x.param || '?')).join(',')}]`,
        'Export with fixed sizes: only the batch dimension may be dynamic.',
      );
    });
    if (shape.reduce((p, d) => p * d, 1) > 1 << 26) throw new ModelFormatError(file, `graph input '${vi.name}' has shape [${shape.join(',')}]`);
    const layout = is2d && (shape.length === 4 || shape.length === 3) ? channelsLastLayout(shape) : identityLayout(shape);
    // The graph input keeps the ONNX shape and order; IR ops carry it into the layout the
    // lowering holds it in (boundaryIn).
    const ir = L.addTensor({ name: vi.name, shape: [...shape], dtype: 'float32' });
    const v: Value = { name: vi.name, shape, type: OnnxDataType.FLOAT, ir, layout: identityLayout(shape) };
    inputs.push(v);
    L.values.set(vi.name, isIdentityLayout(layout, shape) ? v : { ...v, ir: boundaryIn(L, v, layout, inputs.length - 1), layout });
  }
  if (inputs.length === 0) throw new ModelFormatError(file, 'the graph has no (non-constant) input');

  const nodes = topoOrder(g, new Set(L.values.keys()), file);
  const declared = declaredShapes(g);
  nodes.forEach((node, index) => {
    const c = new Ctx(L, node, index);
    const op = node.opType;
    const ins = node.input.map((n) => (n === '' ? undefined : L.values.get(n)));
    if (node.domain !== '' && node.domain !== 'ai.onnx' && !(quantHook && node.domain === 'com.microsoft')) {
      L.unsupported.push({ name: c.name, type: `${node.domain}.${op}`, reason: `an op of the custom domain '${node.domain}'` });
      return keepUnsupported(L, c, ins, declared, L.unsupported.at(-1)!);
    }
    const known = op in LOWERINGS || FOLDABLE_OPS.has(op) || op === 'QuantizeLinear' || op === 'DequantizeLinear' || op.startsWith('QLinear');
    if (!known) {
      L.unsupported.push({ name: c.name, type: op, reason: 'tinyml has no lowering for this ONNX op' });
      return keepUnsupported(L, c, ins, declared, L.unsupported.at(-1)!);
    }
    const failedIn = ins.find((v) => v?.failed);
    if (failedIn) {
      // Its input's shape is unknown, but some ops need a missing IR op whatever it is.
      const need = STATIC_NEEDS[op];
      if (need && !(OP_KINDS as readonly string[]).includes(need)) {
        L.unsupported.push({ name: c.name, type: op, reason: `needs IR op ${need}, not in this build` });
        return keepUnsupported(L, c, ins, declared, L.unsupported.at(-1)!);
      }
      return keepUnsupported(L, c, ins, declared, { name: c.name, type: op, reason: `reads '${failedIn.name}', the output of an unsupported node, whose shape tinyml cannot tell` });
    }
    const opsBefore = L.ops.length;
    try {
      // Constant folding first: every data input constant (Shape/Size: only the shape is needed).
      const foldable = FOLDABLE_OPS.has(op) && (SHAPE_ONLY_OPS.has(op) || ins.every((v) => v === undefined || v.const !== undefined));
      if (foldable && !(op === 'DequantizeLinear')) {
        const outs = foldNode(node, ins.map((v) => ({ value: v?.const, shape: v?.shape })), L.opset, file);
        if (outs) {
          outs.forEach((k, i) => {
            const n = node.output[i];
            if (n) L.values.set(n, { name: n, shape: k.shape, type: k.type, const: k });
          });
          return;
        }
      }
      if (quantHook && quantHook(c)) return;
      const h = LOWERINGS[op];
      if (!h) c.unsupported(op === 'Cast' ? 'a Cast at run time' : 'needs constant inputs');
      h!(c);
      for (const o of node.output) if (o && !L.values.has(o)) c.bad(`output '${o}' was not produced`);
    } catch (e) {
      if (e instanceof Skip) {
        L.ops.length = opsBefore; // drop what the handler emitted before it gave up
        return keepUnsupported(L, c, ins, declared, L.unsupported.at(-1)!);
      }
      if (e instanceof RangeError) throw new ModelFormatError(file, `node '${c.name}' (${op}): ${e.message}`);
      throw e;
    }
  });

  const outputs = g.output.map((vi, k) => {
    const v = L.values.get(vi.name);
    if (!v) throw new ModelFormatError(file, `graph output '${vi.name}' is never computed`);
    if (v.failed || v.ir === undefined || !v.layout || L.unsupportedOutputs.has(v.ir)) return v;
    if (isIdentityLayout(v.layout, v.shape)) return v;
    // The graph output keeps the ONNX shape and order: IR ops (a Transpose, a Reshape) carry
    // the value there. A channels-last value's are the boundary ops `--io-layout nhwc` drops.
    if (isBoundaryLayout(v) && !keepsOrder(v.layout)) L.boundaryOutputs.set(k, v.layout);
    const c = new Ctx(L, { input: [vi.name], output: [vi.name], name: `${vi.name}/to_onnx_layout`, opType: 'Output', domain: '', attribute: [] }, nodes.length + k);
    try {
      const ir = L.identity(c, v, `the graph output '${vi.name}'`);
      // The graph output carries the ONNX name; the body's tensor is the NHWC one.
      if (L.tensors[v.ir]!.name === vi.name) L.tensors[v.ir]!.name = `${vi.name}/nhwc`;
      L.tensors[ir]!.name = vi.name;
      const w: Value = { ...v, ir, layout: identityLayout(v.shape) };
      L.values.set(vi.name, w);
      return w;
    } catch (e) {
      if (e instanceof Skip) return { ...v, failed: true };
      throw e;
    }
  });
  return { lowering: L, inputs, outputs };
}

/** Elementwise ops: their output has the shape of input 0 (an unsupported one keeps its layout). */
const SAME_SHAPE_OPS = new Set([
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Celu', 'Ceil', 'Cos', 'Cosh', 'Elu', 'Erf', 'Exp', 'Floor', 'Gelu', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Log', 'Mish',
  'Neg', 'Not', 'Reciprocal', 'Relu', 'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softplus', 'Softsign', 'Sqrt', 'Tan', 'Tanh', 'ThresholdedRelu', 'Clip', 'Dropout', 'Identity',
  'Softmax', 'LogSoftmax', 'Hardmax', 'LpNormalization', 'InstanceNormalization', 'LayerNormalization', 'MeanVarianceNormalization', 'LRN', 'BatchNormalization', 'CumSum', 'IsNaN', 'IsInf',
]);

/** Static shapes the file declares for values (value_info and graph outputs; a symbolic batch is 1). */
function declaredShapes(g: OnnxGraphProto): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const vi of [...g.valueInfo, ...g.output]) {
    if (!vi.shape || vi.elemType === undefined) continue;
    const dims = vi.shape.map((d, i) => (d.value !== undefined && d.value > 0 ? d.value : i === 0 && vi.shape!.length > 1 ? 1 : -1));
    if (dims.every((d) => d > 0)) out.set(vi.name, dims);
  }
  return out;
}

/**
 * Keeps a node tinyml cannot lower in the graph as an IR Unsupported op, so that `inspect`
 * shows the whole model: it reads the IR tensors of its activation inputs, and each output gets
 * an IR tensor of the shape the file declares (or, for an elementwise op, its input's shape and
 * layout). Later nodes then lower as usual; an output whose shape is unknown stays `failed` and
 * the nodes reading it are kept as Unsupported ops too, naming it.
 */
function keepUnsupported(L: Lowering, c: Ctx, ins: (Value | undefined)[], declared: Map<string, number[]>, why: UnsupportedLayer): void {
  const x = ins[0];
  const like = SAME_SHAPE_OPS.has(c.node.opType) && x && !x.failed && x.ir !== undefined && x.layout ? x : undefined;
  const outputs: number[] = [];
  c.node.output.forEach((o, k) => {
    if (!o) return;
    const shape = declared.get(o) ?? (k === 0 && like ? [...like.shape] : undefined);
    const layout = like && k === 0 && shape && shape.every((d, i) => d === like.shape[i]) ? like.layout! : shape ? identityLayout(shape) : undefined;
    const ir = L.addTensor({ name: o, shape: layout ? irShapeOf(layout) : [], dtype: 'float32' });
    L.unsupportedOutputs.add(ir);
    outputs.push(ir);
    L.values.set(o, layout ? { name: o, shape: shape!, type: OnnxDataType.FLOAT, ir, layout } : { name: o, shape: [], type: OnnxDataType.FLOAT, ir, failed: true });
  });
  const inputs = ins.filter((v): v is Value => v !== undefined && v.ir !== undefined).map((v) => v.ir!);
  L.ops.push({ kind: 'Unsupported', name: c.name, type: why.type, reason: why.reason ?? 'not supported', inputs, outputs });
}

/**
 * Layout `l` rewritten on the split `shape` (the value's ONNX shape) when every axis of `l`'s
 * split is a run of `shape`'s axes (a reshape that splits an NHWC-held channel axis): the same
 * IR element order, so no data moves; size-1 axes of `shape` go first in the IR order.
 */
function splitAs(l: Layout, shape: readonly number[]): Layout | undefined {
  const common = refineSplits(l.split, shape);
  const real = shape.map((d, i) => [d, i] as const).filter(([d]) => d !== 1);
  if (!common || common.sizes.length !== real.length || common.sizes.some((d, j) => d !== real[j]![0])) return undefined;
  const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
  return { split: [...shape], perm: [...ones, ...l.perm.flatMap((s) => common.a[s]!.map((j) => real[j]![1]))] };
}

/**
 * The coarsest split that refines both `a` and `b` (row-major factorizations of the same
 * element count), without size-1 axes: `sizes`, and for each axis of `a` and of `b` the refined
 * axes it covers (outer to inner; none for a size-1 axis). Undefined when their axis
 * boundaries do not nest (e.g. [6, 4] and [4, 6]).
 */
export function refineSplits(a: readonly number[], b: readonly number[]): { sizes: number[]; a: number[][]; b: number[][] } | undefined {
  // Boundaries as the element stride at which an axis starts, from the innermost axis out.
  const strides = (s: readonly number[]) => {
    const lo: number[] = new Array<number>(s.length);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      lo[i] = acc;
      acc *= s[i]!;
    }
    return { lo, total: acc };
  };
  const A = strides(a);
  const B = strides(b);
  if (A.total !== B.total) return undefined;
  const cuts = [...new Set([...A.lo, ...B.lo, A.total])].sort((x, y) => x - y);
  for (let k = 1; k < cuts.length; k++) if (cuts[k]! % cuts[k - 1]! !== 0) return undefined;
  // Refined axis j (outer to inner) spans strides [cuts[m − 1 − j], cuts[m − j]).
  const m = cuts.length - 1;
  const sizes = Array.from({ length: m }, (_, j) => cuts[m - j]! / cuts[m - 1 - j]!);
  const groups = (s: readonly number[], lo: number[]) =>
    s.map((d, i) => {
      const out: number[] = [];
      for (let j = 0; j < m; j++) if (cuts[m - 1 - j]! >= lo[i]! && cuts[m - j]! <= lo[i]! * d) out.push(j);
      return out;
    });
  return { sizes, a: groups(a, A.lo), b: groups(b, B.lo) };
}

/**
 * IR ops taking graph input `v` (ONNX shape, identity layout) into `layout`: a Reshape onto the
 * layout's split when it has an inserted axis (N×C×L → N×C×1×L), then the Transpose (a Reshape
 * alone when only size-1 axes move). Returns the IR tensor in `layout`.
 */
function boundaryIn(L: Lowering, v: Value, layout: Layout, k: number): number {
  if (!keepsOrder(layout)) L.boundaryInputs.set(k, layout);
  const c = new Ctx(L, { input: [v.name], output: [v.name], name: `${v.name}/to_nhwc`, opType: 'Input', domain: '', attribute: [] }, -1 - k);
  const split = layout.split.length === v.shape.length ? v : { ...v, shape: [...layout.split], ir: L.viewAs(c, v.ir!, layout.split), layout: identityLayout(layout.split) };
  const ir = L.asLayout(c, split, layout, `graph input '${v.name}'`);
  L.tensors[ir]!.name = `${v.name}/nhwc`;
  return ir;
}

/** Layouts a graph boundary may keep: the ONNX order, or channels-last (NCHW ↔ NHWC, also flattened). */
function isBoundaryLayout(v: Value): boolean {
  const l = v.layout!;
  if (sameOrder(l, identityLayout(v.shape))) return true;
  const r = l.perm.length;
  return r >= 3 && l.perm[0] === 0 && l.perm[r - 1] === 1 && l.perm.slice(1, -1).every((p, i) => p === i + 2);
}

/** Quantization params as the IR wants them (per-channel axis remapped by the caller). */
export function irQuant(q: OnnxQuant, axis?: number): QuantParams {
  const out: QuantParams = { scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
  if (axis !== undefined && q.scale.length > 1) out.axis = axis;
  return out;
}

export { transposeValues };
