/*
 * tinyml_port.h — what a platform provides to the device runtime.
 *
 * The runtime (tinyml_runtime.c) is portable C99: it never touches a register. Each firmware
 * template (bare-metal Cortex-M, Arduino, PlatformIO, host) implements these four functions.
 */
#ifndef TINYML_PORT_H
#define TINYML_PORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Send one byte to the host. May block until the UART accepts it. */
void tinyml_port_putc(char c);

/* A free-running counter in ticks of tinyml_port_cycle_hz(); 64-bit so it never wraps in a
 * benchmark. On Cortex-M: DWT CYCCNT (core cycles) where it counts, otherwise SysTick. */
uint64_t tinyml_port_cycles(void);

/* Frequency of tinyml_port_cycles() in Hz. */
uint32_t tinyml_port_cycle_hz(void);

/* Name of the counter, reported by `tinyml-info%`: "dwt", "systick", "micros", "clock_gettime". */
const char *tinyml_port_cycle_source(void);

#ifdef __cplusplus
}
#endif

#endif
