/**
 * A bench power meter that supplies the target board and measures the energy of exactly
 * the inference, as MLPerf Tiny does: the firmware marks the inference window with a GPIO
 * edge that the meter records alongside its samples (the PPK2's digital inputs; the
 * LPM01A's D7 event line), and the host integrates the samples inside each window.
 *
 * Contract (every implementation; test/energy/meters.test.ts runs each against a simulator
 * speaking its protocol over a real pseudo-terminal):
 * - `connect()` identifies the meter and loads its calibration. It rejects with a
 *   `TinymlError('device')` naming the port when nothing answers like this meter within
 *   `timeoutMs`, never hangs.
 * - `measure()` powers the target at `supplyV`, starts acquisition, runs `whileMeasuring`
 *   (the bench command triggers inferences there) and collects until `windows` complete
 *   windows have been seen, then stops acquisition. A window is a whole low→high→low of the
 *   marker (a window already open when acquisition starts is ignored).
 * - Energy is integrated over the samples inside a window only; the result reports every
 *   window and their median (the MLPerf Tiny statistic).
 * - Lost samples (counter gaps, missing timestamps) are counted; a window that overlaps a
 *   gap is discarded, never silently integrated with a hole in it.
 * - If the meter stops streaming for `stallTimeoutMs`, `measure()` rejects with a
 *   `TinymlError('device')` that says how many samples and windows arrived before the stall.
 * - `close()` stops acquisition (if running), hands control back and closes the transport;
 *   it never throws and may be called twice.
 */
import type { Figure } from '../figure.js';

export type MeterKind = 'ppk2' | 'lpm01a';

export interface MeterInfo {
  kind: MeterKind;
  port: string;
  /** Human description: model, hardware/firmware revision if the meter reports one. */
  description: string;
  /** Samples per second of the stream the host integrates. */
  sampleRateHz: number;
}

export interface MeasureOptions {
  /** Voltage the meter supplies to the target (V). */
  supplyV: number;
  /** Number of complete inference windows to collect. */
  windows: number;
  /** Reject if the stream stops for this long (ms). Default 2000. */
  stallTimeoutMs?: number;
  /** Reject if `windows` windows have not been seen after this long (ms). Default 60000. */
  timeoutMs?: number;
  /** Runs after acquisition starts; the bench command triggers inferences here. */
  whileMeasuring?: () => Promise<void>;
  /** Which digital input marks the window (PPK2 logic bit 0–7). Default 0. */
  markerBit?: number;
  onProgress?: (windowsDone: number, windowsWanted: number) => void;
}

export interface MeasuredWindow {
  /** Energy inside the window (J). */
  energyJ: number;
  /** Window length (s). */
  durationS: number;
  /** Index of its first sample in the stream. */
  startSample: number;
}

export interface MeterResult {
  meter: MeterInfo;
  supplyV: number;
  windows: MeasuredWindow[];
  /** Median energy per window (J), provenance `measured`. */
  energyJ: Figure;
  /** Median window length (s). */
  durationS: Figure;
  /** Samples the counter/timestamps say were lost. */
  lostSamples: number;
  /** Windows dropped because they overlapped lost samples. */
  discardedWindows: number;
  samples: number;
}

export interface PowerMeter {
  readonly kind: MeterKind;
  readonly port: string;
  connect(timeoutMs?: number): Promise<MeterInfo>;
  measure(opts: MeasureOptions): Promise<MeterResult>;
  close(): Promise<void>;
}
