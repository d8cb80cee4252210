/**
 * The host side of tinyml-boot, the project's serial bootloader for the emulated MPS2
 * boards (device side and frame layout: firmware-templates/bootloader/boot.c).
 *
 * Flow: HELLO until answered (the loader skips bytes that do not start a frame, so
 * retrying resyncs it) → identity = the core's CPUID → WRITE blocks of ≤ 1024 bytes; each
 * reply carries the CRC-32 of what landed in memory, compared with ours, and a bad CRC
 * (either way) retries the block → verify: CRC of each segment over the whole range →
 * GO to the image's vector table (its lowest address).
 * Not promised: the loader only writes RAM (code SSRAM below itself and data SRAM); an
 * image overlapping the loader's top 64 KiB of code memory is refused with the address.
 */
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { TransportTimeoutError, type SerialSettings, type Transport } from '../serial/transport.js';
import { crc32 } from './crc32.js';
import { imageSize, type FlashImage } from './image.js';
import { hex, parseChipId, type DeviceIdentity, type FlashProtocol, type FlashProtocolOptions, type VerifyResult } from './protocol.js';

export const BOOT = { HELLO: 0x01, WRITE: 0x02, CRC: 0x03, GO: 0x04 } as const;
export const BOOT_MAX_PAYLOAD = 1024;
const ERRORS: Record<number, string> = { 1: 'bad frame CRC', 2: 'address not writable', 3: 'bad length', 4: 'unknown command' };

/** 'T' 'B' cmd len16 addr32 payload crc32(cmd..payload), little-endian. */
export function bootFrame(cmd: number, addr: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(2 + 7 + payload.length + 4);
  const dv = new DataView(out.buffer);
  out[0] = 0x54;
  out[1] = 0x42;
  out[2] = cmd;
  dv.setUint16(3, payload.length, true);
  dv.setUint32(5, addr >>> 0, true);
  out.set(payload, 9);
  dv.setUint32(9 + payload.length, crc32(out.subarray(2, 9 + payload.length)), true);
  return out;
}

const CPU_NAMES: Record<number, string> = { 0xc23: 'Cortex-M3', 0xc24: 'Cortex-M4', 0xc27: 'Cortex-M7', 0xc21: 'Cortex-M1', 0xc20: 'Cortex-M0', 0xd21: 'Cortex-M33' };

export class TinymlBoot implements FlashProtocol {
  readonly id = 'tinyml-boot' as const;
  private t: Transport | undefined;
  private board: BoardProfile | undefined;
  private readonly log: Logger;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private written: FlashImage | undefined;

  constructor(private readonly opts: FlashProtocolOptions & { helloAttempts?: number } = {}) {
    this.log = opts.logger ?? silentLogger;
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  serialSettings(board: BoardProfile): SerialSettings {
    return { baudRate: board.flash.baud ?? board.uart.baud ?? 115200 };
  }

  private get port(): Transport {
    if (!this.t) throw new TinymlError('device', 'tinyml-boot: connect() was not called');
    return this.t;
  }

  /** One request; resolves with the reply value or rejects with BootNack / TransportTimeoutError. */
  private async request(cmd: number, addr: number, payload?: Uint8Array, timeoutMs = this.timeoutMs): Promise<number> {
    await this.port.write(bootFrame(cmd, addr, payload));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const b = (await this.port.read(1, Math.max(1, deadline - Date.now())))[0]!;
      if (b === 0x4b) {
        const v = await this.port.read(4, Math.max(1, deadline - Date.now()));
        return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
      }
      if (b === 0x4e) {
        const code = (await this.port.read(1, Math.max(1, deadline - Date.now())))[0]!;
        throw new BootNack(code);
      }
      // anything else is noise (an application that printed before the loader took over)
    }
  }

