import type { Command } from 'commander';
import { defaultBoard } from '../pipeline/default-board.js';
import { resolveBoard } from '../boards/load.js';
import { convertModel, type ConvertReport } from '../pipeline/convert.js';
import { runGraph } from '../reference/interpreter.js';
import { cliLogger, printJson, progressBar } from './output.js';

interface ConvertCliOptions {
  board?: string;
  calibration?: string;
  output: string;
  planner: string;
  plan?: boolean;
  json?: boolean;
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
    `  RAM:          ${r.fit.ram.needed} of ${r.fit.ram.available} bytes (${pct(r.fit.ram.needed, r.fit.ram.available)}) — arena${s.stateBytes ? ' + state' : ''} + input + output`,
  ];
  if (r.quantization?.calibration?.warning) lines.push(`  WARNING: ${r.quantization.calibration.warning}`);
  if (r.template === 'host') lines.push(`next: make -C ${outDir} && ${outDir}/tinyml_host input.bin > output.bin`);
  return lines.join('\n');
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('Compile a model to an int8 C project for a board: arena plan, model.c/model.h, kernels, build files')
    .argument('<model>', 'model file (.tflite, Keras .h5/.keras, TF.js model.json); float models are quantized first')
    .option('-b, --board <id>', 'board id (boards/<id>.json) or a path to a board .json file (default: qemu-mps2-an386 when arm-none-eabi-gcc and qemu-system-arm are installed, else host)')
    .requiredOption('-o, --output <dir>', 'output project directory (replaced atomically)')
    .option('-c, --calibration <data>', 'calibration samples for float models: .npy, raw float32 .bin, or a folder')
    .option('--planner <id>', 'memory planner: greedy-by-size or linear', 'greedy-by-size')
    .option('--plan', 'print the memory plan (per tensor: offset, size, first/last layer)')
    .option('--json', 'print convert-report.json on stdout')
    .addHelpText(
      'after',
      `
Examples:
  tinyml convert ../shared/models/mlperf-tiny/kws_ref_model.tflite --board host -o out/kws
  make -C out/kws && out/kws/tinyml_host ../shared/models/mlperf-tiny/kws_input_0.int8.bin | xxd
  tinyml convert ad01_fp32.tflite --board host --calibration slices.bin -o out/ad01 --json
  tinyml convert model.tflite --board ./my-board.json -o out/m --plan

The project holds model.h (the API: tinyml_invoke, scales, zero points, per-layer hook),
model.c (weights in flash, one static arena), kernels/ (only those the model uses) and the
board template's build files, plus convert-report.json (sizes, plan, quantization fidelity).
A model that does not fit the board's flash or RAM is refused (exit code 5) with the numbers.`,
    )
    .action(async (modelPath: string, o: ConvertCliOptions) => {
      const log = cliLogger('CONVERT', { quiet: !!o.json });
      let boardId = o.board;
      if (!boardId) {
        const d = defaultBoard();
        log.info(d.reason);
        boardId = d.id;
      }
      const board = resolveBoard(boardId);
      const bar = progressBar('calibrate', !o.json);
      let result;
      try {
        result = await convertModel(modelPath, {
          board,
          outDir: o.output,
          runGraph,
          planner: o.planner,
          logger: log,
          onProgress: bar.onProgress,
          ...(o.calibration ? { calibration: o.calibration } : {}),
        });
      } finally {
        bar.stop();
      }
      if (o.json) {
        printJson(result.report);
        return;
      }
      if (o.plan) process.stdout.write(result.planText + '\n');
      process.stdout.write(summary(result.report, o.output) + '\n');
    });
}
