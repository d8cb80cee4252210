import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BoardProfile } from '../../src/boards/board.js';
import { loadCloudBaselines, type CloudBaselines } from '../../src/energy/baselines.js';
import type { RadioNumber } from '../../src/energy/radio.js';
import { buildEnergyReport } from '../../src/report/build-report.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { renderJson, writeReport } from '../../src/report/write-report.js';

const BOARD: BoardProfile = {
  id: 'test-m4',
  name: 'Test Cortex-M4 board',
  core: 'cortex-m4f',
  clockHz: 80e6,
  memory: { flash: { origin: 0x08000000, length: 1 << 20 }, ram: { origin: 0x20000000, length: 1 << 18 } },
  uart: { kind: 'stm32-usart', baud: 115200 },
  template: 'bare-metal-cortex-m',
  toolchain: { cc: 'arm-none-eabi-gcc', cflags: [] },
  kernels: 'cortex-m',
  flash: { protocol: 'none' },
  power: { supplyV: 3.3, activeW: 0.03, sleepW: 5e-6, sources: [{ what: 'test power figures', source: 'this test' }] },
};

/** KWS-sized conversion output: 490 B int8 input, 8e6 emulated cycles. */
function fixture(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-radio-report-'));
  const conv = { modelName: 'kws_ref_model', board: 'test-m4', input: { shape: [1, 49, 10, 1], bytes: 490 }, sizes: { macs: 2656768 } };
  writeFileSync(path.join(dir, 'convert-report.json'), JSON.stringify(conv));
  writeFileSync(path.join(dir, 'bench.json'), JSON.stringify({ provenance: 'emulated', cyclesPerInference: 8_000_000, clockHz: 80e6 }));
  return dir;
}

// Test rows only (not data): they exercise the report path whatever the data file holds.
const TEST_ROWS: RadioNumber[] = [
  { id: 'test-ble', name: 'Test BLE row', value: 0.2, unit: 'µJ/B', provenance: 'published', source: 'test citation BLE', conditions: '2M PHY, 0 dBm, 244 B payload' },
  { id: 'test-lora', name: 'Test LoRa row', value: 50, unit: 'µJ/B', provenance: 'derived', source: 'test citation LoRa', note: '2 mJ ÷ 40 B', conditions: 'SF7, 14 dBm, 40 B payload' },
];

function withRows(rows: RadioNumber[]): CloudBaselines {
  const b = loadCloudBaselines();
  return { ...b, radio: rows };
}

