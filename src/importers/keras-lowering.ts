/**
 * Keras layers → IR. One module shared by the Keras 2 HDF5, Keras 3 `.keras` and TF.js
 * layers importers; each of them only parses its container and supplies weights.
 *
 * Steps:
 * 1. Check every layer against the supported set (class and the config options we honour)
 *    and throw ONE UnsupportedOpsError listing all offenders; channels_first layouts get
 *    their own error with a hint.
 * 2. Walk the layer calls (nodes) in dependency order, keeping the IR tensor for each Keras
 *    tensor `layer:node:tensor`, and lower each call (batch size 1, NHWC):
 *      Dense → FullyConnected (kernel [in,units] → [units,in]); Conv2D → Conv2D (HWIO → OHWI);
 *      DepthwiseConv2D → DepthwiseConv2D ([kh,kw,C,M] → [1,kh,kw,C*M], same memory order);
 *      SeparableConv2D → DepthwiseConv2D + 1×1 Conv2D; BatchNormalization → Mul + Add with
 *      per-channel constants; Activation/ReLU/Softmax → Relu, Relu6, Softmax, Logistic, Tanh
 *      ('linear' is the identity); pools → pools; GlobalAveragePooling2D → Mean over H,W;
 *      Flatten/Reshape → Reshape; ZeroPadding2D → Pad; Add → Add (chained for >2 inputs);
 *      Concatenate → Concatenation; Dropout and InputLayer add no op;
 *      LSTM → UNIDIRECTIONAL_SEQUENCE_LSTM (kernels split per gate i, f, c, o and transposed,
 *      float hidden and cell state as variable tensors), followed, without return_sequences,
 *      by a StridedSlice of the last step;
 *      GRU → primitive ops, unrolled over the time steps exactly as Keras computes the cell
 *      (TFLite has no GRU builtin; its converter also unrolls or loops it): per step a
 *      StridedSlice of x_t, FullyConnected per gate for the input and the recurrent part,
 *      Logistic gates, Tanh candidate (reset_after: r · (h·U_h + b_h); else (r · h)·U_h), and
 *      h = z·h + (1 − z)·h̃ as Mul/Add (1 − z = z·(−1) + 1, the same float result); the steps
 *      are concatenated for return_sequences.
 *    A layer's fused activation relu/relu6 becomes the op's `activation`; softmax, sigmoid
 *    and tanh become a separate op after it.
 * 3. Peephole passes on the IR, repeated until nothing changes, each only where the
 *    intermediate tensor has exactly one reader and is not a model output:
 *      - Mul by a per-channel constant after a linear Conv2D/DepthwiseConv2D/FullyConnected
 *        scales that op's weights and bias (the BatchNormalization fold, part 1);
 *      - Add of a per-channel constant after such an op is added to its bias (part 2);
 *      - Relu/Relu6 after a Conv2D/DepthwiseConv2D/FullyConnected/Add without activation
 *        becomes that op's fused activation.
 *    Folding arithmetic is done in float64 and rounded to float32 once per pass.
 * 4. Unused tensors are dropped, indices renumbered, and the graph checked by validateGraph.
 *
 * It does not promise: training-only behaviour (Dropout, BN batch statistics), masking,
 * layers called with keyword tensors, or nested models (reported as unsupported).
 */
import type { Activation, Graph, Op, Padding, Tensor } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { validateGraph } from '../ops/validate.js';
import { ModelFormatError, TinymlError, UnsupportedOpsError, type UnsupportedLayer } from '../errors.js';
import { declaredInputShape, refKey, type KerasLayer, type KerasModelSpec } from './keras-topology.js';
import { GraphBuilder } from './graph-builder.js';

export interface KerasWeight {
  /** The weight's name in the file ("dense/kernel:0", "vars/0", ...). */
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The weights of one layer, in the layer's own creation order (Keras `layer.weights`). */
export type KerasWeightLookup = (layer: KerasLayer) => KerasWeight[];

export const SUPPORTED_KERAS_LAYERS = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'Softmax',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'ZeroPadding2D',
  'Add',
  'Concatenate',
  'LSTM',
  'GRU',
] as const;

/** Class-name aliases used by some Keras/TF.js versions. */
const CLASS_ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  AveragePool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  SeparableConvolution2D: 'SeparableConv2D',
};

const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'softmax', 'sigmoid', 'tanh'];

type Json = Record<string, unknown>;

function canonicalClass(c: string): string {
  return CLASS_ALIASES[c] ?? c;
}

/** Activation name from a config value: a string, or a Keras 3 serialized function. */
function activationName(v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) {
    const o = v as Json;
    if (typeof o['config'] === 'string') return o['config'];
    if (typeof o['class_name'] === 'string') return o['class_name'];
  }
  return String(v);
}

function pair(v: unknown, dflt: [number, number]): [number, number] {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  return [NaN, NaN];
}

