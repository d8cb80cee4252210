/**
 * `measureWithMeter(spec, opts)` — the entry point `tinyml bench … --meter <spec>` uses.
 *
 * spec: `ppk2:<port>` (Nordic Power Profiler Kit II) or `lpm01a:<port>` (ST X-NUCLEO-LPM01A),
 * e.g. `ppk2:/dev/ttyACM1`. The meter supplies the target at `supplyV` (default: the board
 * power model's supplyV, else 3.0 V), the bench command triggers inferences inside
 * `whileMeasuring`, and the result is the median energy of `windows` GPIO-marked inference
 * windows with provenance `measured`.
 *
 * Example (inside a bench command):
 *
 *   const r = await measureWithMeter('ppk2:/dev/ttyACM1', {
 *     supplyV: board.power?.supplyV ?? 3.0,
 *     windows: 5,
 *     whileMeasuring: () => device.infer(5),
 *     logger,
 *   });
 *   bench.energyJ = r.energyJ.value;   // J per inference, provenance 'measured'
 */
import { TinymlError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { SerialPortTransport } from '../../serial/serialport-transport.js';
import type { Transport } from '../../serial/transport.js';
import { Lpm01aMeter } from './lpm01a.js';
import type { MeasureOptions, MeterKind, MeterResult, PowerMeter } from './power-meter.js';
import { Ppk2Meter } from './ppk2.js';

export type { MeterResult, PowerMeter, MeasureOptions, MeterKind } from './power-meter.js';

export interface MeterSpec {
  kind: MeterKind;
  port: string;
}

export function parseMeterSpec(spec: string): MeterSpec {
  const m = /^(ppk2|lpm01a):(.+)$/i.exec(spec.trim());
  if (!m) {
    throw new TinymlError('usage', `unknown meter "${spec}"`, 'Use ppk2:<port> (Nordic Power Profiler Kit II) or lpm01a:<port> (ST X-NUCLEO-LPM01A), e.g. --meter ppk2:/dev/ttyACM1');
  }
  return { kind: m[1]!.toLowerCase() as MeterKind, port: m[2]! };
}

/** Serial settings each meter's USB port expects (CDC-ACM ignores baud; the LPM01A's VCP runs at 3686400). */
const BAUD: Record<MeterKind, number> = { ppk2: 115200, lpm01a: 3686400 };

export function createMeter(kind: MeterKind, t: Transport): PowerMeter {
  return kind === 'ppk2' ? new Ppk2Meter(t) : new Lpm01aMeter(t);
}

export interface MeasureWithMeterOptions extends Partial<Omit<MeasureOptions, 'supplyV'>> {
  supplyV?: number;
  logger?: Logger;
  /** Use this transport instead of opening the spec's port (tests, simulators). */
  transport?: Transport;
  connectTimeoutMs?: number;
}

export async function measureWithMeter(spec: string, opts: MeasureWithMeterOptions = {}): Promise<MeterResult> {
  const s = parseMeterSpec(spec);
  const t = opts.transport ?? new SerialPortTransport(s.port, { baudRate: BAUD[s.kind] });
  const meter = createMeter(s.kind, t);
  const log = opts.logger;
  try {
    const info = await meter.connect(opts.connectTimeoutMs);
    log?.info(`${info.description} on ${info.port}`);
    const m: MeasureOptions = { supplyV: opts.supplyV ?? 3.0, windows: opts.windows ?? 5 };
    if (opts.stallTimeoutMs !== undefined) m.stallTimeoutMs = opts.stallTimeoutMs;
    if (opts.timeoutMs !== undefined) m.timeoutMs = opts.timeoutMs;
    if (opts.whileMeasuring) m.whileMeasuring = opts.whileMeasuring;
    if (opts.markerBit !== undefined) m.markerBit = opts.markerBit;
    if (opts.onProgress) m.onProgress = opts.onProgress;
    const r = await meter.measure(m);
    if (r.lostSamples) log?.warn(`${r.lostSamples} samples lost; ${r.discardedWindows} window(s) overlapping the gaps were discarded`);
    log?.info(`median ${(r.energyJ.value * 1e6).toPrecision(4)} µJ over ${r.windows.length} windows (${(r.durationS.value * 1e3).toPrecision(4)} ms each)`);
    return r;
  } finally {
    await meter.close();
  }
}
