import { describe, expect, it } from 'vitest';
import { multiplyByQuantizedMultiplier } from '../../src/numerics/fixed-point.js';
import { mbqm, srdhmFast } from '../../src/numerics/requantize.js';

/**
 * The hot-loop requantization must equal TFLite's MultiplyByQuantizedMultiplier (double
 * rounding: gemmlowp SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) for every
 * int32 input. The golden here is a BigInt transcription of those two C functions.
 */
function srdhmBig(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates like C
}
function rdbpotBig(x: number, e: number): number {
  if (e === 0) return x;
  const X = BigInt(x);
  const mask = (1n << BigInt(e)) - 1n;
  const rem = BigInt.asUintN(32, X) & mask;
  const threshold = (mask >> 1n) + (X < 0n ? 1n : 0n);
  return Number((X >> BigInt(e)) + (rem > threshold ? 1n : 0n));
}
function mbqmBig(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpotBig(srdhmBig(Number(BigInt.asIntN(32, BigInt(x) << BigInt(left))), m), right);
}

let seed = 0x1234567;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

describe('requantization (MultiplyByQuantizedMultiplier)', () => {
  it('srdhmFast equals the BigInt definition, including products beyond 2^53', () => {
    const edge = [0, 1, -1, 2147483647, -2147483648, 1073741824, -1073741824, 123456789, -987654321];
    for (const a of edge) for (const b of edge) expect(srdhmFast(a, b)).toBe(srdhmBig(a, b));
    for (let i = 0; i < 20000; i++) {
      const a = rand() | 0;
      const b = rand() | 0;
      expect(srdhmFast(a, b)).toBe(srdhmBig(a, b));
    }
  });

  it('mbqm equals the BigInt definition and the shared fixed-point.ts for accumulators of every size', () => {
    for (let i = 0; i < 20000; i++) {
      const bits = 1 + (rand() % 31);
      const x = ((rand() % 2 ? -1 : 1) * (rand() % 2 ** bits)) | 0;
      const m = 1073741824 + (rand() % 1073741824);
      const shift = -(rand() % 32) + (i % 7 === 0 ? 1 + (rand() % 4) : 0);
      const xs = shift > 0 ? x >> (shift + 1) : x; // keep x·2^shift in int32, as valid models do
      expect(mbqm(xs, m, shift)).toBe(mbqmBig(xs, m, shift));
      expect(mbqm(xs, m, shift)).toBe(multiplyByQuantizedMultiplier(xs, m, shift));
    }
  });

  it('rounds twice like TFLM, not once like TFLITE_SINGLE_ROUNDING builds', () => {
    // -3180 · 1301682313 / 2^31 = -1927.53 → SRDHM rounds to -1928; /2^4 = -120.5 → -121.
    // A single rounding of the exact -120.47 would give -120 (tfjs-tflite's WASM TFLite does).
    expect(mbqm(-3180, 1301682313, -4)).toBe(-121);
    expect(mbqmBig(-3180, 1301682313, -4)).toBe(-121);
  });
});
