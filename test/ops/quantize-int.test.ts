/**
 * The integer QUANTIZE paths a keyword model needs (int16 → int8 at its input, int16 → int32 at
 * its output; TFLM quantize_common.cc → reference_ops::Requantize) and the int8 → int16 SOFTMAX
 * before it, each as a single-op model: host C = reference, TFLite within 1 LSB, and values
 * worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src/reference/interpreter.js';
import { buildGraph, checkOp, HAVE_TFLITE } from './harness.js';

describe('QUANTIZE between integer types', () => {
  it('by hand: int16 → int8 and int16 → int32 with TFLite rounding and saturation', () => {
    // in scale 0.000625 / out scale 0.005 = 0.125 exactly: out = round(x / 8) + zp.
    const to8 = buildGraph({
      name: 'q16to8',
      tensors: [
        { shape: [6], dtype: 'int16', q: [0.000625, 0] },
        { shape: [6], dtype: 'int8', q: [0.005, -10] },
      ],
      op: { kind: 'Quantize', inputs: [0], outputs: [1] },
    });
    // 12/8 = 1.5 → 2 (half away from zero); -12/8 → -2; 1000/8 = 125 + -10 = 115; ±2000 saturate;
    // 3/8 = 0.375 becomes 1 through TFLM's double rounding (3·2^30/2^31 → 2, then 2/4 → 1).
    expect(Array.from(runGraph(to8, [new Int16Array([12, -12, 1000, 2000, -2000, 3])])[0]!)).toEqual([-8, -12, 115, 127, -128, -9]);
    // Softmax-style int16 (scale 2^-16, zp -32768) → int32 at 2^-15: (x + 32768) / 2.
    const to32 = buildGraph({
      name: 'q16to32',
      tensors: [
        { shape: [4], dtype: 'int16', q: [2 ** -16, -32768] },
        { shape: [4], dtype: 'int32', q: [2 ** -15, 0] },
      ],
      op: { kind: 'Quantize', inputs: [0], outputs: [1] },
    });
    // 65535 / 2 = 32767.5 rounds to 32768 (MBQM with multiplier 2^30: (x + 1) >> 1).
    expect(Array.from(runGraph(to32, [new Int16Array([32767, -32768, 0, -32767])])[0]!)).toEqual([32768, 0, 16384, 1]);
  });

  for (const [from, to, si, so, zi, zo] of [
    ['int16', 'int8', 0.000625, 0.0592, 0, -128],
    ['int16', 'int32', 1.526e-5, 3.05e-5, -32768, 0],
    ['int8', 'int16', 0.023, 0.0011, 5, 0],
    ['int16', 'int16', 0.0007, 0.0013, 0, 0],
  ] as const) {
    // This desktop TFLite build refuses an int8 → int16 QUANTIZE at prepare ("Can't initialize
    // model"); TFLM runs it through the same Requantize as the others.
    const tflite = !(from === 'int8' && to === 'int16');
    it(`${from} → ${to}: host C = reference${tflite ? ', TFLite within 1 LSB' : ''}`, async () => {
      const r = await checkOp(
        {
          name: `quantize_${from}_${to}`,
          tensors: [
            { shape: [1, 5, 7], dtype: from, q: [si, zi] },
            { shape: [1, 5, 7], dtype: to, q: [so, zo] },
          ],
          op: { kind: 'Quantize', inputs: [0], outputs: [1] },
        },
        { samples: 8, seed: 3, tflite },
      );
      // TFLite's QUANTIZE requantizes with its single-rounding MultiplyByQuantizedMultiplier.
      if (HAVE_TFLITE && r.tfliteMaxDiff) expect(r.tfliteMaxDiff[0]!).toBeLessThanOrEqual(1);
    }, 120_000);
  }
});

describe('SOFTMAX int8 → int16', () => {
  it('by hand: equal inputs share the unit; output zero point -32768', () => {
    const g = buildGraph({
      name: 'softmax_hand',
      tensors: [
        { shape: [1, 2], dtype: 'int8', q: [0.1, 0] },
        { shape: [1, 2], dtype: 'int16', q: [1 / 65536, -32768] },
      ],
      op: { kind: 'Softmax', inputs: [0], outputs: [1], beta: 1 },
    });
    // Two equal logits: 1/2 each = 32768 / 65536 → 32768 - 32768 = 0 (within gemmlowp's exp/1/x).
    const [y] = runGraph(g, [new Int8Array([7, 7])]);
    expect(Math.abs(y![0]!)).toBeLessThanOrEqual(1);
    expect(y![0]).toBe(y![1]);
    // A logit far below the max falls under diff_min: the output minimum exactly.
    const [z] = runGraph(g, [new Int8Array([127, -128])]);
    expect(z![1]).toBe(-32768);
    expect(z![0]).toBe(32767);
  });

  it('host C = reference, TFLite within 1 LSB', async () => {
    const r = await checkOp(
      {
        name: 'softmax_s8_s16',
        tensors: [
          { shape: [3, 10], dtype: 'int8', q: [0.0699, 2] },
          { shape: [3, 10], dtype: 'int16', q: [1 / 65536, -32768] },
        ],
        op: { kind: 'Softmax', inputs: [0], outputs: [1], beta: 1 },
      },
      { samples: 8, seed: 4 },
    );
    if (HAVE_TFLITE && r.tfliteMaxDiff) expect(r.tfliteMaxDiff[0]!).toBeLessThanOrEqual(1);
  }, 120_000);
});
