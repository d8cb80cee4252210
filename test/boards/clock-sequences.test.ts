/**
 * The STM32 boards' clock sequences (boards/<id>.json "clockInit") against the reference
 * manuals. The tables below are written from RM0432 (STM32L4+), RM0456 (STM32U5) and RM0455
 * (STM32H7A3/B3) and the register definitions of ST's CMSIS device headers (stm32l4r5xx.h,
 * stm32u575xx.h, stm32h7a3xx.h): register addresses, field positions, reset values, the PLL and
 * regulator limits and the flash wait-state tables. Nothing here is read from the board files.
 *
 * Each sequence runs on a small register model of its chip: writes land (or are lost when the
 * block's clock is off), ready flags follow their enables (PLLRDY, SWS, VOSRDY, BOOSTRDY,
 * ACTVOSRDY), and after every step the RM's constraints must hold for the clock the core runs at
 * that moment (wait states, voltage range / boost, PLL input and VCO ranges, bus limits). A wait
 * the hardware would never satisfy fails the test. At the end the core must run at the board's
 * clockHz and the UART's kernel clock must be the board's uart.clockHz.
 *
 * What this cannot check without silicon: oscillator start-up and PLL lock times, that the
 * bounded waits in clock.c are long enough, and the analog behaviour behind the ready flags.
 */
import { describe, expect, it } from 'vitest';
import type { BoardProfile, ClockStep } from '../../src/boards/board.js';
import { loadBoard } from '../../src/boards/load.js';
import { boardHeader } from '../../src/build/arm-project.js';

type Field = [reg: string, pos: number, width: number];

class Regs {
  private mem = new Map<number, number>();
  constructor(private readonly chip: Chip) {
    for (const [r, v] of Object.entries(chip.reset)) this.mem.set(chip.reg[r]!, v >>> 0);
  }
  word(addr: number): number {
    return this.mem.get(addr) ?? 0;
  }
  setWord(addr: number, v: number): void {
    this.mem.set(addr, v >>> 0);
  }
  f(name: string): number {
    const [reg, pos, width] = this.chip.field[name]!;
    return (this.word(this.chip.reg[reg]!) >>> pos) & ((2 ** width - 1) >>> 0);
  }
  setF(name: string, v: number): void {
    const [reg, pos, width] = this.chip.field[name]!;
    const a = this.chip.reg[reg]!;
    const m = ((2 ** width - 1) << pos) >>> 0;
    this.setWord(a, ((this.word(a) & ~m) | ((v << pos) & m)) >>> 0);
  }
}

interface Chip {
  board: string;
  reg: Record<string, number>;
  field: Record<string, Field>;
  /** Reset values of the registers the sequence touches (RM register descriptions). */
  reset: Record<string, number>;
  /** Is this address's block clocked (writes to an unclocked block are lost)? */
  clocked(r: Regs, addr: number): boolean;
  /** Hardware reaction after a write: ready flags follow their enables. */
  settle(r: Regs): void;
  sysclk(r: Regs): number;
  hclk(r: Regs): number;
  /** RM constraints broken in this state (empty when all hold). */
  violations(r: Regs): string[];
  uartKernelHz(r: Regs): number;
}

const AHB_DIV = (v: number) => (v < 8 ? 1 : [2, 4, 8, 16, 64, 128, 256, 512][v - 8]!);
const APB_DIV = (v: number) => (v < 4 ? 1 : [2, 4, 8, 16][v - 4]!);
/** Minimum wait states: the first row whose upper HCLK bound is ≥ hclk. */
const waitStates = (bounds: number[], hclk: number) => {
  const i = bounds.findIndex((b) => hclk <= b);
  return i < 0 ? Infinity : i;
};
const MHz = 1e6;

