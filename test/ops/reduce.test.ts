/**
 * SUM and REDUCE_MAX (src/ops/reduce.ts, kernel reduce_s8.c shared with MEAN): hand-computed
 * TFLM values, then single-op models on seeded inputs (reference == host C byte for byte,
 * TFLite byte-identical where its SUM is the same float32 QuantizedMeanOrSum, wrap included;
 * with equal input and output params TFLite sums raw int8 values instead, shown below),
 * ranks 1 to 4, negative and several axes, keep_dims both ways, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { TinymlError } from '../../src/errors.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { opDef } from '../../src/ops/registry.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, runTflite, type OpSpec } from './harness.js';

const T = 180_000;

function sumSpec(name: string, shape: number[], axesData: number[], axes: number[], keepDims: boolean, out: number[], inQ: [number, number], outQ: [number, number], kind: 'Sum' | 'ReduceMax' = 'Sum'): OpSpec {
  return {
    name,
    tensors: [
      { shape, dtype: 'int8', q: inQ },
      { shape: [axesData.length], dtype: 'int32', data: axesData },
      { shape: out, dtype: 'int8', q: outQ },
    ],
    op: { kind, inputs: [0, 1], outputs: [2], axes, keepDims },
  };
}

describe('SUM int8', () => {
  it('matches values computed by hand from TFLM QuantizedMeanOrSum (compute_sum): float32 steps, round half away, wrap', () => {
    // in scale 0.5 zp 1, out scale 1 zp -2, sum over 3 elements: scale 0.5, bias = -1·0.5·3 = -1.5.
    const g = buildGraph(sumSpec('sum_hand', [3, 3], [1], [1], false, [3], [0.5, 1], [1, -2]));
    const out = runGraph(g, [Int8Array.from([3, -4, 10, 127, 127, 127, 0, 0, 0])])[0]!;
    // row 0: 9·0.5 − 1.5 = 3 → 3 − 2 = 1; row 1: 381·0.5 − 1.5 = 189 → 187, which TFLM's
    // static_cast<int8_t> wraps to −69 (no clamp); row 2: −1.5 rounds half away to −2 → −4.
    expect(Array.from(out)).toEqual([1, -69, -4]);
  });

  const cases: OpSpec[] = [
    sumSpec('sum_hw_keep', [2, 3, 4, 5], [1, 2], [1, 2], true, [2, 1, 1, 5], [0.05, 3], [0.4, -5]),
    // A small output scale: many sums leave int8 and wrap, in TFLite too.
    sumSpec('sum_wraps', [1, 3, 4, 5], [1, 2], [1, 2], true, [1, 1, 1, 5], [0.05, 3], [0.05, -5]),
    sumSpec('sum_neg_axis', [3, 1, 7], [-1], [2], false, [3, 1], [0.02, -7], [0.09, 4]),
    sumSpec('sum_rank1', [9], [0], [0], true, [1], [0.1, 0], [0.3, 1]),
    sumSpec('sum_all_rank2', [5, 6], [0, 1], [0, 1], true, [1, 1], [0.01, 12], [0.2, 0]),
    sumSpec('sum_batch_axis', [4, 2, 3], [0], [0], false, [2, 3], [0.03, -1], [0.04, -1]),
  ];
  for (const spec of cases) {
    it(`${spec.name}: reference == host C, TFLite byte-identical`, async () => {
      const r = await checkOp(spec, { samples: 8, seed: 3 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, T);
  }

  it('a scalar output (rank 1, keep_dims false): reference == host C', async () => {
    // tfjs-tflite cannot hand back a rank-0 tensor, so TFLite is not asked here.
    await checkOp(sumSpec('sum_scalar', [9], [0], [0], false, [], [0.1, 0], [0.3, 1]), { samples: 4, tflite: false });
  }, T);

  it('equal input and output params: TFLM still requantizes (zero points), TFLite adds raw int8 values', async () => {
    // TFLite's EvalSum takes EvalGeneric (a raw int8 sum that wraps) when the params are equal;
    // TFLM always runs QuantizedMeanOrSum: round(Σq · 1 − zp · n) + zp = Σq − zp · (n − 1), here
    // Σq + 3 (zp −1, n 4), wrapped.
    const spec = sumSpec('sum_same_params', [4, 2, 3], [0], [0], false, [2, 3], [0.03, -1], [0.03, -1]);
    const r = await checkOp(spec, { samples: 6, seed: 7, tflite: false });
    const wrap = (v: number) => (v << 24) >> 24;
    r.inputs.forEach((s, k) => {
      const x = s[0] as Int8Array;
      const raw = Array.from({ length: 6 }, (_, o) => x[o]! + x[o + 6]! + x[o + 12]! + x[o + 18]!);
      expect(Array.from(r.reference[k]![0]!)).toEqual(raw.map((v) => wrap(v + 3)));
    });
    if (HAVE_TFLITE) {
      const tf = await runTflite(r.tflite, r.inputs);
      tf.forEach((outs, k) => {
        const x = r.inputs[k]![0] as Int8Array;
        expect(outs[0]).toEqual(Array.from({ length: 6 }, (_, o) => wrap(x[o]! + x[o + 6]! + x[o + 12]! + x[o + 18]!)));
      });
    }
  }, T);

  it('refuses an int8 SUM over three axes (TFLM resolves at most two), naming the op', () => {
    const g = buildGraph(sumSpec('sum3', [2, 3, 4, 5], [1, 2, 3], [1, 2, 3], false, [2], [0.05, 0], [0.5, 0]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(TinymlError);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/Sum 'sum3': an int8 SUM over 3 axes.*kMaxNumberOfReducedAxis/);
  });

  it('float: sums in input order; TFLite within float rounding of the summation order', async () => {
    const spec: OpSpec = {
      name: 'sum_float',
      tensors: [
        { shape: [2, 3, 4, 5], dtype: 'float32' },
        { shape: [2], dtype: 'int32', data: [1, 2] },
        { shape: [2, 5], dtype: 'float32' },
      ],
      op: { kind: 'Sum', inputs: [0, 1], outputs: [2], axes: [1, 2], keepDims: false },
    };
    const r = await checkFloatOp(spec);
    const x = r.inputs[0]![0]!;
    // Output (b=0, c=0) by hand: the 12 values of that block added in input order.
    let s = 0;
    for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) s = Math.fround(s + x[(h * 4 + w) * 5]!);
    expect(r.reference[0]![0]![0]).toBe(s);
    // TFLite's optimized reduction may add in another order: a few float32 ulps of the sum.
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(r.maxAbs[0]! * 1e-6);
  }, T);
});

describe('REDUCE_MAX int8', () => {
  it('is the largest raw value of each block (hand-checked)', () => {
    const g = buildGraph(sumSpec('max_hand', [2, 3], [1], [1], false, [2], [0.1, 0], [0.1, 0], 'ReduceMax'));
    expect(Array.from(runGraph(g, [Int8Array.from([1, -5, 3, -128, -128, -100])])[0]!)).toEqual([3, -100]);
  });

  const cases: OpSpec[] = [
    sumSpec('max_13', [2, 3, 4, 5], [1, -1], [1, 3], false, [2, 4], [0.05, 3], [0.05, 3], 'ReduceMax'),
    sumSpec('max_hw_keep', [1, 5, 6, 3], [1, 2], [1, 2], true, [1, 1, 1, 3], [0.02, -9], [0.02, -9], 'ReduceMax'),
    sumSpec('max_rank1', [11], [0], [0], true, [1], [0.1, 0], [0.1, 0], 'ReduceMax'),
    sumSpec('max_size1_dims', [1, 5, 1, 3], [-2], [2], true, [1, 5, 1, 3], [0.07, 2], [0.07, 2], 'ReduceMax'),
    sumSpec('max_three_axes', [2, 3, 4, 5], [0, 2, 3], [0, 2, 3], false, [3], [0.07, 2], [0.07, 2], 'ReduceMax'),
  ];
  for (const spec of cases) {
    it(`${spec.name}: reference == host C, TFLite byte-identical`, async () => {
      const r = await checkOp(spec, { samples: 8, seed: 5 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, T);
  }

  it('refuses output params that differ from the input (TFLM requires them equal)', () => {
    const g = buildGraph(sumSpec('max_params', [2, 3], [1], [1], false, [2], [0.1, 0], [0.2, 0], 'ReduceMax'));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/ReduceMax 'max_params': output params .* differ from the input's/);
  });

  it('float: starts from the lowest float, keeps the first of equal maxima; TFLite identical', async () => {
    const spec: OpSpec = {
      name: 'max_float',
      tensors: [
        { shape: [2, 3, 4], dtype: 'float32' },
        { shape: [1], dtype: 'int32', data: [-1] },
        { shape: [2, 3, 1], dtype: 'float32' },
      ],
      op: { kind: 'ReduceMax', inputs: [0, 1], outputs: [2], axes: [2], keepDims: true },
    };
    const r = await checkFloatOp(spec);
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    const g = r.imported;
    const y = runGraph(g, [Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, 1, NaN, 2, 0, ...new Array<number>(16).fill(-1)])])[0]!;
    // An all −inf block gives TFLM's init value, −FLT_MAX; NaN never wins a comparison.
    expect(y[0]).toBe(-3.4028234663852886e38);
    expect(y[1]).toBe(2);
  }, T);
});
