/**
 * SELECT_V2 and SELECT: hand-computed picks, int8/int16 with three-way broadcasting through the
 * harness (reference = host C) against TFLite, float, SELECT's rank-1 condition, the refusals,
 * and quantization of a float graph where a comparison drives the select.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { roundHalfAway } from '../../src/numerics/fixed-point.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';

function sel(kind: 'Select' | 'SelectV2', c: number[], x: number[], y: number[], out: number[], dtype: 'int8' | 'int16' | 'float32', q?: [number, number]): OpSpec {
  const qq = q ? { q } : {};
  return {
    name: `${kind.toLowerCase()}_${dtype}`,
    tensors: [
      { shape: c, dtype: 'bool' },
      { shape: x, dtype, ...qq },
      { shape: y, dtype, ...qq },
      { shape: out, dtype, ...qq },
    ],
    op: { kind, inputs: [0, 1, 2], outputs: [3] },
  } as OpSpec;
}

describe('SELECT_V2', () => {
  it('hand-computed: condition [2,1] broadcast over x [2,3] and a y of shape [3]', async () => {
    const spec = sel('SelectV2', [2, 1], [2, 3], [3], [2, 3], 'int8', [0.1, 0]);
    const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, [1, 0]), typed(spec, 1, [1, 2, 3, 4, 5, 6]), typed(spec, 2, [-7, -8, -9])]]);
    expect(reference[0]).toEqual([1, 2, 3, -7, -8, -9]);
    expect(host[0]).toEqual(reference[0]);
  }, 120_000);

  it.each([
    ['int8 [2,1,4,1] ? [1,3,1,5] : [5]', [2, 1, 4, 1], [1, 3, 1, 5], [5], [2, 3, 4, 5], 'int8'],
    ['int8 same shapes rank 5 (flat)', [2, 1, 2, 3, 2], [2, 1, 2, 3, 2], [2, 1, 2, 3, 2], [2, 1, 2, 3, 2], 'int8'],
  ] as const)('%s: host C = reference, TFLite equal', async (_n, c, x, y, out, dtype) => {
    const r = await checkOp(sel('SelectV2', [...c], [...x], [...y], [...out], dtype, [0.05, 0]));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('int16 [3,1] ? [3,4] : [1,4]: host C = reference, each output value x or y by the condition', async () => {
    // The tfjs-tflite build has no SELECT_V2 version 2 (int16) kernel, so the oracle here is the
    // definition itself, stated per element.
    const r = await checkOp(sel('SelectV2', [3, 1], [3, 4], [1, 4], [3, 4], 'int16', [0.05, 0]), { tflite: false });
    r.inputs.forEach((s, k) => {
      const [c, x, y] = s;
      expect(Array.from(r.reference[k]![0]!)).toEqual(Array.from(x!, (v, i) => (c![Math.floor(i / 4)] ? v : y![i % 4]!)));
    });
  }, 120_000);

  it('float32 with broadcasting; TFLite equal', async () => {
    const r = await floatCheck(sel('SelectV2', [4, 1], [4, 3], [3], [4, 3], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('int8 x and y with different parameters are refused (TFLM copies raw values)', () => {
    const spec = sel('SelectV2', [2], [2], [2], [2], 'int8', [0.1, 0]);
    spec.tensors[2]!.q = [0.2, 0];
    const g = buildGraph(spec);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/must share quantization/);
  });

  it('a float graph where(x > 0.25, x, 0.1·x) quantizes (comparison, mul, select); the int8 result runs (host C = reference) and follows the float graph', async () => {
    const g: Graph = {
      name: 'select_q',
      tensors: [
        { name: 'x', shape: [1, 64], dtype: 'float32' },
        // A threshold of exactly 0 would be a constant of scale 1, which TFLM's comparison refuses.
        { name: 'threshold', shape: [1], dtype: 'float32', data: Float32Array.of(0.25) },
        { name: 'c', shape: [1, 64], dtype: 'bool' },
        { name: 'k', shape: [1], dtype: 'float32', data: Float32Array.of(0.1) },
        { name: 'xk', shape: [1, 64], dtype: 'float32' },
        { name: 'y', shape: [1, 64], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Greater', name: 'gt', inputs: [0, 1], outputs: [2] },
        { kind: 'Mul', name: 'mul', inputs: [0, 3], outputs: [4], activation: 'none' },
        { kind: 'SelectV2', name: 'sel', inputs: [2, 0, 4], outputs: [5] },
      ],
      inputs: [0],
      outputs: [5],
    };
    const { graph: q } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(32, 64, 1) });
    expect(q.ops.map((o) => o.kind)).toEqual(['Greater', 'Mul', 'SelectV2']);
    expect(q.tensors[q.ops[0]!.inputs[0]!]!.dtype).toBe('int8');
    const qi = q.tensors[q.inputs[0]!]!.quant!;
    const qo = q.tensors[q.outputs[0]!]!.quant!;
    const [si, zi, so, zo] = [qi.scale[0]!, qi.zeroPoint[0]!, qo.scale[0]!, qo.zeroPoint[0]!];
    const holdout = syntheticSamples(6, 64, 2).samples;
    const int8 = holdout.map((x) => [Int8Array.from(x, (v) => Math.max(-128, Math.min(127, roundHalfAway(v / si) + zi)))]);
    const { reference, host } = await runBoth(q, int8, 'select_q_int8');
    expect(host).toEqual(reference);
    let checked = 0;
    holdout.forEach((x, k) => {
      const want = runGraph(g, [Float32Array.from(x)])[0]! as Float32Array;
      x.forEach((v, i) => {
        // Away from the threshold by more than an input step the int8 comparison picks the float
        // branch; the value is then x or 0.1·x rounded to the shared scale (the input's half step
        // plus the Mul's own rounding: at most one output step).
        if (Math.abs(v - 0.25) <= si || v < -128 * si || v > 127 * si) return;
        checked++;
        expect(Math.abs((reference[k]![i]! - zo) * so - want[i]!)).toBeLessThanOrEqual(1.01 * so);
      });
    });
    expect(checked).toBeGreaterThan(300);
  }, 120_000);
});

describe('SELECT (v1)', () => {
  it('float32 rank-1 condition over the first dimension (RankOneSelect); TFLite equal', async () => {
    const r = await floatCheck(sel('Select', [3], [3, 4], [3, 4], [3, 4], 'float32'));
    const [c, x, y] = r.inputs[0]! as Float32Array[];
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x!, (v, i) => (c![Math.floor(i / 4)] ? v : y![i]!)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('int8 SELECT is refused: TFLM registers SELECT_V2 only', () => {
    const g = buildGraph(sel('Select', [2], [2], [2], [2], 'int8', [0.1, 0]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM has no SELECT kernel/);
  });
});
