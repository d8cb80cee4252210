/**
 * SLICE: values by hand from reference_ops::Slice (begin + i per axis, size -1 = the rest),
 * TFLM's validation (begin in [0, dim], size within what remains), single-op parity
 * (reference = host C; TFLite byte-identical: a slice only moves elements) and the quantizer.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { sliceSizes } from '../../src/ops/slice.js';
import { checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';

function spec(name: string, shape: number[], begin: number[], size: number[], dtype: 'int8' | 'int16' | 'int32' | 'float32' = 'int8'): OpSpec {
  const sizes = sliceSizes(shape, begin, size);
  if (typeof sizes === 'string') throw new Error(sizes);
  const q: [number, number] | undefined = dtype === 'int8' ? [0.03, -5] : dtype === 'int16' ? [0.0004, 0] : undefined;
  return {
    name,
    tensors: [
      { shape, dtype, ...(q ? { q } : {}) },
      { shape: [begin.length], dtype: 'int32', data: begin },
      { shape: [size.length], dtype: 'int32', data: size },
      { shape: sizes, dtype, ...(q ? { q } : {}) },
    ],
    op: { kind: 'Slice', inputs: [0, 1, 2], outputs: [3], begin, size },
  };
}

describe('Slice', () => {
  it('hand-computed: [3,4] rows 1..2, columns 1..3 (size -1 = to the end)', async () => {
    const x = Int8Array.from({ length: 12 }, (_, i) => i);
    const [y] = await runExact(spec('hand', [3, 4], [1, 1], [2, -1]), [[x]]);
    expect(Array.from(y![0]!)).toEqual([5, 6, 7, 9, 10, 11]);
  }, 120_000);

  it("refuses what TFLM's GetValidatedBeginAndSizeVectors rejects", () => {
    expect(sliceSizes([4], [5], [0])).toMatch(/begin 5 is outside/);
    expect(sliceSizes([4], [-1], [1])).toMatch(/begin -1 is outside/);
    expect(sliceSizes([4], [1], [4])).toMatch(/runs past/);
    expect(sliceSizes([4, 2], [0], [1])).toMatch(/entries for a rank-2/);
    expect(sliceSizes([4], [4], [-1])).toEqual([0]);
  });

  const cases: [string, number[], number[], number[], 'int8' | 'int16' | 'int32'][] = [
    ['nhwc_crop', [1, 6, 7, 3], [0, 1, 2, 1], [1, 4, -1, 2], 'int8'],
    ['rank1', [9], [3], [5], 'int8'],
    ['int16_rank3', [3, 5, 4], [1, 0, 3], [2, 5, 1], 'int16'],
    ['rank5_int32', [2, 3, 2, 3, 2], [1, 1, 0, 1, 0], [1, 2, 2, -1, 1], 'int32'],
  ];
  for (const [name, shape, begin, size, dtype] of cases) {
    it(`${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(spec(name, shape, begin, size, dtype), { samples: 4, seed: 21 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('float32: reference = TFLite exactly', async () => {
    const r = await checkOp(spec('f32', [4, 5], [1, 2], [-1, 3], 'float32'), { samples: 3, seed: 5, host: false });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a float graph with Slice quantizes; int8 host C = reference; params shared', async () => {
    const g: Graph = {
      name: 'q_slice',
      tensors: [
        { name: 'x', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'b', shape: [4], dtype: 'int32', data: Int32Array.of(0, 1, 1, 0) },
        { name: 's', shape: [4], dtype: 'int32', data: Int32Array.of(1, 3, -1, 2) },
        { name: 'y', shape: [1, 3, 4, 2], dtype: 'float32' },
      ],
      ops: [{ kind: 'Slice', name: 'sl', inputs: [0, 1, 2], outputs: [3], begin: [0, 1, 1, 0], size: [1, 3, -1, 2] }],
      inputs: [0],
      outputs: [3],
    };
    const { graph } = await checkQuantized(g);
    expect(graph.tensors[3]!.quant).toEqual(graph.tensors[0]!.quant);
  }, 120_000);
});
