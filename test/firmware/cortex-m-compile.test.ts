/**
 * Every bare-metal Cortex-M board's project compiles with arm-none-eabi-gcc -Wall -Wextra
 * -Werror, with every kernel of its kernel set (reference kernels under them), and links at
 * the board's flash origin from the generated linker script.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { runTool } from '../../src/build/tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const boards = listBoards().filter((b) => b.template === 'bare-metal-cortex-m');

function fixtureProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-fw-'));
  cpSync(path.join(root, 'test/fixtures/firmware/model.c'), path.join(dir, 'model.c'));
  cpSync(path.join(root, 'test/fixtures/firmware/model.h'), path.join(dir, 'model.h'));
  mkdirSync(path.join(dir, 'kernels'));
  const ref = path.join(root, 'firmware-templates/kernels/reference');
  for (const f of readdirSync(ref)) cpSync(path.join(ref, f), path.join(dir, 'kernels', f));
  return dir;
}

describe.skipIf(missingArmTools().length > 0)('bare-metal Cortex-M projects', () => {
  it('covers the emulated and real Cortex-M boards', () => {
    expect(boards.map((b) => b.id)).toEqual(expect.arrayContaining(['qemu-mps2-an385', 'qemu-mps2-an386', 'qemu-mps2-an500', 'qemu-mps2-an505', 'nucleo-l4r5zi', 'nucleo-u575zi-q', 'nucleo-h7a3zi-q', 'arduino-nano-33-ble-sense']));
  });

  for (const board of boards) {
    it(`${board.id} compiles with -Werror and links at its flash origin`, async () => {
      const dir = fixtureProject();
      const b = await buildArm(dir, board, { jobs: 2 });
      expect(b.kernels).toBe(board.kernels);
      expect(b.sizes.text).toBeGreaterThan(1000);
      expect(b.flashBytes).toBeLessThanOrEqual(board.memory.flash.length);
      const h = await runTool('arm-none-eabi-objdump', ['-h', b.elf]);
      const text = /^\s*\d+\s+\.text\s+[0-9a-f]+\s+([0-9a-f]+)/m.exec(h.stdout.toString('utf8'));
      expect(text, h.stdout.toString('utf8')).not.toBeNull();
      expect(parseInt(text![1]!, 16)).toBe(board.memory.flash.origin);
      expect(h.stdout.toString('utf8')).toMatch(new RegExp(`\\.bss\\s+[0-9a-f]+\\s+${board.memory.ram.origin.toString(16).padStart(8, '0')}`));
    });
  }
});
