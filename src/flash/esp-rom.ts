/**
 * Espressif serial ROM loader (esptool "Serial Protocol" documentation).
 *
 * Packets are SLIP framed (see slip.ts). Request: 0x00, command, size (LE16), checksum
 * (LE32, only meaningful for FLASH_DATA/MEM_DATA), data. Response: 0x01, command, size,
 * value (LE32), data ending in status bytes (ROM of ESP32 and later: 4 — status, error, 0, 0;
 * ESP8266 ROM: 2). status ≠ 0 is a failure with the error code in the next byte.
 *
 * Flow:
 *   1. reset into the ROM loader with the board's reset sequence (DTR→EN, RTS→IO0 on DevKits);
 *   2. SYNC (0x08, payload 07 07 12 20 + 32×0x55) until answered, then drain the extra
 *      SYNC replies the ROM sends;
 *   3. READ_REG 0x40001000 (CHIP_DETECT_MAGIC_REG_ADDR) → chip by magic value; checked
 *      against board.flash.chipId;
 *   4. SPI_ATTACH (0x0D), SPI_SET_PARAMS (0x0B);
 *   5. per segment: FLASH_BEGIN (0x02: erase size, blocks, block size, offset[, encrypted
 *      flag on ESP32-S2 and later]), FLASH_DATA (0x03: size, seq, 0, 0, data padded with 0xFF;
 *      checksum = XOR of data seeded with 0xEF), retried per block;
 *   6. SPI_FLASH_MD5 (0x13) of each segment, compared with the MD5 of what we sent;
 *   7. run: FLASH_END (0x04) with "reboot".
 * Not promised: no stub flasher (everything runs on the ROM: ~1 KiB blocks, slower but
 * needing no blob), no compressed writes, no baud-rate change, no flash encryption.
 */
import { createHash } from 'node:crypto';
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { runResetSequence } from '../serial/reset-sequence.js';
import { TransportTimeoutError, type SerialSettings, type Transport } from '../serial/transport.js';
import { imageSize, type FlashImage } from './image.js';
import { hex, parseChipId, sleep, type DeviceIdentity, type FlashProtocol, type FlashProtocolOptions, type VerifyResult } from './protocol.js';
import { SLIP_END, slipDecode, slipEncode } from './slip.js';

export const ESP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  SYNC: 0x08,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  SPI_FLASH_MD5: 0x13,
} as const;

export const CHIP_DETECT_MAGIC_REG_ADDR = 0x40001000;
export const ESP_CHECKSUM_SEED = 0xef;
/** ROM loader flash block size (esptool FLASH_WRITE_SIZE without stub). */
export const ROM_FLASH_WRITE_SIZE = 0x400;

interface ChipDef {
  name: string;
  magic: number[];
  statusBytes: number;
  /** FLASH_BEGIN carries a 5th word (encrypted flag) on ESP32-S2 and later ROMs. */
  beginEncryptedFlag: boolean;
}

/** Magic values of CHIP_DETECT_MAGIC_REG_ADDR per chip (esptool targets/*.py). */
export const ESP_CHIPS: ChipDef[] = [
  { name: 'ESP8266', magic: [0xfff0c101], statusBytes: 2, beginEncryptedFlag: false },
  { name: 'ESP32', magic: [0x00f01d83], statusBytes: 4, beginEncryptedFlag: false },
  { name: 'ESP32-S2', magic: [0x000007c6], statusBytes: 4, beginEncryptedFlag: true },
  { name: 'ESP32-S3', magic: [0x9], statusBytes: 4, beginEncryptedFlag: true },
  { name: 'ESP32-C3', magic: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f], statusBytes: 4, beginEncryptedFlag: true },
];

export function espChecksum(data: Uint8Array, seed = ESP_CHECKSUM_SEED): number {
  let c = seed;
  for (const b of data) c ^= b;
  return c & 0xff;
}

/** An unframed request packet. */
export function requestPacket(cmd: number, data: Uint8Array, checksum = 0): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x00;
  out[1] = cmd;
  dv.setUint16(2, data.length, true);
  dv.setUint32(4, checksum, true);
  out.set(data, 8);
  return out;
}

export function words(...w: number[]): Uint8Array {
  const out = new Uint8Array(w.length * 4);
  const dv = new DataView(out.buffer);
  w.forEach((x, i) => dv.setUint32(i * 4, x >>> 0, true));
  return out;
}

export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);

export interface EspResponse {
  cmd: number;
  value: number;
  data: Uint8Array;
}

export interface EspRomOptions extends FlashProtocolOptions {
  syncAttempts?: number;
  /** Flash size in bytes for SPI_SET_PARAMS (default 8 MiB). */
  flashSize?: number;
}

export class EspRom implements FlashProtocol {
  readonly id = 'esp-rom' as const;
  private t: Transport | undefined;
  private board: BoardProfile | undefined;
  private chip: ChipDef | undefined;
  private readonly log: Logger;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private written: FlashImage | undefined;

