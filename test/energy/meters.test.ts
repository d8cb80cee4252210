import { afterEach, describe, expect, it } from 'vitest';
import { measureWithMeter, parseMeterSpec } from '../../src/energy/meters/index.js';
import { Lpm01aMeter, formatLpmValue, parseLpmValue } from '../../src/energy/meters/lpm01a.js';
import {
  decodePpk2Sample,
  parsePpk2Metadata,
  ppk2Current,
  regulatorBytes,
  regulatorMv,
  type Ppk2Calibration,
} from '../../src/energy/meters/ppk2.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { Lpm01aSim } from '../sim/lpm01a-sim.js';
import { encodeCurrent, metadataText, Ppk2Sim } from '../sim/ppk2-sim.js';
import { hasTool, openPtyPair, type PtyPair } from './pty.js';

// A kit whose calibration differs from Nordic's defaults by a few percent, so a client that
// ignored the metadata would integrate the wrong energy.
const CAL: Ppk2Calibration = {
  r: [1004.2, 98.73, 10.41, 0.961, 0.0452],
  gs: [0.05, 0.04, 0.03, 0.02, 0.01],
  gi: [1.013, 0.987, 1.021, 0.994, 1.006],
  o: [61.2, 48.7, 55.1, 40.3, 72.9],
  s: [2.1e-8, 1.4e-7, 1.1e-6, 9e-6, 2e-4],
  i: [-3e-9, 2e-8, -1e-7, 4e-6, -1e-4],
  ug: [1, 1.002, 0.998, 1, 1],
};

/** Periodic profile: `sleep` samples at 15 µA, then a window of `active` samples at currents[i % n]. */
function periodic(currents: number[], sleep: number, active: number) {
  const period = sleep + active;
  return {
    at(k: number) {
      const cyc = Math.floor(k / period);
      const ph = k % period;
      const on = ph >= sleep;
      return { amps: on ? currents[cyc % currents.length]! : 15e-6, on };
    },
  };
}

describe('PPK2 sample format and metadata', () => {
  it('decodes the 4-byte word: 14-bit ADC, range, 6-bit counter, logic', () => {
    const w = (0x2abc & 0x3fff) | (3 << 14) | (0x2d << 18) | (0xa5 << 24);
    expect(decodePpk2Sample(w >>> 0)).toEqual({ adc: 0x2abc, range: 3, counter: 0x2d, logic: 0xa5 });
  });
  it('parses per-range calibration from the metadata text', () => {
    const c = parsePpk2Metadata(metadataText(CAL));
    expect(c.r).toEqual(CAL.r);
    expect(c.gi).toEqual(CAL.gi);
    expect(c.o).toEqual(CAL.o);
    expect(c.s).toEqual(CAL.s);
    expect(c.hw).toBe('9173');
  });
  it('encodes the regulator voltage as Nordic clients do (800 mV = 3,32)', () => {
    expect(regulatorBytes(800)).toEqual([0x0d, 3, 32]);
    expect(regulatorBytes(3000)).toEqual([0x0d, 11, 184]);
    expect(regulatorMv(11, 184)).toBe(3000);
  });
  it('current decoding inverts the simulator encoding to ADC resolution', () => {
    for (const a of [2e-6, 3.3e-4, 4.2e-3, 0.061]) {
      const e = encodeCurrent(a, CAL, 3000);
      const back = ppk2Current(e, CAL, 3000);
      expect(Math.abs(back - a) / a).toBeLessThan(2e-3);
    }
  });
});

describe('LPM01A value format', () => {
  it('reads dddd±ee as the runner does', () => {
    expect(parseLpmValue('6409-07')).toBeCloseTo(6.409e-4, 15);
    expect(parseLpmValue('1234+02')).toBe(123400);
    expect(formatLpmValue(1.2604e-5)).toBe('1260-08');
    expect(Math.abs(parseLpmValue(formatLpmValue(3.1416e-3)) - 3.1416e-3) / 3.1416e-3).toBeLessThan(5e-4);
  });
  it('parses meter specs', () => {
    expect(parseMeterSpec('ppk2:/dev/ttyACM1')).toEqual({ kind: 'ppk2', port: '/dev/ttyACM1' });
    expect(() => parseMeterSpec('joulescope:/dev/x')).toThrow(/unknown meter/);
  });
});

