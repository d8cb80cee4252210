/*
 * tinyml_host: runs the generated model natively.
 *
 *   tinyml_host [INPUT|-] [OUTPUT|-]
 *   tinyml_host --info
 *
 * Reads samples of TINYML_INPUT_BYTES int8 values back to back from INPUT (default: stdin)
 * and writes TINYML_OUTPUT_BYTES int8 values per sample to OUTPUT (default: stdout), until
 * end of input. A trailing partial sample is an error. --info prints the model's figures as
 * one JSON line. Exit status: 0 ok, 1 usage or I/O error, 2 tinyml_invoke() failed.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static int8_t in_buf[TINYML_INPUT_BYTES];
static int8_t out_buf[TINYML_OUTPUT_BYTES];

static int print_info(void) {
  int32_t dims[4];
  int rank, i;
  printf("{\"name\":\"%s\",\"hash\":\"%s\",\"inputBytes\":%d,\"outputBytes\":%d,\"arenaBytes\":%d,\"layers\":%d,",
         tinyml_model_name(), tinyml_model_hash(), TINYML_INPUT_BYTES, TINYML_OUTPUT_BYTES, TINYML_ARENA_BYTES,
         TINYML_NUM_LAYERS);
  rank = tinyml_input_dims(dims);
  printf("\"inputDims\":[");
  for (i = 0; i < rank; ++i) printf(i ? ",%ld" : "%ld", (long)dims[i]);
  rank = tinyml_output_dims(dims);
  printf("],\"outputDims\":[");
  for (i = 0; i < rank; ++i) printf(i ? ",%ld" : "%ld", (long)dims[i]);
  printf("],\"inputZeroPoint\":%ld,\"outputZeroPoint\":%ld}\n", (long)tinyml_input_zero_point(),
         (long)tinyml_output_zero_point());
  return 0;
}

int main(int argc, char **argv) {
  FILE *in = stdin;
  FILE *out = stdout;
  unsigned long sample = 0;
  if (argc > 1 && strcmp(argv[1], "--info") == 0) return print_info();
  if (argc > 3) {
    fprintf(stderr, "usage: %s [INPUT|-] [OUTPUT|-]\n       %s --info\n", argv[0], argv[0]);
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
    size_t got = fread(in_buf, 1, sizeof in_buf, in);
    int rc;
    if (got == 0) break;
    if (got != sizeof in_buf) {
      fprintf(stderr, "tinyml_host: sample %lu is truncated: %lu of %d bytes\n", sample, (unsigned long)got,
              TINYML_INPUT_BYTES);
      return 1;
    }
    rc = tinyml_invoke(in_buf, out_buf);
    if (rc != 0) {
      fprintf(stderr, "tinyml_host: tinyml_invoke failed with %d on sample %lu\n", rc, sample);
      return 2;
    }
    if (fwrite(out_buf, 1, sizeof out_buf, out) != sizeof out_buf) {
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
