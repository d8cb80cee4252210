/**
 * UF2 bootloaders (RP2040 BOOTSEL, Adafruit nRF52840, …) appear as a USB mass-storage
 * drive holding INFO_UF2.TXT. Flashing is copying a .uf2 file onto it; the bootloader
 * writes the blocks whose family ID it recognises and reboots.
 *
 * Flow: find the drive (the --drive path, or the one mount point under the usual media
 * roots that contains INFO_UF2.TXT), read its Board-ID for the identity, write the .uf2
 * (family ID from board.flash.uf2FamilyId) to a temporary name on the drive and rename
 * it, then fsync.
 * Not promised: there is no read-back. `verify()` compares the file on the drive with what
 * was meant to be written when the drive still shows it; most bootloaders reboot and
 * unmount at once, which counts as done (method "file-compare", 0 bytes checked).
 */
import { open, readFile, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import type { SerialSettings, Transport } from '../serial/transport.js';
import type { FlashImage } from './image.js';
import { parseChipId, type DeviceIdentity, type FlashProtocol, type FlashProtocolOptions, type VerifyResult } from './protocol.js';
import { writeUf2 } from './uf2.js';

export interface Uf2Options extends FlashProtocolOptions {
  /** Mount point of the bootloader drive. */
  drive?: string;
  /** Where to look for mounted drives when `drive` is not given. */
  mediaRoots?: string[];
}

async function hasInfo(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'INFO_UF2.TXT')).then((s) => s.isFile(), () => false);
}

/** Mount points under the roots (two levels: /media/<user>/<label>) that hold INFO_UF2.TXT. */
export async function findUf2Drives(roots: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const root of roots) {
    const level1 = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of level1) {
      if (!d.isDirectory()) continue;
      const p = path.join(root, d.name);
      if (await hasInfo(p)) found.push(p);
      else {
        const level2 = await readdir(p, { withFileTypes: true }).catch(() => []);
        for (const e of level2) if (e.isDirectory() && (await hasInfo(path.join(p, e.name)))) found.push(path.join(p, e.name));
      }
    }
  }
  return found;
}

export class Uf2Drive implements FlashProtocol {
  readonly id = 'uf2' as const;
  private drive: string | undefined;
  private board: BoardProfile | undefined;
  private expected: Uint8Array | undefined;
  private target: string | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: Uf2Options = {}) {
    this.log = opts.logger ?? silentLogger;
  }

  serialSettings(board: BoardProfile): SerialSettings {
    return { baudRate: board.flash.baud ?? 115200 };
  }

  async connect(_transport: Transport | null, board: BoardProfile): Promise<void> {
    this.board = board;
    if (this.opts.drive) {
      if (!(await hasInfo(this.opts.drive))) {
        throw new TinymlError('device', `${this.opts.drive} is not a UF2 bootloader drive (no INFO_UF2.TXT)`, 'double-tap reset (or hold BOOTSEL while plugging in) so the bootloader drive appears, then pass its mount point with --drive');
      }
      this.drive = this.opts.drive;
      return;
    }
    const user = os.userInfo().username;
    const roots = this.opts.mediaRoots ?? [`/media/${user}`, `/run/media/${user}`, '/media', '/mnt', '/Volumes'];
    const drives = await findUf2Drives(roots);
    if (drives.length === 0) {
      throw new TinymlError('device', `no UF2 bootloader drive found under ${roots.join(', ')}`, 'double-tap reset (or hold BOOTSEL while plugging in) so the drive appears, or pass --drive <mount point>');
    }
    if (drives.length > 1) throw new TinymlError('usage', `several UF2 drives are mounted: ${drives.join(', ')}`, 'pick one with --drive');
    this.drive = drives[0];
    this.log.debug(`UF2 drive ${this.drive}`);
  }

  async identify(): Promise<DeviceIdentity> {
    const info = await readFile(path.join(this.drive!, 'INFO_UF2.TXT'), 'utf8');
    const boardId = /Board-ID:\s*(.+)/.exec(info)?.[1]?.trim() ?? 'unknown';
    const bootloader = /UF2 Bootloader\s*(.+)/.exec(info)?.[1]?.trim() ?? '';
    return { chip: boardId, chipId: this.board?.flash.uf2FamilyId ?? '', details: { drive: this.drive!, bootloader } };
  }

  async write(image: FlashImage, onProgress?: ProgressFn): Promise<void> {
    const fam = this.board?.flash.uf2FamilyId;
    if (!fam) throw new TinymlError('input', `board ${this.board?.id} has no flash.uf2FamilyId`, 'UF2 bootloaders ignore blocks without their family ID: add it to the board file');
    const bytes = writeUf2(image, parseChipId(fam));
    const target = path.join(this.drive!, 'FIRMWARE.UF2');
    const tmp = path.join(this.drive!, `.tinyml-${process.pid}.uf2`);
    const fh = await open(tmp, 'w');
    try {
      const step = 64 * 1024;
      for (let off = 0; off < bytes.length; off += step) {
        await fh.write(bytes.subarray(off, off + step));
        onProgress?.(Math.min(bytes.length, off + step), bytes.length, 'bytes');
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    this.expected = bytes;
    this.target = target;
  }

  async verify(): Promise<VerifyResult> {
    if (!this.expected || !this.target) throw new TinymlError('device', 'verify(): nothing was written in this session');
    const onDrive = await readFile(this.target).catch(() => undefined);
    if (!onDrive) return { method: 'file-compare', bytes: 0 };
    if (Buffer.compare(onDrive, Buffer.from(this.expected)) !== 0) {
      throw new TinymlError('device', `verify failed: ${this.target} differs from the image written`, 'the drive may be full or read-only');
    }
    return { method: 'file-compare', bytes: onDrive.length };
  }

  async run(): Promise<void> {
    // The bootloader starts the application by itself once the copy completes.
  }
}