/** Why a layer cannot be lowered (its "type" in the unsupported list), or undefined. */
function unsupportedReason(layer: KerasLayer): string | undefined {
  const cls = canonicalClass(layer.className);
  const c = layer.config;
  if (!(SUPPORTED_KERAS_LAYERS as readonly string[]).includes(cls)) return layer.className;
  if (['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Activation'].includes(cls)) {
    const a = activationName(c['activation']);
    if (!SUPPORTED_ACTIVATIONS.includes(a)) return `${layer.className} with activation '${a}'`;
  }
  if (['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D'].includes(cls)) {
    const p = c['padding'] ?? 'valid';
    if (p !== 'valid' && p !== 'same') return `${layer.className} with padding '${String(p)}'`;
  }
  if (cls === 'Conv2D' && c['groups'] !== undefined && c['groups'] !== 1) return `${layer.className} with groups=${String(c['groups'])}`;
  if (cls === 'ReLU') {
    const mv = c['max_value'];
    const ns = c['negative_slope'] ?? 0;
    const th = c['threshold'] ?? 0;
    if (ns !== 0 || th !== 0 || !(mv === null || mv === undefined || mv === 6)) return `ReLU with max_value=${String(mv)}, negative_slope=${String(ns)}, threshold=${String(th)}`;
  }
  if (cls === 'Softmax') {
    // Only the last axis is supported; a positive axis is checked against the rank when lowered.
    const axis = c['axis'] ?? -1;
    const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
    if (typeof a !== 'number' || (a !== -1 && a < 1)) return `Softmax over axis ${JSON.stringify(axis)}`;
  }
  if (cls === 'BatchNormalization' && c['renorm'] === true) return 'BatchNormalization with renorm';
  if (cls === 'LSTM' || cls === 'GRU') return recurrentUnsupported(layer, cls);
  return undefined;
}

/** Why an LSTM/GRU layer cannot be lowered, or undefined. */
function recurrentUnsupported(layer: KerasLayer, cls: 'LSTM' | 'GRU'): string | undefined {
  const c = layer.config;
  const a = activationName(c['activation'] ?? 'tanh');
  const ra = activationName(c['recurrent_activation'] ?? 'sigmoid');
  const allowed = cls === 'LSTM' ? ['tanh'] : ['tanh', 'sigmoid', 'relu'];
  if (!allowed.includes(a)) return `${layer.className} with activation '${a}' (${cls === 'LSTM' ? "TFLite's LSTM applies tanh" : 'supported: tanh, sigmoid, relu'})`;
  if (ra !== 'sigmoid') return `${layer.className} with recurrent_activation '${ra}' (TFLite's gates are sigmoid; set recurrent_activation='sigmoid')`;
  if (c['go_backwards'] === true) return `${layer.className} with go_backwards=True`;
  if (c['return_state'] === true) return `${layer.className} with return_state=True`;
  if (c['time_major'] === true) return `${layer.className} with time_major=True`;
  if (cls === 'GRU' && c['stateful'] === true) return 'GRU with stateful=True (lowered to stateless primitive ops)';
  return undefined;
}

function isChannelsFirst(layer: KerasLayer): boolean {
  return layer.config['data_format'] === 'channels_first';
}

/** Columns [k·units, (k+1)·units) of a row-major [rows, n·units] matrix, transposed to [units, rows]. */
function gateBlock(data: Float32Array, rows: number, cols: number, k: number, units: number): Float32Array {
  const out = new Float32Array(units * rows);
  for (let u = 0; u < units; u++) for (let r = 0; r < rows; r++) out[u * rows + r] = data[r * cols + k * units + u]!;
  return out;
}

/** Output size of a windowed op along one axis, TensorFlow's formula. */
function windowOut(inp: number, k: number, s: number, d: number, padding: Padding): number {
  const eff = (k - 1) * d + 1;
  return padding === 'same' ? Math.ceil(inp / s) : Math.ceil((inp - eff + 1) / s);
}

function transpose(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  if (rank === 2 && perm[0] === 1) {
    const [r, c] = shape as [number, number];
    const out = new Float32Array(data.length);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]!;
    return { data: out, shape: outShape };
  }
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * Lowers a parsed Keras model to the IR. `file` and `format` name the source in errors and
 * in `graph.source`.
 */
export function lowerKerasModel(spec: KerasModelSpec, weightsOf: KerasWeightLookup, file: string, format: string): Graph {
  // 1. Everything we cannot lower, reported at once.
  const unsupported: UnsupportedLayer[] = [];
  for (const l of spec.layers) {
    if (isChannelsFirst(l)) {
      throw new TinymlError(
        'unsupported',
        `${file}: layer ${l.name} (${l.className}) uses data_format='channels_first'; tinyml works in NHWC (channels_last)`,
        "Rebuild the model with data_format='channels_last' (the Keras default), load the trained weights into it and save again.",
      );
    }
    const why = unsupportedReason(l);
    if (why) unsupported.push({ name: l.name, type: why });
  }
  if (unsupported.length > 0) {
    throw new UnsupportedOpsError(file, unsupported, [...SUPPORTED_KERAS_LAYERS, `activations: ${SUPPORTED_ACTIVATIONS.join('/')}`]);
  }

  const b = new GraphBuilder();
  const byName = new Map(spec.layers.map((l) => [l.name, l]));
  const tensorOf = new Map<string, number>();
  const graphInputs: number[] = [];
  const bad = (what: string): never => {
    throw new ModelFormatError(file, what);
  };

  // 2. Lower every call, in dependency order.
  const pending: { layer: KerasLayer; node: number }[] = [];
  for (const l of spec.layers) {
    if (canonicalClass(l.className) === 'InputLayer') {
      const shape = inputShape(l, bad);
      const t = b.act(l.name, shape);
      tensorOf.set(refKey({ layer: l.name, node: 0, tensor: 0 }), t);
      continue;
    }
    l.nodes.forEach((_, i) => pending.push({ layer: l, node: i }));
  }
  for (const r of spec.inputs) {
    const t = tensorOf.get(refKey(r));
    if (t === undefined) bad(`model input ${r.layer} is not an InputLayer`);
    graphInputs.push(t!);
  }
  while (pending.length > 0) {
    const idx = pending.findIndex((p) => p.layer.nodes[p.node]!.every((r) => tensorOf.has(refKey(r))));
    if (idx < 0) {
      const p = pending[0]!;
      const missing = p.layer.nodes[p.node]!.find((r) => !tensorOf.has(refKey(r)))!;
      const exists = byName.has(missing.layer);
      return bad(
        `layer ${p.layer.name} reads ${missing.layer}[${missing.node}][${missing.tensor}], which ${exists ? 'is never computed (cycle or bad node index)' : 'does not exist'}`,
      );
    }
    const { layer, node } = pending.splice(idx, 1)[0]!;
    const ins = layer.nodes[node]!.map((r) => tensorOf.get(refKey(r))!);
    const outName = node === 0 ? layer.name : `${layer.name}_${node}`;
    const out = lowerLayer(b, layer, ins, outName, weightsOf, file);
    tensorOf.set(refKey({ layer: layer.name, node, tensor: 0 }), out);
  }
  const graphOutputs = spec.outputs.map((r) => {
    const t = tensorOf.get(refKey(r));
    if (t === undefined) bad(`model output ${r.layer}[${r.node}][${r.tensor}] is never computed`);
    return t!;
  });

  // 3 + 4.
  const g: Graph = { name: spec.name, tensors: b.tensors, ops: b.ops, inputs: graphInputs, outputs: graphOutputs, source: { format, path: file } };
  foldAndFuse(g);
  const out = compact(g);
  // The shapes computed above must agree with the IR's own shape rules.
  validateGraph(out);
  return out;
}

