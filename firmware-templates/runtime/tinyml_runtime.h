/*
 * tinyml_runtime.h — device side of the runtime protocol.
 *
 * The protocol is the MLPerf Tiny / EEMBC device-under-test (DUT) command set, so the official
 * MLPerf Tiny runner can drive the firmware unchanged. Commands are ASCII, terminated by '%';
 * every reply line ends in "\r\n"; every command is answered by zero or more `m-…` / `e-[…]`
 * lines and then exactly one `m-ready` line.
 *
 *   name%                -> m-name-dut-[tinyml]
 *   profile%             -> m-profile-[<fw version>]  m-model-[<model name>]
 *   help%                -> help text
 *   timestamp%           -> m-lap-us-<microseconds>
 *   db load N%           -> m-[Expecting N bytes]            (N = the model's input bytes at most)
 *   db HEX%              -> (appends bytes) m-load-done once N bytes are in
 *   db print%            -> m-buffer-xx-xx-… (8 bytes a line)
 *   infer N W%           -> m-warmup-start-W m-warmup-done m-infer-start-N m-lap-us-…
 *                           m-lap-us-… m-infer-done m-results-[…]
 *                           (a model whose plan reuses its input's bytes, input-kept=0 in
 *                           tinyml-info, takes one inference per load, infer 1 0, unless
 *                           the firmware is built with -DTINYML_RT_KEEP_INPUT)
 *   results%             -> m-results-[f,f,…]   (dequantized outputs, 3 decimals, as MLPerf Tiny)
 *
 * Extensions (all start with "tinyml-" or are new reply lines the official runner ignores):
 *   after infer and results: m-tinyml-output-[hex]        the raw int8 output bytes (bit-exact)
 *   after infer:             m-tinyml-cycles-[total,n,per] counter ticks for N inferences
 *   tinyml-info%             -> m-tinyml-info-[key=value,…] model, hash, arena/input/output bytes,
 *                               input-kept (0: one inference per load), layers, cycle source
 *                               and its Hz
 *   tinyml-layers%           -> m-tinyml-layer-[i,name,ticks] per layer of the last inference
 *   db bin N%  + N raw bytes -> m-load-done: binary fast path (no hex); bytes after the '%' are
 *                               data, not commands. A stall of more than 1 s aborts with e-[…].
 *
 * Bounds: a command longer than TINYML_CMD_MAX characters is rejected whole with e-[…] (never
 * truncated and executed); the data buffer holds exactly the model's input bytes, and is the
 * input's own slot in the model's arena unless built with -DTINYML_RT_KEEP_INPUT.
 */
#ifndef TINYML_RUNTIME_H
#define TINYML_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TINYML_CMD_MAX 80
#define TINYML_FW_VERSION "tinyml-runtime 0.1.0"

/* Print the boot banner (m-init-done, m-ready). Call once after the UART is up. */
void tinyml_rt_init(void);

/* Feed one received byte. Runs a command (and may run inferences) when it completes one. */
void tinyml_rt_rx(uint8_t byte);

/* Call while idle: aborts a stalled binary load. */
void tinyml_rt_poll(void);

/* Prints 0xXXXXXXXX through the port (for fault handlers). */
void tinyml_rt_put_hex32(uint32_t v);

#ifdef __cplusplus
}
#endif

#endif
