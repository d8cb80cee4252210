/**
 * A microcontroller's energy from its board power model, in three steps:
 *
 * 1. Energy per inference = active power × inference time, where inference time =
 *    cycles ÷ clock. The cycles come from the device (on-chip cycle counter → `estimated`),
 *    from an emulator (`emulated`), or from MACs × a cycles-per-MAC figure (`estimated`).
 *    A meter's integrated energy (`measured`) replaces this product when present.
 * 2. Average power at a duty cycle of N inferences per second: in each second the part is
 *    active for N × t_inf, asleep for the rest, and pays the wake-up energy N times:
 *      P_avg = N·E_inf + (1 − N·t_inf)·P_sleep + N·E_wake
 *    (valid while N·t_inf ≤ 1; beyond that the part cannot keep up and we say so).
 * 3. Battery life = usable battery energy ÷ P_avg, with the battery energy = mAh × V.
 *
 * What this does not promise: active power is one number for the whole inference (real
 * current varies layer by layer and with flash wait states); sleep power is the board's
 * figure, not a measured one; battery capacity is the nominal capacity at the datasheet's
 * test load — self-discharge, temperature and the converter's efficiency are not modelled.
 */
import { TinymlError } from '../errors.js';
import type { PowerModel } from '../boards/board.js';
import { combineProvenance, figure, type Figure, type Provenance } from './figure.js';

/** Where a cycle count came from. */
export type CyclesProvenance = 'measured' | 'emulated' | 'estimated';

export interface CycleCount {
  cycles: number;
  clockHz: number;
  provenance: CyclesProvenance;
  source?: string;
}

function cite(power: PowerModel): string {
  return power.sources.map((s) => `${s.what} — ${s.source}`).join('; ');
}

/** Inference time (s) from a cycle count. */
export function inferenceTime(c: CycleCount): Figure {
  if (!(c.cycles > 0) || !(c.clockHz > 0)) {
    throw new TinymlError('input', `cycle count ${c.cycles} at ${c.clockHz} Hz is not a usable inference time`);
  }
  const p: Provenance = c.provenance === 'measured' ? 'estimated' : c.provenance;
  return figure(c.cycles / c.clockHz, 's', p, c.source, `${c.cycles} cycles ÷ ${c.clockHz} Hz`);
}

/**
 * Energy (J) of one inference: activeW × cycles ÷ clockHz. On-device cycle counts give an
 * `estimated` figure (measured time × modelled power), emulated ones an `emulated` figure.
 */
export function energyPerInference(power: PowerModel, c: CycleCount): Figure {
  const t = inferenceTime(c);
  const p: Provenance = c.provenance === 'emulated' ? 'emulated' : 'estimated';
  return figure(
    power.activeW * t.value,
    'J',
    p,
    cite(power),
    `active power ${power.activeW} W × ${c.cycles} cycles ÷ ${c.clockHz} Hz`,
  );
}

export interface DutyCycleOptions {
  /** Inferences per second. */
  ratePerS: number;
  /** Energy of one inference (J) and how long it takes (s). */
  energyJ: Figure;
  timeS: Figure;
  power: PowerModel;
}

/** Average power (W) at `ratePerS` inferences per second with sleep in between. */
export function averagePower(o: DutyCycleOptions): Figure {
  if (!(o.ratePerS > 0)) throw new TinymlError('usage', `rate must be > 0 inferences/s, got ${o.ratePerS}`);
  const busy = o.ratePerS * o.timeS.value;
  if (busy > 1) {
    throw new TinymlError(
      'usage',
      `${o.ratePerS} inferences/s is more than the board can do: one inference takes ${(o.timeS.value * 1e3).toPrecision(4)} ms (${(1 / o.timeS.value).toPrecision(4)} inferences/s at most)`,
      'Lower --rate, or pick a faster board/clock.',
    );
  }
  const wake = o.power.wakeJ ?? 0;
  const w = o.ratePerS * o.energyJ.value + (1 - busy) * o.power.sleepW + o.ratePerS * wake;
  return figure(
    w,
    'W',
    combineProvenance(o.energyJ.provenance, o.timeS.provenance),
    cite(o.power),
    `${o.ratePerS}/s × ${o.energyJ.value.toPrecision(4)} J + (1 − ${busy.toPrecision(4)}) × sleep ${o.power.sleepW} W` +
      (wake ? ` + ${o.ratePerS}/s × wake ${wake} J` : ' (no wake-up energy in the board file)'),
  );
}

export interface Battery {
  id: string;
  name: string;
  capacityMah: number;
  voltageV: number;
  source: string;
  note?: string;
}

/** Battery energy (J) = mAh × 3.6 C/mAh × V. */
export function batteryEnergyJ(b: Battery): number {
  return b.capacityMah * 3.6 * b.voltageV;
}

/** Battery life (s) at an average power. */
export function batteryLife(b: Battery, avg: Figure): Figure {
  if (!(avg.value > 0)) throw new TinymlError('input', `average power must be > 0 W to compute battery life, got ${avg.value}`);
  return figure(
    batteryEnergyJ(b) / avg.value,
    's',
    combineProvenance(avg.provenance, 'published'),
    b.source,
    `${b.capacityMah} mAh × ${b.voltageV} V ÷ ${avg.value.toPrecision(4)} W (nominal capacity; self-discharge and converter losses not modelled)`,
  );
}