// ---- STM32L4R5 (RM0432; stm32l4r5xx.h) ----------------------------------------------------
const L4R5: Chip = {
  board: 'nucleo-l4r5zi',
  reg: {
    RCC_CR: 0x40021000, RCC_CFGR: 0x40021008, RCC_PLLCFGR: 0x4002100c, RCC_APB1ENR1: 0x40021058,
    PWR_CR1: 0x40007000, PWR_SR2: 0x40007014, PWR_CR5: 0x40007080, FLASH_ACR: 0x40022000,
  },
  field: {
    MSIRDY: ['RCC_CR', 1, 1], PLLON: ['RCC_CR', 24, 1], PLLRDY: ['RCC_CR', 25, 1],
    SW: ['RCC_CFGR', 0, 2], SWS: ['RCC_CFGR', 2, 2], HPRE: ['RCC_CFGR', 4, 4], PPRE1: ['RCC_CFGR', 8, 3], PPRE2: ['RCC_CFGR', 11, 3],
    PLLSRC: ['RCC_PLLCFGR', 0, 2], PLLM: ['RCC_PLLCFGR', 4, 4], PLLN: ['RCC_PLLCFGR', 8, 7], PLLREN: ['RCC_PLLCFGR', 24, 1], PLLR: ['RCC_PLLCFGR', 25, 2],
    PWREN: ['RCC_APB1ENR1', 28, 1], VOS: ['PWR_CR1', 9, 2], VOSF: ['PWR_SR2', 10, 1], R1MODE: ['PWR_CR5', 8, 1], LATENCY: ['FLASH_ACR', 0, 4],
  },
  // RCC_CR: MSION, MSIRDY, MSIRANGE 6 (4 MHz); PLLCFGR: PLLN = 16; PWR_CR1: VOS = 01; PWR_CR5: R1MODE = 1.
  reset: { RCC_CR: 0x00000063, RCC_CFGR: 0, RCC_PLLCFGR: 0x00001000, RCC_APB1ENR1: 0, PWR_CR1: 0x00000200, PWR_SR2: 0, PWR_CR5: 0x00000100, FLASH_ACR: 0x00000600 },
  clocked: (r, a) => (a >>> 12 !== 0x40007 ? true : r.f('PWREN') === 1),
  settle(r) {
    r.setF('PLLRDY', r.f('PLLON') && r.f('PLLSRC') === 1 ? 1 : 0);
    const sw = r.f('SW');
    if (sw === 0 || (sw === 3 && r.f('PLLRDY') && r.f('PLLREN'))) r.setF('SWS', sw);
    r.setF('VOSF', 0);
  },
  sysclk(r) {
    if (r.f('SWS') === 0) return 4 * MHz;
    if (r.f('SWS') !== 3) return NaN;
    return ((4 * MHz) / (r.f('PLLM') + 1)) * r.f('PLLN') / [2, 4, 6, 8][r.f('PLLR')]!;
  },
  hclk: (r) => L4R5.sysclk(r) / AHB_DIV(r.f('HPRE')),
  violations(r) {
    const v: string[] = [];
    const hclk = L4R5.hclk(r);
    const boost = r.f('VOS') === 1 && r.f('R1MODE') === 0;
    if (r.f('PLLON')) {
      const vin = (4 * MHz) / (r.f('PLLM') + 1);
      if (vin < 2.66 * MHz || vin > 8 * MHz) v.push(`PLL input ${vin / MHz} MHz outside 2.66–8 MHz`);
      const vco = vin * r.f('PLLN');
      if (vco < 64 * MHz || vco > 344 * MHz) v.push(`VCO ${vco / MHz} MHz outside 64–344 MHz`);
      if (r.f('PLLN') < 8) v.push('PLLN < 8');
    }
    if (hclk > 26 * MHz && r.f('VOS') !== 1) v.push(`HCLK ${hclk / MHz} MHz needs range 1`);
    if (hclk > 80 * MHz && !boost) v.push(`HCLK ${hclk / MHz} MHz needs range 1 boost mode (R1MODE = 0)`);
    const table = boost ? [20, 40, 60, 80, 100, 120] : r.f('VOS') === 1 ? [16, 32, 48, 64, 80] : [6, 12, 18, 26];
    const need = waitStates(table.map((x) => x * MHz), hclk);
    if (r.f('LATENCY') < need) v.push(`HCLK ${hclk / MHz} MHz needs ${need} wait states, LATENCY is ${r.f('LATENCY')}`);
    return v;
  },
  // LPUART1SEL = 00 (reset): PCLK1.
  uartKernelHz: (r) => L4R5.hclk(r) / APB_DIV(r.f('PPRE1')),
};

