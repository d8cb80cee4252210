import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/distill/dataset.js';
import { writeNpy } from '../../src/io/npy.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tinyml-ds-'));
}

describe('dataset loaders', () => {
  it('reads a folder per class of .png, .csv, .npy and raw float32 .bin samples', async () => {
    const dir = await tmp();
    await mkdir(join(dir, 'cat'));
    await mkdir(join(dir, 'dog'));
    const png = new PNG({ width: 2, height: 2 });
    [0, 51, 102, 255].forEach((v, i) => png.data.set([v, v, v, 255], i * 4));
    await writeFile(join(dir, 'cat', 'a.png'), PNG.sync.write(png));
    await writeFile(join(dir, 'cat', 'b.csv'), '0.5,0.25,0,1\n1,1,1,1\n');
    await writeFile(join(dir, 'dog', 'c.npy'), writeNpy({ dtype: 'float32', shape: [2, 2, 2, 1], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }));
    await writeFile(join(dir, 'dog', 'd.bin'), new Uint8Array(Float32Array.from([9, 10, 11, 12]).buffer));
    const ds = await loadDataset(dir);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.sampleShape).toEqual([2, 2, 1]);
    expect([...ds.y]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...ds.x.subarray(0, 4)]).toEqual([0, 51 / 255, 102 / 255, 1].map(Math.fround));
    expect([...ds.x.subarray(4, 8)]).toEqual([0.5, 0.25, 0, 1]);
    expect([...ds.x.subarray(12, 24)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('reads x.npy + y.npy', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'x.npy'), writeNpy({ dtype: 'float32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }));
    await writeFile(join(dir, 'y.npy'), writeNpy({ dtype: 'int32', shape: [3], data: Int32Array.from([2, 0, 1]) }));
    const ds = await loadDataset(dir);
    expect(ds.sampleShape).toEqual([2]);
    expect([...ds.y]).toEqual([2, 0, 1]);
    expect(ds.classNames.length).toBe(3);
  });

  it('names the file when a sample has the wrong size or a cell is not a number', async () => {
    const dir = await tmp();
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'a', '1.csv'), '1,2,3\n');
    await writeFile(join(dir, 'b', '2.csv'), '1,2\n');
    await expect(loadDataset(dir)).rejects.toThrow(/2\.csv: row 1 has 2 values, expected 3/);
    await writeFile(join(dir, 'b', '2.csv'), '1,x,3\n');
    await expect(loadDataset(dir)).rejects.toThrow(/2\.csv: line 1, column 2 is not a number/);
    await expect(loadDataset(join(dir, 'missing'))).rejects.toThrow(/no such file/);
  });
});
