/**
 * SQUARED_DIFFERENCE: hand-computed int8 values from TFLM's integer steps, broadcasting and edge
 * shapes through the single-op harness (reference = host C, against TFLite), the float kernel,
 * and quantization of a float graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('SQUARED_DIFFERENCE int8', () => {
  it('hand-computed values', async () => {
    // Scales 0.5, 0.5 → 1.0 (zero point −128): input multipliers 0.5 (2^30, shift 0), output
    // 1/2^14 (2^30, shift −13). x = 10, y = 4: 1280·½ − 512·½ = 384; 384² = 147456 → /2^14 = 9
    // → −119. x = 3, y = 0: 192² → 2.25 → 2 → −126. x = 1: 0.25 → 0 → −128. x = 127, y = −128:
    // 16256.25 → clamps at 127. x = −3, y = 3: 9 → −119.
    const spec: OpSpec = {
      name: 'sqdiff_hand',
      tensors: [
        { shape: [5], dtype: 'int8', q: [0.5, 0] },
        { shape: [5], dtype: 'int8', q: [0.5, 0] },
        { shape: [5], dtype: 'int8', q: [1, -128] },
      ],
      op: { kind: 'SquaredDifference', inputs: [0, 1], outputs: [2] },
    };
    const x = [typed(spec, 0, [10, 3, 1, 127, -3]), typed(spec, 1, [4, 0, 0, -128, 3])];
    const { reference, host } = await runBoth(buildGraph(spec), [x]);
    expect(reference[0]).toEqual([-119, -126, -128, 127, -119]);
    expect(host[0]).toEqual([-119, -126, -128, 127, -119]);
  }, 120_000);

  it.each([
    ['4-D against a per-channel operand', [1, 3, 4, 5], [5], [1, 3, 4, 5], [0.021, -128]],
    ['first operand broadcast', [1, 1, 6], [2, 3, 6], [2, 3, 6], [0.013, -128]],
    ['rank 1 against a scalar, fine output scale', [11], [1], [11], [0.00005, -128]],
  ] as const)('%s: host C = reference, TFLite byte-identical', async (_n, a, b, y, qo) => {
    const r = await checkOp({
      name: 'sqdiff_s8',
      tensors: [
        { shape: [...a], dtype: 'int8', q: [0.0113, 7] },
        { shape: [...b], dtype: 'int8', q: [0.0087, -4] },
        { shape: [...y], dtype: 'int8', q: [...qo] },
      ],
      op: { kind: 'SquaredDifference', inputs: [0, 1], outputs: [2] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);
});

describe('SQUARED_DIFFERENCE float', () => {
  it('(x − y)² in float32; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'sqdiff_f32',
      tensors: [
        { shape: [2, 5], dtype: 'float32' },
        { shape: [2, 5], dtype: 'float32' },
        { shape: [2, 5], dtype: 'float32' },
      ],
      op: { kind: 'SquaredDifference', inputs: [0, 1], outputs: [2] },
    });
    const [x, y] = r.inputs[0]! as Float32Array[];
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x!, (v, i) => Math.fround(Math.fround(v - y![i]!) ** 2)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with SQUARED_DIFFERENCE quantizes and the int8 result runs (host C = reference)', async () => {
    // (x − relu(x))² = min(x, 0)².
    const g: Graph = {
      name: 'sqdiff_q',
      tensors: [
        { name: 'x', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'r', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'y', shape: [1, 5, 5, 2], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'SquaredDifference', name: 'sq', inputs: [0, 1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.tensors[2]!.dtype).toBe('int8');
    // The input's rounding error (half a step) doubles through the square near |x| = 3.
    expect(q.maxAbsError).toBeLessThan(4 * q.outputScale);
  }, 120_000);
});