// ---- STM32U575 (RM0456; stm32u575xx.h, non-secure addresses) ------------------------------
const U575: Chip = {
  board: 'nucleo-u575zi-q',
  reg: {
    RCC_CR: 0x46020c00, RCC_CFGR1: 0x46020c1c, RCC_CFGR2: 0x46020c20, RCC_PLL1CFGR: 0x46020c28, RCC_PLL1DIVR: 0x46020c34, RCC_AHB3ENR: 0x46020c94,
    PWR_VOSR: 0x4602080c, FLASH_ACR: 0x40022000,
  },
  field: {
    PLL1ON: ['RCC_CR', 24, 1], PLL1RDY: ['RCC_CR', 25, 1], SW: ['RCC_CFGR1', 0, 2], SWS: ['RCC_CFGR1', 2, 2],
    HPRE: ['RCC_CFGR2', 0, 4], PPRE1: ['RCC_CFGR2', 4, 3], PPRE2: ['RCC_CFGR2', 8, 3],
    PLL1SRC: ['RCC_PLL1CFGR', 0, 2], PLL1RGE: ['RCC_PLL1CFGR', 2, 2], PLL1FRACEN: ['RCC_PLL1CFGR', 4, 1], PLL1M: ['RCC_PLL1CFGR', 8, 4], PLL1MBOOST: ['RCC_PLL1CFGR', 12, 4], PLL1REN: ['RCC_PLL1CFGR', 18, 1],
    PLL1N: ['RCC_PLL1DIVR', 0, 9], PLL1P: ['RCC_PLL1DIVR', 9, 7], PLL1Q: ['RCC_PLL1DIVR', 16, 7], PLL1R: ['RCC_PLL1DIVR', 24, 7],
    PWREN: ['RCC_AHB3ENR', 2, 1], BOOSTRDY: ['PWR_VOSR', 14, 1], VOSRDY: ['PWR_VOSR', 15, 1], VOS: ['PWR_VOSR', 16, 2], BOOSTEN: ['PWR_VOSR', 18, 1],
    LATENCY: ['FLASH_ACR', 0, 4],
  },
  // PWR_VOSR: range 4 (VOS = 00), VOSRDY = 1; PLL1DIVR reset 0x01010280 (N = 129, P = Q = R = 2); MSIS 4 MHz.
  reset: { RCC_CR: 0x00000035, RCC_CFGR1: 0, RCC_CFGR2: 0, RCC_PLL1CFGR: 0, RCC_PLL1DIVR: 0x01010280, RCC_AHB3ENR: 0, PWR_VOSR: 0x00008000, FLASH_ACR: 0 },
  clocked: (r, a) => (a >>> 12 !== 0x46020 || (a & 0xfff) >= 0xc00 ? true : r.f('PWREN') === 1),
  settle(r) {
    r.setF('VOSRDY', 1); // the regulator reaches the range it was given
    r.setF('BOOSTRDY', r.f('BOOSTEN') && r.f('PLL1SRC') !== 0 ? 1 : 0);
    r.setF('PLL1RDY', r.f('PLL1ON') && r.f('PLL1SRC') === 1 ? 1 : 0);
    const sw = r.f('SW');
    if (sw === 0 || (sw === 3 && r.f('PLL1RDY') && r.f('PLL1REN'))) r.setF('SWS', sw);
  },
  sysclk(r) {
    if (r.f('SWS') === 0) return 4 * MHz;
    if (r.f('SWS') !== 3) return NaN;
    return ((4 * MHz) / (r.f('PLL1M') + 1)) * (r.f('PLL1N') + 1) / (r.f('PLL1R') + 1);
  },
  hclk: (r) => U575.sysclk(r) / AHB_DIV(r.f('HPRE')),
  violations(r) {
    const v: string[] = [];
    const hclk = U575.hclk(r);
    if (r.f('PLL1ON')) {
      const vin = (4 * MHz) / (r.f('PLL1M') + 1);
      if (vin < 4 * MHz || vin > 16 * MHz) v.push(`PLL1 input ${vin / MHz} MHz outside 4–16 MHz`);
      if ((vin <= 8 * MHz ? 0 : 3) !== r.f('PLL1RGE')) v.push(`PLL1RGE ${r.f('PLL1RGE')} does not match a ${vin / MHz} MHz input`);
      const vco = vin * (r.f('PLL1N') + 1);
      if (vco < 128 * MHz || vco > 544 * MHz) v.push(`VCO ${vco / MHz} MHz outside 128–544 MHz`);
    }
    if (r.f('BOOSTEN')) {
      // EPOD booster clock: PLL1 source / PLL1MBOOST (0 = /1), 4–16 MHz, source selected first.
      const boost = r.f('PLL1SRC') === 1 ? (4 * MHz) / (r.f('PLL1MBOOST') === 0 ? 1 : 2 * r.f('PLL1MBOOST')) : 0;
      if (boost < 4 * MHz || boost > 16 * MHz) v.push(`EPOD booster clock ${boost / MHz} MHz outside 4–16 MHz`);
    }
    const vosMax = [24, 55, 110, 160][r.f('VOS')]! * MHz; // range 4, 3, 2, 1
    if (U575.sysclk(r) > vosMax) v.push(`SYSCLK ${U575.sysclk(r) / MHz} MHz above the range's ${vosMax / MHz} MHz`);
    if (U575.sysclk(r) > 55 * MHz && r.f('BOOSTRDY') !== 1) v.push('SYSCLK above 55 MHz without the EPOD booster');
    const table = [[12, 25], [24, 48, 55], [30, 60, 90, 110], [32, 64, 96, 128, 160]][r.f('VOS')]!; // range 4, 3, 2, 1
    const need = waitStates(table.map((x) => x * MHz), hclk);
    if (r.f('LATENCY') < need) v.push(`HCLK ${hclk / MHz} MHz needs ${need} wait states, LATENCY is ${r.f('LATENCY')}`);
    return v;
  },
  // USART1SEL = 00 (reset): PCLK2.
  uartKernelHz: (r) => U575.hclk(r) / APB_DIV(r.f('PPRE2')),
};

