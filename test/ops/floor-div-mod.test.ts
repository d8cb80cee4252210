/**
 * FLOOR_DIV and FLOOR_MOD (float32 only, as TFLM): hand-computed signs, broadcasting against
 * TFLite, and the refusal of integer tensors.
 */
import { describe, expect, it } from 'vitest';
import { opDef } from '../../src/ops/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck } from './exact-cases.js';
import { buildGraph, HAVE_TFLITE, type OpSpec } from './harness.js';

const spec = (kind: 'FloorDiv' | 'FloorMod', a: number[], b: number[], out: number[], dtype: 'float32' | 'int8' = 'float32'): OpSpec =>
  ({
    name: `${kind.toLowerCase()}_${dtype}`,
    tensors: [
      { shape: a, dtype, ...(dtype === 'int8' ? { q: [0.1, 0] } : {}) },
      { shape: b, dtype, ...(dtype === 'int8' ? { q: [0.1, 0] } : {}) },
      { shape: out, dtype, ...(dtype === 'int8' ? { q: [0.1, 0] } : {}) },
    ],
    op: { kind, inputs: [0, 1], outputs: [2] },
  }) as OpSpec;

describe('FLOOR_DIV / FLOOR_MOD', () => {
  it('hand-computed: the quotient rounds toward −∞, the remainder takes the divisor’s sign', () => {
    const x = Float32Array.of(7, -7, 7.5, -7.5, 6, 0.5);
    const y = Float32Array.of(-2, 2, 2, -2, 3, -4);
    expect(Array.from(runGraph(buildGraph(spec('FloorDiv', [6], [6], [6])), [x, y])[0]!)).toEqual([-4, -4, 3, 3, 2, -1]);
    // fmod(7, −2) = 1 → 1 − 2 = −1; fmod(−7, 2) = −1 → 1; 1.5; fmod(−7.5, −2) = −1.5 (same sign);
    // 0; fmod(0.5, −4) = 0.5 → −3.5.
    expect(Array.from(runGraph(buildGraph(spec('FloorMod', [6], [6], [6])), [x, y])[0]!)).toEqual([-1, 1, 1.5, -1.5, 0, -3.5]);
  });

  it.each([
    ['FloorDiv', [2, 3, 4], [3, 1], [2, 3, 4]],
    ['FloorDiv', [5], [5], [5]],
    ['FloorMod', [2, 3, 4], [4], [2, 3, 4]],
    ['FloorMod', [1, 2, 2, 3], [1, 2, 1, 3], [1, 2, 2, 3]],
  ] as const)('%s %j by %j; TFLite equal', async (kind, a, b, out) => {
    const r = await floatCheck(spec(kind, [...a], [...b], [...out]));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it.each(['FloorDiv', 'FloorMod'] as const)('%s int8 is refused naming the TFLM kernel', (kind) => {
    const g = buildGraph(spec(kind, [2], [2], [2], 'int8'));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/floor_(div|mod)\.cc\) takes float32 only/);
  });
});
