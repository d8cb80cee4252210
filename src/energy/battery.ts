/**
 * Battery presets (data/batteries.json, each with its citation) and custom batteries given as
 * `<mAh>mAh@<V>V`, e.g. `1200mAh@3.7V`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TinymlError } from '../errors.js';
import type { Battery } from './power-model.js';

const DATA = fileURLToPath(new URL('../../data/batteries.json', import.meta.url));

export function batteryPresets(file = DATA): Battery[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { batteries: Battery[] };
  return raw.batteries;
}

export function parseBattery(spec: string, file = DATA): Battery {
  const presets = batteryPresets(file);
  const hit = presets.find((b) => b.id.toLowerCase() === spec.toLowerCase());
  if (hit) return hit;
  const m = /^\s*(\d+(?:\.\d+)?)\s*mAh\s*@\s*(\d+(?:\.\d+)?)\s*V\s*$/i.exec(spec);
  if (m) {
    const capacityMah = Number(m[1]);
    const voltageV = Number(m[2]);
    if (capacityMah > 0 && voltageV > 0) {
      return { id: spec, name: `${capacityMah} mAh at ${voltageV} V`, capacityMah, voltageV, source: 'given on the command line' };
    }
  }
  throw new TinymlError(
    'usage',
    `unknown battery "${spec}"`,
    `Use a preset (${presets.map((b) => b.id).join(', ')}) or a custom battery like 1200mAh@3.7V.`,
  );
}
