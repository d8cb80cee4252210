/**
 * DIV: TFLM's int8 path (hand-computed values through GetReciprocal), broadcasting and edge
 * shapes through the single-op harness (reference = host C), the defined results where TFLM's C
 * is undefined, the float kernel against TFLite, and quantization of a float graph. The TFLite
 * build of the harness (tfjs-tflite) has no int8 DIV kernel ("Failed running inference"), so the
 * int8 cases are checked against hand-computed values and the C, not against it.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('DIV int8', () => {
  it('hand-computed values', async () => {
    // Scales 0.5 / 0.5 → 0.25: multiplier 4 (2^30, shift 3). 6/2: the reciprocal of 2 is Q0.31
    // "1.0" with recip_shift 1, 6 shifted by its 28 sign bits is 0.75, so the final right shift
    // is 28 + 1 − 3 = 26: 0.75·2^31 · ½ / 2^26 = 12 (3.0 on the 0.25 grid). 7/2 → 14,
    // 1/3 → 1.33 → 1, −5/2 → −10, 5/−2 → −10 (negated divisor), 127/1 → 508 → clamp 127;
    // 3/0 → 127 and 0/0 → 0 (the defined zero-divisor results).
    const spec: OpSpec = {
      name: 'div_hand',
      tensors: [
        { shape: [8], dtype: 'int8', q: [0.5, 0] },
        { shape: [8], dtype: 'int8', q: [0.5, 0] },
        { shape: [8], dtype: 'int8', q: [0.25, 0] },
      ],
      op: { kind: 'Div', inputs: [0, 1], outputs: [2], activation: 'none' },
    };
    const x = [typed(spec, 0, [6, 7, 1, -5, 5, 127, 3, 0]), typed(spec, 1, [2, 2, 3, 2, -2, 1, 0, 0])];
    const { reference, host } = await runBoth(buildGraph(spec), [x]);
    expect(reference[0]).toEqual([12, 14, 1, -10, -10, 127, 127, 0]);
    expect(host[0]).toEqual([12, 14, 1, -10, -10, 127, 127, 0]);
  }, 120_000);

  it('the quotient is within one output step of the real quotient wherever the divisor is not 0', () => {
    const spec: OpSpec = {
      name: 'div_all',
      tensors: [
        { shape: [256 * 255], dtype: 'int8', q: [0.02, 5] },
        { shape: [256 * 255], dtype: 'int8', q: [0.05, -128] },
        { shape: [256 * 255], dtype: 'int8', q: [0.04, -3] },
      ],
      op: { kind: 'Div', inputs: [0, 1], outputs: [2], activation: 'none' },
    };
    const a = new Int8Array(256 * 255);
    const b = new Int8Array(256 * 255);
    for (let i = 0; i < 256; i++) for (let j = 0; j < 255; j++) [a[i * 255 + j], b[i * 255 + j]] = [i - 128, j - 127];
    const y = runGraph(buildGraph(spec), [a, b])[0]!;
    let worst = 0;
    y.forEach((v, k) => {
      const real = (0.02 * (a[k]! - 5)) / (0.05 * (b[k]! + 128)) / 0.04 - 3;
      const clamped = Math.max(-128, Math.min(127, real));
      worst = Math.max(worst, Math.abs(v - clamped));
    });
    expect(worst).toBeLessThanOrEqual(1);
  });

  it.each([
    ['4-D against a per-channel divisor', [1, 3, 4, 5], [5], [1, 3, 4, 5], 'none'],
    ['divisor broadcast first, relu', [1, 1, 6], [2, 3, 6], [2, 3, 6], 'relu'],
    ['rank 1 against a scalar, relu6', [13], [1], [13], 'relu6'],
  ] as const)('%s: host C = reference (zero divisors included)', async (_n, a, b, y, act) => {
    await checkOp(
      {
        name: 'div_s8',
        tensors: [
          { shape: [...a], dtype: 'int8', q: [0.05, 3] },
          { shape: [...b], dtype: 'int8', q: [0.03, -128] },
          { shape: [...y], dtype: 'int8', q: [0.2, 0] },
        ],
        op: { kind: 'Div', inputs: [0, 1], outputs: [2], activation: act },
      },
      { tflite: false },
    );
  }, 120_000);

  it('refuses an output scale so small that the quotient shift would turn left', () => {
    const g = buildGraph({
      name: 'div_tiny_out',
      tensors: [
        { shape: [2], dtype: 'int8', q: [1, 0] },
        { shape: [2], dtype: 'int8', q: [1e-3, 0] },
        { shape: [2], dtype: 'int8', q: [1e-6, 0] },
      ],
      op: { kind: 'Div', inputs: [0, 1], outputs: [2], activation: 'none' },
    });
    expect(() => runGraph(g, [new Int8Array(2), new Int8Array(2)])).toThrow(/Div 'div_tiny_out': .* beyond TFLM's int8 DIV range/);
  });
});

describe('DIV float', () => {
  it('x / y in float32 with a broadcast; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'div_f32',
      tensors: [
        { shape: [2, 3, 4], dtype: 'float32' },
        { shape: [4], dtype: 'float32' },
        { shape: [2, 3, 4], dtype: 'float32' },
      ],
      op: { kind: 'Div', inputs: [0, 1], outputs: [2], activation: 'none' },
    });
    const [x, y] = r.inputs[0]! as Float32Array[];
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x!, (v, i) => Math.fround(v / y![i % 4]!)));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a float graph with DIV quantizes and the int8 result runs (host C = reference)', async () => {
    // x / (relu(x) + 1): the divisor stays in [1, ~5].
    const g: Graph = {
      name: 'div_q',
      tensors: [
        { name: 'x', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'r', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'one', shape: [1], dtype: 'float32', data: Float32Array.of(1) },
        { name: 'd', shape: [1, 5, 5, 2], dtype: 'float32' },
        { name: 'y', shape: [1, 5, 5, 2], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Add', name: 'add', inputs: [1, 2], outputs: [3], activation: 'none' },
        { kind: 'Div', name: 'div', inputs: [0, 3], outputs: [4], activation: 'none' },
      ],
      inputs: [0],
      outputs: [4],
    };
    const q = await quantizeFloatGraph(g);
    expect(q.maxAbsError).toBeLessThan(3 * q.outputScale);
  }, 120_000);
});