// ---- STM32H7A3 (RM0455; stm32h7a3xx.h) -----------------------------------------------------
const H7A3: Chip = {
  board: 'nucleo-h7a3zi-q',
  reg: {
    RCC_CR: 0x58024400, RCC_CFGR: 0x58024410, RCC_CDCFGR1: 0x58024418, RCC_CDCFGR2: 0x5802441c, RCC_SRDCFGR: 0x58024420,
    RCC_PLLCKSELR: 0x58024428, RCC_PLLCFGR: 0x5802442c, RCC_PLL1DIVR: 0x58024430,
    PWR_CSR1: 0x58024804, PWR_CR3: 0x5802480c, PWR_SRDCR: 0x58024818, FLASH_ACR: 0x52002000,
  },
  field: {
    HSIRDY: ['RCC_CR', 2, 1], PLL1ON: ['RCC_CR', 24, 1], PLL1RDY: ['RCC_CR', 25, 1],
    SW: ['RCC_CFGR', 0, 3], SWS: ['RCC_CFGR', 3, 3],
    HPRE: ['RCC_CDCFGR1', 0, 4], CDPPRE: ['RCC_CDCFGR1', 4, 3], CDCPRE: ['RCC_CDCFGR1', 8, 4],
    CDPPRE1: ['RCC_CDCFGR2', 4, 3], CDPPRE2: ['RCC_CDCFGR2', 8, 3], SRDPPRE: ['RCC_SRDCFGR', 4, 3],
    PLLSRC: ['RCC_PLLCKSELR', 0, 2], DIVM1: ['RCC_PLLCKSELR', 4, 6],
    PLL1FRACEN: ['RCC_PLLCFGR', 0, 1], PLL1VCOSEL: ['RCC_PLLCFGR', 1, 1], PLL1RGE: ['RCC_PLLCFGR', 2, 2], DIVP1EN: ['RCC_PLLCFGR', 16, 1],
    DIVN1: ['RCC_PLL1DIVR', 0, 9], DIVP1: ['RCC_PLL1DIVR', 9, 7], DIVQ1: ['RCC_PLL1DIVR', 16, 7], DIVR1: ['RCC_PLL1DIVR', 24, 7],
    BYPASS: ['PWR_CR3', 0, 1], LDOEN: ['PWR_CR3', 1, 1], SMPSEN: ['PWR_CR3', 2, 1], ACTVOSRDY: ['PWR_CSR1', 13, 1],
    VOSRDY: ['PWR_SRDCR', 13, 1], VOS: ['PWR_SRDCR', 14, 2], LATENCY: ['FLASH_ACR', 0, 4],
  },
  // RCC_CR: HSION, HSIRDY (64 MHz); PLLCKSELR: DIVM1..3 = 32; PLLCFGR: all DIVxEN set;
  // PLL1DIVR: N = 129, P = Q = R = 2; PWR_CR3: LDOEN | SMPSEN (the default before configuration);
  // SRDCR: VOS3; FLASH_ACR: 3 wait states.
  reset: {
    RCC_CR: 0x00000025, RCC_CFGR: 0, RCC_CDCFGR1: 0, RCC_CDCFGR2: 0, RCC_SRDCFGR: 0, RCC_PLLCKSELR: 0x02020200, RCC_PLLCFGR: 0x01ff0000, RCC_PLL1DIVR: 0x01010280,
    PWR_CSR1: 0x00002000, PWR_CR3: 0x00000006, PWR_SRDCR: 0x00002000, FLASH_ACR: 0x00000013,
  },
  clocked: () => true,
  settle(r) {
    // The supply configuration is accepted once: SMPS direct (SMPSEN only) or LDO.
    r.setF('ACTVOSRDY', 1);
    r.setF('VOSRDY', 1);
    r.setF('PLL1RDY', r.f('PLL1ON') && r.f('PLLSRC') === 0 ? 1 : 0);
    const sw = r.f('SW');
    if (sw === 0 || (sw === 3 && r.f('PLL1RDY') && r.f('DIVP1EN'))) r.setF('SWS', sw);
  },
  sysclk(r) {
    if (r.f('SWS') === 0) return 64 * MHz;
    if (r.f('SWS') !== 3) return NaN;
    return ((64 * MHz) / r.f('DIVM1')) * (r.f('DIVN1') + 1) / (r.f('DIVP1') + 1);
  },
  hclk: (r) => H7A3.sysclk(r) / AHB_DIV(r.f('CDCPRE')) / AHB_DIV(r.f('HPRE')),
  violations(r) {
    const v: string[] = [];
    const cpu = H7A3.sysclk(r) / AHB_DIV(r.f('CDCPRE'));
    const hclk = H7A3.hclk(r);
    const supply = r.word(H7A3.reg.PWR_CR3!) & 0x3f;
    if (r.f('VOS') === 3 && supply !== 0x04 && supply !== 0x02) v.push(`VOS0 with supply configuration 0x${supply.toString(16)} (needs SMPS direct or LDO)`);
    if (r.f('PLL1ON')) {
      const ref = (64 * MHz) / r.f('DIVM1');
      const [lo, hi] = [[1, 2], [2, 4], [4, 8], [8, 16]][r.f('PLL1RGE')]!;
      if (ref < lo! * MHz || ref > hi! * MHz) v.push(`PLL1 reference ${ref / MHz} MHz outside PLL1RGE's ${lo}–${hi} MHz`);
      const vco = ref * (r.f('DIVN1') + 1);
      const wide = r.f('PLL1VCOSEL') === 0;
      if (wide && ref < 2 * MHz) v.push('wide VCO needs a reference of at least 2 MHz');
      const [vlo, vhi] = wide ? [192, 836] : [150, 420];
      if (vco < vlo * MHz || vco > vhi * MHz) v.push(`VCO ${vco / MHz} MHz outside ${vlo}–${vhi} MHz`);
      if (r.f('DIVP1') % 2 === 0 && r.f('DIVP1') !== 0) v.push('PLL1 P must divide by an even number (or 1)');
    }
    const vosMax = [88, 160, 225, 280][r.f('VOS')]! * MHz; // VOS3, VOS2, VOS1, VOS0
    if (cpu > vosMax) v.push(`CPU ${cpu / MHz} MHz above VOS's ${vosMax / MHz} MHz`);
    if (hclk > 280 * MHz) v.push('HCLK above 280 MHz');
    for (const [f, name] of [['CDPPRE', 'APB3'], ['CDPPRE1', 'APB1'], ['CDPPRE2', 'APB2'], ['SRDPPRE', 'APB4']] as const) {
      if (hclk / APB_DIV(r.f(f)) > 140 * MHz) v.push(`${name} ${hclk / APB_DIV(r.f(f)) / MHz} MHz above 140 MHz`);
    }
    const table = [[22, 44, 66, 88], [34, 68, 102, 136, 160], [42, 84, 126, 168, 210, 225], [42, 84, 126, 168, 210, 252, 280]][r.f('VOS')]!;
    const need = waitStates(table.map((x) => x * MHz), hclk);
    if (r.f('LATENCY') < need) v.push(`HCLK ${hclk / MHz} MHz needs ${need} wait states, LATENCY is ${r.f('LATENCY')}`);
    return v;
  },
  // USART234578SEL = 000 (reset): rcc_pclk1.
  uartKernelHz: (r) => H7A3.hclk(r) / APB_DIV(r.f('CDPPRE1')),
};

