/**
 * ST X-NUCLEO-LPM01A (PowerShield) over its virtual COM port, with the ASCII command set and
 * data stream the MLPerf Tiny runner uses (mlcommons/tiny benchmark/runner/power_manager):
 *
 * 1. Commands are text lines; every reply line may carry the `PowerShield > ` prompt. A
 *    command is accepted with `ack <command>`; refused with `error <command>` followed by an
 *    `Error detail: …` line.
 * 2. Set-up, as the runner does: `htc` (host takes control), `acqtime 0` (unlimited),
 *    `trigsrc sw`, `eventsrc d7 fal`, `output energy`, `format ascii_dec`, `freq 1k`,
 *    `volt <mV>m`, `pwr on`, then `start`.
 * 3. The stream: one value per sample in ASCII decimal, `dddd±ee` = dddd × 10^±ee — in
 *    energy mode the energy (J) integrated over the sample period (1 ms at `freq 1k`);
 *    `TimeStamp: 001s 000ms, buff 00%` once per second (1000 samples apart, else samples
 *    were lost); `event <n> ris` when the firmware's timestamp pulse on D7 arrives.
 * 4. `stop` ends acquisition; the meter answers `ack stop` and `Acquisition completed`.
 *    `hrc` hands control back on close.
 *
 * Windows: MLPerf Tiny firmware pulses D7 at the start and at the end of the timed region,
 * so consecutive events open and close a window (event 1 opens, event 2 closes, …); the
 * window's energy is the sum of the samples between them.
 *
 * What it does not do: the `current` output mode and `bin_hexa` format (energy mode makes
 * the integration the meter's, exact at its own rate); sub-sample alignment of events.
 */
import { TinymlError } from '../../errors.js';
import type { Transport } from '../../serial/transport.js';
import type { MeasureOptions, MeterInfo, MeterResult, PowerMeter } from './power-meter.js';
import { drainInput, readSome, StallWatch } from './stream-reader.js';
import { meterResult, WindowIntegrator } from './window-integrator.js';

export const LPM_PROMPT = 'PowerShield > ';
const SAMPLE_RE = /\d{4}[+-]\d{2}/g;

/** `6409-07` → 6.409e-4. */
export function parseLpmValue(s: string): number {
  const m = /^(\d{4})([+-])(\d{2})$/.exec(s);
  if (!m) throw new TinymlError('device', `LPM01A: "${s}" is not a dddd±ee value`);
  return Number(m[1]) * 10 ** (m[2] === '-' ? -Number(m[3]) : Number(m[3]));
}

/** The inverse, to 4 significant digits (for the simulator and tests). */
export function formatLpmValue(v: number): string {
  if (v <= 0) return '0000+00';
  let e = Math.floor(Math.log10(v)) - 3;
  let m = Math.round(v / 10 ** e);
  if (m >= 10000) {
    m = Math.round(m / 10);
    e += 1;
  }
  const sign = e < 0 ? '-' : '+';
  return `${String(m).padStart(4, '0')}${sign}${String(Math.abs(e)).padStart(2, '0')}`;
}

export class Lpm01aMeter implements PowerMeter {
  readonly kind = 'lpm01a' as const;
  private info: MeterInfo | undefined;
  private running = false;
  private pending = '';
  private readonly lines: string[] = [];
  readonly sampleRateHz = 1000;

  constructor(private readonly t: Transport) {}

  get port(): string {
    return this.t.path;
  }

  private async writeLine(s: string): Promise<void> {
    await this.t.write(new TextEncoder().encode(`${s}\n`));
  }

  /** Next complete line (prompt stripped), or undefined if none arrived within `pollMs`. */
  private async nextLine(pollMs: number): Promise<string | undefined> {
    for (;;) {
      const l = this.lines.shift();
      if (l !== undefined) return l;
      const chunk = await readSome(this.t, 1024, pollMs);
      if (!chunk.length) return undefined;
      this.pending += new TextDecoder().decode(chunk);
      const parts = this.pending.split(/\r?\n/);
      this.pending = parts.pop() ?? '';
      for (const p of parts) {
        const line = p.split(LPM_PROMPT).join('').trim();
        if (line) this.lines.push(line);
      }
    }
  }

