/**
 * Port discovery: what is plugged in, and which board each port most likely is.
 */
import { SerialPort } from 'serialport';
import { TinymlError } from '../errors.js';
import { listSysfsPorts, type SysfsRoots } from './sysfs-ports.js';
import { USB_IDS, type UsbIdRow } from './usb-ids.js';

export interface PortInfo {
  path: string;
  /** lower-case hex, 4 digits (e.g. "0483"), when the OS knows it */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** What the VID:PID table says the device is. */
  device?: string;
  /** Most likely board ids, best first (empty when unknown). */
  boards: string[];
  protocol?: string;
  confidence?: UsbIdRow['confidence'];
}

export function guessBoard(vendorId?: string, productId?: string): UsbIdRow | undefined {
  if (!vendorId || !productId) return undefined;
  const vid = parseInt(vendorId, 16);
  const pid = parseInt(productId, 16);
  return USB_IDS.find((r) => r.vid === vid && r.pid === pid);
}

export interface RawPortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

export function describePort(p: RawPortInfo): PortInfo {
  const vendorId = p.vendorId?.toLowerCase().padStart(4, '0');
  const productId = p.productId?.toLowerCase().padStart(4, '0');
  const row = guessBoard(vendorId, productId);
  return {
    path: p.path,
    ...(vendorId ? { vendorId } : {}),
    ...(productId ? { productId } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(row ? { device: row.device, protocol: row.protocol, confidence: row.confidence } : {}),
    boards: row?.boards ?? [],
  };
}

/**
 * The OS's port list through serialport; on Linux, when that fails because `udevadm` cannot be
 * run (no udev in containers and minimal installs), the sysfs lister instead. Any other failure
 * is a device error that says what was tried.
 */
export async function systemPorts(
  list: () => Promise<RawPortInfo[]> = () => SerialPort.list(),
  opts: { platform?: NodeJS.Platform; roots?: SysfsRoots } = {},
): Promise<RawPortInfo[]> {
  try {
    return await list();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const platform = opts.platform ?? process.platform;
    if (platform === 'linux' && (e.code === 'ENOENT' || e.code === 'EACCES' || /udevadm/.test(String(e.message)))) {
      return listSysfsPorts(opts.roots);
    }
    throw new TinymlError('device', `cannot list serial ports: ${e.message ?? String(err)}`, 'Give the port explicitly (--port /dev/ttyACM0, COM3, /dev/cu.usbmodem…).');
  }
}

export async function listPorts(list: () => Promise<RawPortInfo[]> = () => systemPorts()): Promise<PortInfo[]> {
  const raw = await list();
  return raw.map(describePort).sort((a, b) => a.path.localeCompare(b.path));
}
