import type { Command } from 'commander';
import { join } from 'node:path';
import { resolveBoard } from '../boards/load.js';
import { convertModel } from '../pipeline/convert.js';
import { distill, type DistillReport } from '../pipeline/distill.js';
import { TinymlError } from '../errors.js';
import { runGraph } from '../reference/interpreter.js';
import { cliLogger, printJson, progressBar } from './output.js';

interface DistillCliOptions {
  data: string;
  board?: string;
  output: string;
  teacherLogits?: string;
  flash?: string;
  ram?: string;
  reserve: string;
  maxMacs?: string;
  maxParams?: string;
  searchMaxMacs: string;
  maxLatencyMs?: string;
  cyclesPerMac?: string;
  alpha: string;
  temperature: string;
  epochs: string;
  batchSize: string;
  lr: string;
  patience: string;
  seed: string;
  maxInt8Drop: string;
  maxTrials: string;
  searchEpochs: string;
  searchSamples: string;
  student?: string;
  compareHardLabels?: boolean;
  limit?: string;
  convert?: boolean;
  json?: boolean;
}

/** "32K", "1M", "262144" → bytes. */
export function parseBytes(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KkMm]i?[Bb]?)?$/.exec(s.trim());
  if (!m) throw new TinymlError('usage', `${what} '${s}' is not a size (e.g. 32K, 1M, 262144)`);
  const mult = m[2] ? (m[2][0]!.toLowerCase() === 'k' ? 1024 : 1024 * 1024) : 1;
  return Math.round(Number(m[1]) * mult);
}

