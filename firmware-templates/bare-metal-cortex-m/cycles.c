/*
 * cycles.c — a 64-bit cycle counter: DWT CYCCNT where it counts, SysTick otherwise.
 *
 * 1. If DWT_CTRL.NOCYCCNT is clear, enable trace (DEMCR.TRCENA) and CYCCNT, spin briefly, and
 *    keep DWT if CYCCNT moved. QEMU implements the DWT registers' existence but CYCCNT reads 0,
 *    and the Cortex-M0+ has no CYCCNT: both fall through to step 2.
 * 2. SysTick on the processor clock (CLKSOURCE=1), reload 2^24-1, its interrupt adds 2^24.
 * Both tick at TINYML_CPU_HZ. The 32-bit CYCCNT is widened in software, which holds as long as
 * tinyml_port_cycles() is called at least once per 2^32 cycles (15 s at 280 MHz).
 * Under QEMU with -icount shift=0 one instruction takes 1 ns of virtual time, so SysTick ticks
 * are instructions / (1e9 / TINYML_CPU_HZ): repeatable, but emulated, not silicon cycles.
 */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"
#include "tinyml_port.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define DEMCR REG(0xE000EDFCu)
#define DWT_CTRL REG(0xE0001000u)
#define DWT_CYCCNT REG(0xE0001004u)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

static int g_use_dwt;
static volatile uint64_t g_systick_high;
static uint64_t g_dwt_high;
static uint32_t g_dwt_last;

void SysTick_Handler(void) { g_systick_high += 1u << 24; }

void tinyml_cycles_init(void) {
  g_use_dwt = 0;
  if ((DWT_CTRL & (1u << 25)) == 0) {
    volatile int i;
    DEMCR |= 1u << 24;
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;
    for (i = 0; i < 64; i++) {
    }
    g_use_dwt = DWT_CYCCNT != 0;
  }
  if (!g_use_dwt) {
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
  }
}

uint64_t tinyml_port_cycles(void) {
  if (g_use_dwt) {
    uint32_t now = DWT_CYCCNT;
    if (now < g_dwt_last) g_dwt_high += 1ull << 32;
    g_dwt_last = now;
    return g_dwt_high | now;
  } else {
    uint64_t hi;
    uint32_t cur;
    do {
      hi = g_systick_high;
      cur = SYST_CVR;
    } while (hi != g_systick_high);
    return hi + (0x00FFFFFFu - cur);
  }
}

uint32_t tinyml_port_cycle_hz(void) { return TINYML_CPU_HZ; }

const char *tinyml_port_cycle_source(void) { return g_use_dwt ? "dwt" : "systick"; }
