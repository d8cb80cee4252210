/**
 * BATCH_MATMUL (src/ops/batch-matmul.ts, kernel batch_matmul_s8.c): a product computed by hand
 * from TFLM's integer steps, then single-op models on seeded inputs (reference == host C byte for
 * byte, TFLite compared) with adj_x / adj_y, broadcast batch dims of different ranks, rank 2 to
 * 5, one constant operand, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src/reference/interpreter.js';
import { opDef } from '../../src/ops/registry.js';
import { randomInt8, rng } from '../codegen/c-harness.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec, type TensorSpec } from './harness.js';

const T = 180_000;

function spec(name: string, x: number[], y: number[], out: number[], adjX: boolean, adjY: boolean, o: { constY?: boolean; float?: boolean } = {}): OpSpec {
  const r = rng(name.length * 7 + 1);
  const yn = y.reduce((a, b) => a * b, 1);
  const depth = adjX ? x[x.length - 2]! : x[x.length - 1]!;
  const tensors: TensorSpec[] = o.float
    ? [
        { shape: x, dtype: 'float32' },
        { shape: y, dtype: 'float32', ...(o.constY ? { data: Array.from({ length: yn }, () => r() * 2 - 1) } : {}) },
        { shape: out, dtype: 'float32' },
      ]
    : [
        { shape: x, dtype: 'int8', q: [0.05, 3] },
        { shape: y, dtype: 'int8', q: [0.04, -2], ...(o.constY ? { data: Array.from(randomInt8(r, yn)) } : {}) },
        { shape: out, dtype: 'int8', q: [0.05 * 0.04 * 40 * Math.sqrt(depth), 1] },
      ];
  return { name, tensors, op: { kind: 'BatchMatMul', inputs: [0, 1], outputs: [2], adjX, adjY } };
}

describe('BATCH_MATMUL', () => {
  it('Σ (x − x_zp)(y − y_zp), MBQM, output zero point, by hand; adj_y reads Y transposed', () => {
    // x real [[1,0],[0,−1]] (scale 0.5, zp 1), y real [[1,2],[−1,3]] (scale 0.25), out scale 0.5:
    // accumulators [[8,16],[8,−24]] × (0.5·0.25/0.5 = 0.25) → [[2,4],[2,−6]].
    const tensors = (yData: number[]): TensorSpec[] => [
      { shape: [1, 2, 2], dtype: 'int8', q: [0.5, 1] },
      { shape: [1, 2, 2], dtype: 'int8', q: [0.25, 0], data: yData },
      { shape: [1, 2, 2], dtype: 'int8', q: [0.5, 0] },
    ];
    const x = Int8Array.from([3, 1, 1, -1]);
    const g = buildGraph({ name: 'bmm_hand', tensors: tensors([4, 8, -4, 12]), op: { kind: 'BatchMatMul', inputs: [0, 1], outputs: [2], adjX: false, adjY: false } });
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual([2, 4, 2, -6]);
    const gt = buildGraph({ name: 'bmm_hand_t', tensors: tensors([4, -4, 8, 12]), op: { kind: 'BatchMatMul', inputs: [0, 1], outputs: [2], adjX: false, adjY: true } });
    expect(Array.from(runGraph(gt, [x])[0]!)).toEqual([2, 4, 2, -6]);
  });

  const cases: OpSpec[] = [
    spec('bmm_bcast', [2, 3, 4], [1, 4, 5], [2, 3, 5], false, false),
    spec('bmm_adjx', [2, 4, 3], [2, 4, 5], [2, 3, 5], true, false),
    spec('bmm_adjy', [3, 6], [5, 6], [3, 5], false, true),
    spec('bmm_adjxy', [1, 2, 7, 3], [2, 1, 4, 7], [2, 2, 3, 4], true, true),
    spec('bmm_rank_mismatch', [2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2], false, false),
    spec('bmm_rank5', [2, 1, 2, 3, 4], [1, 2, 1, 4, 2], [2, 2, 2, 3, 2], false, false),
    spec('bmm_const_y', [1, 5, 8], [8, 3], [1, 5, 3], false, false, { constY: true }),
    spec('bmm_vectorish', [1, 1, 9], [1, 9, 1], [1, 1, 1], false, false),
  ];
  for (const s of cases) {
    it(`${s.name}: reference == host C, TFLite within 1`, async () => {
      const r = await checkOp(s, { samples: 6, seed: 19 });
      // tfjs-tflite's build requantizes with one rounding (TFLITE_SINGLE_ROUNDING style), TFLM
      // with gemmlowp's two (SRDHM, then RDBPOT): a tie of the first rounding moves the result
      // by 1 LSB (1 element of the 1,338 here).
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(1);
    }, T);
  }

  it('refuses per-channel operands and int16', () => {
    const pc = spec('bmm_pc', [2, 3], [3, 2], [2, 2], false, false, { constY: true });
    pc.tensors[1] = { ...pc.tensors[1]!, q: { scale: [0.1, 0.2, 0.3], zeroPoint: [0, 0, 0], axis: 0 } };
    let g = buildGraph(pc);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/quantized per channel/);
    const i16 = spec('bmm_i16', [2, 3], [3, 2], [2, 2], false, false);
    i16.tensors = i16.tensors.map((t) => ({ ...t, dtype: 'int16' as const, q: [0.01, 0] as [number, number] }));
    g = buildGraph(i16);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/x 't0' is int16; this kernel takes int8/);
  });

  it('float: float32 products summed in k order; TFLite within float rounding', async () => {
    for (const s of [spec('bmm_float', [2, 3, 4], [1, 4, 5], [2, 3, 5], false, false, { float: true }), spec('bmm_float_t', [2, 4, 3], [5, 4], [2, 3, 5], true, true, { float: true, constY: true })]) {
      const r = await checkFloatOp(s);
      const x = r.inputs[0]![0]!;
      if (s.name === 'bmm_float') {
        const y = r.inputs[0]![1]!;
        // out[1][2][3] = Σ_k x[1][2][k] · y[0][k][3], float32 at every step.
        let acc = 0;
        for (let k = 0; k < 4; k++) acc = Math.fround(acc + Math.fround(x[12 + 2 * 4 + k]! * y[k * 5 + 3]!));
        expect(r.reference[0]![0]![(1 * 3 + 2) * 5 + 3]).toBe(acc);
      }
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(r.maxAbs[0]! * 1e-6);
    }
  }, T);
});
