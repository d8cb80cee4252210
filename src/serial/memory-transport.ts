/**
 * Two in-memory transports wired back to back, for unit tests and simulators without a
 * pseudo-terminal. Unlike a pty, the peer sees DTR/RTS changes (`onSignals`) and the baud
 * rate, so reset sequences and baud switches can be tested.
 */
import { BufferedTransport } from './buffered-transport.js';
import type { SerialSignals } from './transport.js';

export class MemoryTransport extends BufferedTransport {
  peer: MemoryTransport | undefined;
  signals: Required<SerialSignals> = { dtr: false, rts: false };
  baudRate = 115200;
  /** Every signal change, with a timestamp (ms, performance.now()), for tests of reset sequences. */
  readonly signalLog: { t: number; dtr: boolean; rts: boolean }[] = [];
  /** Called on the peer when this side changes DTR/RTS. */
  onPeerSignals: ((s: Required<SerialSignals>) => void) | undefined;

  constructor(readonly path: string) {
    super();
  }

  async open(): Promise<void> {
    if (this.openState === 'open') throw new Error(`${this.path}: already open`);
    this.openState = 'open';
  }

  async close(): Promise<void> {
    if (this.openState !== 'open') return;
    this.closed('the port was closed');
  }

  /** Simulates the device disappearing (USB unplugged): pending reads reject at once. */
  vanish(): void {
    this.closed('the device disconnected (port vanished)');
  }

  protected async writeRaw(data: Uint8Array): Promise<void> {
    const peer = this.peer;
    const copy = data.slice();
    // Deliver asynchronously, like a real line: the writer never re-enters the reader.
    if (peer && peer.isOpen) setImmediate(() => peer.isOpen && peer.deliver(copy));
  }

  private deliver(chunk: Uint8Array): void {
    this.receive(chunk);
  }

  async setSignals(s: SerialSignals): Promise<void> {
    this.checkOpen();
    this.signals = { dtr: s.dtr ?? this.signals.dtr, rts: s.rts ?? this.signals.rts };
    this.signalLog.push({ t: performance.now(), ...this.signals });
    this.peer?.onPeerSignals?.({ ...this.signals });
  }

  async setBaud(baudRate: number): Promise<void> {
    this.checkOpen();
    this.baudRate = baudRate;
  }
}

/** A connected pair: bytes written to one are read from the other. */
export function createMemoryPair(nameA = 'mem:host', nameB = 'mem:device'): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(nameA);
  const b = new MemoryTransport(nameB);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
