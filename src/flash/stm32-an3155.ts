/**
 * STM32 system bootloader over USART (ST application note AN3155, "USART protocol used in
 * the STM32 bootloader").
 *
 * Framing (all multi-byte values MSB first):
 *   sync      host 0x7F → device ACK 0x79 (the bootloader measures the baud rate from it);
 *             a NACK 0x1F means it was already synced, which is fine.
 *   command   host [cmd, cmd ^ 0xFF] → ACK, then the command's phases, each ended by ACK/NACK.
 *   address   4 bytes + XOR of the 4 bytes.
 *   Get 0x00  → ACK, N, version, N commands, ACK.
 *   Get ID 0x02 → ACK, N (=1), PID (2 bytes), ACK.
 *   Read Memory 0x11   address; [N-1, (N-1)^0xFF] → ACK then N bytes (N ≤ 256).
 *   Write Memory 0x31  address; [N-1, data…, XOR(N-1, data…)] → ACK (N ≤ 256, multiple of 4,
 *                      address 4-byte aligned).
 *   Erase 0x43         [0xFF, 0x00] = global erase, or [N-1, pages…, XOR] (1-byte pages).
 *   Extended Erase 0x44 [0xFF, 0xFF, 0x00] = mass erase (0xFFFE/0xFFFD banks), or
 *                      [N-1 (2 bytes), pages (2 bytes each), XOR of all bytes].
 *   Go 0x21            address → ACK; the device jumps.
 * Flow here: sync, Get (which erase command exists), Get ID (checked against the board),
 * erase (pages when the page size is known, otherwise mass erase), write 256-byte blocks
 * with per-block retries on NACK, read back and compare, Go.
 * Not promised: read-out protection (Readout Unprotect) is not lifted automatically; a
 * protected chip NACKs Read/Write and the error says so. A reply that times out is not
 * retried (the device is mid-command and its state is unknown); a NACK is.
 */
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { TransportTimeoutError, type SerialSettings, type Transport } from '../serial/transport.js';
import { runResetSequence } from '../serial/reset-sequence.js';
import { blocks, imageSize, type FlashImage } from './image.js';
import { hex, parseChipId, sleep, type DeviceIdentity, type FlashProtocol, type FlashProtocolOptions, type VerifyResult } from './protocol.js';

export const ACK = 0x79;
export const NACK = 0x1f;
export const CMD = { GET: 0x00, GET_VERSION: 0x01, GET_ID: 0x02, READ: 0x11, GO: 0x21, WRITE: 0x31, ERASE: 0x43, EXT_ERASE: 0x44 } as const;

/** [cmd, ~cmd] */
export function commandFrame(cmd: number): Uint8Array {
  return Uint8Array.of(cmd, cmd ^ 0xff);
}

export function xor(bytes: ArrayLike<number>, seed = 0): number {
  let x = seed;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x & 0xff;
}

/** 4 address bytes MSB first + their XOR. */
export function addressFrame(addr: number): Uint8Array {
  const b = [(addr >>> 24) & 0xff, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff];
  return Uint8Array.from([...b, xor(b)]);
}

/** Write Memory data phase: N-1, data, XOR(N-1, data). */
export function writeDataFrame(data: Uint8Array): Uint8Array {
  if (data.length < 1 || data.length > 256) throw new RangeError(`write block of ${data.length} bytes (must be 1..256)`);
  const out = new Uint8Array(data.length + 2);
  out[0] = data.length - 1;
  out.set(data, 1);
  out[data.length + 1] = xor(data, data.length - 1);
  return out;
}

/** Extended Erase page list: N-1 (2 bytes), pages (2 bytes each), XOR of all bytes. */
export function extendedEraseFrame(pages: number[]): Uint8Array {
  const b: number[] = [((pages.length - 1) >> 8) & 0xff, (pages.length - 1) & 0xff];
  for (const p of pages) b.push((p >> 8) & 0xff, p & 0xff);
  return Uint8Array.from([...b, xor(b)]);
}

/** Extended Erase special codes: 0xFFFF mass, 0xFFFE bank 1, 0xFFFD bank 2; checksum is the XOR of the 2 bytes. */
export function extendedEraseSpecial(code: 0xffff | 0xfffe | 0xfffd): Uint8Array {
  return Uint8Array.of(code >> 8, code & 0xff, (code >> 8) ^ (code & 0xff));
}

