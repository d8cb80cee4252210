import path from 'node:path';
import type { Command } from 'commander';
import { runMainJob } from '../pipeline/demo.js';
import { DOCTOR_HINT } from '../errors.js';
import { cliLogger, printJson } from './output.js';

/**
 * `tinyml demo`: the main job in one command, from the example model shipped in the package:
 * convert → run on the board and compare with the reference byte for byte → energy report.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the main job on the bundled MLPerf Tiny keyword-spotting model: convert, run on the emulated Cortex-M4 (or the host), validate against the reference interpreter, write the energy report')
    .option('-o, --out <dir>', 'output directory (the project goes to <dir>/project)', 'tinyml-demo')
    .option('-b, --board <id>', 'board to run on: the host or an emulated board (default: qemu-mps2-an386 when arm-none-eabi-gcc and qemu-system-arm are installed, else host)')
    .option('--report-board <id>', 'board whose power model the energy report uses', 'nucleo-l4r5zi')
    .option('--model <file>', 'int8 model instead of the bundled kws_ref_model.tflite')
    .option('--input <file>', 'raw int8 input for --model (default: the bundled kws_input_0.int8.bin)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml demo
  tinyml demo -o out/demo --board host
  tinyml demo --json | jq .report.html

Which tools are installed and what each enables: tinyml doctor.`,
    )
    .action(async (opts: { out: string; board?: string; reportBoard: string; model?: string; input?: string; json?: boolean }) => {
      const log = cliLogger('DEMO', { quiet: !!opts.json });
      const r = await runMainJob({
        out: opts.out,
        reportBoard: opts.reportBoard,
        logger: log,
        ...(opts.board ? { board: opts.board } : {}),
        ...(opts.model ? { model: opts.model } : {}),
        ...(opts.input ? { input: opts.input } : {}),
      });
      if (opts.json) {
        printJson(r);
        return;
      }
      const lines = [
        `model:  ${path.relative(process.cwd(), r.model).startsWith('..') ? r.model : path.relative(process.cwd(), r.model)}`,
        `board:  ${r.board} (${r.how === 'host' ? 'compiled natively on this machine' : 'firmware under QEMU over a pseudo-terminal'})`,
        `output: identical to the reference interpreter (${r.outputBytes} bytes)`,
      ];
      if (r.bench) lines.push(`cycles: ${r.bench.cyclesPerInference} instructions per inference (emulated), ${r.bench.macsPerCycle.toFixed(3)} MACs per instruction`);
      if (r.mcuEnergyUJ !== null) lines.push(`energy: ${r.mcuEnergyUJ.toPrecision(4)} µJ per inference on ${opts.reportBoard} (report.md says how it was derived)`);
      lines.push(`report: ${r.report.md} and ${r.report.html}`);
      if (r.how === 'host') lines.push(`(to run on the emulated Cortex-M4: ${DOCTOR_HINT})`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
