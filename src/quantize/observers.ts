/**
 * Calibration observers: from the float values a tensor took over the calibration set,
 * choose the real range [min, max] that its int8 parameters will cover.
 *
 * - `minmax`: the exact extremes seen (TFLite's converter does this).
 * - `percentile`: the (100 - p)-th and p-th percentiles of all values seen (p = 99.99 by
 *   default), which ignores rare outliers at the price of clipping them.
 * - `mse`: the range that minimises the expected squared quantization error over the values
 *   seen. Steps: (1) histogram the values in 2048 bins over [min, max] (0 included);
 *   (2) for candidate ranges [a·min, b·max], a and b on a geometric grid 0.95^k in (0.002, 1],
 *   searched one bound at a time (two rounds of coordinate descent), estimate the
 *   error as rounding noise scale²/12 for values inside plus (v - bound)² for clipped values
 *   outside, with the scale of the target grid (int8: (max - min) / 255; int16, symmetric:
 *   max(|min|, |max|) / 32767); (3) keep the cheapest. It is a grid search on a histogram, so it finds a
 *   near-optimal range, not the exact optimum, and it optimises each tensor alone (not the
 *   model's output error).
 *
 * Values are kept for percentile/mse up to `maxValues` per tensor; beyond that the kept set
 * is thinned to every 2nd, 4th, ... value, deterministically. Exact min/max are always kept.
 */

export type ObserverKind = 'minmax' | 'percentile' | 'mse';
export const OBSERVER_KINDS: readonly ObserverKind[] = ['minmax', 'percentile', 'mse'];

export interface Observer {
  observe(values: ArrayLike<number>): void;
  /** The chosen range; [0, 0] when nothing was observed. */
  range(): [number, number];
}

export interface ObserverOptions {
  /** Percentile for `percentile` (e.g. 99.99). */
  percentile?: number;
  maxValues?: number;
  /** The grid the range is for (`mse`): int8 asymmetric (default) or int16 symmetric (16x8). */
  grid?: 'int8' | 'int16';
}

class MinMaxObserver implements Observer {
  min = Infinity;
  max = -Infinity;
  observe(values: ArrayLike<number>): void {
    let mn = this.min;
    let mx = this.max;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    this.min = mn;
    this.max = mx;
  }
  range(): [number, number] {
    return this.min > this.max ? [0, 0] : [this.min, this.max];
  }
}

/** Keeps (a thinned copy of) the values plus exact extremes. */
abstract class CollectingObserver extends MinMaxObserver {
  private buf: Float32Array;
  private n = 0;
  private stride = 1;
  private seen = 0;
  constructor(private readonly maxValues: number) {
    super();
    this.buf = new Float32Array(Math.min(maxValues, 1 << 16));
  }
  override observe(values: ArrayLike<number>): void {
    super.observe(values);
    for (let i = 0; i < values.length; i++, this.seen++) {
      if (this.seen % this.stride !== 0) continue;
      if (this.n === this.buf.length) {
        if (this.buf.length < this.maxValues) {
          const bigger = new Float32Array(Math.min(this.maxValues, this.buf.length * 2));
          bigger.set(this.buf);
          this.buf = bigger;
        } else {
          // Thin: keep every 2nd kept value and double the stride.
          for (let j = 0; j < this.n / 2; j++) this.buf[j] = this.buf[j * 2]!;
          this.n = Math.floor(this.n / 2);
          this.stride *= 2;
          if (this.seen % this.stride !== 0) continue;
        }
      }
      this.buf[this.n++] = values[i]!;
    }
  }
  protected values(): Float32Array {
    return this.buf.subarray(0, this.n);
  }
}

class PercentileObserver extends CollectingObserver {
  constructor(
    private readonly p: number,
    maxValues: number,
  ) {
    super(maxValues);
  }
  override range(): [number, number] {
    const v = Float32Array.from(this.values()).sort();
    if (v.length === 0) return [0, 0];
    const at = (q: number) => {
      // Rounded so that e.g. 0.01 × 10000 lands exactly on 100, not 100.00000000000009.
      const pos = Math.round(q * (v.length - 1) * 1e9) / 1e9;
      const lo = Math.floor(pos);
      const hi = Math.min(v.length - 1, lo + 1);
      return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
    };
    return [at(1 - this.p / 100), at(this.p / 100)];
  }
}

class MseObserver extends CollectingObserver {
  constructor(
    maxValues: number,
    private readonly grid: 'int8' | 'int16',
  ) {
    super(maxValues);
  }
  override range(): [number, number] {
    const [mn0, mx0] = super.range();
    const mn = Math.min(mn0, 0);
    const mx = Math.max(mx0, 0);
    const vals = this.values();
    if (mx - mn === 0 || vals.length === 0) return [mn0, mx0];
    const BINS = 2048;
    const width = (mx - mn) / BINS;
    const counts = new Float64Array(BINS);
    for (let i = 0; i < vals.length; i++) {
      let b = Math.floor((vals[i]! - mn) / width);
      if (b >= BINS) b = BINS - 1;
      if (b < 0) b = 0;
      counts[b]! += 1;
    }
    const centers = new Float64Array(BINS);
    for (let b = 0; b < BINS; b++) centers[b] = mn + (b + 0.5) * width;
    const cost = (lo: number, hi: number): number => {
      const scale = this.grid === 'int16' ? Math.max(-lo, hi) / 32767 : (hi - lo) / 255;
      let c = 0;
      for (let b = 0; b < BINS; b++) {
        const k = counts[b]!;
        if (k === 0) continue;
        const x = centers[b]!;
        if (x < lo) c += k * (lo - x) * (lo - x);
        else if (x > hi) c += k * (x - hi) * (x - hi);
        else c += (k * scale * scale) / 12;
      }
      return c;
    };
    // Coordinate descent over geometric fractions of each bound (1 down to ~0.002).
    const fractions: number[] = [];
    for (let i = 0; i <= 120; i++) fractions.push(Math.pow(0.95, i));
    let best: [number, number] = [mn, mx];
    let bestCost = cost(mn, mx);
    for (let round = 0; round < 2; round++) {
      if (mx > 0) {
        for (const b of fractions) {
          const c = cost(best[0], mx * b);
          if (c < bestCost) {
            bestCost = c;
            best = [best[0], mx * b];
          }
        }
      }
      if (mn < 0) {
        for (const a of fractions) {
          const c = cost(mn * a, best[1]);
          if (c < bestCost) {
            bestCost = c;
            best = [mn * a, best[1]];
          }
        }
      }
    }
    return best;
  }
}

export function makeObserver(kind: ObserverKind, opts: ObserverOptions = {}): Observer {
  const maxValues = opts.maxValues ?? 1 << 20;
  switch (kind) {
    case 'minmax':
      return new MinMaxObserver();
    case 'percentile':
      return new PercentileObserver(opts.percentile ?? 99.99, maxValues);
    case 'mse':
      return new MseObserver(maxValues, opts.grid ?? 'int8');
  }
}
