/**
 * The `tf` entries of the data-movement ops (batched float execution for teacher outputs):
 * a float chain Transpose → StridedSlice → Slice → Gather → ExpandDims → Squeeze → Split →
 * Pack → Reshape runs on tfjs over a batch of samples and equals the reference interpreter
 * sample by sample exactly (these ops only move values).
 */
import { describe, expect, it } from 'vitest';
import { loadTf } from '../../src/distill/tf.js';
import { runGraphTf, tfGraphSupport } from '../../src/distill/tf-graph.js';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';

const i32 = (name: string, v: number[], shape = [v.length]) => ({ name, shape, dtype: 'int32' as const, data: Int32Array.from(v) });
const act = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' as const });

function chain(): Graph {
  return {
    name: 'moves',
    tensors: [
      act('x', [1, 4, 6]), // 0
      i32('perm', [0, 2, 1]), // 1
      act('t', [1, 6, 4]), // 2
      i32('b', [0, 1, 0]), // 3
      i32('e', [0, 5, 4]), // 4
      i32('s', [1, 2, 1]), // 5
      act('ss', [1, 2, 4]), // 6
      i32('sb', [0, 0, 1]), // 7
      i32('sz', [-1, -1, 2]), // 8
      act('sl', [1, 2, 2]), // 9
      i32('idx', [1, 0, 1]), // 10
      act('ga', [1, 2, 3]), // 11
      i32('ax', [-1], [1]), // 12
      act('ex', [1, 2, 3, 1]), // 13
      act('sq', [1, 2, 3]), // 14
      i32('split_axis', [1], []), // 15
      act('p0', [1, 1, 3]), // 16
      act('p1', [1, 1, 3]), // 17
      act('pk', [1, 1, 3, 2]), // 18
      i32('shape', [1, 6]), // 19
      act('y', [1, 6]), // 20
    ],
    ops: [
      { kind: 'Transpose', name: 'tr', inputs: [0, 1], outputs: [2], perm: [0, 2, 1] },
      { kind: 'StridedSlice', name: 'ss', inputs: [2, 3, 4, 5], outputs: [6], begin: [0, 1, 0], end: [0, 5, 4], strides: [1, 2, 1], beginMask: 1, endMask: 1, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false },
      { kind: 'Slice', name: 'sl', inputs: [6, 7, 8], outputs: [9], begin: [0, 0, 1], size: [-1, -1, 2] },
      { kind: 'Gather', name: 'ga', inputs: [9, 10], outputs: [11], axis: 2, batchDims: 0 },
      { kind: 'ExpandDims', name: 'ex', inputs: [11, 12], outputs: [13], axis: -1 },
      { kind: 'Squeeze', name: 'sq', inputs: [13], outputs: [14], squeezeDims: [3] },
      { kind: 'Split', name: 'sp', inputs: [15, 14], outputs: [16, 17], axis: 1, sizes: [1, 1] },
      { kind: 'Pack', name: 'pk', inputs: [16, 17], outputs: [18], axis: 3, count: 2 },
      { kind: 'Reshape', name: 'rs', inputs: [18, 19], outputs: [20], newShape: [1, 6] },
    ],
    inputs: [0],
    outputs: [20],
  };
}

describe('data-movement ops on tfjs', async () => {
  const { tf } = await loadTf();

  it('a batch of 5 through the chain equals the reference interpreter sample by sample', () => {
    const g = chain();
    expect(tfGraphSupport(g)).toBeUndefined();
    const r = mulberry32(3);
    const n = 5;
    const x = Float32Array.from({ length: n * 24 }, () => r() * 8 - 4);
    const got = runGraphTf(tf, g, x, n, { batchSize: 2 });
    for (let i = 0; i < n; i++) {
      const want = runGraph(g, [x.slice(i * 24, (i + 1) * 24)])[0]!;
      expect(Array.from(got.subarray(i * 6, (i + 1) * 6))).toEqual(Array.from(want));
    }
  });
});
