/**
 * Cloud baselines (data/cloud-baselines.json) and the cloud energy of one inference of a
 * given model:
 *
 * 1. Fully batched (best case): MACs × energy per MAC × PUE, where energy per MAC is the
 *    accelerator's board power ÷ its peak dense int8 MAC rate (see the data file's `method`).
 * 2. Batch 1 (a request served alone): board power × service time × PUE, never less than (1).
 *    Needs the board power; AWS publishes none for its own chips, so they get only (1).
 * 3. Upload of the model's raw input: input bytes × network kWh/GB.
 *
 * What it does not promise: the accelerator figures are datasheet peaks at TDP, not a
 * measured MLPerf Inference power run; real utilisation for a small model is far below
 * peak, which is why (2) exists. Host CPU, memory, networking inside the data centre and
 * embodied carbon are not included.
 */
import { readFileSync } from 'node:fs';
import { TinymlError } from '../errors.js';
import { figure, type Figure } from './figure.js';
import { dataFile } from './paths.js';
import type { RadioNumber } from './radio.js';

export interface BaselineNumber extends Figure {
  source: string;
}

export interface Accelerator {
  id: string;
  name: string;
  kind: string;
  cloud?: string;
  boardPowerW?: BaselineNumber;
  peakInt8Tops?: BaselineNumber;
  energyPerMacJ?: BaselineNumber;
}

export interface NamedNumber extends BaselineNumber {
  id: string;
  name: string;
}

export interface CloudBaselines {
  description: string;
  method: Record<string, string>;
  assumptions: { batch1ServiceTimeS: BaselineNumber };
  accelerators: Accelerator[];
  pue: NamedNumber[];
  carbonIntensity: NamedNumber[];
  network: NamedNumber[];
  /** Device radio energy per payload byte (src/energy/radio.ts). */
  radio: RadioNumber[];
  /** `section: "radio"` marks a radio the report lists as having no cited figure. */
  omitted: Array<{ what: string; why: string; section?: string }>;
}

/**
 * Every number anywhere in the file must sit in an object that has a non-empty `source`
 * string. Returns the JSON paths of numbers that do not (empty = the file is clean).
 */
export function unsourcedNumbers(value: unknown, at = '$', parentHasSource = false): string[] {
  if (typeof value === 'number') return parentHasSource ? [] : [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unsourcedNumbers(v, `${at}[${i}]`, false));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const has = typeof o.source === 'string' && o.source.trim().length > 0;
    return Object.entries(o).flatMap(([k, v]) => unsourcedNumbers(v, `${at}.${k}`, has));
  }
  return [];
}

export function loadCloudBaselines(file = dataFile('cloud-baselines.json')): CloudBaselines {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TinymlError('input', `cannot read cloud baselines ${file}: ${(e as Error).message}`);
  }
  const bad = unsourcedNumbers(raw);
  if (bad.length) {
    throw new TinymlError('input', `${file}: ${bad.length} number(s) without a source: ${bad.slice(0, 5).join(', ')}`, 'Every baseline number needs a "source" next to it.');
  }
  return raw as CloudBaselines;
}

export function findById<T extends { id: string }>(list: T[], id: string, what: string): T {
  const hit = list.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!hit) throw new TinymlError('usage', `unknown ${what} "${id}"`, `Known: ${list.map((x) => x.id).join(', ')}`);
  return hit;
}

export interface CloudInferenceEnergy {
  id: string;
  name: string;
  /** Fully batched, best case (J). */
  batchedJ: Figure;
  /** Served alone (J), when the board power is published. */
  batch1J?: Figure;
  /** Uploading the raw input to the data centre (J). */
  uploadJ: Figure;
  /** batched + upload, and batch-1 + upload: what the cloud costs end to end. */
  totalBatchedJ: Figure;
  totalBatch1J?: Figure;
}

export interface CloudEnergyOptions {
  macs: number;
  inputBytes: number;
  pue: NamedNumber;
  network: NamedNumber;
}

/** Cloud energy of one inference on every accelerator that has an energy-per-MAC figure. */
export function cloudInferenceEnergy(b: CloudBaselines, o: CloudEnergyOptions): CloudInferenceEnergy[] {
  if (!(o.macs > 0)) throw new TinymlError('input', `the model's MAC count must be > 0 to compare with the cloud (got ${o.macs})`);
  const kwhPerGb = o.network.value;
  const uploadValue = (o.inputBytes / 1e9) * kwhPerGb * 3.6e6;
  const upload = figure(uploadValue, 'J', 'derived', o.network.source, `${o.inputBytes} B ÷ 1e9 B/GB × ${kwhPerGb} kWh/GB × 3.6e6 J/kWh`);
  const svc = b.assumptions.batch1ServiceTimeS;
  const out: CloudInferenceEnergy[] = [];
  for (const a of b.accelerators) {
    if (!a.energyPerMacJ) continue;
    const batched = figure(
      o.macs * a.energyPerMacJ.value * o.pue.value,
      'J',
      'derived',
      `${a.energyPerMacJ.source}; PUE: ${o.pue.source}`,
      `${o.macs} MACs × ${a.energyPerMacJ.value.toPrecision(4)} J/MAC × PUE ${o.pue.value}`,
    );
    const total = (f: Figure, what: string): Figure =>
      figure(f.value + upload.value, 'J', 'derived', `${f.source}; network: ${upload.source}`, `${what} ${f.value.toPrecision(4)} J + upload ${upload.value.toPrecision(4)} J`);
    const r: CloudInferenceEnergy = { id: a.id, name: a.name, batchedJ: batched, uploadJ: upload, totalBatchedJ: total(batched, 'batched') };
    if (a.boardPowerW) {
      const v = Math.max(a.boardPowerW.value * svc.value * o.pue.value, batched.value);
      r.batch1J = figure(
        v,
        'J',
        'derived',
        `${a.boardPowerW.source}; service time: ${svc.source}; PUE: ${o.pue.source}`,
        `${a.boardPowerW.value} W × ${svc.value} s × PUE ${o.pue.value} (board power over one batch-1 request)`,
      );
      r.totalBatch1J = total(r.batch1J, 'batch-1');
    }
    out.push(r);
  }
  return out;
}

/** Grams CO2e for an energy (J) on a grid of the given intensity (g/kWh). */
export function co2Grams(energyJ: number, intensity: NamedNumber): number {
  return (energyJ / 3.6e6) * intensity.value;
}
