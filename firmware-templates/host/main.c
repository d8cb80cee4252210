/*
 * tinyml_host: runs the generated model natively.
 *
 *   tinyml_host [--stream] [INPUT|-] [OUTPUT|-]
 *   tinyml_host --info
 *
 * Reads samples of TINYML_INPUT_BYTES bytes back to back from INPUT (default: stdin) — each
 * sample is the model's packed input, every input tensor at its TINYML_INPUTk_OFFSET — and
 * writes TINYML_OUTPUT_BYTES bytes of packed output per sample to OUTPUT (default: stdout),
 * until end of input. A trailing partial sample is an error. Each sample starts from the
 * model's initial state (tinyml_reset()); with --stream the samples are consecutive steps of
 * one stream and the state (LSTM, SVDF, variables) carries over. --info prints the model's
 * figures as one JSON line. Exit status: 0 ok, 1 usage or I/O error, 2 tinyml_invoke() failed.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static union {
  uint8_t u8[TINYML_INPUT_BYTES];
  uint64_t align;
} in_buf;
static union {
  uint8_t u8[TINYML_OUTPUT_BYTES];
  uint64_t align;
} out_buf;

static void print_dims(const char *key, int (*dims_of)(int, int32_t *), int k) {
  int32_t dims[4];
  int rank = dims_of(k, dims);
  int i;
  printf("\"%s\":[", key);
  for (i = 0; i < rank && i < 4; ++i) printf(i ? ",%ld" : "%ld", (long)dims[i]);
  printf("]");
}

static int print_info(void) {
  int k;
  printf("{\"name\":\"%s\",\"hash\":\"%s\",\"inputBytes\":%d,\"outputBytes\":%d,\"arenaBytes\":%d,\"stateBytes\":%d,\"layers\":%d,",
         tinyml_model_name(), tinyml_model_hash(), TINYML_INPUT_BYTES, TINYML_OUTPUT_BYTES, TINYML_ARENA_BYTES,
         TINYML_STATE_BYTES, TINYML_NUM_LAYERS);
  print_dims("inputDims", tinyml_input_dims, 0);
  printf(",");
  print_dims("outputDims", tinyml_output_dims, 0);
  printf(",\"inputZeroPoint\":%ld,\"outputZeroPoint\":%ld,\"inputs\":[", (long)tinyml_input_zero_point(0),
         (long)tinyml_output_zero_point(0));
  for (k = 0; k < TINYML_NUM_INPUTS; ++k) {
    printf(k ? ",{" : "{");
    print_dims("dims", tinyml_input_dims, k);
    printf(",\"offset\":%lu,\"type\":%d}", (unsigned long)tinyml_input_offset(k), tinyml_input_type(k));
  }
  printf("],\"outputs\":[");
  for (k = 0; k < TINYML_NUM_OUTPUTS; ++k) {
    printf(k ? ",{" : "{");
    print_dims("dims", tinyml_output_dims, k);
    printf(",\"offset\":%lu,\"type\":%d}", (unsigned long)tinyml_output_offset(k), tinyml_output_type(k));
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  FILE *in = stdin;
  FILE *out = stdout;
  unsigned long sample = 0;
  int stream = 0;
  if (argc > 1 && strcmp(argv[1], "--info") == 0) return print_info();
  if (argc > 1 && strcmp(argv[1], "--stream") == 0) {
    stream = 1;
    --argc;
    ++argv;
  }
  if (argc > 3) {
    fprintf(stderr, "usage: tinyml_host [--stream] [INPUT|-] [OUTPUT|-]\n       tinyml_host --info\n");
    return 1;
  }
  if (argc > 1 && strcmp(argv[1], "-") != 0) {
    in = fopen(argv[1], "rb");
    if (!in) {
      fprintf(stderr, "tinyml_host: cannot open input %s\n", argv[1]);
      return 1;
    }
  }
  if (argc > 2 && strcmp(argv[2], "-") != 0) {
    out = fopen(argv[2], "wb");
    if (!out) {
      fprintf(stderr, "tinyml_host: cannot open output %s\n", argv[2]);
      return 1;
    }
  }
  for (;;) {
    size_t got = fread(in_buf.u8, 1, sizeof in_buf.u8, in);
    int rc;
    if (got == 0) break;
    if (got != sizeof in_buf.u8) {
      fprintf(stderr, "tinyml_host: sample %lu is truncated: %lu of %d bytes\n", sample, (unsigned long)got,
              TINYML_INPUT_BYTES);
      return 1;
    }
    if (!stream) tinyml_reset();
    rc = tinyml_invoke(in_buf.u8, out_buf.u8);
    if (rc != 0) {
      fprintf(stderr, "tinyml_host: tinyml_invoke failed with %d on sample %lu\n", rc, sample);
      return 2;
    }
    if (fwrite(out_buf.u8, 1, sizeof out_buf.u8, out) != sizeof out_buf.u8) {
      fprintf(stderr, "tinyml_host: write failed on sample %lu\n", sample);
      return 1;
    }
    ++sample;
  }
  if (out != stdout) fclose(out);
  else fflush(out);
  if (in != stdin) fclose(in);
  return 0;
}
