/**
 * HARD_SWISH: hand-computed int8 values through TFLM's int16 fixed-point steps, the 256-entry
 * table against the reference on every input (via the harness: reference = host C), TFLite,
 * the float kernel and quantization of a float graph.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { quantizeFloatGraph } from './quantize-check.js';

describe('HARD_SWISH int8', () => {
  it('hand-computed values', async () => {
    // in 1/16, out 1/32 (zero points 0): hires scale 2^-11; output multiplier 2^-6 → int16 16384,
    // exponent −5; reluish multiplier 16/3 → int16 21845, exponent 3. x = 16 (1.0): preshift
    // 1024, reluish 2048 → 8192 → 5461 → 10922 → 21845, 21845·1024 ≫ 15 = 682 → /32 → 21.
    // x = 48 (3.0) → 3071 → 96; x = −16 → −341 → −11; x = −64 (−4.0) → reluish 0 → 0;
    // x = 127 → 254 → 127.
    const spec: OpSpec = {
      name: 'hswish_hand',
      tensors: [
        { shape: [6], dtype: 'int8', q: [1 / 16, 0] },
        { shape: [6], dtype: 'int8', q: [1 / 32, 0] },
      ],
      op: { kind: 'HardSwish', inputs: [0], outputs: [1] },
    };
    const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, [16, 48, -16, -64, 127, 0])]]);
    expect(reference[0]).toEqual([21, 96, -11, 0, 127, 0]);
    expect(host[0]).toEqual([21, 96, -11, 0, 127, 0]);
  }, 120_000);

  it.each([
    ['typical scales, rank 4', [1, 4, 4, 8], [0.047, -30], [0.029, -110]],
    ['a large input scale (reluish left shift), rank 1', [200], [0.31, 5], [0.2, -100]],
    ['a small input scale (reluish right shift), rank 2', [4, 33], [0.0009, 0], [0.0006, -60]],
  ] as const)('%s: table C = reference, TFLite byte-identical', async (_n, shape, qi, qo) => {
    const r = await checkOp({
      name: 'hswish_s8',
      tensors: [
        { shape: [...shape], dtype: 'int8', q: [...qi] },
        { shape: [...shape], dtype: 'int8', q: [...qo] },
      ],
      op: { kind: 'HardSwish', inputs: [0], outputs: [1] },
    });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('refuses an output scale finer than input scale / 128 (TFLM: output exponent must be ≤ 0)', () => {
    const g = buildGraph({
      name: 'hswish_fine',
      tensors: [
        { shape: [2], dtype: 'int8', q: [0.5, 0] },
        { shape: [2], dtype: 'int8', q: [0.001, 0] },
      ],
      op: { kind: 'HardSwish', inputs: [0], outputs: [1] },
    });
    expect(() => runGraph(g, [new Int8Array(2)])).toThrow(/HardSwish 'hswish_fine': output scale .* output multiplier exponent ≤ 0/);
  });
});

describe('HARD_SWISH float', () => {
  it('x·min(6, max(0, x + 3))/6 in float32; TFLite within float rounding', async () => {
    const r = await floatCheck({
      name: 'hswish_f32',
      tensors: [
        { shape: [3, 7], dtype: 'float32' },
        { shape: [3, 7], dtype: 'float32' },
      ],
      op: { kind: 'HardSwish', inputs: [0], outputs: [1] },
      floatRange: 5,
    });
    const x = r.inputs[0]![0] as Float32Array;
    const f = Math.fround;
    expect(Array.from(r.reference[0]![0]!)).toEqual(Array.from(x, (v) => f(f(v * Math.min(6, Math.max(0, f(v + 3)))) / 6)));
    // TFLite's float kernel (XNNPACK) multiplies by 1/6 where the reference divides by 6: one
    // float32 ulp apart on some values (measured 2.4e-7 absolute, 1.6e-7 relative).
    if (HAVE_TFLITE) expect(r.tfliteMaxRel!).toBeLessThan(1e-6);
  }, 120_000);

  it('a float graph with HARD_SWISH quantizes and the int8 result runs (host C = reference)', async () => {
    const g: Graph = {
      name: 'hswish_q',
      tensors: [
        { name: 'x', shape: [1, 6, 6, 3], dtype: 'float32' },
        { name: 'y', shape: [1, 6, 6, 3], dtype: 'float32' },
      ],
      ops: [{ kind: 'HardSwish', name: 'hswish', inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    const q = await quantizeFloatGraph(g, { scale: 3 });
    expect(q.maxAbsError).toBeLessThan(2 * q.outputScale);
  }, 120_000);
});
