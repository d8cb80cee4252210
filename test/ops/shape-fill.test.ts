/**
 * SHAPE and FILL as ops (when not folded: their output is a model output, or FILL's value comes
 * at run time): reference = host C = TFLite, hand-checked values, TFLM's refusals.
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/ops/registry.js';
import { validateGraph } from '../../src/ops/validate.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { runExact } from './op-helpers.js';

function shapeSpec(name: string, shape: number[], dtype: 'int8' | 'int16' | 'float32' = 'int8'): OpSpec {
  return { name, tensors: [{ shape, dtype, ...(dtype === 'int8' ? { q: [0.1, 0] as [number, number] } : {}) }, { shape: [shape.length], dtype: 'int32' }], op: { kind: 'Shape', inputs: [0], outputs: [1] } };
}

function fillSpec(name: string, dims: number[], dtype: 'int8' | 'int16' | 'int32' | 'float32'): OpSpec {
  const q: [number, number] | undefined = dtype === 'int8' ? [0.2, -3] : dtype === 'int16' ? [0.001, 0] : undefined;
  return {
    name,
    tensors: [
      { shape: [dims.length], dtype: 'int32', data: dims },
      { shape: [], dtype, ...(q ? { q } : {}) },
      { shape: dims, dtype, ...(q ? { q } : {}) },
    ],
    op: { kind: 'Fill', inputs: [0, 1], outputs: [2] },
  };
}

describe('Shape / Fill', () => {
  it('SHAPE gives the input dims as int32 (reference, host C, by hand)', async () => {
    const [y] = await runExact(shapeSpec('shape_hand', [1, 7, 5, 3]), [[new Int8Array(105)]]);
    expect(y![0]).toBeInstanceOf(Int32Array);
    expect(Array.from(y![0]!)).toEqual([1, 7, 5, 3]);
  }, 120_000);

  for (const [name, shape, dtype] of [
    ['shape_rank4_int8', [2, 3, 1, 4], 'int8'],
    ['shape_rank1_int16', [9], 'int16'],
  ] as const) {
    it(`${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(shapeSpec(name, [...shape], dtype), { samples: 2, seed: 81 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('FILL with a run-time value: every element is the value (reference, host C, by hand)', async () => {
    const [y] = await runExact(fillSpec('fill_hand', [2, 3], 'int8'), [[Int8Array.of(-77)]]);
    expect(Array.from(y![0]!)).toEqual([-77, -77, -77, -77, -77, -77]);
  }, 120_000);

  for (const [name, dims, dtype] of [
    ['fill_int8', [1, 4, 3], 'int8'],
    ['fill_int16', [5], 'int16'],
    ['fill_int32', [2, 2, 2], 'int32'],
  ] as const) {
    it(`${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(fillSpec(name, [...dims], dtype), { samples: 3, seed: 82 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('FILL float32: reference = TFLite exactly', async () => {
    const r = await checkOp(fillSpec('fill_f32', [3, 2], 'float32'), { samples: 2, seed: 83, host: false });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it("refuses what TFLM refuses: a non-int32 SHAPE output, FILL dims that are not the output's shape", () => {
    const s = shapeSpec('shape_i64', [2, 3]);
    s.tensors[1]!.dtype = 'int64';
    const g = buildGraph(s);
    expect(() => OPS.Shape.prepare(g, g.ops[0] as never)).toThrow(/output .* is int64; this kernel takes int32/);
    const f = buildGraph(fillSpec('fill_bad', [2, 3], 'int8'));
    f.tensors[0]!.data = Int32Array.of(3, 2);
    expect(() => validateGraph(f)).toThrow(/declared \[2,3\] but the op produces \[3,2\]/);
  });
});
