/**
 * ARG_MAX (src/ops/arg-max.ts, kernel arg_max_s8.c): hand-checked tie and NaN rules of TFLM's
 * ArgMinMax (GreaterFn: the first largest wins), then single-op models on seeded inputs
 * (reference == host C byte for byte, TFLite identical) along every axis position, size-1 axes
 * and rank 1 to 4, the refusals (int16 input, int64 output in int8 graphs), and the float
 * kernel with int32 and int64 outputs.
 */
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src/reference/interpreter.js';
import { opDef, usesFloatKernel } from '../../src/ops/registry.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';

const T = 180_000;

function spec(name: string, shape: number[], axisData: number, axis: number, out: number[], dtype: 'int8' | 'float32' | 'int16' = 'int8', outType: 'int32' | 'int64' = 'int32'): OpSpec {
  return {
    name,
    tensors: [
      { shape, dtype, ...(dtype === 'float32' ? {} : { q: [0.05, 3] as [number, number] }) },
      { shape: [1], dtype: 'int32', data: [axisData] },
      { shape: out, dtype: outType },
    ],
    op: { kind: 'ArgMax', inputs: [0, 1], outputs: [2], axis },
  };
}

describe('ARG_MAX', () => {
  it('takes the first of equal maxima (strictly greater replaces), by hand', () => {
    const g = buildGraph(spec('am_hand', [3, 4], 1, 1, [3]));
    expect(usesFloatKernel(g, g.ops[0]!)).toBe(false);
    const y = runGraph(g, [Int8Array.from([1, 7, 7, -3, -128, -128, -128, -128, -5, -4, 100, 101])])[0]!;
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([1, 0, 3]);
  });

  const cases: OpSpec[] = [
    spec('am_last', [2, 3, 7], 2, 2, [2, 3]),
    spec('am_first', [4, 5], 0, 0, [5]),
    spec('am_neg', [1, 4, 4, 6], -1, 3, [1, 4, 4]),
    spec('am_mid', [2, 5, 3, 2], 1, 1, [2, 3, 2]),
    spec('am_size1_axis', [2, 1, 3], 1, 1, [2, 3]),
  ];
  for (const s of cases) {
    it(`${s.name}: reference == host C (int32 indices), TFLite identical`, async () => {
      const r = await checkOp(s, { samples: 8, seed: 11 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
      if (s.name === 'am_size1_axis') expect(r.reference.every((o) => o[0]!.every((v) => v === 0))).toBe(true);
    }, T);
  }

  it('rank 1 to a scalar: reference == host C', async () => {
    await checkOp(spec('am_rank1', [13], 0, 0, []), { samples: 4, tflite: false });
  }, T);

  it('refuses what TFLM refuses: int16 input, int64 output', () => {
    for (const [s, msg] of [
      [spec('am_i16', [2, 3], 1, 1, [2], 'int16'), /ArgMax 'am_i16': input 't0' is int16; this kernel takes int8/],
      [spec('am_i64', [2, 3], 1, 1, [2], 'int8', 'int64'), /output 't2' is int64; TFLM's ARG_MAX writes int32 only/],
    ] as const) {
      const g = buildGraph(s);
      expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(msg);
    }
  });

  it('float: the float kernel is chosen from the input, NaN never wins, int32 and int64 outputs; TFLite identical', async () => {
    const r = await checkFloatOp(spec('am_float', [3, 6, 2], 1, 1, [3, 2], 'float32'));
    expect(usesFloatKernel(r.imported, r.imported.ops[0]!)).toBe(true);
    expect(r.reference[0]![0]).toBeInstanceOf(Int32Array);
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    // int64 indices (tfjs has no int64 tensors, so TFLite is not asked): the same indices.
    const g64 = buildGraph(spec('am_float_i64', [3, 6, 2], 1, 1, [3, 2], 'float32', 'int64'));
    r.inputs.forEach((x, k) => {
      const y = runGraph(g64, x)[0]!;
      expect(y).toBeInstanceOf(Float64Array);
      expect(Array.from(y)).toEqual(Array.from(r.reference[k]![0]!));
    });
    const g = buildGraph(spec('am_nan', [2, 3], 1, 1, [2], 'float32'));
    expect(Array.from(runGraph(g, [Float32Array.from([NaN, 5, 1, 2, NaN, 9])])[0]!)).toEqual([0, 2]);
  }, T);
});
