/**
 * Device-side radio energy of shipping a model's raw input instead of running the model on
 * the microcontroller ("the edge alternative also saves the upload").
 *
 * 1. Each row of data/cloud-baselines.json `radio` is one radio at stated conditions (PHY,
 *    TX power, payload size, spreading factor or coverage class): energy per payload byte in
 *    µJ/B, with its provenance and citation. A `derived` row says in `note` which stated
 *    numbers it was computed from.
 * 2. Upload energy of one input on a radio = input bytes × µJ/B × 1e-6 J/µJ (tagged
 *    `derived`, citing the row).
 * 3. Next to the MCU inference energy, the ratio upload ÷ inference.
 *
 * What it does not promise: a per-byte figure is only valid near the payload size and link
 * conditions it was measured at; fixed per-message costs (connection set-up, network join,
 * RRC signalling, receive windows) do not scale with bytes and are only included when the
 * cited figure includes them. Rows are never filled in with typical values: a radio without
 * a cited figure is listed in `omitted` (section "radio") instead.
 */
import { TinymlError } from '../errors.js';
import { figure, type Figure } from './figure.js';
import type { NamedNumber } from './baselines.js';

/** µJ per payload byte, and the conditions the figure holds for. */
export interface RadioNumber extends NamedNumber {
  conditions: string;
}

export const RADIO_UNIT = 'µJ/B';

export interface RadioUpload {
  id: string;
  name: string;
  conditions: string;
  /** The cited per-byte row, unchanged. */
  perByte: RadioNumber;
  /** Device radio energy to send one input (J). */
  uploadJ: Figure;
  /** uploadJ ÷ MCU energy per inference, when the MCU energy is known. */
  perInference?: Figure;
}

/** Rejects rows the computation cannot use, naming the row and what to fix. */
export function checkRadioRows(rows: unknown, file = 'data/cloud-baselines.json'): RadioNumber[] {
  if (!Array.isArray(rows)) throw new TinymlError('input', `${file}: "radio" must be an array`);
  return rows.map((r, i) => {
    const o = (r ?? {}) as Partial<RadioNumber>;
    const at = `${file}: radio[${i}]${o.id ? ` (${o.id})` : ''}`;
    if (typeof o.id !== 'string' || !o.id || typeof o.name !== 'string' || !o.name) throw new TinymlError('input', `${at}: needs "id" and "name"`);
    if (o.unit !== RADIO_UNIT) throw new TinymlError('input', `${at}: unit is "${String(o.unit)}", expected "${RADIO_UNIT}"`, 'Convert the cited figure to µJ per payload byte and state the arithmetic in "note".');
    if (typeof o.value !== 'number' || !(o.value > 0) || !Number.isFinite(o.value)) throw new TinymlError('input', `${at}: value must be a positive number of µJ/B`);
    if (typeof o.source !== 'string' || !o.source.trim()) throw new TinymlError('input', `${at}: no "source"`, 'Every radio figure needs its citation.');
    if (typeof o.conditions !== 'string' || !o.conditions.trim()) throw new TinymlError('input', `${at}: no "conditions"`, 'State PHY / TX power / payload size / SF or coverage the figure was measured at.');
    if (o.provenance === 'derived' && !(typeof o.note === 'string' && o.note.trim())) throw new TinymlError('input', `${at}: a derived figure needs "note" with its arithmetic`);
    if (o.provenance !== 'published' && o.provenance !== 'derived') throw new TinymlError('input', `${at}: provenance must be "published" or "derived", got "${String(o.provenance)}"`);
    return o as RadioNumber;
  });
}

/** Device radio energy to upload `inputBytes` on every radio row; optionally ÷ the MCU energy. */
export function radioUploadEnergy(rows: RadioNumber[], inputBytes: number, mcuEnergy?: Figure): RadioUpload[] {
  if (!(inputBytes >= 0) || !Number.isFinite(inputBytes)) throw new TinymlError('input', `input size must be a number of bytes ≥ 0 (got ${inputBytes})`);
  return checkRadioRows(rows).map((r) => {
    const j = inputBytes * r.value * 1e-6;
    const u: RadioUpload = {
      id: r.id,
      name: r.name,
      conditions: r.conditions,
      perByte: r,
      uploadJ: figure(j, 'J', 'derived', r.source, `${inputBytes} B × ${r.value} µJ/B × 1e-6 J/µJ (${r.conditions})`),
    };
    if (mcuEnergy && mcuEnergy.value > 0) {
      u.perInference = figure(j / mcuEnergy.value, '×', 'derived', undefined, `radio upload ${j.toPrecision(4)} J ÷ MCU inference ${mcuEnergy.value.toPrecision(4)} J`);
    }
    return u;
  });
}
