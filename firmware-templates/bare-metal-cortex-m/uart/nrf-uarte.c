/* nRF52840 UARTE (nRF52840 Product Specification v1.7 §6.34): EasyDMA only, so every byte goes
 * through a one-byte RAM buffer. RX is kept armed for one byte at a time; ENDRX says it landed. */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"

#define UARTE(off) (*(volatile uint32_t *)(TINYML_UART_BASE + (off)))
#define TASKS_STARTRX UARTE(0x000)
#define TASKS_STARTTX UARTE(0x008)
#define EVENTS_ENDRX UARTE(0x110)
#define EVENTS_ENDTX UARTE(0x120)
#define ENABLE UARTE(0x500)
#define PSEL_TXD UARTE(0x50C)
#define PSEL_RXD UARTE(0x514)
#define BAUDRATE UARTE(0x524)
#define RXD_PTR UARTE(0x534)
#define RXD_MAXCNT UARTE(0x538)
#define TXD_PTR UARTE(0x544)
#define TXD_MAXCNT UARTE(0x548)
#define CONFIG UARTE(0x56C)

static volatile uint8_t g_rx, g_tx;

void tinyml_uart_init(void) {
  PSEL_TXD = TINYML_UART_TX_PSEL;
  PSEL_RXD = TINYML_UART_RX_PSEL;
  BAUDRATE = TINYML_UART_BAUDRATE_REG;
  CONFIG = 0; /* no parity, one stop bit, no flow control */
  ENABLE = 8;
  RXD_PTR = (uint32_t)(uintptr_t)&g_rx;
  RXD_MAXCNT = 1;
  EVENTS_ENDRX = 0;
  TASKS_STARTRX = 1;
}

void tinyml_uart_putc(char c) {
  g_tx = (uint8_t)c;
  TXD_PTR = (uint32_t)(uintptr_t)&g_tx;
  TXD_MAXCNT = 1;
  EVENTS_ENDTX = 0;
  TASKS_STARTTX = 1;
  while (EVENTS_ENDTX == 0) {
  }
}

int tinyml_uart_getc(void) {
  int c;
  if (EVENTS_ENDRX == 0) return -1;
  c = g_rx;
  EVENTS_ENDRX = 0;
  TASKS_STARTRX = 1;
  return c;
}
