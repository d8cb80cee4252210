/**
 * A board is data: `boards/<id>.json`, validated against `boards/board.schema.json`.
 * Adding a board is adding a file; no code names a board.
 */

export type Core =
  | 'cortex-m0plus'
  | 'cortex-m3'
  | 'cortex-m4f'
  | 'cortex-m7'
  | 'cortex-m33'
  | 'xtensa-lx7'
  | 'avr'
  | 'host';

export interface MemoryRegion {
  origin: number;
  /** bytes */
  length: number;
}

export interface Citation {
  /** What the figure is (e.g. "run-mode current at 120 MHz, SMPS, Table 27"). */
  what: string;
  /** Document and where in it (datasheet number + section/table, or results file path). */
  source: string;
  url?: string;
}

export interface PowerModel {
  /** Supply voltage the figures refer to (V). */
  supplyV: number;
  /** Active (running inference) power at `clockHz` (W). */
  activeW: number;
  /** Sleep/standby power between inferences (W). */
  sleepW: number;
  /** Energy to wake and get ready for an inference (J), if known. */
  wakeJ?: number;
  /** Where each number comes from. Every power model has at least one source. */
  sources: Citation[];
}

/**
 * One step of a board's clock bring-up (boards/<id>.json "clockInit"), run in order by the
 * bare-metal template before the UART starts. `write`: read-modify-write of `mask` to `value`;
 * `wait`: poll until (*addr & mask) == value (ready flags); `delay`: at least `cycles` core cycles.
 */
export type ClockStep =
  | { op?: 'write' | 'wait'; addr: number; mask: number; value: number; why: string }
  | { op: 'delay'; cycles: number; why: string };

export interface BoardProfile {
  id: string;
  name: string;
  core: Core;
  /** CPU clock the firmware runs at (Hz). */
  clockHz: number;
  /**
   * Core clock the bare-metal template really runs at when it leaves the reset clock tree alone
   * (no PLL setup), if different from clockHz (which the power model and published figures use).
   */
  firmwareClockHz?: number;
  /** Register steps that bring the core from the reset clock to clockHz (PLL, flash wait states, voltage scaling), with citations. */
  clockInit?: ClockStep[];
  memory: { flash: MemoryRegion; ram: MemoryRegion };
  uart: {
    kind: 'cmsdk' | 'stm32-usart' | 'nrf-uarte' | 'rp2040-pl011' | 'esp32-uart' | 'avr-usart' | 'stdio';
    base?: number;
    baud: number;
    pins?: { tx: string; rx: string };
    /** Kernel clock of the UART as the firmware leaves it (Hz). */
    clockHz?: number;
    /** STM32 LPUART (BRR = 256 * clock / baud). */
    lowPower?: boolean;
    /** nRF UARTE pin selects (pin | port << 5) and BAUDRATE register value. */
    psel?: { tx: number; rx: number; baudrateReg: number };
    /** stm32-usart register layout: 'isr' (L4/U5/H7, default) or 'sr' (F1/F2/F4). */
    layout?: 'isr' | 'sr';
    /** Read-modify-write register operations (clock gates, pin muxing) run before the UART starts. */
    init?: { addr: number; mask: number; value: number; why: string }[];
  };
  template: 'host' | 'bare-metal-cortex-m' | 'arduino' | 'platformio';
  toolchain: { cc: string; cflags: string[]; ldflags?: string[]; platformioBoard?: string; platformioPlatform?: string; arduinoFqbn?: string };
  /** Kernel directory under firmware-templates/kernels/ (must exist; checked on load). */
  kernels: 'reference' | 'cortex-m' | (string & {});
  flash: {
    protocol: 'none' | 'stm32-an3155' | 'stk500v1' | 'esp-rom' | 'uf2' | 'sam-ba' | 'tinyml-boot';
    /** esptool-style reset sequence, e.g. "D0|R1|W100|D1|R0|W50|D0"; B<baud> = open and close at that baud (1200-baud touch). */
    resetSequence?: string;
    baud?: number;
    /** STM32 product ID (AN2606), AVR signature, ESP chip magic, UF2 family ID. */
    chipId?: string;
    uf2FamilyId?: string;
    notes?: string;
  };
  /** For emulated boards: how QEMU runs it. */
  emulator?: { qemuMachine: string; cpu?: string };
  power?: PowerModel;
  /** A published whole-board measurement during inference (e.g. MLPerf Tiny median power): the calibration point. */
  measuredPower?: { activeW: number; what: string; source: string };
  /** Where each number in the file comes from, keyed by field path. Required for every board but `host`. */
  sources?: Record<string, string>;
}
