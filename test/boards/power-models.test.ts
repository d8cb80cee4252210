/**
 * Board power models (`power` in boards/*.json) against their own citations and against the
 * published MLPerf Tiny energy results.
 *
 * Contract checked here:
 * - every figure of a power block (supplyV, activeW, sleepW, and wakeJ when present) has at least
 *   one citation tagged `figure: <field>`;
 * - where a citation quotes the document's current (`currentA`, or `currentAPerMHz`) and its
 *   voltage (`voltageV`), the figure equals current × voltage, scaled by clockHz ÷ atHz when the
 *   document states the current at another clock — recomputed here from the quoted numbers, so a
 *   typo in either the figure or the quote fails;
 * - an activeW citing an MLPerf Tiny results file equals that row's median power (energy ×
 *   throughput) read from data/mlperf-tiny-energy.csv at test time;
 * - for every board the CSV publishes and that has a power block, activeW ÷ published throughput
 *   reproduces the published energy per inference within ±10%.
 * The raw JSON is read (not the typed profile) because the quoted-number fields are schema
 * extensions the energy code does not need.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/boards/load.js';
import { readMlperfTinyCsv, rowsToReproduce } from '../../src/energy/calibration.js';
import { mlperfTinyCsvPath } from '../../src/energy/paths.js';

interface RawCitation {
  what: string;
  source: string;
  url?: string;
  figure?: 'supplyV' | 'activeW' | 'sleepW' | 'wakeJ';
  currentA?: number;
  currentAPerMHz?: number;
  voltageV?: number;
  atHz?: number;
}
interface RawPower {
  supplyV: number;
  activeW: number;
  sleepW: number;
  wakeJ?: number;
  sources: RawCitation[];
}
interface RawBoard {
  id: string;
  clockHz: number;
  core: string;
  power?: RawPower;
  measuredPower?: { activeW: number; source: string };
}

const BOARDS_DIR = fileURLToPath(new URL('../../boards/', import.meta.url));
const raw: RawBoard[] = readdirSync(BOARDS_DIR)
  .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
  .map((f) => JSON.parse(readFileSync(BOARDS_DIR + f, 'utf8')) as RawBoard);
const withPower = raw.filter((b) => b.power);

/** Relative difference, for figures stored rounded to a dozen significant digits. */
function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** The figure a citation's quoted current and voltage imply, or undefined if it quotes none. */
function impliedW(c: RawCitation, clockHz: number): number | undefined {
  if (c.voltageV === undefined) return undefined;
  if (c.currentAPerMHz !== undefined) return c.currentAPerMHz * (clockHz / 1e6) * c.voltageV;
  if (c.currentA === undefined) return undefined;
  const scale = c.atHz !== undefined ? clockHz / c.atHz : 1;
  return c.currentA * scale * c.voltageV;
}

