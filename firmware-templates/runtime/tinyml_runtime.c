/*
 * tinyml_runtime.c — the MLPerf Tiny / EEMBC DUT protocol over a byte stream (see
 * tinyml_runtime.h for the command set and the extensions).
 *
 * How it works:
 *   1. tinyml_rt_rx() collects characters up to '%' into a fixed buffer of TINYML_CMD_MAX.
 *      An over-long command sets a flag and is rejected whole when its '%' arrives.
 *   2. The command is split on spaces (no strtok: no hidden state) and dispatched.
 *   3. `db` fills a buffer of exactly TINYML_INPUT_BYTES; `infer` requires it full, runs
 *      tinyml_invoke() W + N times, and times the N with the platform's counter.
 *   4. During `db bin N` the next N bytes are data. tinyml_rt_poll() aborts the load if no byte
 *      arrives for one second of the platform's counter, so a host that dies mid-load cannot
 *      leave the device deaf.
 *
 * What it does not promise: timing of the first command after reset (the UART may drop bytes
 * the host sends before m-ready), or any reply if tinyml_invoke() itself never returns.
 */
#include "tinyml_runtime.h"
#include "tinyml_port.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>

#ifndef TINYML_DEVICE_NAME
#define TINYML_DEVICE_NAME "dut"
#endif
/* Upper bound on N and W of `infer N W`, so one command cannot keep the device busy for hours. */
#ifndef TINYML_INFER_MAX
#define TINYML_INFER_MAX 100000
#endif
#ifndef TINYML_VENDOR_NAME
#define TINYML_VENDOR_NAME "tinyml"
#endif

#define TINYML_STR2(x) #x
#define TINYML_STR(x) TINYML_STR2(x)

/* ---- output --------------------------------------------------------------------------- */

static void put_str(const char *s) {
  while (*s) tinyml_port_putc(*s++);
}

static void put_u64(uint64_t v) {
  char tmp[21];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u && n < 20);
  while (n > 0) tinyml_port_putc(tmp[--n]);
}

static void put_i64(int64_t v) {
  if (v < 0) {
    tinyml_port_putc('-');
    put_u64((uint64_t)(-(v + 1)) + 1u);
  } else {
    put_u64((uint64_t)v);
  }
}

static const char HEX[] = "0123456789abcdef";

static void put_hex8(uint8_t b) {
  tinyml_port_putc(HEX[b >> 4]);
  tinyml_port_putc(HEX[b & 15u]);
}

static void put_hex32(uint32_t v) {
  int i;
  put_str("0x");
  for (i = 28; i >= 0; i -= 4) tinyml_port_putc(HEX[(v >> i) & 15u]);
}

/* Prints at most `max` characters of s, replacing anything that is not printable ASCII or
 * that would end the reply early (']'), so an error echo can never break the line format. */
static void put_sanitized(const char *s, size_t max) {
  size_t i;
  for (i = 0; i < max && s[i]; i++) {
    char c = s[i];
    tinyml_port_putc((c >= 0x20 && c < 0x7f && c != ']' && c != '[') ? c : '?');
  }
}

/* A float with three decimals, as MLPerf Tiny's th_results prints (%0.3f), without printf. */
static void put_fixed3(float v) {
  float scaled = v * 1000.0f;
  int64_t m;
  if (scaled > 9.0e15f) scaled = 9.0e15f;
  if (scaled < -9.0e15f) scaled = -9.0e15f;
  m = (int64_t)(scaled + (scaled >= 0.0f ? 0.5f : -0.5f));
  if (m < 0) {
    tinyml_port_putc('-');
    m = -m;
  }
  put_u64((uint64_t)m / 1000u);
  tinyml_port_putc('.');
  tinyml_port_putc((char)('0' + (int)((m / 100) % 10)));
  tinyml_port_putc((char)('0' + (int)((m / 10) % 10)));
  tinyml_port_putc((char)('0' + (int)(m % 10)));
}

static void end_line(void) { put_str("\r\n"); }

static void err(const char *msg) {
  put_str("e-[");
  put_str(msg);
  put_str("]\r\n");
}

/* ---- state ---------------------------------------------------------------------------- */

static char g_cmd[TINYML_CMD_MAX + 1];
static size_t g_cmd_len;
static int g_cmd_overflow;

/*
 * The db buffer is the model's packed input (every input at its TINYML_INPUTk_OFFSET). By
 * default it is no buffer of its own: each byte goes straight into the input's slot in the
 * model's arena (tinyml_input_buffer), so the firmware holds the input once. When the model's
 * plan reuses those bytes during an inference (TINYML_INPUT_KEPT 0), each load feeds one
 * inference. Built with -DTINYML_RT_KEEP_INPUT (or for a model whose input is not in its arena)
 * the runtime keeps its own copy, which the model copies in before every inference: more RAM,
 * any number of inferences per load.
 */