  constructor(private readonly opts: EspRomOptions = {}) {
    this.log = opts.logger ?? silentLogger;
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  serialSettings(board: BoardProfile): SerialSettings {
    return { baudRate: board.flash.baud ?? 115200, parity: 'none' };
  }

  private get port(): Transport {
    if (!this.t) throw new TinymlError('device', 'ESP ROM loader: connect() was not called');
    return this.t;
  }

  private async readPacket(timeoutMs: number): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    // Skip anything before a frame start (boot messages), then read to the frame's end. An
    // empty body (C0 C0) means the first C0 ended an earlier frame: the second one starts ours.
    await this.port.readUntil(SLIP_END, left(), 1 << 16);
    for (;;) {
      const body = await this.port.readUntil(SLIP_END, left(), 1 << 16);
      if (body.length > 1) return slipDecode(body.subarray(0, body.length - 1));
    }
  }

  /** Sends one command and waits for its response (stale responses to other commands are skipped). */
  async command(cmd: number, data: Uint8Array, checksum = 0, timeoutMs = this.timeoutMs): Promise<EspResponse> {
    await this.port.write(slipEncode(requestPacket(cmd, data, checksum)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let p: Uint8Array;
      try {
        p = await this.readPacket(Math.max(1, deadline - Date.now()));
      } catch (e) {
        if (e instanceof TransportTimeoutError) {
          throw new EspTimeout(`no answer to command 0x${cmd.toString(16).padStart(2, '0')} within ${timeoutMs} ms`);
        }
        throw e;
      }
      if (p.length < 8 || p[0] !== 0x01 || p[1] !== cmd) continue;
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      const size = dv.getUint16(2, true);
      const body = p.subarray(8, 8 + size);
      const sb = this.chip?.statusBytes ?? (body.length >= 4 ? 4 : 2);
      if (body.length >= sb) {
        const status = body[body.length - sb]!;
        const err = body[body.length - sb + 1]!;
        if (status !== 0) throw new EspFailed(cmd, err);
      }
      return { cmd, value: dv.getUint32(4, true), data: body.subarray(0, Math.max(0, body.length - sb)) };
    }
  }

  async connect(transport: Transport | null, board: BoardProfile): Promise<void> {
    if (!transport) throw new TinymlError('usage', 'the ESP ROM loader needs a serial port (--port)');
    this.t = transport;
    this.board = board;
    if (board.flash.resetSequence) {
      await runResetSequence(transport, board.flash.resetSequence).catch((e: Error) =>
        this.log.warn(`reset sequence not applied (${e.message}); hold BOOT, press RESET, release BOOT`),
      );
    }
    const attempts = this.opts.syncAttempts ?? 7;
    for (let i = 0; i < attempts; i++) {
      await transport.flushInput();
      try {
        await this.command(ESP.SYNC, SYNC_PAYLOAD, 0, 200);
        // The ROM answers one SYNC with several replies: let them arrive, then drop them.
        await sleep(50);
        await transport.flushInput();
        this.log.debug(`synced after ${i + 1} attempt(s)`);
        return;
      } catch (e) {
        if (!(e instanceof EspTimeout) && !(e instanceof EspFailed)) throw e;
      }
    }
    throw new TinymlError(
      'device',
      `ESP ROM loader on ${transport.path}: no answer to SYNC after ${attempts} attempts`,
      'is the chip in download mode? Hold BOOT (IO0 low), press and release RESET, release BOOT, and retry; check --baud',
    );
  }

  async identify(): Promise<DeviceIdentity> {
    const r = await this.command(ESP.READ_REG, words(CHIP_DETECT_MAGIC_REG_ADDR));
    const magic = r.value >>> 0;
    const chip = ESP_CHIPS.find((c) => c.magic.includes(magic));
    const chipId = hex(magic, 1);
    const want = this.board?.flash.chipId;
    if (want !== undefined && parseChipId(want) !== magic) {
      const wantChip = ESP_CHIPS.find((c) => c.magic.includes(parseChipId(want)));
      throw new TinymlError(
        'device',
        `ESP ROM loader on ${this.port.path}: chip magic ${chipId} (${chip?.name ?? 'unknown chip'}) does not match board ${this.board!.id}, which expects ${want} (${wantChip?.name ?? 'unknown chip'})`,
        'is --board right? Is the right board on this port?',
      );
    }
    if (!chip) throw new TinymlError('device', `ESP ROM loader on ${this.port.path}: unknown chip magic ${chipId} at ${hex(CHIP_DETECT_MAGIC_REG_ADDR)}`);
    this.chip = chip;
    return { chip: chip.name, chipId, details: { magicRegister: hex(CHIP_DETECT_MAGIC_REG_ADDR) } };
  }

  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof EspFailed)) {
          if (e instanceof EspTimeout) throw new TinymlError('device', `ESP ROM loader on ${this.port.path}: ${what}: ${e.message}`, 'the chip stopped answering: check the cable and power, then retry');
          throw e;
        }
        if (attempt >= this.retries) throw new TinymlError('device', `ESP ROM loader on ${this.port.path}: ${what}: ${e.message} after ${attempt + 1} tries`);
        this.log.debug(`${what}: ${e.message}, retry ${attempt + 1}/${this.retries}`);
      }
    }
  }

  async write(image: FlashImage, onProgress?: ProgressFn): Promise<void> {
    if (!this.chip) await this.identify();
    const chip = this.chip!;
    await this.retrying('SPI_ATTACH', () => this.command(ESP.SPI_ATTACH, words(0, 0)));
    const size = this.opts.flashSize ?? 8 * 1024 * 1024;
    await this.retrying('SPI_SET_PARAMS', () => this.command(ESP.SPI_SET_PARAMS, words(0, size, 64 * 1024, 4096, 256, 0xffff)));
    const total = imageSize(image);
    let done = 0;
    for (const seg of image.segments) {
      const n = Math.ceil(seg.data.length / ROM_FLASH_WRITE_SIZE);
      const eraseSize = seg.data.length;
      const beginTimeout = Math.max(this.timeoutMs, Math.ceil(eraseSize / (1024 * 1024)) * 30_000);
      const begin = chip.beginEncryptedFlag ? words(eraseSize, n, ROM_FLASH_WRITE_SIZE, seg.address, 0) : words(eraseSize, n, ROM_FLASH_WRITE_SIZE, seg.address);
      await this.retrying(`FLASH_BEGIN at ${hex(seg.address)}`, () => this.command(ESP.FLASH_BEGIN, begin, 0, beginTimeout));
      for (let seq = 0; seq < n; seq++) {
        const chunk = new Uint8Array(ROM_FLASH_WRITE_SIZE).fill(0xff);
        const src = seg.data.subarray(seq * ROM_FLASH_WRITE_SIZE, (seq + 1) * ROM_FLASH_WRITE_SIZE);
        chunk.set(src);
        const pkt = new Uint8Array(16 + chunk.length);
        pkt.set(words(chunk.length, seq, 0, 0));
        pkt.set(chunk, 16);
        await this.retrying(`FLASH_DATA block ${seq + 1} of ${n} at ${hex(seg.address + seq * ROM_FLASH_WRITE_SIZE)}`, () =>
          this.command(ESP.FLASH_DATA, pkt, espChecksum(chunk)),
        );
        done += src.length;
        onProgress?.(done, total, 'bytes');
      }
    }
    this.written = image;
  }

  async verify(onProgress?: ProgressFn): Promise<VerifyResult> {
    const img = this.written;
    if (!img) throw new TinymlError('device', 'verify(): nothing was written in this session');
    let done = 0;
    const total = imageSize(img);
    for (const seg of img.segments) {
      const r = await this.retrying(`SPI_FLASH_MD5 at ${hex(seg.address)}`, () =>
        this.command(ESP.SPI_FLASH_MD5, words(seg.address, seg.data.length, 0, 0), 0, Math.max(this.timeoutMs, 8000)),
      );
      // The ROM answers 32 hex characters; the stub 16 raw bytes.
      const got = r.data.length >= 32 ? new TextDecoder().decode(r.data.subarray(0, 32)).toLowerCase() : Buffer.from(r.data.subarray(0, 16)).toString('hex');
      const want = createHash('md5').update(seg.data).digest('hex');
      if (got !== want) {
        throw new TinymlError('device', `verify failed: MD5 of ${seg.data.length} bytes at ${hex(seg.address)} is ${got} on the chip, ${want} in the image`, 'retry; if it persists, the flash chip may be faulty or write-protected');
      }
      done += seg.data.length;
      onProgress?.(done, total, 'bytes');
    }
    return { method: 'md5', bytes: total };
  }

  async run(): Promise<void> {
    // FLASH_END's word is "stay in the loader": 0 = reboot into the application.
    await this.command(ESP.FLASH_END, words(0)).catch((e) => {
      // Some ROMs reboot before answering; a missing reply is not a failure here.
      if (!(e instanceof EspTimeout)) throw e;
    });
  }
}

class EspTimeout extends Error {}
class EspFailed extends Error {
  constructor(readonly cmd: number, readonly code: number) {
    super(`command 0x${cmd.toString(16).padStart(2, '0')} failed with ROM error 0x${code.toString(16).padStart(2, '0')}${ROM_ERRORS[code] ? ` (${ROM_ERRORS[code]})` : ''}`);
  }
}
const ROM_ERRORS: Record<number, string> = {
  0x05: 'received message is invalid',
  0x06: 'failed to act on received message',
  0x07: 'invalid CRC in message',
  0x08: 'flash write error',
  0x09: 'flash read error',
  0x0a: 'flash read length error',
  0x0b: 'deflate error',
};
