/**
 * Every number the energy code produces carries where it came from. A report never shows a
 * bare number: it shows the value, its unit and one of these tags.
 *
 * - `measured`  — a power meter integrated it over the inference window.
 * - `estimated` — measured (on-device) cycles × the board's power model.
 * - `emulated`  — cycles counted under an emulator (QEMU) × the board's power model.
 * - `published` — read from a cited source (a datasheet, MLPerf results, a paper).
 * - `derived`   — computed from published numbers by a stated formula (`note` says how).
 */
export type Provenance = 'measured' | 'estimated' | 'emulated' | 'published' | 'derived';

export interface Figure {
  value: number;
  unit: string;
  provenance: Provenance;
  /** Citation: document + where in it, or the file/row the number was read from. */
  source?: string;
  /** How a derived figure was derived, or the assumption it rests on. */
  note?: string;
}

export function figure(value: number, unit: string, provenance: Provenance, source?: string, note?: string): Figure {
  const f: Figure = { value, unit, provenance };
  if (source !== undefined) f.source = source;
  if (note !== undefined) f.note = note;
  return f;
}

/**
 * The provenance of a result computed from several inputs: the weakest link wins, so a
 * figure computed from an emulated cycle count is `emulated` even if the power is published.
 */
export function combineProvenance(...ps: Provenance[]): Provenance {
  const order: Provenance[] = ['emulated', 'estimated', 'derived', 'measured', 'published'];
  for (const p of order) if (ps.includes(p)) return p;
  return 'derived';
}

/** Engineering formatting with SI prefixes: 0.000123 J → "123 µJ". */
export function formatSi(value: number, unit: string, digits = 3): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  if (value === 0) return `0 ${unit}`;
  const prefixes: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
    [1, ''],
    [1e-3, 'm'],
    [1e-6, 'µ'],
    [1e-9, 'n'],
    [1e-12, 'p'],
    [1e-15, 'f'],
  ];
  const a = Math.abs(value);
  for (const [scale, p] of prefixes) {
    if (a >= scale) return `${Number((value / scale).toPrecision(digits))} ${p}${unit}`;
  }
  return `${value.toExponential(digits - 1)} ${unit}`;
}
