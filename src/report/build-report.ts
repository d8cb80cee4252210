/**
 * Builds the energy report object from a conversion directory, in steps:
 *
 * 1. Read `<dir>/convert-report.json` (model name, MACs, input bytes, board id, sizes) and,
 *    if present, `<dir>/bench.json` (cycles per inference and their provenance, per-layer
 *    cycles, and a meter-measured energy). Both are read defensively: a missing field is a
 *    note in the report, not a crash.
 * 2. Cycles per inference: bench.json's, else MACs × the board's cycles/MAC derived from its
 *    published MLPerf Tiny kws throughput (clock ÷ (throughput × kws MACs)), else none.
 * 3. MCU energy: the meter's (measured), else the board power model × cycles ÷ clock.
 * 4. Duty cycle and battery life at the requested rate, and at a sweep of rates.
 * 5. Cloud energy of the same MACs on every baseline accelerator (batched and batch-1),
 *    plus the input upload; ratios cloud ÷ MCU; CO2e per million inferences by region.
 * 5b. Device radio energy to upload the same input (bytes × cited µJ/byte per radio), next
 *    to the MCU inference energy; radios without a cited figure are listed as omitted.
 * 6. Where the board stands among published MLPerf Tiny energies for the same benchmark.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinymlError } from '../errors.js';
import type { BoardProfile } from '../boards/board.js';
import { resolveBoard } from '../boards/load.js';
import { co2Grams, cloudInferenceEnergy, findById, loadCloudBaselines, type CloudBaselines } from '../energy/baselines.js';
import { parseBattery } from '../energy/battery.js';
import { calibrate, citeRow, cyclesPerMacFromRow, readMlperfTinyCsv, type MlperfTinyRow } from '../energy/calibration.js';
import { figure, type Figure } from '../energy/figure.js';
import { guessBenchmark, referenceModels } from '../energy/mlperf-models.js';
import { radioUploadEnergy } from '../energy/radio.js';
import { averagePower, batteryLife, energyPerInference, type Battery, type CycleCount } from '../energy/power-model.js';
import type { CarbonRow, DutyCyclePoint, EnergyReport, ReportBoard } from './energy-report.js';

export interface BuildReportOptions {
  dir: string;
  ratePerS?: number;
  battery?: string;
  region?: string;
  boardId?: string;
  pue?: string;
  benchmark?: string;
  /** Board JSON files are looked up here (default: the project's boards/). */
  boardsDir?: string;
  /** Use this board instead of looking one up (tests). */
  board?: BoardProfile;
  mlperfCsv?: string;
  baselines?: CloudBaselines;
  now?: Date;
}

type Json = Record<string, unknown>;

