/**
 * MAXIMUM and MINIMUM: raw int8 comparisons (hand-checked), broadcasting and edge shapes through
 * the single-op harness (reference = host C, TFLite byte-identical), the shared-parameter
 * requirement, the float kernel, and a float clip (Maximum then Minimum with constants) that
 * quantizes with one set of parameters for the whole group.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

const Q: [number, number] = [0.0371, -9];

describe.each(['Maximum', 'Minimum'] as const)('%s int8', (kind) => {
  it('hand-checked values on shared parameters', async () => {
    const spec: OpSpec = {
      name: `${kind}_hand`,
      tensors: [
        { shape: [5], dtype: 'int8', q: Q },
        { shape: [5], dtype: 'int8', q: Q },
        { shape: [5], dtype: 'int8', q: Q },
      ],
      op: { kind, inputs: [0, 1], outputs: [2] },
    };
    const x = [typed(spec, 0, [5, -3, 127, -128, 0]), typed(spec, 1, [4, -2, -128, -128, 0])];
    const want = kind === 'Maximum' ? [5, -2, 127, -128, 0] : [4, -3, -128, -128, 0];
    const { reference, host } = await runBoth(buildGraph(spec), [x]);
    expect(reference[0]).toEqual(want);
    expect(host[0]).toEqual(want);
  }, 120_000);

  it.each([
    ['4-D against a per-channel operand', [1, 3, 4, 5], [5], [1, 3, 4, 5]],
    ['both operands broadcast', [2, 1, 3], [1, 4, 1], [2, 4, 3]],
    ['rank 1 against a scalar', [9], [1], [9]],
    ['size-1 dims', [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]],
  ] as const)('%s: host C = reference, TFLite byte-identical', async (_n, a, b, y) => {
    const r = await checkOp({
      name: `${kind}_bcast`,
      tensors: [
        { shape: [...a], dtype: 'int8', q: Q },
        { shape: [...b], dtype: 'int8', q: Q },
        { shape: [...y], dtype: 'int8', q: Q },
      ],
      op: { kind, inputs: [0, 1], outputs: [2] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a constant operand on the shared parameters (a clip bound)', async () => {
    const r = await checkOp({
      name: `${kind}_const`,
      tensors: [
        { shape: [2, 6], dtype: 'int8', q: Q },
        { shape: [1], dtype: 'int8', q: Q, data: [17] },
        { shape: [2, 6], dtype: 'int8', q: Q },
      ],
      op: { kind, inputs: [0, 1], outputs: [2] },
    });
    const x = r.inputs[0]![0] as Int8Array;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, (v) => (kind === 'Maximum' ? Math.max(v, 17) : Math.min(v, 17))));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('refuses inputs whose parameters differ from the output’s', () => {
    const g = buildGraph({
      name: `${kind}_mixed`,
      tensors: [
        { shape: [4], dtype: 'int8', q: Q },
        { shape: [4], dtype: 'int8', q: [0.05, 0] },
        { shape: [4], dtype: 'int8', q: Q },
      ],
      op: { kind, inputs: [0, 1], outputs: [2] },
    });
    expect(() => runGraph(g, [new Int8Array(4), new Int8Array(4)])).toThrow(/input 2 .* must share quantization: TFLM compares the raw int8 values/);
  });
});

describe('MAXIMUM / MINIMUM float', () => {
  it.each(['Maximum', 'Minimum'] as const)('%s float32 with broadcasting; TFLite equal', async (kind) => {
    const r = await floatCheck({
      name: `${kind}_f32`,
      tensors: [
        { shape: [3, 4], dtype: 'float32' },
        { shape: [4], dtype: 'float32' },
        { shape: [3, 4], dtype: 'float32' },
      ],
      op: { kind, inputs: [0, 1], outputs: [2] },
    });
    const [x, y] = r.inputs[0]! as Float32Array[];
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x!, (v, i) => (kind === 'Maximum' ? Math.max(v, y![i % 4]!) : Math.min(v, y![i % 4]!))));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float clip Minimum(Maximum(x, −0.5), 0.75) quantizes with one parameter set; int8 runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'clip_q',
      tensors: [
        { name: 'x', shape: [1, 6, 6, 2], dtype: 'float32' },
        { name: 'lo', shape: [1], dtype: 'float32', data: Float32Array.of(-0.5) },
        { name: 'mid', shape: [1, 6, 6, 2], dtype: 'float32' },
        { name: 'hi', shape: [1], dtype: 'float32', data: Float32Array.of(0.75) },
        { name: 'y', shape: [1, 6, 6, 2], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Maximum', name: 'max', inputs: [0, 1], outputs: [2] },
        { kind: 'Minimum', name: 'min', inputs: [2, 3], outputs: [4] },
      ],
      inputs: [0],
      outputs: [4],
    };
    const q = await quantizeFloatGraph(g);
    const p = (i: number) => q.graph.tensors[i]!.quant;
    expect(p(2)).toEqual(p(0));
    expect(p(4)).toEqual(p(0));
    expect(p(1)).toEqual(p(0));
    expect(p(3)).toEqual(p(0));
    // The constants are quantized on the group's parameters, not on their own one-value range.
    const s = p(0)!.scale[0]!;
    const z = p(0)!.zeroPoint[0]!;
    expect(q.graph.tensors[1]!.data![0]).toBe(Math.round(-0.5 / s) + z);
    expect(q.graph.tensors[3]!.data![0]).toBe(Math.round(0.75 / s) + z);
    expect(q.maxAbsError).toBeLessThan(2 * s);
  }, 120_000);
});
