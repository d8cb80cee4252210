/**
 * Float graph → fully-int8 graph (the TFLite int8 scheme, inference_input_type and
 * inference_output_type int8), or → 16x8 graph (`activations: 'int16'`: TFLite's
 * EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 scheme with int16 input and
 * output), given a real range per activation tensor.
 *
 * Steps:
 * 1. Every non-constant float32 tensor (graph inputs and op outputs) becomes int8 with
 *    asymmetric per-tensor params from its range (see params.ts). Tensor indices do not
 *    change, so tensor i of the float graph and tensor i of the int8 graph hold the same
 *    activation (the fidelity report matches them that way).
 * Each op's rule is its definition's `quant` (src/ops/):
 * 2. Fused activations clip the range (`clip`): ReLU → [0, max], ReLU6 → [0, min(max, 6)],
 *    RELU_N1_TO_1 → [-1, 1] (intersected with what was seen); standalone Relu/Relu6 ops alike.
 * 3. TFLite's fixed output params (`output: fixed`): Softmax and Logistic (1/256, -128), Tanh
 *    (1/128, 0).
 * 4. Ops TFLite requires to keep their input's params (`output: shared`: pooling, Reshape,
 *    Pad; Concatenation with all its inputs) put their tensors in one group (union-find); a
 *    group takes the fixed params of a member if it has one, else the union of its members'
 *    ranges. Two different fixed params in one group is an error.
 * 5. Weights (`weights`: Conv2D / FullyConnected axis 0, DepthwiseConv2D axis 3): per-channel
 *    symmetric int8; their biases (`bias`) int32 at input_scale × weight_scale per channel.
 *    Option `perTensorFullyConnected`: one scale for FullyConnected weights and bias (TFLite's
 *    converter default, for older TFLite Micro runtimes).
 *    Other float constants (an Add/Mul operand, ...): per-tensor asymmetric from their data;
 *    a constant input of an op whose inputs share the output's params (Maximum, Minimum) takes
 *    the params of that group.
 * 6. int32 constants (shapes, paddings, axes) are kept as they are.
 * 7. Params the float graph already carries (`quant` on a float tensor: the scales and zero
 *    points of a QDQ ONNX model) are kept where they fit: an activation group takes the given
 *    params of its members (fixed outputs still win), weights keep their given per-channel or
 *    per-tensor symmetric int8 scales and values bit for bit. Where they do not fit (asymmetric
 *    or uint8 weights, weights changed since, two given params in one group), the tensor is
 *    re-quantized and `notes` says what changed.
 * 8. Ops with a `custom` rule (LSTM, SVDF) quantize their own constants and state tensors once
 *    the activations' params are fixed, through the helpers here: symmetric per-tensor int8 or
 *    int16 weights, int32 biases at a given scale, state tensors at given params (their ranges
 *    come from calibration, which observes state tensors too).
 * Float graphs with resource variables (VAR_HANDLE, CALL_ONCE) are refused: the variable's
 * readers and writers (and its init subgraph) would have to share params across subgraphs.
 *
 * 16x8 differs in: activations symmetric int16 (zero point 0, scale max|range| / 32767); the
 * fixed outputs' int16 params (Softmax, Logistic, Tanh: 1/32768, 0); biases int64; other float
 * constants symmetric int16; FullyConnected weights per tensor (TFLite Micro's int16
 * FULLY_CONNECTED takes no per-channel weights); int8 params carried by a QDQ model are not
 * used (they are int8 params; `notes` says so); ops with a `custom` rule (LSTM, SVDF) are
 * refused: they quantize to TFLite's int8 schemes only (int16 state where TFLM keeps it).
 *
 * It does not insert Quantize/Dequantize ops: the graph's inputs and outputs are int8, and
 * their params are what callers use to convert sensor data. It refuses float graphs that
 * already contain Quantize/Dequantize ops (mixed graphs), naming them, and ops that compute
 * on a float activation's stored values (`rawValues`: CAST), whose results int8 would change.
 */
import { TinymlError, UnsupportedOpsError } from '../errors.js';
import { isConstant, type Activation, type Graph, type Op, type Tensor } from '../ir/graph.js';
import type { QuantCustomContext } from '../ops/op-def.js';
import { opDef, OP_KINDS } from '../ops/registry.js';
import { f32, roundHalfAway } from '../numerics/fixed-point.js';
import { activationParams, asymmetricParams, quantizeBias, quantizeBias64, quantizeValue, quantizeWeightsPerChannel, quantizeWeightsPerTensor, type ActivationDtype, type AffineParams } from './params.js';

