/**
 * CAST: every pair TFLM's cast.cc supports through the single-op harness (reference = host C,
 * TFLite byte-identical: static_cast has one answer for in-range values), the edge values
 * written by hand (wrapping, truncation toward zero, NaN/±inf/|x| ≥ 2^31 saturating as VCVT
 * does, int → float rounding to nearest even, bool), float tensors at the C boundary when only
 * a cast touches them, and the quantizer's refusal of casts on float activations.
 */
import { describe, expect, it } from 'vitest';
import { needsQuantization } from '../../src/codegen/prepare.js';
import type { DType, Graph } from '../../src/ir/graph.js';
import { OPS } from '../../src/ops/registry.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { runExact } from './op-helpers.js';

function spec(name: string, shape: number[], from: DType, to: DType): OpSpec {
  return { name, tensors: [{ shape, dtype: from }, { shape, dtype: to }], op: { kind: 'Cast', inputs: [0], outputs: [1] } };
}

describe('Cast', () => {
  const pairs: [DType, DType, number?][] = [
    ['int8', 'int32'],
    ['int8', 'int16'],
    ['int8', 'float32'],
    ['int16', 'int8'],
    ['int16', 'float32'],
    ['int32', 'int8'],
    ['int32', 'int16'],
    ['int32', 'float32'],
    ['float32', 'int8', 1000],
    ['float32', 'int16', 1000],
    ['float32', 'int32', 1000],
  ];
  for (const [from, to, range] of pairs) {
    it(`${from} → ${to}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp({ ...spec(`cast_${from}_${to}`, [2, 3, 7], from, to), ...(range ? { floatRange: range } : {}) }, { samples: 4, seed: 71 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('hand-computed edge values (reference and host C)', async () => {
    const f = Float32Array.of(NaN, Infinity, -Infinity, 3e9, -3e9, 2.9, -2.9, 0.5, 300.7, -129.5);
    const [i32] = await runExact(spec('f_i32', [10], 'float32', 'int32'), [[f]]);
    expect(Array.from(i32![0]!)).toEqual([0, 2147483647, -2147483648, 2147483647, -2147483648, 2, -2, 0, 300, -129]);
    const [i8] = await runExact(spec('f_i8', [10], 'float32', 'int8'), [[f]]);
    // int32 first, then the low 8 bits: 300 → 44, -129 → 127, INT32_MAX → -1, INT32_MIN → 0.
    expect(Array.from(i8![0]!)).toEqual([0, -1, 0, -1, 0, 2, -2, 0, 44, 127]);
    const [fl] = await runExact(spec('i32_f', [4], 'int32', 'float32'), [[Int32Array.of(16777217, -16777219, 2147483647, 7)]]);
    expect(Array.from(fl![0]!)).toEqual([16777216, -16777220, 2147483648, 7]);
    const [w] = await runExact(spec('i32_i16', [3], 'int32', 'int16'), [[Int32Array.of(40000, -40000, 65535)]]);
    expect(Array.from(w![0]!)).toEqual([-25536, 25536, -1]);
    const [b] = await runExact(spec('bool_i32', [4], 'bool', 'int32'), [[Uint8Array.of(0, 1, 1, 0)]]);
    expect(Array.from(b![0]!)).toEqual([0, 1, 1, 0]);
  }, 120_000);

  it("refuses what TFLM's cast.cc does not write (bool, int64)", () => {
    for (const to of ['bool', 'int64'] as DType[]) {
      const g = buildGraph(spec('bad', [2], 'int8', to));
      expect(() => OPS.Cast.prepare(g, g.ops[0] as never)).toThrow(/output .* is (bool|int64); this kernel takes int8 or int16 or int32 or float32/);
    }
  });

  it('an int8 model ending in a cast to float: the float output is the C boundary, no quantizer needed', async () => {
    const g: Graph = {
      name: 'int8_then_cast',
      tensors: [
        { name: 'x', shape: [1, 6], dtype: 'int8', quant: { scale: [0.1], zeroPoint: [3] } },
        { name: 'r', shape: [1, 6], dtype: 'int8', quant: { scale: [0.1], zeroPoint: [3] } },
        { name: 'y', shape: [1, 6], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Cast', name: 'cast', inputs: [1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    expect(needsQuantization(g)).toBe(false);
    const x = Int8Array.of(-128, -5, 2, 3, 4, 127);
    const [y] = await runExact(g, [[x]]);
    // Relu clamps to the zero point (3); the cast gives the stored integers, not reals.
    expect(Array.from(y![0]!)).toEqual([3, 3, 3, 3, 4, 127]);
  }, 120_000);

  it('the quantizer refuses a cast that reads a float activation (int8 would change its result)', () => {
    const g: Graph = {
      name: 'float_cast',
      tensors: [
        { name: 'x', shape: [1, 4], dtype: 'float32' },
        { name: 'r', shape: [1, 4], dtype: 'float32' },
        { name: 'y', shape: [1, 4], dtype: 'int32' },
      ],
      ops: [
        { kind: 'Relu', name: 'relu', inputs: [0], outputs: [1] },
        { kind: 'Cast', name: 'to_int', inputs: [1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    expect(() => quantizeModel(g, { run: runGraph, calibration: syntheticSamples(4, 4, 1) })).toThrow(/Cast 'to_int' reads or writes a float activation by its stored values/);
  });
});
