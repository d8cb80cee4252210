import { describe, expect, it } from 'vitest';
import { makeObserver } from '../../src/quantize/observers.js';
import { seededRandom } from '../../src/quantize/calibration-data.js';

describe('observers', () => {
  it('minmax keeps the exact extremes over several batches', () => {
    const o = makeObserver('minmax');
    o.observe([0.5, -1, 2]);
    o.observe(new Float32Array([5, -0.25]));
    expect(o.range()).toEqual([-1, 5]);
  });
  it('percentile interpolates between sorted values', () => {
    const o = makeObserver('percentile', { percentile: 99 });
    const v = Array.from({ length: 10001 }, (_, i) => 10001 - i); // 1..10001, reversed
    o.observe(v);
    // quantile 0.01 of 1..10001 is at position 100 -> 101; 0.99 at 9900 -> 9901
    expect(o.range()).toEqual([101, 9901]);
  });
  it('percentile thins deterministically past maxValues but keeps the distribution', () => {
    const o = makeObserver('percentile', { percentile: 50, maxValues: 1024 });
    for (let b = 0; b < 10; b++) o.observe(Array.from({ length: 1000 }, (_, i) => i));
    const [lo, hi] = o.range();
    expect(Math.abs(lo - 500)).toBeLessThan(30);
    expect(Math.abs(hi - 500)).toBeLessThan(30);
  });
  it('mse clips rare far outliers instead of stretching the range to them', () => {
    // Range [-1, h]: cost(h) = 2·(100 − h)² (clipped outliers) + 10^6 · ((h + 1)/255)² / 12
    // (rounding noise). d/dh = 0 at h = (400 − 2.563) / (4 + 2.563) ≈ 60.6, far below 100.
    const rnd = seededRandom(7);
    const v = new Float32Array(1_000_002);
    for (let i = 0; i < 1_000_000; i++) v[i] = rnd() * 2 - 1;
    v[1_000_000] = 100;
    v[1_000_001] = 100;
    const mse = makeObserver('mse');
    mse.observe(v);
    const [lo, hi] = mse.range();
    expect(hi).toBeGreaterThan(56);
    expect(hi).toBeLessThan(65);
    expect(lo).toBeLessThan(-0.9);
    const mm = makeObserver('minmax');
    mm.observe(v);
    expect(mm.range()[1]).toBe(100);
  });
  it('mse keeps a single outlier among few values (clipping it would cost more)', () => {
    const v = Array.from({ length: 1000 }, (_, i) => i / 999);
    v.push(20);
    const o = makeObserver('mse');
    o.observe(v);
    expect(o.range()[1]).toBeGreaterThan(19.5);
  });
  it('mse keeps the full range of a uniform distribution', () => {
    const v = Array.from({ length: 4096 }, (_, i) => i / 4095);
    const o = makeObserver('mse');
    o.observe(v);
    const [, hi] = o.range();
    expect(hi).toBeGreaterThan(0.95);
  });
});