const V = 3.0;
const currents = [4.0e-3, 4.1e-3, 4.2e-3, 6.0e-3, 4.05e-3];
const medianCurrent = [...currents].sort((a, b) => a - b)[2]!;

interface SimHandle {
  close(): Promise<void>;
}

/** One entry per PowerMeter implementation: the same contract suite runs against each. */
interface MeterCase {
  kind: 'ppk2' | 'lpm01a';
  /** Window length in samples and the sample period (s). */
  window: number;
  gap: number;
  periodS: number;
  start(device: string, o: { maxSamples?: number; mute?: boolean }): Promise<SimHandle>;
}

const CASES: MeterCase[] = [
  {
    kind: 'ppk2',
    window: 2000, // 20 ms at 10 µs/sample
    gap: 700,
    periodS: 1e-5,
    async start(device, o) {
      const p = periodic(currents, 700, 2000);
      const sim = new Ppk2Sim(device, { calibration: CAL, profile: { at: (k) => ({ amps: p.at(k).amps, logic: p.at(k).on ? 1 : 0 }) }, ...o });
      await sim.start();
      return sim;
    },
  },
  {
    kind: 'lpm01a',
    window: 250, // 250 ms at 1 ms/sample
    gap: 60,
    periodS: 1e-3,
    async start(device, o) {
      const p = periodic(currents, 60, 250);
      const sim = new Lpm01aSim(device, { profile: { at: (k) => ({ amps: p.at(k).amps, marker: p.at(k).on }) }, ...o });
      await sim.start();
      return sim;
    },
  },
];

