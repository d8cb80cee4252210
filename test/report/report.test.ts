import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BoardProfile } from '../../src/boards/board.js';
import { buildEnergyReport, parseRate } from '../../src/report/build-report.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { writeReport } from '../../src/report/write-report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
  power: { supplyV: 3.3, activeW: 0.03, sleepW: 5e-6, wakeJ: 1e-6, sources: [{ what: 'test power figures', source: 'this test' }] },
};

function fixture(bench?: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-report-'));
  const conv = {
    model: 'kws_ref_model.tflite',
    modelName: 'kws_ref_model',
    board: 'test-m4',
    input: { shape: [1, 49, 10, 1], scale: 0.58, zeroPoint: 83, bytes: 490 },
    sizes: { weightBytes: 24368, arenaBytes: 16000, macs: 2656768 },
  };
  writeFileSync(path.join(dir, 'convert-report.json'), JSON.stringify(conv));
  if (bench) writeFileSync(path.join(dir, 'bench.json'), JSON.stringify(bench));
  return dir;
}

const BENCH = {
  board: 'qemu-mps2-an386',
  provenance: 'emulated',
  cyclesPerInference: 8_000_000,
  clockHz: 25e6,
  macs: 2656768,
  perLayerCycles: [
    { name: 'conv_0', cycles: 3_000_000 },
    { name: 'dw_conv_1', cycles: 1_000_000 },
    { name: 'pw_conv_1', cycles: 4_000_000 },
  ],
};

