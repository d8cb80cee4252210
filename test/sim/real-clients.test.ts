/**
 * The simulators are validated by the clients Debian ships: if stm32flash or avrdude cannot
 * flash and verify a simulator, the simulator is wrong, and every test of our flasher against
 * it would prove nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { writeIntelHex } from '../../src/flash/intel-hex.js';
import { hasTool, randomBytes, run } from './helpers.js';
import { OptibootSim } from './optiboot-sim.js';
import { ptyPair, type PtyPair } from './pty-pair.js';
import { Stm32Sim } from './stm32-sim.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startOnPty<T extends { start(t: SerialPortTransport): void; done(): Promise<void> }>(sim: T): Promise<PtyPair> {
  const pair = await ptyPair();
  const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
  await dev.open();
  sim.start(dev);
  cleanups.push(async () => {
    await dev.close();
    await pair.close();
  });
  return pair;
}

describe.skipIf(!hasTool('socat') || !hasTool('stm32flash'))('stm32flash against the AN3155 simulator', () => {
  it('writes and verifies a 5000-byte image (not a multiple of 256 or 4)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-stm32-'));
    const img = randomBytes(5000, 7);
    writeFileSync(path.join(dir, 'image.bin'), img);
    // 0x410 (STM32F10x medium density): a device stm32flash 0.7 knows, 1 KiB pages.
    const sim = new Stm32Sim({ pid: 0x410, flashSize: 128 * 1024, pageSize: 1024 });
    const pair = await startOnPty(sim);
    const r = await run('stm32flash', ['-m', '8n1', '-b', '115200', '-w', path.join(dir, 'image.bin'), '-v', pair.host], 60_000);
    expect(r.stderr + r.stdout).toMatch(/Verifying|Done/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Buffer.from(sim.flash.read(0x08000000, img.length)).equals(Buffer.from(img))).toBe(true);
    // stm32flash erased only the pages it needed: the page after the image stays erased.
    expect(sim.flash.read(0x08000000 + 5 * 1024, 16).every((b) => b === 0xff)).toBe(true);
    expect(sim.log.some((l) => l.startsWith('erase'))).toBe(true);
    expect(sim.log.filter((l) => l.startsWith('read')).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasTool('socat') || !hasTool('avrdude'))('avrdude -c arduino against the Optiboot simulator', () => {
  it('writes and verifies a 3000-byte Intel HEX image', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-avr-'));
    const img = randomBytes(3000, 11);
    writeFileSync(path.join(dir, 'image.hex'), writeIntelHex({ segments: [{ address: 0, data: img }] }));
    const sim = new OptibootSim();
    const pair = await startOnPty(sim);
    const r = await run('avrdude', ['-c', 'arduino', '-p', 'm328p', '-P', pair.host, '-b', '115200', '-U', `flash:w:${path.join(dir, 'image.hex')}:i`], 90_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/verif/i);
    expect(Buffer.from(sim.flash.read(0, img.length)).equals(Buffer.from(img))).toBe(true);
    expect(sim.log.some((l) => l.startsWith('read'))).toBe(true);
  });
});
