/**
 * `tinyml convert` + `tinyml bench` end to end on qemu-mps2-an386 (AD01, the small model):
 * bench.json carries what the energy stage reads, labelled emulated, validated against the
 * reference interpreter.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const model = path.resolve(root, '../shared/models/mlperf-tiny/ad01_int8.tflite');
const cli = (args: string[]) => spawnSync('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });

describe.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('tinyml bench on qemu-mps2-an386', () => {
  it('writes bench.json with emulated cycles, MACs, memory and validation', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tinyml-bench-cli-')), 'out');
    const c = cli(['convert', model, '--board', 'qemu-mps2-an386', '-o', dir]);
    expect(c.status, c.stderr).toBe(0);
    const r = cli(['bench', dir, '--json', '-n', '2']);
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(existsSync(path.join(dir, 'bench.json'))).toBe(true);
    const b = JSON.parse(readFileSync(path.join(dir, 'bench.json'), 'utf8'));
    expect(b).toEqual(printed);
    expect(b.board).toBe('qemu-mps2-an386');
    expect(b.provenance).toBe('emulated');
    expect(b.validated).toBe(true);
    expect(b.kernels).toBe('cortex-m');
    expect(b.clockHz).toBe(25_000_000);
    // AD01: five 128-unit dense layers around an 8-unit bottleneck on 640 inputs
    expect(b.macs).toBe(640 * 128 + 128 * 128 * 3 + 128 * 8 + 8 * 128 + 128 * 128 * 3 + 128 * 640);
    expect(b.cyclesPerInference).toBeGreaterThan(b.macs / 4);
    expect(b.macsPerCycle).toBeCloseTo(b.macs / b.cyclesPerInference, 12);
    expect(b.perLayerCycles.length).toBeGreaterThan(0);
    expect(b.perLayerCycles.reduce((s: number, l: { cycles: number }) => s + l.cycles, 0)).toBeLessThanOrEqual(b.cyclesPerInference * 1.05);
    expect(b.flashBytes).toBeGreaterThan(264192); // at least the int8 weights
    expect(b.ramBytes).toBeGreaterThan(0);
  });
});
