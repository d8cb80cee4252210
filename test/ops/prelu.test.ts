/**
 * PRELU: hand-computed int8 values from TFLM's two multipliers, alpha broadcast (per channel,
 * scalar, full) through the single-op harness (reference = host C, against TFLite), the float
 * kernel, and quantization of a float graph (alpha quantized as a per-tensor constant).
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('PRELU int8', () => {
  it('hand-computed values', async () => {
    // in 0.5, alpha 0.25, out 0.5 (zero points 0): multiplier 1 = 1.0 (2^30, shift 1),
    // multiplier 2 = 0.25 (2^30, shift −1). 6 → 6; −6·2 → −12 → −3; −5·−4 → 20 → 5;
    // −7·2 → −14 → −7 → −3.5 → −4 (away from zero); −128·−128 → 4096 → clamp 127.
    const spec: OpSpec = {
      name: 'prelu_hand',
      tensors: [
        { shape: [5], dtype: 'int8', q: [0.5, 0] },
        { shape: [5], dtype: 'int8', q: [0.25, 0], data: [2, 2, -4, 2, -128] },
        { shape: [5], dtype: 'int8', q: [0.5, 0] },
      ],
      op: { kind: 'Prelu', inputs: [0, 1], outputs: [2] },
    };
    const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, [6, -6, -5, -7, -128])]]);
    expect(reference[0]).toEqual([6, -3, 5, -4, 127]);
    expect(host[0]).toEqual([6, -3, 5, -4, 127]);
  }, 120_000);

  it.each([
    ['per-channel alpha on 4-D', [1, 3, 4, 5], [5]],
    ['alpha [1,1,C] on 3-D', [4, 2, 3], [1, 1, 3]],
    ['scalar alpha on rank 1', [11], [1]],
    ['alpha as large as the input', [2, 3, 4], [2, 3, 4]],
  ] as const)('%s: host C = reference, TFLite byte-identical', async (_n, xs, as) => {
    const n = as.reduce((a: number, b: number) => a * b, 1);
    const r = await checkOp({
      name: 'prelu_s8',
      tensors: [
        { shape: [...xs], dtype: 'int8', q: [0.043, 11] },
        { shape: [...as], dtype: 'int8', q: [0.0021, -30], data: Array.from({ length: n }, (_, i) => ((i * 37) % 200) - 90) },
        { shape: [...xs], dtype: 'int8', q: [0.031, -20] },
      ],
      op: { kind: 'Prelu', inputs: [0, 1], outputs: [2] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);
});

describe('PRELU float', () => {
  it('x ≥ 0 ? x : x·alpha in float32 with a per-channel alpha; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'prelu_f32',
      tensors: [
        { shape: [2, 3, 4], dtype: 'float32' },
        { shape: [4], dtype: 'float32', data: [0.1, -0.5, 2, 0] },
        { shape: [2, 3, 4], dtype: 'float32' },
      ],
      op: { kind: 'Prelu', inputs: [0, 1], outputs: [2] },
    });
    const x = r.inputs[0]![0] as Float32Array;
    const a = [0.1, -0.5, 2, 0].map(Math.fround);
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, (v, i) => (v >= 0 ? v : Math.fround(v * a[i % 4]!))));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with PRELU quantizes (alpha per tensor) and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'prelu_q',
      tensors: [
        { name: 'x', shape: [1, 5, 5, 4], dtype: 'float32' },
        { name: 'alpha', shape: [4], dtype: 'float32', data: Float32Array.of(0.1, 0.25, -0.2, 0.05) },
        { name: 'y', shape: [1, 5, 5, 4], dtype: 'float32' },
      ],
      ops: [{ kind: 'Prelu', name: 'prelu', inputs: [0, 1], outputs: [2] }],
      inputs: [0],
      outputs: [2],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.tensors[1]!.dtype).toBe('int8');
    expect(q.graph.tensors[1]!.quant!.scale).toHaveLength(1);
    expect(q.maxAbsError).toBeLessThan(2 * q.outputScale);
  }, 120_000);
});
