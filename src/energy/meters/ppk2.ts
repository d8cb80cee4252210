/**
 * Nordic Power Profiler Kit II over its USB serial port, in the binary command set used by
 * Nordic's open-source clients (pc-nrfconnect-ppk `serialDevice`, IRNAS ppk2-api-python):
 *
 * 1. `GET_META_DATA` (0x19) → ASCII `key: value` lines ending in `END`: per-range
 *    calibration R0..R4 (shunt Ω), GS/GI (gain), O (ADC offset), S/I (supply-dependent and
 *    constant correction), UG (user gain), plus HW, mode, IA.
 * 2. `SET_POWER_MODE` (0x11, 2 = source meter) and `REGULATOR_SET` (0x0d, b1, b2) so the PPK2
 *    supplies the target at `supplyV`; `DEVICE_RUNNING_SET` (0x0c, 1) switches it on.
 * 3. `AVERAGE_START` (0x06) streams 4-byte little-endian samples at 100 kHz:
 *    bits 0–13 ADC value, 14–16 range, 18–23 a 6-bit counter, 24–31 the eight digital inputs.
 *    Current (A) = UG·(x·(GS·x + GI) + S·Vdd + I), with x = (4·adc − O)·(1.8/163840)/R.
 * 4. Consecutive counters differ by 1 (mod 64); a jump of k means k−1 samples were lost.
 * 5. `AVERAGE_STOP` (0x07) ends the stream.
 *
 * Energy of a sample = current × supply voltage × 10 µs; windows are the runs where the
 * marker input (default D0) is high.
 *
 * What it does not do: the spike filter Nordic's GUI applies at range switches (it smooths
 * the display, and it would move energy across window edges); ampere-meter mode (the
 * target must then be powered externally at a voltage the host is told). A gap of 64 or
 * more samples wraps the 6-bit counter and is seen as a shorter gap.
 */
import { TinymlError } from '../../errors.js';
import type { Transport } from '../../serial/transport.js';
import type { MeasureOptions, MeterInfo, MeterResult, PowerMeter } from './power-meter.js';
import { drainInput, readSome, StallWatch } from './stream-reader.js';
import { meterResult, WindowIntegrator } from './window-integrator.js';

export const PPK2_CMD = {
  NO_OP: 0x00,
  AVERAGE_START: 0x06,
  AVERAGE_STOP: 0x07,
  DEVICE_RUNNING_SET: 0x0c,
  REGULATOR_SET: 0x0d,
  SET_POWER_MODE: 0x11,
  GET_META_DATA: 0x19,
  RESET: 0x20,
} as const;

export const PPK2_SAMPLE_RATE_HZ = 100_000;
export const PPK2_ADC_MULT = 1.8 / 163840;

export interface Ppk2Calibration {
  r: number[];
  gs: number[];
  gi: number[];
  o: number[];
  s: number[];
  i: number[];
  ug: number[];
  hw?: string;
  calibrated?: boolean;
}

/** The defaults Nordic's client uses before metadata arrives. */
export function defaultPpk2Calibration(): Ppk2Calibration {
  return {
    r: [1031.64, 101.65, 10.15, 0.94, 0.043],
    gs: [1, 1, 1, 1, 1],
    gi: [1, 1, 1, 1, 1],
    o: [0, 0, 0, 0, 0],
    s: [0, 0, 0, 0, 0],
    i: [0, 0, 0, 0, 0],
    ug: [1, 1, 1, 1, 1],
  };
}

/** Parse the metadata text (`R0: 1031.64\n…END`) into a calibration; unknown keys are ignored. */
export function parsePpk2Metadata(text: string): Ppk2Calibration {
  const cal = defaultPpk2Calibration();
  const keys: Record<string, keyof Ppk2Calibration> = { R: 'r', GS: 'gs', GI: 'gi', O: 'o', S: 's', I: 'i', UG: 'ug' };
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+?)([0-4])?\s*:\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const [, key, idx, val] = m;
    if (idx === undefined) {
      if (key === 'HW') cal.hw = val;
      if (key === 'Calibrated') cal.calibrated = val !== '0';
      continue;
    }
    const field = keys[key!];
    const v = Number(val);
    if (!field || !Number.isFinite(v)) continue;
    // Some PPK2s report R = 0 for an uncalibrated range; Nordic's clients keep the default then.
    if (field === 'r' && v === 0) continue;
    (cal[field] as number[])[Number(idx)] = v;
  }
  return cal;
}

/** Command bytes for REGULATOR_SET at `mV` (800–5000 mV), as Nordic's clients encode it. */
export function regulatorBytes(mV: number): [number, number, number] {
  const clamped = Math.min(5000, Math.max(800, Math.round(mV)));
  const diff = clamped - 800 + 32;
  return [PPK2_CMD.REGULATOR_SET, 3 + Math.floor(diff / 256), diff % 256];
}

export function regulatorMv(b1: number, b2: number): number {
  return (b1 - 3) * 256 + b2 + 800 - 32;
}

export interface Ppk2Sample {
  adc: number;
  range: number;
  counter: number;
  logic: number;
}

export function decodePpk2Sample(word: number): Ppk2Sample {
  return {
    adc: word & 0x3fff,
    range: Math.min((word >>> 14) & 0x7, 4),
    counter: (word >>> 18) & 0x3f,
    logic: (word >>> 24) & 0xff,
  };
}

/** Current (A) of a sample under a calibration at supply `vddMv`. */
export function ppk2Current(s: Pick<Ppk2Sample, 'adc' | 'range'>, cal: Ppk2Calibration, vddMv: number): number {
  const r = s.range;
  const x = (s.adc * 4 - cal.o[r]!) * (PPK2_ADC_MULT / cal.r[r]!);
  return cal.ug[r]! * (x * (cal.gs[r]! * x + cal.gi[r]!) + (cal.s[r]! * (vddMv / 1000) + cal.i[r]!));
}

