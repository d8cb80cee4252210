/**
 * A small float graph using every op kind the rewrite treats specially (Conv2D, DepthwiseConv2D,
 * Add, Pad, MaxPool2D, AveragePool2D, Concatenation, Mul, Mean, FullyConnected, Softmax,
 * Logistic, Tanh, Relu6): after quantization it must run in the int8 reference interpreter,
 * respect TFLite's parameter constraints, and stay close to float layer by layer. The same
 * graph without Relu6 (which has no int16 kernel in TFLite Micro) quantized to 16x8 must keep
 * TFLite's 16x8 constraints, beat int8 layer by layer, and run identically in the reference
 * interpreter and the generated C.
 */
import { describe, expect, it } from 'vitest';
import type { Graph, Tensor, TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { quantizeSample } from '../../src/quantize/fidelity.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { seededRandom, syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';

function weights(name: string, shape: number[], seed: number, scale = 0.5): Tensor {
  const rnd = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, dtype: 'float32', data: Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale) };
}
const act = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'float32' });

function model(): Graph {
  const t: Tensor[] = [
    act('in', [1, 6, 6, 2]), // 0
    weights('c1/w', [4, 3, 3, 2], 1), // 1
    weights('c1/b', [4], 2, 0.1), // 2
    act('c1', [1, 6, 6, 4]), // 3
    weights('d1/w', [1, 3, 3, 4], 3), // 4
    weights('d1/b', [4], 4, 0.1), // 5
    act('d1', [1, 6, 6, 4]), // 6
    act('add', [1, 6, 6, 4]), // 7
    act('pad', [1, 8, 8, 4]), // 8
    act('maxpool', [1, 4, 4, 4]), // 9
    act('avgpool', [1, 2, 2, 4]), // 10
    act('concat', [1, 2, 2, 8]), // 11
    act('mul', [1, 2, 2, 8]), // 12
    act('mean', [1, 8]), // 13
    weights('fc/w', [3, 8], 5), // 14
    weights('fc/b', [3], 6, 0.1), // 15
    act('fc', [1, 3]), // 16
    act('softmax', [1, 3]), // 17
    act('tanh', [1, 3]), // 18
    act('logistic', [1, 3]), // 19
    act('relu6', [1, 3]), // 20
  ];
  return {
    name: 'coverage',
    tensors: t,
    ops: [
      { kind: 'Conv2D', name: 'c1', inputs: [0, 1, 2], outputs: [3], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu6' },
      { kind: 'DepthwiseConv2D', name: 'd1', inputs: [3, 4, 5], outputs: [6], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, depthMultiplier: 1, padding: 'same', activation: 'relu' },
      { kind: 'Add', name: 'add', inputs: [3, 6], outputs: [7], activation: 'none' },
      { kind: 'Pad', name: 'pad', inputs: [7], outputs: [8], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] },
      { kind: 'MaxPool2D', name: 'maxpool', inputs: [8], outputs: [9], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'valid', activation: 'none' },
      { kind: 'AveragePool2D', name: 'avgpool', inputs: [9], outputs: [10], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'valid', activation: 'none' },
      { kind: 'Concatenation', name: 'concat', inputs: [10, 10], outputs: [11], axis: 3, activation: 'none' },
      { kind: 'Mul', name: 'mul', inputs: [11, 11], outputs: [12], activation: 'none' },
      { kind: 'Mean', name: 'mean', inputs: [12], outputs: [13], axes: [1, 2], keepDims: false },
      { kind: 'FullyConnected', name: 'fc', inputs: [13, 14, 15], outputs: [16], activation: 'none', keepNumDims: false },
      { kind: 'Softmax', name: 'softmax', inputs: [16], outputs: [17], beta: 1 },
      { kind: 'Tanh', name: 'tanh', inputs: [16], outputs: [18] },
      { kind: 'Logistic', name: 'logistic', inputs: [16], outputs: [19] },
      { kind: 'Relu6', name: 'relu6', inputs: [16], outputs: [20] },
    ],
    inputs: [0],
    outputs: [17, 18, 19, 20],
  };
}

