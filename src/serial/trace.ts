/**
 * A byte trace people can attach to a bug report: every chunk written (TX) and received
 * (RX), with the time since the previous line, as a hex dump with ASCII.
 *
 *   +   0.000 ms  TX     1  7f                                               |.|
 *   +   2.310 ms  RX     1  79                                               |y|
 *
 * `TracingTransport` wraps any Transport; the trace is kept in memory and written with
 * `save()` (temp file then rename), so a failed flash still leaves a complete trace.
 */
import { rename, writeFile } from 'node:fs/promises';
import type { SerialSignals, Transport } from './transport.js';

export interface TraceEntry {
  /** ms since the trace started */
  t: number;
  dir: 'TX' | 'RX' | 'EV';
  data: Uint8Array;
  note?: string;
}

export function formatTrace(entries: TraceEntry[], title = ''): string {
  const lines: string[] = [];
  if (title) lines.push(`# ${title}`);
  lines.push('#   Δms since previous line, direction, byte count, hex, ASCII');
  let prev = 0;
  for (const e of entries) {
    const dt = `+${(e.t - prev).toFixed(3).padStart(9)} ms`;
    prev = e.t;
    if (e.dir === 'EV') {
      lines.push(`${dt}  --  ${e.note ?? ''}`);
      continue;
    }
    for (let off = 0; off < e.data.length || off === 0; off += 16) {
      const row = e.data.subarray(off, off + 16);
      const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ').padEnd(47);
      const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      const head = off === 0 ? `${dt}  ${e.dir} ${String(e.data.length).padStart(5)}` : ' '.repeat(dt.length + 2 + 2 + 6);
      lines.push(`${head}  ${off.toString(16).padStart(4, '0')}  ${hex}  |${ascii}|`);
      if (e.data.length === 0) break;
    }
  }
  return lines.join('\n') + '\n';
}

export class TracingTransport implements Transport {
  readonly entries: TraceEntry[] = [];
  private readonly t0 = performance.now();

  constructor(private readonly inner: Transport) {}

  get path(): string {
    return this.inner.path;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  private log(dir: TraceEntry['dir'], data: Uint8Array, note?: string): void {
    this.entries.push({ t: performance.now() - this.t0, dir, data: data.slice(), ...(note ? { note } : {}) });
  }

  /** Adds a free-text line (protocol step, error) to the trace. */
  note(text: string): void {
    this.log('EV', new Uint8Array(0), text);
  }

  async open(): Promise<void> {
    this.note(`open ${this.inner.path}`);
    await this.inner.open();
  }
  async close(): Promise<void> {
    this.note('close');
    await this.inner.close();
  }
  async write(data: Uint8Array): Promise<void> {
    this.log('TX', data);
    await this.inner.write(data);
  }
  private async wrapRead(p: Promise<Uint8Array>): Promise<Uint8Array> {
    try {
      const got = await p;
      this.log('RX', got);
      return got;
    } catch (e) {
      const rec = (e as { received?: Uint8Array }).received;
      if (rec?.length) this.log('RX', rec);
      this.note(`read failed: ${(e as Error).message}`);
      throw e;
    }
  }
  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    return this.wrapRead(this.inner.read(n, timeoutMs));
  }
  readUntil(delimiter: Uint8Array | number, timeoutMs: number, maxBytes?: number): Promise<Uint8Array> {
    return this.wrapRead(this.inner.readUntil(delimiter, timeoutMs, maxBytes));
  }
  async setSignals(s: SerialSignals): Promise<void> {
    this.note(`signals${s.dtr !== undefined ? ` DTR=${s.dtr ? 1 : 0}` : ''}${s.rts !== undefined ? ` RTS=${s.rts ? 1 : 0}` : ''}`);
    await this.inner.setSignals(s);
  }
  async flushInput(): Promise<void> {
    this.note('flush input');
    await this.inner.flushInput();
  }
  async setBaud(baudRate: number): Promise<void> {
    this.note(`baud ${baudRate}`);
    await this.inner.setBaud(baudRate);
  }

  async save(file: string, title?: string): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, formatTrace(this.entries, title));
    await rename(tmp, file);
  }
}