export class Ppk2Meter implements PowerMeter {
  readonly kind = 'ppk2' as const;
  calibration: Ppk2Calibration = defaultPpk2Calibration();
  private info: MeterInfo | undefined;
  private running = false;

  constructor(private readonly t: Transport) {}

  get port(): string {
    return this.t.path;
  }

  async connect(timeoutMs = 3000): Promise<MeterInfo> {
    if (!this.t.isOpen) await this.t.open();
    await this.t.write(Uint8Array.of(PPK2_CMD.AVERAGE_STOP));
    await drainInput(this.t);
    await this.t.write(Uint8Array.of(PPK2_CMD.GET_META_DATA));
    let text: string;
    try {
      text = new TextDecoder().decode(await this.t.readUntil(new TextEncoder().encode('END'), timeoutMs, 4096));
    } catch (e) {
      throw new TinymlError(
        'device',
        `no Power Profiler Kit II metadata from ${this.port} within ${timeoutMs} ms (${(e as Error).message})`,
        'Is this the PPK2\'s own port (USB ID 1915:c00a, the one next to the "USB DATA/POWER" label), not the target\'s?',
      );
    }
    // the line end after END (and anything else) must not shift the 4-byte sample framing
    await drainInput(this.t);
    this.calibration = parsePpk2Metadata(text);
    this.info = {
      kind: 'ppk2',
      port: this.port,
      description: `Nordic Power Profiler Kit II${this.calibration.hw ? ` (HW ${this.calibration.hw})` : ''}${this.calibration.calibrated === false ? ', uncalibrated' : ''}`,
      sampleRateHz: PPK2_SAMPLE_RATE_HZ,
    };
    return this.info;
  }

  async measure(o: MeasureOptions): Promise<MeterResult> {
    const info = this.info ?? (await this.connect());
    if (!(o.windows >= 1)) throw new TinymlError('usage', `need at least 1 window, got ${o.windows}`);
    const mV = Math.round(o.supplyV * 1000);
    if (mV < 800 || mV > 5000) throw new TinymlError('usage', `the PPK2 supplies 0.8–5.0 V; ${o.supplyV} V is out of range`);
    const bit = o.markerBit ?? 0;
    const dt = 1 / PPK2_SAMPLE_RATE_HZ;
    const integ = new WindowIntegrator(dt);
    const stall = new StallWatch(`PPK2 on ${this.port}`, o.stallTimeoutMs ?? 2000);
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);

    await this.t.write(Uint8Array.of(PPK2_CMD.SET_POWER_MODE, 2));
    await this.t.write(Uint8Array.from(regulatorBytes(mV)));
    await this.t.write(Uint8Array.of(PPK2_CMD.DEVICE_RUNNING_SET, 1));
    await drainInput(this.t);
    await this.t.write(Uint8Array.of(PPK2_CMD.AVERAGE_START));
    this.running = true;

    let bg: Promise<void> | undefined;
    let bgError: unknown;
    if (o.whileMeasuring) bg = o.whileMeasuring().catch((e) => void (bgError = e));

    let expected = -1;
    let rest = new Uint8Array(0);
    const state = (): string => `${integ.samples} samples, ${integ.windows.length} of ${o.windows} windows`;
    try {
      while (integ.windows.length < o.windows) {
        if (bgError) throw bgError;
        if (Date.now() > deadline) {
          throw new TinymlError(
            'device',
            `PPK2 on ${this.port}: only ${integ.windows.length} of ${o.windows} inference windows after ${o.timeoutMs ?? 60_000} ms (${state()})`,
            `Is the firmware driving the window marker on digital input D${bit}? (wire the marker GPIO to the PPK2's D${bit} pin)`,
          );
        }
        const chunk = await readSome(this.t, 4096, 50);
        if (!chunk.length) {
          stall.check(state());
          continue;
        }
        stall.fed();
        let buf: Uint8Array;
        if (rest.length) {
          buf = new Uint8Array(rest.length + chunk.length);
          buf.set(rest);
          buf.set(chunk, rest.length);
        } else buf = chunk;
        const n = buf.length >> 2;
        const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        for (let k = 0; k < n; k++) {
          const s = decodePpk2Sample(dv.getUint32(k * 4, true));
          if (expected >= 0 && s.counter !== expected) integ.lose((s.counter - expected) & 0x3f);
          expected = (s.counter + 1) & 0x3f;
          const amps = ppk2Current(s, this.calibration, mV);
          integ.push(amps * o.supplyV * dt, ((s.logic >> bit) & 1) === 1);
          if (integ.windows.length >= o.windows) break;
        }
        rest = buf.slice(n * 4);
        o.onProgress?.(Math.min(integ.windows.length, o.windows), o.windows);
      }
    } finally {
      await this.stop();
    }
    if (bg) await bg;
    if (bgError) throw bgError;
    return meterResult(info, o.supplyV, integ, `Nordic PPK2 on ${this.port}, median of {n} windows marked on D${bit}`, `Nordic PPK2 on ${this.port}, 10 µs samples`);
  }

  private async stop(): Promise<void> {
    if (!this.running || !this.t.isOpen) return;
    this.running = false;
    try {
      await this.t.write(Uint8Array.of(PPK2_CMD.AVERAGE_STOP));
      await drainInput(this.t);
    } catch {
      // the port may already be gone; close() reports nothing either
    }
  }

  async close(): Promise<void> {
    await this.stop();
    try {
      await this.t.close();
    } catch {
      // close never throws (contract)
    }
  }
}
