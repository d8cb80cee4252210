/*
 * clock.c — bring the core from the reset clock to the board's rated clock.
 *
 * The steps are board data (boards/<id>.json "clockInit", emitted into board.h as
 * TINYML_CLOCK_STEPS with each step's reference-manual citation): register writes
 * (read-modify-write, then a read back so the write has reached the block before the next
 * step), waits on ready flags (PLLRDY, VOSRDY, SWS, the flash LATENCY read back) and short
 * delays. This file names no chip. A wait that never completes (no crystal, wrong supply
 * configuration) gives up after TINYML_CLOCK_POLLS reads: the remaining steps are skipped, so
 * the core stays on a clock it is known to run at, and main() reports the step on the UART.
 */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"

#ifndef TINYML_CLOCK_POLLS
#define TINYML_CLOCK_POLLS 2000000u
#endif

#ifdef TINYML_CLOCK_STEPS
struct clock_step {
  uint32_t kind; /* 0 write, 1 wait, 2 delay (value = cycles) */
  uint32_t addr, mask, value;
};
static const struct clock_step k_steps[] = {TINYML_CLOCK_STEPS};

int tinyml_clock_init(void) {
  unsigned i;
  for (i = 0; i < sizeof k_steps / sizeof k_steps[0]; i++) {
    const struct clock_step *s = &k_steps[i];
    volatile uint32_t *r = (volatile uint32_t *)s->addr;
    if (s->kind == 0u) {
      *r = (*r & ~s->mask) | s->value;
      (void)*r;
    } else if (s->kind == 1u) {
      uint32_t n = 0;
      while ((*r & s->mask) != s->value) {
        if (++n >= TINYML_CLOCK_POLLS) return (int)i;
      }
    } else {
      /* Each iteration is at least one cycle (a volatile store and a branch). */
      volatile uint32_t n;
      for (n = 0; n < s->value; n++) {
      }
    }
  }
  return -1;
}
#else
int tinyml_clock_init(void) { return -1; }
#endif