interface RunResult {
  regs: Regs;
  problems: string[];
  /** SYSCLK and HCLK over time, one entry per step. */
  sysclk: number[];
  hclk: number[];
}

function runSequence(chip: Chip, steps: ClockStep[]): RunResult {
  const regs = new Regs(chip);
  const problems: string[] = [];
  const hclk: number[] = [];
  const sysclk: number[] = [];
  steps.forEach((s, i) => {
    const where = `step ${i} (${s.why.slice(0, 60)}…)`;
    if (s.op === 'delay') {
      hclk.push(chip.hclk(regs));
      sysclk.push(chip.sysclk(regs));
      return;
    }
    if (!Object.values(chip.reg).includes(s.addr)) problems.push(`${where}: 0x${s.addr.toString(16)} is not a register of this sequence's table`);
    if (s.op === 'wait') {
      if ((regs.word(s.addr) & s.mask) >>> 0 !== s.value >>> 0) problems.push(`${where}: waits for a value the hardware never reaches`);
    } else if (chip.clocked(regs, s.addr)) {
      regs.setWord(s.addr, (regs.word(s.addr) & ~s.mask) | s.value);
      chip.settle(regs);
    } else {
      problems.push(`${where}: write to an unclocked block is lost`);
    }
    for (const p of chip.violations(regs)) problems.push(`${where}: ${p}`);
    hclk.push(chip.hclk(regs));
    sysclk.push(chip.sysclk(regs));
  });
  return { regs, problems, sysclk, hclk };
}

