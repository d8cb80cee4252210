/**
 * ADD_N, CUMSUM (int8 on TFLM's AddN / CumSum arithmetic, float) and L2_POOL_2D (float only):
 * hand-computed values including TFLM's accumulator start at the scaled raw 0, seeded inputs
 * through the harness (reference = host C), TFLite on the float kernels (its int8 ADD_N and
 * CUMSUM kernels are not in the tfjs-tflite build: said per test), and quantization.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

const T = 180_000;

function addN(name: string, k: number, shape: number[], dtype: 'int8' | 'float32', qi?: [number, number], qo?: [number, number]): OpSpec {
  return {
    name,
    tensors: [...Array.from({ length: k }, () => ({ shape, dtype, ...(qi ? { q: qi } : {}) })), { shape, dtype, ...(qo ? { q: qo } : {}) }],
    op: { kind: 'AddN', inputs: Array.from({ length: k }, (_, i) => i), outputs: [k] },
  } as OpSpec;
}

function cumsum(name: string, shape: number[], axis: number, exclusive: boolean, reverse: boolean, dtype: 'int8' | 'float32', qi?: [number, number], qo?: [number, number]): OpSpec {
  return {
    name,
    tensors: [
      { shape, dtype, ...(qi ? { q: qi } : {}) },
      { shape: [], dtype: 'int32', data: [axis] },
      { shape, dtype, ...(qo ? { q: qo } : {}) },
    ],
    op: { kind: 'Cumsum', inputs: [0, 1], outputs: [2], axis: axis < 0 ? axis + shape.length : axis, exclusive, reverse },
  } as OpSpec;
}

describe('ADD_N', () => {
  it('hand-computed int8: shared scale sums and clamps; a zero point adds TFLM’s extra (0 − zp) term; a coarser output rounds half away', async () => {
    // scale 0.1, zp 0 in and out: every value scales to q·2^19, the sum comes back as Σq.
    const a = addN('addn_hand', 3, [3], 'int8', [0.1, 0], [0.1, 0]);
    const ra = await runBoth(buildGraph(a), [[typed(a, 0, [10, 100, -100]), typed(a, 1, [20, 100, -100]), typed(a, 2, [-5, 0, -100])]]);
    expect(ra.reference[0]).toEqual([25, 127, -128]);
    expect(ra.host[0]).toEqual(ra.reference[0]);
    // Input zp 2: TFLM starts from scaled(0 − 2), so out = Σ(q − 2) − 2 = 10 + 20 − 5 − 2 = 23.
    const b = addN('addn_zp', 3, [1], 'int8', [0.1, 2], [0.1, 0]);
    const rb = await runBoth(buildGraph(b), [[typed(b, 0, [12]), typed(b, 1, [22]), typed(b, 2, [-3])]]);
    expect(rb.reference[0]).toEqual([23]);
    expect(rb.host[0]).toEqual(rb.reference[0]);
    // Output scale 0.2: Σq / 2 rounded half away from zero (RoundingDivideByPOT): 5 → 3, −5 → −3.
    const c = addN('addn_half', 2, [2], 'int8', [0.1, 0], [0.2, 0]);
    const rc = await runBoth(buildGraph(c), [[typed(c, 0, [2, -2]), typed(c, 1, [3, -3])]]);
    expect(rc.reference[0]).toEqual([3, -3]);
    expect(rc.host[0]).toEqual(rc.reference[0]);
  }, T);

  it('int8, four inputs rank 4, output scale coarser than the inputs: host C = reference, each output within one step of the real sum (plus TFLM’s zero-point term)', async () => {
    // tfjs-tflite has no int8 ADD_N kernel, so the oracle is the real arithmetic of the inputs.
    const r = await checkOp(addN('addn_s8', 4, [1, 3, 4, 5], 'int8', [0.02, -3], [0.05, 1]), { tflite: false });
    r.inputs.forEach((s, k) => {
      const out = r.reference[k]![0]!;
      out.forEach((v, i) => {
        const real = s.reduce((acc, x) => acc + (x[i]! + 3) * 0.02, 0) + 3 * 0.02;
        const want = Math.max(-128, Math.min(127, real / 0.05 + 1));
        expect(Math.abs(v - want)).toBeLessThanOrEqual(1);
      });
    });
  }, T);

  it('float, three inputs; TFLite equal', async () => {
    const r = await floatCheck(addN('addn_f32', 3, [2, 3, 4], 'float32'));
    const [a, b, c] = r.inputs[0]! as Float32Array[];
    const f = Math.fround;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(a!, (v, i) => f(f(f(0 + v) + b![i]!) + c![i]!)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, T);

  it('inputs with different parameters are refused (TFLM requires them equal)', () => {
    const s = addN('addn_bad', 2, [2], 'int8', [0.1, 0], [0.1, 0]);
    s.tensors[1]!.q = [0.2, 0];
    const g = buildGraph(s);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM's int8 ADD_N requires them equal/);
  });

  it('a float graph x + relu(x) + x·0.5 quantizes (shared params) and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'addn_q',
      tensors: [
        { name: 'x', shape: [1, 4, 4, 2], dtype: 'float32' },
        { name: 'r', shape: [1, 4, 4, 2], dtype: 'float32' },
        { name: 'half', shape: [1], dtype: 'float32', data: Float32Array.of(0.5) },
        { name: 'h', shape: [1, 4, 4, 2], dtype: 'float32' },
        { name: 'y', shape: [1, 4, 4, 2], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Mul', name: 'mul', inputs: [0, 2], outputs: [3], activation: 'none' },
        { kind: 'AddN', name: 'addn', inputs: [0, 1, 3], outputs: [4] },
      ],
      inputs: [0],
      outputs: [4],
    };
    const q = await quantizeFloatGraph(g);
    const zp = q.graph.tensors[q.graph.ops[2]!.inputs[0]!]!.quant!.zeroPoint[0]!;
    // One shared scale; each of three inputs is within half a step, the sum within 1.5 steps,
    // plus TFLM's extra (0 − zp) term and the output rounding.
    expect(q.maxAbsError).toBeLessThanOrEqual((2.01 + Math.abs(zp)) * q.outputScale);
  }, T);
});

describe('CUMSUM', () => {
  it('hand-computed int8: inclusive, exclusive, reverse; a zero point adds TFLM’s extra term', async () => {
    for (const [ex, rev, want] of [
      [false, false, [1, 3, 6, 10]],
      [true, false, [0, 1, 3, 6]],
      [false, true, [10, 9, 7, 4]],
      [true, true, [9, 7, 4, 0]],
    ] as const) {
      const s = cumsum(`cs_hand_${ex}_${rev}`, [4], 0, ex, rev, 'int8', [0.1, 0], [0.1, 0]);
      const r = await runBoth(buildGraph(s), [[typed(s, 0, [1, 2, 3, 4])]]);
      expect(r.reference[0]).toEqual([...want]);
      expect(r.host[0]).toEqual(r.reference[0]);
    }
    // Input zp 3: out = cumsum(q − 3) − 3 → [1 − 3, 3 − 3, 6 − 3].
    const z = cumsum('cs_zp', [3], 0, false, false, 'int8', [0.1, 3], [0.1, 0]);
    expect(Array.from(runGraph(buildGraph(z), [Int8Array.of(4, 5, 6)])[0]!)).toEqual([-2, 0, 3]);
  }, T);

  it.each([
    ['axis 1 of [2,5,3]', [2, 5, 3], 1, false, false],
    ['axis −1 reverse exclusive of [3,4]', [3, 4], -1, true, true],
    ['axis 0 of [6,2,2]', [6, 2, 2], 0, true, false],
  ] as const)('int8 %s: host C = reference, within one step of the real cumulative sum', async (_n, shape, axis, ex, rev) => {
    // tfjs-tflite has no int8 CUMSUM kernel: the oracle is the real arithmetic.
    const r = await checkOp(cumsum('cs_s8', [...shape], axis, ex, rev, 'int8', [0.02, -5], [0.1, 2]), { tflite: false });
    const ax = axis < 0 ? axis + shape.length : axis;
    const after = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const depth = shape[ax]!;
    r.inputs.forEach((s, k) => {
      const x = s[0]!;
      r.reference[k]![0]!.forEach((v, i) => {
        const d = Math.floor(i / after) % depth;
        const base = i - d * after;
        let real = 5 * 0.02; // TFLM's start: the scaled raw 0, (0 − (−5))·0.02
        for (let e = 0; e < depth; e++) {
          const included = rev ? (ex ? e > d : e >= d) : ex ? e < d : e <= d;
          if (included) real += (x[base + e * after]! + 5) * 0.02;
        }
        const want = Math.max(-128, Math.min(127, real / 0.1 + 2));
        expect(Math.abs(v - want)).toBeLessThanOrEqual(1);
      });
    });
  }, T);

  it.each([
    [false, false],
    [true, true],
  ] as const)('float exclusive=%s reverse=%s; TFLite equal', async (ex, rev) => {
    const r = await floatCheck(cumsum('cs_f32', [2, 6, 3], 1, ex, rev, 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, T);

  it('a float graph with CUMSUM quantizes and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'cumsum_q',
      tensors: [
        { name: 'x', shape: [1, 8], dtype: 'float32' },
        { name: 'axis', shape: [], dtype: 'int32', data: Int32Array.of(1) },
        { name: 'y', shape: [1, 8], dtype: 'float32' },
      ],
      ops: [{ kind: 'Cumsum', name: 'cumsum', inputs: [0, 1], outputs: [2], axis: 1, exclusive: false, reverse: false }],
      inputs: [0],
      outputs: [2],
    };
    const q = await quantizeFloatGraph(g);
    const qi = q.graph.tensors[0]!.quant!;
    // Up to 8 inputs each within half an input step, TFLM's (0 − zp) term, the output rounding.
    expect(q.maxAbsError).toBeLessThanOrEqual(4 * qi.scale[0]! + Math.abs(qi.zeroPoint[0]!) * qi.scale[0]! + 0.51 * q.outputScale);
  }, T);
});

describe('L2_POOL_2D (float only)', () => {
  it('hand-computed √(Σx² / count) over the in-image window; SAME padding counts only in-image values', () => {
    const s: OpSpec = {
      name: 'l2_hand',
      tensors: [
        { shape: [1, 2, 2, 1], dtype: 'float32' },
        { shape: [1, 1, 1, 1], dtype: 'float32' },
      ],
      op: { kind: 'L2Pool2D', inputs: [0], outputs: [1], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'valid', activation: 'none' },
    };
    expect(Array.from(runGraph(buildGraph(s), [Float32Array.of(1, -2, 3, 4)])[0]!)).toEqual([Math.fround(Math.sqrt(30 / 4))]);
  });

  it.each([
    ['VALID 2x2 stride 2', [1, 4, 6, 3], [1, 2, 3, 3], 2, 2, 'valid', 'none'],
    ['SAME 3x3 stride 1, relu6', [2, 5, 5, 2], [2, 5, 5, 2], 3, 1, 'same', 'relu6'],
  ] as const)('%s; TFLite equal', async (_n, x, y, f, st, padding, activation) => {
    const r = await floatCheck({
      name: 'l2_f32',
      tensors: [
        { shape: [...x], dtype: 'float32' },
        { shape: [...y], dtype: 'float32' },
      ],
      op: { kind: 'L2Pool2D', inputs: [0], outputs: [1], filterH: f, filterW: f, strideH: st, strideW: st, padding, activation },
    });
    // TFLite's optimized L2Pool may sum the squares in another order: within a float32 ulp or two.
    if (HAVE_TFLITE) expect(r.tfliteMaxRel!).toBeLessThanOrEqual(2.5e-7);
  }, T);

  it('int8 is refused: TFLM’s L2_POOL_2D takes float32 only', () => {
    const g = buildGraph({
      name: 'l2_s8',
      tensors: [
        { shape: [1, 2, 2, 1], dtype: 'int8', q: [0.1, 0] },
        { shape: [1, 1, 1, 1], dtype: 'int8', q: [0.1, 0] },
      ],
      op: { kind: 'L2Pool2D', inputs: [0], outputs: [1], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'valid', activation: 'none' },
    });
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/L2_POOL_2D kernel \(l2_pool_2d\.cc\) takes float32 only/);
  });
});
