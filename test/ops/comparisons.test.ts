/**
 * EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, LOGICAL_AND, LOGICAL_OR,
 * LOGICAL_NOT: hand-computed int8 rescaling (TFLM ComparisonWithScaling), seeded int8, int32 and
 * bool inputs with broadcasting through the harness (reference = host C) against TFLite and the
 * float kernels.
 */
import { describe, expect, it } from 'vitest';
import { opDef } from '../../src/ops/registry.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';

type Kind = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual';
const KINDS: Kind[] = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual'];
const JS: Record<Kind, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b,
  NotEqual: (a, b) => a !== b,
  Less: (a, b) => a < b,
  LessEqual: (a, b) => a <= b,
  Greater: (a, b) => a > b,
  GreaterEqual: (a, b) => a >= b,
};

function cmp(kind: string, a: number[], b: number[], out: number[], dtype: 'int8' | 'int32' | 'float32' | 'bool', qa?: [number, number], qb?: [number, number]): OpSpec {
  return {
    name: `${kind.toLowerCase()}_${dtype}`,
    tensors: [
      { shape: a, dtype, ...(qa ? { q: qa } : {}) },
      { shape: b, dtype, ...(qb ? { q: qb } : {}) },
      { shape: out, dtype: 'bool' },
    ],
    op: { kind, inputs: [0, 1], outputs: [2] },
  } as OpSpec;
}

describe('int8 comparisons rescale each input by its own scale', () => {
  it('hand-computed: 0.3 (scale 0.3) equals 0.3 (scale 0.1) after rescaling; orderings by real value', async () => {
    // scale 0.3 → multiplier 1288490189, shift −1: (1 << 8) → SRDHM 154 → RDBPOT(·, 1) = 77.
    // scale 0.1 → multiplier 1717986918, shift −3: (3 << 8) → SRDHM 614 → RDBPOT(·, 3) = 77. Equal.
    // x1 = 2 (0.6) vs x2 = 5 (0.5): 154 vs 128 → greater. x1 = −1 (−0.3) vs x2 = 0: less.
    // The raw values would order 2 < 5 the other way: the rescaling is what is tested.
    const spec = cmp('Equal', [3], [3], [3], 'int8', [0.3, 0], [0.1, 0]);
    for (const [kind, want] of [
      ['Equal', [1, 0, 0]],
      ['Greater', [0, 1, 0]],
      ['LessEqual', [1, 0, 1]],
      ['NotEqual', [0, 1, 1]],
    ] as const) {
      const s = { ...spec, op: { ...spec.op, kind } } as OpSpec;
      const { reference, host } = await runBoth(buildGraph(s), [[typed(s, 0, [1, 2, -1]), typed(s, 1, [3, 5, 0])]]);
      expect(reference[0]).toEqual([...want]);
      expect(host[0]).toEqual(reference[0]);
    }
  }, 120_000);

  it.each(KINDS)('%s: broadcasting [2,1,4,3] vs [4,1], different parameters; host C = reference, TFLite equal', async (kind) => {
    const r = await checkOp(cmp(kind, [2, 1, 4, 3], [4, 1], [2, 1, 4, 3], 'int8', [0.05, -3], [0.04, 7]));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('equal shapes rank 1 with shared parameters: the raw values decide', async () => {
    const r = await checkOp(cmp('GreaterEqual', [33], [33], [33], 'int8', [0.02, 5], [0.02, 5]));
    r.inputs.forEach((s, k) => expect(Array.from(r.reference[k]![0]!)).toEqual(Array.from(s[0]!, (v, i) => (v >= s[1]![i]! ? 1 : 0))));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('an input scale ≥ 1 is refused (QuantizeMultiplierSmallerThanOneExp)', () => {
    const g = buildGraph(cmp('Less', [2], [2], [2], 'int8', [1.5, 0], [0.1, 0]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/scale 1\.5.*\(0, 1\)/);
  });
});

describe('int32 and float comparisons', () => {
  it.each(KINDS)('%s int32 with a scalar-like [1] operand: raw values; TFLite equal', async (kind) => {
    const r = await checkOp(cmp(kind, [3, 5], [1], [3, 5], 'int32'));
    r.inputs.forEach((s, k) => expect(Array.from(r.reference[k]![0]!)).toEqual(Array.from(s[0]!, (v) => (JS[kind](v, s[1]![0]!) ? 1 : 0))));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it.each(KINDS)('%s float32 with broadcasting; TFLite equal', async (kind) => {
    const r = await floatCheck(cmp(kind, [2, 3, 4], [3, 1], [2, 3, 4], 'float32'));
    const [a, b] = r.inputs[0]! as Float32Array[];
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(a!, (v, i) => (JS[kind](v, b![Math.floor(i / 4) % 3]!) ? 1 : 0)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);
});

describe('logical ops (bool)', () => {
  it('hand-computed AND / OR / NOT; any non-zero byte is true', async () => {
    const and = cmp('LogicalAnd', [4], [4], [4], 'bool');
    const a = await runBoth(buildGraph(and), [[typed(and, 0, [0, 1, 0, 7]), typed(and, 1, [0, 0, 1, 1])]]);
    expect(a.reference[0]).toEqual([0, 0, 0, 1]);
    expect(a.host[0]).toEqual(a.reference[0]);
    const or = { ...and, op: { ...and.op, kind: 'LogicalOr' } } as OpSpec;
    const o = await runBoth(buildGraph(or), [[typed(or, 0, [0, 1, 0, 7]), typed(or, 1, [0, 0, 1, 1])]]);
    expect(o.reference[0]).toEqual([0, 1, 1, 1]);
    expect(o.host[0]).toEqual(o.reference[0]);
    const not: OpSpec = { name: 'not', tensors: [{ shape: [3], dtype: 'bool' }, { shape: [3], dtype: 'bool' }], op: { kind: 'LogicalNot', inputs: [0], outputs: [1] } };
    const n = await runBoth(buildGraph(not), [[typed(not, 0, [0, 1, 9])]]);
    expect(n.reference[0]).toEqual([1, 0, 0]);
    expect(n.host[0]).toEqual(n.reference[0]);
  }, 120_000);

  it.each(['LogicalAnd', 'LogicalOr', 'Equal', 'NotEqual'])('%s bool with broadcasting: host C = reference, TFLite equal', async (kind) => {
    const r = await checkOp(cmp(kind, [2, 1, 5], [3, 1], [2, 3, 5], 'bool'));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('LOGICAL_NOT rank 3: host C = reference, TFLite equal', async () => {
    const r = await checkOp({ name: 'logical_not', tensors: [{ shape: [2, 3, 4], dtype: 'bool' }, { shape: [2, 3, 4], dtype: 'bool' }], op: { kind: 'LogicalNot', inputs: [0], outputs: [1] } });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('LESS on bool inputs is refused (TFLM takes bool in EQUAL and NOT_EQUAL only)', () => {
    const g = buildGraph(cmp('Less', [2], [2], [2], 'bool'));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/int8 or int32/);
  });
});

// Quantization of a float graph with a comparison: test/ops/select.test.ts (a bool graph output
// has no int8 parameters for the quantizer's fidelity report, so the comparison feeds a select).
