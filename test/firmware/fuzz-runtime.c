/*
 * Seeded randomized driver for the device runtime's protocol parser (runs on the host under
 * AddressSanitizer + UndefinedBehaviorSanitizer). Usage: fuzz-runtime <seed> <iterations>
 *
 * Each iteration builds one input from a mix of well-formed commands with hostile arguments,
 * random bytes, over-long commands and binary loads, feeds it byte by byte, and checks the
 * protocol's promises: every line is an m-/e- reply (or help text), and every completed
 * command is answered by exactly one m-ready. Any violation prints the seed, iteration and
 * input, and exits 1. Out-of-bounds accesses abort through the sanitizers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tinyml_port.h"
#include "tinyml_runtime.h"

static char out[1 << 16];
static size_t out_len;
static uint64_t clock_ticks;

void tinyml_port_putc(char c) {
  if (out_len < sizeof out) out[out_len++] = c;
}
uint64_t tinyml_port_cycles(void) { return clock_ticks += 7; }
uint32_t tinyml_port_cycle_hz(void) { return 1000000u; }
const char *tinyml_port_cycle_source(void) { return "fuzz"; }

static uint64_t rng;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static const char *WORDS[] = {"name", "profile", "help", "timestamp", "db", "load", "print", "bin",
                              "infer", "results", "tinyml-info", "tinyml-layers", "0", "1", "16",
                              "17", "-1", "999999999", "9999999999", "00ff", "0g", "ABCDEF", "x",
                              "", " ", "%", "4294967297", "7fff80017f00", "1 1"};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static size_t build(uint8_t *buf, size_t cap) {
  size_t n = 0;
  int parts = 1 + (int)(next() % 6);
  while (parts-- > 0 && n < cap - 200) {
    uint32_t kind = next() % 11;
    if (kind < 5) { /* tokens from the vocabulary */
      int k = 1 + (int)(next() % 4), i;
      for (i = 0; i < k; i++) {
        const char *w = WORDS[next() % NWORDS];
        size_t l = strlen(w);
        memcpy(buf + n, w, l);
        n += l;
        if (i + 1 < k) buf[n++] = (uint8_t)((next() % 8) ? ' ' : (next() & 0xff));
      }
      buf[n++] = '%';
    } else if (kind < 7) { /* db with random hex */
      int k = (int)(next() % 70), i;
      memcpy(buf + n, "db ", 3);
      n += 3;
      for (i = 0; i < k; i++) buf[n++] = (uint8_t)"0123456789abcdefABCDEFxz"[next() % 24];
      buf[n++] = '%';
    } else if (kind < 8) { /* random bytes */
      int k = (int)(next() % 120), i;
      for (i = 0; i < k; i++) buf[n++] = (uint8_t)(next() & 0xff);
    } else if (kind < 9) { /* over-long command */
      int k = 70 + (int)(next() % 60), i;
      for (i = 0; i < k; i++) buf[n++] = (uint8_t)('a' + next() % 26);
      buf[n++] = '%';
    } else if (kind == 10) { /* a well-formed session: load a full input, infer, ask for timings */
      int i;
      n += (size_t)sprintf((char *)buf + n, "db load %d%%db ", TINYML_INPUT_BYTES);
      for (i = 0; i < 2 * TINYML_INPUT_BYTES; i++) buf[n++] = (uint8_t)"0123456789abcdef"[next() % 16];
      n += (size_t)sprintf((char *)buf + n, "%%infer %u %u%%tinyml-layers%%results%%db print%%",
                           1 + next() % 3, next() % 3);
    } else { /* binary load with possibly wrong length */
      int k = (int)(next() % 20), i;
      n += (size_t)sprintf((char *)buf + n, "db bin %d%%", k);
      k += (int)(next() % 5) - 2;
      for (i = 0; i < k && i < 40; i++) buf[n++] = (uint8_t)(next() & 0xff);
    }
  }
  return n;
}

static int check_lines(const char *o, size_t len, int *readies) {
  size_t i = 0;
  int in_help = 0;
  *readies = 0;
  while (i < len) {
    size_t e = i;
    while (e < len && o[e] != '\n') e++;
    if (e == len) return o[len - 1] == '\n' ? 0 : -1; /* partial line at the end */
    if (e == i || o[e - 1] != '\r') return -2;
    if (e - i == 8 && memcmp(o + i, "m-ready\r", 8) == 0) {
      (*readies)++;
      in_help = 0;
    } else if (memcmp(o + i, "tinyml-runtime", 14) == 0) {
      in_help = 1;
    } else if (!in_help && !(o[i] == 'm' && o[i + 1] == '-') && !(o[i] == 'e' && o[i + 1] == '-')) {
      return -3;
    }
    i = e + 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  static uint8_t input[4096];
  unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
  long iters = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
  long it;
  int readies;
  rng = seed * 0x9E3779B97F4A7C15ull + 1;
  out_len = 0;
  tinyml_rt_init();
  for (it = 0; it < iters; it++) {
    size_t n = build(input, sizeof input), i;
    int commands = 0, rc;
    out_len = 0;
    for (i = 0; i < n; i++) tinyml_rt_rx(input[i]);
    /* Close any pending binary load by idling, then end any partial command. */
    clock_ticks += 10000000u;
    tinyml_rt_poll();
    tinyml_rt_rx('%');
    rc = check_lines(out, out_len, &readies);
    commands = readies;
    if (rc != 0 || commands < 1 || out_len >= sizeof out) {
      fprintf(stderr, "seed %lu iteration %ld: bad reply (%d, %d readies)\ninput: ", seed, it, rc,
              commands);
      for (i = 0; i < n; i++) fprintf(stderr, "%02x", input[i]);
      fprintf(stderr, "\noutput:\n%.*s\n", (int)out_len, out);
      return 1;
    }
  }
  printf("ok %ld inputs seed %lu\n", iters, seed);
  return 0;
}