function num(s: string, what: string, min = -Infinity): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v < min) throw new TinymlError('usage', `${what} '${s}' is not a number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  return v;
}

function summary(r: DistillReport): string {
  const p = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
  const lines = [
    `teacher: ${r.teacher.params ?? '?'} params, ${r.teacher.macs ?? '?'} MACs, test accuracy ${p(r.teacher.testAccuracy)}`,
    `student: ${r.student.name}: ${r.student.params} params, ${r.student.macs} MACs, ${r.student.weightBytesInt8} B int8 weights, ${r.student.arenaBytesInt8} B arena`,
    `         test accuracy float ${p(r.student.floatTestAccuracy)}, int8 ${p(r.student.int8TestAccuracy)}${r.ratios.paramsTeacherOverStudent ? ` — ${r.ratios.paramsTeacherOverStudent.toFixed(1)}× fewer parameters` : ''}`,
  ];
  if (r.hardLabelBaseline) lines.push(`hard labels only: float ${p(r.hardLabelBaseline.floatTestAccuracy)}, int8 ${p(r.hardLabelBaseline.int8TestAccuracy)}`);
  lines.push(`wrote ${r.files.tflite}, ${r.files.tfjs}/, ${r.files.report}, ${r.files.markdown} (${r.seconds.toFixed(0)} s)`);
  return lines.join('\n');
}

export function registerDistill(program: Command): void {
  program
    .command('distill')
    .description('Distill a large teacher into a small int8 student that fits a board (budget search, KD training, int8 + QAT)')
    .argument('[teacher]', 'teacher model (.tflite, Keras .h5/.keras, TF.js model.json, .onnx); optional with --teacher-logits')
    .requiredOption('-d, --data <dir|mnist>', "dataset: a folder per class, a folder with x.npy + y.npy, or 'mnist'")
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('-b, --board <id>', 'board whose flash and RAM bound the student')
    .option('--teacher-logits <file.npy>', 'teacher outputs (N × classes, dataset order) computed elsewhere')
    .option('--flash <size>', 'flash budget, overrides the board (e.g. 32K)')
    .option('--ram <size>', 'RAM budget, overrides the board (e.g. 8K)')
    .option('--reserve <fraction>', 'share of flash and RAM kept for runtime code, stack and the application', '0.1')
    .option('--max-macs <n>', 'upper bound on MACs per inference')
    .option('--max-params <n>', 'upper bound on student parameters (e.g. 1/20 of the teacher)')
    .option('--max-latency-ms <ms>', 'upper bound on latency (needs --cycles-per-mac)')
    .option('--cycles-per-mac <n>', 'measured cycles per MAC on the board (tinyml bench prints it)')
    .option('--alpha <a>', 'weight of the distillation term (0 = hard labels only)', '0.9')
    .option('--temperature <T>', 'softmax temperature of the distillation term', '4')
    .option('--epochs <n>', 'maximum training epochs', '20')
    .option('--batch-size <n>', 'mini-batch size', '64')
    .option('--lr <rate>', 'Adam learning rate', '0.002')
    .option('--patience <n>', 'early stopping: epochs without validation improvement', '3')
    .option('--seed <n>', 'seed for the split, initialisation and shuffling', '1')
    .option('--max-int8-drop <points>', 'int8 accuracy drop (points) that triggers quantization-aware fine-tuning', '1')
    .option('--max-trials <n>', 'budget search: candidates to train briefly', '6')
    .option('--search-epochs <n>', 'budget search: epochs per candidate', '2')
    .option('--search-samples <n>', 'budget search: training samples per candidate', '8000')
    .option('--search-max-macs <n>', 'budget search: train only candidates up to this many MACs', '400000')
    .option('--student <name>', 'skip the search and train this student (e.g. mlp-w64-d1)')
    .option('--compare-hard-labels', 'also train the same student on hard labels only, for comparison')
    .option('--limit <n>', 'use only the first n samples of the dataset (quick runs)')
    .option('--convert', 'continue into `tinyml convert` for the board (output in <dir>/firmware)')
    .option('--json', 'print distill-report.json on stdout')
    .addHelpText(
      'after',
      `
Examples:
  npx tsx scripts/train-mnist-teacher.ts .cache/mnist-teacher      # a 1.03 M-parameter CNN teacher
  tinyml distill .cache/mnist-teacher/model.json --data mnist --board arduino-nano-33-ble-sense -o out/mnist
  tinyml distill teacher.h5 --data samples/ --flash 32K --ram 8K -o out/tiny --compare-hard-labels
  tinyml distill --teacher-logits logits.npy --data samples/ --board nucleo-l4r5zi -o out/s --convert

Writes student/ (TF.js model + normalization.json), student.int8.tflite, split.json,
distill-report.json and distill-report.md (teacher vs student, candidates, Pareto front).`,
    )
    .action(async (teacher: string | undefined, o: DistillCliOptions) => {
      const log = cliLogger('DISTILL', { quiet: !!o.json });
      if (!teacher && !o.teacherLogits) throw new TinymlError('usage', 'give a teacher model or --teacher-logits');
      const board = o.board ? resolveBoard(o.board) : undefined;
      const flashBytes = o.flash ? parseBytes(o.flash, '--flash') : board?.memory.flash.length;
      const ramBytes = o.ram ? parseBytes(o.ram, '--ram') : board?.memory.ram.length;
      if (flashBytes === undefined || ramBytes === undefined) throw new TinymlError('usage', 'no budget: give --board or both --flash and --ram');
      const bars: { stop: () => void }[] = [];
      const report = await distill({
        ...(teacher ? { teacher } : {}),
        ...(o.teacherLogits ? { teacherLogits: o.teacherLogits } : {}),
        data: o.data,
        outDir: o.output,
        budget: {
          flashBytes,
          ramBytes,
          reserve: num(o.reserve, '--reserve', 0),
          ...(o.maxMacs ? { maxMacs: num(o.maxMacs, '--max-macs', 1) } : {}),
          ...(o.maxParams ? { maxParams: num(o.maxParams, '--max-params', 1) } : {}),
          ...(o.maxLatencyMs ? { maxLatencyMs: num(o.maxLatencyMs, '--max-latency-ms', 0) } : {}),
          ...(o.cyclesPerMac ? { cyclesPerMac: num(o.cyclesPerMac, '--cycles-per-mac', 0) } : {}),
          ...(board ? { clockHz: board.clockHz } : {}),
        },
        ...(board ? { boardId: board.id } : {}),
        alpha: num(o.alpha, '--alpha', 0),
        temperature: num(o.temperature, '--temperature', 0.01),
        epochs: num(o.epochs, '--epochs', 1),
        batchSize: num(o.batchSize, '--batch-size', 1),
        learningRate: num(o.lr, '--lr', 0),
        patience: num(o.patience, '--patience', 1),
        seed: num(o.seed, '--seed'),
        maxInt8Drop: num(o.maxInt8Drop, '--max-int8-drop', 0),
        maxTrials: num(o.maxTrials, '--max-trials', 1),
        searchEpochs: num(o.searchEpochs, '--search-epochs', 1),
        searchSamples: num(o.searchSamples, '--search-samples', 10),
        searchMaxMacs: num(o.searchMaxMacs, '--search-max-macs', 1),
        tolerance: 0.005,
        compareHardLabels: !!o.compareHardLabels,
        ...(o.student ? { student: o.student } : {}),
        ...(o.limit ? { limit: num(o.limit, '--limit', 10) } : {}),
        logger: log,
        onProgress: (stage) => {
          const bar = progressBar(`[DISTILL] ${stage}`, !o.json);
          bars.push(bar);
          return bar.onProgress;
        },
      }).finally(() => bars.forEach((b) => b.stop()));
      if (o.convert) {
        if (!board) throw new TinymlError('usage', '--convert needs --board');
        await convertModel(report.files.tflite, { board, outDir: join(o.output, 'firmware'), runGraph, logger: cliLogger('CONVERT', { quiet: !!o.json }) });
        log.info(`firmware project in ${join(o.output, 'firmware')}`);
      }
      if (o.json) printJson(report);
      else process.stdout.write(summary(report) + '\n');
    });
}
