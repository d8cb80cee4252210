/**
 * The contract every bootloader protocol implements. The CLI (`tinyml flash`) drives it:
 *
 *   connect → identify → write → verify (unless --no-verify) → run
 *
 * Contract:
 * - `connect(transport, board)` brings the device into a state where it answers commands
 *   (reset sequence, sync). The transport is open and owned by the caller, who closes it
 *   whatever happens; a protocol never closes it. Protocols that need no serial port (UF2
 *   drives) receive `null`.
 * - `identify()` reads what the device says it is and rejects with `TinymlError('device')`
 *   when that contradicts `board.flash.chipId` (the message names both).
 * - `write(image, onProgress)` erases what it must and writes every byte of `image`; a
 *   block that fails is retried up to the retry budget, then the whole call rejects with a
 *   message naming the block, its address and what was seen. It never resolves unless
 *   every block was acknowledged.
 * - `verify()` checks the last written image against the device (read back, CRC or MD5 —
 *   whatever the bootloader offers) and rejects on the first difference, naming the address.
 * - `run()` leaves the bootloader and starts the application.
 * - No call waits longer than its stated timeout without rejecting; every rejection is a
 *   `TinymlError` a person can act on.
 */
import type { BoardProfile } from '../boards/board.js';
import type { Logger, ProgressFn } from '../log.js';
import type { SerialSettings, Transport } from '../serial/transport.js';
import type { FlashImage } from './image.js';

export type FlashProtocolId = BoardProfile['flash']['protocol'];

export interface DeviceIdentity {
  /** Human name of the chip family, e.g. "STM32L4Rx", "ATmega328P", "ESP32-S3". */
  chip: string;
  /** The identifier read from the device, formatted like `board.flash.chipId`. */
  chipId: string;
  /** Anything else the bootloader told us (bootloader version, supported commands...). */
  details: Record<string, string | number>;
}

export interface VerifyResult {
  method: 'read-back' | 'md5' | 'crc32' | 'file-compare';
  bytes: number;
}

export interface FlashProtocolOptions {
  logger?: Logger;
  /** Retries per block after the first attempt (default 3). */
  retries?: number;
  /** Per-reply timeout in ms (default depends on the protocol, stated in its file). */
  timeoutMs?: number;
}

export interface FlashProtocol {
  readonly id: FlashProtocolId;
  /** Line settings this bootloader needs (the caller opens the port with them). */
  serialSettings(board: BoardProfile): SerialSettings;
  connect(transport: Transport | null, board: BoardProfile): Promise<void>;
  identify(): Promise<DeviceIdentity>;
  write(image: FlashImage, onProgress?: ProgressFn): Promise<void>;
  verify(onProgress?: ProgressFn): Promise<VerifyResult>;
  run(): Promise<void>;
}

/** Parses a chip id written in a board file ("0x470", "1E 95 0F", "9") to a number. */
export function parseChipId(s: string): number {
  const t = s.replace(/\s+/g, '').toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]+$/.test(t)) throw new Error(`chip id "${s}" is not a hex number`);
  return parseInt(t, 16);
}

export function hex(n: number, digits = 8): string {
  return '0x' + (n >>> 0).toString(16).padStart(digits, '0');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
