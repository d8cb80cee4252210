/**
 * `Transport` over the `serialport` package: USB CDC-ACM, USB-UART bridges and
 * pseudo-terminals. OS errors are turned into messages that say what to do.
 */
import { SerialPort } from 'serialport';
import { TinymlError } from '../errors.js';
import { BufferedTransport } from './buffered-transport.js';
import { systemPorts } from './ports.js';
import type { SerialSettings, SerialSignals } from './transport.js';

export class SerialPortTransport extends BufferedTransport {
  private port: SerialPort | undefined;
  private settings: SerialSettings;
  /** The OS asserts both lines on open. */
  private lines = { dtr: true, rts: true };

  constructor(
    readonly path: string,
    settings: SerialSettings,
    /** Lists ports for the "no such port" message; injected so tests need no hardware. */
    private readonly listPorts: () => Promise<string[]> = async () => (await systemPorts()).map((p) => p.path),
  ) {
    super();
    this.settings = { ...settings };
  }

  async open(): Promise<void> {
    if (this.openState === 'open') throw new TinymlError('device', `${this.path}: already open`);
    const port = new SerialPort({
      path: this.path,
      baudRate: this.settings.baudRate,
      parity: this.settings.parity ?? 'none',
      dataBits: 8,
      stopBits: 1,
      autoOpen: false,
      // Leave DTR/RTS alone on open where the OS lets us: the board's reset sequence owns them.
      hupcl: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve()))).catch(async (err: Error) => {
      throw await this.openError(err);
    });
    this.port = port;
    this.openState = 'open';
    port.on('data', (chunk: Buffer) => this.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      this.closed(err?.disconnected ? 'the device disconnected (port vanished)' : 'the port was closed');
    });
    port.on('error', (err: Error) => this.closed(`port error: ${err.message}`));
  }

  private async openError(err: Error): Promise<TinymlError> {
    const msg = err.message;
    if (/EACCES|Permission denied/i.test(msg)) {
      return new TinymlError('device', `permission denied on ${this.path}`, `add yourself to the dialout group: sudo usermod -aG dialout $USER (then log out and in)`);
    }
    if (/ENOENT|No such file/i.test(msg)) {
      const ports = await this.listPorts().catch(() => [] as string[]);
      return new TinymlError(
        'device',
        `no serial port ${this.path}`,
        ports.length ? `available ports: ${ports.join(', ')} (run \`tinyml ports\` to see which board each is)` : 'no serial ports found: is the board plugged in? (run `tinyml ports`)',
      );
    }
    if (/EBUSY|Resource busy|Cannot lock/i.test(msg)) {
      return new TinymlError('device', `${this.path} is busy`, 'close the other program that has it open (serial monitor, IDE, another tinyml)');
    }
    if (this.settings.parity && this.settings.parity !== 'none' && /EINVAL|Invalid argument/i.test(msg)) {
      return new TinymlError('device', `${this.path}: cannot set ${this.settings.parity} parity (${msg})`, 'pseudo-terminals cannot do parity: pass --parity none');
    }
    return new TinymlError('device', `cannot open ${this.path}: ${msg}`);
  }

  async close(): Promise<void> {
    const port = this.port;
    if (this.openState !== 'open' || !port) {
      this.openState = 'closed';
      return;
    }
    this.closed('the port was closed');
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  protected writeRaw(data: Uint8Array): Promise<void> {
    const port = this.port!;
    // A write that never drains (hardware flow control held off, a wedged driver) must not
    // hang the caller: allow four times the line time plus 5 s (an emulated board's UART on a
    // loaded machine drains slower than its nominal rate), then give up.
    const limitMs = 5000 + Math.ceil(((data.length * 10) / this.settings.baudRate) * 4000);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TinymlError('device', `${this.path}: write of ${data.length} bytes did not complete within ${limitMs} ms`, 'is hardware flow control (CTS) holding the line? is the device still connected?')), limitMs);
      const done = (err?: Error | null) => {
        clearTimeout(timer);
        if (err) reject(new TinymlError('device', `${this.path}: write failed: ${err.message}`));
        else resolve();
      };
      port.write(Buffer.from(data), (err) => {
        if (err) return done(err);
        port.drain((e) => done(e));
      });
    });
  }

  async setSignals(s: SerialSignals): Promise<void> {
    this.checkOpen();
    const port = this.port!;
    // serialport's set() writes every line on each call (omitted = its default), so keep both.
    this.lines = { dtr: s.dtr ?? this.lines.dtr, rts: s.rts ?? this.lines.rts };
    const opts = { ...this.lines };
    await new Promise<void>((resolve, reject) =>
      port.set(opts, (err) => (err ? reject(new TinymlError('device', `${this.path}: cannot set DTR/RTS: ${err.message}`)) : resolve())),
    );
  }

  async setBaud(baudRate: number): Promise<void> {
    this.checkOpen();
    const port = this.port!;
    await new Promise<void>((resolve, reject) =>
      port.update({ baudRate }, (err) => (err ? reject(new TinymlError('device', `${this.path}: cannot set ${baudRate} baud: ${err.message}`)) : resolve())),
    );
    this.settings.baudRate = baudRate;
  }
}
