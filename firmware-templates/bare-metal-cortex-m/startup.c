/*
 * startup.c — reset handler and vector table for Cortex-M3/M4/M7/M33, in C.
 *
 * Reset: copy .data from flash to RAM, zero .bss, enable the FPU when the build has one
 * (CPACR CP10/CP11 full access, ARMv7-M ARM B3.2.20), then call main(). The stack top comes
 * from the linker script generated from the board's memory map (linker.ld).
 * Faults print one `e-[…]` line with the faulting PC on the UART and stop: the host sees a
 * protocol error instead of silence.
 */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"
#include "tinyml_runtime.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __StackTop;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void);

__attribute__((noreturn)) void Reset_Handler(void) {
  uint32_t *src = &__data_load__, *dst = &__data_start__;
  while (dst < &__data_end__) *dst++ = *src++;
  for (dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
  __asm volatile("dsb\n\tisb");
#endif
  main();
  for (;;) {
  }
}

static void fault(const char *what) {
  uint32_t *sp;
  const char *p = "e-[";
  __asm volatile("mrs %0, msp" : "=r"(sp));
  while (*p) tinyml_uart_putc(*p++);
  while (*what) tinyml_uart_putc(*what++);
  p = " near pc ";
  while (*p) tinyml_uart_putc(*p++);
  /* sp[6] is the stacked PC when the fault came from thread mode on the main stack and the
   * handler has not pushed anything yet: good enough for a hint, not a backtrace. */
  tinyml_rt_put_hex32(sp[6]);
  p = "]\r\n";
  while (*p) tinyml_uart_putc(*p++);
  for (;;) {
  }
}

void HardFault_Handler(void) { fault("HardFault"); }
void Default_Handler(void) { fault("Unexpected interrupt"); }

typedef void (*vector_t)(void);

/* 16 system exceptions; external interrupts are not used (the UART is polled). */
__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16] = {
    (vector_t)(uintptr_t)&__StackTop,
    Reset_Handler,
    Default_Handler,   /* NMI */
    HardFault_Handler, /* HardFault */
    HardFault_Handler, /* MemManage */
    HardFault_Handler, /* BusFault */
    HardFault_Handler, /* UsageFault */
    HardFault_Handler, /* SecureFault (ARMv8-M) */
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
};
