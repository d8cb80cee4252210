/**
 * RSQRT: hand-computed int8 values, the 256-entry table through the harness (reference = host C)
 * against TFLite on valid (non-negative) inputs, the defined value below the zero point, the
 * float kernel and quantization of a float graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('RSQRT int8', () => {
  const spec: OpSpec = {
    name: 'rsqrt_hand',
    tensors: [
      { shape: [6], dtype: 'int8', q: [1 / 64, -64] },
      { shape: [6], dtype: 'int8', q: [1 / 16, -128] },
    ],
    op: { kind: 'Rsqrt', inputs: [0], outputs: [1] },
  };

  it('hand-computed values and the real function', async () => {
    // in 1/64 (zp −64), out 1/16 (zp −128): multiplier 1/(√(1/64)·(1/16)) = 128 (2^30, shift 8).
    // x = −63 (v = 1): GetInvSqrt gives INT32_MAX, data = SRDHM(2^20, INT32_MAX) = 2^20,
    // out = 2^20·2^-1·2^-12 = 128 − 128 = 0 (1/√(1/64) = 8 = 128/16). x = −64 (v = 0): the maximum,
    // 127; x = −100 (below the zero point, TFLM fails the call): 127 as well.
    const x = [-63, -64, -100, -60, 0, 127];
    const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, x)]]);
    expect(reference[0]!.slice(0, 3)).toEqual([0, 127, 127]);
    expect(host[0]).toEqual(reference[0]);
    // v = 4, 64, 191: 1/√(v/64) on the 1/16 grid (−64, −112, −118.8): within one step.
    [4, 64, 191].forEach((v, k) => expect(Math.abs(reference[0]![3 + k]! - (16 / Math.sqrt(v / 64) - 128))).toBeLessThanOrEqual(1));
  }, 120_000);

  it.each([
    ['rank 4', [1, 4, 4, 4], [0.04, -128], [0.05, -128]],
    ['rank 1, output zero point −100', [100], [0.01, -128], [0.08, -100]],
  ] as const)('%s: table C = reference, TFLite byte-identical', async (_n, shape, qi, qo) => {
    const r = await checkOp({
      name: 'rsqrt_s8',
      tensors: [
        { shape: [...shape], dtype: 'int8', q: [...qi] },
        { shape: [...shape], dtype: 'int8', q: [...qo] },
      ],
      op: { kind: 'Rsqrt', inputs: [0], outputs: [1] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);
});

describe('RSQRT float', () => {
  it('1/√x in float32 on positive inputs; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'rsqrt_f32',
      tensors: [
        { shape: [2, 8], dtype: 'float32' },
        { shape: [2, 8], dtype: 'float32' },
      ],
      op: { kind: 'Rsqrt', inputs: [0], outputs: [1] },
    }, { positive: true });
    const x = r.inputs[0]![0] as Float32Array;
    const f = Math.fround;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, (v) => f(1 / f(Math.sqrt(v)))));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with RSQRT (on relu(x) + 0.5) quantizes and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'rsqrt_q',
      tensors: [
        { name: 'x', shape: [1, 6, 6, 2], dtype: 'float32' },
        { name: 'r', shape: [1, 6, 6, 2], dtype: 'float32' },
        { name: 'half', shape: [1], dtype: 'float32', data: Float32Array.of(0.5) },
        { name: 'p', shape: [1, 6, 6, 2], dtype: 'float32' },
        { name: 'y', shape: [1, 6, 6, 2], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Add', name: 'add', inputs: [1, 2], outputs: [3], activation: 'none' },
        { kind: 'Rsqrt', name: 'rsqrt', inputs: [3], outputs: [4] },
      ],
      inputs: [0],
      outputs: [4],
    };
    const q = await quantizeFloatGraph(g);
    // 1/√p has slope −1.41 at p = 0.5: the rounding of x (half a step, ≈ 0.008) and of p (≈ 0.0075)
    // move the result by up to ≈ 0.022 before its own rounding, about 4 output steps.
    expect(q.maxAbsError).toBeLessThan(4 * q.outputScale);
  }, 120_000);
});