function inputShape(l: KerasLayer, bad: (w: string) => never): number[] {
  const shape = declaredInputShape(l.config);
  if (!shape || shape.length < 2) return bad(`InputLayer ${l.name} declares no input shape`);
  const dtype = l.config['dtype'];
  const dt = typeof dtype === 'object' && dtype !== null ? (dtype as Json)['config'] : dtype;
  const dtName = typeof dt === 'object' && dt !== null ? (dt as Json)['name'] : dt;
  if (dtName !== undefined && dtName !== null && dtName !== 'float32') {
    throw new TinymlError('unsupported', `InputLayer ${l.name} has dtype ${String(dtName)}; only float32 inputs are supported`);
  }
  const dims = shape.slice(1);
  if (dims.some((d) => typeof d !== 'number' || !(d > 0))) {
    throw new TinymlError(
      'unsupported',
      `InputLayer ${l.name} has a variable input shape [${shape.map((d) => (d === null ? 'None' : d)).join(', ')}]`,
      'Microcontroller models need a fixed input shape: set it on the Input layer (e.g. Input(shape=(96, 96, 3))) and save again.',
    );
  }
  return [1, ...(dims as number[])];
}

/** Picks the weight with one of `roles` as its last name component, else the one at `pos`. */
function pickWeight(ws: KerasWeight[], roles: string[], pos: number, layer: KerasLayer, file: string): KerasWeight {
  const byRole = ws.find((w) => {
    const last = w.name.split('/').pop()!.replace(/:\d+$/, '');
    return roles.includes(last);
  });
  const w = byRole ?? ws[pos];
  if (!w) throw new ModelFormatError(file, `layer ${layer.name} (${layer.className}): weight '${roles[0]}' is missing (found ${ws.length} weights)`);
  return w;
}

function checkShape(w: KerasWeight, expected: number[], layer: KerasLayer, role: string, file: string): void {
  const ok = w.shape.length === expected.length && w.shape.every((d, i) => d === expected[i]) && w.data.length === elementCount(expected);
  if (!ok) {
    throw new ModelFormatError(
      file,
      `layer ${layer.name} (${layer.className}): weight ${role} (${w.name}) has shape [${w.shape.join(',')}], expected [${expected.join(',')}]`,
    );
  }
}

