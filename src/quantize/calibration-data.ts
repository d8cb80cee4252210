/**
 * Calibration (and hold-out) sample loading for `tinyml quantize`.
 *
 * Accepted sources, all decoded into float32 samples of exactly `sampleSize` elements:
 * - `.npy` (recognised by its magic, not its name): shape `(N, ...)` whose trailing
 *   dimensions hold `sampleSize` elements (a 1-D array of N × sampleSize is also accepted);
 *   dtypes float32, float64, int8, uint8, int32 (values are taken as they are, converted to float).
 * - any other file: raw little-endian float32, N samples concatenated.
 * - a folder: every regular file in it (not recursive), sorted by name (plain code-unit
 *   order, so the result does not depend on the locale), each decoded as above, concatenated.
 *
 * Synthetic inputs (no calibration data): N samples drawn from a seeded normal
 * distribution, so runs are repeatable; callers must warn loudly, the ranges they give
 * say nothing about real data.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TinymlError } from '../errors.js';
import { mulberry32 } from '../rng.js';
import { isNpy, parseNpy } from '../io/npy.js';

export interface CalibrationSet {
  /** One Float32Array of `sampleSize` elements per sample. */
  samples: Float32Array[];
  /** Files read, in order (empty for synthetic). */
  files: string[];
  source: 'file' | 'folder' | 'synthetic';
}

/** Split one decoded buffer into samples; errors name the file and both sizes. */
function splitSamples(values: ArrayLike<number>, sampleSize: number, file: string, what: string): Float32Array[] {
  if (values.length === 0) throw new TinymlError('input', `${file}: no samples (${what} is empty)`);
  if (values.length % sampleSize !== 0) {
    throw new TinymlError(
      'input',
      `${file}: ${what} holds ${values.length} values, not a whole number of samples of ${sampleSize} values (the model input size); ${values.length / sampleSize} samples`,
      'Each sample must hold exactly as many values as the model input (product of its shape).',
    );
  }
  const out: Float32Array[] = [];
  for (let off = 0; off < values.length; off += sampleSize) {
    const s = new Float32Array(sampleSize);
    for (let i = 0; i < sampleSize; i++) s[i] = values[off + i]!;
    out.push(s);
  }
  return out;
}

/** Decode one file's bytes (npy by magic, else raw float32 LE). */
export function decodeSamples(bytes: Uint8Array, sampleSize: number, file: string): Float32Array[] {
  if (isNpy(bytes)) {
    const arr = parseNpy(bytes, file);
    const trailing = arr.shape.slice(1).reduce((a, b) => a * b, 1);
    if (arr.shape.length > 1 && trailing !== sampleSize) {
      throw new TinymlError(
        'input',
        `${file}: .npy shape (${arr.shape.join(', ')}) has ${trailing} values per sample, the model input has ${sampleSize}`,
        'The first dimension is the sample count N; the rest must match the model input shape.',
      );
    }
    return splitSamples(arr.data, sampleSize, file, `.npy array of shape (${arr.shape.join(', ')})`);
  }
  if (bytes.length % 4 !== 0) {
    throw new TinymlError(
      'input',
      `${file}: ${bytes.length} bytes is not a whole number of float32 values (raw .bin calibration data is N × ${sampleSize} little-endian float32 = N × ${sampleSize * 4} bytes)`,
    );
  }
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const floats = new Float32Array(bytes.length / 4);
  for (let i = 0; i < floats.length; i++) floats[i] = view.getFloat32(i * 4, true);
  if (floats.length % sampleSize !== 0) {
    throw new TinymlError(
      'input',
      `${file}: ${bytes.length} bytes = ${floats.length} float32 values, not a multiple of the model input size ${sampleSize} (${sampleSize * 4} bytes per sample)`,
      'Raw calibration files hold N samples of little-endian float32 concatenated; for other dtypes use .npy.',
    );
  }
  return splitSamples(floats, sampleSize, file, `${bytes.length} bytes`);
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TinymlError('input', `cannot read calibration data ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

/** Load samples from a file or a folder of files. */
export async function loadSamples(path: string, sampleSize: number): Promise<CalibrationSet> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new TinymlError('input', `calibration data ${path}: no such file or folder`, 'Pass a .npy, a raw float32 .bin, or a folder of those.');
  }
  if (st.isDirectory()) {
    const names = (await readdir(path, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (names.length === 0) throw new TinymlError('input', `calibration folder ${path} holds no files`);
    const samples: Float32Array[] = [];
    const files: string[] = [];
    for (const n of names) {
      const f = join(path, n);
      samples.push(...decodeSamples(await readBytes(f), sampleSize, f));
      files.push(f);
    }
    return { samples, files, source: 'folder' };
  }
  return { samples: decodeSamples(await readBytes(path), sampleSize, path), files: [path], source: 'file' };
}

/** mulberry32 (src/rng.ts): a small, fast, seeded PRNG (deterministic across platforms). */
export const seededRandom = mulberry32;

/** Standard normal samples (Box–Muller) from a seeded generator. */
export function syntheticSamples(count: number, sampleSize: number, seed = 1): CalibrationSet {
  const rnd = seededRandom(seed);
  const samples: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    const s = new Float32Array(sampleSize);
    for (let i = 0; i < sampleSize; i++) {
      const u = 1 - rnd();
      const v = rnd();
      s[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    samples.push(s);
  }
  return { samples, files: [], source: 'synthetic' };
}
