import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARDS_DIR, listBoardIds, listBoards, loadBoard, loadBoardFile } from '../../src/boards/load.js';
import { TinymlError } from '../../src/errors.js';

const CSV = new URL('../../data/mlperf-tiny-energy.csv', import.meta.url);

function tempBoards(mutate: (b: Record<string, any>) => void, id = 'qemu-mps2-an386'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-boards-'));
  cpSync(path.join(DEFAULT_BOARDS_DIR, 'board.schema.json'), path.join(dir, 'board.schema.json'));
  const b = JSON.parse(readFileSync(path.join(DEFAULT_BOARDS_DIR, `${id}.json`), 'utf8'));
  mutate(b);
  writeFileSync(path.join(dir, `${b.id}.json`), JSON.stringify(b));
  return dir;
}

describe('board files', () => {
  it('every board validates against the schema and loads', () => {
    const ids = listBoardIds();
    for (const want of ['qemu-mps2-an385', 'qemu-mps2-an386', 'qemu-mps2-an500', 'qemu-mps2-an505', 'nucleo-l4r5zi', 'nucleo-u575zi-q', 'nucleo-h7a3zi-q', 'arduino-nano-33-ble-sense', 'esp32-s3-devkitc-1', 'rpi-pico', 'arduino-uno']) {
      expect(ids).toContain(want);
    }
    const boards = listBoards();
    expect(boards.length).toBe(ids.length);
  });

  it('every real and emulated board says where its numbers come from', () => {
    for (const b of listBoards().filter((x) => x.core !== 'host')) {
      expect(Object.keys(b.sources ?? {}), b.id).toEqual(expect.arrayContaining(['clockHz', 'memory', 'uart']));
      expect(b.clockHz, b.id).toBeGreaterThan(0);
      if (b.flash.chipId) expect(Object.keys(b.sources!), `${b.id} chipId`).toContain('flash.chipId');
      for (const s of b.power?.sources ?? []) expect(s.source.length, b.id).toBeGreaterThan(3);
    }
  });

  it('STM32 product ids follow AN2606 and the AVR signature the datasheet', () => {
    expect(loadBoard('nucleo-l4r5zi').flash.chipId).toBe('0x470');
    expect(loadBoard('nucleo-u575zi-q').flash.chipId).toBe('0x482');
    expect(loadBoard('nucleo-h7a3zi-q').flash.chipId).toBe('0x480');
    expect(loadBoard('arduino-uno').flash.chipId).toBe('1E 95 0F');
  });

  it('measured power equals the MLPerf Tiny CSV row it cites', () => {
    const rows = readFileSync(CSV, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
    let checked = 0;
    for (const b of listBoards()) {
      if (!b.measuredPower) continue;
      const row = rows.find((r) => b.measuredPower!.source.endsWith(r[7]!));
      expect(row, `${b.id}: cited row not in the CSV`).toBeDefined();
      expect(b.measuredPower.activeW).toBeCloseTo(Number(row![5]) * 1e-6, 12);
      if (b.power) expect(b.power.activeW).toBeCloseTo(Number(row![5]) * 1e-6, 12);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('emulated boards name a QEMU machine; hex addresses become numbers', () => {
    const an386 = loadBoard('qemu-mps2-an386');
    expect(an386.emulator?.qemuMachine).toBe('mps2-an386');
    expect(an386.uart.base).toBe(0x40004000);
    const dir = tempBoards((b) => {
      b.uart.base = '0x40004000';
      b.memory.flash.length = '0x400000';
    });
    const b = loadBoardFile(path.join(dir, 'qemu-mps2-an386.json'));
    expect(b.uart.base).toBe(0x40004000);
    expect(b.memory.flash.length).toBe(4 * 1024 * 1024);
  });

  it('an invalid board names the file and every bad field', () => {
    const dir = tempBoards((b) => {
      b.clockHz = 'fast';
      delete b.uart.baud;
      b.colour = 'blue';
    });
    const file = path.join(dir, 'qemu-mps2-an386.json');
    let err: unknown;
    try {
      loadBoardFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinymlError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg).toContain('clockHz');
    expect(msg).toContain('uart: missing field "baud"');
    expect(msg).toContain('unknown field "colour"');
  });

  it('a kernel set that does not exist is an error, not a fallback', () => {
    const dir = tempBoards((b) => {
      b.kernels = 'helium-mve';
    });
    expect(() => loadBoardFile(path.join(dir, 'qemu-mps2-an386.json'))).toThrow(/kernel set "helium-mve" does not exist/);
  });

  it('an unknown board id lists the known ones', () => {
    expect(() => loadBoard('nucleo-f999')).toThrow(TinymlError);
    try {
      loadBoard('nucleo-f999');
    } catch (e) {
      expect((e as TinymlError).hint).toContain('qemu-mps2-an386');
    }
  });
});

describe('tinyml boards', () => {
  it('--json prints every validated board profile', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = new URL('../..', import.meta.url).pathname;
    const r = spawnSync('npx', ['tsx', 'src/cli/entry.ts', 'boards', '--json'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const boards = JSON.parse(r.stdout) as { id: string; memory: { flash: { origin: number } } }[];
    expect(boards.map((b) => b.id)).toEqual(listBoardIds());
    expect(boards.find((b) => b.id === 'nucleo-l4r5zi')!.memory.flash.origin).toBe(0x08000000);
  });
});
