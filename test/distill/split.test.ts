import { describe, expect, it } from 'vitest';
import { computeNormalization, gather, splitDataset } from '../../src/distill/split.js';
import { loadMnist } from '../../src/distill/dataset.js';

describe('seeded stratified split', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);

  it('gives disjoint train/val/test sets that cover the dataset', () => {
    const s = splitDataset(labels, { seed: 3, valFraction: 0.1, testFraction: 0.2 });
    const all = [...s.train, ...s.val, ...s.test];
    expect(all.length).toBe(1000);
    expect(new Set(all).size).toBe(1000);
    expect(Math.min(...all)).toBe(0);
    expect(Math.max(...all)).toBe(999);
    expect(s.val.length).toBe(100);
    expect(s.test.length).toBe(200);
  });

  it('is stratified: every class keeps its share in each split', () => {
    const s = splitDataset(labels, { seed: 3, valFraction: 0.1, testFraction: 0.2 });
    for (let c = 0; c < 10; c++) {
      expect([...s.test].filter((i) => labels[i] === c).length).toBe(20);
      expect([...s.val].filter((i) => labels[i] === c).length).toBe(10);
    }
  });

  it('is a function of the seed: same seed same indices, other seed other indices', () => {
    const a = splitDataset(labels, { seed: 5, valFraction: 0.1, testFraction: 0.1 });
    const b = splitDataset(labels, { seed: 5, valFraction: 0.1, testFraction: 0.1 });
    const c = splitDataset(labels, { seed: 6, valFraction: 0.1, testFraction: 0.1 });
    expect([...a.test]).toEqual([...b.test]);
    expect(a.hashes).toEqual(b.hashes);
    expect([...a.test]).not.toEqual([...c.test]);
    expect(a.hashes.test).not.toBe(c.hashes.test);
  });

  it('refuses fractions that leave no training data', () => {
    expect(() => splitDataset(labels, { seed: 1, valFraction: 0.5, testFraction: 0.5 })).toThrow(/fractions/);
  });

  it('normalisation uses the training split only', () => {
    const x = Float32Array.from({ length: 4 }, (_, i) => [0, 2, 100, 100][i]!);
    const n = computeNormalization(x, 1, Int32Array.from([0, 1]));
    expect(n.mean).toBe(1);
    expect(n.std).toBe(1);
    expect([...gather(x, 1, Int32Array.from([2, 0]))]).toEqual([100, 0]);
  });

  it('mnist: 10,000 real digits of 28×28 in [0, 1], 10 classes', () => {
    const ds = loadMnist();
    expect(ds.y.length).toBe(10000);
    expect(ds.x.length).toBe(10000 * 784);
    expect(new Set(ds.y).size).toBe(10);
    let max = 0;
    for (const v of ds.x) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });
});
