/**
 * Splits a sample stream into inference windows and integrates each, in steps:
 *
 * 1. Each sample carries the energy it represents (J) and whether the window marker is
 *    active at that sample (or the marker is toggled by events between samples).
 * 2. A window opens on an inactive→active transition and closes on active→inactive. The
 *    integrator must have seen the marker inactive once before it accepts a window, so a
 *    window already open when acquisition starts is never counted.
 * 3. Lost samples taint the window they fall in, including a window that opens right after
 *    a gap (its opening edge may be in the gap); tainted windows are counted as discarded,
 *    not returned.
 *
 * It does not interpolate: window edges fall on sample boundaries, so the window energy is
 * exact to one sample period at each edge (10 µs on the PPK2, 1 ms on the LPM01A at 1 kHz).
 */
import { figure } from '../figure.js';
import type { MeasuredWindow, MeterInfo, MeterResult } from './power-meter.js';

export class WindowIntegrator {
  readonly windows: MeasuredWindow[] = [];
  discarded = 0;
  lost = 0;
  samples = 0;
  private active = false;
  /** Whether the marker is active now (for event-driven streams). */
  get markerActive(): boolean {
    return this.active;
  }
  private armed = false;
  private tainted = false;
  /** Samples were lost since the last one pushed: an edge may hide in the gap. */
  private lossPending = false;
  private energy = 0;
  private count = 0;
  private start = 0;

  constructor(private readonly samplePeriodS: number) {}

  /** One sample: `energyJ` it represents, `marker` = is the window marker active. */
  push(energyJ: number, marker: boolean): void {
    this.setMarker(marker);
    this.lossPending = false;
    if (this.active) {
      this.energy += energyJ;
      this.count++;
    }
    this.samples++;
  }

  /** Marker edge reported between samples (LPM01A events): flips the marker state. */
  toggle(): void {
    this.setMarker(!this.active);
  }

  /** `n` samples were lost here: advance time, taint the open window. */
  lose(n: number): void {
    if (n <= 0) return;
    this.lost += n;
    this.samples += n;
    this.lossPending = true;
    if (this.active) this.tainted = true;
  }

  private setMarker(marker: boolean): void {
    if (marker === this.active) {
      if (!marker) this.armed = true;
      return;
    }
    if (marker) {
      this.active = true;
      this.energy = 0;
      this.count = 0;
      this.start = this.samples;
      // a window whose opening edge may lie in a gap has an unknown start
      this.tainted = !this.armed || this.lossPending;
    } else {
      this.active = false;
      if (this.tainted) {
        if (this.armed) this.discarded++;
      } else {
        this.windows.push({ energyJ: this.energy, durationS: this.count * this.samplePeriodS, startSample: this.start });
      }
      this.armed = true;
      this.tainted = false;
    }
  }
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The result every meter reports: the median energy and duration of the integrated windows,
 * tagged measured, with the meter's own description of how it sampled (`energySource`,
 * `durationSource`).
 */
export function meterResult(info: MeterInfo, supplyV: number, integ: WindowIntegrator, energySource: string, durationSource: string): MeterResult {
  const e = integ.windows.map((w) => w.energyJ);
  const d = integ.windows.map((w) => w.durationS);
  return {
    meter: info,
    supplyV,
    windows: integ.windows,
    energyJ: figure(median(e), 'J', 'measured', energySource.replace('{n}', String(e.length))),
    durationS: figure(median(d), 's', 'measured', durationSource),
    lostSamples: integ.lost,
    discardedWindows: integ.discarded,
    samples: integ.samples,
  };
}