  async connect(transport: Transport | null, board: BoardProfile): Promise<void> {
    if (!transport) throw new TinymlError('usage', 'tinyml-boot needs a serial port (--port)');
    this.t = transport;
    this.board = board;
    const attempts = this.opts.helloAttempts ?? 10;
    for (let i = 0; i < attempts; i++) {
      try {
        await transport.flushInput();
        await this.request(BOOT.HELLO, 0, undefined, Math.min(this.timeoutMs, 300));
        // Earlier HELLOs that timed out may still be answered: wait for the line to go quiet
        // and drop those replies, or every later reply would be matched to the wrong request.
        await this.drainQuiet(150);
        return;
      } catch (e) {
        if (!(e instanceof TransportTimeoutError) && !(e instanceof BootNack)) throw e;
      }
    }
    throw new TinymlError('device', `tinyml-boot on ${transport.path}: no answer to HELLO after ${attempts} attempts`, 'is the board running tinyml-boot (QEMU started with the bootloader ELF)? Is --baud right?');
  }

  private async drainQuiet(quietMs: number): Promise<void> {
    for (;;) {
      try {
        await this.port.read(1, quietMs);
      } catch (e) {
        if (e instanceof TransportTimeoutError) return;
        throw e;
      }
    }
  }

  async identify(): Promise<DeviceIdentity> {
    const cpuid = await this.withRetries('HELLO', () => this.request(BOOT.HELLO, 0));
    const part = (cpuid >>> 4) & 0xfff;
    const chipId = hex(cpuid);
    const want = this.board?.flash.chipId;
    if (want !== undefined && parseChipId(want) !== cpuid) {
      throw new TinymlError('device', `tinyml-boot on ${this.port.path}: CPUID ${chipId} does not match board ${this.board!.id}, which expects ${want}`, 'is --board right?');
    }
    return { chip: CPU_NAMES[part] ?? `Arm part 0x${part.toString(16)}`, chipId, details: { revision: `r${(cpuid >>> 20) & 0xf}p${cpuid & 0xf}` } };
  }

  private async withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof TransportTimeoutError) throw new TinymlError('device', `tinyml-boot on ${this.port.path}: ${what}: no answer within ${this.timeoutMs} ms`, 'the board stopped answering: restart it (or QEMU) and retry');
        if (!(e instanceof BootNack || e instanceof CrcMismatch)) throw e;
        if (e instanceof BootNack && e.code === 2) throw new TinymlError('device', `tinyml-boot on ${this.port.path}: ${what}: address not writable`, 'the image overlaps the bootloader (top 64 KiB of code memory) or lies outside RAM');
        if (attempt >= this.retries) throw new TinymlError('device', `tinyml-boot on ${this.port.path}: ${what}: ${e.message} after ${attempt + 1} tries`);
        this.log.debug(`${what}: ${e.message}, retry ${attempt + 1}/${this.retries}`);
        await this.drainQuiet(100);
      }
    }
  }

  async write(image: FlashImage, onProgress?: ProgressFn): Promise<void> {
    const total = imageSize(image);
    let done = 0;
    for (const seg of image.segments) {
      for (let off = 0; off < seg.data.length; off += BOOT_MAX_PAYLOAD) {
        const chunk = seg.data.subarray(off, off + BOOT_MAX_PAYLOAD);
        const addr = seg.address + off;
        await this.withRetries(`write ${chunk.length} bytes at ${hex(addr)}`, async () => {
          const got = await this.request(BOOT.WRITE, addr, chunk);
          if (got !== crc32(chunk)) throw new CrcMismatch(got, crc32(chunk));
        });
        done += chunk.length;
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
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, seg.data.length, true);
      const got = await this.withRetries(`CRC of ${hex(seg.address)}`, () => this.request(BOOT.CRC, seg.address, len));
      const want = crc32(seg.data);
      if (got !== want) throw new TinymlError('device', `verify failed: CRC-32 of ${seg.data.length} bytes at ${hex(seg.address)} is ${hex(got)} on the board, ${hex(want)} in the image`);
      done += seg.data.length;
      onProgress?.(done, total, 'bytes');
    }
    return { method: 'crc32', bytes: total };
  }

  async run(): Promise<void> {
    const vt = this.written?.segments[0]?.address ?? this.board?.memory.flash.origin ?? 0;
    await this.withRetries(`GO ${hex(vt)}`, () => this.request(BOOT.GO, vt));
  }
}

class BootNack extends Error {
  constructor(readonly code: number) {
    super(`NACK ${code} (${ERRORS[code] ?? 'unknown error'})`);
  }
}
class CrcMismatch extends Error {
  constructor(got: number, want: number) {
    super(`stored block CRC ${hex(got)} differs from ${hex(want)}`);
  }
}