function readJson(file: string): Json | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!v || typeof v !== 'object') throw new Error('not a JSON object');
    return v as Json;
  } catch (e) {
    throw new TinymlError('input', `${file}: ${(e as Error).message}`);
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

const SWEEP = [0.01, 0.1, 1, 10, 100];

export function buildEnergyReport(o: BuildReportOptions): EnergyReport {
  const notes: string[] = [];
  const convertFile = path.join(o.dir, 'convert-report.json');
  const conv = readJson(convertFile);
  if (!conv) {
    throw new TinymlError('input', `${convertFile} not found`, `Run \`tinyml convert <model> --board <board> -o ${o.dir}\` first; the report reads its convert-report.json.`);
  }
  const bench = readJson(path.join(o.dir, 'bench.json'));
  const sizes = obj(conv.sizes) ?? {};
  const input = obj(conv.input) ?? {};
  const macsN = num(sizes.macs) ?? num(conv.macs) ?? num(bench?.macs);
  const modelName = str(conv.modelName) ?? str(conv.model) ?? path.basename(o.dir);
  const inputBytes = num(input.bytes) ?? num(conv.inputBytes);
  // usage errors first, before any file is read
  const battery: Battery | undefined = o.battery ? parseBattery(o.battery) : undefined;
  const refs = referenceModels();
  const benchmark = o.benchmark ?? guessBenchmark(macsN, modelName, refs);

  const report: EnergyReport = {
    schema: 'tinyml-energy-report/1',
    generatedAt: (o.now ?? new Date()).toISOString(),
    dir: o.dir,
    model: { name: modelName },
    mcu: { sweep: [], ratePerS: o.ratePerS ?? 1 },
    cloud: undefined as unknown as EnergyReport['cloud'],
    ratios: [],
    radio: { inputBytes: 0, uploads: [], omitted: [] },
    carbon: { selectedRegion: o.region ?? 'us', rows: [] },
    notes,
  };
  if (macsN !== undefined) report.model.macs = figure(macsN, 'MAC', 'derived', `${convertFile} (tinyml cost model)`);
  else notes.push(`${convertFile} has no MAC count (sizes.macs): cloud figures need it and are left out.`);
  if (inputBytes !== undefined) report.model.inputBytes = inputBytes;
  else notes.push(`${convertFile} has no input size (input.bytes): the upload energy is computed for 0 bytes.`);
  const wb = num(sizes.weightBytes);
  const ab = num(sizes.arenaBytes);
  if (wb !== undefined) report.model.weightBytes = wb;
  if (ab !== undefined) report.model.arenaBytes = ab;
  if (benchmark) report.model.benchmark = benchmark;

  // --- board and its power model
  const boardId = o.boardId ?? str(conv.board) ?? str(bench?.board);
  let board: BoardProfile | undefined = o.board;
  if (!board && boardId) board = resolveBoard(boardId, o.boardsDir ? { boardsDir: o.boardsDir } : {});
  else notes.push('no board named in convert-report.json or bench.json, and no --board: the MCU figures are left out.');

  let csv: MlperfTinyRow[] = [];
  try {
    csv = readMlperfTinyCsv(o.mlperfCsv);
  } catch (e) {
    notes.push(`MLPerf Tiny results table not available (${(e as Error).message}): no calibration cross-check or ranking.`);
  }
  const cal = board ? calibrate(board, csv) : undefined;

  if (board) {
    const rb: ReportBoard = { id: board.id, name: board.name, core: board.core, clockHz: board.clockHz };
    const p = board.power;
    if (p) {
      // A citation may say which figure it supports (`figure`) and that its current was stated
      // at another clock (`atHz`, scaled to the board's clock): such a figure is derived.
      type TaggedCitation = (typeof p.sources)[number] & { figure?: string; atHz?: number };
      const sources = p.sources as TaggedCitation[];
      const of = (field: string) => {
        const own = sources.filter((s) => s.figure === field);
        const used = own.length ? own : sources;
        return { cite: used.map((s) => `${s.what} — ${s.source}`).join('; '), tag: own.some((s) => s.atHz !== undefined) ? ('derived' as const) : ('published' as const) };
      };
      const fig = (v: number, unit: string, field: string) => {
        const { cite, tag } = of(field);
        return figure(v, unit, tag, cite);
      };
      rb.supplyV = p.supplyV;
      rb.activeW = fig(p.activeW, 'W', 'activeW');
      rb.sleepW = fig(p.sleepW, 'W', 'sleepW');
      if (p.wakeJ !== undefined) rb.wakeJ = fig(p.wakeJ, 'J', 'wakeJ');
    } else {
      notes.push(
        `board ${board.id} has no power model (boards/${board.id}.json "power"): MCU energy cannot be computed. For an emulated board, pass --board <a real board with a power model, e.g. nucleo-l4r5zi> to apply its power model to these cycles.`,
      );
    }
    if (cal) rb.calibratedActiveW = cal.activeW;
    report.board = rb;
  }

  // --- cycles
  let cycles: CycleCount | undefined;
  const clockHz = board?.clockHz ?? num(bench?.clockHz) ?? 0;
  const bCycles = num(bench?.cyclesPerInference);
  if (bCycles !== undefined && clockHz > 0) {
    const prov = bench?.provenance === 'measured' ? 'measured' : 'emulated';
    cycles = { cycles: bCycles, clockHz, provenance: prov, source: `${path.join(o.dir, 'bench.json')} (${prov === 'measured' ? 'on-device cycle counter' : 'emulator instruction count'})` };
    const benchClock = num(bench?.clockHz);
    if (benchClock && board && benchClock !== board.clockHz) {
      notes.push(`bench.json ran at ${benchClock} Hz; the energy model uses ${board.id}'s clock ${board.clockHz} Hz for the same cycle count.`);
    }
    report.cycles = { perInference: figure(bCycles, 'cycles', prov === 'measured' ? 'measured' : 'emulated', cycles.source), clockHz };
    const layers = bench?.perLayerCycles;
    if (Array.isArray(layers)) {
      const pl = layers
        .map((l) => obj(l))
        .filter((l): l is Json => !!l && typeof l.name === 'string' && typeof l.cycles === 'number')
        .map((l) => ({ name: l.name as string, cycles: l.cycles as number }));
      if (pl.length) report.cycles.perLayer = pl;
    }
  } else if (macsN !== undefined && board && clockHz > 0) {
    const kws = refs.find((r) => r.benchmark === 'kws');
    const row = cal?.row.benchmark === 'kws' ? cal.row : cal?.rows.filter((r) => r.benchmark === 'kws').sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (row && kws) {
      const cpm = cyclesPerMacFromRow(row, board.clockHz, kws.macs.value, kws.macs.source);
      const c = Math.round(macsN * cpm.value);
      cycles = { cycles: c, clockHz, provenance: 'estimated', source: `MACs × ${cpm.value.toPrecision(4)} cycles/MAC (${cpm.source})` };
      report.cycles = {
        perInference: figure(c, 'cycles', 'estimated', cycles.source, `${macsN} MACs × ${cpm.value.toPrecision(4)} cycles/MAC`),
        clockHz,
        cyclesPerMac: cpm,
      };
      notes.push(`no bench.json: cycles estimated from MACs with the cycles/MAC that ${board.id}'s published MLPerf Tiny kws result implies (vendor kernels, not tinyml's); run \`tinyml bench\` for a real count.`);
    } else {
      notes.push(`no bench.json and no published MLPerf Tiny result for ${board.id} to derive cycles/MAC from: no cycles/MAC figure is available for a ${board.core}, so the MCU energy is left out. Run \`tinyml bench\`.`);
    }
  }

  // --- MCU energy, duty cycle, battery
  const benchEnergy = num(bench?.energyJ);
  if (battery) {
    report.mcu.battery = { id: battery.id, name: battery.name, capacityMah: battery.capacityMah, voltageV: battery.voltageV, source: battery.source };
  }
  if (cycles && board?.power) {
    const t = figure(cycles.cycles / cycles.clockHz, 's', cycles.provenance === 'measured' ? 'estimated' : cycles.provenance, cycles.source, `${cycles.cycles} cycles ÷ ${cycles.clockHz} Hz`);
    report.mcu.timeS = t;
    report.mcu.energyJ =
      benchEnergy !== undefined
        ? figure(benchEnergy, 'J', 'measured', `${path.join(o.dir, 'bench.json')} (power meter, median of the inference windows)`)
        : energyPerInference(board.power, cycles);
    const point = (rate: number): DutyCyclePoint | undefined => {
      if (rate * t.value > 1) return undefined;
      const averageW = averagePower({ ratePerS: rate, energyJ: report.mcu.energyJ!, timeS: t, power: board!.power! });
      const p: DutyCyclePoint = { ratePerS: rate, averageW };
      if (battery) p.batteryLifeS = batteryLife(battery, averageW);
      return p;
    };
    const rate = report.mcu.ratePerS;
    if (rate * t.value > 1) {
      notes.push(`${rate} inferences/s is more than ${board.id} can do (${(1 / t.value).toPrecision(4)}/s at most): no duty-cycle figures at that rate.`);
    } else report.mcu.atRate = point(rate)!;
    report.mcu.sweep = [...new Set([...SWEEP, rate])].sort((a, b) => a - b).map(point).filter((p): p is DutyCyclePoint => !!p);
  }

  // --- cloud
  const b = o.baselines ?? loadCloudBaselines();
  const pue = findById(b.pue, o.pue ?? 'aws', 'PUE');
  const network = b.network[0]!;
  report.cloud = { pue, network, batch1ServiceTimeS: b.assumptions.batch1ServiceTimeS, targets: [] };
  if (macsN !== undefined && macsN > 0) {
    report.cloud.targets = cloudInferenceEnergy(b, { macs: macsN, inputBytes: inputBytes ?? 0, pue, network });
  }
  for (const o2 of b.omitted) if (o2.section !== 'radio') notes.push(`not in the comparison: ${o2.what} — ${o2.why}.`);

  const mcuE = report.mcu.energyJ;
  // --- device radio: the upload the on-device inference saves
  report.radio = {
    inputBytes: inputBytes ?? 0,
    uploads: radioUploadEnergy(b.radio, inputBytes ?? 0, mcuE),
    omitted: b.omitted.filter((x) => x.section === 'radio').map((x) => ({ what: x.what, why: x.why })),
  };
  if (mcuE) {
    const ratio = (f: Figure, what: string): Figure => figure(f.value / mcuE.value, '×', 'derived', undefined, `cloud ${what} ${f.value.toPrecision(4)} J ÷ MCU ${mcuE.value.toPrecision(4)} J`);
    for (const tg of report.cloud.targets) {
      const r: EnergyReport['ratios'][number] = { id: tg.id, name: tg.name, batched: ratio(tg.batchedJ, 'batched'), totalBatched: ratio(tg.totalBatchedJ, 'batched + upload') };
      if (tg.batch1J) r.batch1 = ratio(tg.batch1J, 'batch-1');
      if (tg.totalBatch1J) r.totalBatch1 = ratio(tg.totalBatch1J, 'batch-1 + upload');
      report.ratios.push(r);
    }
  }

  // --- carbon per million inferences
  findById(b.carbonIntensity, report.carbon.selectedRegion, 'region');
  for (const region of b.carbonIntensity) {
    const row: CarbonRow = { region, cloud: [] };
    const g = (j: number): number => co2Grams(j * 1e6, region);
    const src = `${region.source}`;
    if (mcuE) row.mcuG = figure(g(mcuE.value), 'gCO2e/1M inferences', mcuE.provenance, src, `1e6 × ${mcuE.value.toPrecision(4)} J ÷ 3.6e6 J/kWh × ${region.value} g/kWh`);
    for (const tg of report.cloud.targets) {
      const c: CarbonRow['cloud'][number] = {
        id: tg.id,
        name: tg.name,
        batchedG: figure(g(tg.batchedJ.value), 'gCO2e/1M inferences', 'derived', src),
        uploadG: figure(g(tg.uploadJ.value), 'gCO2e/1M inferences', 'derived', src),
      };
      if (tg.batch1J) c.batch1G = figure(g(tg.batch1J.value), 'gCO2e/1M inferences', 'derived', src);
      row.cloud.push(c);
    }
    report.carbon.rows.push(row);
  }

  // --- MLPerf Tiny standing
  if (benchmark && csv.length) {
    const latest = new Map<string, MlperfTinyRow>();
    for (const r of csv.filter((r) => r.benchmark === benchmark)) {
      const k = r.system;
      const prev = latest.get(k);
      if (!prev || Number(r.version) > Number(prev.version)) latest.set(k, r);
    }
    const entries = [...latest.values()].map((r) => ({
      label: `${r.system} (v${r.version})`,
      energyJ: figure(r.energyUJ * 1e-6, 'J', 'published', citeRow(r)),
      throughput: r.throughput,
      isThisBoard: false,
    }));
    if (mcuE && board) entries.push({ label: `this model on ${board.id}`, energyJ: mcuE, throughput: report.mcu.timeS ? 1 / report.mcu.timeS.value : NaN, isThisBoard: true });
    entries.sort((a, b2) => a.energyJ.value - b2.energyJ.value);
    const rank = entries.findIndex((e) => e.isThisBoard);
    report.mlperfTiny = { benchmark, entries };
    if (rank >= 0) report.mlperfTiny.rank = rank + 1;
    if (macsN !== undefined && refs.find((r) => r.benchmark === benchmark)?.macs.value !== macsN) {
      notes.push(`this model is not the MLPerf Tiny ${benchmark} reference model (different MAC count): the ranking compares different networks.`);
    }
  }
  return report;
}

/** "1/s", "10", "0.5/s", "6/min", "2/h" → inferences per second. */
export function parseRate(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(?:\/\s*(s|sec|min|h|hour))?\s*$/i.exec(s);
  if (!m) throw new TinymlError('usage', `cannot read rate "${s}"`, 'Give inferences per time, e.g. 1/s, 10/s, 6/min, 2/h.');
  const v = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const r = unit.startsWith('min') ? v / 60 : unit.startsWith('h') ? v / 3600 : v;
  if (!(r > 0)) throw new TinymlError('usage', `rate must be > 0, got "${s}"`);
  return r;
}

export type { Figure };
