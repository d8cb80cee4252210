/**
 * Quantized ONNX models: QDQ (QuantizeLinear/DequantizeLinear around float ops, ONNX Runtime's
 * default) and QOperator (QLinearConv, QLinearMatMul).
 *
 * During lowering (`quantHook`):
 *   - DequantizeLinear of a constant (int8/uint8/int32 weights, biases) folds to a float
 *     constant and remembers the integers and their params (`Value.qconst`);
 *   - QuantizeLinear → DequantizeLinear on an activation is the identity on the float value
 *     and records the activation's params (`Value.quant`, and on its IR tensor);
 *   - QLinearConv / QLinearMatMul lower as Conv / MatMul on the dequantized weights, their
 *     output carrying y_scale / y_zero_point.
 * After lowering (`applyQuantization`): when every activation has params, the graph is made
 * int8 (TFLite's scheme) with the model's own params wherever they fit it; see the function.
 */
import { TinymlError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { constOf, normAxis } from './onnx-fold.js';
import { LOWERINGS, type Ctx, type Lowering, type OnnxQuant, type QuantHook } from './onnx-lowering.js';
import { OnnxDataType } from './onnx-schema.js';
import { typeName } from './onnx-tensors.js';

const QTYPES = new Set<number>([OnnxDataType.INT8, OnnxDataType.UINT8, OnnxDataType.INT32, OnnxDataType.INT16, OnnxDataType.UINT16]);

function qRange(type: number): [number, number] {
  switch (type) {
    case OnnxDataType.INT8:
      return [-128, 127];
    case OnnxDataType.UINT8:
      return [0, 255];
    case OnnxDataType.INT16:
      return [-32768, 32767];
    case OnnxDataType.UINT16:
      return [0, 65535];
    default:
      return [-2147483648, 2147483647];
  }
}

/** Scale / zero point / axis of a Q or DQ node (inputs 1 and 2), for a value of `rank`. */
function paramsOf(c: Ctx, rank: number, valueType: number): OnnxQuant {
  const s = c.constIn(1, 'scale');
  const zpV = c.in(2);
  const zp = zpV ? c.constIn(2, 'zero_point') : undefined;
  const type = zp ? zp.type : valueType;
  const scale = Array.from(s.data);
  const zeroPoint = zp ? Array.from(zp.data) : scale.map(() => 0);
  if (zeroPoint.length !== scale.length) c.bad(`${scale.length} scales but ${zeroPoint.length} zero points`);
  if (scale.some((v) => !(v > 0) || !Number.isFinite(v))) c.bad('a scale is not a positive number');
  let axis = 0;
  if (scale.length > 1 || s.shape.length === 1) {
    if (c.at.has('block_size') && c.at.int('block_size', 0) !== 0) c.unsupported('blocked quantization');
    axis = normAxis(c.at.int('axis', 1), Math.max(rank, 1)) ?? c.bad('axis out of range');
  }
  return { scale, zeroPoint, axis, type };
}

function dequantizeConst(q: Float64Array, p: OnnxQuant, shape: number[]): Float32Array {
  const out = new Float32Array(q.length);
  const inner = shape.slice(p.axis + 1).reduce((a, d) => a * d, 1);
  const ch = shape[p.axis] ?? 1;
  for (let i = 0; i < q.length; i++) {
    const k = p.scale.length > 1 ? Math.floor(i / inner) % ch : 0;
    out[i] = Math.fround(p.scale[k]! * (q[i]! - p.zeroPoint[k]!));
  }
  return out;
}

export const quantHook: QuantHook = (c) => {
  const op = c.node.opType;
  if (op === 'DequantizeLinear') {
    const x = c.need(0, 'x');
    if (x.const) {
      if (!QTYPES.has(x.const.type)) c.unsupported(`dequantizing ${typeName(x.const.type)} values`);
      const p = paramsOf(c, x.shape.length, x.const.type);
      const q = Float64Array.from(x.const.data);
      const f = dequantizeConst(q, p, x.shape);
      c.out(0, { shape: [...x.shape], type: OnnxDataType.FLOAT, const: constOf(OnnxDataType.FLOAT, [...x.shape], f), qconst: { q, quant: p } });
      return true;
    }
    const p = paramsOf(c, x.shape.length, x.quant?.type ?? OnnxDataType.UINT8);
    if (p.scale.length > 1) c.unsupported('per-channel activation quantization');
    c.out(0, { ...x, type: OnnxDataType.FLOAT, quant: p });
    annotate(c.L, x.ir, p);
    return true;
  }
  if (op === 'QuantizeLinear') {
    const x = c.need(0, 'x');
    const zp = c.in(2);
    const type = zp?.const ? zp.const.type : c.at.int('output_dtype', OnnxDataType.UINT8);
    const p = paramsOf(c, x.shape.length, type);
    if (x.const) {
      const [lo, hi] = qRange(p.type);
      const inner = x.shape.slice(p.axis + 1).reduce((a, d) => a * d, 1);
      const ch = x.shape[p.axis] ?? 1;
      const q = Array.from(x.const.data, (v, i) => {
        const k = p.scale.length > 1 ? Math.floor(i / inner) % ch : 0;
        // ONNX rounds half to even.
        const r = v / p.scale[k]!;
        const fl = Math.floor(r);
        const rounded = r - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(r);
        return Math.min(hi, Math.max(lo, rounded + p.zeroPoint[k]!));
      });
      c.out(0, { shape: [...x.shape], type: p.type, const: constOf(p.type, [...x.shape], q) });
      return true;
    }
    if (p.scale.length > 1) c.unsupported('per-channel activation quantization');
    const v = c.act(0, 'x');
    c.out(0, { ...v, type: OnnxDataType.FLOAT, quant: p });
    annotate(c.L, v.ir, p);
    return true;
  }
  if (op === 'QLinearConv' || op === 'QLinearMatMul') {
    lowerQLinear(c);
    return true;
  }
  if (op.startsWith('QLinear')) c.unsupported('this QOperator op (QLinearConv and QLinearMatMul are read)');
  return false;
};

/** Scale/zero point of a QLinear* operand given as inputs `si` and `zi`. */
function paramsAt(c: Ctx, si: number, zi: number, axis: number): OnnxQuant {
  const s = c.constIn(si, `input ${si} (scale)`);
  const z = c.constIn(zi, `input ${zi} (zero point)`);
  const scale = Array.from(s.data);
  const zeroPoint = Array.from(z.data);
  if (scale.length !== zeroPoint.length && zeroPoint.length !== 1) c.bad(`${scale.length} scales but ${zeroPoint.length} zero points`);
  if (scale.some((v) => !(v > 0) || !Number.isFinite(v))) c.bad('a scale is not a positive number');
  return { scale, zeroPoint: zeroPoint.length === scale.length ? zeroPoint : scale.map(() => zeroPoint[0]!), axis: scale.length > 1 ? axis : 0, type: z.type };
}

/**
 * QLinearConv / QLinearMatMul: the float op on dequantized weights (and bias), between
 * activations that carry the model's params, exactly as the QDQ form of the same model.
 */
function lowerQLinear(c: Ctx): void {
  const isConv = c.node.opType === 'QLinearConv';
  const x = c.act(0, 'x');
  const xp = paramsAt(c, 1, 2, 0);
  annotate(c.L, x.ir, xp);
  const w = c.need(3, 'w');
  if (!w.const || !QTYPES.has(w.const.type)) c.unsupported('run-time or non-integer weights');
  const wp = paramsAt(c, 4, 5, isConv ? 0 : 1);
  const q = Float64Array.from(w.const!.data);
  const wf = dequantizeConst(q, wp, w.shape);
  const base = c.node.name || `${c.node.opType}_${c.index}`;
  const wName = `${base}/weights`;
  c.L.values.set(wName, { name: wName, shape: [...w.shape], type: OnnxDataType.FLOAT, const: constOf(OnnxDataType.FLOAT, [...w.shape], wf), qconst: { q, quant: wp } });
  const inputs = [c.node.input[0]!, wName];
  if (isConv && c.in(8)) {
    const b = c.constIn(8, 'B');
    const M = w.shape[0]!;
    const bf = Array.from(b.data, (v, m) => Math.fround(v * Math.fround(xp.scale[0]! * wp.scale[wp.scale.length > 1 ? m % M : 0]!)));
    const bName = `${base}/bias`;
    c.L.values.set(bName, { name: bName, shape: [...b.shape], type: OnnxDataType.FLOAT, const: constOf(OnnxDataType.FLOAT, [...b.shape], bf) });
    inputs.push(bName);
  }
  const yp = paramsAt(c, 6, 7, 0);
  const node = { ...c.node, opType: isConv ? 'Conv' : 'MatMul', input: inputs };
  const inner = new (c.constructor as new (L: Lowering, n: typeof node, i: number) => Ctx)(c.L, node, c.index);
  LOWERINGS[node.opType]!(inner);
  const out = c.L.values.get(c.node.output[0]!);
  if (out) {
    out.quant = yp;
    annotate(c.L, out.ir, yp);
  }
}

/**
 * Int8-equivalent params: uint8 values q with zero point z are the int8 values q − 128 with
 * zero point z − 128 (the same real numbers). Undefined for wider types (int16/int32 activations).
 */
export function int8Params(p: OnnxQuant): { scale: number[]; zeroPoint: number[] } | undefined {
  if (p.type === OnnxDataType.UINT8) return { scale: [...p.scale], zeroPoint: p.zeroPoint.map((z) => z - 128) };
  if (p.type === OnnxDataType.INT8) return { scale: [...p.scale], zeroPoint: [...p.zeroPoint] };
  return undefined;
}

function annotate(L: Lowering, ir: number | undefined, p: OnnxQuant): void {
  if (ir === undefined) return;
  const q = int8Params(p);
  const t = L.tensors[ir]!;
  if (!q) {
    L.warnings.push(`${L.file}: tensor '${t.name}' is quantized to ${typeName(p.type)}; tinyml re-quantizes it to int8 from calibration`);
    return;
  }
  t.quant = q;
}

/**
 * Marks IR weight tensor `wt` with the model's own int8 params when the ONNX weights came from
 * a DequantizeLinear (`q`), quantized along ONNX axis `onnxAxis`, which the IR holds on
 * `irAxis`. The quantizer keeps them (bit for bit) when they fit TFLite's int8 scheme.
 */
export function annotateWeights(L: Lowering, wt: number, q: OnnxQuant | undefined, onnxAxis: number, irAxis: number, what: string): void {
  if (!q) return;
  const p = int8Params(q);
  if (!p || (q.scale.length > 1 && q.axis !== onnxAxis)) {
    L.warnings.push(`${L.file}: ${what}: weights quantized as ${typeName(q.type)}${q.scale.length > 1 ? ` along axis ${q.axis}` : ''} do not fit TFLite's int8 per-channel scheme; tinyml re-quantizes them`);
    return;
  }
  const t = L.tensors[wt]!;
  t.quant = q.scale.length > 1 ? { ...p, axis: irAxis } : p;
}

/**
 * QDQ params on the float graph stay as `quant` annotations on its float tensors; the
 * quantizer (src/quantize/rewrite.ts) uses them instead of calibrated ranges, where they fit
 * TFLite's int8 scheme, and says what it changed where they do not.
 */
export function applyQuantization(g: Graph, L: Lowering, file: string): Graph {
  void L;
  void file;
  void TinymlError;
  // The graph's boundary Transposes/Reshapes (and any other data movement the lowering added)
  // move values without changing them: a QDQ param on one side holds on the other (TFLite's
  // TRANSPOSE and RESHAPE keep their input's params), so the graph input and output keep the
  // model's own params. Forward, then backward for params known only downstream.
  const moves = g.ops.filter((op) => op.kind === 'Transpose' || op.kind === 'Reshape');
  const share = (from: number, to: number) => {
    const a = g.tensors[from]!;
    const b = g.tensors[to]!;
    if (a.quant && !b.quant && a.quant.scale.length === 1) b.quant = { scale: [...a.quant.scale], zeroPoint: [...a.quant.zeroPoint] };
  };
  for (const op of moves) share(op.inputs[0]!, op.outputs[0]!);
  for (const op of [...moves].reverse()) share(op.outputs[0]!, op.inputs[0]!);
  return g;
}