function lowerLayer(b: GraphBuilder, layer: KerasLayer, ins: number[], name: string, weightsOf: KerasWeightLookup, file: string): number {
  const cls = canonicalClass(layer.className);
  const c = layer.config;
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `layer ${name} (${layer.className}): ${what}`);
  };
  if (ins.length === 0) bad('is called on no input tensor');
  const x = ins[0]!;
  const xs = b.tensors[x]!.shape;
  const needRank = (r: number) => {
    if (xs.length !== r) bad(`expects a rank-${r} input (batch included), got shape [${xs.join(',')}]`);
  };
  const weights = () => weightsOf(layer);
  /** A size from the config; bounded so a damaged config cannot ask for gigabytes. */
  const size = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > 1 << 24) bad(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const useBias = c['use_bias'] !== false;
  const emit = (op: Op) => b.ops.push(op);

  /** Appends softmax/sigmoid/tanh after `t`; relu/relu6 are returned as fused activation. */
  const splitActivation = (a: string): Activation => (a === 'relu' ? 'relu' : a === 'relu6' ? 'relu6' : 'none');
  const trailingActivation = (t: number, a: string): number => {
    if (a === 'softmax' || a === 'sigmoid' || a === 'tanh') return unaryActivation(b, a, t, `${name}_${a}`, name);
    return t;
  };

  switch (cls) {
    case 'Dropout':
      return x;
    case 'Dense': {
      const units = size('units');
      const inF = xs[xs.length - 1]!;
      const ws = weights();
      const k = pickWeight(ws, ['kernel'], 0, layer, file);
      checkShape(k, [inF, units], layer, 'kernel', file);
      const wT = transpose(k.data, k.shape, [1, 0]);
      const bias = useBias ? pickWeight(ws, ['bias'], 1, layer, file) : undefined;
      if (bias) checkShape(bias, [units], layer, 'bias', file);
      const wt = b.constF32(`${name}/kernel`, wT.shape, wT.data);
      const bt = b.constF32(`${name}/bias`, [units], bias ? Float32Array.from(bias.data) : new Float32Array(units));
      const outShape = [...xs.slice(0, -1), units];
      const a = activationName(c['activation']);
      const y = b.act(name, outShape);
      emit({ kind: 'FullyConnected', name, inputs: [x, wt, bt], outputs: [y], activation: splitActivation(a), keepNumDims: xs.length > 2 });
      return trailingActivation(y, a);
    }
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      needRank(4);
      const [, h, w, ch] = xs as [number, number, number, number];
      const [kh, kw] = pair(c['kernel_size'], [NaN, NaN]);
      const [sh, sw] = pair(c['strides'], [1, 1]);
      const [dh, dw] = pair(c['dilation_rate'], [1, 1]);
      if (![kh, kw, sh, sw, dh, dw].every((v) => Number.isInteger(v) && v > 0)) bad('kernel_size, strides and dilation_rate must be positive integers');
      const padding = (c['padding'] ?? 'valid') as Padding;
      const oh = windowOut(h, kh, sh, dh, padding);
      const ow = windowOut(w, kw, sw, dw, padding);
      if (oh <= 0 || ow <= 0) bad(`a ${kh}x${kw} window does not fit the ${h}x${w} input`);
      const a = activationName(c['activation']);
      const ws = weights();
      if (cls === 'Conv2D') {
        const filters = size('filters');
        const k = pickWeight(ws, ['kernel'], 0, layer, file);
        checkShape(k, [kh, kw, ch, filters], layer, 'kernel', file);
        const wT = transpose(k.data, k.shape, [3, 0, 1, 2]);
        const bias = useBias ? pickWeight(ws, ['bias'], 1, layer, file) : undefined;
        if (bias) checkShape(bias, [filters], layer, 'bias', file);
        const wt = b.constF32(`${name}/kernel`, wT.shape, wT.data);
        const bt = b.constF32(`${name}/bias`, [filters], bias ? Float32Array.from(bias.data) : new Float32Array(filters));
        const y = b.act(name, [1, oh, ow, filters]);
        emit({ kind: 'Conv2D', name, inputs: [x, wt, bt], outputs: [y], strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, padding, activation: splitActivation(a) });
        return trailingActivation(y, a);
      }
      const m = c['depth_multiplier'] === undefined ? 1 : size('depth_multiplier');
      const dk = pickWeight(ws, ['depthwise_kernel', ...(cls === 'DepthwiseConv2D' ? ['kernel'] : [])], 0, layer, file);
      checkShape(dk, [kh, kw, ch, m], layer, 'depthwise_kernel', file);
      // [kh,kw,C,M] flattens to [kh,kw,C*M] with channel c*M+m: TFLite's depthwise layout as is.
      const dwt = b.constF32(`${name}/depthwise_kernel`, [1, kh, kw, ch * m], Float32Array.from(dk.data));
      if (cls === 'DepthwiseConv2D') {
        const bias = useBias ? pickWeight(ws, ['bias'], 1, layer, file) : undefined;
        if (bias) checkShape(bias, [ch * m], layer, 'bias', file);
        const bt = b.constF32(`${name}/bias`, [ch * m], bias ? Float32Array.from(bias.data) : new Float32Array(ch * m));
        const y = b.act(name, [1, oh, ow, ch * m]);
        emit({ kind: 'DepthwiseConv2D', name, inputs: [x, dwt, bt], outputs: [y], strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, depthMultiplier: m, padding, activation: splitActivation(a) });
        return trailingActivation(y, a);
      }
      // SeparableConv2D = depthwise (no bias, no activation) then a 1×1 convolution.
      const filters = size('filters');
      const pk = pickWeight(ws, ['pointwise_kernel'], 1, layer, file);
      checkShape(pk, [1, 1, ch * m, filters], layer, 'pointwise_kernel', file);
      const bias = useBias ? pickWeight(ws, ['bias'], 2, layer, file) : undefined;
      if (bias) checkShape(bias, [filters], layer, 'bias', file);
      const dwName = `${name}/depthwise`;
      const dwBias = b.constF32(`${dwName}/bias`, [ch * m], new Float32Array(ch * m));
      const mid = b.act(dwName, [1, oh, ow, ch * m]);
      emit({ kind: 'DepthwiseConv2D', name: dwName, inputs: [x, dwt, dwBias], outputs: [mid], strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, depthMultiplier: m, padding, activation: 'none' });
      const pT = transpose(pk.data, pk.shape, [3, 0, 1, 2]);
      const pt = b.constF32(`${name}/pointwise_kernel`, pT.shape, pT.data);
      const bt = b.constF32(`${name}/bias`, [filters], bias ? Float32Array.from(bias.data) : new Float32Array(filters));
      const y = b.act(name, [1, oh, ow, filters]);
      emit({ kind: 'Conv2D', name: `${name}/pointwise`, inputs: [mid, pt, bt], outputs: [y], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'valid', activation: splitActivation(a) });
      return trailingActivation(y, a);
    }
    case 'BatchNormalization': {
      const rank = xs.length;
      const axisRaw = c['axis'] ?? -1;
      const axis = Array.isArray(axisRaw) ? axisRaw : [axisRaw];
      if (axis.length !== 1 || typeof axis[0] !== 'number') bad(`normalises over axes ${JSON.stringify(axisRaw)}; only the channel (last) axis is supported`);
      const ax = (axis[0] as number) < 0 ? (axis[0] as number) + rank : (axis[0] as number);
      if (ax !== rank - 1) {
        throw new TinymlError(
          'unsupported',
          `${file}: layer ${name} (BatchNormalization) normalises axis ${ax} of a rank-${rank} tensor; only the last (channels_last) axis is supported`,
          "Rebuild the model with data_format='channels_last' (the Keras default) and save again.",
        );
      }
      const C = xs[rank - 1]!;
      const scaleOn = c['scale'] !== false;
      const centerOn = c['center'] !== false;
      const eps = Number(c['epsilon'] ?? 1e-3);
      const ws = weights();
      const roles: string[] = [];
      if (scaleOn) roles.push('gamma');
      if (centerOn) roles.push('beta');
      roles.push('moving_mean', 'moving_variance');
      const get = (role: string) => {
        const w = pickWeight(ws, [role], roles.indexOf(role), layer, file);
        checkShape(w, [C], layer, role, file);
        return w.data;
      };
      const gamma = scaleOn ? get('gamma') : undefined;
      const beta = centerOn ? get('beta') : undefined;
      const mean = get('moving_mean');
      const variance = get('moving_variance');
      const mul = new Float32Array(C);
      const add = new Float32Array(C);
      for (let i = 0; i < C; i++) {
        const s = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
        mul[i] = s;
        add[i] = (beta ? beta[i]! : 0) - mean[i]! * s;
      }
      const mt = b.constF32(`${name}/scale`, [C], mul);
      const at = b.constF32(`${name}/offset`, [C], add);
      const mid = b.act(`${name}/mul`, [...xs]);
      emit({ kind: 'Mul', name: `${name}/mul`, inputs: [x, mt], outputs: [mid], activation: 'none' });
      const y = b.act(name, [...xs]);
      emit({ kind: 'Add', name: `${name}/add`, inputs: [mid, at], outputs: [y], activation: 'none' });
      return y;
    }
    case 'Activation': {
      const a = activationName(c['activation']);
      if (a === 'linear') return x;
      return unaryActivation(b, a, x, name, name);
    }
    case 'ReLU':
      return unaryActivation(b, c['max_value'] === 6 ? 'relu6' : 'relu', x, name, name);
    case 'Softmax': {
      const ax = c['axis'] ?? -1;
      const a = (Array.isArray(ax) ? ax[0] : ax) as number;
      if (a !== -1 && a !== xs.length - 1) bad(`Softmax over axis ${a} of a rank-${xs.length} tensor: only the last axis is supported`);
      return unaryActivation(b, 'softmax', x, name, name);
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      needRank(4);
      const [, h, w, ch] = xs as [number, number, number, number];
      const [fh, fw] = pair(c['pool_size'], [2, 2]);
      const [sh, sw] = c['strides'] === null || c['strides'] === undefined ? [fh, fw] : pair(c['strides'], [fh, fw]);
      if (![fh, fw, sh, sw].every((v) => Number.isInteger(v) && v > 0)) bad('pool_size and strides must be positive integers');
      const padding = (c['padding'] ?? 'valid') as Padding;
      const oh = windowOut(h, fh, sh, 1, padding);
      const ow = windowOut(w, fw, sw, 1, padding);
      if (oh <= 0 || ow <= 0) bad(`a ${fh}x${fw} pool does not fit the ${h}x${w} input`);
      const y = b.act(name, [1, oh, ow, ch]);
      emit({ kind: cls === 'MaxPooling2D' ? 'MaxPool2D' : 'AveragePool2D', name, inputs: [x], outputs: [y], filterH: fh, filterW: fw, strideH: sh, strideW: sw, padding, activation: 'none' });
      return y;
    }
    case 'GlobalAveragePooling2D': {
      needRank(4);
      const keep = c['keepdims'] === true;
      const outShape = keep ? [1, 1, 1, xs[3]!] : [1, xs[3]!];
      const axes = b.constI32(`${name}/axes`, [1, 2]);
      const y = b.act(name, outShape);
      emit({ kind: 'Mean', name, inputs: [x, axes], outputs: [y], axes: [1, 2], keepDims: keep });
      return y;
    }
    case 'Flatten':
    case 'Reshape': {
      const total = elementCount(xs);
      let target: number[];
      if (cls === 'Flatten') target = [1, total];
      else {
        const ts = c['target_shape'];
        if (!Array.isArray(ts) || ts.some((d) => typeof d !== 'number')) return bad('target_shape is not a list of integers');
        target = [1, ...(ts as number[])];
        const unknown = target.filter((d) => d === -1).length;
        const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        if (unknown > 1 || (unknown === 1 && total % known !== 0)) bad(`cannot reshape [${xs.join(',')}] to [${target.join(',')}]`);
        if (unknown === 1) target = target.map((d) => (d === -1 ? total / known : d));
      }
      if (elementCount(target) !== total) bad(`cannot reshape [${xs.join(',')}] (${total} values) to [${target.join(',')}]`);
      if (target.length === xs.length && target.every((d, i) => d === xs[i])) return x;
      const st = b.constI32(`${name}/shape`, target);
      const y = b.act(name, target);
      emit({ kind: 'Reshape', name, inputs: [x, st], outputs: [y], newShape: target });
      return y;
    }
    case 'ZeroPadding2D': {
      needRank(4);
      const p = c['padding'] ?? 1;
      let top: number, bottom: number, left: number, right: number;
      if (typeof p === 'number') [top, bottom, left, right] = [p, p, p, p];
      else if (Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number')) [top, bottom, left, right] = [p[0], p[0], p[1], p[1]];
      else if (Array.isArray(p) && p.length === 2 && p.every((v) => Array.isArray(v) && v.length === 2)) {
        [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
      } else return bad(`padding ${JSON.stringify(p)} is not an int, a pair or a pair of pairs`);
      if (![top, bottom, left, right].every((v) => Number.isInteger(v) && v >= 0)) bad('paddings must be non-negative integers');
      const paddings: [number, number][] = [[0, 0], [top, bottom], [left, right], [0, 0]];
      const pt = b.addTensor({ name: `${name}/paddings`, shape: [4, 2], dtype: 'int32', data: Int32Array.from(paddings.flat()) });
      const y = b.act(name, [1, xs[1]! + top + bottom, xs[2]! + left + right, xs[3]!]);
      emit({ kind: 'Pad', name, inputs: [x, pt], outputs: [y], paddings });
      return y;
    }
    case 'Add': {
      if (ins.length < 2) bad(`needs at least 2 inputs, got ${ins.length}`);
      for (const t of ins) {
        const s = b.tensors[t]!.shape;
        if (s.length !== xs.length || s.some((d, i) => d !== xs[i])) bad(`input shapes differ: [${xs.join(',')}] vs [${s.join(',')}]`);
      }
      let acc = x;
      for (let i = 1; i < ins.length; i++) {
        const last = i === ins.length - 1;
        const y = b.act(last ? name : `${name}/partial${i}`, [...xs]);
        emit({ kind: 'Add', name: last ? name : `${name}/partial${i}`, inputs: [acc, ins[i]!], outputs: [y], activation: 'none' });
        acc = y;
      }
      return acc;
    }
    case 'Concatenate': {
      const rank = xs.length;
      const a = Number(c['axis'] ?? -1);
      const axis = a < 0 ? a + rank : a;
      if (!(axis >= 1 && axis < rank)) bad(`axis ${a} is out of range for rank ${rank} (the batch axis cannot be concatenated)`);
      const outShape = [...xs];
      outShape[axis] = 0;
      for (const t of ins) {
        const s = b.tensors[t]!.shape;
        if (s.length !== rank || s.some((d, i) => i !== axis && d !== xs[i])) bad(`input shapes [${xs.join(',')}] and [${s.join(',')}] do not match off axis ${axis}`);
        outShape[axis] += s[axis]!;
      }
      const y = b.act(name, outShape);
      emit({ kind: 'Concatenation', name, inputs: [...ins], outputs: [y], axis, activation: 'none' });
      return y;
    }
    case 'LSTM':
      return lowerLstm(b, layer, x, name, weights(), file, bad);
    case 'GRU':
      return lowerGru(b, layer, x, name, weights(), file, bad);
    default:
      return bad('has no lowering (internal: the supported list and the lowering disagree)');
  }
}

/** [1, t, d] → x[:, t, :] as [1, d], by a StridedSlice and a Reshape (the Reshape only relabels the buffer). */
function sliceStep(b: GraphBuilder, x: number, t: number, name: string): number {
  const [n, , d] = b.tensors[x]!.shape as [number, number, number];
  const begin = [0, t, 0];
  const end = [n, t + 1, d];
  const strides = [1, 1, 1];
  const mid = b.act(`${name}/slice`, [n, 1, d]);
  const masks = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false };
  b.ops.push({ kind: 'StridedSlice', name: `${name}/slice`, inputs: [x, b.constI32(`${name}/begin`, begin), b.constI32(`${name}/end`, end), b.constI32(`${name}/strides`, strides)], outputs: [mid], begin, end, strides, ...masks });
  const y = b.act(name, [n, d]);
  b.ops.push({ kind: 'Reshape', name, inputs: [mid, b.constI32(`${name}/shape`, [n, d])], outputs: [y], newShape: [n, d] });
  return y;
}

