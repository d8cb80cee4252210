#!/usr/bin/env bash
# The main job, end to end, on the default board: compile the MLPerf Tiny keyword-spotting
# model to an int8 C project, run it on the board (the emulated Cortex-M4 under QEMU when
# arm-none-eabi-gcc and qemu-system-arm are installed, otherwise natively on the host),
# check its outputs against the reference interpreter byte for byte, and write the energy
# report (report.md / report.html) for a real board's power model.
#
#   scripts/demo.sh [model.tflite] [input.bin]      (defaults: the shared KWS model and input)
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-../shared/models/mlperf-tiny}
MODEL=${1:-$MODELS/kws_ref_model.tflite}
INPUT=${2:-$MODELS/kws_input_0.int8.bin}
OUT=${OUT:-out/demo}
REPORT_BOARD=${REPORT_BOARD:-nucleo-l4r5zi}
tinyml() { node bin/tinyml.js "$@"; }

tinyml convert "$MODEL" -o "$OUT/project"
board=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).board)' "$OUT/project/convert-report.json")
if [ "$board" = host ]; then
  tinyml run "$MODEL" --input "$INPUT" -o "$OUT/reference.bin"
  tinyml run "$MODEL" --board host --input "$INPUT" -o "$OUT/device.bin"
  cmp "$OUT/reference.bin" "$OUT/device.bin"
  echo "host build: outputs identical to the reference interpreter"
else
  tinyml bench "$OUT/project"
fi
tinyml report "$OUT/project" --board "$REPORT_BOARD" --rate 1
echo "report: $OUT/project/report.md and $OUT/project/report.html"