describe('energy report object', () => {
  it('MCU energy from emulated cycles × the board model, duty cycle, battery, cloud ratios, CO2e', () => {
    const r = buildEnergyReport({ dir: fixture(BENCH), board: BOARD, ratePerS: 2, battery: 'CR2032', region: 'france' });
    const t = 8e6 / 80e6; // the board's clock, not the emulator's
    const e = 0.03 * t;
    expect(r.mcu.energyJ!.value).toBeCloseTo(e, 15);
    expect(r.mcu.energyJ!.provenance).toBe('emulated');
    expect(r.mcu.timeS!.value).toBeCloseTo(0.1, 15);
    const avg = 2 * e + (1 - 0.2) * 5e-6 + 2 * 1e-6;
    expect(r.mcu.atRate!.averageW.value).toBeCloseTo(avg, 15);
    expect(r.mcu.atRate!.batteryLifeS!.value).toBeCloseTo((225 * 3.6 * 3.0) / avg, 6);
    expect(r.cycles!.perLayer).toHaveLength(3);
    expect(r.notes.join('\n')).toMatch(/bench.json ran at 25000000 Hz/);
    const t4 = r.cloud.targets.find((x) => x.id === 't4')!;
    expect(t4.batchedJ.value).toBeCloseTo(2656768 * (70 / 65e12) * 1.15, 15);
    const ratio = r.ratios.find((x) => x.id === 't4')!;
    expect(ratio.batched.value).toBeCloseTo(t4.batchedJ.value / e, 12);
    expect(ratio.totalBatch1!.value).toBeCloseTo((t4.batch1J!.value + t4.uploadJ.value) / e, 12);
    const fr = r.carbon.rows.find((x) => x.region.id === 'france')!;
    expect(fr.mcuG!.value).toBeCloseTo(((e * 1e6) / 3.6e6) * 56, 12);
    // the sweep never includes rates the board cannot sustain (10/s max here)
    expect(r.mcu.sweep.map((p) => p.ratePerS)).toEqual([0.01, 0.1, 1, 2, 10]);
  });

  it('a meter-measured energy in bench.json is used as is, tagged measured', () => {
    const r = buildEnergyReport({ dir: fixture({ ...BENCH, provenance: 'measured', clockHz: 80e6, energyJ: 1.234e-3 }), board: BOARD });
    expect(r.mcu.energyJ).toMatchObject({ value: 1.234e-3, provenance: 'measured' });
  });

  it('without bench.json and without published results for the board, says there is no cycles/MAC figure', () => {
    const r = buildEnergyReport({ dir: fixture(), board: BOARD });
    expect(r.mcu.energyJ).toBeUndefined();
    expect(r.notes.join('\n')).toMatch(/no cycles\/MAC figure is available for a cortex-m4f/);
    expect(r.cloud.targets.length).toBeGreaterThan(0);
  });

  it('a missing convert-report.json is an error that says what to run', () => {
    expect(() => buildEnergyReport({ dir: mkdtempSync(path.join(os.tmpdir(), 'empty-')) })).toThrow(/convert-report.json not found/);
  });

  it('renders markdown with provenance on every figure', () => {
    const r = buildEnergyReport({ dir: fixture(BENCH), board: BOARD, battery: '2xAA' });
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| MCU energy per inference \| 3 mJ \[emulated\] \|/);
    expect(md).toMatch(/NVIDIA H100 SXM5/);
    expect(md).toMatch(/\| conv_0 \| 3,000,000 \| 37.5% \|/);
    expect(md).toMatch(/## CO2e per million inferences/);
    const html = renderHtml(r);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // every bar's tooltip carries the provenance tag
    const titles = [...html.matchAll(/<rect class="bar"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]!);
    expect(titles.length).toBeGreaterThan(10);
    for (const t of titles) expect(t).toMatch(/\[(measured|estimated|emulated|published|derived)\]$/);
  });

  it('industry PUE scales the cloud figures; unknown regions and PUEs are usage errors', () => {
    const aws = buildEnergyReport({ dir: fixture(BENCH), board: BOARD });
    const ind = buildEnergyReport({ dir: fixture(BENCH), board: BOARD, pue: 'industry' });
    const a = aws.cloud.targets.find((x) => x.id === 'h100')!;
    const i = ind.cloud.targets.find((x) => x.id === 'h100')!;
    expect(i.batchedJ.value / a.batchedJ.value).toBeCloseTo(1.58 / 1.15, 12);
    expect(() => buildEnergyReport({ dir: fixture(BENCH), board: BOARD, region: 'mars' })).toThrow(/unknown region "mars"/);
    expect(() => buildEnergyReport({ dir: fixture(BENCH), board: BOARD, pue: 'x' })).toThrow(/unknown PUE "x"/);
  });

  it('parses rates', () => {
    expect(parseRate('1/s')).toBe(1);
    expect(parseRate('6/min')).toBeCloseTo(0.1, 12);
    expect(parseRate('2/h')).toBeCloseTo(2 / 3600, 12);
    expect(() => parseRate('fast')).toThrow(/cannot read rate/);
  });
});

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe.skipIf(!CHROMIUM)('report.html in headless Chromium', () => {
  it('renders the charts as non-empty SVG and takes a screenshot', async () => {
    const r = buildEnergyReport({ dir: fixture(BENCH), board: BOARD, battery: '2xAA', region: 'us', benchmark: 'kws' });
    const out = mkdtempSync(path.join(os.tmpdir(), 'tinyml-report-html-'));
    const files = await writeReport(r, out);
    const html = readFileSync(files.html, 'utf8');
    // self-contained: nothing fetched from anywhere
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
    const shotDir = path.join(os.tmpdir(), 'tinyml-report-screenshot');
    mkdirSync(shotDir, { recursive: true });
    const shot = path.join(shotDir, 'report.png');
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`];
    const url = `file://${files.html}`;
    const dom = spawnSync(CHROMIUM!, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    for (const id of ['chart-energy', 'chart-duty', 'chart-carbon', 'chart-layers', 'chart-mlperf']) {
      const m = new RegExp(`<svg[^>]*id="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(dom.stdout);
      expect(m, `${id} in the rendered DOM`).not.toBeNull();
      const bars = [...m![1]!.matchAll(/<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)];
      expect(bars.length, id).toBeGreaterThan(0);
      for (const b of bars) {
        expect(Number(b[3])).toBeGreaterThan(0);
        expect(Number(b[4])).toBeGreaterThan(0);
      }
    }
    // the energy chart: MCU first, then one bar per cloud target with an energy per MAC, then the upload
    const energy = /<svg[^>]*id="chart-energy"[^>]*>([\s\S]*?)<\/svg>/.exec(dom.stdout)![1]!;
    expect([...energy.matchAll(/<rect class="bar"/g)].length).toBe(1 + r.cloud.targets.length + 1);
    const res = spawnSync(CHROMIUM!, [...flags, `--screenshot=${shot}`, '--window-size=1200,2000', url], { encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    console.log(`report screenshot: ${shot}`);
  });
});

describe('tinyml report (CLI)', () => {
  it('writes report.json, report.md and report.html and prints JSON with --json', () => {
    const dir = fixture(BENCH);
    const res = spawnSync('npx', ['tsx', 'src/cli/entry.ts', 'report', dir, '--board', 'nucleo-l4r5zi', '--battery', 'CR2032', '--rate', '1/s', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const j = JSON.parse(res.stdout);
    expect(j.schema).toBe('tinyml-energy-report/1');
    expect(j.board.id).toBe('nucleo-l4r5zi');
    expect(j.mcu.energyJ.provenance).toBe('emulated');
    for (const f of ['report.json', 'report.md', 'report.html']) expect(existsSync(path.join(dir, f)), f).toBe(true);
    const bad = spawnSync('npx', ['tsx', 'src/cli/entry.ts', 'report', dir, '--board', 'nucleo-l4r5zi', '--battery', 'AAAA'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown battery "AAAA"/);
  });
  it('has help with examples', () => {
    const out = execFileSync('npx', ['tsx', 'src/cli/entry.ts', 'report', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toMatch(/Examples:/);
    expect(out).toMatch(/--battery/);
  });
});

describe('board power figures in the report', () => {
  it('tags a datasheet figure published and one scaled to another clock derived, citing its own sources', () => {
    const uno = buildEnergyReport({ dir: fixture(BENCH), boardId: 'arduino-uno' });
    expect(uno.board?.activeW?.provenance).toBe('derived');
    expect(uno.board?.activeW?.source).toContain('ATmega328P');
    expect(uno.board?.sleepW?.provenance).toBe('published');
    const l4 = buildEnergyReport({ dir: fixture(BENCH), boardId: 'nucleo-l4r5zi' });
    expect(l4.board?.activeW?.provenance).toBe('published');
  });
});
