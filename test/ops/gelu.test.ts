/**
 * GELU (float32; TFLM has no GELU kernel, so its integer forms are refused): values against
 * the normal CDF by hand, both forms against TFLite, and the refusal.
 */
import { describe, expect, it } from 'vitest';
import { opDef } from '../../src/ops/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck } from './exact-cases.js';
import { buildGraph, HAVE_TFLITE, type OpSpec } from './harness.js';

const spec = (approximate: boolean, shape: number[], dtype: 'float32' | 'int8' = 'float32'): OpSpec =>
  ({
    name: `gelu_${approximate ? 'tanh' : 'erf'}`,
    tensors: [
      { shape, dtype, ...(dtype === 'int8' ? { q: [0.05, 0] } : {}) },
      { shape, dtype, ...(dtype === 'int8' ? { q: [0.05, 0] } : {}) },
    ],
    op: { kind: 'Gelu', inputs: [0], outputs: [1], approximate },
  }) as OpSpec;

describe('GELU', () => {
  it('x·Φ(x) by hand: Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(−10) ≈ 7.62e−24 (no cancellation)', () => {
    const y = runGraph(buildGraph(spec(false, [5])), [Float32Array.of(0, 1, -1, -10, 3)])[0]!;
    // float32 steps (the argument x·(−1/√2) is rounded first): within two float32 ulps.
    const near = (v: number, want: number) => expect(Math.abs(v - want)).toBeLessThanOrEqual(2 * 2 ** -23 * Math.abs(want));
    expect(y[0]).toBe(0);
    near(y[1]!, 0.8413447460685429);
    near(y[2]!, -0.15865525393145707);
    near(y[3]!, -10 * 7.619853024160527e-24);
    near(y[4]!, 3 * 0.9986501019683699);
    // The tanh form at 1: 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.8411920 (float32 steps).
    const a = runGraph(buildGraph(spec(true, [1])), [Float32Array.of(1)])[0]!;
    expect(a[0]).toBeCloseTo(0.841192, 6);
  });

  it.each([false, true])('approximate=%s, rank 3; TFLite within float32 rounding of its Eigen erfc/tanh', async (approximate) => {
    const r = await floatCheck(spec(approximate, [2, 4, 8]), { samples: 6 });
    // TFLite's optimized kernel evaluates erfc/tanh with Eigen's float approximations; measured:
    // at most 4.8e-7 absolute (one ulp at |y| ≈ 4), larger relative only on outputs near 0.
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs!).toBeLessThanOrEqual(4 * 2 ** -23 * 4);
  }, 120_000);

  it('int8 is refused: TFLM has no GELU kernel', () => {
    const g = buildGraph(spec(false, [4], 'int8'));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM has no GELU kernel/);
  });
});