/** Legacy Erase page list: N-1, pages (1 byte each), XOR. Global erase is [0xFF, 0x00]. */
export function eraseFrame(pages: number[] | 'global'): Uint8Array {
  if (pages === 'global') return Uint8Array.of(0xff, 0x00);
  const b = [pages.length - 1, ...pages];
  return Uint8Array.from([...b, xor(b)]);
}

/** Product IDs (AN2606 "Device-dependent bootloader parameters") → family name, for messages. */
const PRODUCT_IDS: Record<number, string> = {
  0x410: 'STM32F10xxx medium-density',
  0x412: 'STM32F10xxx low-density',
  0x413: 'STM32F405/407/415/417',
  0x414: 'STM32F10xxx high-density',
  0x415: 'STM32L47x/48x',
  0x419: 'STM32F42x/43x',
  0x421: 'STM32F446',
  0x431: 'STM32F411',
  0x435: 'STM32L43x/44x',
  0x440: 'STM32F05x/030x8',
  0x450: 'STM32H74x/75x',
  0x461: 'STM32L496/4A6',
  0x470: 'STM32L4Rx/4Sx',
  0x480: 'STM32H7Ax/7Bx',
};

export interface Stm32Options extends FlashProtocolOptions {
  /** Flash page size in bytes; when given, only pages the image touches are erased (otherwise mass erase). */
  pageSize?: number;
  /** Timeout for an erase reply in ms (mass erase of 2 MB takes seconds). Default 30 000. */
  eraseTimeoutMs?: number;
  /** Sync attempts (each 0x7F then up to `timeoutMs` for an answer). Default 5. */
  syncAttempts?: number;
}

export class Stm32An3155 implements FlashProtocol {
  readonly id = 'stm32-an3155' as const;
  private t: Transport | undefined;
  private board: BoardProfile | undefined;
  private readonly log: Logger;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private commands: number[] = [];
  private written: FlashImage | undefined;

