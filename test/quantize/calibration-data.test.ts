import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { loadSamples, syntheticSamples } from '../../src/quantize/calibration-data.js';

function f32bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(b.buffer).setFloat32(i * 4, v, true));
  return b;
}

describe('calibration data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-cal-'));

  it('raw .bin: N concatenated float32 LE samples', async () => {
    const f = join(dir, 'a.bin');
    writeFileSync(f, f32bytes([1, 2, 3, 4, 5, 6]));
    const s = await loadSamples(f, 3);
    expect(s.samples.map((x) => Array.from(x))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
  it('raw .bin of the wrong size names the file and the sizes', async () => {
    const f = join(dir, 'bad.bin');
    writeFileSync(f, f32bytes([1, 2, 3, 4, 5]));
    await expect(loadSamples(f, 3)).rejects.toThrow(/bad\.bin: 20 bytes = 5 float32 values, not a multiple of the model input size 3/);
    writeFileSync(f, new Uint8Array(7));
    await expect(loadSamples(f, 3)).rejects.toThrow(/bad\.bin: 7 bytes/);
  });
  it('.npy (N × input shape, float64) recognised by content whatever its name', async () => {
    const f = join(dir, 'data.whatever');
    writeFileSync(f, writeNpy({ dtype: 'float64', shape: [2, 1, 2], data: new Float64Array([0.5, 1, 1.5, 2]) }));
    const s = await loadSamples(f, 2);
    expect(s.samples.map((x) => Array.from(x))).toEqual([
      [0.5, 1],
      [1.5, 2],
    ]);
  });
  it('.npy whose per-sample shape does not match names both sizes', async () => {
    const f = join(dir, 'wrong.npy');
    writeFileSync(f, writeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }));
    await expect(loadSamples(f, 2)).rejects.toThrow(/wrong\.npy: .npy shape \(2, 3\) has 3 values per sample, the model input has 2/);
  });
  it('folder: files sorted by name, concatenated', async () => {
    const d = join(dir, 'folder');
    mkdirSync(d);
    writeFileSync(join(d, 'b.bin'), f32bytes([3, 3]));
    writeFileSync(join(d, 'a.npy'), writeNpy({ dtype: 'float32', shape: [1, 2], data: new Float32Array([1, 1]) }));
    writeFileSync(join(d, 'B.bin'), f32bytes([2, 2])); // 'B' < 'a' in code-unit order
    const s = await loadSamples(d, 2);
    expect(s.source).toBe('folder');
    expect(s.samples.map((x) => x[0])).toEqual([2, 1, 3]);
  });
  it('missing path is a clean error', async () => {
    await expect(loadSamples(join(dir, 'nope'), 2)).rejects.toThrow(/nope: no such file or folder/);
  });
  it('synthetic samples are seeded and roughly N(0, 1)', () => {
    const a = syntheticSamples(4, 1000, 3);
    const b = syntheticSamples(4, 1000, 3);
    expect(a.samples).toEqual(b.samples);
    expect(a.source).toBe('synthetic');
    const all = a.samples.flatMap((x) => Array.from(x));
    const mean = all.reduce((p, v) => p + v, 0) / all.length;
    const varc = all.reduce((p, v) => p + (v - mean) ** 2, 0) / all.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(varc - 1)).toBeLessThan(0.1);
  });
});
