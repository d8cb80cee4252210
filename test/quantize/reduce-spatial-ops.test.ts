/**
 * A float graph with TRANSPOSE_CONV, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR, REDUCE_MAX,
 * BATCH_MATMUL (a constant operand, then two run-time operands), SUM and ARG_MAX quantizes by
 * the ops' rules (per-channel weights and an int32 bias at input × weight scale for the
 * transposed convolution, shared params through the resizes and the max, an unquantized int32
 * index output), stays close to float, and its int8 graph runs in the generated C exactly as
 * in the reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import { hasTool } from '../../src/build/tools.js';
import type { Graph, Tensor } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { quantizeInput } from '../../src/quantize/fidelity.js';
import { seededRandom, syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';

function weights(name: string, shape: number[], seed: number, scale = 0.5): Tensor {
  const rnd = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, dtype: 'float32', data: Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale) };
}
const act = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'float32' });
const ints = (name: string, values: number[]): Tensor => ({ name, shape: [values.length], dtype: 'int32', data: Int32Array.from(values) });

function model(): Graph {
  const t: Tensor[] = [
    act('in', [1, 4, 4, 2]), // 0
    ints('tc/shape', [1, 8, 8, 3]), // 1
    weights('tc/w', [3, 3, 3, 2], 1), // 2
    weights('tc/b', [3], 2, 0.1), // 3
    act('tc', [1, 8, 8, 3]), // 4
    ints('rb/size', [6, 6]), // 5
    act('rb', [1, 6, 6, 3]), // 6
    ints('rn/size', [12, 12]), // 7
    act('rn', [1, 12, 12, 3]), // 8
    ints('max/axes', [2]), // 9
    act('max', [1, 12, 3]), // 10
    weights('mm1/y', [3, 5], 3), // 11
    act('mm1', [1, 12, 5]), // 12
    act('mm2', [1, 12, 12]), // 13
    ints('sum/axes', [2]), // 14
    act('sum', [1, 12]), // 15
    ints('argmax/axis', [1]), // 16
    { name: 'argmax', shape: [1], dtype: 'int32' }, // 17
  ];
  return {
    name: 'reduce-spatial',
    tensors: t,
    ops: [
      { kind: 'TransposeConv', name: 'tc', inputs: [1, 2, 0, 3], outputs: [4], strideH: 2, strideW: 2, padding: 'same', activation: 'relu' },
      { kind: 'ResizeBilinear', name: 'rb', inputs: [4, 5], outputs: [6], alignCorners: false, halfPixelCenters: true },
      { kind: 'ResizeNearestNeighbor', name: 'rn', inputs: [6, 7], outputs: [8], alignCorners: false, halfPixelCenters: false },
      { kind: 'ReduceMax', name: 'max', inputs: [8, 9], outputs: [10], axes: [2], keepDims: false },
      { kind: 'BatchMatMul', name: 'mm1', inputs: [10, 11], outputs: [12], adjX: false, adjY: false },
      { kind: 'BatchMatMul', name: 'mm2', inputs: [12, 12], outputs: [13], adjX: false, adjY: true },
      { kind: 'Sum', name: 'sum', inputs: [13, 14], outputs: [15], axes: [2], keepDims: false },
      { kind: 'ArgMax', name: 'argmax', inputs: [15, 16], outputs: [17], axis: 1 },
    ],
    inputs: [0],
    outputs: [15, 17],
  };
}

describe('quantize: SUM, REDUCE_MAX, ARG_MAX, TRANSPOSE_CONV, RESIZE_*, BATCH_MATMUL', () => {
  it('quantizes by the ops rules, stays close to float, runs in C exactly as in the reference', async () => {
    const g = model();
    const { graph: q, report } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(24, 32, 1), holdout: syntheticSamples(8, 32, 2) });
    const qp = (i: number) => q.tensors[i]!.quant;
    // TRANSPOSE_CONV: per-channel symmetric int8 weights on axis 0, int32 bias at in × w scale.
    expect(q.tensors[2]!.dtype).toBe('int8');
    expect(qp(2)).toMatchObject({ axis: 0 });
    expect(qp(2)!.scale).toHaveLength(3);
    expect(q.tensors[3]!.dtype).toBe('int32');
    // (the bias scale is the float32 product of the two)
    qp(3)!.scale.forEach((s, c) => expect(Math.abs(s / (qp(0)!.scale[0]! * qp(2)!.scale[c]!) - 1)).toBeLessThan(1e-6));
    expect(qp(4)!.zeroPoint).toEqual([-128]); // fused ReLU: the range starts at 0
    // Resizes and REDUCE_MAX keep their input's params; shapes and axes stay int32.
    for (const [a, b] of [
      [4, 6],
      [6, 8],
      [8, 10],
    ] as const)
      expect(qp(b), q.tensors[b]!.name).toEqual(qp(a));
    for (const i of [1, 5, 7, 9, 14, 16]) expect(q.tensors[i]!.dtype).toBe('int32');
    // BATCH_MATMUL's constant operand: per-tensor int8; ARG_MAX's output: int32, not quantized.
    expect(q.tensors[11]!.dtype).toBe('int8');
    expect(qp(11)!.scale).toHaveLength(1);
    expect(q.tensors[17]).toMatchObject({ dtype: 'int32' });
    expect(q.tensors[17]!.quant).toBeUndefined();
    const hold = report.fidelity.holdout!;
    for (const l of hold.layers.slice(0, 7)) expect(l.sqnrDb!, l.name).toBeGreaterThan(30); // about 37 to 42 dB

    const samples = syntheticSamples(6, 32, 3).samples;
    const inputs = samples.map((s) => [quantizeInput(s, q.tensors[0]!)]);
    const ref = inputs.map((x) => runGraph(q, x));
    // ARG_MAX of the int8 SUM picks the int8 maximum of each sample.
    ref.forEach((o) => expect(o[1]![0]).toBe(Array.from(o[0]!).indexOf(Math.max(...o[0]!))));
    if (!hasTool('cc')) return;
    const host = await runOnHost({ graph: q, modelPath: 'reduce-spatial.tflite', board: resolveBoard('host'), samples: inputs, logger: silentLogger });
    host.forEach((o, s) => {
      expect(Array.from(o[0]!), `sample ${s}, SUM`).toEqual(Array.from(ref[s]![0]!));
      expect(o[1]).toBeInstanceOf(Int32Array);
      expect(Array.from(o[1]!), `sample ${s}, ARG_MAX`).toEqual(Array.from(ref[s]![1]!));
    });
  }, 180_000);
});