type Bad = (what: string) => never;

/** Keras LSTM → UNIDIRECTIONAL_SEQUENCE_LSTM (gates i, f, c, o; Keras kernel [in, 4u]). */
function lowerLstm(b: GraphBuilder, layer: KerasLayer, x: number, name: string, ws: KerasWeight[], file: string, bad: Bad): number {
  const c = layer.config;
  const xs = b.tensors[x]!.shape;
  if (xs.length !== 3) bad(`expects a [batch, time, features] input, got [${xs.join(',')}]`);
  const [n, steps, inF] = xs as [number, number, number];
  const units = Number(c['units']);
  if (!Number.isInteger(units) || units <= 0) bad(`units must be a positive integer, got ${JSON.stringify(c['units'])}`);
  const k = pickWeight(ws, ['kernel'], 0, layer, file);
  checkShape(k, [inF, 4 * units], layer, 'kernel', file);
  const rk = pickWeight(ws, ['recurrent_kernel'], 1, layer, file);
  checkShape(rk, [units, 4 * units], layer, 'recurrent_kernel', file);
  const useBias = c['use_bias'] !== false;
  const bias = useBias ? pickWeight(ws, ['bias'], 2, layer, file) : undefined;
  if (bias) checkShape(bias, [4 * units], layer, 'bias', file);
  const inputs = new Array<number>(24).fill(-1);
  inputs[0] = x;
  // Keras gate order i, f, c, o = TFLite's input positions 1-4 (input weights), 5-8, 12-15.
  const gates = ['input', 'forget', 'cell', 'output'];
  gates.forEach((g, q) => {
    inputs[1 + q] = b.constF32(`${name}/${g}_kernel`, [units, inF], gateBlock(k.data, inF, 4 * units, q, units));
    inputs[5 + q] = b.constF32(`${name}/${g}_recurrent_kernel`, [units, units], gateBlock(rk.data, units, 4 * units, q, units));
    inputs[12 + q] = b.constF32(`${name}/${g}_bias`, [units], bias ? bias.data.slice(q * units, (q + 1) * units) : new Float32Array(units));
  });
  inputs[18] = b.state(`${name}/hidden_state`, [n, units]);
  inputs[19] = b.state(`${name}/cell_state`, [n, units]);
  const seq = b.act(c['return_sequences'] === true ? name : `${name}/sequence`, [n, steps, units]);
  b.ops.push({ kind: 'UnidirectionalSequenceLSTM', name, inputs, outputs: [seq], activation: 'tanh', cellClip: 0, projClip: 0, timeMajor: false, asymmetricQuantizeInputs: false, intermediates: [] });
  if (c['return_sequences'] === true) return seq;
  return sliceStep(b, seq, steps - 1, name);
}

