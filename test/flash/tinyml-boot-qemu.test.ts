/**
 * tinyml-boot end to end: the bootloader built from firmware-templates/bootloader with the
 * board file's UART address and clock, run under qemu-system-arm -M mps2-an386; `tinyml
 * flash` (library path) loads an application over the emulated UART, verifies it by CRC-32
 * and starts it; the application then answers `name%` with the name compiled into it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { startQemu, type QemuSession } from '../../src/device/qemu.js';
import { crc32 } from '../../src/flash/crc32.js';
import { parseElf } from '../../src/flash/elf.js';
import { flashDevice } from '../../src/flash/flash-device.js';
import { bootFrame, TinymlBoot } from '../../src/flash/tinyml-boot.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { hasTool, run } from '../sim/helpers.js';
import { buildArm } from '../../src/build/arm.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { silentLogger } from '../../src/log.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sessions: QemuSession[] = [];
afterEach(async () => {
  while (sessions.length) await sessions.pop()!.stop();
});

describe('tinyml-boot frames', () => {
  it('HELLO frame: TB, cmd, len, addr, CRC-32 of cmd..payload', () => {
    // CRC-32 check value of "123456789" is 0xCBF43926 (the CRC catalogue's check string).
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const f = bootFrame(0x01, 0);
    expect(Array.from(f.subarray(0, 9))).toEqual([0x54, 0x42, 0x01, 0, 0, 0, 0, 0, 0]);
    const c = crc32(Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0));
    expect(Array.from(f.subarray(9))).toEqual([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
  });
});

describe.skipIf(!hasTool('arm-none-eabi-gcc') || !hasTool('qemu-system-arm') || !hasTool('make'))('tinyml-boot under qemu-system-arm -M mps2-an386', () => {
  it('loads an application over the UART, verifies by CRC-32, runs it, and the app answers name%', async () => {
    const board = loadBoard('qemu-mps2-an386');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-boot-'));
    const uartBase = '0x' + board.uart.base!.toString(16);
    const clock = String((board.uart as { clockHz?: number }).clockHz ?? board.clockHz);
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'firmware-templates/bootloader'), `BUILD=${dir}`, `UART_BASE=${uartBase}`, `UART_CLOCK_HZ=${clock}`, 'CPU=cortex-m4']);
    const appDir = path.join(ROOT, 'test/flash/fixtures/mps2-app');
    const appElf = path.join(dir, 'app.elf');
    const name = `app-${process.pid}`;
    execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-Os', '-ffreestanding', '-nostdlib', '-nostartfiles', `-DUART_BASE=${uartBase}`, `-DUART_CLOCK_HZ=${clock}`, `-DAPP_NAME="${name}"`, '-T', path.join(appDir, 'app.ld'), path.join(appDir, 'app.c'), '-o', appElf]);

    const q = await startQemu(board, path.join(dir, 'tinyml-boot.elf'));
    sessions.push(q);
    q.resume();
    const image = parseElf(new Uint8Array(readFileSync(appElf)), appElf);
    // The app's vector table goes over the loader's reset vector at 0x0: allowed, the loader runs from the top of code memory.
    expect(image.segments[0]!.address).toBe(0);
    const r = await flashDevice({ board, protocol: new TinymlBoot(), transport: new SerialPortTransport(q.ptyPath, { baudRate: 115200 }), image });
    expect(r.identity.chip).toBe('Cortex-M4');
    expect(r.verify).toEqual({ method: 'crc32', bytes: image.segments.reduce((n, s) => n + s.data.length, 0) });

    const t = new SerialPortTransport(q.ptyPath, { baudRate: 115200 });
    await t.open();
    try {
      await t.write(new TextEncoder().encode('name%'));
      const reply = new TextDecoder().decode(await t.readUntil(new TextEncoder().encode('m-ready\r\n'), 10_000));
      expect(reply).toBe(`m-name-[${name}]\r\nm-ready\r\n`);
    } finally {
      await t.close();
    }
  });

  it('an image over the loader is refused naming the address; the port is closed', async () => {
    const board = loadBoard('qemu-mps2-an386');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-boot-'));
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'firmware-templates/bootloader'), `BUILD=${dir}`, `UART_BASE=0x${board.uart.base!.toString(16)}`, 'UART_CLOCK_HZ=25000000']);
    const q = await startQemu(board, path.join(dir, 'tinyml-boot.elf'));
    sessions.push(q);
    q.resume();
    const transport = new SerialPortTransport(q.ptyPath, { baudRate: 115200 });
    const err = await flashDevice({ board, protocol: new TinymlBoot(), transport, image: { segments: [{ address: 0x003f0000, data: new Uint8Array(64) }] } }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/write 64 bytes at 0x003f0000: address not writable/);
    expect(transport.isOpen).toBe(false);
  });
});

describe.skipIf(!hasTool('arm-none-eabi-gcc') || !hasTool('qemu-system-arm') || !hasTool('make'))('tinyml flash <project> on qemu-mps2-an386 through tinyml-boot', () => {
  it('the real AD01 int8 firmware, flashed by the CLI, answers name% and m-ready', async () => {
    const board = loadBoard('qemu-mps2-an386');
    const work = mkdtempSync(path.join(os.tmpdir(), 'tinyml-boot-fw-'));
    const project = path.join(work, 'project');
    const model = new URL('../../../shared/models/mlperf-tiny/ad01_int8.tflite', import.meta.url).pathname;
    await convertModel(model, { board, outDir: project, runGraph, measureCode: false, logger: silentLogger });
    const build = await buildArm(project, board, {});
    expect(build.elf.startsWith(project)).toBe(true);
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'firmware-templates/bootloader'), `BUILD=${work}`, `UART_BASE=0x${board.uart.base!.toString(16)}`, 'UART_CLOCK_HZ=25000000']);
    const q = await startQemu(board, path.join(work, 'tinyml-boot.elf'));
    sessions.push(q);
    q.resume();
    const r = await run('npx', ['tsx', 'src/cli/entry.ts', 'flash', project, '--port', q.ptyPath, '--json'], 120_000, ROOT);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout) as { board: string; protocol: string; format: string; verify: { method: string } };
    expect(out).toMatchObject({ board: 'qemu-mps2-an386', protocol: 'tinyml-boot', format: 'elf', verify: { method: 'crc32' } });
    const t = new SerialPortTransport(q.ptyPath, { baudRate: 115200 });
    await t.open();
    try {
      await t.write(new TextEncoder().encode('name%'));
      const reply = new TextDecoder().decode(await t.readUntil(new TextEncoder().encode('m-ready'), 15_000));
      expect(reply).toMatch(/m-name-.*\[.*\]\r\n/);
    } finally {
      await t.close();
    }
  });
});
