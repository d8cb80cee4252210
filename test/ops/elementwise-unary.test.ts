/**
 * ABS, NEG, SQUARE, SQRT, EXP, LOG, FLOOR, CEIL, ROUND, RELU_N1_TO_1, RELU_0_TO_1: the int8 ABS (hand-computed values, the
 * 256-entry table through the harness against TFLite, quantization of a float graph), the
 * float kernels against hand-computed values and TFLite, and the refusal of the integer forms
 * TFLM has no kernel for.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

const unary = (kind: string, shape: number[], dtype: 'int8' | 'int16' | 'float32', qi?: [number, number], qo?: [number, number]): OpSpec =>
  ({
    name: `${kind.toLowerCase()}_${dtype}`,
    tensors: [
      { shape, dtype, ...(qi ? { q: qi } : {}) },
      { shape, dtype, ...(qo ? { q: qo } : {}) },
    ],
    op: { kind, inputs: [0], outputs: [1] },
  }) as OpSpec;

describe('ABS int8', () => {
  it('hand-computed values: shared scale (no rescale) and a rescaled output', async () => {
    // Same scale 0.1, in zp 10, out zp −128: out = |x − 10| − 128, clamped to 127.
    const same = unary('Abs', [6], 'int8', [0.1, 10], [0.1, -128]);
    const a = await runBoth(buildGraph(same), [[typed(same, 0, [10, 11, 9, -128, 127, 0])]]);
    expect(a.reference[0]).toEqual([-128, -127, -127, 10, -11, -118]);
    expect(a.host[0]).toEqual(a.reference[0]);
    // in 0.1 zp 0, out 0.2 zp −128: multiplier 0.5 → MBQM(v, 2^30, 0) = round-half-up(v / 2)
    // (TFLite's MBQM rounds halves away from zero for v ≥ 0): |−3| = 3 → 2, |5| → 3, 128 → 64.
    const half = unary('Abs', [5], 'int8', [0.1, 0], [0.2, -128]);
    const b = await runBoth(buildGraph(half), [[typed(half, 0, [-3, 5, -128, 0, 1])]]);
    expect(b.reference[0]).toEqual([2 - 128, 3 - 128, 64 - 128, -128, 1 - 128]);
    expect(b.host[0]).toEqual(b.reference[0]);
  }, 120_000);

  it.each([
    ['rank 4, shared parameters', [1, 3, 4, 5], [0.05, 3], [0.05, 3]],
    ['rank 1, rescaled output', [37], [0.02, -20], [0.013, -128]],
    ['rank 2, output scale below the input scale', [3, 7], [0.1, 0], [0.07, -100]],
  ] as const)('%s: table C = reference, TFLite byte-identical', async (_n, shape, qi, qo) => {
    const r = await checkOp(unary('Abs', [...shape], 'int8', [...qi], [...qo]));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a float graph with ABS quantizes and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'abs_q',
      tensors: [
        { name: 'x', shape: [1, 4, 4, 3], dtype: 'float32' },
        { name: 'y', shape: [1, 4, 4, 3], dtype: 'float32' },
      ],
      ops: [{ kind: 'Abs', name: 'abs', inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.graph.ops[0]!.kind).toBe('Abs');
    // Input rounding (half an input step) plus output rounding (half an output step).
    expect(q.maxAbsError).toBeLessThanOrEqual(1.01 * q.outputScale + 0.5 * q.graph.tensors[q.graph.inputs[0]!]!.quant!.scale[0]!);
  }, 120_000);
});

describe('ABS int16 (16x8)', () => {
  it('hand-computed: same scale (|−32768| clamps to 32767) and a halving rescale (rounds half away)', async () => {
    const same = unary('Abs', [4], 'int16', [0.01, 0], [0.01, 0]);
    const a = await runBoth(buildGraph(same), [[typed(same, 0, [-32768, -5, 7, 0])]]);
    expect(a.reference[0]).toEqual([32767, 5, 7, 0]);
    expect(a.host[0]).toEqual(a.reference[0]);
    // Multiplier 0.01 / 0.02 = 0.5 (2^30, shift 0): MBQM(v) = v / 2 rounded half away from zero.
    const half = unary('Abs', [4], 'int16', [0.01, 0], [0.02, 0]);
    const b = await runBoth(buildGraph(half), [[typed(half, 0, [-32768, -3, 5, 2])]]);
    expect(b.reference[0]).toEqual([16384, 2, 3, 1]);
    expect(b.host[0]).toEqual(b.reference[0]);
  }, 120_000);

  it.each([
    ['rank 3, output scale 0.7× the input', [2, 5, 7], 0.0007],
    ['rank 1, output scale twice the input', [33], 0.002],
  ] as const)('%s: host C = reference, TFLite byte-identical, |x| rescaled within half a step', async (_n, shape, outScale) => {
    const r = await checkOp(unary('Abs', [...shape], 'int16', [0.001, 0], [outScale, 0]));
    r.inputs.forEach((s, k) => r.reference[k]![0]!.forEach((v, i) => expect(Math.abs(v - Math.min(32767, (Math.abs(s[0]![i]!) * 0.001) / outScale))).toBeLessThanOrEqual(0.5 + 1e-9)));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a non-zero int16 zero point is refused (TFLM requires 0)', () => {
    const spec = unary('Abs', [2], 'int16', [0.01, 3], [0.01, 0]);
    const g = buildGraph(spec);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/zero point 3/);
  });
});

describe('float-only ops refuse integer tensors as TFLM does', () => {
  it.each(['Neg', 'Square', 'Sqrt', 'Exp', 'Log', 'Floor', 'Ceil', 'Round'])('%s int8 is refused naming the TFLM kernel', (kind) => {
    const g = buildGraph(unary(kind, [4], 'int8', [0.1, 0], [0.1, 0]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/takes float32 only/);
  });
  it.each(['ReluN1To1', 'Relu0To1'])('%s int8 is refused: TFLM has no kernel', (kind) => {
    const g = buildGraph(unary(kind, [4], 'int8', [0.1, 0], [0.1, 0]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM has no RELU_[N0]1?_?TO_1 kernel/);
  });
});

describe('float kernels', () => {
  const f = Math.fround;
  const cases: [string, (x: number) => number, boolean][] = [
    ['Abs', (x) => Math.abs(x), false],
    ['Neg', (x) => -x, false],
    ['Square', (x) => f(x * x), false],
    ['Sqrt', (x) => f(Math.sqrt(x)), true],
    ['Exp', (x) => f(Math.exp(x)), false],
    ['Log', (x) => f(Math.log(x)), true],
    ['Floor', Math.floor, false],
    ['Ceil', Math.ceil, false],
    ['ReluN1To1', (x) => Math.min(1, Math.max(-1, x)), false],
    ['Relu0To1', (x) => Math.min(1, Math.max(0, x)), false],
  ];
  it.each(cases)('%s: float32 per element; TFLite equal', async (kind, fn, positive) => {
    const r = await floatCheck(unary(kind, [2, 3, 5], 'float32'), { positive });
    const x = r.inputs[0]![0] as Float32Array;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, fn));
    // EXP and LOG: TFLite's kernels call the C library's expf/logf, correctly rounded on these
    // inputs like the float64 function rounded to float32 here.
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('ROUND rounds halves to even (round.h RoundToNearest); FLOOR and CEIL by hand; TFLite equal', async () => {
    // −0.5: floor −1 is odd, so −1 + 1 = +0 (C float addition), not −0.
    const x = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -3.7, 7, 0.50001];
    for (const [kind, want] of [
      ['Round', [0, 2, 2, 0, -2, -2, 2, -4, 7, 1]],
      ['Floor', [0, 1, 2, -1, -2, -3, 2, -4, 7, 0]],
      ['Ceil', [1, 2, 3, -0, -1, -2, 3, -3, 7, 1]],
    ] as const) {
      const spec = unary(kind, [x.length], 'float32');
      const g = buildGraph(spec);
      const { runGraph } = await import('../../src/reference/interpreter.js');
      expect(Array.from(runGraph(g, [Float32Array.from(x)])[0]!)).toEqual([...want]);
    }
    const r = await floatCheck(unary('Round', [4, 16], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('SQRT and LOG of negative inputs are NaN, LOG(0) is −∞ (std::sqrt, std::log)', async () => {
    const { runGraph } = await import('../../src/reference/interpreter.js');
    const g = buildGraph(unary('Log', [3], 'float32'));
    expect(Array.from(runGraph(g, [Float32Array.of(-1, 0, 1)])[0]!)).toEqual([NaN, -Infinity, 0]);
    const s = buildGraph(unary('Sqrt', [2], 'float32'));
    expect(Array.from(runGraph(s, [Float32Array.of(-4, 4)])[0]!)).toEqual([NaN, 2]);
  });
});
