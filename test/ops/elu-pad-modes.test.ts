/**
 * ELU (int8 by TFLM's 256-entry table, float expm1), PADV2 (a constant pad value) and
 * MIRROR_PAD (REFLECT and SYMMETRIC): hand-computed values from TFLM's semantics, the harness
 * (single-op .tflite written by our writer; reference = host C byte for byte; TFLite through
 * tfjs-tflite) and quantization of float graphs holding them.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('ELU', () => {
  const hand: OpSpec = {
    name: 'elu_hand',
    tensors: [
      { shape: [5], dtype: 'int8', q: [0.05, 0] },
      { shape: [5], dtype: 'int8', q: [0.02, -60] },
    ],
    op: { kind: 'Elu', inputs: [0], outputs: [1] },
  };

  it('hand-computed int8 values (PopulateLookupTable: round(elu(in) / out_scale) + out_zp, clamped)', async () => {
    // x = 20 → 1.0 → 50 − 60 = −10; x = −20 → e^−1 − 1 = −0.63212 → round(−31.606) = −32 − 60 = −92;
    // x = 0 → −60; x = 127 → 6.35 → 317.5 → 318 − 60 → 127 (clamped); x = −128 → e^−6.4 − 1 = −0.99834 → −50 − 60 = −110.
    const x = [20, -20, 0, 127, -128];
    const { reference, host } = await runBoth(buildGraph(hand), [[typed(hand, 0, x)]]);
    expect(reference[0]).toEqual([-10, -92, -60, 127, -110]);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it.each([
    ['rank 4', [1, 5, 5, 4], [0.05, 10], [0.03, -80]],
    ['rank 1', [256], [0.02, -128], [0.04, -100]],
  ] as const)('%s: table C = reference; the real function within half a step (one at a .5 tie)', async (_n, shape, qi, qo) => {
    // The tfjs-tflite build registers ELU version 1 only (float): it refuses int8 ELU
    // (version 2), so the int8 check is against ELU computed in double precision.
    const r = await checkOp(
      {
        name: 'elu_s8',
        tensors: [
          { shape: [...shape], dtype: 'int8', q: [...qi] },
          { shape: [...shape], dtype: 'int8', q: [...qo] },
        ],
        op: { kind: 'Elu', inputs: [0], outputs: [1] },
      },
      { tflite: false },
    );
    let worst = 0;
    r.inputs.forEach((s, k) => {
      const x = s[0] as Int8Array;
      const y = r.reference[k]![0] as Int8Array;
      x.forEach((v, i) => {
        const real = qi[0] * (v - qi[1]);
        const want = Math.max(-128, Math.min(127, (real < 0 ? Math.expm1(real) : real) / qo[0] + qo[1]));
        worst = Math.max(worst, Math.abs(y[i]! - want));
      });
    });
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-4);
  }, 120_000);

  it('float: x < 0 ? expm1(x) : x; TFLite within float rounding', async () => {
    const r = await floatCheck({ name: 'elu_f32', tensors: [{ shape: [3, 7], dtype: 'float32' }, { shape: [3, 7], dtype: 'float32' }], op: { kind: 'Elu', inputs: [0], outputs: [1] } });
    const x = r.inputs[0]![0] as Float32Array;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, (v) => (v < 0 ? Math.fround(Math.expm1(v)) : v)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs!).toBeLessThanOrEqual(1e-6);
  }, 120_000);

  it('a float graph with ELU quantizes and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'elu_q',
      tensors: [
        { name: 'x', shape: [1, 4, 4, 3], dtype: 'float32' },
        { name: 'y', shape: [1, 4, 4, 3], dtype: 'float32' },
      ],
      ops: [{ kind: 'Elu', name: 'elu', inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.maxAbsError).toBeLessThan(2 * q.outputScale);
  }, 120_000);
});

describe('PADV2', () => {
  const spec = (value: number, q: [number, number]): OpSpec => ({
    name: 'padv2_s8',
    tensors: [
      { shape: [1, 3, 2, 2], dtype: 'int8', q },
      { shape: [4, 2], dtype: 'int32', data: [0, 0, 1, 0, 0, 2, 1, 0] },
      { shape: [], dtype: 'int8', q, data: [value] },
      { shape: [1, 4, 4, 3], dtype: 'int8', q },
    ],
    op: { kind: 'PadV2', inputs: [0, 1, 2], outputs: [3], paddings: [[0, 0], [1, 0], [0, 2], [1, 0]] },
  });

  it('hand-computed: padded elements hold the stored pad value, the rest the input', async () => {
    const s = spec(-77, [0.1, 5]);
    const x = Array.from({ length: 12 }, (_, i) => i - 6);
    const { reference, host } = await runBoth(buildGraph(s), [[typed(s, 0, x)]]);
    const want: number[] = [];
    for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) for (let c = 0; c < 3; c++) want.push(h >= 1 && w < 2 && c >= 1 ? x[((h - 1) * 2 + w) * 2 + (c - 1)]! : -77);
    expect(reference[0]).toEqual(want);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it('TFLite byte-identical', async () => {
    const r = await checkOp(spec(40, [0.05, -3]));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a value with other params than the output is refused (TFLM PadPrepare)', async () => {
    const s = spec(3, [0.1, 5]);
    s.tensors[2] = { shape: [], dtype: 'int8', q: [0.2, 5], data: [3] };
    await expect(checkOp(s)).rejects.toThrow(/constant_values must have the output's scale and zero point/);
  });

  it('a float graph with PADV2 (value 2) quantizes: the pad value takes the output params', async () => {
    const g: Graph = {
      name: 'padv2_q',
      tensors: [
        { name: 'x', shape: [1, 3, 3, 2], dtype: 'float32' },
        { name: 'p', shape: [4, 2], dtype: 'int32', data: Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]) },
        { name: 'v', shape: [], dtype: 'float32', data: Float32Array.of(2) },
        { name: 'y', shape: [1, 5, 5, 2], dtype: 'float32' },
      ],
      ops: [{ kind: 'PadV2', name: 'pad', inputs: [0, 1, 2], outputs: [3], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] }],
      inputs: [0],
      outputs: [3],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.maxAbsError).toBeLessThanOrEqual(q.outputScale / 2 + 1e-6);
  }, 120_000);
});

describe('MIRROR_PAD', () => {
  const spec = (mode: 'reflect' | 'symmetric', paddings: [number, number][], shape: number[], dtype: 'int8' | 'float32' = 'int8'): OpSpec => ({
    name: `mirror_pad_${mode}`,
    tensors: [
      { shape, dtype, ...(dtype === 'int8' ? { q: [0.1, 3] as [number, number] } : {}) },
      { shape: [shape.length, 2], dtype: 'int32', data: paddings.flat() },
      { shape: shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]), dtype, ...(dtype === 'int8' ? { q: [0.1, 3] as [number, number] } : {}) },
    ],
    op: { kind: 'MirrorPad', inputs: [0, 1], outputs: [2], paddings, mode },
  });

  it('hand-computed on [1,2,3,1]: REFLECT skips the edge, SYMMETRIC repeats it', async () => {
    const x = [1, 2, 3, 4, 5, 6]; // rows [1 2 3], [4 5 6]
    const r = spec('reflect', [[0, 0], [1, 0], [2, 1], [0, 0]], [1, 2, 3, 1]);
    const a = await runBoth(buildGraph(r), [[typed(r, 0, x)]]);
    // Rows: reflect of row 0 is row 1; columns c = [3 2 | 1 2 3 | 2].
    expect(a.reference[0]).toEqual([6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
    expect(a.host[0]).toEqual(a.reference[0]);
    const s = spec('symmetric', [[0, 0], [1, 1], [2, 1], [0, 0]], [1, 2, 3, 1]);
    const b = await runBoth(buildGraph(s), [[typed(s, 0, x)]]);
    // Rows [r0 | r0 r1 | r1], columns [2 1 | 1 2 3 | 3].
    expect(b.reference[0]).toEqual([2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 5, 4, 4, 5, 6, 6, 5, 4, 4, 5, 6, 6]);
    expect(b.host[0]).toEqual(b.reference[0]);
  }, 120_000);

  it.each([
    ['reflect rank 4', 'reflect', [[0, 0], [2, 1], [1, 3], [1, 1]], [1, 4, 5, 3]],
    ['symmetric rank 3', 'symmetric', [[1, 2], [0, 3], [2, 0]], [3, 4, 2]],
    ['reflect rank 2', 'reflect', [[1, 1], [3, 2]], [2, 5]],
  ] as const)('%s: C = reference; TFLite byte-identical', async (_n, mode, paddings, shape) => {
    const r = await checkOp(spec(mode, paddings.map((p) => [...p] as [number, number]), [...shape]));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('float: TFLite equal', async () => {
    const r = await floatCheck(spec('reflect', [[0, 0], [2, 1], [1, 2], [0, 1]], [1, 3, 4, 2], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('REFLECT wider than size − 1 is refused', async () => {
    await expect(checkOp(spec('reflect', [[0, 0], [2, 0], [0, 0], [0, 0]], [1, 2, 2, 1]))).rejects.toThrow(/at most 1/);
  });
});
