/**
 * EMBEDDING_LOOKUP (GATHER along axis 0 with the operands swapped): hand-computed rows with
 * run-time ids (reference = host C), a run-time table with constant ids against TFLite, float,
 * an id outside the table, the refused hybrid form, and quantization of a float graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('EMBEDDING_LOOKUP', () => {
  const table: OpSpec = {
    name: 'emb_hand',
    tensors: [
      { shape: [3], dtype: 'int32' },
      { shape: [3, 2], dtype: 'int8', q: [0.1, 0], data: [1, 2, 3, 4, 5, 6] },
      { shape: [3, 2], dtype: 'int8', q: [0.1, 0] },
    ],
    op: { kind: 'EmbeddingLookup', inputs: [0, 1], outputs: [2] },
  };

  it('hand-computed: run-time ids [2, 0, 2] pick rows 2, 0, 2 (reference = host C)', async () => {
    const { reference, host } = await runBoth(buildGraph(table), [[typed(table, 0, [2, 0, 2])]]);
    expect(reference[0]).toEqual([5, 6, 1, 2, 5, 6]);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it('a run-time id outside the table throws in the reference (TFLM returns an error)', () => {
    expect(() => runGraph(buildGraph(table), [Int32Array.of(0, 3, 1)])).toThrow(/index 3 at position 1 is outside axis 0 of size 3/);
  });

  it.each([
    ['int8 table [5,3,4], ids [4,0,0,2]', 'int8', [5, 3, 4], [4, 0, 0, 2]],
    ['int8 table [7,1], ids [6]', 'int8', [7, 1], [6]],
  ] as const)('%s (run-time table, constant ids): host C = reference, TFLite equal', async (_n, dtype, shape, ids) => {
    const r = await checkOp({
      name: 'emb_s8',
      tensors: [
        { shape: [ids.length], dtype: 'int32', data: [...ids] },
        { shape: [...shape], dtype, q: [0.05, -3] },
        { shape: [ids.length, ...shape.slice(1)], dtype, q: [0.05, -3] },
      ],
      op: { kind: 'EmbeddingLookup', inputs: [0, 1], outputs: [2] },
    });
    const row = shape.slice(1).reduce((a: number, b: number) => a * b, 1);
    r.inputs.forEach((s, k) => expect(Array.from(r.reference[k]![0]!)).toEqual(ids.flatMap((id) => Array.from(s[0]!.slice(id * row, (id + 1) * row)))));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('float table; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'emb_f32',
      tensors: [
        { shape: [3], dtype: 'int32', data: [1, 1, 0] },
        { shape: [2, 5], dtype: 'float32' },
        { shape: [3, 5], dtype: 'float32' },
      ],
      op: { kind: 'EmbeddingLookup', inputs: [0, 1], outputs: [2] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('the hybrid form (int8 table, float output) is refused', () => {
    const g = buildGraph({
      name: 'emb_hybrid',
      tensors: [
        { shape: [1], dtype: 'int32' },
        { shape: [3, 2], dtype: 'int8', q: [0.1, 0], data: [1, 2, 3, 4, 5, 6] },
        { shape: [1, 2], dtype: 'float32' },
      ],
      op: { kind: 'EmbeddingLookup', inputs: [0, 1], outputs: [2] },
    });
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/hybrid lookup/);
  });

  it('a float graph relu(x) → lookup of rows [3, 0, 3] quantizes (shared params) and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'emb_q',
      tensors: [
        { name: 'x', shape: [4, 6], dtype: 'float32' },
        { name: 'r', shape: [4, 6], dtype: 'float32' },
        { name: 'ids', shape: [3], dtype: 'int32', data: Int32Array.of(3, 0, 3) },
        { name: 'y', shape: [3, 6], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'EmbeddingLookup', name: 'emb', inputs: [2, 1], outputs: [3] },
      ],
      inputs: [0],
      outputs: [3],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.tensors[3]!.quant).toEqual(q.graph.tensors[1]!.quant);
    // A copy of int8 values: only the rounding before it, of x (half an input step) and of the
    // ReLU's requantization (half an output step).
    expect(q.maxAbsError).toBeLessThanOrEqual(0.51 * (q.outputScale + q.graph.tensors[0]!.quant!.scale[0]!));
  }, 120_000);
});
