/**
 * Reading a continuous stream through a `Transport`, whose `read(n)` waits for exactly n
 * bytes: poll with a short deadline and keep whatever arrived, and turn a silence longer
 * than the stall timeout into an error a person can act on.
 */
import { TinymlError } from '../../errors.js';
import { TransportTimeoutError, type Transport } from '../../serial/transport.js';

/** Up to `max` bytes: whatever arrives within `pollMs` (possibly none). */
export async function readSome(t: Transport, max: number, pollMs: number): Promise<Uint8Array> {
  try {
    return await t.read(max, pollMs);
  } catch (e) {
    if (e instanceof TransportTimeoutError) return e.received;
    throw e;
  }
}

export class StallWatch {
  private last = Date.now();
  constructor(
    private readonly what: string,
    private readonly stallTimeoutMs: number,
  ) {}
  fed(): void {
    this.last = Date.now();
  }
  /** Throws when nothing has arrived for the stall timeout. `state` describes progress so far. */
  check(state: string): void {
    const idle = Date.now() - this.last;
    if (idle >= this.stallTimeoutMs) {
      throw new TinymlError(
        'device',
        `${this.what} stopped streaming: no data for ${idle} ms (${state})`,
        'Check the meter\'s USB cable and that no other program (nRF Connect Power Profiler, STM32CubeMonitor-Power) has the port open; power-cycle the meter and retry.',
      );
    }
  }
}

/**
 * Discard input until the line has been quiet for `quietMs`. Used instead of
 * `Transport.flushInput()`, whose serialport implementation also discards bytes written but
 * not yet transmitted (tcflush TCIOFLUSH) — it would eat the commands just sent.
 */
export async function drainInput(t: Transport, quietMs = 30, maxMs = 1000): Promise<number> {
  const end = Date.now() + maxMs;
  let n = 0;
  while (Date.now() < end) {
    const got = await readSome(t, 65536, quietMs);
    if (!got.length) break;
    n += got.length;
  }
  return n;
}