describe('device radio in the energy report', () => {
  it('upload energy per radio = 490 B × µJ/B, next to the MCU inference energy', () => {
    const r = buildEnergyReport({ dir: fixture(), board: BOARD, baselines: withRows(TEST_ROWS) });
    const mcu = 0.03 * (8e6 / 80e6);
    expect(r.mcu.energyJ!.value).toBeCloseTo(mcu, 15);
    expect(r.radio.inputBytes).toBe(490);
    const [ble, lora] = r.radio.uploads;
    expect(ble!.uploadJ.value).toBeCloseTo(490 * 0.2e-6, 15);
    expect(lora!.uploadJ.value).toBeCloseTo(490 * 50e-6, 12);
    expect(lora!.perInference!.value).toBeCloseTo((490 * 50e-6) / mcu, 9);
    const md = renderMarkdown(r);
    expect(md).toMatch(/## Device radio: sending the input instead of inferring on the MCU/);
    expect(md).toMatch(/\| Test BLE row \| 2M PHY, 0 dBm, 244 B payload \| 0\.2 \[published\] \| 98 µJ \[derived\] \|/);
    expect(md).toMatch(/\| Test LoRa row \| SF7, 14 dBm, 40 B payload \| 50 \[derived\] \| 24\.5 mJ \[derived\] \|/);
    expect(md).toMatch(/- Test LoRa row: test citation LoRa \(2 mJ ÷ 40 B\)/);
    expect(md).toMatch(/\| Device radio, sending the input over Test BLE row \| 98 µJ \[derived\] \|/);
    const html = renderHtml(r);
    expect(html).toMatch(/<svg[^>]*id="chart-radio"/);
    // report.json carries the same rows with their provenance and citation
    const j = JSON.parse(renderJson(r));
    expect(j.radio.inputBytes).toBe(490);
    expect(j.radio.uploads.map((u: { id: string }) => u.id)).toEqual(['test-ble', 'test-lora']);
    expect(j.radio.uploads[1].uploadJ).toMatchObject({ unit: 'J', provenance: 'derived', source: 'test citation LoRa' });
    expect(j.radio.uploads[1].perByte.conditions).toBe('SF7, 14 dBm, 40 B payload');
  });

  it('with the data file as it is, lists every radio without a cited figure and invents none', () => {
    const b = loadCloudBaselines();
    const r = buildEnergyReport({ dir: fixture(), board: BOARD });
    expect(r.radio.uploads.map((u) => u.id)).toEqual(b.radio.map((x) => x.id));
    const omitted = b.omitted.filter((x) => x.section === 'radio');
    expect(r.radio.omitted.map((x) => x.what)).toEqual(omitted.map((x) => x.what));
    const md = renderMarkdown(r);
    for (const o of omitted) expect(md).toContain(`- ${o.what} — `);
    // radio omissions are in the radio section, not repeated among the cloud notes
    expect(r.notes.filter((n) => /Radio energy per byte/.test(n))).toEqual([]);
    // the KWS input (490 B) over every cited radio: bytes × µJ/B, next to the MCU inference
    for (const row of b.radio) {
      const u = r.radio.uploads.find((x) => x.id === row.id)!;
      expect(u.uploadJ.value).toBeCloseTo(490 * row.value * 1e-6, 12);
      expect(u.perInference!.value).toBeCloseTo((490 * row.value * 1e-6) / r.mcu.energyJ!.value, 6);
      expect(md).toContain(`| ${row.name} | ${row.conditions} |`);
    }
    if (b.radio.length) expect(renderHtml(r)).toMatch(/<svg[^>]*id="chart-radio"/);
    else {
      expect(md).toMatch(/No radio has a cited energy-per-byte figure/);
      expect(renderHtml(r)).not.toMatch(/id="chart-radio"/);
    }
  });
});

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe.skipIf(!CHROMIUM)('device radio chart in headless Chromium', () => {
  it('draws one non-empty bar for the MCU inference and one per radio', async () => {
    const r = buildEnergyReport({ dir: fixture(), board: BOARD, baselines: withRows(TEST_ROWS) });
    const out = mkdtempSync(path.join(os.tmpdir(), 'tinyml-radio-html-'));
    const files = await writeReport(r, out);
    expect(readFileSync(files.html, 'utf8')).not.toMatch(/<script|<link|src=|url\(/i);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`];
    const dom = spawnSync(CHROMIUM!, [...flags, '--dump-dom', `file://${files.html}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    const m = /<svg[^>]*id="chart-radio"[^>]*>([\s\S]*?)<\/svg>/.exec(dom.stdout);
    expect(m, 'chart-radio in the rendered DOM').not.toBeNull();
    const bars = [...m![1]!.matchAll(/<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)];
    expect(bars.length).toBe(1 + TEST_ROWS.length);
    for (const b of bars) {
      expect(Number(b[3])).toBeGreaterThan(0);
      expect(Number(b[4])).toBeGreaterThan(0);
    }
    // log scale: the 250× larger LoRa upload is drawn longer than the BLE one
    expect(Number(bars[2]![3])).toBeGreaterThan(Number(bars[1]![3]));
    // every bar carries its provenance tag
    expect(m![1]!.match(/\[(published|derived|estimated|emulated|measured)\]/g)!.length).toBeGreaterThanOrEqual(3);
  });
});