#ifndef TINYML_INPUTS_IN_ARENA /* a model.h that predates inputs in the arena */
#define TINYML_INPUTS_IN_ARENA 0
#endif
#ifndef TINYML_INPUT_KEPT
#define TINYML_INPUT_KEPT 1
#endif
#if defined(TINYML_RT_KEEP_INPUT) || !TINYML_INPUTS_IN_ARENA
#define TINYML_RT_OWN_INPUT 1
static union {
  uint8_t u8[TINYML_INPUT_BYTES];
  uint64_t align;
} g_in;
#else
#define TINYML_RT_OWN_INPUT 0
#endif
/* Inferences one load can feed. */
#define TINYML_RT_ONE_PER_LOAD (!TINYML_RT_OWN_INPUT && !TINYML_INPUT_KEPT)
static union {
  uint8_t u8[TINYML_OUTPUT_BYTES];
  uint64_t align;
} g_out;
static size_t g_buf_size; /* bytes announced by db load / db bin */
static size_t g_buf_pos;  /* bytes received */
static int g_have_output;

static size_t g_bin_remaining;
static uint64_t g_bin_last;
static int g_in_consumed; /* an inference has used the loaded input's bytes (TINYML_RT_ONE_PER_LOAD) */

/* Byte `pos` of the packed input: in the runtime's copy, or in input k's arena slot (NULL for
 * the alignment padding between two inputs). */
static uint8_t *in_byte(size_t pos) {
#if TINYML_RT_OWN_INPUT
  return &g_in.u8[pos];
#else
  int k;
  for (k = 0; k < TINYML_NUM_INPUTS; k++) {
    size_t off = tinyml_input_offset(k);
    if (pos >= off && pos < off + tinyml_input_bytes(k)) return (uint8_t *)tinyml_input_buffer(k) + (pos - off);
  }
  return NULL;
#endif
}

static void put_in_byte(uint8_t b) {
  uint8_t *p = in_byte(g_buf_pos++);
  if (p) *p = b;
}

#if TINYML_NUM_LAYERS > 0
static uint64_t g_layer_start;
static uint64_t g_layer_ticks[TINYML_NUM_LAYERS];
static void layer_hook(int layer, int phase) {
  uint64_t now = tinyml_port_cycles();
  if (layer < 0 || layer >= TINYML_NUM_LAYERS) return;
  if (phase == 0) {
    g_layer_start = now;
  } else {
    g_layer_ticks[layer] += now - g_layer_start;
  }
}
#endif

/* ---- parsing helpers -------------------------------------------------------------------- */