  constructor(private readonly opts: Stm32Options = {}) {
    this.log = opts.logger ?? silentLogger;
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  serialSettings(board: BoardProfile): SerialSettings {
    return { baudRate: board.flash.baud ?? 115200, parity: 'even' };
  }

  private get port(): Transport {
    if (!this.t) throw new TinymlError('device', 'STM32 bootloader: connect() was not called');
    return this.t;
  }

  /** Reads one ACK/NACK byte. Returns true for ACK, false for NACK; anything else is an error. */
  private async ack(what: string, timeoutMs = this.timeoutMs): Promise<boolean> {
    let b: Uint8Array;
    try {
      b = await this.port.read(1, timeoutMs);
    } catch (e) {
      if (e instanceof TransportTimeoutError) {
        throw new TinymlError('device', `STM32 bootloader on ${this.port.path}: no answer to ${what} within ${timeoutMs} ms`, 'the device stopped answering: check the cable and power, then reset into the bootloader and retry');
      }
      throw e;
    }
    if (b[0] === ACK) return true;
    if (b[0] === NACK) return false;
    throw new TinymlError('device', `STM32 bootloader on ${this.port.path}: expected ACK (0x79) or NACK (0x1f) after ${what}, got 0x${b[0]!.toString(16).padStart(2, '0')}`, 'is the line 8E1 at the right baud rate? is something else printing on this port?');
  }

  private async mustAck(what: string, timeoutMs?: number): Promise<void> {
    if (!(await this.ack(what, timeoutMs))) throw new Nack(what);
  }

  private async command(cmd: number, name: string): Promise<void> {
    await this.port.write(commandFrame(cmd));
    await this.mustAck(`${name} command (0x${cmd.toString(16).padStart(2, '0')})`);
  }

  async connect(transport: Transport | null, board: BoardProfile): Promise<void> {
    if (!transport) throw new TinymlError('usage', 'the STM32 bootloader needs a serial port (--port)');
    this.t = transport;
    this.board = board;
    if (board.flash.resetSequence) await runResetSequence(transport, board.flash.resetSequence).catch((e: Error) => this.log.warn(`reset sequence not applied (${e.message}); reset the board into the bootloader by hand`));
    const attempts = this.opts.syncAttempts ?? 5;
    let seen: number[] = [];
    for (let i = 0; i < attempts; i++) {
      await transport.flushInput();
      await transport.write(Uint8Array.of(0x7f));
      const deadline = Date.now() + this.timeoutMs;
      // Anything before the ACK is noise (an application still printing, a bootloader
      // banner): skip it until the deadline.
      while (Date.now() < deadline) {
        let b: Uint8Array;
        try {
          b = await transport.read(1, Math.max(1, deadline - Date.now()));
        } catch (e) {
          if (e instanceof TransportTimeoutError) break;
          throw e;
        }
        if (b[0] === ACK || b[0] === NACK) {
          this.log.debug(`synced after ${i + 1} attempt(s)${seen.length ? `, skipped ${seen.length} noise byte(s)` : ''}`);
          await this.getCommands();
          return;
        }
        if (seen.length < 64) seen.push(b[0]!);
      }
    }
    throw new TinymlError(
      'device',
      `STM32 bootloader on ${transport.path}: no answer to sync (0x7F) after ${attempts} attempts${seen.length ? ` (saw only noise: ${seen.slice(0, 16).map((x) => x.toString(16).padStart(2, '0')).join(' ')})` : ''}`,
      'is BOOT0 high / is the board in bootloader mode? Is the line 8E1 at a baud rate ≤ 115200? Is TX/RX crossed?',
    );
  }

  private async getCommands(): Promise<void> {
    await this.command(CMD.GET, 'Get');
    const n = (await this.port.read(1, this.timeoutMs))[0]!;
    const rest = await this.port.read(n + 1, this.timeoutMs);
    await this.mustAck('Get reply');
    this.commands = Array.from(rest.subarray(1));
    this.version = rest[0]!;
  }
  private version = 0;

  async identify(): Promise<DeviceIdentity> {
    await this.command(CMD.GET_ID, 'Get ID');
    const n = (await this.port.read(1, this.timeoutMs))[0]!;
    const id = await this.port.read(n + 1, this.timeoutMs);
    await this.mustAck('Get ID reply');
    const pid = (id[0]! << 8) | id[1]!;
    const chipId = '0x' + pid.toString(16).padStart(3, '0');
    const want = this.board?.flash.chipId;
    if (want !== undefined && parseChipId(want) !== pid) {
      throw new TinymlError(
        'device',
        `STM32 bootloader on ${this.port.path}: chip ID ${chipId} (${PRODUCT_IDS[pid] ?? 'unknown family'}) does not match board ${this.board!.id}, which expects ${want} (${PRODUCT_IDS[parseChipId(want)] ?? 'unknown family'})`,
        'is --board right? Is the right board on this port?',
      );
    }
    return {
      chip: PRODUCT_IDS[pid] ?? `STM32 (PID ${chipId})`,
      chipId,
      details: { bootloaderVersion: `${this.version >> 4}.${this.version & 0xf}`, commands: this.commands.map((c) => c.toString(16).padStart(2, '0')).join(' ') },
    };
  }

  /** Runs `fn` again on NACK up to the retry budget. */
  private async retrying(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof Nack)) throw e;
        if (attempt >= this.retries) {
          throw new TinymlError('device', `STM32 bootloader on ${this.port.path}: ${what}: NACK (${e.what}) after ${attempt + 1} tries`, 'a chip with read-out protection NACKs writes and reads: check the option bytes (RDP)');
        }
        this.log.debug(`${what}: NACK on ${e.what}, retry ${attempt + 1}/${this.retries}`);
        await sleep(10);
        await this.port.flushInput();
      }
    }
  }

  async erase(image: FlashImage): Promise<void> {
    const ext = this.commands.includes(CMD.EXT_ERASE);
    const eraseTimeout = this.opts.eraseTimeoutMs ?? 30_000;
    const flashBase = this.board?.memory.flash.origin ?? 0x08000000;
    const pageSize = this.opts.pageSize;
    let pages: number[] | undefined;
    if (pageSize) {
      const set = new Set<number>();
      for (const s of image.segments) {
        for (let p = Math.floor((s.address - flashBase) / pageSize); p <= Math.floor((s.address + s.data.length - 1 - flashBase) / pageSize); p++) set.add(p);
      }
      pages = [...set].sort((a, b) => a - b);
    }
    await this.retrying('erase', async () => {
      if (ext) {
        await this.command(CMD.EXT_ERASE, 'Extended Erase');
        if (pages) {
          for (let i = 0; i < pages.length; i += 64) {
            if (i > 0) await this.command(CMD.EXT_ERASE, 'Extended Erase');
            await this.port.write(extendedEraseFrame(pages.slice(i, i + 64)));
            await this.mustAck(`Extended Erase of pages ${pages[i]}..${pages[Math.min(i + 63, pages.length - 1)]}`, eraseTimeout);
          }
        } else {
          await this.port.write(extendedEraseSpecial(0xffff));
          await this.mustAck('Extended Erase (mass erase)', eraseTimeout);
        }
      } else if (this.commands.includes(CMD.ERASE)) {
        await this.command(CMD.ERASE, 'Erase');
        await this.port.write(eraseFrame(pages && pages.every((p) => p < 256) ? pages : 'global'));
        await this.mustAck('Erase', eraseTimeout);
      } else {
        throw new TinymlError('device', 'STM32 bootloader offers neither Erase (0x43) nor Extended Erase (0x44)');
      }
    });
  }

  async write(image: FlashImage, onProgress?: ProgressFn): Promise<void> {
    this.log.info(`erasing${this.opts.pageSize ? '' : ' (mass erase)'}…`);
    await this.erase(image);
    const bl = blocks(image, 256, 4);
    const total = imageSize(image);
    let done = 0;
    for (let i = 0; i < bl.length; i++) {
      const b = bl[i]!;
      await this.retrying(`write block ${i + 1} of ${bl.length} at ${hex(b.address)}`, async () => {
        await this.command(CMD.WRITE, 'Write Memory');
        await this.port.write(addressFrame(b.address));
        await this.mustAck(`Write Memory address ${hex(b.address)}`);
        await this.port.write(writeDataFrame(b.data));
        await this.mustAck(`Write Memory data at ${hex(b.address)}`);
      });
      done = Math.min(total, done + b.data.length);
      onProgress?.(done, total, 'bytes');
    }
    this.written = image;
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += 256) {
      const n = Math.min(256, length - off);
      const a = address + off;
      await this.retrying(`read ${n} bytes at ${hex(a)}`, async () => {
        await this.command(CMD.READ, 'Read Memory');
        await this.port.write(addressFrame(a));
        await this.mustAck(`Read Memory address ${hex(a)}`);
        await this.port.write(Uint8Array.of(n - 1, (n - 1) ^ 0xff));
        await this.mustAck(`Read Memory length ${n}`);
        out.set(await this.port.read(n, this.timeoutMs), off);
      });
    }
    return out;
  }

  async verify(onProgress?: ProgressFn): Promise<VerifyResult> {
    const img = this.written;
    if (!img) throw new TinymlError('device', 'verify(): nothing was written in this session');
    const total = imageSize(img);
    let done = 0;
    for (const seg of img.segments) {
      for (let off = 0; off < seg.data.length; off += 4096) {
        const want = seg.data.subarray(off, off + 4096);
        const got = await this.readMemory(seg.address + off, want.length);
        const k = want.findIndex((v, j) => got[j] !== v);
        if (k >= 0) {
          throw new TinymlError('device', `verify failed at ${hex(seg.address + off + k)}: wrote 0x${want[k]!.toString(16).padStart(2, '0')}, read back 0x${got[k]!.toString(16).padStart(2, '0')}`, 'the flash was not erased or is write-protected; retry, and check the option bytes');
        }
        done += want.length;
        onProgress?.(done, total, 'bytes');
      }
    }
    return { method: 'read-back', bytes: total };
  }

  async run(): Promise<void> {
    // Go takes the vector table address (the bootloader loads SP and PC from it), not the ELF entry.
    const addr = this.written?.segments[0]?.address ?? this.board?.memory.flash.origin ?? 0x08000000;
    await this.command(CMD.GO, 'Go');
    await this.port.write(addressFrame(addr));
    await this.mustAck(`Go address ${hex(addr)}`);
  }
}

class Nack extends Error {
  constructor(readonly what: string) {
    super(`NACK on ${what}`);
  }
}