  /** Send a command and wait for its `ack`; an `error` reply throws with the meter's detail. */
  async command(cmd: string, timeoutMs = 2000): Promise<string[]> {
    await this.writeLine(cmd);
    const extra: string[] = [];
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const l = await this.nextLine(Math.min(100, Math.max(1, end - Date.now())));
      if (l === undefined) continue;
      if (l.startsWith('ack') && l.includes(cmd)) return extra;
      if (l.startsWith('error') && l.includes(cmd)) {
        let detail = '';
        const e2 = Date.now() + 500;
        while (Date.now() < e2) {
          const d = await this.nextLine(50);
          if (d?.startsWith('Error detail')) {
            detail = d.replace(/^Error detail:\s*/, '');
            break;
          }
        }
        throw new TinymlError('device', `LPM01A on ${this.port} refused "${cmd}"${detail ? `: ${detail}` : ''}`);
      }
      extra.push(l);
    }
    throw new TinymlError(
      'device',
      `no answer to "${cmd}" from ${this.port} within ${timeoutMs} ms`,
      'Is this the X-NUCLEO-LPM01A (PowerShield) virtual COM port, at 3686400 baud? Close STM32CubeMonitor-Power if it is running.',
    );
  }

  async connect(timeoutMs = 2000): Promise<MeterInfo> {
    if (!this.t.isOpen) await this.t.open();
    await drainInput(this.t);
    await this.command('htc', timeoutMs);
    this.info = { kind: 'lpm01a', port: this.port, description: 'ST X-NUCLEO-LPM01A (PowerShield), energy output mode', sampleRateHz: this.sampleRateHz };
    return this.info;
  }

  async measure(o: MeasureOptions): Promise<MeterResult> {
    const info = this.info ?? (await this.connect());
    const mV = Math.round(o.supplyV * 1000);
    if (mV < 1800 || mV > 3300) throw new TinymlError('usage', `the LPM01A supplies 1.8–3.3 V; ${o.supplyV} V is out of range`);
    for (const c of ['acqtime 0', 'trigsrc sw', 'eventsrc d7 fal', 'output energy', 'format ascii_dec', 'freq 1k', `volt ${mV}m`, 'pwr on']) {
      await this.command(c);
    }
    const integ = new WindowIntegrator(1 / this.sampleRateHz);
    const stall = new StallWatch(`LPM01A on ${this.port}`, o.stallTimeoutMs ?? 2000);
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    await this.command('start');
    this.running = true;
    let bgError: unknown;
    const bg = o.whileMeasuring ? o.whileMeasuring().catch((e) => void (bgError = e)) : undefined;
    let lastStamp = -1;
    const state = (): string => `${integ.samples} samples, ${integ.windows.length} of ${o.windows} windows`;
    try {
      while (integ.windows.length < o.windows) {
        if (bgError) throw bgError;
        if (Date.now() > deadline) {
          throw new TinymlError(
            'device',
            `LPM01A on ${this.port}: only ${integ.windows.length} of ${o.windows} inference windows after ${o.timeoutMs ?? 60_000} ms (${state()})`,
            'Is the firmware pulsing the timestamp GPIO wired to the LPM01A\'s D7 (solder bridge) at the start and end of each inference?',
          );
        }
        const l = await this.nextLine(50);
        if (l === undefined) {
          stall.check(state());
          continue;
        }
        stall.fed();
        if (l.startsWith('TimeStamp')) {
          // one per 1000 samples at 1 kHz: a shortfall is lost samples
          if (lastStamp >= 0) integ.lose(lastStamp + this.sampleRateHz - integ.samples);
          lastStamp = integ.samples;
          continue;
        }
        if (/^event \d+/.test(l)) {
          integ.toggle();
          continue;
        }
        const values = l.match(SAMPLE_RE);
        if (values) {
          for (const v of values) integ.push(parseLpmValue(v), integ.markerActive);
          o.onProgress?.(Math.min(integ.windows.length, o.windows), o.windows);
        }
        // anything else is a status message; ignore it
      }
    } finally {
      await this.stop();
    }
    if (bg) await bg;
    if (bgError) throw bgError;
    return meterResult(info, o.supplyV, integ, `ST X-NUCLEO-LPM01A on ${this.port}, energy mode at 1 kHz, median of {n} D7-marked windows`, `ST X-NUCLEO-LPM01A on ${this.port}, 1 ms samples`);
  }

  private async stop(): Promise<void> {
    if (!this.running || !this.t.isOpen) return;
    this.running = false;
    try {
      await this.writeLine('stop');
      const end = Date.now() + 1000;
      while (Date.now() < end) {
        const l = await this.nextLine(50);
        if (l?.includes('Acquisition completed')) break;
      }
    } catch {
      // a vanished port cannot be stopped; close() reports nothing either
    }
  }

  async close(): Promise<void> {
    await this.stop();
    try {
      if (this.t.isOpen && this.info) {
        await this.writeLine('hrc');
        await new Promise((r) => setTimeout(r, 20));
      }
    } catch {
      // ignore: closing anyway
    }
    try {
      await this.t.close();
    } catch {
      // close never throws (contract)
    }
  }
}