export type RangeMap = Map<number, [number, number]>;

/** Float state (variable) tensors the graph's ops read and update: calibrated like activations. */
export function stateTensors(g: Graph): number[] {
  const s = new Set<number>();
  for (const op of g.ops) for (const i of op.inputs) if (i >= 0 && g.tensors[i]!.variable && g.tensors[i]!.dtype === 'float32') s.add(i);
  return [...s].sort((a, b) => a - b);
}

/** Tensors that are activations (non-constant, float32): graph inputs and op outputs. */
export function activationTensors(g: Graph): number[] {
  const s = new Set<number>();
  for (const i of g.inputs) s.add(i);
  for (const op of g.ops) for (const o of op.outputs) s.add(o);
  return [...s].filter((i) => !isConstant(g.tensors[i]!) && g.tensors[i]!.dtype === 'float32').sort((a, b) => a - b);
}

function clipForActivation(range: [number, number], act: Activation | undefined): [number, number] {
  const [lo, hi] = range;
  switch (act) {
    case 'relu':
      return [Math.max(lo, 0), Math.max(hi, 0)];
    case 'relu6':
      return [Math.max(lo, 0), Math.min(Math.max(hi, 0), 6)];
    case 'relu_n1_to_1':
      return [Math.max(lo, -1), Math.min(hi, 1)];
    default:
      return range;
  }
}

export interface RewriteResult {
  graph: Graph;
  /** Final params of every activation tensor (by tensor index). */
  params: Map<number, AffineParams>;
  /** Where params the float graph carried (QDQ models) were not kept, and why. */
  notes: string[];
}

/** Per-tensor params a float tensor carries from its source model (QDQ), if any. */
function givenParams(t: Tensor): AffineParams | undefined {
  const q = t.quant;
  if (!q || q.scale.length !== 1 || t.dtype !== 'float32' || isConstant(t)) return undefined;
  const z = q.zeroPoint[0]!;
  if (!(q.scale[0]! > 0) || z < -128 || z > 127) return undefined;
  return { scale: q.scale[0]!, zeroPoint: z };
}

/**
 * The int8 values of float weights `w` that carry given symmetric int8 params, when every
 * value is (to float rounding) an integer multiple of its channel's scale; else undefined.
 */
function givenWeights(w: Tensor, axis: number): { data: Int8Array; quant: NonNullable<Tensor['quant']> } | undefined {
  const q = w.quant;
  if (!q || q.zeroPoint.some((z) => z !== 0)) return undefined;
  const perChannel = q.scale.length > 1;
  if (perChannel && (q.axis ?? 0) !== axis) return undefined;
  const d = w.data as Float32Array;
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const ch = w.shape[axis] ?? 1;
  const out = new Int8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const s = q.scale[perChannel ? Math.floor(i / inner) % ch : 0]!;
    const r = d[i]! / s;
    const k = Math.round(r);
    if (Math.abs(r - k) > 1e-3 || k < -128 || k > 127) return undefined;
    out[i] = k;
  }
  const quant: NonNullable<Tensor['quant']> = { scale: [...q.scale], zeroPoint: q.scale.map(() => 0) };
  if (perChannel) quant.axis = axis;
  return { data: out, quant };
}

export interface RewriteOptions {
  /**
   * FullyConnected weights per tensor (one scale) instead of per output channel: what TFLite's
   * converter does by default, and what TFLite Micro releases before per-channel
   * FULLY_CONNECTED support (2023) accept. Conv2D/DepthwiseConv2D stay per channel.
   */
  perTensorFullyConnected?: boolean;
  /** Activation dtype: int8 (default) or int16 (16x8: int8 weights, int64 biases). */
  activations?: ActivationDtype;
}

