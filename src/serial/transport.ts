/**
 * The one boundary every serial byte crosses. Flash protocols, the device runtime and the
 * simulators in test/sim all talk through a `Transport`, never through `serialport`
 * directly, so the same protocol code runs against a USB serial adapter, a pseudo-terminal
 * pair or an in-memory pair.
 */
import { TinymlError } from '../errors.js';

export interface SerialSignals {
  /** Data Terminal Ready. `true` = asserted (the pin is driven low on a real RS-232/USB-UART). */
  dtr?: boolean;
  /** Request To Send. Same polarity convention as `dtr`. */
  rts?: boolean;
}

export interface SerialSettings {
  baudRate: number;
  /** 8N1 is the default; the STM32 system bootloader wants 8E1. Pseudo-terminals refuse parity. */
  parity?: 'none' | 'even' | 'odd';
}

/**
 * A byte pipe with deadlines.
 *
 * Contract (every implementation; `test/serial/transport-contract.test.ts` checks each):
 * - `open()` before anything else; `open()` on an open transport rejects.
 * - `write(bytes)` resolves once the bytes are handed to the OS (or the peer); bytes are
 *   delivered in order and never dropped or duplicated.
 * - `read(n, timeoutMs)` resolves with exactly `n` bytes, or rejects with a
 *   `TransportTimeoutError` (carrying whatever arrived, which is then consumed) when the deadline passes.
 *   Bytes that arrive before a read is issued are buffered, never lost.
 * - `readUntil(delimiter, timeoutMs, maxBytes)` resolves with the bytes up to and including the
 *   first occurrence of `delimiter`; bytes after it stay buffered for the next read. It rejects with
 *   `TransportTimeoutError` at the deadline and with a `TinymlError('device')` once `maxBytes`
 *   bytes arrived without the delimiter.
 * - Only one read may be pending at a time; a second concurrent read rejects immediately.
 * - `close()` (or the port vanishing) makes a pending read reject with `TransportClosedError`
 *   at once, and every later operation reject with it too. `close()` on a closed transport is a no-op.
 * - `setSignals({dtr, rts})` sets both lines in one call (omitted = unchanged).
 * - `flushInput()` discards everything received and not yet read; it never discards output
 *   still on its way out (serialport's `flush()` is tcflush(TCIOFLUSH), which would cut a
 *   frame in half on a slow peer, so implementations must not use it for this).
 * - `setBaud(n)` changes the line speed of an open port.
 */
export interface Transport {
  /** What a person would call this port in an error message (e.g. /dev/ttyACM0). */
  readonly path: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  read(n: number, timeoutMs: number): Promise<Uint8Array>;
  readUntil(delimiter: Uint8Array | number, timeoutMs: number, maxBytes?: number): Promise<Uint8Array>;
  setSignals(signals: SerialSignals): Promise<void>;
  flushInput(): Promise<void>;
  setBaud(baudRate: number): Promise<void>;
}

export class TransportTimeoutError extends TinymlError {
  /** Bytes that did arrive before the deadline. */
  readonly received: Uint8Array;
  constructor(path: string, what: string, timeoutMs: number, received: Uint8Array) {
    super(
      'device',
      `${path}: timed out after ${timeoutMs} ms waiting for ${what}` +
        (received.length ? ` (got ${received.length} byte${received.length === 1 ? '' : 's'}: ${hexPreview(received)})` : ' (nothing received)'),
    );
    this.name = 'TransportTimeoutError';
    this.received = received;
  }
}

export class TransportClosedError extends TinymlError {
  constructor(path: string, why = 'the port was closed') {
    super('device', `${path}: ${why}`, 'Check the cable and that no other program (serial monitor, IDE) has the port open.');
    this.name = 'TransportClosedError';
  }
}

export function hexPreview(b: Uint8Array, max = 16): string {
  const s = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${s} …` : s;
}
