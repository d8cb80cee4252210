import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadBoard } from '../boards/load.js';
import { benchProject } from '../pipeline/bench.js';
import { TinymlError } from '../errors.js';
import { cliLogger, printJson, progressBar } from './output.js';
import { projectBoardId } from './project.js';

interface BenchCliOptions {
  board?: string;
  port?: string;
  input?: string;
  inferences: string;
  kernels?: string;
  json?: boolean;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('Build a converted project for its board, run it (QEMU for emulated boards, --port for real ones), time it and validate the output against the reference interpreter; writes <dir>/bench.json')
    .argument('<dir>', 'project directory made by `tinyml convert`')
    .option('-b, --board <id>', 'board id (default: the board the project was converted for)')
    .option('-p, --port <path>', 'serial port of a real board running the firmware (e.g. /dev/ttyACM0)')
    .option('-i, --input <file>', 'raw int8 input sample (default: a fixed pseudo-random one)')
    .option('-n, --inferences <n>', 'inferences to time', '1')
    .option('--kernels <set>', 'kernel set to build with instead of the board\'s (e.g. reference)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml convert kws.tflite --board qemu-mps2-an386 -o out/ && tinyml bench out/
  tinyml bench out/ --kernels reference --json
  tinyml bench out/ --board nucleo-l4r5zi --port /dev/ttyACM0 -n 10

Under QEMU the figures are labelled "emulated": guest instructions per inference counted in
virtual time (-icount shift=0), not silicon cycles.`,
    )
    .action(async (dir: string, opts: BenchCliOptions) => {
      const log = cliLogger('BENCH', { quiet: !!opts.json });
      const boardId = projectBoardId(dir, opts.board);
      const n = Number(opts.inferences);
      if (!Number.isInteger(n) || n < 1 || n > 100000) throw new TinymlError('usage', `--inferences ${opts.inferences}: must be an integer from 1 to 100000`);
      const board = loadBoard(boardId);
      const bar = progressBar('[BENCH] inferences', !opts.json);
      const r = await benchProject(path.resolve(dir), {
        board,
        inferences: n,
        logger: log,
        onProgress: bar.onProgress,
        ...(opts.port ? { port: opts.port } : {}),
        ...(opts.kernels ? { kernels: opts.kernels } : {}),
        ...(opts.input ? { input: new Uint8Array(readFileSync(opts.input)) } : {}),
      }).finally(() => bar.stop());
      if (opts.json) printJson(r);
      else {
        const unit = r.provenance === 'emulated' ? 'instructions (emulated)' : 'cycles (measured)';
        process.stdout.write(
          [
            `${r.board} (${r.kernels} kernels): ${r.cyclesPerInference} ${unit} per inference`,
            `  MACs ${r.macs}, ${r.macsPerCycle.toFixed(3)} MACs per ${r.provenance === 'emulated' ? 'instruction' : 'cycle'}`,
            `  flash ${r.flashBytes} bytes, RAM ${r.ramBytes} bytes${r.stateBytes ? ` (${r.stateBytes} of them state kept between inferences; the timed inferences are steps of one stream)` : ''}`,
            `  output ${r.validated ? 'matches' : 'DIFFERS FROM'} the reference interpreter`,
            `  → ${path.join(dir, 'bench.json')}`,
          ].join('\n') + '\n',
        );
      }
      if (!r.validated) throw new TinymlError('validation', `${r.board}: device output differs from the reference interpreter`, 'Run with --kernels reference to see whether an optimized kernel is at fault.');
    });
}
