/**
 * An ST X-NUCLEO-LPM01A (PowerShield) simulator on the device end of a pseudo-terminal:
 * ASCII commands answered with `PowerShield > ack <cmd>` (or `error` + `Error detail:`),
 * and in energy mode a 1 kHz stream of `dddd±ee` energy values generated from a known
 * current profile, a `TimeStamp:` line every 1000 samples and `event <n> ris` lines where
 * the profile's D7 marker changes. Knobs: a sample budget after which it goes silent.
 */
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { formatLpmValue, LPM_PROMPT } from '../../src/energy/meters/lpm01a.js';

export interface LpmProfile {
  /** Current (A) of 1 ms sample `k`, and whether the D7 window marker is active during it. */
  at(k: number): { amps: number; marker: boolean };
}

export interface LpmSimOptions {
  profile: LpmProfile;
  maxSamples?: number;
  mute?: boolean;
}

const KNOWN = ['htc', 'hrc', 'acqtime', 'trigsrc', 'trigdelay', 'eventsrc', 'output', 'format', 'freq', 'volt', 'pwr', 'start', 'stop', 'lcd', 'status', 'version', 'powershield'];

export class Lpm01aSim {
  private t: SerialPortTransport;
  private voltV = 3.3;
  private streaming = false;
  private stopped = false;
  private line = '';
  private k = 0;
  private sent = 0;
  private events = 0;
  private prevMarker = false;
  readonly commands: string[] = [];

  constructor(
    path: string,
    private readonly o: LpmSimOptions,
  ) {
    this.t = new SerialPortTransport(path, { baudRate: 3686400 });
  }

  async start(): Promise<void> {
    await this.t.open();
    void this.loop();
  }

  private async say(...lines: string[]): Promise<void> {
    await this.t.write(new TextEncoder().encode(lines.map((l) => `${l}\r\n`).join('')));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let chunk: Uint8Array;
      try {
        chunk = await this.t.read(1, 200);
      } catch (e) {
        if ((e as Error).name === 'TransportTimeoutError') continue;
        return;
      }
      const ch = String.fromCharCode(chunk[0]!);
      if (ch !== '\n') {
        if (ch !== '\r') this.line += ch;
        continue;
      }
      const cmd = this.line.trim();
      this.line = '';
      if (!cmd) continue;
      this.commands.push(cmd);
      if (this.o.mute) continue;
      await this.handle(cmd);
    }
  }

  private async handle(cmd: string): Promise<void> {
    const [word, arg] = cmd.split(/\s+/, 2);
    if (!KNOWN.includes(word!)) return this.say(`${LPM_PROMPT}error ${cmd}`, `${LPM_PROMPT}Error detail: command not recognized`);
    if (word === 'volt') {
      const m = /^(\d+)m$/.exec(arg ?? '');
      const mv = m ? Number(m[1]) : NaN;
      if (!(mv >= 1800 && mv <= 3300)) return this.say(`${LPM_PROMPT}error ${cmd}`, `${LPM_PROMPT}Error detail: value out of range [1800m; 3300m]`);
      this.voltV = mv / 1000;
    }
    if (word === 'stop') {
      this.streaming = false;
      return this.say(`${LPM_PROMPT}ack ${cmd}`, `${LPM_PROMPT}Acquisition completed`);
    }
    await this.say(`${LPM_PROMPT}ack ${cmd}`);
    if (word === 'start' && !this.streaming) {
      this.streaming = true;
      void this.stream();
    }
  }

  private async stream(): Promise<void> {
    while (this.streaming && !this.stopped) {
      const out: string[] = [];
      for (let n = 0; n < 250; n++) {
        if (this.o.maxSamples !== undefined && this.sent >= this.o.maxSamples) break;
        const s = this.o.profile.at(this.k);
        if (s.marker !== this.prevMarker) {
          this.events++;
          out.push(`event ${this.events} ris`);
          this.prevMarker = s.marker;
        }
        out.push(formatLpmValue(s.amps * this.voltV * 1e-3));
        this.k++;
        this.sent++;
        if (this.k % 1000 === 0) {
          const sec = Math.floor(this.k / 1000);
          out.push(`TimeStamp: ${String(sec).padStart(3, '0')}s 000ms, buff 00%`);
        }
      }
      if (!out.length) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        await this.say(...out);
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
