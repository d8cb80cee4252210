/**
 * L2_NORMALIZATION: hand-checked int8 rows, a seeded sweep within one output step of the real
 * function, edge shapes through the single-op harness (reference = host C, against TFLite), the
 * refusals (fused activation, output parameters), the float kernel and quantization of a float
 * graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { mulberry32 } from '../../src/rng.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

const OUT: [number, number] = [1 / 128, 0];

describe('L2_NORMALIZATION int8', () => {
  it('hand-checked rows', async () => {
    // [3, 4] → [0.6, 0.8] → 76.8, 102.4 → 77, 102; [0, 0] → 0 (the sum 0 takes INT32_MAX and stays 0);
    // [−128, 0] → −1 → −128; [5, 5] → 0.7071 → 90.5 → 91; [127, 1] → ~1 → 127 (clamped from 128).
    const spec: OpSpec = {
      name: 'l2_hand',
      tensors: [
        { shape: [5, 2], dtype: 'int8', q: [0.3, 0] },
        { shape: [5, 2], dtype: 'int8', q: OUT },
      ],
      op: { kind: 'L2Normalization', inputs: [0], outputs: [1], activation: 'none' },
    };
    const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, [3, 4, 0, 0, -128, 0, 5, 5, 127, 1])]]);
    expect(reference[0]).toEqual([77, 102, 0, 0, -128, 0, 91, 91, 127, 1]);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it('every row of a seeded sweep is within one output step of x/‖x‖', () => {
    const r = mulberry32(11);
    for (const depth of [1, 3, 16, 100]) {
      const rowsN = 100;
      const x = Int8Array.from({ length: rowsN * depth }, () => Math.floor(r() * 256) - 128);
      const spec: OpSpec = {
        name: 'l2_sweep',
        tensors: [
          { shape: [rowsN, depth], dtype: 'int8', q: [0.07, -5] },
          { shape: [rowsN, depth], dtype: 'int8', q: OUT },
        ],
        op: { kind: 'L2Normalization', inputs: [0], outputs: [1], activation: 'none' },
      };
      const y = runGraph(buildGraph(spec), [x])[0]!;
      let worst = 0;
      for (let row = 0; row < rowsN; row++) {
        const v = Array.from(x.subarray(row * depth, (row + 1) * depth), (q) => q + 5);
        const norm = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
        v.forEach((vi, c) => {
          const real = norm === 0 ? 0 : Math.max(-128, Math.min(127, (vi / norm) * 128));
          worst = Math.max(worst, Math.abs(y[row * depth + c]! - real));
        });
      }
      expect(worst, `depth ${depth}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    ['rank 4, depth 8', [1, 2, 3, 8], [0.05, -7]],
    ['rank 1, depth 31', [31], [0.2, 0]],
    ['rank 2, depth 1', [7, 1], [0.01, 3]],
  ] as const)('%s: host C = reference, TFLite byte-identical', async (_n, shape, qi) => {
    const r = await checkOp({
      name: 'l2_s8',
      tensors: [
        { shape: [...shape], dtype: 'int8', q: [...qi] },
        { shape: [...shape], dtype: 'int8', q: OUT },
      ],
      op: { kind: 'L2Normalization', inputs: [0], outputs: [1], activation: 'none' },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('refuses a fused activation and other output parameters', () => {
    const mk = (act: 'none' | 'relu', out: [number, number]) =>
      buildGraph({
        name: 'l2_bad',
        tensors: [
          { shape: [1, 4], dtype: 'int8', q: [0.1, 0] },
          { shape: [1, 4], dtype: 'int8', q: out },
        ],
        op: { kind: 'L2Normalization', inputs: [0], outputs: [1], activation: act },
      });
    expect(() => runGraph(mk('relu', OUT), [new Int8Array(4)])).toThrow(/L2Normalization 'l2_bad': a fused relu activation/);
    expect(() => runGraph(mk('none', [1 / 64, 0]), [new Int8Array(4)])).toThrow(/must have scale 1\/128 and zero point 0/);
  });
});

describe('L2_NORMALIZATION float', () => {
  it('x / max(‖x‖, 1e-6) in float32; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'l2_f32',
      tensors: [
        { shape: [4, 5], dtype: 'float32' },
        { shape: [4, 5], dtype: 'float32' },
      ],
      op: { kind: 'L2Normalization', inputs: [0], outputs: [1], activation: 'none' },
    });
    const x = r.inputs[0]![0] as Float32Array;
    const y = r.reference[0]![0]!;
    for (let row = 0; row < 4; row++) {
      const v = Array.from(x.subarray(row * 5, row * 5 + 5));
      const norm = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
      v.forEach((vi, c) => expect(Math.abs(y[row * 5 + c]! - vi / norm)).toBeLessThan(1e-6));
    }
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with L2_NORMALIZATION quantizes to the fixed output parameters and runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'l2_q',
      tensors: [
        { name: 'x', shape: [1, 3, 16], dtype: 'float32' },
        { name: 'y', shape: [1, 3, 16], dtype: 'float32' },
      ],
      ops: [{ kind: 'L2Normalization', name: 'l2', inputs: [0], outputs: [1], activation: 'none' }],
      inputs: [0],
      outputs: [1],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.tensors[1]!.quant).toEqual({ scale: [1 / 128], zeroPoint: [0] });
    expect(q.maxAbsError).toBeLessThan(3 * q.outputScale);
  }, 120_000);
});