/** Keras GRU → primitive ops, unrolled (gates z, r, h; Keras kernel [in, 3u]). */
function lowerGru(b: GraphBuilder, layer: KerasLayer, x: number, name: string, ws: KerasWeight[], file: string, bad: Bad): number {
  const c = layer.config;
  const xs = b.tensors[x]!.shape;
  if (xs.length !== 3) bad(`expects a [batch, time, features] input, got [${xs.join(',')}]`);
  const [n, steps, inF] = xs as [number, number, number];
  const units = Number(c['units']);
  if (!Number.isInteger(units) || units <= 0) bad(`units must be a positive integer, got ${JSON.stringify(c['units'])}`);
  const resetAfter = c['reset_after'] === true;
  const k = pickWeight(ws, ['kernel'], 0, layer, file);
  checkShape(k, [inF, 3 * units], layer, 'kernel', file);
  const rk = pickWeight(ws, ['recurrent_kernel'], 1, layer, file);
  checkShape(rk, [units, 3 * units], layer, 'recurrent_kernel', file);
  const useBias = c['use_bias'] !== false;
  const bias = useBias ? pickWeight(ws, ['bias'], 2, layer, file) : undefined;
  if (bias) checkShape(bias, resetAfter ? [2, 3 * units] : [3 * units], layer, 'bias', file);
  const act = activationName(c['activation'] ?? 'tanh');
  const gate = ['z', 'r', 'h'];
  const W = gate.map((g, q) => b.constF32(`${name}/${g}_kernel`, [units, inF], gateBlock(k.data, inF, 3 * units, q, units)));
  const U = gate.map((g, q) => b.constF32(`${name}/${g}_recurrent_kernel`, [units, units], gateBlock(rk.data, units, 3 * units, q, units)));
  const biasPart = (row: number, q: number) => (bias ? bias.data.slice(row * 3 * units + q * units, row * 3 * units + (q + 1) * units) : new Float32Array(units));
  const bIn = gate.map((g, q) => b.constF32(`${name}/${g}_bias`, [units], biasPart(0, q)));
  const bRec = resetAfter ? gate.map((g, q) => b.constF32(`${name}/${g}_recurrent_bias`, [units], biasPart(1, q))) : [];
  const zeroBias = b.constF32(`${name}/no_bias`, [units], new Float32Array(units));
  const minusOne = b.constF32(`${name}/minus_one`, [1], Float32Array.of(-1));
  const one = b.constF32(`${name}/one`, [1], Float32Array.of(1));
  const fc = (inp: number, w: number, bt: number, out: string) => {
    const y = b.act(out, [n, units]);
    b.ops.push({ kind: 'FullyConnected', name: out, inputs: [inp, w, bt], outputs: [y], activation: 'none', keepNumDims: false });
    return y;
  };
  const bin = (kind: 'Add' | 'Mul', p: number, q: number, out: string) => {
    const y = b.act(out, [n, units]);
    b.ops.push({ kind, name: out, inputs: [p, q], outputs: [y], activation: 'none' });
    return y;
  };
  const unary = (kind: 'Logistic' | 'Tanh', p: number, out: string) => {
    const y = b.act(out, [n, units]);
    b.ops.push({ kind, name: out, inputs: [p], outputs: [y] });
    return y;
  };
  let h = b.constF32(`${name}/h0`, [n, units], new Float32Array(n * units));
  const outs: number[] = [];
  for (let t = 0; t < steps; t++) {
    const s = `${name}/t${t}`;
    const xt = sliceStep(b, x, t, `${s}/x`);
    const xz = fc(xt, W[0]!, bIn[0]!, `${s}/xz`);
    const xr = fc(xt, W[1]!, bIn[1]!, `${s}/xr`);
    const xh = fc(xt, W[2]!, bIn[2]!, `${s}/xh`);
    const hz = fc(h, U[0]!, resetAfter ? bRec[0]! : zeroBias, `${s}/hz`);
    const hr = fc(h, U[1]!, resetAfter ? bRec[1]! : zeroBias, `${s}/hr`);
    const z = unary('Logistic', bin('Add', xz, hz, `${s}/z_in`), `${s}/z`);
    const r = unary('Logistic', bin('Add', xr, hr, `${s}/r_in`), `${s}/r`);
    // reset_after: r · (h·U_h + b_rec); otherwise (r · h)·U_h.
    const rec = resetAfter ? bin('Mul', r, fc(h, U[2]!, bRec[2]!, `${s}/hh`), `${s}/r_hh`) : fc(bin('Mul', r, h, `${s}/r_h`), U[2]!, zeroBias, `${s}/r_hh`);
    const candIn = bin('Add', xh, rec, `${s}/cand_in`);
    const cand = act === 'tanh' ? unary('Tanh', candIn, `${s}/cand`) : act === 'sigmoid' ? unary('Logistic', candIn, `${s}/cand`) : unaryActivation(b, 'relu', candIn, `${s}/cand`, `${s}/cand`);
    const oneMinusZ = bin('Add', bin('Mul', z, minusOne, `${s}/neg_z`), one, `${s}/one_minus_z`);
    const last = t === steps - 1 && c['return_sequences'] !== true;
    const hn = b.act(last ? name : `${s}/h`, [n, units]);
    b.ops.push({ kind: 'Add', name: last ? name : `${s}/h`, inputs: [bin('Mul', z, h, `${s}/z_h`), bin('Mul', oneMinusZ, cand, `${s}/z_cand`)], outputs: [hn], activation: 'none' });
    h = hn;
    outs.push(hn);
  }
  if (c['return_sequences'] !== true) return h;
  const steps3 = outs.map((o, t) => {
    const y = b.act(`${name}/t${t}/h3`, [n, 1, units]);
    b.ops.push({ kind: 'Reshape', name: `${name}/t${t}/h3`, inputs: [o, b.constI32(`${name}/t${t}/h3_shape`, [n, 1, units])], outputs: [y], newShape: [n, 1, units] });
    return y;
  });
  const y = b.act(name, [n, steps, units]);
  b.ops.push({ kind: 'Concatenation', name, inputs: steps3, outputs: [y], axis: 1, activation: 'none' });
  return y;
}

