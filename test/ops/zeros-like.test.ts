/**
 * ZEROS_LIKE: int32 (reference = host C, TFLite equal), float32, and the refusal of int8 (TFLM's
 * zeros_like.cc takes int32, int64 and float32 only).
 */
import { describe, expect, it } from 'vitest';
import { opDef } from '../../src/ops/registry.js';
import { floatCheck } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE } from './harness.js';

describe('ZEROS_LIKE', () => {
  it('int32, rank 3: every output element is 0 (reference = host C), TFLite equal', async () => {
    const r = await checkOp({
      name: 'zeros_like_i32',
      tensors: [
        { shape: [2, 3, 5], dtype: 'int32' },
        { shape: [2, 3, 5], dtype: 'int32' },
      ],
      op: { kind: 'ZerosLike', inputs: [0], outputs: [1] },
    });
    expect(r.inputs[0]![0]!.some((v) => v !== 0)).toBe(true);
    for (const s of r.reference) expect(Array.from(s[0]!)).toEqual(new Array(30).fill(0));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('float32: zeros; TFLite equal', async () => {
    const r = await floatCheck({
      name: 'zeros_like_f32',
      tensors: [
        { shape: [7], dtype: 'float32' },
        { shape: [7], dtype: 'float32' },
      ],
      op: { kind: 'ZerosLike', inputs: [0], outputs: [1] },
    });
    expect(Array.from(r.reference[0]![0]!)).toEqual(new Array(7).fill(0));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('int8 is refused naming the TFLM kernel', () => {
    const g = buildGraph({
      name: 'zl8',
      tensors: [
        { shape: [4], dtype: 'int8', q: [0.1, 0] },
        { shape: [4], dtype: 'int8', q: [0.1, 0] },
      ],
      op: { kind: 'ZerosLike', inputs: [0], outputs: [1] },
    });
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/zeros_like\.cc\) takes int32, int64 and float32 only/);
  });
});
