/**
 * A Nordic Power Profiler Kit II simulator on the device end of a pseudo-terminal. It speaks
 * the binary command set (metadata, source-meter mode, regulator, DUT power, start/stop) and
 * streams 4-byte samples generated from a known current profile, encoded with its own
 * per-range calibration exactly as the real kit's ADC words are decoded by Nordic's clients.
 * Knobs for tests: samples dropped at given indices (the 6-bit counter still advances), and
 * a sample budget after which it goes silent (a meter that stops streaming).
 */
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { TransportClosedError, TransportTimeoutError } from '../../src/serial/transport.js';
import { PPK2_ADC_MULT, PPK2_CMD, regulatorMv, type Ppk2Calibration } from '../../src/energy/meters/ppk2.js';

export interface Ppk2Profile {
  /** Current (A) and digital inputs (bit mask) of sample `k` (10 µs each). */
  at(k: number): { amps: number; logic: number };
}

export interface Ppk2SimOptions {
  calibration: Ppk2Calibration;
  hw?: string;
  profile: Ppk2Profile;
  /** Sample indices (inclusive start) where `count` samples are not sent. */
  drops?: Array<{ at: number; count: number }>;
  /** Stop sending after this many samples (the stream just goes silent). */
  maxSamples?: number;
  /** Answer nothing at all (not a PPK2). */
  mute?: boolean;
}

export function metadataText(c: Ppk2Calibration, hw = '9173'): string {
  const lines = ['Calibrated: 1'];
  const keys: Array<[string, number[]]> = [
    ['R', c.r],
    ['GS', c.gs],
    ['GI', c.gi],
    ['O', c.o],
    ['S', c.s],
    ['I', c.i],
    ['UG', c.ug],
  ];
  for (const [k, arr] of keys) arr.forEach((v, i) => lines.push(`${k}${i}: ${v}`));
  lines.push(`HW: ${hw}`, 'mode: 2', 'IA: 56', 'END');
  return lines.join('\n') + '\n';
}

/** Encode a current as the ADC word the real kit would send (most sensitive range that fits). */
export function encodeCurrent(amps: number, c: Ppk2Calibration, vddMv: number): { adc: number; range: number } {
  for (let r = 0; r < 5; r++) {
    const y = amps / c.ug[r]! - (c.s[r]! * (vddMv / 1000) + c.i[r]!);
    const gs = c.gs[r]!;
    const gi = c.gi[r]!;
    const x = gs === 0 ? y / gi : (-gi + Math.sqrt(gi * gi + 4 * gs * y)) / (2 * gs);
    const adc4 = (x * c.r[r]!) / PPK2_ADC_MULT + c.o[r]!;
    const code = Math.round(adc4 / 4);
    if (code >= 0 && code <= 0x3fff * 0.95) return { adc: code, range: r };
  }
  return { adc: 0x3fff, range: 4 };
}

export class Ppk2Sim {
  private t: SerialPortTransport;
  private streaming = false;
  private vddMv = 3000;
  private counter = 0;
  private k = 0;
  private sent = 0;
  private stopped = false;
  readonly received: number[][] = [];

  constructor(
    path: string,
    private readonly o: Ppk2SimOptions,
  ) {
    this.t = new SerialPortTransport(path, { baudRate: 115200 });
  }

  async start(): Promise<void> {
    await this.t.open();
    void this.commandLoop();
  }

  private async commandLoop(): Promise<void> {
    const lens: Record<number, number> = { [PPK2_CMD.SET_POWER_MODE]: 2, [PPK2_CMD.DEVICE_RUNNING_SET]: 2, [PPK2_CMD.REGULATOR_SET]: 3 };
    while (!this.stopped) {
      let b: Uint8Array;
      try {
        b = await this.t.read(1, 200);
      } catch (e) {
        if (e instanceof TransportTimeoutError) continue;
        if (e instanceof TransportClosedError) return;
        throw e;
      }
      const op = b[0]!;
      const n = lens[op] ?? 1;
      const cmd = [op];
      if (n > 1) {
        try {
          cmd.push(...(await this.t.read(n - 1, 1000)));
        } catch {
          return;
        }
      }
      this.received.push(cmd);
      if (this.o.mute) continue;
      if (op === PPK2_CMD.GET_META_DATA) await this.t.write(new TextEncoder().encode(metadataText(this.o.calibration, this.o.hw)));
      else if (op === PPK2_CMD.REGULATOR_SET) this.vddMv = regulatorMv(cmd[1]!, cmd[2]!);
      else if (op === PPK2_CMD.AVERAGE_START && !this.streaming) {
        this.streaming = true;
        void this.stream();
      } else if (op === PPK2_CMD.AVERAGE_STOP) this.streaming = false;
    }
  }

  private async stream(): Promise<void> {
    const chunk = 2048;
    while (this.streaming && !this.stopped) {
      const buf = new Uint8Array(chunk * 4);
      const dv = new DataView(buf.buffer);
      let n = 0;
      while (n < chunk) {
        if (this.o.maxSamples !== undefined && this.sent >= this.o.maxSamples) break;
        const drop = this.o.drops?.find((d) => this.k >= d.at && this.k < d.at + d.count);
        const s = this.o.profile.at(this.k);
        this.k++;
        const c = this.counter;
        this.counter = (this.counter + 1) & 0x3f;
        if (drop) continue;
        const { adc, range } = encodeCurrent(s.amps, this.o.calibration, this.vddMv);
        const word = (adc & 0x3fff) | ((range & 7) << 14) | ((c & 0x3f) << 18) | ((s.logic & 0xff) << 24);
        dv.setUint32(n * 4, word >>> 0, true);
        n++;
        this.sent++;
      }
      if (n === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        await this.t.write(buf.subarray(0, n * 4));
      } catch {
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.streaming = false;
    await this.t.close();
  }
}