/* Strict decimal: 1..9 digits, nothing else. Returns -1 on anything malformed. */
static long parse_count(const char *s) {
  long v = 0;
  int n = 0;
  if (s == NULL || *s == 0) return -1;
  for (; *s; s++, n++) {
    if (*s < '0' || *s > '9' || n >= 9) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

/* Splits g_cmd in place on spaces; returns the number of tokens (at most max). */
static int tokenize(char *s, char **tok, int max) {
  int n = 0;
  while (*s) {
    while (*s == ' ') *s++ = 0;
    if (!*s) break;
    if (n == max) return max + 1;
    tok[n++] = s;
    while (*s && *s != ' ') s++;
  }
  return n;
}

/* ---- commands --------------------------------------------------------------------------- */

static void timestamp(void) {
  uint64_t c = tinyml_port_cycles();
  uint32_t hz = tinyml_port_cycle_hz();
  put_str("m-lap-us-");
  put_u64(hz ? (c / hz) * 1000000u + ((c % hz) * 1000000u) / hz : 0u);
  end_line();
}

/* Element i of output k as an integer (outputs are int8, int16 or int32). */
static int32_t output_value(int k, uint32_t i) {
  const uint8_t *p = g_out.u8 + tinyml_output_offset(k);
  switch (tinyml_output_type(k)) {
    case TINYML_DTYPE_INT16:
      return ((const int16_t *)(const void *)p)[i];
    case TINYML_DTYPE_INT32:
      return ((const int32_t *)(const void *)p)[i];
    case TINYML_DTYPE_UINT8:
    case TINYML_DTYPE_BOOL:
      return p[i];
    default:
      return ((const int8_t *)p)[i];
  }
}

static void results(void) {
  size_t i;
  int k;
  int first = 1;
  if (!g_have_output) {
    err("No results: run infer first");
    return;
  }
  /* Every output's values dequantized, outputs one after the other. */
  put_str("m-results-[");
  for (k = 0; k < TINYML_NUM_OUTPUTS; k++) {
    float scale = tinyml_output_scale(k);
    int32_t zp = tinyml_output_zero_point(k);
    uint32_t n = tinyml_output_count(k);
    uint32_t e;
    for (e = 0; e < n; e++) {
      int32_t q = output_value(k, e);
      if (!first) tinyml_port_putc(',');
      first = 0;
      if (scale > 0.0f)
        put_fixed3((float)(q - zp) * scale);
      else
        put_fixed3((float)q);
    }
  }
  put_str("]\r\n");
  put_str("m-tinyml-output-[");
  for (i = 0; i < TINYML_OUTPUT_BYTES; i++) put_hex8(g_out.u8[i]);
  put_str("]\r\n");
}

static int invoke_once(void) {
#if TINYML_NUM_LAYERS > 0
  size_t i;
  for (i = 0; i < TINYML_NUM_LAYERS; i++) g_layer_ticks[i] = 0;
#endif
#if TINYML_RT_OWN_INPUT
  return tinyml_invoke(g_in.u8, g_out.u8);
#else
  {
    const void *inputs[TINYML_NUM_INPUTS];
    void *outputs[TINYML_NUM_OUTPUTS];
    int k;
    for (k = 0; k < TINYML_NUM_INPUTS; k++) inputs[k] = tinyml_input_buffer(k);
    for (k = 0; k < TINYML_NUM_OUTPUTS; k++) outputs[k] = g_out.u8 + tinyml_output_offset(k);
    g_in_consumed = TINYML_RT_ONE_PER_LOAD;
    return tinyml_invoke_tensors(inputs, outputs);
  }
#endif
}

static void infer(long n, long w) {
  uint64_t t0, t1;
  long i;
  int rc = 0;
  if (g_buf_pos != TINYML_INPUT_BYTES) {
    put_str("e-[Input has ");
    put_u64(g_buf_pos);
    put_str(" of ");
    put_u64(TINYML_INPUT_BYTES);
    put_str(" bytes: load it with db load ");
    put_u64(TINYML_INPUT_BYTES);
    put_str(" first]\r\n");
    return;
  }
#if TINYML_RT_ONE_PER_LOAD
  if (g_in_consumed) {
    err("The last inference used up the input (this model reuses its bytes): db load it again");
    return;
  }
  if (n + w > 1) {
    put_str("e-[infer ");
    put_u64((uint64_t)n);
    tinyml_port_putc(' ');
    put_u64((uint64_t)w);
    put_str(": this model reuses its input's ");
    put_u64(TINYML_INPUT_BYTES);
    put_str(" bytes during an inference, so each db load feeds one: send infer 1 0 after each load, or build with -DTINYML_RT_KEEP_INPUT]\r\n");
    return;
  }
#endif
  put_str("m-warmup-start-");
  put_u64((uint64_t)w);
  end_line();
  for (i = 0; i < w && rc == 0; i++) rc = invoke_once();
  put_str("m-warmup-done\r\n");
  put_str("m-infer-start-");
  put_u64((uint64_t)n);
  end_line();
  timestamp();
  t0 = tinyml_port_cycles();
  for (i = 0; i < n && rc == 0; i++) rc = invoke_once();
  t1 = tinyml_port_cycles();
  timestamp();
  put_str("m-infer-done\r\n");
  if (rc != 0) {
    g_have_output = 0;
    put_str("e-[tinyml_invoke returned ");
    put_i64(rc);
    put_str("]\r\n");
    return;
  }
  g_have_output = 1;
  put_str("m-tinyml-cycles-[");
  put_u64(t1 - t0);
  tinyml_port_putc(',');
  put_u64((uint64_t)n);
  tinyml_port_putc(',');
  put_u64((t1 - t0) / (uint64_t)n);
  put_str("]\r\n");
  results();
}

static void db_load(const char *arg, int binary) {
  long n = parse_count(arg);
  if (n <= 0) {
    err("Command 'db load' must be followed by a byte count >0");
    return;
  }
  if ((unsigned long)n > TINYML_INPUT_BYTES) {
    put_str("e-[db load ");
    put_u64((uint64_t)n);
    put_str(" exceeds the input buffer of ");
    put_u64(TINYML_INPUT_BYTES);
    put_str(" bytes]\r\n");
    return;
  }
  g_buf_size = (size_t)n;
  g_buf_pos = 0;
  g_have_output = 0;
  g_in_consumed = 0;
  put_str("m-[Expecting ");
  put_u64((uint64_t)n);
  put_str(binary ? " raw bytes]\r\n" : " bytes]\r\n");
  if (binary) {
    g_bin_remaining = (size_t)n;
    g_bin_last = tinyml_port_cycles();
  }
}

static void db_hex(const char *hex) {
  size_t len = 0, i;
  while (hex[len]) len++;
  if (g_buf_size == 0) {
    err("No buffer: send db load N first");
    return;
  }
  if (len & 1u) {
    err("Insufficent number of hex digits");
    return;
  }
  for (i = 0; i < len; i++) {
    if (hexval(hex[i]) < 0) {
      put_str("e-[Invalid hex digit '");
      put_sanitized(hex + (i & ~(size_t)1), 2);
      put_str("']\r\n");
      return;
    }
  }
  if (len / 2 > g_buf_size - g_buf_pos) {
    put_str("e-[db data overruns the buffer: ");
    put_u64(g_buf_pos + len / 2);
    put_str(" > ");
    put_u64(g_buf_size);
    put_str(" bytes]\r\n");
    return;
  }
  for (i = 0; i < len; i += 2) put_in_byte((uint8_t)(hexval(hex[i]) * 16 + hexval(hex[i + 1])));
  if (g_buf_pos == g_buf_size) put_str("m-load-done\r\n");
}

static void db_print(void) {
  size_t i;
  for (i = 0; i < g_buf_size; i++) {
    if (i % 8u == 0) put_str("m-buffer-");
    {
      const uint8_t *p = in_byte(i);
      put_hex8(p ? *p : 0u);
    }
    if ((i + 1) % 8u == 0 || i + 1 == g_buf_size)
      end_line();
    else
      tinyml_port_putc('-');
  }
}

static void info(void) {
  put_str("m-tinyml-info-[model=");
  put_sanitized(tinyml_model_name(), 64);
  put_str(",hash=");
  put_sanitized(tinyml_model_hash(), 80);
  put_str(",arena=");
  put_u64(TINYML_ARENA_BYTES);
  put_str(",state=");
  put_u64(TINYML_STATE_BYTES);
  put_str(",input=");
  put_u64(TINYML_INPUT_BYTES);
  put_str(",input-kept=");
  put_u64(TINYML_RT_ONE_PER_LOAD ? 0u : 1u);
  put_str(",output=");
  put_u64(TINYML_OUTPUT_BYTES);
  put_str(",inputs=");
  put_u64(TINYML_NUM_INPUTS);
  put_str(",outputs=");
  put_u64(TINYML_NUM_OUTPUTS);
  put_str(",layers=");
  put_u64(TINYML_NUM_LAYERS);
  put_str(",cycle-source=");
  put_str(tinyml_port_cycle_source());
  put_str(",cycle-hz=");
  put_u64(tinyml_port_cycle_hz());
  put_str("]\r\n");
}

static void layers(void) {
#if TINYML_NUM_LAYERS > 0
  int i;
  if (!g_have_output) {
    err("No layer timings: run infer first");
    return;
  }
  for (i = 0; i < TINYML_NUM_LAYERS; i++) {
    put_str("m-tinyml-layer-[");
    put_u64((uint64_t)i);
    tinyml_port_putc(',');
    put_sanitized(tinyml_layer_name(i), 48);
    tinyml_port_putc(',');
    put_u64(g_layer_ticks[i]);
    put_str("]\r\n");
  }
#else
  err("The model has no layers to time");
#endif
}

static void help(void) {
  put_str(TINYML_FW_VERSION "\r\n\r\n");
  put_str("help         : Print this information\r\n");
  put_str("name         : Print the name of the device\r\n");
  put_str("timestamp    : Generate a timestamp\r\n");
  put_str("db SUBCMD    : Manipulate a generic byte buffer\r\n");
  put_str("  load N     : Allocate N bytes and set load counter\r\n");
  put_str("  db HH[HH]* : Load 8-bit hex byte(s) until N bytes\r\n");
  put_str("  print      : Print the buffer as hex\r\n");
  put_str("  bin N      : Then N raw bytes (wait for m-[Expecting…] first)\r\n");
  put_str("infer N [W=10]: Execute N inferences after W warmup loops\r\n");
  put_str("results      : Return the result fp32 vector\r\n");
  put_str("tinyml-info  : Model hash, arena/input/output bytes, cycle counter\r\n");
  put_str("tinyml-layers: Counter ticks per layer of the last inference\r\n");
  put_str("tinyml-reset : Restore the model's state (LSTM, SVDF, variables) to its start\r\n");
}

static void dispatch(char *cmd) {
  char *tok[4];
  int n = tokenize(cmd, tok, 3);
  if (n == 0) {
    err("Empty command");
  } else if (n > 3) {
    err("Too many arguments");
  } else if (streq(tok[0], "name") && n == 1) {
    put_str("m-name-" TINYML_DEVICE_NAME "-[" TINYML_VENDOR_NAME "]\r\n");
  } else if (streq(tok[0], "timestamp") && n == 1) {
    timestamp();
  } else if (streq(tok[0], "profile") && n == 1) {
    put_str("m-profile-[" TINYML_FW_VERSION "]\r\n");
    put_str("m-model-[");
    put_sanitized(tinyml_model_name(), 64);
    put_str("]\r\n");
  } else if (streq(tok[0], "help") && n == 1) {
    help();
  } else if (streq(tok[0], "db")) {
    if (n == 1)
      err("Command 'db' requires a subcommand");
    else if (streq(tok[1], "load"))
      n == 3 ? db_load(tok[2], 0) : err("Command 'db load' requires the # of bytes");
    else if (streq(tok[1], "bin"))
      n == 3 ? db_load(tok[2], 1) : err("Command 'db bin' requires the # of bytes");
    else if (streq(tok[1], "print"))
      db_print();
    else if (n == 2)
      db_hex(tok[1]);
    else
      err("Command 'db' takes one hex string");
  } else if (streq(tok[0], "infer")) {
    long cnt = n >= 2 ? parse_count(tok[1]) : 1;
    long w = n >= 3 ? parse_count(tok[2]) : 10;
    if (cnt <= 0)
      err("Inference iterations must be >0");
    else if (w < 0)
      err("Inference warmup must be >=0");
    else if (cnt > TINYML_INFER_MAX || w > TINYML_INFER_MAX)
      err("Inference iterations and warmup must be <=" TINYML_STR(TINYML_INFER_MAX));
    else
      infer(cnt, w);
  } else if (streq(tok[0], "results") && n == 1) {
    results();
  } else if (streq(tok[0], "tinyml-info") && n == 1) {
    info();
  } else if (streq(tok[0], "tinyml-layers") && n == 1) {
    layers();
  } else if (streq(tok[0], "tinyml-reset") && n == 1) {
    /* Streaming models keep state between inferences; this starts a new stream. */
    tinyml_reset();
    put_str("m-tinyml-reset-done\r\n");
  } else {
    put_str("e-[Unknown command: ");
    put_sanitized(tok[0], TINYML_CMD_MAX);
    put_str("]\r\n");
  }
}

/* ---- entry points ------------------------------------------------------------------------ */

void tinyml_rt_init(void) {
  g_cmd_len = 0;
  g_cmd_overflow = 0;
  g_buf_size = g_buf_pos = 0;
  g_bin_remaining = 0;
  g_have_output = 0;
#if TINYML_NUM_LAYERS > 0
  tinyml_set_layer_hook(layer_hook);
#endif
  put_str("m-init-done\r\n");
  put_str("m-ready\r\n");
}

void tinyml_rt_rx(uint8_t byte) {
  if (g_bin_remaining > 0) {
    put_in_byte(byte);
    g_bin_last = tinyml_port_cycles();
    if (--g_bin_remaining == 0) put_str("m-load-done\r\nm-ready\r\n");
    return;
  }
  if (byte == '%') {
    g_cmd[g_cmd_len] = 0;
    if (g_cmd_overflow) {
      put_str("e-[Command longer than ");
      put_u64(TINYML_CMD_MAX);
      put_str(" characters]\r\n");
    } else {
      dispatch(g_cmd);
    }
    g_cmd_len = 0;
    g_cmd_overflow = 0;
    /* db bin answers m-ready once its data is in. */
    if (g_bin_remaining == 0) put_str("m-ready\r\n");
    return;
  }
  if (byte == '\r' || byte == '\n') return;
  if (g_cmd_len < TINYML_CMD_MAX)
    g_cmd[g_cmd_len++] = (char)byte;
  else
    g_cmd_overflow = 1;
}

void tinyml_rt_poll(void) {
  uint32_t hz;
  if (g_bin_remaining == 0) return;
  hz = tinyml_port_cycle_hz();
  if (tinyml_port_cycles() - g_bin_last > (uint64_t)hz) {
    put_str("e-[Binary load stalled after ");
    put_u64(g_buf_pos);
    put_str(" of ");
    put_u64(g_buf_size);
    put_str(" bytes]\r\nm-ready\r\n");
    g_bin_remaining = 0;
    g_buf_pos = 0;
    g_buf_size = 0;
  }
}

void tinyml_rt_put_hex32(uint32_t v) { put_hex32(v); }
