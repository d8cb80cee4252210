/**
 * SPLIT and SPLIT_V: models whose outputs are all the parts (several graph outputs through the
 * reference, the host C and TFLite), values by hand from TFLM's SplitImpl, negative axes, a -1
 * size, int8/int16/int32/float32, and the quantizer (every part shares the input's params).
 */
import { describe, expect, it } from 'vitest';
import type { Graph, SplitOp } from '../../src/ir/graph.js';
import { checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';

type D = 'int8' | 'int16' | 'int32' | 'float32';
const qOf = (dtype: D): [number, number] | undefined => (dtype === 'int8' ? [0.07, 3] : dtype === 'int16' ? [0.0005, 0] : undefined);

/** SPLIT of `shape` along `axis` into `n` parts; the axis operand holds `axisValue` (may be negative). */
function splitSpec(name: string, shape: number[], axis: number, n: number, dtype: D = 'int8', axisValue = axis): OpSpec {
  const q = qOf(dtype);
  const part = shape.map((d, i) => (i === axis ? d / n : d));
  return {
    name,
    tensors: [
      { shape: [], dtype: 'int32', data: [axisValue] },
      { shape, dtype, ...(q ? { q } : {}) },
      ...Array.from({ length: n }, () => ({ shape: part, dtype, ...(q ? { q } : {}) })),
    ],
    op: { kind: 'Split', inputs: [0, 1], outputs: Array.from({ length: n }, (_, k) => 2 + k), axis, sizes: new Array<number>(n).fill(shape[axis]! / n) },
  };
}

/** SPLIT_V with `sizes` written to the file as `written` (which may hold one -1). */
function splitVSpec(name: string, shape: number[], axis: number, sizes: number[], dtype: D = 'int8', written = sizes, axisValue = axis): OpSpec {
  const q = qOf(dtype);
  return {
    name,
    tensors: [
      { shape, dtype, ...(q ? { q } : {}) },
      { shape: [written.length], dtype: 'int32', data: written },
      { shape: [1], dtype: 'int32', data: [axisValue] },
      ...sizes.map((s) => ({ shape: shape.map((d, i) => (i === axis ? s : d)), dtype, ...(q ? { q } : {}) })),
    ],
    op: { kind: 'SplitV', inputs: [0, 1, 2], outputs: sizes.map((_, k) => 3 + k), axis, sizes },
  };
}

describe('Split / SplitV', () => {
  it('hand-computed: [2,6] split in 3 along axis 1 (axis operand -1)', async () => {
    const x = Int8Array.from({ length: 12 }, (_, i) => i);
    const [outs] = await runExact(splitSpec('hand', [2, 6], 1, 3, 'int8', -1), [[x]]);
    expect(outs!.map((o) => Array.from(o))).toEqual([
      [0, 1, 6, 7],
      [2, 3, 8, 9],
      [4, 5, 10, 11],
    ]);
  }, 120_000);

  it('hand-computed: SPLIT_V [5,2] into 1, -1 (=3), 1 along axis 0', async () => {
    const x = Int8Array.from({ length: 10 }, (_, i) => 10 * i);
    const [outs] = await runExact(splitVSpec('hand_v', [5, 2], 0, [1, 3, 1], 'int8', [1, -1, 1]), [[x]]);
    expect(outs!.map((o) => Array.from(o))).toEqual([[0, 10], [20, 30, 40, 50, 60, 70], [80, 90]]);
  }, 120_000);

  const splits: [string, number[], number, number, D, number][] = [
    ['channels_int8', [1, 4, 5, 6], 3, 3, 'int8', -1],
    ['height_int16', [1, 6, 3, 2], 1, 2, 'int16', 1],
    ['batch_int32', [4, 3], 0, 4, 'int32', 0],
    ['single_int8', [3, 5], 1, 1, 'int8', 1],
  ];
  for (const [name, shape, axis, n, dtype, av] of splits) {
    it(`SPLIT ${name}: every part, host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(splitSpec(name, shape, axis, n, dtype, av), { samples: 3, seed: 31 });
      expect(r.imported.outputs).toHaveLength(n);
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual(new Array(n).fill(0));
    }, 120_000);
  }

  const splitVs: [string, number[], number, number[], D, number[]][] = [
    ['uneven_int8', [1, 3, 4, 7], 3, [2, 4, 1], 'int8', [2, -1, 1]],
    ['axis1_int16', [2, 7, 3], 1, [3, 0, 4], 'int16', [3, 0, 4]],
    ['rank1_int32', [9], 0, [5, 4], 'int32', [5, 4]],
  ];
  for (const [name, shape, axis, sizes, dtype, written] of splitVs) {
    it(`SPLIT_V ${name}: every part, host C = reference, TFLite byte-identical`, async () => {
      const s = splitVSpec(name, shape, axis, sizes, dtype, written);
      if (sizes.includes(0)) {
        // A zero-size part has no bytes to compare or to generate code for: reference only.
        const r = await checkOp({ ...s, outputs: s.op.outputs.filter((_, k) => sizes[k] !== 0) }, { samples: 3, seed: 32 });
        if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0, 0]);
        return;
      }
      const r = await checkOp(s, { samples: 3, seed: 33 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual(sizes.map(() => 0));
    }, 120_000);
  }

  it('float32 SPLIT and SPLIT_V: reference = TFLite exactly', async () => {
    const a = await checkOp(splitSpec('f32', [2, 6, 2], 1, 3, 'float32'), { samples: 2, seed: 5, host: false });
    const b = await checkOp(splitVSpec('f32v', [4, 5], 1, [1, 4], 'float32', [1, -1]), { samples: 2, seed: 6, host: false });
    if (HAVE_TFLITE) {
      expect(a.tfliteMaxDiff).toEqual([0, 0, 0]);
      expect(b.tfliteMaxDiff).toEqual([0, 0]);
    }
  }, 120_000);

  it('reads num_splits and -1 sizes back; refuses unequal SPLIT parts', async () => {
    const r = await checkOp(splitVSpec('readback', [6, 2], 0, [2, 4], 'int8', [-1, 4]), { samples: 1, tflite: false });
    expect((r.imported.ops[0] as SplitOp).sizes).toEqual([2, 4]);
    const bad = splitSpec('bad', [2, 6], 1, 3);
    (bad.op as SplitOp).sizes = [1, 2, 3];
    await expect(checkOp(bad, { samples: 1, tflite: false })).rejects.toThrow(/equal parts/);
  }, 120_000);

  it('a float graph with Split quantizes; every part shares the input params; host C = reference', async () => {
    const g: Graph = {
      name: 'q_split',
      tensors: [
        { name: 'axis', shape: [], dtype: 'int32', data: Int32Array.of(3) },
        { name: 'x', shape: [1, 3, 3, 4], dtype: 'float32' },
        { name: 'a', shape: [1, 3, 3, 2], dtype: 'float32' },
        { name: 'b', shape: [1, 3, 3, 2], dtype: 'float32' },
      ],
      ops: [{ kind: 'Split', name: 'sp', inputs: [0, 1], outputs: [2, 3], axis: 3, sizes: [2, 2] }],
      inputs: [1],
      outputs: [2, 3],
    };
    const { graph } = await checkQuantized(g);
    expect(graph.tensors[2]!.quant).toEqual(graph.tensors[1]!.quant);
    expect(graph.tensors[3]!.quant).toEqual(graph.tensors[1]!.quant);
  }, 120_000);
});
