/**
 * SQUEEZE and EXPAND_DIMS: shapes by hand from TFLite's kernels (explicit, negative and
 * implicit squeeze dims; axis + rank + 1 for EXPAND_DIMS), single-op parity (reference = host C
 * = TFLite), aliasing in the planner (no copy when the input dies there), and the quantizer.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { expandAxis, squeezeShape } from '../../src/ops/squeeze-expand.js';
import { bufferRequests } from '../../src/plan/planner.js';
import { checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { checkQuantized } from './op-helpers.js';

type D = 'int8' | 'int16' | 'int32' | 'float32';
const qOf = (dtype: D): [number, number] | undefined => (dtype === 'int8' ? [0.04, 7] : dtype === 'int16' ? [0.0003, 0] : undefined);

function squeezeSpec(name: string, shape: number[], dims: number[], dtype: D = 'int8'): OpSpec {
  const out = squeezeShape(shape, dims);
  if (typeof out === 'string') throw new Error(out);
  const q = qOf(dtype);
  return { name, tensors: [{ shape, dtype, ...(q ? { q } : {}) }, { shape: out, dtype, ...(q ? { q } : {}) }], op: { kind: 'Squeeze', inputs: [0], outputs: [1], squeezeDims: dims } };
}

function expandSpec(name: string, shape: number[], axis: number, dtype: D = 'int8'): OpSpec {
  const a = expandAxis(axis, shape.length)!;
  const q = qOf(dtype);
  return {
    name,
    tensors: [{ shape, dtype, ...(q ? { q } : {}) }, { shape: [1], dtype: 'int32', data: [axis] }, { shape: [...shape.slice(0, a), 1, ...shape.slice(a)], dtype, ...(q ? { q } : {}) }],
    op: { kind: 'ExpandDims', inputs: [0, 1], outputs: [2], axis },
  };
}

describe('Squeeze / ExpandDims', () => {
  it('shapes by hand', () => {
    expect(squeezeShape([1, 3, 1, 2], [])).toEqual([3, 2]);
    expect(squeezeShape([1, 3, 1, 2], [-2])).toEqual([1, 3, 2]);
    expect(squeezeShape([1, 3, 1, 2], [0])).toEqual([3, 1, 2]);
    expect(squeezeShape([1, 3], [1])).toMatch(/size 3, not 1/);
    expect(squeezeShape([1, 3], [2])).toMatch(/out of range/);
    expect(expandAxis(-1, 3)).toBe(3);
    expect(expandAxis(-4, 3)).toBe(0);
    expect(expandAxis(0, 3)).toBe(0);
    expect(expandAxis(4, 3)).toBeUndefined();
  });

  const cases: [string, OpSpec][] = [
    ['squeeze_all_int8', squeezeSpec('squeeze_all_int8', [1, 1, 5, 1], [])],
    ['squeeze_neg_int16', squeezeSpec('squeeze_neg_int16', [2, 1, 3], [-2], 'int16')],
    ['expand_last_int8', expandSpec('expand_last_int8', [1, 4, 3], -1)],
    ['expand_front_int32', expandSpec('expand_front_int32', [5, 2], 0, 'int32')],
  ];
  for (const [name, s] of cases) {
    it(`${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(s, { samples: 3, seed: 51 });
      // A graph input cannot be aliased (it is the caller's buffer): the C copies it.
      expect(Array.from(r.host[0]![0]!)).toEqual(Array.from(r.inputs[0]![0]!));
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('float32: reference = TFLite exactly', async () => {
    const r = await checkOp(expandSpec('expand_f32', [3, 2], 1, 'float32'), { samples: 2, seed: 5, host: false });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('between two layers the planner aliases them (one buffer, no copy); quantized host C = reference', async () => {
    const g: Graph = {
      name: 'q_squeeze',
      tensors: [
        { name: 'x', shape: [1, 1, 4, 3], dtype: 'float32' },
        { name: 'r', shape: [1, 1, 4, 3], dtype: 'float32' },
        { name: 's', shape: [4, 3], dtype: 'float32' },
        { name: 'axis', shape: [1], dtype: 'int32', data: Int32Array.of(0) },
        { name: 'e', shape: [1, 4, 3], dtype: 'float32' },
        { name: 'y', shape: [1, 4, 3], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Squeeze', name: 'sq', inputs: [1], outputs: [2], squeezeDims: [0, 1] },
        { kind: 'ExpandDims', name: 'ex', inputs: [2, 3], outputs: [4], axis: 0 },
        { kind: 'Relu6', name: 'relu6', inputs: [4], outputs: [5] },
      ],
      inputs: [0],
      outputs: [5],
    };
    const { graph } = await checkQuantized(g);
    const b = bufferRequests(graph);
    expect([...b.aliasedReshapeOutputs].sort()).toEqual([2, 4]);
    expect(b.homes[4]).toEqual(b.homes[1]);
    expect(graph.tensors[4]!.quant).toEqual(graph.tensors[1]!.quant);
  }, 120_000);
});
