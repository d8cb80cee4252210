/**
 * AVR STK500 version 1 as spoken by Optiboot (the Arduino Uno bootloader); Atmel AVR061
 * "STK500 Communication Protocol" and optiboot.c.
 *
 * Every command ends with CRC_EOP 0x20; the device answers INSYNC 0x14, any payload, OK 0x10
 * (NOSYNC 0x15 if the 0x20 was missing).
 *   GET_SYNC 0x30                     → 14 10
 *   READ_SIGN 0x75                    → 14 s0 s1 s2 10   (ATmega328P: 1E 95 0F)
 *   ENTER_PROGMODE 0x50, LEAVE_PROGMODE 0x51 (Optiboot then starts the application)
 *   LOAD_ADDRESS 0x55 lo hi           word address (byte address / 2) for flash
 *   PROG_PAGE 0x64 len_hi len_lo 'F' data…      (one page, 128 bytes on the 328P)
 *   READ_PAGE 0x74 len_hi len_lo 'F'  → 14 data… 10
 * Flow: reset by DTR pulse (the Uno's auto-reset capacitor), GET_SYNC until answered
 * (Optiboot listens ~1 s after reset), signature check against the board, ENTER_PROGMODE,
 * LOAD_ADDRESS + PROG_PAGE per page (Optiboot erases each page itself before writing),
 * LOAD_ADDRESS + READ_PAGE to verify, LEAVE_PROGMODE to run.
 * Not promised: EEPROM, fuses and lock bits are not touched; pages are 128 bytes unless
 * `pageSize` says otherwise.
 */
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { runResetSequence } from '../serial/reset-sequence.js';
import { TransportTimeoutError, type SerialSettings, type Transport } from '../serial/transport.js';
import { blocks, imageSize, type FlashImage } from './image.js';
import { hex, parseChipId, sleep, type DeviceIdentity, type FlashProtocol, type FlashProtocolOptions, type VerifyResult } from './protocol.js';

export const STK = {
  OK: 0x10,
  INSYNC: 0x14,
  NOSYNC: 0x15,
  CRC_EOP: 0x20,
  GET_SYNC: 0x30,
  ENTER_PROGMODE: 0x50,
  LEAVE_PROGMODE: 0x51,
  LOAD_ADDRESS: 0x55,
  PROG_PAGE: 0x64,
  READ_PAGE: 0x74,
  READ_SIGN: 0x75,
} as const;

/** LOAD_ADDRESS for a flash byte address: the word address, little-endian. */
export function loadAddressFrame(byteAddress: number): Uint8Array {
  const w = byteAddress >>> 1;
  return Uint8Array.of(STK.LOAD_ADDRESS, w & 0xff, (w >> 8) & 0xff, STK.CRC_EOP);
}

export function progPageFrame(data: Uint8Array, memtype: 'F' | 'E' = 'F'): Uint8Array {
  const out = new Uint8Array(data.length + 5);
  out.set([STK.PROG_PAGE, (data.length >> 8) & 0xff, data.length & 0xff, memtype.charCodeAt(0)]);
  out.set(data, 4);
  out[data.length + 4] = STK.CRC_EOP;
  return out;
}

export function readPageFrame(length: number, memtype: 'F' | 'E' = 'F'): Uint8Array {
  return Uint8Array.of(STK.READ_PAGE, (length >> 8) & 0xff, length & 0xff, memtype.charCodeAt(0), STK.CRC_EOP);
}

const SIGNATURES: Record<number, string> = {
  0x1e950f: 'ATmega328P',
  0x1e9514: 'ATmega328',
  0x1e9406: 'ATmega168A',
  0x1e940b: 'ATmega168P',
  0x1e9801: 'ATmega2560',
  0x1e9587: 'ATmega32U4',
};

export interface Stk500Options extends FlashProtocolOptions {
  /** Flash page size in bytes (ATmega328P: 128). */
  pageSize?: number;
  /** GET_SYNC attempts. Default 10 (Optiboot's window after reset is ~1 s). */
  syncAttempts?: number;
}

