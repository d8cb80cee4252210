/* STM32 USART/LPUART in its two register layouts:
 * - "isr" (default), shared by the L4, U5 and H7 families (RM0432 §50, RM0456 §67, RM0455 §53):
 *   CR1 0x00 (UE bit 0), BRR 0x0C, ISR 0x1C, ICR 0x20, RDR 0x24, TDR 0x28;
 * - "sr" (TINYML_UART_LAYOUT_SR, the F1/F2/F4 families, RM0090 §30.6): SR 0x00, DR 0x04 (read
 *   = receive, write = transmit), BRR 0x08, CR1 0x0C (UE bit 13).
 * The status bits are the same in both: TXE 7, RXNE 5, ORE 3; TE and RE are CR1 bits 3 and 2.
 * Clock gating and pin muxing differ per chip: they come from the board file as a list of
 * read-modify-write register operations (TINYML_UART_INIT_OPS in board.h), so this file names
 * no chip. BRR is computed by the project generator from the UART's kernel clock. */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"

#define UART(off) (*(volatile uint32_t *)(TINYML_UART_BASE + (off)))
#ifdef TINYML_UART_LAYOUT_SR
#define ISR UART(0x00)
#define RDR UART(0x04)
#define TDR UART(0x04)
#define BRR UART(0x08)
#define CR1 UART(0x0C)
#define CR1_UE (1u << 13)
#else
#define CR1 UART(0x00)
#define BRR UART(0x0C)
#define ISR UART(0x1C)
#define RDR UART(0x24)
#define TDR UART(0x28)
#define CR1_UE 1u
#endif

struct init_op {
  uint32_t addr, mask, value;
};
static const struct init_op k_ops[] = {TINYML_UART_INIT_OPS};

void tinyml_uart_init(void) {
  unsigned i;
  for (i = 0; i < sizeof k_ops / sizeof k_ops[0]; i++) {
    volatile uint32_t *r = (volatile uint32_t *)k_ops[i].addr;
    *r = (*r & ~k_ops[i].mask) | k_ops[i].value;
    (void)*r; /* read back: the clock must be running before the next write reaches the block */
  }
  CR1 = 0;
  BRR = TINYML_UART_BRR;
  CR1 = (1u << 3) | (1u << 2) | CR1_UE; /* TE | RE | UE */
}

void tinyml_uart_putc(char c) {
  while ((ISR & (1u << 7)) == 0) { /* TXE */
  }
  TDR = (uint8_t)c;
}

int tinyml_uart_getc(void) {
#ifdef TINYML_UART_LAYOUT_SR
  /* ORE clears by reading SR then DR; reading DR is also how a byte is taken. */
  return (ISR & ((1u << 5) | (1u << 3))) ? (int)(RDR & 0xFFu) : -1;
#else
  if (ISR & (1u << 3)) UART(0x20) = 1u << 3; /* ORE: clear through ICR or RX stops */
  return (ISR & (1u << 5)) ? (int)(RDR & 0xFFu) : -1;
#endif
}
