/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM (standard LSTM: no CIFG, peephole, projection or layer norm —
 * exactly what TFLM's kernel accepts).
 *
 * int8 (8x8→16): TFLM unidirectional_sequence_lstm.cc with lstm_eval_common.cc
 * (UnidirectionalSequenceLstmPrepare, PrepareGateParametersInteger, CreateGateParams,
 * CreateInterGateMulParams, CreateLstmCellStateInfo) and lstm_eval.h / lstm_eval.cc
 * (EvalLstm<int8_t, int8_t, int16_t, int32_t>, LstmStep, CalculateLstmGate, UpdateLstmCell,
 * UpdateLstmHidden). Per time step, gates in TFLM's order forget, input, cell, output:
 *   gate = act(sat16(FC(x_t, W_in, bias) + FC(h, W_rec)))   FCs: int8 → int16 at scale 2^-12
 *     (reference_integer_ops::FullyConnected, multiplier GetQuantizedConvolutionMultipler);
 *     act = Logistic(0, 0) (Q3.12 → Q0.15), the cell gate Tanh(-12);
 *   c = sat16(Mul(f, c) + Mul(i, g)), clipped to the quantized cell clip (MulElementwise with
 *     CreateInterGateMulParams: 2^-15 · cell_scale / cell_scale, 2^-15 · 2^-15 / cell_scale);
 *   o computed after the cell update, from the old hidden state;
 *   h = Mul(Tanh(cell_scale_power)(c), o) → int8 at the hidden state's scale and zero point;
 *   output[t] = h.
 * The intermediate tensors TFLite's converter attaches are not read: TFLM's kernel fixes the
 * gate scale at 2^-12 and the gate outputs at 2^-15. Hidden and cell state are the variable
 * inputs 18 and 19, updated in place, so they carry over to the next invocation. Batch-major
 * input runs each batch's whole sequence in turn; time-major runs every batch per step.
 *
 * float: the same steps in float32 (EvalLstm<float, ...>): reference_ops::FullyConnected,
 * Logistic with TFLite's cut-offs, std::tanh, Mul, Clipping.
 */
import type { Graph, Tensor, UnidirectionalSequenceLSTMOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier } from '../numerics/fixed-point.js';
import { lstmTanhParams, logisticInt16, tanhInt16 } from '../numerics/int16-sigmoid-tanh.js';
import { mbqm } from '../numerics/requantize.js';
import { cInt32, input, inShape, INT16_MAX, INT16_MIN, INT8_MAX, INT8_MIN, output, perTensorConvMultiplier, requireDtype, scaleOf, shapeFail, shapeStr, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { Kernel, OpDef, ParamInput } from './op-def.js';
import { activationCode } from './tflite-codes.js';

/** TFLite's input positions (lstm_shared.h). */
export const LSTM = {
  input: 0,
  inputToInput: 1,
  inputToForget: 2,
  inputToCell: 3,
  inputToOutput: 4,
  recurrentToInput: 5,
  recurrentToForget: 6,
  recurrentToCell: 7,
  recurrentToOutput: 8,
  cellToInput: 9,
  cellToForget: 10,
  cellToOutput: 11,
  inputGateBias: 12,
  forgetGateBias: 13,
  cellGateBias: 14,
  outputGateBias: 15,
  projectionWeights: 16,
  projectionBias: 17,
  outputState: 18,
  cellState: 19,
  inputLayerNorm: 20,
  forgetLayerNorm: 21,
  cellLayerNorm: 22,
  outputLayerNorm: 23,
} as const;

/** Positions TFLite allows to be absent (CIFG, peephole, projection, layer norm). */
const OPTIONAL = [1, 5, 9, 10, 11, 12, 16, 17, 20, 21, 22, 23] as const;
/** Positions TFLM's kernel requires absent (LstmTensors::ValidateTensorStatus). */
const MUST_BE_ABSENT: readonly [number, string][] = [
  [9, 'peephole'],
  [10, 'peephole'],
  [11, 'peephole'],
  [16, 'projection'],
  [17, 'projection'],
  [20, 'layer normalization'],
  [21, 'layer normalization'],
  [22, 'layer normalization'],
  [23, 'layer normalization'],
];

/** Gates in TFLM's evaluation order, with their input-FC weights, recurrent weights and bias. */
const GATES = [
  { name: 'forget', w: LSTM.inputToForget, r: LSTM.recurrentToForget, b: LSTM.forgetGateBias },
  { name: 'input', w: LSTM.inputToInput, r: LSTM.recurrentToInput, b: LSTM.inputGateBias },
  { name: 'cell', w: LSTM.inputToCell, r: LSTM.recurrentToCell, b: LSTM.cellGateBias },
  { name: 'output', w: LSTM.inputToOutput, r: LSTM.recurrentToOutput, b: LSTM.outputGateBias },
] as const;

/** Q3.12, the scale of every gate's pre-activation (PrepareGateParametersInteger). */
const GATE_SCALE = 2 ** -12;
/** Q0.15, the scale of every gate's activation output. */
const GATE_OUT_SCALE = 2 ** -15;

export interface LstmSize {
  batch: number;
  time: number;
  inputSize: number;
  units: number;
  timeMajor: boolean;
}

export interface LstmInt8Prepared extends LstmSize {
  inputOffset: number;
  hiddenOffset: number;
  hiddenZp: number;
  /** Per gate (forget, input, cell, output): the input FC's [mult, shift, filterOffset], then the recurrent FC's. */
  fcMult: Int32Array;
  fcShift: Int32Array;
  filterOffset: Int32Array;
  forgetCell: { multiplier: number; shift: number };
  inputMul: { multiplier: number; shift: number };
  hidden: { multiplier: number; shift: number };
  /** Quantized cell clip (0 = no clipping). */
  cellClip: number;
  cellScalePower: number;
  tanh: { multiplier: number; shift: number };
}

/** CreateLstmSizeInfo: batch/time from the input's first two dims, units from the hidden state. */
function sizeOf(g: Graph, op: UnidirectionalSequenceLSTMOp): LstmSize {
  const x = input(g, op, LSTM.input).shape;
  if (x.length !== 3) unsupported(op, `input must be 3-D [batch, time, features] (or time-major), got ${shapeStr(x)}`);
  const w = input(g, op, LSTM.inputToForget).shape;
  const units = w[0]!;
  return { batch: op.timeMajor ? x[1]! : x[0]!, time: op.timeMajor ? x[0]! : x[1]!, inputSize: x[2]!, units, timeMajor: op.timeMajor };
}

/** The checks every path shares (ValidateTensorStatus, ValidateTensorSize). */
function checkStructure(g: Graph, op: UnidirectionalSequenceLSTMOp): LstmSize {
  for (const [k, what] of MUST_BE_ABSENT) {
    if ((op.inputs[k] ?? -1) >= 0) unsupported(op, `has ${what} tensors (input ${k}); TFLM's LSTM kernel supports the standard LSTM only`);
  }
  for (const k of [LSTM.inputToInput, LSTM.recurrentToInput, LSTM.inputGateBias]) {
    if ((op.inputs[k] ?? -1) < 0) unsupported(op, `has no input gate (CIFG, input ${k} absent); TFLM's LSTM kernel supports the standard LSTM only`);
  }
  if (op.activation !== 'tanh') unsupported(op, `cell activation ${op.activation}: TFLM's LSTM kernel applies tanh only`);
  if (!(op.cellClip >= 0)) unsupported(op, `cell clip ${op.cellClip} is negative`);
  const s = sizeOf(g, op);
  for (const gate of GATES) {
    const w = input(g, op, gate.w);
    const r = input(g, op, gate.r);
    const b = input(g, op, gate.b);
    if (w.shape.length !== 2 || w.shape[0] !== s.units || w.shape[1] !== s.inputSize) unsupported(op, `input-to-${gate.name} weights are ${shapeStr(w.shape)}, expected [${s.units},${s.inputSize}]`);
    if (r.shape.length !== 2 || r.shape[0] !== s.units || r.shape[1] !== s.units) unsupported(op, `recurrent-to-${gate.name} weights are ${shapeStr(r.shape)}, expected [${s.units},${s.units}]`);
    if (b.shape.length !== 1 || b.shape[0] !== s.units) unsupported(op, `${gate.name} gate bias is ${shapeStr(b.shape)}, expected [${s.units}]`);
    for (const t of [w, r, b]) if (!t.data) unsupported(op, `'${t.name}' is not a constant`);
  }
  for (const k of [LSTM.outputState, LSTM.cellState]) {
    const t = input(g, op, k);
    if (!t.variable) unsupported(op, `${k === LSTM.outputState ? 'hidden' : 'cell'} state '${t.name}' is not a variable tensor`);
    if (elementCount(t.shape) !== s.batch * s.units) unsupported(op, `${k === LSTM.outputState ? 'hidden' : 'cell'} state '${t.name}' has ${elementCount(t.shape)} elements, expected ${s.batch} × ${s.units}`);
  }
  return s;
}

/** CreateInterGateMulParams: double(a) · double(b) / double(out), each a float32 scale. */
function mulParams(a: number, b: number, out: number): { multiplier: number; shift: number } {
  return quantizeMultiplier((f32(a) * f32(b)) / f32(out));
}

/** A stand-in tensor carrying only a scale (the gate FC's int16 output at 2^-12). */
function scaleTensor(scale: number): Tensor {
  return { name: 'gate', shape: [], dtype: 'int16', quant: { scale: [scale], zeroPoint: [0] } };
}

function prepareInt8(g: Graph, op: UnidirectionalSequenceLSTMOp): LstmInt8Prepared {
  const s = checkStructure(g, op);
  const x = input(g, op, LSTM.input);
  const h = input(g, op, LSTM.outputState);
  const c = input(g, op, LSTM.cellState);
  const y = output(g, op);
  requireDtype(x, ['int8'], op, 'input');
  requireDtype(y, ['int8'], op, 'output');
  requireDtype(h, ['int8'], op, 'hidden state');
  requireDtype(c, ['int16'], op, 'cell state (TFLM\'s integer LSTM keeps it in int16)');
  const fcMult = new Int32Array(8);
  const fcShift = new Int32Array(8);
  const filterOffset = new Int32Array(8);
  GATES.forEach((gate, k) => {
    const w = input(g, op, gate.w);
    const r = input(g, op, gate.r);
    const b = input(g, op, gate.b);
    requireDtype(w, ['int8'], op, `input-to-${gate.name} weights`);
    requireDtype(r, ['int8'], op, `recurrent-to-${gate.name} weights`);
    requireDtype(b, ['int32'], op, `${gate.name} gate bias`);
    for (const t of [w, r]) if ((t.quant?.scale.length ?? 0) > 1) unsupported(op, `weights '${t.name}' are quantized per channel; TFLM's LSTM takes one scale per weight tensor`);
    const qi = perTensorConvMultiplier(x, w, scaleTensor(GATE_SCALE), op);
    const qr = perTensorConvMultiplier(h, r, scaleTensor(GATE_SCALE), op);
    fcMult[2 * k] = qi.multiplier;
    fcShift[2 * k] = qi.shift;
    filterOffset[2 * k] = -zeroPointOf(w);
    fcMult[2 * k + 1] = qr.multiplier;
    fcShift[2 * k + 1] = qr.shift;
    filterOffset[2 * k + 1] = -zeroPointOf(r);
  });
  const cellScale = scaleOf(c, 'cell state', op);
  const hiddenScale = scaleOf(h, 'hidden state', op);
  // CheckedLog2: round(log(x) / log(2)) in float; TFLM uses the rounded power even when the
  // scale is not an exact power of two.
  const cellScalePower = Math.round(f32(f32(Math.log(cellScale)) * f32(1 / Math.log(2))));
  let cellClip = 0;
  if (f32(op.cellClip) > 0) {
    const q = Math.min(Math.max(f32(op.cellClip) / cellScale, -32768), 32767);
    cellClip = Math.trunc(q);
  }
  return {
    ...s,
    inputOffset: -zeroPointOf(x),
    hiddenOffset: -zeroPointOf(h),
    hiddenZp: zeroPointOf(h),
    fcMult,
    fcShift,
    filterOffset,
    forgetCell: mulParams(GATE_OUT_SCALE, cellScale, cellScale),
    inputMul: mulParams(GATE_OUT_SCALE, GATE_OUT_SCALE, cellScale),
    hidden: mulParams(GATE_OUT_SCALE, GATE_OUT_SCALE, hiddenScale),
    cellClip,
    cellScalePower,
    tanh: lstmTanhParams(cellScalePower),
  };
}

/** reference_integer_ops::FullyConnected int8 → int16 (rows × units), output offset 0. */
function fcInt16(
  inp: Int8Array,
  inBase: number,
  rows: number,
  depth: number,
  inputOffset: number,
  w: Int8Array,
  filterOffset: number,
  bias: Int32Array | undefined,
  mult: number,
  shift: number,
  units: number,
  out: Int16Array,
): void {
  for (let b = 0; b < rows; b++) {
    const ib = inBase + b * depth;
    for (let o = 0; o < units; o++) {
      const wb = o * depth;
      let acc = 0;
      for (let d = 0; d < depth; d++) acc += (w[wb + d]! + filterOffset) * (inp[ib + d]! + inputOffset);
      if (bias) acc += bias[o]!;
      const v = mbqm(acc | 0, mult, shift);
      out[b * units + o] = v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v;
    }
  }
}

function satAdd16(a: Int16Array, aBase: number, b: Int16Array, n: number, out: Int16Array, outBase: number): void {
  for (let i = 0; i < n; i++) {
    const v = a[aBase + i]! + b[i]!;
    out[outBase + i] = v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v;
  }
}

/** MulElementwise int16 × int16 (both symmetric) → int16 or int8 with `outZp`, clamped to [lo, hi]. */
function mulQ(a: Int16Array, aBase: number, b: Int16Array, bBase: number, n: number, m: { multiplier: number; shift: number }, outZp: number, lo: number, hi: number, out: Int16Array | Int8Array, outBase: number): void {
  for (let i = 0; i < n; i++) {
    const v = outZp + mbqm(a[aBase + i]! * b[bBase + i]!, m.multiplier, m.shift);
    out[outBase + i] = v < lo ? lo : v > hi ? hi : v;
  }
}

function evalInt8(g: Graph, op: UnidirectionalSequenceLSTMOp, p: LstmInt8Prepared): Kernel {
  const { batch, time, inputSize, units, timeMajor } = p;
  const W = GATES.map((gate) => input(g, op, gate.w).data as Int8Array);
  const R = GATES.map((gate) => input(g, op, gate.r).data as Int8Array);
  const B = GATES.map((gate) => input(g, op, gate.b).data as Int32Array);
  const [xIdx, hIdx, cIdx, yIdx] = [op.inputs[LSTM.input]!, op.inputs[LSTM.outputState]!, op.inputs[LSTM.cellState]!, op.outputs[0]!];
  const rows = timeMajor ? batch : 1;
  const n = rows * units;
  const gates = [new Int16Array(n), new Int16Array(n), new Int16Array(n), new Int16Array(n)];
  const tmp = new Int16Array(n);
  const cellBuf = new Int16Array(n);
  return (bufs) => {
    const x = bufs[xIdx] as Int8Array;
    const h = bufs[hIdx] as Int8Array;
    const c = bufs[cIdx] as Int16Array;
    const y = bufs[yIdx] as Int8Array;
    const step = (xBase: number, stateBase: number, yBase: number) => {
      for (let k = 0; k < 4; k++) {
        const gate = gates[k]!;
        fcInt16(x, xBase, rows, inputSize, p.inputOffset, W[k]!, p.filterOffset[2 * k]!, B[k], p.fcMult[2 * k]!, p.fcShift[2 * k]!, units, gate);
        fcInt16(h, stateBase, rows, units, p.hiddenOffset, R[k]!, p.filterOffset[2 * k + 1]!, undefined, p.fcMult[2 * k + 1]!, p.fcShift[2 * k + 1]!, units, tmp);
        satAdd16(gate, 0, tmp, n, gate, 0);
        if (k === 2) for (let i = 0; i < n; i++) gate[i] = tanhInt16(gate[i]!, 0, 0);
        else for (let i = 0; i < n; i++) gate[i] = logisticInt16(gate[i]!, 0, 0);
        if (k === 2) {
          // Cell update once forget, input and cell gates exist (the output gate comes after).
          const [f, ig, cg] = gates as [Int16Array, Int16Array, Int16Array];
          mulQ(f, 0, c, stateBase, n, p.forgetCell, 0, INT16_MIN, INT16_MAX, c, stateBase);
          mulQ(ig, 0, cg, 0, n, p.inputMul, 0, INT16_MIN, INT16_MAX, cellBuf, 0);
          satAdd16(c, stateBase, cellBuf, n, c, stateBase);
          if (p.cellClip > 0) {
            for (let i = 0; i < n; i++) {
              const v = c[stateBase + i]!;
              c[stateBase + i] = v > p.cellClip ? p.cellClip : v < -p.cellClip ? -p.cellClip : v;
            }
          }
        }
      }
      for (let i = 0; i < n; i++) cellBuf[i] = tanhInt16(c[stateBase + i]!, p.tanh.multiplier, p.tanh.shift);
      mulQ(cellBuf, 0, gates[3]!, 0, n, p.hidden, p.hiddenZp, INT8_MIN, INT8_MAX, h, stateBase);
      y.set(h.subarray(stateBase, stateBase + n), yBase);
    };
    if (timeMajor) {
      for (let t = 0; t < time; t++) step(t * batch * inputSize, 0, t * batch * units);
    } else {
      for (let b = 0; b < batch; b++) for (let t = 0; t < time; t++) step((b * time + t) * inputSize, b * units, (b * time + t) * units);
    }
  };
}

/** reference_ops::Logistic (float) with TFLite's cut-offs. */
function sigmoidF(v: number): number {
  if (v > 16.619047164916992) return 1;
  if (v < -9) return f32(Math.exp(v));
  return f32(1 / f32(1 + f32(Math.exp(-v))));
}

function evalFloatLstm(g: Graph, op: UnidirectionalSequenceLSTMOp): Kernel {
  const { batch, time, inputSize, units, timeMajor } = checkStructure(g, op);
  for (const k of [LSTM.input, LSTM.outputState, LSTM.cellState]) requireDtype(input(g, op, k), ['float32'], op, `input ${k}`);
  const W = GATES.map((gate) => input(g, op, gate.w).data as Float32Array);
  const R = GATES.map((gate) => input(g, op, gate.r).data as Float32Array);
  const B = GATES.map((gate) => input(g, op, gate.b).data as Float32Array);
  for (const a of [...W, ...R, ...B]) if (!(a instanceof Float32Array)) unsupported(op, 'float LSTM needs float32 weights and biases');
  const clip = f32(op.cellClip);
  const [xIdx, hIdx, cIdx, yIdx] = [op.inputs[LSTM.input]!, op.inputs[LSTM.outputState]!, op.inputs[LSTM.cellState]!, op.outputs[0]!];
  const rows = timeMajor ? batch : 1;
  const n = rows * units;
  const fr = Math.fround;
  const gates = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const tmp = new Float32Array(n);
  const fc = (inp: Float32Array, base: number, depth: number, w: Float32Array, bias: Float32Array | undefined, out: Float32Array) => {
    for (let b = 0; b < rows; b++) {
      for (let o = 0; o < units; o++) {
        let total = 0;
        for (let d = 0; d < depth; d++) total = fr(total + fr(inp[base + b * depth + d]! * w[o * depth + d]!));
        out[b * units + o] = fr(total + (bias ? bias[o]! : 0));
      }
    }
  };
  return (bufs) => {
    const x = bufs[xIdx] as Float32Array;
    const h = bufs[hIdx] as Float32Array;
    const c = bufs[cIdx] as Float32Array;
    const y = bufs[yIdx] as Float32Array;
    const step = (xBase: number, sBase: number, yBase: number) => {
      for (let k = 0; k < 4; k++) {
        const gate = gates[k]!;
        fc(x, xBase, inputSize, W[k]!, B[k], gate);
        fc(h, sBase, units, R[k]!, undefined, tmp);
        for (let i = 0; i < n; i++) {
          const v = fr(gate[i]! + tmp[i]!);
          gate[i] = k === 2 ? fr(Math.tanh(v)) : sigmoidF(v);
        }
        if (k === 2) {
          const [f, ig, cg] = gates as [Float32Array, Float32Array, Float32Array];
          for (let i = 0; i < n; i++) {
            let v = fr(fr(f[i]! * c[sBase + i]!) + fr(ig[i]! * cg[i]!));
            if (clip > 0) v = Math.max(Math.min(clip, v), -clip);
            c[sBase + i] = v;
          }
        }
      }
      for (let i = 0; i < n; i++) h[sBase + i] = fr(fr(Math.tanh(c[sBase + i]!)) * gates[3]![i]!);
      y.set(h.subarray(sBase, sBase + n), yBase);
    };
    if (timeMajor) {
      for (let t = 0; t < time; t++) step(t * batch * inputSize, 0, t * batch * units);
    } else {
      for (let b = 0; b < batch; b++) for (let t = 0; t < time; t++) step((b * time + t) * inputSize, b * units, (b * time + t) * units);
    }
  };
}

export const unidirectionalSequenceLstm: OpDef<UnidirectionalSequenceLSTMOp, LstmInt8Prepared> = {
  kind: 'UnidirectionalSequenceLSTM',
  arity: { inputs: [24, 24], optional: OPTIONAL },
  inferShapes(g, op) {
    const x = inShape(g, op, LSTM.input);
    if (x.length !== 3) shapeFail(op, `input must be 3-D, got ${shapeStr(x)}`);
    const w = inShape(g, op, LSTM.inputToForget);
    if (w.length !== 2 || w[1] !== x[2]) shapeFail(op, `input-to-forget weights ${shapeStr(w)} do not take ${x[2]} input features`);
    const proj = op.inputs[LSTM.projectionWeights] ?? -1;
    const outUnits = proj >= 0 ? inShape(g, op, LSTM.projectionWeights)[0]! : w[0]!;
    return [[x[0]!, x[1]!, outUnits]];
  },
  params(g, op) {
    const out: ParamInput[] = [];
    op.inputs.forEach((t, k) => {
      if (t < 0 || !g.tensors[t]?.data) return;
      // Biases are int32 in an int8 deployment; weights int8 (peephole weights int16).
      const isBias = (k >= LSTM.inputGateBias && k <= LSTM.outputGateBias) || k === LSTM.projectionBias;
      out.push({ input: k, bytesPerElement: isBias ? 4 : k >= LSTM.cellToInput && k <= LSTM.cellToOutput ? 2 : 1 });
    });
    return out;
  },
  macs(g, op) {
    const x = g.tensors[op.inputs[0]!]!.shape;
    const w = g.tensors[op.inputs[LSTM.inputToForget]!]!.shape;
    const steps = x[0]! * x[1]!;
    return steps * 4 * w[0]! * (w[1]! + w[0]!);
  },
  quant: {
    output: { kind: 'calibrated' },
    /**
     * TFLite's 8x8→16 LSTM scheme (tools/optimize operator_property for LSTM): weights int8
     * symmetric per tensor, gate biases int32 at input scale × weight scale, the hidden state
     * with the output's params (TFLM copies it to the output), the cell state int16 with a
     * power-of-two scale 2^(p − 15), p the smallest with 2^p ≥ max |cell| seen in calibration,
     * and the five intermediates desktop TFLite reads (the last with the hidden state's params).
     */
    custom(op, q) {
      const x = q.params(op.inputs[LSTM.input]!);
      const out = q.params(op.outputs[0]!);
      for (const gate of GATES) {
        const sw = q.weights(op.inputs[gate.w]!, 8);
        q.weights(op.inputs[gate.r]!, 8);
        q.bias(op.inputs[gate.b]!, f32(x.scale * sw));
      }
      q.state(op.inputs[LSTM.outputState]!, 'int8', out);
      const r = q.range(op.inputs[LSTM.cellState]!) ?? [-1, 1];
      const maxAbs = Math.max(Math.abs(r[0]), Math.abs(r[1]));
      let pot = 0;
      while (pot < 15 && 2 ** pot < maxAbs) pot++;
      q.state(op.inputs[LSTM.cellState]!, 'int16', { scale: 2 ** (pot - 15), zeroPoint: 0 });
      const none = () => q.add({ name: `${op.name}/intermediate`, shape: [0], dtype: 'float32' });
      const intermediates = [none(), none(), none(), none(), q.add({ name: `${op.name}/effective_hidden_scale_intermediate`, shape: [0], dtype: 'int8', quant: { scale: [out.scale], zeroPoint: [out.zeroPoint] } })];
      return { ...op, intermediates };
    },
  },
  prepare: prepareInt8,
  evalQuantized: evalInt8,
  evalFloat: evalFloatLstm,
  scratchBytes(_g, _op, p) {
    return 4 * (p.timeMajor ? p.batch : 1) * p.units * 2;
  },
  emitC(ctx, op, p) {
    const L = ctx.prefix;
    const list = (a: ArrayLike<number>) => Array.from(a, cInt32).join(', ');
    ctx.decl(
      `static const tinyml_lstm_params_t ${L}_params = {`,
      `  ${p.batch}, ${p.time}, ${p.inputSize}, ${p.units}, ${p.timeMajor ? 1 : 0},`,
      `  ${p.inputOffset}, ${p.hiddenOffset}, ${p.hiddenZp},`,
      `  {${list(p.fcMult)}},`,
      `  {${list(p.fcShift)}},`,
      `  {${list(p.filterOffset)}},`,
      `  ${cInt32(p.forgetCell.multiplier)}, ${p.forgetCell.shift}, ${cInt32(p.inputMul.multiplier)}, ${p.inputMul.shift}, ${cInt32(p.hidden.multiplier)}, ${p.hidden.shift},`,
      `  ${p.cellClip}, ${p.tanh.multiplier}, ${p.tanh.shift}`,
      `};`,
      `static const int8_t *const ${L}_weights[8] = {${GATES.flatMap((gate) => [ctx.weight(op.inputs[gate.w]!), ctx.weight(op.inputs[gate.r]!)]).join(', ')}};`,
      `static const int32_t *const ${L}_bias[4] = {${GATES.map((gate) => ctx.weight(op.inputs[gate.b]!)).join(', ')}};`,
    );
    ctx.call(
      `tinyml_lstm_s8(&${L}_params, ${ctx.ptr(op.inputs[LSTM.input]!)}, ${L}_weights, ${L}_bias, ${ctx.ptr(op.inputs[LSTM.outputState]!)}, ${ctx.ptr(op.inputs[LSTM.cellState]!)}, ${ctx.ptr(op.outputs[0]!)}, (int16_t *)${ctx.scratch()});`,
    );
    return ['lstm_s8', 'sigmoid_s16'];
  },
  tflite: {
    builtin: 'UNIDIRECTIONAL_SEQUENCE_LSTM',
    options: 'UnidirectionalSequenceLSTMOptions',
    read: (r) => ({
      ...r.base,
      kind: 'UnidirectionalSequenceLSTM',
      activation: r.activation(),
      cellClip: r.optNumber('cell_clip'),
      projClip: r.optNumber('proj_clip'),
      timeMajor: r.optBool('time_major'),
      asymmetricQuantizeInputs: r.optBool('asymmetric_quantize_inputs'),
      intermediates: [...r.intermediates],
    }),
    write: (op, w) => ({
      // TFLite's op_version.cc: 1 for float and integer models, 2-3 hybrid, 4 diagonal recurrent tensors.
      version: versionByDtype(w.g, op, { float: 1, int8: 1 }),
      options: {
        fused_activation_function: activationCode(op.activation),
        cell_clip: op.cellClip,
        proj_clip: op.projClip,
        time_major: op.timeMajor,
        asymmetric_quantize_inputs: op.asymmetricQuantizeInputs,
      },
      intermediates: op.intermediates,
    }),
  },
};

