/**
 * Deterministic, seeded, stratified train / validation / test split.
 *
 * Steps: group sample indices by class (in dataset order); shuffle each group with a
 * mulberry32 stream seeded by `seed`; cut each group at round(n·valFraction) and
 * round(n·testFraction) for validation and test, the rest is training; concatenate the
 * groups and shuffle each split once more with the same stream. Same dataset + seed +
 * fractions ⇒ the same indices on every machine. The three index sets are disjoint and
 * cover the dataset.
 */
import { createHash } from 'node:crypto';
import { TinymlError } from '../errors.js';
import { mulberry32, shuffledIndices } from '../rng.js';

export interface SplitOptions {
  seed: number;
  valFraction: number;
  testFraction: number;
}

export interface Split {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  seed: number;
  /** SHA-256 (hex, first 16 chars) of each index list, to pin a split in reports. */
  hashes: { train: string; val: string; test: string };
}

function hashIndices(idx: Int32Array): string {
  return createHash('sha256').update(new Uint8Array(idx.buffer, idx.byteOffset, idx.byteLength)).digest('hex').slice(0, 16);
}

export function splitDataset(labels: Int32Array, opts: SplitOptions): Split {
  const { seed, valFraction, testFraction } = opts;
  if (!(valFraction >= 0 && testFraction > 0 && valFraction + testFraction < 1)) {
    throw new TinymlError('usage', `split fractions val=${valFraction}, test=${testFraction} must be ≥ 0, > 0 and sum below 1`);
  }
  const rand = mulberry32(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    const g = byClass.get(c) ?? [];
    g.push(i);
    byClass.set(c, g);
  });
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const group = byClass.get(cls)!;
    const order = shuffledIndices(group.length, rand);
    const nVal = Math.round(group.length * valFraction);
    const nTest = Math.round(group.length * testFraction);
    order.forEach((o, k) => {
      const i = group[o]!;
      if (k < nTest) test.push(i);
      else if (k < nTest + nVal) val.push(i);
      else train.push(i);
    });
  }
  const mix = (a: number[]): Int32Array => {
    const order = shuffledIndices(a.length, rand);
    return Int32Array.from(order, (o) => a[o]!);
  };
  const s = { train: mix(train), val: mix(val), test: mix(test) };
  if (s.train.length === 0 || s.test.length === 0) {
    throw new TinymlError('input', `dataset of ${labels.length} samples is too small to split (train ${s.train.length}, test ${s.test.length})`);
  }
  return { ...s, seed, hashes: { train: hashIndices(s.train), val: hashIndices(s.val), test: hashIndices(s.test) } };
}

/** Gather samples `idx` of `x` (each `per` floats) into one array. */
export function gather(x: Float32Array, per: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * per);
  idx.forEach((i, k) => out.set(x.subarray(i * per, (i + 1) * per), k * per));
  return out;
}

export interface Normalization {
  /** x_model = (x_raw - mean) / std, one scalar each, computed on the training split. */
  mean: number;
  std: number;
}

export function computeNormalization(x: Float32Array, per: number, train: Int32Array): Normalization {
  let sum = 0;
  let sq = 0;
  for (const i of train) {
    for (let k = i * per; k < (i + 1) * per; k++) {
      const v = x[k]!;
      sum += v;
      sq += v * v;
    }
  }
  const n = train.length * per;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(sq / n - mean * mean, 0)) || 1;
  return { mean, std };
}

export function normalize(x: Float32Array, norm: Normalization): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - norm.mean) / norm.std;
  return out;
}
