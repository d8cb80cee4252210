/**
 * The receive side shared by every Transport implementation: a byte buffer, at most one
 * pending reader, deadlines, and closing that wakes the reader. Implementations only push
 * incoming chunks with `receive()` and report the end with `closed()`.
 */
import { TinymlError } from '../errors.js';
import {
  TransportClosedError,
  TransportTimeoutError,
  type SerialSignals,
  type Transport,
} from './transport.js';

interface PendingRead {
  /** Returns the bytes to hand over when the buffer satisfies the read, else undefined. */
  take: () => Uint8Array | undefined;
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export abstract class BufferedTransport implements Transport {
  abstract readonly path: string;
  private buf = new Uint8Array(4096);
  private len = 0;
  private pending: PendingRead | undefined;
  protected openState: 'new' | 'open' | 'closed' = 'new';
  private closeReason: string | undefined;

  get isOpen(): boolean {
    return this.openState === 'open';
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  protected abstract writeRaw(data: Uint8Array): Promise<void>;
  abstract setSignals(signals: SerialSignals): Promise<void>;
  abstract setBaud(baudRate: number): Promise<void>;

  /** Implementations call this with every chunk that arrives. */
  protected receive(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.service();
  }

  /** Implementations call this when the port closes or vanishes; pending and later reads reject. */
  protected closed(reason?: string): void {
    this.openState = 'closed';
    this.closeReason ??= reason;
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      clearTimeout(p.timer);
      p.reject(new TransportClosedError(this.path, this.closeReason));
    }
  }

  private consume(n: number): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return out;
  }

  private service(): void {
    const p = this.pending;
    if (!p) return;
    let got: Uint8Array | undefined;
    try {
      got = p.take();
    } catch (e) {
      this.pending = undefined;
      clearTimeout(p.timer);
      p.reject(e as Error);
      return;
    }
    if (got) {
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve(got);
    }
  }

  protected checkOpen(): void {
    if (this.openState !== 'open') throw new TransportClosedError(this.path, this.closeReason ?? (this.openState === 'new' ? 'the port is not open' : undefined));
  }

  async write(data: Uint8Array): Promise<void> {
    this.checkOpen();
    await this.writeRaw(data);
  }

  private startRead(what: string, timeoutMs: number, take: () => Uint8Array | undefined, onTimeoutTake: () => Uint8Array): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.checkOpen();
      if (this.pending) throw new TinymlError('device', `${this.path}: a read is already in progress (one reader at a time)`);
      const now = take();
      if (now) return resolve(now);
      const timer = setTimeout(() => {
        if (this.pending?.timer !== timer) return;
        this.pending = undefined;
        reject(new TransportTimeoutError(this.path, what, timeoutMs, onTimeoutTake()));
      }, timeoutMs);
      this.pending = { take, resolve, reject, timer };
    });
  }

  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    return this.startRead(
      `${n} byte${n === 1 ? '' : 's'}`,
      timeoutMs,
      () => (this.len >= n ? this.consume(n) : undefined),
      () => this.consume(this.len),
    );
  }

  readUntil(delimiter: Uint8Array | number, timeoutMs: number, maxBytes = 65536): Promise<Uint8Array> {
    const d = typeof delimiter === 'number' ? Uint8Array.of(delimiter) : delimiter;
    let searched = 0;
    return this.startRead(
      `delimiter ${Array.from(d, (x) => x.toString(16).padStart(2, '0')).join(' ')}`,
      timeoutMs,
      () => {
        for (let i = Math.max(0, searched - d.length + 1); i + d.length <= this.len; i++) {
          let m = true;
          for (let j = 0; j < d.length && m; j++) m = this.buf[i + j] === d[j];
          if (m) return this.consume(i + d.length);
        }
        searched = this.len;
        if (this.len >= maxBytes) {
          const got = this.consume(this.len);
          throw new TinymlError('device', `${this.path}: ${got.length} bytes arrived without the expected delimiter`);
        }
        return undefined;
      },
      () => this.consume(this.len),
    );
  }

  async flushInput(): Promise<void> {
    this.checkOpen();
    this.len = 0;
  }
}
