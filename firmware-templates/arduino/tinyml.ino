/*
 * tinyml firmware for Arduino cores: the device runtime protocol (MLPerf Tiny DUT commands +
 * tinyml extensions, see src/tinyml_runtime.h) on Serial, around the generated model.
 * `tinyml build` lays the sketch out as sketch/tinyml/{tinyml.ino, src/...}: model.c, model.h,
 * the kernels and the runtime are copied into src/ unchanged.
 * Timing uses micros(): 1 MHz ticks, widened to 64 bits (call at least once per 71 minutes).
 */
#include <Arduino.h>

extern "C" {
#include "src/board.h"
#include "src/tinyml_port.h"
#include "src/tinyml_runtime.h"
}

static uint32_t g_last_us;
static uint64_t g_high_us;

extern "C" void tinyml_port_putc(char c) { Serial.write((uint8_t)c); }

extern "C" uint64_t tinyml_port_cycles(void) {
  uint32_t now = micros();
  if (now < g_last_us) g_high_us += (uint64_t)1 << 32;
  g_last_us = now;
  return g_high_us | now;
}

extern "C" uint32_t tinyml_port_cycle_hz(void) { return 1000000u; }

extern "C" const char *tinyml_port_cycle_source(void) { return "micros"; }

void setup() {
  Serial.begin(TINYML_UART_BAUD);
  while (!Serial) {
  }
  tinyml_rt_init();
}

void loop() {
  int c = Serial.read();
  if (c >= 0)
    tinyml_rt_rx((uint8_t)c);
  else
    tinyml_rt_poll();
}