function unaryActivation(b: GraphBuilder, a: string, x: number, outName: string, opName: string): number {
  const y = b.act(outName, [...b.tensors[x]!.shape]);
  const base = { name: opName, inputs: [x], outputs: [y] };
  switch (a) {
    case 'relu':
      b.ops.push({ ...base, kind: 'Relu' });
      break;
    case 'relu6':
      b.ops.push({ ...base, kind: 'Relu6' });
      break;
    case 'sigmoid':
      b.ops.push({ ...base, kind: 'Logistic' });
      break;
    case 'tanh':
      b.ops.push({ ...base, kind: 'Tanh' });
      break;
    case 'softmax':
      b.ops.push({ ...base, kind: 'Softmax', beta: 1 });
      break;
    default:
      throw new TinymlError('unsupported', `activation '${a}' of ${opName} cannot be lowered`);
  }
  return y;
}

/** Step 3 of the header: BatchNorm folding and activation fusion, to a fixed point. */
export function foldAndFuse(g: Graph): void {
  const readers = () => {
    const n = new Array<number>(g.tensors.length).fill(0);
    for (const op of g.ops) for (const i of op.inputs) if (i >= 0) n[i]!++;
    for (const o of g.outputs) n[o]! += 1000; // a model output is never folded away
    return n;
  };
  const producerOf = () => {
    const p = new Map<number, Op>();
    for (const op of g.ops) for (const o of op.outputs) p.set(o, op);
    return p;
  };
  let changed = true;
  while (changed) {
    changed = false;
    const nReaders = readers();
    const prod = producerOf();
    for (let oi = 0; oi < g.ops.length; oi++) {
      const op = g.ops[oi]!;
      if (op.kind !== 'Mul' && op.kind !== 'Add' && op.kind !== 'Relu' && op.kind !== 'Relu6') continue;
      if (op.kind === 'Mul' || op.kind === 'Add') {
        if (op.activation !== 'none') continue;
        const [a, c] = op.inputs as [number, number];
        const ct = g.tensors[c]!;
        const src = prod.get(a);
        if (!src || !ct.data || !(ct.data instanceof Float32Array)) continue;
        if (src.kind !== 'Conv2D' && src.kind !== 'DepthwiseConv2D' && src.kind !== 'FullyConnected') continue;
        if (src.activation !== 'none' || nReaders[a] !== 1) continue;
        const outC = g.tensors[a]!.shape.at(-1)!;
        if (ct.shape.length !== 1 || ct.shape[0] !== outC) continue;
        const w = g.tensors[src.inputs[1]!]!;
        const bias = g.tensors[src.inputs[2]!]!;
        if (!(w.data instanceof Float32Array) || !(bias.data instanceof Float32Array)) continue;
        const k = ct.data;
        if (op.kind === 'Mul') {
          const wd = new Float32Array(w.data.length);
          // Conv/FC weights have the output channel first; depthwise weights last.
          const inner = w.data.length / outC;
          if (src.kind !== 'DepthwiseConv2D') {
            for (let ch = 0, i = 0; ch < outC; ch++) for (let j = 0; j < inner; j++, i++) wd[i] = w.data[i]! * k[ch]!;
          } else {
            for (let i = 0; i < w.data.length; i++) wd[i] = w.data[i]! * k[i % outC]!;
          }
          const bd = new Float32Array(outC);
          for (let ch = 0; ch < outC; ch++) bd[ch] = bias.data[ch]! * k[ch]!;
          w.data = wd;
          bias.data = bd;
        } else {
          const bd = new Float32Array(outC);
          for (let ch = 0; ch < outC; ch++) bd[ch] = bias.data[ch]! + k[ch]!;
          bias.data = bd;
        }
        src.outputs = [op.outputs[0]!];
        g.ops.splice(oi, 1);
        changed = true;
        break;
      }
      const a = op.inputs[0]!;
      const src = prod.get(a);
      if (!src || nReaders[a] !== 1) continue;
      if (src.kind !== 'Conv2D' && src.kind !== 'DepthwiseConv2D' && src.kind !== 'FullyConnected' && src.kind !== 'Add') continue;
      if (src.activation !== 'none') continue;
      src.activation = op.kind === 'Relu' ? 'relu' : 'relu6';
      src.outputs = [op.outputs[0]!];
      g.ops.splice(oi, 1);
      changed = true;
      break;
    }
  }
}

/** Drops tensors no op or graph input/output refers to, and renumbers. */
export function compact(g: Graph): Graph {
  const used = new Set<number>([...g.inputs, ...g.outputs]);
  for (const op of g.ops) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) used.add(i);
  const map = new Map<number, number>();
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => {
    if (used.has(i)) {
      map.set(i, tensors.length);
      tensors.push(t);
    }
  });
  const m = (i: number) => (i < 0 ? i : map.get(i)!);
  for (const op of g.ops) {
    op.inputs = op.inputs.map(m);
    op.outputs = op.outputs.map(m);
  }
  return { ...g, tensors, inputs: g.inputs.map(m), outputs: g.outputs.map(m) };
}