describe('quantize: op coverage', () => {
  it('every op runs int8 in the reference interpreter, constraints hold, SQNR stays high', () => {
    const g = model();
    const { graph: q, report } = quantizeModel(g, {
      run: runGraph,
      calibration: syntheticSamples(24, 72, 1),
      holdout: syntheticSamples(12, 72, 2),
    });
    const qp = (i: number) => q.tensors[i]!.quant;
    // Same params through Pad, MaxPool, AvgPool, Concatenation.
    for (const [a, b] of [
      [7, 8],
      [8, 9],
      [9, 10],
      [10, 11],
    ] as const)
      expect(qp(b), `${q.tensors[a]!.name} -> ${q.tensors[b]!.name}`).toEqual(qp(a));
    expect(qp(17)).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(qp(19)).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(qp(18)).toEqual({ scale: [1 / 128], zeroPoint: [0] });
    expect(qp(20)!.zeroPoint).toEqual([-128]); // relu6: range starts at 0
    expect(qp(3)!.zeroPoint).toEqual([-128]); // fused relu6
    expect(qp(4)!.axis).toBe(3); // depthwise per channel along the last axis
    expect(qp(4)!.scale).toHaveLength(4);
    expect(qp(1)!.axis).toBe(0);
    const hold = report.fidelity.holdout!;
    // The feature layers stay above 30 dB. The FullyConnected head sees nearly equal inputs (means
    // of squares) and random weights, so its output partly cancels and its SQNR is lower (about
    // 17 dB, the same with the minmax observer); a wrong bias or weight scale would put it near 0.
    for (const l of hold.layers.slice(0, 9)) expect(l.sqnrDb!, l.name).toBeGreaterThan(30);
    for (const l of hold.layers.slice(9)) expect(l.sqnrDb!, l.name).toBeGreaterThan(12);
    expect(hold.top1Agreement).toBeGreaterThanOrEqual(0.9);
  });
});

describe('quantize: op coverage in 16x8', () => {
  it('every op runs int16 (reference = host C), 16x8 constraints hold, SQNR above int8', async () => {
    const base = model();
    // Relu6 has no int16 kernel in TFLite Micro: drop it (and its output) for 16x8.
    const g: Graph = { ...base, ops: base.ops.filter((op) => op.kind !== 'Relu6'), outputs: [17, 18, 19] };
    const opts = { run: runGraph, calibration: syntheticSamples(24, 72, 1), holdout: syntheticSamples(12, 72, 2) };
    const q8 = quantizeModel(g, opts);
    const { graph: q, report } = quantizeModel(g, { ...opts, activations: 'int16' });
    const qp = (i: number) => q.tensors[i]!.quant;
    for (const [a, b] of [
      [7, 8],
      [8, 9],
      [9, 10],
      [10, 11],
    ] as const)
      expect(qp(b), `${q.tensors[a]!.name} -> ${q.tensors[b]!.name}`).toEqual(qp(a));
    for (const t of [17, 18, 19]) expect(qp(t)).toEqual({ scale: [1 / 32768], zeroPoint: [0] });
    for (const op of q.ops) for (const o of op.outputs) expect(q.tensors[o]!.dtype).toBe('int16');
    for (const i of [0, 3, 6, 7, 12, 13, 16]) expect(qp(i)!.zeroPoint).toEqual([0]); // symmetric, even after relu6/relu
    for (const b of [2, 5, 15]) expect(q.tensors[b]!.dtype).toBe('int64');
    expect(qp(14)!.scale).toHaveLength(1); // dense weights per tensor (TFLM's int16 FULLY_CONNECTED)
    expect(qp(4)!.scale).toHaveLength(4); // depthwise still per channel
    // 16 bits of activation: every layer's SQNR above its int8 counterpart.
    const h16 = report.fidelity.holdout!;
    const h8 = q8.report.fidelity.holdout!;
    h16.layers.forEach((l, k) => expect(l.sqnrDb!, l.name).toBeGreaterThan(h8.layers[k]!.sqnrDb!));
    expect(h16.mse).toBeLessThan(h8.mse);
    // Reference = generated C on the host, every output.
    const inT = q.tensors[q.inputs[0]!]!;
    const samples: TensorData[][] = syntheticSamples(4, 72, 3).samples.map((x) => [quantizeSample(x, inT)]);
    const { board, backend } = await resolveRunBackend('host');
    const host = await backend({ graph: q, modelPath: 'coverage.16x8', board, samples, logger: silentLogger });
    samples.forEach((s, k) => runGraph(q, s).forEach((want, o) => expect(Array.from(host[k]![o]!), `sample ${k} output ${o}`).toEqual(Array.from(want))));
  }, 120_000);
});
