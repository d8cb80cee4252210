import { Option, type Command } from 'commander';
import { defaultBoard } from '../pipeline/default-board.js';
import { resolveBoard } from '../boards/load.js';
import { convertModel, type ConvertReport } from '../pipeline/convert.js';
import { runGraph } from '../reference/interpreter.js';
import { assertLibraryName, exportLibrary, LIBRARY_FORMATS, type LibraryExport, type LibraryFormat } from '../codegen/library-export.js';
import { TinymlError } from '../errors.js';
import { cliLogger, printJson, progressBar } from './output.js';

interface ConvertCliOptions {
  board?: string;
  kernels?: string;
  calibration?: string;
  output: string;
  planner: string;
  activations: 'int8' | 'int16';
  streaming: 'auto' | 'none' | 'all';
  ioLayout: 'model' | 'nhwc';
  plan?: boolean;
  json?: boolean;
  format: string;
  libraryName?: string;
}

function summary(r: ConvertReport, outDir: string): string {
  const s = r.sizes;
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');
  const lines = [
    `${r.model} → ${outDir} (board ${r.board}, ${r.layers} layers, model hash ${r.modelHash})`,
    `  kernels:      ${r.kernels.join(', ')} (${r.kernelSet})`,
    `  weights:      ${s.weightBytes} bytes`,
    `  code:         ${s.codeBytes === null ? 'not measured' : `${s.codeBytes} bytes (model.o + kernels, text + data, incl. weights)`}`,
    `  arena:        ${s.arenaBytes} bytes (all activations: ${s.activationBytes}; no reuse: ${s.linearArenaBytes})`,
    ...(s.stateBytes ? [`  state:        ${s.stateBytes} bytes kept between invocations (LSTM/SVDF state, variables; tinyml_reset() restores it)`] : []),
    `  MACs:         ${s.macs}`,
    `  flash:        ${r.fit.flash.needed} of ${r.fit.flash.available} bytes (${pct(r.fit.flash.needed, r.fit.flash.available)})${r.fit.flashEstimated ? ' — weights only, code not measured' : ''}`,
    `  RAM:          ${r.fit.ram.needed} of ${r.fit.ram.available} bytes (${pct(r.fit.ram.needed, r.fit.ram.available)}) — model ${s.modelRamBytes} (arena, kernel scratch${s.stateBytes ? ', state' : ''}, hook: model.o in the linker map) + ${r.inputHome === 'caller' ? 'input/output' : 'output'} ${r.fit.ram.needed - s.modelRamBytes}`,
    ...(r.streamed.length ? [`  streamed:     ${r.streamed.map((names) => names.join(' → ')).join('; ')} (a row at a time)`] : []),
    `  input:        ${r.inputHome === 'caller' ? "the caller's buffer" : r.inputHome === 'arena-kept' ? 'in the arena, intact after an inference' : 'in the arena, reused once read: refill it before every inference'}`,
  ];
  if (r.quantization?.calibration?.warning) lines.push(`  WARNING: ${r.quantization.calibration.warning}`);
  if (r.template === 'host') lines.push(`next: make -C ${outDir} && ${outDir}/tinyml_host input.bin > output.bin`);
  return lines.join('\n');
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('Compile a model to an int8 (or 16x8) C project for a board: arena plan, model.c/model.h, kernels, build files')
    .argument('<model>', 'model file (.tflite, Keras .h5/.keras, TF.js model.json, .onnx); float models are quantized first')
    .option('-b, --board <id>', 'board id (boards/<id>.json) or a path to a board .json file (default: qemu-mps2-an386 when arm-none-eabi-gcc and qemu-system-arm are installed, else host)')
    .requiredOption('-o, --output <dir>', 'output project directory (replaced atomically)')
    .option('-c, --calibration <data>', 'calibration samples for float models: .npy, raw float32 .bin, or a folder')
    .option('--kernels <set>', "kernel set to plan and build for instead of the board's (reference, cortex-m): in-place layers and scratch depend on it")
    .addOption(new Option('--activations <dtype>', 'activation type float models are quantized to: int8, or int16 for 16x8 (int8 weights, int64 biases)').choices(['int8', 'int16']).default('int8'))
    .addOption(
      new Option('--io-layout <layout>', "layout of the firmware's input and output buffers for models whose own layout is not NHWC (ONNX NCHW): model (as the model takes and gives them, through boundary transposes) or nhwc (the transposes dropped, for pre-processing that already produces NHWC)")
        .choices(['model', 'nhwc'])
        .default('model'),
    )
    .option('--planner <id>', 'memory planner: greedy-by-size or linear', 'greedy-by-size')
    .addOption(
      new Option('--streaming <mode>', 'run conv layers a row at a time (a window of rows instead of a whole tensor, a residual ADD fused into the rows): auto where it makes the arena smaller, none for the fewest instructions, all wherever possible')
        .choices(['auto', 'none', 'all'])
        .default('auto'),
    )
    .option('--plan', 'print the memory plan (per tensor: offset, size, first/last layer)')
    .option('--json', 'print convert-report.json on stdout')
    .option('--format <format>', `project (the board's build project), or also a library: ${LIBRARY_FORMATS.join(', ')} (<dir>/<name>/ and <dir>/<name>.zip)`, 'project')
    .option('--library-name <name>', 'library name for --format *-library (default tinyml_<model name>)')
    .addHelpText(
      'after',
      `
Examples:
  tinyml convert examples/mlperf-tiny/kws_ref_model.tflite --board host -o out/kws
  make -C out/kws && out/kws/tinyml_host examples/mlperf-tiny/kws_input_0.int8.bin | xxd
  tinyml convert ad01_fp32.tflite --board host --calibration slices.bin -o out/ad01 --json
  tinyml convert model.tflite --board ./my-board.json -o out/m --plan
  tinyml convert resnet.tflite --board nucleo-l4r5zi -o out/r --streaming none
      → whole layers only: a few % fewer instructions, a bigger arena
  tinyml convert kws_float.tflite --board host --calibration samples/ --activations int16 -o out/kws16
  tinyml convert classifier.onnx --board host --calibration nchw.bin -o out/cls
      → model_input/model_output are NCHW, as the tensor fed to PyTorch
  tinyml convert classifier.onnx --board host --calibration nchw.bin --io-layout nhwc -o out/cls
      → no boundary transposes: the buffers are NHWC (calibration data stays NCHW)

The project holds model.h (the API: tinyml_invoke, tinyml_reset for stateful models, scales,
zero points, per-layer hook), model.c (weights in flash; one static RAM object: the arena and
the LSTM/SVDF/variable state kept between calls), kernels/ (only those the model uses) and the
board template's build files, plus convert-report.json (sizes, plan, quantization fidelity).
A model that does not fit the board's flash or RAM is refused (exit code 5) with the numbers.

  tinyml convert kws.tflite --board arduino-nano-33-ble-sense --format arduino-library -o out/kws
      → out/kws/tinyml_kws.zip: Arduino IDE, Sketch > Include Library > Add .ZIP Library…
  tinyml convert kws.tflite --board arduino-nano-33-ble-sense --format platformio-library -o out/kws
      → out/kws/tinyml_kws/library.json: lib_deps = file://out/kws/tinyml_kws`,
    )
    .action(async (modelPath: string, o: ConvertCliOptions) => {
      const log = cliLogger('CONVERT', { quiet: !!o.json });
      if (o.format !== 'project' && !(LIBRARY_FORMATS as readonly string[]).includes(o.format)) {
        throw new TinymlError('usage', `--format ${o.format}: unknown format`, `Use project, ${LIBRARY_FORMATS.join(' or ')}.`);
      }
      if (o.libraryName !== undefined) assertLibraryName(o.libraryName);
      let boardId = o.board;
      if (!boardId) {
        const d = defaultBoard();
        log.info(d.reason);
        boardId = d.id;
      }
      const resolved = resolveBoard(boardId);
      const board = o.kernels ? { ...resolved, kernels: o.kernels } : resolved;
      const bar = progressBar('calibrate', !o.json);
      let result;
      try {
        result = await convertModel(modelPath, {
          board,
          outDir: o.output,
          runGraph,
          planner: o.planner,
          streaming: o.streaming,
          activations: o.activations,
          ioLayout: o.ioLayout,
          logger: log,
          onProgress: bar.onProgress,
          ...(o.calibration ? { calibration: o.calibration } : {}),
        });
      } finally {
        bar.stop();
      }
      let library: LibraryExport | undefined;
      if (o.format !== 'project') {
        library = await exportLibrary(o.output, { format: o.format as LibraryFormat, board, graph: result.graph, runGraph, ...(o.libraryName ? { name: o.libraryName } : {}) });
      }
      if (o.json) {
        printJson(library ? { ...result.report, library } : result.report);
        return;
      }
      if (o.plan) process.stdout.write(result.planText + '\n');
      process.stdout.write(summary(result.report, o.output) + '\n');
      if (library) process.stdout.write(`  library:      ${library.dir} and ${library.zip} (${o.format}; example examples/${library.name}_inference)\n`);
    });
}
