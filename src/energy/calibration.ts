/**
 * Board power calibrated on published MLPerf Tiny energy results.
 *
 * The MLPerf Tiny energy run reports, per system and benchmark, the median energy per
 * inference (µJ) and the median throughput (inferences/s) while a meter measured the whole
 * board. Their product is the average power during the run: P = E × throughput. For a board
 * file whose id names a system in the table, that product is the calibrated active power,
 * and the row it came from is cited.
 *
 * Steps: read the CSV (at run time, never a copy baked into code) → find rows whose system
 * names the board (case and punctuation ignored: NUCLEO_L4R5ZI ≡ nucleo-l4r5zi) → prefer the
 * latest MLPerf Tiny version and the kws benchmark → P = E × throughput.
 *
 * What it does not promise: the published power includes whatever else the board powers in
 * the MLPerf setup (the LPM01A supplies the MCU rail only on NUCLEO boards, at 3.0–3.3 V);
 * the power differs between benchmarks and software stacks by several percent, so a model
 * calibrated on one row reproduces other rows only approximately.
 */
import { readFileSync } from 'node:fs';
import { TinymlError } from '../errors.js';
import type { BoardProfile } from '../boards/board.js';
import { figure, type Figure } from './figure.js';
import { mlperfTinyCsvPath } from './paths.js';

export interface MlperfTinyRow {
  version: string;
  organization: string;
  system: string;
  benchmark: string;
  energyUJ: number;
  powerUW: number;
  throughput: number;
  /** repository:path of the results file. */
  source: string;
  /** 1-based line number in the CSV (for citations). */
  line: number;
}

export function readMlperfTinyCsv(file = mlperfTinyCsvPath()): MlperfTinyRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TinymlError('input', `cannot read the MLPerf Tiny results table ${file}: ${(e as Error).message}`, 'Set TINYML_MLPERF_TINY_CSV to its path.');
  }
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  const want = ['mlperf_tiny_version', 'organization', 'system', 'benchmark', 'median_energy_uJ', 'median_power_uW', 'median_throughput_inf_per_s', 'source'];
  for (const w of want) {
    if (!header.includes(w)) throw new TinymlError('input', `${file}: header has no column "${w}" (found: ${header.join(', ')})`);
  }
  const col = (name: string): number => header.indexOf(name);
  const rows: MlperfTinyRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l || !l.trim()) continue;
    const f = l.split(',');
    const num = (name: string): number => {
      const v = Number(f[col(name)]);
      if (!Number.isFinite(v)) throw new TinymlError('input', `${file}:${i + 1}: column ${name} is not a number: "${f[col(name)]}"`);
      return v;
    };
    rows.push({
      version: f[col('mlperf_tiny_version')] ?? '',
      organization: f[col('organization')] ?? '',
      system: f[col('system')] ?? '',
      benchmark: f[col('benchmark')] ?? '',
      energyUJ: num('median_energy_uJ'),
      powerUW: num('median_power_uW'),
      throughput: num('median_throughput_inf_per_s'),
      source: f[col('source')] ?? '',
      line: i + 1,
    });
  }
  return rows;
}

export function normalizeSystemName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Rows published for this board: system name equals the board id (or name), punctuation ignored. */
export function rowsForBoard(board: Pick<BoardProfile, 'id' | 'name'>, rows: MlperfTinyRow[]): MlperfTinyRow[] {
  const keys = new Set([normalizeSystemName(board.id), normalizeSystemName(board.name)]);
  return rows.filter((r) => keys.has(normalizeSystemName(r.system)));
}

export function citeRow(r: MlperfTinyRow): string {
  return `MLPerf Tiny v${r.version} closed, ${r.organization} ${r.system} ${r.benchmark}: median ${r.energyUJ} µJ/inference at ${r.throughput} inferences/s (${r.source}; data/mlperf-tiny-energy.csv line ${r.line})`;
}

/** The row a calibration uses: latest version first, then kws, then the first listed. */
export function calibrationRow(rows: MlperfTinyRow[], benchmark = 'kws'): MlperfTinyRow | undefined {
  const byVersion = [...rows].sort((a, b) => Number(b.version) - Number(a.version));
  return byVersion.find((r) => r.benchmark === benchmark) ?? byVersion[0];
}

/** Power (W) during a published energy run: energy × throughput. */
export function publishedPowerW(r: MlperfTinyRow): Figure {
  return figure(r.energyUJ * 1e-6 * r.throughput, 'W', 'derived', citeRow(r), `${r.energyUJ} µJ × ${r.throughput} /s`);
}

export interface Calibration {
  board: string;
  row: MlperfTinyRow;
  activeW: Figure;
  /** Every row of the table for this board (for "where it stands" comparisons). */
  rows: MlperfTinyRow[];
}

/**
 * The row a board file's power model says it was calibrated on: a power source citing the
 * row's results file (`mlcommons/tiny_results_v1.0:closed/…/kws/energy/results.txt`).
 */
export function citedRow(board: Pick<BoardProfile, 'power'>, rows: MlperfTinyRow[]): MlperfTinyRow | undefined {
  const cites = (board.power?.sources ?? []).map((s) => `${s.source} ${s.url ?? ''}`);
  return rows.find((r) => r.source && cites.some((c) => c.includes(r.source)));
}

/**
 * The rows a board's model should reproduce: those of the same MLPerf Tiny version and system
 * as the row the board file cites, else the latest version published for the board.
 */
export function rowsToReproduce(board: Pick<BoardProfile, 'id' | 'name' | 'power'>, all: MlperfTinyRow[]): MlperfTinyRow[] {
  const rows = rowsForBoard(board, all);
  const cited = citedRow(board, all);
  const ref = cited ?? calibrationRow(rows);
  if (!ref) return [];
  return all.filter((r) => r.version === ref.version && r.system === ref.system && r.organization === ref.organization);
}

export function calibrate(board: Pick<BoardProfile, 'id' | 'name'> & Partial<Pick<BoardProfile, 'power'>>, all: MlperfTinyRow[], benchmark = 'kws'): Calibration | undefined {
  const rows = rowsForBoard(board, all);
  const row = citedRow(board, all) ?? calibrationRow(rows, benchmark);
  if (!row) return undefined;
  return { board: board.id, row, activeW: publishedPowerW(row), rows };
}

/**
 * Cycles per MAC on this board, derived from a published throughput: clock ÷ (throughput ×
 * MACs of the benchmark model). `benchmarkMacs` must be the MAC count of the reference model
 * that produced the row.
 */
export function cyclesPerMacFromRow(r: MlperfTinyRow, clockHz: number, benchmarkMacs: number, macsSource: string): Figure {
  return figure(
    clockHz / (r.throughput * benchmarkMacs),
    'cycles/MAC',
    'derived',
    `${citeRow(r)}; MACs: ${macsSource}`,
    `${clockHz} Hz ÷ (${r.throughput} /s × ${benchmarkMacs} MACs)`,
  );
}
