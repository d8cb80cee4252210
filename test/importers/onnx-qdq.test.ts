/**
 * Quantized ONNX (QDQ, ONNX Runtime's default format): a Conv with per-channel int8 weights,
 * int32 bias and uint8 activations, built in code. After import and `quantizeModel` the int8
 * graph keeps every parameter of the model bit for bit (weights, weight scales, bias, and the
 * activation params, uint8 shifted to int8 by −128: the same real values), and its outputs
 * match ONNX Runtime running the QDQ model to one output step. Weights quantized another way
 * (uint8, asymmetric) are re-quantized with a note saying so.
 */
import { describe, expect, it } from 'vitest';
import { importModelBytes } from '../../src/importers/index.js';
import { OnnxDataType } from '../../src/importers/onnx-schema.js';
import { elementCount, type Graph } from '../../src/ir/graph.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { dequantize, quantizeInput } from '../../src/quantize/fidelity.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { aints, buildModel, ortRun, seeded } from './onnx-fixtures.js';

const f32 = Math.fround;
const r = mulberry32(11);
const M = 4;
const C = 3;
const Wq = Array.from({ length: M * C * 9 }, () => Math.floor(r() * 255) - 127);
const ws = [0.011, 0.0043, 0.02, 0.0071].map(f32);
const xs = f32(0.02);
const ys = f32(0.03);
const Bq = Array.from({ length: M }, () => Math.floor(r() * 4000) - 2000);
const bs = ws.map((s) => f32(xs * s));

function qdqModel(weights: { type: number; zp: number[]; data: number[] }): Uint8Array {
  return buildModel({
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xzp'], outputs: ['xq'] },
      { op: 'DequantizeLinear', inputs: ['xq', 'xs', 'xzp'], outputs: ['xd'] },
      { op: 'DequantizeLinear', inputs: ['wq', 'ws', 'wzp'], outputs: ['wd'], attrs: { axis: { type: 2, value: 0 } } },
      { op: 'DequantizeLinear', inputs: ['bq', 'bs', 'bzp'], outputs: ['bd'], attrs: { axis: { type: 2, value: 0 } } },
      { op: 'Conv', inputs: ['xd', 'wd', 'bd'], outputs: ['c'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'QuantizeLinear', inputs: ['r', 'ys', 'yzp'], outputs: ['yq'] },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yzp'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', shape: [1, C, 6, 6] }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'xs', dims: [], data: [xs] },
      { name: 'xzp', dims: [], data: [128], type: OnnxDataType.UINT8 },
      { name: 'wq', dims: [M, C, 3, 3], data: weights.data, type: weights.type },
      { name: 'ws', dims: [M], data: ws },
      { name: 'wzp', dims: [M], data: weights.zp, type: weights.type },
      { name: 'bq', dims: [M], data: Bq, type: OnnxDataType.INT32 },
      { name: 'bs', dims: [M], data: bs },
      { name: 'bzp', dims: [M], data: [0, 0, 0, 0], type: OnnxDataType.INT32 },
      { name: 'ys', dims: [], data: [ys] },
      { name: 'yzp', dims: [], data: [0], type: OnnxDataType.UINT8 },
    ],
  });
}

async function quantized(bytes: Uint8Array): Promise<{ g: Graph; notes: string[] }> {
  const float = await importModelBytes(bytes, 'qdq.onnx');
  const inT = float.tensors[float.inputs[0]!]!;
  const { graph, report } = quantizeModel(float, { run: runGraph, calibration: syntheticSamples(8, elementCount(inT.shape), 3) });
  return { g: graph, notes: report.notes ?? [] };
}

