/* tinyml_bsp.h — the board support the bare-metal template provides: a polled UART (one
 * driver per UART kind, chosen by board.mk) and the cycle counter (cycles.c). */
#ifndef TINYML_BSP_H
#define TINYML_BSP_H
#include <stdint.h>

void tinyml_uart_init(void);
void tinyml_uart_putc(char c);
/* Next received byte, or -1 when none is waiting. */
int tinyml_uart_getc(void);

void tinyml_cycles_init(void);

/* Run the board's clock steps (clock.c); -1 when all completed, else the index of the wait
 * step that timed out. */
int tinyml_clock_init(void);

#endif
