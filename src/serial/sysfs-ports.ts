/**
 * Serial port discovery on Linux without udev: what `/sys/class/tty` and `/dev/serial/by-id`
 * say, for machines (containers, minimal installs) that have no `udevadm`, which serialport's
 * Linux `list()` spawns.
 *
 * Steps:
 * 1. Every entry of `<sys>/class/tty/<name>` that has a `device` link is a port backed by a
 *    driver (virtual consoles and ptys have none). Names are kept when they look like serial
 *    ports, by the same pattern serialport's udev lister applies to DEVNAME.
 * 2. `ttyS*` entries of the 8250 driver exist for every possible legacy UART; the kernel marks
 *    the absent ones with `type` 0 (PORT_UNKNOWN), and those are dropped.
 * 3. For USB ports, the `device` link resolves into the USB interface directory; its parent
 *    (the USB device) holds `idVendor`, `idProduct`, `serial` and `manufacturer`.
 * 4. `<dev>/serial/by-id/*` symlinks, when udev made them on a previous boot or another tool
 *    did, give the serial number of ports whose sysfs lacks it.
 *
 * It does not promise what udev adds beyond sysfs (hwdb vendor names, persistent paths).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { RawPortInfo } from './ports.js';

/** Where to look: the real roots by default, a fixture tree in tests. */
export interface SysfsRoots {
  /** Default `/sys`. */
  sys?: string;
  /** Default `/dev`. */
  dev?: string;
}

const SERIAL_NAME = /^(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)|rfcomm)/;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The USB device directory above a tty's `device` link (the one with idVendor), if any. */
function usbDeviceDir(deviceLink: string, sysRoot: string): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(deviceLink);
  } catch {
    return undefined;
  }
  for (let i = 0; i < 4 && dir.startsWith(sysRoot) && dir !== sysRoot; i++) {
    if (existsSync(path.join(dir, 'idVendor'))) return dir;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** by-id link name → the tty it points at (e.g. "usb-STMicro…-if02" → "ttyACM0"). */
function byIdNames(devRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = path.join(devRoot, 'serial', 'by-id');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      out.set(path.basename(readlinkSync(path.join(dir, n))), n);
    } catch {
      /* not a link: ignore */
    }
  }
  return out;
}

/** The serial number in a by-id name "usb-<vendor>_<product>_<serial>-if<NN>[-port<N>]". */
function serialFromById(name: string): string | undefined {
  const m = /^usb-.*_([^_]+?)-if\d+(-port\d+)?$/.exec(name);
  return m?.[1];
}

/** List serial ports from sysfs (no udev needed). Missing roots give an empty list. */
export function listSysfsPorts(roots: SysfsRoots = {}): RawPortInfo[] {
  const sysRoot = roots.sys ?? '/sys';
  const devRoot = roots.dev ?? '/dev';
  const ttyDir = path.join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(ttyDir);
  } catch {
    return [];
  }
  const byId = byIdNames(devRoot);
  const ports: RawPortInfo[] = [];
  for (const name of names.sort()) {
    if (!SERIAL_NAME.test(name)) continue;
    const deviceLink = path.join(ttyDir, name, 'device');
    if (!existsSync(deviceLink)) continue;
    if (name.startsWith('ttyS') && readText(path.join(ttyDir, name, 'type')) === '0') continue;
    const p: RawPortInfo = { path: path.join(devRoot, name) };
    const usb = usbDeviceDir(deviceLink, sysRoot);
    if (usb) {
      p.vendorId = readText(path.join(usb, 'idVendor'));
      p.productId = readText(path.join(usb, 'idProduct'));
      p.serialNumber = readText(path.join(usb, 'serial'));
      p.manufacturer = readText(path.join(usb, 'manufacturer'));
    }
    const link = byId.get(name);
    if (link && !p.serialNumber) p.serialNumber = serialFromById(link);
    ports.push(p);
  }
  return ports;
}