describe('board power models', () => {
  it('the boards that have a power block are the ones with cited figures (not vacuous)', () => {
    expect(withPower.map((b) => b.id).sort()).toEqual(
      expect.arrayContaining(['nucleo-l4r5zi', 'nucleo-u575zi-q', 'arduino-nano-33-ble-sense', 'esp32-s3-devkitc-1', 'arduino-uno']),
    );
    // Emulated MPS2 images and the host have no silicon power of their own.
    for (const b of raw.filter((x) => x.id.startsWith('qemu-') || x.id === 'host')) {
      expect(b.power, `${b.id} must not carry a power model`).toBeUndefined();
    }
  });

  it('every figure of every power block has at least one citation tagged with it', () => {
    for (const b of withPower) {
      const p = b.power!;
      const fields = ['supplyV', 'activeW', 'sleepW', ...(p.wakeJ !== undefined ? ['wakeJ'] : [])];
      for (const f of fields) {
        const cites = p.sources.filter((s) => s.figure === f);
        expect(cites.length, `${b.id}: no citation for ${f}`).toBeGreaterThanOrEqual(1);
        for (const c of cites) {
          expect(c.source.length, `${b.id} ${f}: empty source`).toBeGreaterThan(10);
          expect(c.what.startsWith(`${f}:`), `${b.id} ${f}: "what" should name the figure it supports`).toBe(true);
        }
      }
      expect(p.sleepW, `${b.id}: sleep above active power`).toBeLessThan(p.activeW);
    }
  });

  it('figures quoted as current × voltage equal the quoted numbers multiplied out', () => {
    let recomputed = 0;
    for (const b of withPower) {
      const p = b.power!;
      for (const c of p.sources) {
        const w = impliedW(c, b.clockHz);
        if (w === undefined) continue;
        expect(c.figure === 'activeW' || c.figure === 'sleepW', `${b.id}: current quoted on a ${c.figure} citation`).toBe(true);
        const stored = c.figure === 'activeW' ? p.activeW : p.sleepW;
        expect(rel(stored, w), `${b.id} ${c.figure}: stored ${stored} W, quoted numbers give ${w} W`).toBeLessThan(1e-9);
        // The voltage the current was stated at is either the model's supply or said out loud.
        if (c.voltageV !== p.supplyV) expect(c.what, `${b.id} ${c.figure}: voltage differs from supplyV without saying so`).toMatch(/V/);
        // A current scaled from another clock is a derivation and must say so.
        if (c.atHz !== undefined && c.atHz !== b.clockHz) expect(c.what).toMatch(/derived|scaled/i);
        recomputed++;
      }
    }
    expect(recomputed).toBeGreaterThanOrEqual(8);
  });

  it('every activeW is either recomputable from quoted numbers or a cited MLPerf Tiny calibration point', () => {
    for (const b of withPower) {
      const c = b.power!.sources.filter((s) => s.figure === 'activeW');
      const quoted = c.some((s) => impliedW(s, b.clockHz) !== undefined);
      const calibrated = c.some((s) => /tiny_results_v[\d.]+:.*\/energy\/results\.txt/.test(s.source));
      expect(quoted || calibrated, `${b.id}: activeW has neither quoted current/voltage nor a results file`).toBe(true);
    }
  });

  it('the typed loader accepts the extended citations (schema validation)', () => {
    const typed = listBoards();
    for (const b of withPower) {
      const t = typed.find((x) => x.id === b.id)!;
      expect(t.power!.activeW).toBe(b.power!.activeW);
      expect(t.power!.sources.length).toBe(b.power!.sources.length);
    }
  });
});

const haveCsv = existsSync(mlperfTinyCsvPath());

describe.skipIf(!haveCsv)('board power models against published MLPerf Tiny energy', () => {
  const rows = haveCsv ? readMlperfTinyCsv() : [];

  it('a calibrated activeW equals the cited row: median energy × median throughput (±0.5%, the table rounds)', () => {
    let checked = 0;
    for (const b of withPower) {
      for (const c of b.power!.sources.filter((s) => s.figure === 'activeW')) {
        const row = rows.find((r) => r.source && c.source.includes(r.source));
        if (!row) continue;
        const w = row.energyUJ * 1e-6 * row.throughput;
        expect(rel(b.power!.activeW, w), `${b.id}: activeW ${b.power!.activeW} W vs ${row.system} ${row.benchmark} ${w} W`).toBeLessThan(0.005);
        // and it is the published median power of that row
        expect(rel(b.power!.activeW, row.powerUW * 1e-6)).toBeLessThan(1e-6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2); // nucleo-l4r5zi and nucleo-u575zi-q
  });

  it('for every published board with a power block, activeW ÷ throughput is the published energy within ±10%', () => {
    const typed = listBoards();
    const checked: string[] = [];
    for (const b of typed) {
      if (!b.power) continue;
      for (const r of rowsToReproduce(b, rows)) {
        const modelJ = b.power.activeW / r.throughput; // activeW × (cycles ÷ clock) with cycles = clock ÷ throughput
        const publishedJ = r.energyUJ * 1e-6;
        expect(Math.abs(modelJ - publishedJ) / publishedJ, `${b.id} ${r.benchmark}: model ${modelJ} J, published ${publishedJ} J`).toBeLessThanOrEqual(0.1);
        checked.push(`${b.id}:${r.benchmark}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['nucleo-l4r5zi:kws', 'nucleo-u575zi-q:kws', 'nucleo-u575zi-q:ad', 'nucleo-u575zi-q:ic', 'nucleo-u575zi-q:vww']));
  });

  it('boards the table publishes but without a power block are only the ones whose sleep figure was not found', () => {
    const typed = listBoards();
    const published = typed.filter((b) => rowsToReproduce(b, rows).length > 0 || b.measuredPower);
    const missing = published.filter((b) => !b.power).map((b) => b.id);
    // nucleo-h7a3zi-q: no STM32H7A3 Stop-mode current was retrievable, so it keeps measuredPower only.
    expect(missing).toEqual(['nucleo-h7a3zi-q']);
  });
});
