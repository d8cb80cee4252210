#!/usr/bin/env bash
# The main job, end to end, on the default board: compile the MLPerf Tiny keyword-spotting
# model shipped in examples/ to an int8 C project, run it on the board (the emulated Cortex-M4
# under QEMU when arm-none-eabi-gcc and qemu-system-arm are installed, otherwise natively on the
# host), check its outputs against the reference interpreter byte for byte, and write the
# energy report (report.md / report.html) for a real board's power model. Everything it reads
# is inside the package; `tinyml doctor` says which tools are installed.
#
#   scripts/demo.sh [model.tflite] [input.bin]      (defaults: examples/mlperf-tiny/kws_*)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/demo}
REPORT_BOARD=${REPORT_BOARD:-nucleo-l4r5zi}
args=(demo -o "$OUT" --report-board "$REPORT_BOARD")
if [ -n "${BOARD:-}" ]; then args+=(--board "$BOARD"); fi
if [ $# -ge 1 ]; then args+=(--model "$1"); fi
if [ $# -ge 2 ]; then args+=(--input "$2"); fi
exec node bin/tinyml.js "${args[@]}"
