/* main.c — bring the core to its rated clock, bring up the UART and the cycle counter, then
 * serve the runtime protocol forever. */
#include "tinyml_bsp.h"
#include "tinyml_port.h"
#include "tinyml_runtime.h"

void tinyml_port_putc(char c) { tinyml_uart_putc(c); }

static void put_str(const char *s) {
  while (*s) tinyml_uart_putc(*s++);
}

int main(void) {
  int clock_fail = tinyml_clock_init();
  tinyml_uart_init();
  if (clock_fail >= 0) {
    /* The baud rate assumes the rated clock, so this line may arrive garbled; it is still
     * more than silence. */
    put_str("e-[clock step ");
    tinyml_uart_putc((char)('0' + clock_fail / 10 % 10));
    tinyml_uart_putc((char)('0' + clock_fail % 10));
    put_str(" did not complete: running on the reset clock]\r\n");
  }
  tinyml_cycles_init();
  tinyml_rt_init();
  for (;;) {
    int c = tinyml_uart_getc();
    if (c >= 0)
      tinyml_rt_rx((uint8_t)c);
    else
      tinyml_rt_poll();
  }
}
