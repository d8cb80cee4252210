import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCloudBaselines, unsourcedNumbers } from '../../src/energy/baselines.js';
import { figure } from '../../src/energy/figure.js';
import { dataFile } from '../../src/energy/paths.js';
import { checkRadioRows, radioUploadEnergy, type RadioNumber } from '../../src/energy/radio.js';

// Test rows only: these numbers are not data, they exercise the arithmetic.
const ROW_A: RadioNumber = { id: 'radio-a', name: 'Radio A', value: 0.25, unit: 'µJ/B', provenance: 'published', source: 'test row A', conditions: '0 dBm, 244 B payload' };
const ROW_B: RadioNumber = { id: 'radio-b', name: 'Radio B', value: 37.5, unit: 'µJ/B', provenance: 'derived', source: 'test row B', note: '1.5 mJ ÷ 40 B', conditions: 'SF7, 40 B payload' };

describe('radio upload energy', () => {
  it('upload of one input = bytes × µJ/B, and its ratio to the MCU inference', () => {
    const mcu = figure(2.5e-5, 'J', 'estimated', 'test');
    const out = radioUploadEnergy([ROW_A, ROW_B], 490, mcu);
    expect(out.map((u) => u.id)).toEqual(['radio-a', 'radio-b']);
    // independent arithmetic: 490 B at 0.25 µJ/B = 122.5 µJ; at 37.5 µJ/B = 18375 µJ
    expect(out[0]!.uploadJ.value).toBeCloseTo(122.5e-6, 15);
    expect(out[1]!.uploadJ.value).toBeCloseTo(18375e-6, 12);
    expect(out[0]!.uploadJ.provenance).toBe('derived');
    expect(out[0]!.uploadJ.source).toBe('test row A');
    expect(out[1]!.uploadJ.note).toMatch(/490 B × 37\.5 µJ\/B/);
    expect(out[0]!.perInference!.value).toBeCloseTo(122.5e-6 / 2.5e-5, 12);
    expect(out[1]!.perInference!.value).toBeCloseTo(18375e-6 / 2.5e-5, 9);
    // without an MCU energy there is no ratio, and 0 bytes cost nothing
    expect(radioUploadEnergy([ROW_A], 0)[0]!.uploadJ.value).toBe(0);
    expect(radioUploadEnergy([ROW_A], 10)[0]!.perInference).toBeUndefined();
  });

  it('rejects rows the report could not cite or compute with', () => {
    expect(() => checkRadioRows([{ ...ROW_A, unit: 'nJ/bit' }])).toThrow(/radio\[0\] \(radio-a\): unit is "nJ\/bit", expected "µJ\/B"/);
    expect(() => checkRadioRows([{ ...ROW_A, source: ' ' }])).toThrow(/no "source"/);
    expect(() => checkRadioRows([{ ...ROW_A, conditions: '' }])).toThrow(/no "conditions"/);
    expect(() => checkRadioRows([{ ...ROW_B, note: undefined }])).toThrow(/derived figure needs "note"/);
    expect(() => checkRadioRows([{ ...ROW_A, provenance: 'estimated' }])).toThrow(/provenance must be "published" or "derived"/);
    expect(() => checkRadioRows([{ ...ROW_A, value: -1 }])).toThrow(/positive number/);
    expect(() => radioUploadEnergy([ROW_A], Number.NaN)).toThrow(/input size/);
  });

  it('the source check covers radio rows', () => {
    const raw = JSON.parse(readFileSync(dataFile('cloud-baselines.json'), 'utf8'));
    raw.radio = [{ ...ROW_A, source: undefined }];
    expect(unsourcedNumbers(raw)).toEqual(['$.radio[0].value']);
  });
});

describe('radio rows in data/cloud-baselines.json', () => {
  const b = loadCloudBaselines();
  it('every row is usable (µJ/B, source, conditions; derived rows state their arithmetic)', () => {
    expect(checkRadioRows(b.radio)).toHaveLength(b.radio.length);
  });

  it('each derived row equals the arithmetic its note states, from the cited numbers', () => {
    const v = (id: string): number => b.radio.find((r) => r.id === id)!.value;
    // nRF52832 PS: 7.1 mA at 0 dBm, 1 Mbit/s (8 µs per byte), VDD 3 V
    expect(v('ble-1m-0dbm')).toBeCloseTo(7.1e-3 * 3 * (8 / 1e6) * 1e6, 9);
    // nRF9160 PS: 100 mA (23 dBm) and 45 mA (0 dBm) at 180 kbit/s uplink, 3.7 V
    expect(v('ltem-23dbm')).toBeCloseTo(((0.1 * 3.7) / (180_000 / 8)) * 1e6, 9);
    expect(v('ltem-0dbm')).toBeCloseTo(((0.045 * 3.7) / (180_000 / 8)) * 1e6, 9);
    // Røstad 2020: 28.15 mC per 584-byte NB-IoT message with RAI, 3.7 V
    expect(v('nbiot-584b-rai')).toBeCloseTo(((28.15e-3 * 3.7) / 584) * 1e6, 9);
    // WLR089U0: 41.54 mA at 3.3 V; SF7/125 kHz/CR 4/5: 5 symbols per 28 payload bits, T_sym = 2^7 / 125 kHz
    expect(v('lora-sf7')).toBeCloseTo(41.54e-3 * 3.3 * ((8 * 5) / 28) * (128 / 125_000) * 1e6, 9);
    for (const r of b.radio) expect(r.provenance).toBe('derived');
  });

  it('BLE, LTE-M / NB-IoT and LoRa each have a cited figure or are listed as omitted', () => {
    const omitted = b.omitted.filter((o) => o.section === 'radio').map((o) => `${o.what} ${o.why}`);
    const rows = b.radio.map((r) => `${r.id} ${r.name}`);
    for (const re of [/BLE|Bluetooth/i, /NB-IoT|LTE-M/i, /LoRa/i]) {
      const covered = rows.some((x) => re.test(x)) || omitted.some((x) => re.test(x));
      expect(covered, String(re)).toBe(true);
    }
    // an omitted radio says why, with what was searched
    for (const o of b.omitted.filter((x) => x.section === 'radio')) expect(o.why.length).toBeGreaterThan(40);
  });
});
