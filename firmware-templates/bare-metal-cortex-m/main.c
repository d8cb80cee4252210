/* main.c — bring up the UART and the cycle counter, then serve the runtime protocol forever. */
#include "tinyml_bsp.h"
#include "tinyml_port.h"
#include "tinyml_runtime.h"

void tinyml_port_putc(char c) { tinyml_uart_putc(c); }

int main(void) {
  tinyml_uart_init();
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
