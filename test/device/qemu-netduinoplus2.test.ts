/**
 * The STM32F405 board under QEMU (-M netduinoplus2): the firmware boots, answers the runtime
 * protocol through the stm32-usart driver in its F4 ("sr") register layout, and `tinyml bench`
 * validates KWS over that USART. Also: a clock step that never completes is reported on the
 * UART instead of hanging (QEMU does not model the F405's RCC, so a wait on PLLRDY never ends).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARDS_DIR, loadBoard, loadBoardFile } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { startQemu } from '../../src/device/qemu.js';
import { silentLogger } from '../../src/log.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EX = path.join(ROOT, 'examples/mlperf-tiny');
const available = missingArmTools().length === 0 && hasTool('qemu-system-arm');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });

describe.skipIf(!available)('qemu-netduinoplus2 (STM32F405)', () => {
  it('tinyml bench validates KWS over USART1 under QEMU', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-nd2-')), 'kws');
    const c = cli(['convert', path.join(EX, 'kws_ref_model.tflite'), '--board', 'qemu-netduinoplus2', '-o', dir]);
    expect(c.status, c.stderr).toBe(0);
    // The driver is compiled for the F4 register layout, and the UART base is USART1.
    const boardH = readFileSync(path.join(dir, 'board.h'), 'utf8');
    expect(boardH).toMatch(/#define TINYML_UART_LAYOUT_SR 1/);
    expect(boardH).toMatch(/#define TINYML_UART_BASE 0x40011000u/);
    const r = cli(['bench', dir, '--input', path.join(EX, 'kws_input_0.int8.bin'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.board).toBe('qemu-netduinoplus2');
    expect(j.validated).toBe(true);
    expect(j.provenance).toBe('emulated');
    expect(j.clockHz).toBe(168_000_000);
    expect(j.instructionsPerInference).toBeGreaterThan(j.macs / 2);
  });

  it('with the isr layout instead, the firmware cannot talk over the F4 USART (the layout matters)', async () => {
    const boards = mkdtempSync(path.join(os.tmpdir(), 'tinyml-nd2-boards-'));
    cpSync(path.join(DEFAULT_BOARDS_DIR, 'board.schema.json'), path.join(boards, 'board.schema.json'));
    const b = JSON.parse(readFileSync(path.join(DEFAULT_BOARDS_DIR, 'qemu-netduinoplus2.json'), 'utf8'));
    delete b.uart.layout;
    writeFileSync(path.join(boards, 'qemu-netduinoplus2.json'), JSON.stringify(b));
    const board = loadBoardFile(path.join(boards, 'qemu-netduinoplus2.json'));
    const text = await bootText(board, 1500);
    expect(text).not.toMatch(/m-ready/);
  });

  it('a clock wait that never completes is reported on the UART, and the firmware still serves', async () => {
    const boards = mkdtempSync(path.join(os.tmpdir(), 'tinyml-nd2-boards-'));
    cpSync(path.join(DEFAULT_BOARDS_DIR, 'board.schema.json'), path.join(boards, 'board.schema.json'));
    const b = JSON.parse(readFileSync(path.join(DEFAULT_BOARDS_DIR, 'qemu-netduinoplus2.json'), 'utf8'));
    b.clockInit = [
      { addr: '0x40023800', mask: '0x01000000', value: '0x01000000', why: 'RCC_CR.PLLON = 1 (RM0090 RCC_CR)' },
      { op: 'wait', addr: '0x40023800', mask: '0x02000000', value: '0x02000000', why: 'RCC_CR.PLLRDY = 1 (never, under QEMU)' },
    ];
    writeFileSync(path.join(boards, 'qemu-netduinoplus2.json'), JSON.stringify(b));
    const board = loadBoardFile(path.join(boards, 'qemu-netduinoplus2.json'));
    const text = await bootText(board, 20_000, /m-ready/);
    expect(text).toMatch(/e-\[clock step 01 did not complete: running on the reset clock\]/);
    expect(text).toMatch(/m-ready/);
  });
});

/** Build a tiny project for `board`, boot it under QEMU and collect what the UART says. */
async function bootText(board: ReturnType<typeof loadBoard>, ms: number, until?: RegExp): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-nd2-boot-')), 'p');
  await convertModel(path.join(EX, 'kws_ref_model.tflite'), { board, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
  const build = await buildArm(dir, board);
  const q = await startQemu(board, build.elf);
  const t = new SerialPortTransport(q.ptyPath, { baudRate: 115200 });
  let text = '';
  try {
    await t.open();
    q.resume();
    const end = Date.now() + ms;
    while (Date.now() < end && !(until && until.test(text))) {
      const got = await t.read(1, Math.max(1, end - Date.now())).catch(() => new Uint8Array(0));
      text += Buffer.from(got).toString('latin1');
    }
    return text;
  } finally {
    await t.close().catch(() => {});
    await q.stop();
  }
}
