/**
 * Arduino and PlatformIO projects: generated around the unchanged model files with the runtime
 * and board.h; their C compiles for the board's core with -Werror where that compiler is here
 * (arm-none-eabi-gcc for the RP2040's Cortex-M0+, avr-gcc for the Uno). Without arduino-cli /
 * pio, `tinyml build` prints the exact command.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { writeArduinoSketch, writePlatformioProject } from '../../src/build/arm-project.js';
import { hasTool } from '../../src/build/tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function fixtureProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-ext-'));
  for (const f of ['model.c', 'model.h']) cpSync(path.join(root, 'test/fixtures/firmware', f), path.join(dir, f));
  mkdirSync(path.join(dir, 'kernels'));
  for (const f of ['tinyml_kernels.h', 'fully_connected_s8.c']) cpSync(path.join(root, 'firmware-templates/kernels/reference', f), path.join(dir, 'kernels', f));
  return dir;
}

function compileAll(cc: string, flags: string[], files: string[], includes: string[]): { status: number | null; stderr: string } {
  const out = mkdtempSync(path.join(tmpdir(), 'tinyml-ext-o-'));
  for (const f of files) {
    const r = spawnSync(cc, [...flags, '-std=c99', '-Wall', '-Wextra', '-Werror', '-c', ...includes.map((i) => `-I${i}`), f, '-o', path.join(out, path.basename(f) + '.o')], { encoding: 'utf8' });
    if (r.status !== 0) return { status: r.status, stderr: r.stderr };
  }
  return { status: 0, stderr: '' };
}

describe('Arduino sketch (arduino-uno)', () => {
  it('lays out sketch/tinyml with the model, kernels, runtime and board.h', () => {
    const dir = fixtureProject();
    const sketch = writeArduinoSketch(dir, loadBoard('arduino-uno'));
    expect(path.basename(sketch)).toBe('tinyml');
    expect(existsSync(path.join(sketch, 'tinyml.ino'))).toBe(true);
    const src = readdirSync(path.join(sketch, 'src'));
    expect(src).toEqual(expect.arrayContaining(['model.c', 'model.h', 'fully_connected_s8.c', 'tinyml_kernels.h', 'tinyml_runtime.c', 'tinyml_port.h', 'board.h']));
    expect(readFileSync(path.join(sketch, 'src/model.c'), 'utf8')).toBe(readFileSync(path.join(dir, 'model.c'), 'utf8'));
    expect(readFileSync(path.join(sketch, 'src/board.h'), 'utf8')).toMatch(/#define TINYML_UART_BAUD 115200u/);
  });

  it.skipIf(!hasTool('avr-gcc'))('its C compiles for the ATmega328P with -Werror', () => {
    const dir = fixtureProject();
    const src = path.join(writeArduinoSketch(dir, loadBoard('arduino-uno')), 'src');
    const r = compileAll('avr-gcc', ['-mmcu=atmega328p', '-Os'], readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => path.join(src, f)), [src]);
    expect(r.stderr).toBe('');
  });
});

describe('PlatformIO project (rpi-pico)', () => {
  it('writes platformio.ini with the board id and compiles for the Cortex-M0+ with -Werror', () => {
    const dir = fixtureProject();
    const board = loadBoard('rpi-pico');
    writePlatformioProject(dir, board);
    const ini = readFileSync(path.join(dir, 'platformio.ini'), 'utf8');
    expect(ini).toContain('[env:rpi-pico]');
    expect(ini).toContain('board = pico');
    expect(ini).toContain('platform = raspberrypi');
    expect(existsSync(path.join(dir, 'main.cpp'))).toBe(true);
    if (hasTool('arm-none-eabi-gcc')) {
      const files = [path.join(dir, 'model.c'), path.join(dir, 'kernels/fully_connected_s8.c'), path.join(dir, 'runtime/tinyml_runtime.c')];
      const r = compileAll('arm-none-eabi-gcc', ['-mcpu=cortex-m0plus', '-mthumb', '-O2'], files, [dir, path.join(dir, 'kernels'), path.join(dir, 'runtime')]);
      expect(r.stderr).toBe('');
    }
  });

  it.skipIf(hasTool('pio'))('tinyml build prints the pio command when pio is absent', () => {
    const dir = fixtureProject();
    const r = spawnSync('npx', ['tsx', 'src/cli/entry.ts', 'build', dir, '--board', 'rpi-pico', '--json'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { built: boolean; command: string };
    expect(out.built).toBe(false);
    expect(out.command).toBe(`pio run -d ${dir} -e rpi-pico`);
  });
});
