/**
 * LOG_SOFTMAX: hand-checked int8 rows, every int8 row of a sweep within one output step of the
 * real function, edge shapes through the single-op harness (reference = host C, against
 * TFLite), the fixed output parameters, the float kernel and quantization of a float graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { mulberry32 } from '../../src/rng.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

const OUT: [number, number] = [16 / 256, 127];

describe('LOG_SOFTMAX int8', () => {
  const spec = (depth: number, rowsN: number, inScale: number, inZp: number): OpSpec => ({
    name: `logsm_${depth}`,
    tensors: [
      { shape: [rowsN, depth], dtype: 'int8', q: [inScale, inZp] },
      { shape: [rowsN, depth], dtype: 'int8', q: OUT },
    ],
    op: { kind: 'LogSoftmax', inputs: [0], outputs: [1] },
  });

  it('hand-checked rows: a dominant maximum gives 0 (127), the rest saturate; a flat row gives −log(depth)', async () => {
    // Scale 0.1: row 0 = [127, −128, −128, −128]: the others are 25.5 below the maximum (beyond
    // diff_min = −248 steps they are skipped) → −128, the maximum log(1) = 0 → 127.
    // Row 1 flat: −log 4 = −1.386 → −22.18 steps → 104.8 → 105.
    const s = spec(4, 2, 0.1, 0);
    const { reference, host } = await runBoth(buildGraph(s), [[typed(s, 0, [127, -128, -128, -128, 0, 0, 0, 0])]]);
    expect(reference[0]).toEqual([127, -128, -128, -128, 105, 105, 105, 105]);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it('every row of a seeded sweep is within one output step of the real log-softmax', () => {
    const r = mulberry32(7);
    for (const [depth, inScale] of [
      [2, 0.02],
      [10, 0.05],
      [37, 0.15],
    ] as const) {
      const rowsN = 200;
      const x = Int8Array.from({ length: rowsN * depth }, () => Math.floor(r() * 256) - 128);
      const y = runGraph(buildGraph(spec(depth, rowsN, inScale, 3)), [x])[0]!;
      let worst = 0;
      for (let row = 0; row < rowsN; row++) {
        const v = Array.from(x.subarray(row * depth, (row + 1) * depth), (q) => inScale * (q - 3));
        const max = Math.max(...v);
        const lse = Math.log(v.reduce((a, b) => a + Math.exp(b - max), 0));
        v.forEach((vi, c) => {
          const real = Math.max(-128, Math.min(127, (vi - max - lse) / (16 / 256) + 127));
          worst = Math.max(worst, Math.abs(y[row * depth + c]! - real));
        });
      }
      expect(worst, `depth ${depth}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    ['rank 4, depth 5', [1, 3, 4, 5], [0.09, -20]],
    ['rank 1, depth 13', [13], [0.03, 10]],
    ['rank 2, depth 1', [6, 1], [0.5, 0]],
  ] as const)('%s: host C = reference, TFLite byte-identical', async (_n, shape, qi) => {
    const r = await checkOp({
      name: 'logsm_s8',
      tensors: [
        { shape: [...shape], dtype: 'int8', q: [...qi] },
        { shape: [...shape], dtype: 'int8', q: OUT },
      ],
      op: { kind: 'LogSoftmax', inputs: [0], outputs: [1] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('refuses an output that is not scale 16/256, zero point 127', () => {
    const g = buildGraph({
      name: 'logsm_bad',
      tensors: [
        { shape: [1, 4], dtype: 'int8', q: [0.1, 0] },
        { shape: [1, 4], dtype: 'int8', q: [1 / 16, 0] },
      ],
      op: { kind: 'LogSoftmax', inputs: [0], outputs: [1] },
    });
    expect(() => runGraph(g, [new Int8Array(4)])).toThrow(/LogSoftmax 'logsm_bad': int8 LOG_SOFTMAX output must have scale 16\/256 and zero point 127/);
  });
});

describe('LOG_SOFTMAX float', () => {
  it('x − max − log Σ exp(x − max) in float32; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'logsm_f32',
      tensors: [
        { shape: [3, 6], dtype: 'float32' },
        { shape: [3, 6], dtype: 'float32' },
      ],
      op: { kind: 'LogSoftmax', inputs: [0], outputs: [1] },
    });
    const x = r.inputs[0]![0] as Float32Array;
    const y = r.reference[0]![0]!;
    for (let row = 0; row < 3; row++) {
      const v = Array.from(x.subarray(row * 6, row * 6 + 6));
      const max = Math.max(...v);
      const lse = Math.log(v.reduce((a, b) => a + Math.exp(b - max), 0));
      v.forEach((vi, c) => expect(Math.abs(y[row * 6 + c]! - (vi - max - lse))).toBeLessThan(1e-5));
    }
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with LOG_SOFTMAX quantizes to the fixed output parameters and runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'logsm_q',
      tensors: [
        { name: 'x', shape: [1, 10], dtype: 'float32' },
        { name: 'y', shape: [1, 10], dtype: 'float32' },
      ],
      ops: [{ kind: 'LogSoftmax', name: 'logsm', inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.tensors[1]!.quant).toEqual({ scale: [16 / 256], zeroPoint: [127] });
    // Outputs below −16 saturate at −128 on the fixed scale; with unit-normal inputs over 10
    // classes the log-probabilities stay above −10, so the error is the rounding of x and y.
    expect(q.maxAbsError).toBeLessThan(2 * q.outputScale);
  }, 120_000);
});
