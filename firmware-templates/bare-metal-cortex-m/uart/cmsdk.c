/* CMSDK APB UART (ARM DDI 0479, Cortex-M System Design Kit TRM §4.3), as on the MPS2 FPGA
 * images. The UART transmits nothing until BAUDDIV is set, and BAUDDIV must be >= 16. */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"

#define UART(off) (*(volatile uint32_t *)(TINYML_UART_BASE + (off)))
#define DATA UART(0x00)
#define STATE UART(0x04) /* bit0 TX full, bit1 RX full */
#define CTRL UART(0x08)  /* bit0 TX enable, bit1 RX enable */
#define BAUDDIV UART(0x10)

#if (TINYML_UART_CLOCK_HZ / TINYML_UART_BAUD) < 16
#error "CMSDK UART: BAUDDIV = clock / baud must be >= 16"
#endif

void tinyml_uart_init(void) {
  BAUDDIV = TINYML_UART_CLOCK_HZ / TINYML_UART_BAUD;
  CTRL = 3u;
}

void tinyml_uart_putc(char c) {
  while (STATE & 1u) {
  }
  DATA = (uint8_t)c;
}

int tinyml_uart_getc(void) { return (STATE & 2u) ? (int)(DATA & 0xFFu) : -1; }