/**
 * The switch above `above` Hz: HCLK at the step where SYSCLK first exceeds it, and the delay
 * cycles spent before HCLK itself exceeds it (the AHB prescaler back at /1).
 */
function transition(steps: ClockStep[], r: RunResult, above: number): { hclkAtSwitch: number; cycles: number } | null {
  const i = r.sysclk.findIndex((f) => f > above);
  if (i < 0) return null;
  let cycles = 0;
  for (let j = i + 1; j < steps.length && r.hclk[j]! <= above; j++) {
    const s = steps[j]!;
    if (s.op === 'delay') cycles += s.cycles;
  }
  return { hclkAtSwitch: r.hclk[i]!, cycles };
}

const CHIPS: { chip: Chip; rated: number; transitionAbove?: number }[] = [
  { chip: L4R5, rated: 120 * MHz, transitionAbove: 80 * MHz },
  { chip: U575, rated: 160 * MHz, transitionAbove: 80 * MHz },
  { chip: H7A3, rated: 280 * MHz },
];

describe('STM32 clock sequences against the reference manuals', () => {
  for (const { chip, rated, transitionAbove } of CHIPS) {
    describe(chip.board, () => {
      const board: BoardProfile = loadBoard(chip.board);
      const steps = board.clockInit ?? [];

      it('reaches the rated clock with every RM constraint holding after every step', () => {
        expect(steps.length).toBeGreaterThan(5);
        const r = runSequence(chip, steps);
        expect(r.problems).toEqual([]);
        expect(chip.sysclk(r.regs)).toBe(rated);
        expect(chip.hclk(r.regs)).toBe(rated);
        expect(board.clockHz).toBe(rated);
        expect(board.firmwareClockHz ?? board.clockHz).toBe(board.clockHz);
        expect(board.uart.clockHz).toBe(chip.uartKernelHz(r.regs));
      });

      it('every step cites the reference manual', () => {
        const rm = { 'nucleo-l4r5zi': 'RM0432', 'nucleo-u575zi-q': 'RM0456', 'nucleo-h7a3zi-q': 'RM0455' }[chip.board]!;
        for (const s of steps.filter((x) => x.op !== 'delay')) expect(s.why, s.why).toContain(rm);
        expect(board.sources?.clockInit).toContain(rm);
      });

      if (transitionAbove) {
        it('goes above 80 MHz with the AHB prescaler at /2 and waits at least 1 µs before /1', () => {
          const d = transition(steps, runSequence(chip, steps), transitionAbove);
          expect(d).not.toBeNull();
          expect(d!.hclkAtSwitch).toBe(rated / 2);
          expect(d!.cycles).toBeGreaterThanOrEqual(d!.hclkAtSwitch / 1e6);
        });
      }

      it('the UART divisor in board.h is computed at the rated clock', () => {
        const h = boardHeader(board);
        const brr = Number(/#define TINYML_UART_BRR (\d+)u/.exec(h)![1]);
        const kernel = chip.uartKernelHz(runSequence(chip, steps).regs);
        expect(brr).toBe(board.uart.lowPower ? Math.round((256 * kernel) / board.uart.baud) : Math.round(kernel / board.uart.baud));
        expect(h).toContain(`#define TINYML_CPU_HZ ${rated}u`);
        expect(h.match(/\{[012]u, /g)!.length).toBe(steps.length);
      });

      it('the checker catches a broken sequence: one wait state short, or the PLL switch without its ready wait', () => {
        const fewerWs = steps.map((s) =>
          s.op !== 'delay' && s.addr === chip.reg.FLASH_ACR ? { ...s, value: s.value - 1 } : s,
        );
        expect(runSequence(chip, fewerWs).problems.join('\n')).toMatch(/wait states|never reaches/);
        const noPll = steps.filter((s) => !(s.op !== 'delay' && s.op !== 'wait' && s.addr === chip.reg.RCC_CR));
        expect(runSequence(chip, noPll).problems.length).toBeGreaterThan(0);
      });
    });
  }

  it('the L4R5 sequence fails without the PWR clock (its PWR writes would be lost)', () => {
    const steps = loadBoard('nucleo-l4r5zi').clockInit!.filter((s) => !(s.op !== 'delay' && s.addr === L4R5.reg.RCC_APB1ENR1));
    expect(runSequence(L4R5, steps).problems.join('\n')).toMatch(/unclocked|boost/);
  });
});