describe.skipIf(!hasTool('socat'))('PowerMeter contract, every meter against its simulator over a pseudo-terminal', () => {
  let pty: PtyPair | undefined;
  let closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers) await c().catch(() => {});
    closers = [];
    pty?.close();
    pty = undefined;
  });

  describe.each(CASES)('$kind', (c) => {
    it('median window energy within 0.5% of the known profile; windows are exactly the marked samples', async () => {
      pty = await openPtyPair();
      const sim = await c.start(pty.device, {});
      closers.push(() => sim.close());
      let ran = false;
      const r = await measureWithMeter(`${c.kind}:${pty.host}`, {
        supplyV: V,
        windows: 5,
        stallTimeoutMs: 3000,
        timeoutMs: 30000,
        whileMeasuring: async () => void (ran = true),
      });
      const expected = medianCurrent * V * c.window * c.periodS;
      expect(ran).toBe(true);
      expect(r.windows).toHaveLength(5);
      expect(r.energyJ.provenance).toBe('measured');
      expect(Math.abs(r.energyJ.value - expected) / expected).toBeLessThan(0.005);
      expect(r.durationS.value).toBeCloseTo(c.window * c.periodS, 9);
      expect(r.lostSamples).toBe(0);
      // consecutive windows are one profile period apart
      expect(r.windows[1]!.startSample - r.windows[0]!.startSample).toBe(c.window + c.gap);
    });

    it('a meter that stops streaming gives a clear error within the stall timeout', async () => {
      pty = await openPtyPair();
      const stopAfter = 2 * (c.window + c.gap) + c.gap + 10; // two whole windows, then silence inside the third
      const sim = await c.start(pty.device, { maxSamples: stopAfter });
      closers.push(() => sim.close());
      const t0 = Date.now();
      const name = c.kind === 'ppk2' ? 'PPK2' : 'LPM01A';
      await expect(measureWithMeter(`${c.kind}:${pty.host}`, { supplyV: V, windows: 5, stallTimeoutMs: 600, timeoutMs: 30000 })).rejects.toThrow(
        new RegExp(`${name} on ${pty.host.replace(/[/.]/g, '\\$&')} stopped streaming: no data for \\d+ ms \\(${stopAfter} samples, 2 of 5 windows\\)`),
      );
      expect(Date.now() - t0).toBeLessThan(4000);
    });

    it('something that does not answer like this meter is named, not waited on forever', async () => {
      pty = await openPtyPair();
      const sim = await c.start(pty.device, { mute: true });
      closers.push(() => sim.close());
      const t0 = Date.now();
      await expect(measureWithMeter(`${c.kind}:${pty.host}`, { supplyV: V, connectTimeoutMs: 500 })).rejects.toThrow(new RegExp(`${pty.host.replace(/[/.]/g, '\\$&')} within 500 ms`));
      expect(Date.now() - t0).toBeLessThan(3000);
    });
  });

  it('PPK2: source-meter mode at the supply voltage and DUT power are set before streaming', async () => {
    pty = await openPtyPair();
    const p = periodic(currents, 700, 2000);
    const sim = new Ppk2Sim(pty.device, { calibration: CAL, profile: { at: (k) => ({ amps: p.at(k).amps, logic: p.at(k).on ? 1 : 0 }) } });
    await sim.start();
    closers.push(() => sim.close());
    await measureWithMeter(`ppk2:${pty.host}`, { supplyV: V, windows: 1, stallTimeoutMs: 3000, timeoutMs: 30000 });
    const cmds = sim.received.map((x) => x.map((b) => b.toString(16)).join(' '));
    expect(cmds).toContain('19');
    expect(cmds).toContain('11 2');
    expect(cmds).toContain('d b b8'); // 3000 mV
    expect(cmds).toContain('c 1');
    expect(cmds.indexOf('6')).toBeGreaterThan(cmds.indexOf('d b b8'));
    expect(cmds.lastIndexOf('7')).toBeGreaterThan(cmds.indexOf('6'));
  });

  it('PPK2: a counter gap is counted and the window it falls in is discarded', async () => {
    pty = await openPtyPair();
    const p = periodic(currents, 700, 2000);
    const period = 2700;
    // 13 samples missing in the middle of the second window
    const sim = new Ppk2Sim(pty.device, {
      calibration: CAL,
      profile: { at: (k) => ({ amps: p.at(k).amps, logic: p.at(k).on ? 1 : 0 }) },
      drops: [{ at: period + 700 + 500, count: 13 }],
    });
    await sim.start();
    closers.push(() => sim.close());
    const r = await measureWithMeter(`ppk2:${pty.host}`, { supplyV: V, windows: 5, stallTimeoutMs: 3000, timeoutMs: 30000 });
    expect(r.lostSamples).toBe(13);
    expect(r.discardedWindows).toBe(1);
    // windows 0,2,3,4,5 → currents 4.0, 4.2, 6.0, 4.05, 4.0 mA → median 4.05 mA
    const expected = 4.05e-3 * V * 2000 * 1e-5;
    expect(Math.abs(r.energyJ.value - expected) / expected).toBeLessThan(0.005);
    expect(r.windows.map((w) => w.startSample)).toEqual([700, 2 * period + 700, 3 * period + 700, 4 * period + 700, 5 * period + 700]);
  });

  it('LPM01A: set up as the MLPerf Tiny runner does, started, stopped and released', async () => {
    pty = await openPtyPair();
    const p = periodic(currents, 60, 250);
    const sim = new Lpm01aSim(pty.device, { profile: { at: (k) => ({ amps: p.at(k).amps, marker: p.at(k).on }) } });
    await sim.start();
    closers.push(() => sim.close());
    await measureWithMeter(`lpm01a:${pty.host}`, { supplyV: V, windows: 1, stallTimeoutMs: 3000, timeoutMs: 30000 });
    expect(sim.commands).toEqual(['htc', 'acqtime 0', 'trigsrc sw', 'eventsrc d7 fal', 'output energy', 'format ascii_dec', 'freq 1k', 'volt 3000m', 'pwr on', 'start', 'stop', 'hrc']);
  });

  it('LPM01A: a refused command surfaces the meter\'s error detail', async () => {
    pty = await openPtyPair();
    const sim = new Lpm01aSim(pty.device, { profile: { at: () => ({ amps: 0, marker: false }) } });
    await sim.start();
    closers.push(() => sim.close());
    const m = new Lpm01aMeter(new SerialPortTransport(pty.host, { baudRate: 3686400 }));
    closers.push(() => m.close());
    await m.connect(2000);
    await expect(m.command('volt 5000m')).rejects.toThrow(/refused "volt 5000m": value out of range/);
  });
});
