/**
 * Port listing without udev: a sysfs tree laid out as the Linux kernel lays it out for a
 * NUCLEO's ST-LINK (cdc_acm), an FTDI bridge (ftdi_sio), a present and an absent 8250 UART, a
 * virtual console and a pty; and the CLI run with no `udevadm` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listPorts, systemPorts } from '../../src/serial/ports.js';
import { listSysfsPorts } from '../../src/serial/sysfs-ports.js';
import { TinymlError } from '../../src/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function file(p: string, text: string): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text + '\n');
}

/** /sys and /dev fixture. Device directories follow the kernel's layout (bus/port/interface). */
function fixture(): { sys: string; dev: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tinyml-sysfs-'));
  const sys = path.join(root, 'sys');
  const dev = path.join(root, 'dev');
  const tty = path.join(sys, 'class', 'tty');
  const usb1 = path.join(sys, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', '1-2');
  file(path.join(usb1, 'idVendor'), '0483');
  file(path.join(usb1, 'idProduct'), '374b');
  file(path.join(usb1, 'serial'), '066DFF495051717867193432');
  file(path.join(usb1, 'manufacturer'), 'STMicroelectronics');
  mkdirSync(path.join(usb1, '1-2:1.2', 'tty', 'ttyACM0'), { recursive: true });
  const usb2 = path.join(sys, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', '1-3');
  file(path.join(usb2, 'idVendor'), '0403');
  file(path.join(usb2, 'idProduct'), '6001');
  file(path.join(usb2, 'manufacturer'), 'FTDI');
  // ftdi_sio: the tty hangs below a usb-serial port node under the interface.
  mkdirSync(path.join(usb2, '1-3:1.0', 'ttyUSB0', 'tty', 'ttyUSB0'), { recursive: true });
  const serial8250 = path.join(sys, 'devices', 'platform', 'serial8250');
  mkdirSync(serial8250, { recursive: true });
  mkdirSync(tty, { recursive: true });
  const link = (name: string, target: string) => {
    mkdirSync(path.join(tty, name), { recursive: true });
    symlinkSync(target, path.join(tty, name, 'device'));
  };
  link('ttyACM0', path.join(usb1, '1-2:1.2'));
  link('ttyUSB0', path.join(usb2, '1-3:1.0', 'ttyUSB0'));
  link('ttyS0', serial8250);
  file(path.join(tty, 'ttyS0', 'type'), '4'); // PORT_16550A: a real UART
  link('ttyS1', serial8250);
  file(path.join(tty, 'ttyS1', 'type'), '0'); // PORT_UNKNOWN: no UART behind it
  mkdirSync(path.join(tty, 'tty1')); // virtual console: no device link
  mkdirSync(path.join(tty, 'ptmx'));
  // The FTDI has no serial in sysfs here; udev left a by-id link that carries one.
  mkdirSync(path.join(dev, 'serial', 'by-id'), { recursive: true });
  symlinkSync('../../ttyUSB0', path.join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'));
  return { sys, dev };
}

describe('sysfs port lister', () => {
  it('finds USB and present legacy ports with their IDs, drops consoles, ptys and absent UARTs', () => {
    const roots = fixture();
    const ports = listSysfsPorts(roots);
    expect(ports).toEqual([
      {
        path: path.join(roots.dev, 'ttyACM0'),
        vendorId: '0483',
        productId: '374b',
        serialNumber: '066DFF495051717867193432',
        manufacturer: 'STMicroelectronics',
      },
      { path: path.join(roots.dev, 'ttyS0') },
      { path: path.join(roots.dev, 'ttyUSB0'), vendorId: '0403', productId: '6001', manufacturer: 'FTDI', serialNumber: 'A50285BI' },
    ]);
  });

  it('a missing /sys gives an empty list, not an error', () => {
    expect(listSysfsPorts({ sys: '/nonexistent-sys', dev: '/nonexistent-dev' })).toEqual([]);
  });

  it('serialport failing to spawn udevadm falls back to sysfs, and the board guess still works', async () => {
    const roots = fixture();
    const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    const ports = await listPorts(() => systemPorts(() => Promise.reject(enoent), { platform: 'linux', roots }));
    const acm = ports.find((p) => p.path.endsWith('ttyACM0'))!;
    expect(acm.boards.length).toBeGreaterThan(0); // 0483:374b is an ST-LINK/V2-1
    expect(ports.map((p) => path.basename(p.path))).toEqual(['ttyACM0', 'ttyS0', 'ttyUSB0']);
  });

  it('other failures (and non-Linux) are device errors naming the cause, never internal errors', async () => {
    const boom = new Error('IOKit registry unavailable');
    await expect(systemPorts(() => Promise.reject(boom), { platform: 'darwin' })).rejects.toThrow(TinymlError);
    await expect(systemPorts(() => Promise.reject(boom), { platform: 'linux' })).rejects.toThrow(/cannot list serial ports: IOKit registry unavailable/);
    const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    await expect(systemPorts(() => Promise.reject(enoent), { platform: 'win32' })).rejects.toMatchObject({ code: 'device' });
  });
});

describe.runIf(process.platform === 'linux')('tinyml ports with no udevadm on PATH', () => {
  it('ports --json exits 0 with an array', () => {
    // A PATH holding only node's own directory: no udevadm whatever the machine has.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'tinyml-nopath-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'ports', '--json'], {
      cwd: ROOT,
      env: { ...process.env, PATH: bin },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
});
