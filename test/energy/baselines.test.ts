import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cloudInferenceEnergy, co2Grams, findById, loadCloudBaselines, unsourcedNumbers } from '../../src/energy/baselines.js';
import { dataFile } from '../../src/energy/paths.js';

const b = loadCloudBaselines();

describe('data/cloud-baselines.json', () => {
  it('every number has a source', () => {
    const raw = JSON.parse(readFileSync(dataFile('cloud-baselines.json'), 'utf8'));
    expect(unsourcedNumbers(raw)).toEqual([]);
    for (const name of ['batteries.json', 'mlperf-tiny-models.json']) {
      expect(unsourcedNumbers(JSON.parse(readFileSync(dataFile(name), 'utf8'))), name).toEqual([]);
    }
  });

  it('the source check catches a number without a source', () => {
    const raw = JSON.parse(readFileSync(dataFile('cloud-baselines.json'), 'utf8'));
    delete raw.accelerators[0].boardPowerW.source;
    raw.pue[0].source = '  ';
    expect(unsourcedNumbers(raw)).toEqual(['$.accelerators[0].boardPowerW.value', '$.pue[0].value']);
  });

  it('derived energy per MAC = board power ÷ (peak int8 TOPS ÷ 2)', () => {
    let n = 0;
    for (const a of b.accelerators) {
      if (!a.boardPowerW || !a.peakInt8Tops || !a.energyPerMacJ) continue;
      expect(a.energyPerMacJ.value).toBeCloseTo(a.boardPowerW.value / ((a.peakInt8Tops.value * 1e12) / 2), 20);
      expect(a.energyPerMacJ.provenance).toBe('derived');
      n++;
    }
    expect(n).toBe(4); // T4, L4, A100, H100
    const a100 = findById(b.accelerators, 'a100', 'accelerator').energyPerMacJ!.value;
    expect(findById(b.accelerators, 'inf2', 'accelerator').energyPerMacJ!.value).toBeCloseTo(a100 / 1.5, 24);
    expect(findById(b.accelerators, 'trn1', 'accelerator').energyPerMacJ!.value).toBeCloseTo(a100 * 0.75, 24);
    expect(findById(b.carbonIntensity, 'us', 'region').value).toBeCloseTo(1532e12 / 4183.271e9, 1);
    expect(findById(b.carbonIntensity, 'quebec', 'region').value).toBe(360 / 1000);
  });

  it('labels AWS chip figures as derived and keeps what was not found out of the numbers', () => {
    for (const id of ['inf2', 'trn1']) expect(findById(b.accelerators, id, 'accelerator').energyPerMacJ!.provenance).toBe('derived');
    // radios without a cited figure are listed, not filled in (test/energy/radio.test.ts checks the rows)
    for (const r of b.radio) expect(r.source.trim().length).toBeGreaterThan(0);
    expect(b.omitted.filter((o) => o.section === 'radio').length + b.radio.length).toBeGreaterThan(0);
  });
});

describe('cloud energy of one inference', () => {
  it('batched = MACs × J/MAC × PUE; batch-1 = board power × service time × PUE; upload = bytes × kWh/GB', () => {
    const pue = findById(b.pue, 'aws', 'PUE');
    const network = b.network[0]!;
    const out = cloudInferenceEnergy(b, { macs: 1e6, inputBytes: 1000, pue, network });
    const t4 = out.find((x) => x.id === 't4')!;
    expect(t4.batchedJ.value).toBeCloseTo(1e6 * (70 / 65e12) * 1.15, 18);
    expect(t4.batch1J!.value).toBeCloseTo(70 * 0.001 * 1.15, 12);
    expect(t4.uploadJ.value).toBeCloseTo(1e-6 * 0.06 * 3.6e6, 12);
    expect(t4.totalBatchedJ.value).toBeCloseTo(t4.batchedJ.value + t4.uploadJ.value, 15);
    // no published board power for AWS chips: no batch-1 figure is made up
    expect(out.find((x) => x.id === 'inf2')!.batch1J).toBeUndefined();
    // the CPU row has no energy per MAC: not in the comparison
    expect(out.find((x) => x.id === 'xeon-8380')).toBeUndefined();
    expect(() => cloudInferenceEnergy(b, { macs: 0, inputBytes: 0, pue, network })).toThrow(/MAC count must be > 0/);
  });

  it('CO2 grams = kWh × g/kWh', () => {
    expect(co2Grams(3.6e6, findById(b.carbonIntensity, 'france', 'region'))).toBe(56);
  });
});
