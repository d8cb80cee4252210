/**
 * `tinyml flash` end to end: the CLI from source, the real board files, a simulator on a
 * socat pty. Checks the JSON result, the byte trace file, exit codes and error text.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { writeIntelHex } from '../../src/flash/intel-hex.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { hasTool, randomBytes, run } from '../sim/helpers.js';
import { OptibootSim } from '../sim/optiboot-sim.js';
import { ptyPair } from '../sim/pty-pair.js';
import type { Simulator } from '../sim/sim-base.js';
import { Stm32Sim } from '../sim/stm32-sim.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = (args: string[]) => run('npx', ['tsx', 'src/cli/entry.ts', ...args], 90_000, ROOT);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function onPty(sim: Simulator): Promise<string> {
  const pair = await ptyPair();
  const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
  await dev.open();
  sim.start(dev);
  cleanups.push(async () => {
    await dev.close();
    await pair.close();
  });
  return pair.host;
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'tinyml-cli-flash-'));

describe.skipIf(!hasTool('socat'))('tinyml flash (CLI)', () => {
  it('arduino-uno: Intel HEX over STK500v1, --json result and a --trace file', async () => {
    const dir = tmp();
    const img = randomBytes(2000, 21);
    writeFileSync(path.join(dir, 'fw.hex'), writeIntelHex({ segments: [{ address: 0, data: img }] }));
    const sim = new OptibootSim();
    const host = await onPty(sim);
    const trace = path.join(dir, 'trace.txt');
    const r = await cli(['flash', path.join(dir, 'fw.hex'), '--board', 'arduino-uno', '--port', host, '--trace', trace, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; format: string; identity: { chip: string }; bytes: number; verify: { method: string; bytes: number } };
    expect(out).toMatchObject({ ok: true, format: 'hex', identity: { chip: 'ATmega328P' }, bytes: 2000, verify: { method: 'read-back', bytes: 2000 } });
    expect(Buffer.from(sim.flash.read(0, 2000)).equals(Buffer.from(img))).toBe(true);
    const t = readFileSync(trace, 'utf8');
    expect(t).toMatch(/TX {5}2 {2}0000 {2}30 20/); // GET_SYNC
    expect(t).toMatch(/RX {5}1 {2}0000 {2}14/);
    expect(t).toMatch(/close/);
  });

  it('wrong chip: exit code 7, message names both IDs, trace still written', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'fw.bin'), randomBytes(100, 1));
    const sim = new Stm32Sim({ pid: 0x413 });
    const host = await onPty(sim);
    const trace = path.join(dir, 't.txt');
    const r = await cli(['flash', path.join(dir, 'fw.bin'), '--board', 'nucleo-l4r5zi', '--port', host, '--parity', 'none', '--trace', trace]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/error: STM32 bootloader on .*: chip ID 0x413 .* does not match board nucleo-l4r5zi, which expects 0x470/);
    expect(r.stderr).toMatch(/hint: is --board right/);
    expect(readFileSync(trace, 'utf8')).toMatch(/failed: .*chip ID 0x413/);
  });

  it('missing port: exit 7 and the available ports are listed or the plug hint given', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'fw.bin'), randomBytes(16, 1));
    const r = await cli(['flash', path.join(dir, 'fw.bin'), '--board', 'arduino-uno', '--port', '/dev/ttyNOPE7']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/error: no serial port \/dev\/ttyNOPE7/);
    expect(r.stderr).toMatch(/hint: (available ports|no serial ports found)/);
  });

  it('ports --json prints an array', async () => {
    const r = await cli(['ports', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
});