/** Default auto-reset for Arduino boards: pull DTR/RTS low (asserted), release, let Optiboot start. */
export const ARDUINO_RESET = 'D0|R0|W50|D1|R1|W100';

export class Stk500v1 implements FlashProtocol {
  readonly id = 'stk500v1' as const;
  private t: Transport | undefined;
  private board: BoardProfile | undefined;
  private readonly log: Logger;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private written: FlashImage | undefined;

  constructor(private readonly opts: Stk500Options = {}) {
    this.log = opts.logger ?? silentLogger;
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.pageSize = opts.pageSize ?? 128;
  }

  serialSettings(board: BoardProfile): SerialSettings {
    return { baudRate: board.flash.baud ?? 115200, parity: 'none' };
  }

  private get port(): Transport {
    if (!this.t) throw new TinymlError('device', 'STK500: connect() was not called');
    return this.t;
  }

  /** Sends a frame and reads INSYNC, `n` payload bytes, OK. NOSYNC or a wrong byte throws `StkNoSync`. */
  private async transact(frame: Uint8Array, n: number, what: string): Promise<Uint8Array> {
    await this.port.write(frame);
    let r: Uint8Array;
    try {
      const first = await this.port.read(1, this.timeoutMs);
      if (first[0] !== STK.INSYNC) throw new StkNoSync(what, first[0]!);
      r = await this.port.read(n + 1, this.timeoutMs);
    } catch (e) {
      if (e instanceof TransportTimeoutError) {
        throw new TinymlError('device', `STK500 on ${this.port.path}: no answer to ${what} within ${this.timeoutMs} ms`, 'the bootloader stopped answering: check the cable, then press reset and retry');
      }
      throw e;
    }
    if (r[n] !== STK.OK) throw new StkNoSync(what, r[n]!);
    return r.subarray(0, n);
  }

  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof StkNoSync)) throw e;
        if (attempt >= this.retries) throw new TinymlError('device', `STK500 on ${this.port.path}: ${what}: ${e.message} after ${attempt + 1} tries`);
        this.log.debug(`${what}: ${e.message}, retry ${attempt + 1}/${this.retries}`);
        await sleep(20);
        await this.port.flushInput();
      }
    }
  }

  async connect(transport: Transport | null, board: BoardProfile): Promise<void> {
    if (!transport) throw new TinymlError('usage', 'STK500 needs a serial port (--port)');
    this.t = transport;
    this.board = board;
    await runResetSequence(transport, board.flash.resetSequence ?? ARDUINO_RESET).catch((e: Error) =>
      this.log.warn(`DTR reset not applied (${e.message}); press the board's reset button now`),
    );
    const attempts = this.opts.syncAttempts ?? 10;
    for (let i = 0; i < attempts; i++) {
      await transport.flushInput();
      await transport.write(Uint8Array.of(STK.GET_SYNC, STK.CRC_EOP));
      try {
        const r = await transport.read(2, Math.min(this.timeoutMs, 300));
        if (r[0] === STK.INSYNC && r[1] === STK.OK) {
          this.log.debug(`in sync after ${i + 1} attempt(s)`);
          return;
        }
      } catch (e) {
        if (!(e instanceof TransportTimeoutError)) throw e;
      }
    }
    throw new TinymlError(
      'device',
      `STK500 on ${transport.path}: no answer to GET_SYNC after ${attempts} attempts`,
      'is this an Arduino with Optiboot? Is --baud right (Uno: 115200, older boards: 57600)? Does the auto-reset work (press reset just before flashing)?',
    );
  }

  async identify(): Promise<DeviceIdentity> {
    const s = await this.retrying('READ_SIGN', () => this.transact(Uint8Array.of(STK.READ_SIGN, STK.CRC_EOP), 3, 'READ_SIGN'));
    const sig = (s[0]! << 16) | (s[1]! << 8) | s[2]!;
    const chipId = '0x' + sig.toString(16).padStart(6, '0');
    const want = this.board?.flash.chipId;
    if (want !== undefined && parseChipId(want) !== sig) {
      throw new TinymlError(
        'device',
        `STK500 on ${this.port.path}: signature ${chipId} (${SIGNATURES[sig] ?? 'unknown AVR'}) does not match board ${this.board!.id}, which expects ${want} (${SIGNATURES[parseChipId(want)] ?? 'unknown AVR'})`,
        'is --board right? Is the right board on this port?',
      );
    }
    return { chip: SIGNATURES[sig] ?? 'unknown AVR', chipId, details: {} };
  }

  async write(image: FlashImage, onProgress?: ProgressFn): Promise<void> {
    await this.retrying('ENTER_PROGMODE', () => this.transact(Uint8Array.of(STK.ENTER_PROGMODE, STK.CRC_EOP), 0, 'ENTER_PROGMODE'));
    // Whole pages: Optiboot erases the page before writing it, so a partial page must be
    // padded with erased bytes (0xFF) rather than left to the previous contents.
    const pages = blocks(image, this.pageSize, this.pageSize);
    const total = imageSize(image);
    let done = 0;
    for (let i = 0; i < pages.length; i++) {
      const p = pages[i]!;
      await this.retrying(`write page ${i + 1} of ${pages.length} at ${hex(p.address, 4)}`, async () => {
        await this.transact(loadAddressFrame(p.address), 0, `LOAD_ADDRESS ${hex(p.address, 4)}`);
        await this.transact(progPageFrame(p.data), 0, `PROG_PAGE at ${hex(p.address, 4)}`);
      });
      done = Math.min(total, done + p.data.length);
      onProgress?.(done, total, 'bytes');
    }
    this.written = image;
  }

  async readFlash(address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += 256) {
      const n = Math.min(256, length - off);
      const a = address + off;
      const got = await this.retrying(`read ${n} bytes at ${hex(a, 4)}`, async () => {
        await this.transact(loadAddressFrame(a), 0, `LOAD_ADDRESS ${hex(a, 4)}`);
        return this.transact(readPageFrame(n), n, `READ_PAGE at ${hex(a, 4)}`);
      });
      out.set(got, off);
    }
    return out;
  }

  async verify(onProgress?: ProgressFn): Promise<VerifyResult> {
    const img = this.written;
    if (!img) throw new TinymlError('device', 'verify(): nothing was written in this session');
    const total = imageSize(img);
    let done = 0;
    for (const seg of img.segments) {
      // LOAD_ADDRESS takes word addresses: read from an even address.
      const start = seg.address & ~1;
      const got = await this.readFlash(start, seg.data.length + (seg.address - start));
      const view = got.subarray(seg.address - start);
      const k = seg.data.findIndex((v, j) => view[j] !== v);
      if (k >= 0) {
        throw new TinymlError('device', `verify failed at ${hex(seg.address + k, 4)}: wrote 0x${seg.data[k]!.toString(16).padStart(2, '0')}, read back 0x${view[k]!.toString(16).padStart(2, '0')}`, 'is the image larger than the flash minus the bootloader section?');
      }
      done += seg.data.length;
      onProgress?.(done, total, 'bytes');
    }
    return { method: 'read-back', bytes: total };
  }

  async run(): Promise<void> {
    await this.transact(Uint8Array.of(STK.LEAVE_PROGMODE, STK.CRC_EOP), 0, 'LEAVE_PROGMODE');
  }
}

class StkNoSync extends Error {
  constructor(what: string, got: number) {
    super(`${what}: expected ${got === STK.NOSYNC ? 'INSYNC, got NOSYNC (0x15)' : `INSYNC/OK, got 0x${got.toString(16).padStart(2, '0')}`}`);
  }
}
