/**
 * The energy report as data: what one inference of a converted model costs on the
 * microcontroller next to the cloud. Renderers (json, markdown, html) turn this object into
 * text and compute nothing themselves; every number in it is a Figure with a provenance tag.
 */
import type { Figure } from '../energy/figure.js';
import type { CloudInferenceEnergy, NamedNumber } from '../energy/baselines.js';
import type { RadioUpload } from '../energy/radio.js';

export interface ReportBoard {
  id: string;
  name: string;
  core: string;
  clockHz: number;
  supplyV?: number;
  activeW?: Figure;
  sleepW?: Figure;
  wakeJ?: Figure;
  /** Active power from the published MLPerf Tiny row for this board (P = E × throughput). */
  calibratedActiveW?: Figure;
}

export interface DutyCyclePoint {
  ratePerS: number;
  averageW: Figure;
  batteryLifeS?: Figure;
}

export interface CarbonRow {
  region: NamedNumber;
  /** g CO2e per million inferences. */
  mcuG?: Figure;
  cloud: Array<{ id: string; name: string; batchedG: Figure; batch1G?: Figure; uploadG: Figure }>;
}

export interface MlperfTinyEntry {
  label: string;
  energyJ: Figure;
  throughput: number;
  isThisBoard: boolean;
}

export interface EnergyReport {
  schema: 'tinyml-energy-report/1';
  generatedAt: string;
  dir: string;
  model: {
    name: string;
    macs?: Figure;
    inputBytes?: number;
    weightBytes?: number;
    arenaBytes?: number;
    benchmark?: string;
  };
  board?: ReportBoard;
  cycles?: { perInference: Figure; perLayer?: Array<{ name: string; cycles: number }>; clockHz: number; cyclesPerMac?: Figure };
  mcu: {
    energyJ?: Figure;
    timeS?: Figure;
    /** Average power and battery life at the requested rate. */
    atRate?: DutyCyclePoint;
    /** The same at other rates, for the chart. */
    sweep: DutyCyclePoint[];
    battery?: { id: string; name: string; capacityMah: number; voltageV: number; source: string };
    ratePerS: number;
  };
  cloud: {
    pue: NamedNumber;
    network: NamedNumber;
    batch1ServiceTimeS: Figure;
    targets: CloudInferenceEnergy[];
  };
  /**
   * Device radio energy to send one raw input instead of inferring on the MCU, per radio with
   * a cited µJ/byte; radios without one are listed in `omitted`.
   */
  radio: { inputBytes: number; uploads: RadioUpload[]; omitted: Array<{ what: string; why: string }> };
  /** cloud ÷ MCU energy per inference, per target. */
  ratios: Array<{ id: string; name: string; batched: Figure; batch1?: Figure; totalBatched: Figure; totalBatch1?: Figure }>;
  carbon: { selectedRegion: string; rows: CarbonRow[] };
  mlperfTiny?: { benchmark: string; entries: MlperfTinyEntry[]; rank?: number };
  /** Things the reader must know: missing inputs, assumptions, omitted baselines. */
  notes: string[];
}