describe('QDQ ONNX models', () => {
  it('per-channel int8 weights, int32 bias and uint8 activations are kept bit for bit', async () => {
    const bytes = qdqModel({ type: OnnxDataType.INT8, zp: [0, 0, 0, 0], data: Wq });
    const { g, notes } = await quantized(bytes);
    expect(notes, notes.join('\n')).toEqual([]);
    const conv = g.ops.find((o) => o.kind === 'Conv2D')!;
    expect(conv).toMatchObject({ activation: 'relu' });
    const wt = g.tensors[conv.inputs[1]!]!;
    // OHWI = the ONNX [M, C, 3, 3] values with the channel moved last.
    const ohwi: number[] = [];
    for (let m = 0; m < M; m++) for (let p = 0; p < 9; p++) for (let c = 0; c < C; c++) ohwi.push(Wq[(m * C + c) * 9 + p]!);
    expect(wt.dtype).toBe('int8');
    expect(Array.from(wt.data!)).toEqual(ohwi);
    expect(wt.quant).toEqual({ scale: ws, zeroPoint: [0, 0, 0, 0], axis: 0 });
    const bt = g.tensors[conv.inputs[2]!]!;
    expect(Array.from(bt.data!)).toEqual(Bq);
    expect(g.tensors[g.inputs[0]!]!.quant).toEqual({ scale: [xs], zeroPoint: [0] });
    expect(g.tensors[g.outputs[0]!]!.quant).toEqual({ scale: [ys], zeroPoint: [-128] });
  });

  it('the int8 graph gives ONNX Runtime\'s QDQ outputs to one output step', async () => {
    const bytes = qdqModel({ type: OnnxDataType.INT8, zp: [0, 0, 0, 0], data: Wq });
    const { g } = await quantized(bytes);
    const inT = g.tensors[g.inputs[0]!]!;
    const outT = g.tensors[g.outputs[0]!]!;
    let worst = 0;
    for (let s = 0; s < 5; s++) {
      const x = seeded(C * 36, 40 + s, 2);
      const want = (await ortRun(bytes, { x: { data: x, dims: [1, C, 6, 6] } }))[0]!;
      const got = dequantize(runGraph(g, [quantizeInput(x, inT)])[0]!, outT);
      // The graph's output keeps ONNX Runtime's NCHW order (a boundary Transpose).
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    }
    expect(worst).toBeLessThanOrEqual(ys * 1.0001);
  });

  it('uint8 asymmetric weights are re-quantized to symmetric int8, with a note', async () => {
    const bytes = qdqModel({ type: OnnxDataType.UINT8, zp: [120, 128, 130, 127], data: Wq.map((v) => Math.min(255, Math.max(0, v + 128))) });
    const { g, notes } = await quantized(bytes);
    expect(notes.join('\n')).toMatch(/Conv2D .*asymmetric.*re-quantized per channel/);
    const wt = g.tensors[g.ops.find((o) => o.kind === 'Conv2D')!.inputs[1]!]!;
    expect(wt.quant!.zeroPoint.every((z) => z === 0)).toBe(true);
  });
});

describe('QOperator ONNX models', () => {
  const bytes = buildModel({
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xzp'], outputs: ['xq'] },
      { op: 'QLinearConv', inputs: ['xq', 'xs', 'xzp', 'wq', 'ws', 'wzp', 'ys', 'yzp', 'bq'], outputs: ['yq'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yzp'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', shape: [1, C, 6, 6] }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'xs', dims: [], data: [xs] },
      { name: 'xzp', dims: [], data: [128], type: OnnxDataType.UINT8 },
      { name: 'wq', dims: [M, C, 3, 3], data: Wq, type: OnnxDataType.INT8 },
      { name: 'ws', dims: [M], data: ws },
      { name: 'wzp', dims: [M], data: [0, 0, 0, 0], type: OnnxDataType.INT8 },
      { name: 'ys', dims: [], data: [ys] },
      { name: 'yzp', dims: [], data: [100], type: OnnxDataType.UINT8 },
      { name: 'bq', dims: [M], data: Bq, type: OnnxDataType.INT32 },
    ],
  });

  it('QLinearConv keeps its weights, bias and params bit for bit and gives ONNX Runtime\'s outputs to one step', async () => {
    const { g, notes } = await quantized(bytes);
    expect(notes).toEqual([]);
    const conv = g.ops.find((o) => o.kind === 'Conv2D')!;
    const wt = g.tensors[conv.inputs[1]!]!;
    expect(wt.quant).toEqual({ scale: ws, zeroPoint: [0, 0, 0, 0], axis: 0 });
    expect(Array.from(g.tensors[conv.inputs[2]!]!.data!)).toEqual(Bq);
    expect(g.tensors[g.outputs[0]!]!.quant).toEqual({ scale: [ys], zeroPoint: [100 - 128] });
    const inT = g.tensors[g.inputs[0]!]!;
    const outT = g.tensors[g.outputs[0]!]!;
    let worst = 0;
    for (let s = 0; s < 5; s++) {
      const x = seeded(C * 36, 60 + s, 2);
      const want = (await ortRun(bytes, { x: { data: x, dims: [1, C, 6, 6] } }))[0]!;
      const got = dequantize(runGraph(g, [quantizeInput(x, inT)])[0]!, outT);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    }
    expect(worst).toBeLessThanOrEqual(ys * 1.0001);
  });
});