export function rewriteToInt8(g: Graph, ranges: RangeMap, opts: RewriteOptions = {}): RewriteResult {
  const resources = g.ops.filter((op) => op.kind === 'VarHandle' || op.kind === 'ReadVariable' || op.kind === 'AssignVariable' || op.kind === 'CallOnce');
  if (resources.length > 0) {
    throw new TinymlError(
      'unsupported',
      `${g.source?.path ?? g.name}: float models with resource variables (${resources.map((op) => `${op.kind} '${op.name}'`).join(', ')}) cannot be quantized here`,
      "Quantize it with TFLite's converter (representative dataset, int8); the int8 .tflite runs as it is.",
    );
  }
  const act: ActivationDtype = opts.activations ?? 'int8';
  const is16 = act === 'int16';
  const mixed = g.ops.filter((op) => op.kind === 'Quantize' || op.kind === 'Dequantize');
  if (mixed.length > 0) {
    throw new UnsupportedOpsError(
      g.source?.path ?? g.name,
      mixed.map((op) => ({ name: op.name, type: `${op.kind} in a float graph` })),
      OP_KINDS.filter((k) => k !== 'Quantize' && k !== 'Dequantize' && k !== 'Unsupported'),
    );
  }
  const acts = activationTensors(g);
  const actSet = new Set(acts);
  const raw = g.ops.filter((op) => opDef(op).quant.rawValues && [...op.inputs, ...op.outputs].some((t) => actSet.has(t)));
  if (raw.length > 0) {
    throw new TinymlError(
      'unsupported',
      `${raw.map((op) => `${op.kind} '${op.name}'`).join(', ')} ${raw.length === 1 ? 'reads or writes' : 'read or write'} a float activation by its stored values; int8 values would change its result`,
      'Quantize a model without casts between float and integer activations, or run it in float.',
    );
  }
  const range = new Map<number, [number, number]>();
  for (const t of acts) {
    const r = ranges.get(t);
    if (!r) {
      throw new TinymlError('input', `no calibration range for tensor ${t} '${g.tensors[t]!.name}': it was never computed by the float run`);
    }
    range.set(t, [r[0], r[1]]);
  }
  const fixed = new Map<number, AffineParams>();
  for (const op of g.ops) {
    const rule = opDef(op).quant;
    for (const out of op.outputs) {
      if (!range.has(out)) continue;
      range.set(out, clipForActivation(range.get(out)!, rule.clip?.(op)));
      if (rule.output.kind === 'fixed') {
        const f = is16 ? rule.output.int16 : rule.output.int8;
        if (!f) throw new TinymlError('unsupported', `${op.kind} '${op.name}': TFLite has no 16x8 (int16 activations) form of this op`, 'Quantize with --activations int8.');
        fixed.set(out, f);
      }
    }
  }

  // Union-find over tensors that must share params.
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const op of g.ops) {
    const out = opDef(op).quant.output;
    if (out.kind !== 'shared') continue;
    const shared = out.inputs === 'all' ? op.inputs : out.inputs.map((k) => op.inputs[k]!);
    for (const i of shared) for (const o of op.outputs) if (i >= 0 && range.has(i)) union(i, o);
  }
  const groups = new Map<number, number[]>();
  for (const t of acts) {
    const r = find(t);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(t);
  }
  const params = new Map<number, AffineParams>();
  const notes: string[] = [];
  const same = (a: AffineParams, b: AffineParams) => a.scale === b.scale && a.zeroPoint === b.zeroPoint;
  for (const members of groups.values()) {
    let p: AffineParams | undefined;
    // A QDQ model's params are int8 params: a 16x8 rewrite calibrates instead.
    const given = is16 ? [] : members.map((t) => givenParams(g.tensors[t]!)).filter((x): x is AffineParams => x !== undefined);
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of members) {
      const f = fixed.get(t);
      if (f) {
        if (p && (p.scale !== f.scale || p.zeroPoint !== f.zeroPoint)) {
          throw new TinymlError(
            'unsupported',
            `tensors ${members.map((m) => `'${g.tensors[m]!.name}'`).join(', ')} must share int8 parameters (pooling/reshape/pad/concatenation) but two of them have different fixed parameters`,
          );
        }
        p = f;
      }
      const [a, b] = range.get(t)!;
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
    if (p) {
      if (given.some((x) => !same(x, p!))) notes.push(`${members.map((m) => `'${g.tensors[m]!.name}'`).join(', ')}: the model's params replaced by TFLite's fixed ${p.scale}/${p.zeroPoint}`);
    } else if (given.length > 0) {
      p = given[given.length - 1]!;
      if (given.some((x) => !same(x, p!))) notes.push(`${members.map((m) => `'${g.tensors[m]!.name}'`).join(', ')} must share int8 params (pooling/reshape/pad/concatenation): all take scale ${p.scale}, zero point ${p.zeroPoint}`);
    }
    p ??= activationParams(lo, hi, act);
    for (const t of members) params.set(t, p);
  }
  const withGiven = acts.filter((t) => givenParams(g.tensors[t]!));
  if (is16 && withGiven.length > 0) notes.push(`${withGiven.length} activation tensor(s) carried int8 params from the model; 16x8 calibrates its own int16 params`);
  if (!is16 && withGiven.length > 0 && withGiven.length < acts.length) {
    const missing = acts.filter((t) => !givenParams(g.tensors[t]!) && !fixed.has(t));
    if (missing.length > 0) notes.push(`${missing.length} activation tensor(s) had no params in the model and were calibrated: ${missing.slice(0, 5).map((t) => `'${g.tensors[t]!.name}'`).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }

  // Build the new tensor list (same indices).
  const tensors: Tensor[] = g.tensors.map((t) => ({ ...t, shape: [...t.shape] }));
  for (const [t, p] of params) {
    const old = g.tensors[t]!;
    tensors[t] = { name: old.name, shape: [...old.shape], dtype: act, quant: { scale: [p.scale], zeroPoint: [p.zeroPoint] } };
  }
  const done = new Set<number>(params.keys());
  for (const op of g.ops) {
    const rule = opDef(op).quant;
    const wRule = rule.weights?.[0];
    if (!wRule) continue;
    const axis = wRule.axis;
    const x = op.inputs[rule.activationInput ?? 0]!;
    const w = op.inputs[wRule.input]!;
    const b = rule.bias ? op.inputs[rule.bias.input] : undefined;
    const wt = g.tensors[w]!;
    const inScale = params.get(x)?.scale;
    if (inScale === undefined) throw new TinymlError('unsupported', `${op.kind} '${op.name}': input tensor ${x} is not a float activation`);
    let wScales: number[];
    if (isConstant(wt)) {
      if (wt.dtype !== 'float32') {
        throw new TinymlError('unsupported', `${op.kind} '${op.name}': weights '${wt.name}' are ${wt.dtype} in a float model (hybrid models are not supported)`);
      }
      // 16x8 FullyConnected needs one weight scale: given per-channel weights are re-quantized.
      const fcPerTensor = op.kind === 'FullyConnected' && (is16 || opts.perTensorFullyConnected === true);
      let kept = done.has(w) ? undefined : wt.quant ? givenWeights(wt, axis) : undefined;
      if (kept && fcPerTensor && kept.quant.scale.length > 1) kept = undefined;
      if (done.has(w)) {
        wScales = tensors[w]!.quant!.scale;
      } else if (kept) {
        tensors[w] = { name: wt.name, shape: [...wt.shape], dtype: 'int8', data: kept.data, quant: kept.quant };
        wScales = kept.quant.scale;
        done.add(w);
      } else {
        if (wt.quant) notes.push(`${op.kind} '${op.name}': the model's weight params (${wt.quant.zeroPoint.some((z) => z !== 0) ? 'asymmetric' : 'changed since, or along another axis'}) do not fit TFLite's symmetric int8 weights; re-quantized per channel`);
        const perTensor = fcPerTensor;
        const q = perTensor ? quantizeWeightsPerTensor(wt.data as Float32Array) : quantizeWeightsPerChannel(wt.data as Float32Array, wt.shape, axis);
        const quant: Tensor['quant'] = { scale: q.scales, zeroPoint: q.scales.map(() => 0) };
        if (!perTensor) quant.axis = axis;
        tensors[w] = { name: wt.name, shape: [...wt.shape], dtype: 'int8', data: q.data, quant };
        wScales = q.scales;
        done.add(w);
      }
    } else {
      wScales = [params.get(w)!.scale];
    }
    if (b !== undefined && b >= 0) {
      const bt = g.tensors[b]!;
      if (!isConstant(bt) || bt.dtype !== 'float32') {
        throw new TinymlError('unsupported', `${op.kind} '${op.name}': bias '${bt.name}' is not a float32 constant`);
      }
      if (done.has(b)) throw new TinymlError('unsupported', `${op.kind} '${op.name}': bias '${bt.name}' is shared with another op`);
      const q = is16 ? quantizeBias64(bt.data as Float32Array, inScale, wScales) : quantizeBias(bt.data as Float32Array, inScale, wScales);
      const quant: Tensor['quant'] = { scale: q.scales, zeroPoint: q.scales.map(() => 0) };
      if (q.scales.length > 1) quant.axis = 0;
      tensors[b] = { name: bt.name, shape: [...bt.shape], dtype: is16 ? 'int64' : 'int32', data: q.data, quant };
      done.add(b);
    }
  }
  // Ops that quantize their own constants and state (LSTM, SVDF).
  const ops = g.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs] }) as Op);
  ops.forEach((op, k) => {
    const custom = opDef(op).quant.custom;
    if (!custom) return;
    const where = `${op.kind} '${op.name}'`;
    if (is16) throw new TinymlError('unsupported', `${where}: quantizes to TFLite's int8 scheme only (int8 activations, int16 state), not to 16x8`, 'Quantize with --activations int8.');
    const constF32 = (t: number): Float32Array => {
      const tensor = g.tensors[t]!;
      if (!(tensor.data instanceof Float32Array)) throw new TinymlError('unsupported', `${where}: '${tensor.name}' is not a float32 constant`);
      if (done.has(t)) throw new TinymlError('unsupported', `${where}: '${tensor.name}' is shared with another op`);
      return tensor.data;
    };
    const ctx: QuantCustomContext = {
      params(t) {
        const p = params.get(t);
        if (!p) throw new TinymlError('unsupported', `${where}: tensor ${t} '${g.tensors[t]?.name}' is not a float activation`);
        return p;
      },
      range: (t) => ranges.get(t),
      weights(t, bits) {
        const data = constF32(t);
        const qmax = bits === 8 ? 127 : 32767;
        let maxAbs = 0;
        for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
        const s0 = f32(f32(maxAbs) / qmax);
        const scale = s0 === 0 ? 1 : s0;
        const inv = f32(1 / scale);
        const q = bits === 8 ? new Int8Array(data.length) : new Int16Array(data.length);
        for (let i = 0; i < data.length; i++) {
          const v = roundHalfAway(f32(data[i]! * inv));
          q[i] = v < -qmax ? -qmax : v > qmax ? qmax : v;
        }
        const old = g.tensors[t]!;
        tensors[t] = { name: old.name, shape: [...old.shape], dtype: bits === 8 ? 'int8' : 'int16', data: q, quant: { scale: [scale], zeroPoint: [0] } };
        done.add(t);
        return scale;
      },
      bias(t, scale) {
        const q = quantizeBias(constF32(t), scale, [1]);
        const old = g.tensors[t]!;
        tensors[t] = { name: old.name, shape: [...old.shape], dtype: 'int32', data: q.data, quant: { scale: [f32(scale)], zeroPoint: [0] } };
        done.add(t);
      },
      state(t, dtype, p) {
        const old = g.tensors[t]!;
        if (!old.variable) throw new TinymlError('unsupported', `${where}: '${old.name}' is not a variable tensor`);
        tensors[t] = { name: old.name, shape: [...old.shape], dtype, quant: { scale: [p.scale], zeroPoint: [p.zeroPoint] }, variable: true };
        done.add(t);
      },
      add(t) {
        tensors.push(t);
        return tensors.length - 1;
      },
    };
    const replaced = custom(op as never, ctx);
    if (replaced) ops[k] = replaced as Op;
  });

  // Remaining float constants used as op operands: per-tensor asymmetric (attributes stay); a
  // constant among the inputs that share the output's params (Maximum(x, lo)) takes those
  // params, as TFLite's converter quantizes it (values outside the range saturate).
  for (const op of g.ops) {
    const rule = opDef(op).quant;
    const keep = rule.keepInputs ?? [];
    const sharedInputs = rule.output.kind !== 'shared' ? [] : rule.output.inputs === 'all' ? op.inputs.map((_, k) => k) : rule.output.inputs;
    for (const [k, i] of op.inputs.entries()) {
      if (i < 0 || done.has(i) || keep.includes(k)) continue;
      const t = g.tensors[i]!;
      if (!isConstant(t) || t.dtype !== 'float32') continue;
      const d = t.data as Float32Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of d) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const groupParams = sharedInputs.includes(k) ? params.get(op.outputs[0]!) : undefined;
      if (is16) {
        // 16x8: a constant operand is an int16 activation-like tensor, symmetric per tensor.
        const p = groupParams ?? activationParams(lo, hi, 'int16');
        const q = Int16Array.from(d, (v) => quantizeValue(v, p, 'int16'));
        tensors[i] = { name: t.name, shape: [...t.shape], dtype: 'int16', data: q, quant: { scale: [p.scale], zeroPoint: [0] } };
        done.add(i);
        continue;
      }
      const p = groupParams ?? asymmetricParams(lo, hi);
      const q = new Int8Array(d.length);
      for (let k = 0; k < d.length; k++) {
        const v = roundHalfAway(d[k]! / p.scale) + p.zeroPoint; // TFLite: std::round then clamp
        q[k] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
      tensors[i] = { name: t.name, shape: [...t.shape], dtype: 'int8', data: q, quant: { scale: [p.scale], zeroPoint: [p.zeroPoint] } };
      done.add(i);
    }
  }
  const graph: Graph = {
    name: g.name,
    tensors,
    ops,
    inputs: [...g.inputs],
    outputs: [...g.outputs],
  };
  if (g.source) graph.source = { ...g.source };
  if (g.boundaryLayout) graph.boundaryLayout = structuredClone(g.boundaryLayout);
  return { graph, params, notes };
}
