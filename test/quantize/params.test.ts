import { describe, expect, it } from 'vitest';
import { asymmetricParams, quantizeBias, quantizeValue, quantizeWeightsPerChannel, quantizeWeightsPerTensor } from '../../src/quantize/params.js';

describe('asymmetric activation params (TFLite GetAsymmetricQuantizationParams)', () => {
  it('range [-63.5, 191.5]: scale 1, zero point -128 + 63.5 = -64.5 rounds half away from zero to -65', () => {
    // Math.round(-64.5) is -64 and banker's rounding gives -64: both must fail here.
    expect(asymmetricParams(-63.5, 191.5)).toEqual({ scale: 1, zeroPoint: -65 });
  });
  it('range [-1, 3]: scale 4/255 as float32, zero point -128 + 63.75 -> -64', () => {
    const p = asymmetricParams(-1, 3);
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(-64);
  });
  it('nudges the range to contain 0', () => {
    expect(asymmetricParams(2, 5)).toEqual({ scale: Math.fround(5 / 255), zeroPoint: -128 });
    expect(asymmetricParams(-5, -2)).toEqual({ scale: Math.fround(5 / 255), zeroPoint: 127 });
  });
  it('all-zero range gets a usable scale', () => {
    const p = asymmetricParams(0, 0);
    expect(p.scale).toBeGreaterThan(0);
    expect(quantizeValue(0, p)).toBe(p.zeroPoint);
  });
  it('quantizes with round half away from zero and clamps', () => {
    const p = { scale: 0.5, zeroPoint: 3 };
    expect(quantizeValue(-0.25, p)).toBe(2); // -0.5 -> -1
    expect(quantizeValue(0.25, p)).toBe(4); // 0.5 -> 1
    expect(quantizeValue(1000, p)).toBe(127);
    expect(quantizeValue(-1000, p)).toBe(-128);
  });
});

describe('per-channel symmetric weights', () => {
  it('Conv2D OHWI, axis 0: each output channel has its own scale max|w|/127', () => {
    const w = new Float32Array([0.5, -1.27, 0.1, 2.54, 0, -0.635]);
    const q = quantizeWeightsPerChannel(w, [2, 1, 1, 3], 0);
    expect(q.scales).toEqual([Math.fround(Math.fround(1.27) / 127), Math.fround(Math.fround(2.54) / 127)]);
    // With one per-tensor scale (0.02) channel 0 would be [25, -64, 5].
    expect(Array.from(q.data)).toEqual([50, -127, 10, 127, 0, -32]);
  });
  it('DepthwiseConv2D [1,kh,kw,C], axis 3: channels are the last dimension', () => {
    const w = new Float32Array([-2, 4, 1.5, 1]);
    const q = quantizeWeightsPerChannel(w, [1, 1, 2, 2], 3);
    expect(q.scales).toEqual([Math.fround(2 / 127), Math.fround(4 / 127)]);
    expect(Array.from(q.data)).toEqual([-127, 127, 95, 32]);
  });
  it('per tensor: one scale for the whole tensor', () => {
    const q = quantizeWeightsPerTensor(new Float32Array([0.5, -1.27, 0.1, 2.54, 0, -0.635]));
    expect(q.scales).toEqual([Math.fround(Math.fround(2.54) / 127)]);
    expect(Array.from(q.data)).toEqual([25, -64, 5, 127, 0, -32]); // -63.5 -> -64 (half away from zero)
  });
  it('an all-zero channel gets scale 1 and zeros', () => {
    const q = quantizeWeightsPerChannel(new Float32Array([0, 0, 1, -1]), [2, 2], 0);
    expect(q.scales[0]).toBe(1);
    expect(Array.from(q.data)).toEqual([0, 0, 127, -127]);
  });
});

describe('int32 bias at input_scale x weight_scale', () => {
  it('per channel, rounding half away from zero', () => {
    const ws = [Math.fround(0.01), Math.fround(0.02)];
    const q = quantizeBias(new Float32Array([1.0, -0.125]), 0.5, ws);
    expect(q.scales).toEqual([Math.fround(0.5 * ws[0]!), Math.fround(0.5 * ws[1]!)]);
    // 1.0 / 0.005 = 200; -0.125 / 0.01 = -12.5 -> -13 (Math.round would give -12)
    expect(Array.from(q.data)).toEqual([200, -13]);
  });
  it('per-tensor weights give a per-tensor bias scale', () => {
    const q = quantizeBias(new Float32Array([0.3, -0.3, 0.7]), 0.25, [0.4]);
    expect(q.scales).toEqual([Math.fround(0.25 * 0.4)]);
    expect(Array.from(q.data)).toEqual([3, -3, 7]);
  });
  it('saturates to +-(2^31 - 1)', () => {
    const q = quantizeBias(new Float32Array([1e6, -1e6]), 1e-6, [1e-6]);
    expect(Array.from(q.data)).toEqual([2147483647, -2147483647]);
  });
});
