import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryPair } from '../../src/serial/memory-transport.js';
import { describePort, listPorts } from '../../src/serial/ports.js';
import { parseResetSequence, runResetSequence } from '../../src/serial/reset-sequence.js';
import { formatTrace, TracingTransport } from '../../src/serial/trace.js';

describe('reset sequences', () => {
  it('parses esptool syntax, merging adjacent D/R steps', () => {
    expect(parseResetSequence('D0|R1|W100|D1|R0|W50|D0')).toEqual([
      { kind: 'signals', signals: { dtr: false, rts: true } },
      { kind: 'wait', ms: 100 },
      { kind: 'signals', signals: { dtr: true, rts: false } },
      { kind: 'wait', ms: 50 },
      { kind: 'signals', signals: { dtr: false } },
    ]);
    // D0|D1 touches the same line twice: two steps, not one.
    expect(parseResetSequence('D0|D1')).toHaveLength(2);
  });
  it('rejects a bad step naming it', () => {
    expect(() => parseResetSequence('D0|X1|W10')).toThrow(/step 2 "X1"/);
    expect(() => parseResetSequence('D0|W')).toThrow(/step 2 "W"/);
  });
  it('executes through the transport with the waits', async () => {
    const [host, dev] = createMemoryPair();
    await host.open();
    await dev.open();
    const seen: { dtr: boolean; rts: boolean }[] = [];
    dev.onPeerSignals = (s) => seen.push(s);
    await runResetSequence(host, 'D0|R1|W100|D1|R0|W50|D0');
    expect(seen).toEqual([
      { dtr: false, rts: true },
      { dtr: true, rts: false },
      { dtr: false, rts: false },
    ]);
    const t = host.signalLog.map((s) => s.t);
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(95);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(45);
  });
});

describe('byte trace', () => {
  it('records direction, byte counts and Δms as a hex dump with ASCII', async () => {
    const [host, dev] = createMemoryPair();
    const tr = new TracingTransport(host);
    await dev.open();
    await tr.open();
    await tr.write(Uint8Array.of(0x7f));
    await dev.write(new TextEncoder().encode('y-ready 0123456789abcdef'));
    await tr.read(24, 1000);
    await tr.read(1, 20).catch(() => {});
    await tr.close();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-trace-')), 'trace.txt');
    await tr.save(file, 'test');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('# test');
    expect(text).toMatch(/\+\s+\d+\.\d{3} ms {2}TX {5}1 {2}0000 {2}7f {47}\|\.\|/);
    expect(text).toMatch(/RX {4}24 {2}0000 {2}79 2d 72 65 61 64 79 20 30 31 32 33 34 35 36 37 {2}\|y-ready 01234567\|/);
    expect(text).toMatch(/ {2}0010 {2}38 39 61 62 63 64 65 66 {26}\|89abcdef\|/);
    expect(text).toMatch(/read failed: .*timed out after 20 ms/);
    expect(formatTrace([{ t: 5, dir: 'TX', data: Uint8Array.of(1) }, { t: 7.5, dir: 'RX', data: Uint8Array.of(2) }])).toMatch(/\+ {4}2\.500 ms {2}RX/);
  });
});

describe('port discovery', () => {
  it('names boards from the VID:PID table and sorts by path', async () => {
    const ports = await listPorts(async () => [
      { path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs', serialNumber: '0001' },
      { path: '/dev/ttyACM0', vendorId: '0483', productId: '374b', manufacturer: 'STMicroelectronics', serialNumber: '066DFF' },
      { path: '/dev/ttyS0' },
    ]);
    expect(ports.map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyS0', '/dev/ttyUSB0']);
    expect(ports[0]).toMatchObject({ vendorId: '0483', productId: '374b', serialNumber: '066DFF', protocol: 'stm32-an3155' });
    expect(ports[0]!.boards[0]).toBe('nucleo-l4r5zi');
    expect(ports[1]).toEqual({ path: '/dev/ttyS0', boards: [] });
    expect(ports[2]).toMatchObject({ vendorId: '10c4', productId: 'ea60', confidence: 'bridge' });
  });
  it('knows the IDs the boards show up as', () => {
    const cases: [string, string, string][] = [
      ['2341', '0043', 'arduino-uno'],
      ['1a86', '7523', 'arduino-uno'],
      ['303a', '1001', 'esp32-s3-devkitc-1'],
      ['2e8a', '0003', 'rpi-pico'],
      ['2e8a', '0005', 'rpi-pico'],
      ['1915', '520f', 'arduino-nano-33-ble-sense'],
      ['0483', '374e', 'nucleo-l4r5zi'],
    ];
    for (const [vid, pid, board] of cases) expect(describePort({ path: 'x', vendorId: vid, productId: pid }).boards).toContain(board);
  });
});
