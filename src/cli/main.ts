import { Command } from 'commander';
import { createRequire } from 'node:module';
import { commands } from './commands.js';
import { handleError } from './errors.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tinyml')
    .description('From a trained model to int8 firmware on a microcontroller, and back to numbers: accuracy, cycles, energy.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  tinyml inspect model.tflite
  tinyml quantize model_fp32.tflite --calibration samples.npy -o model_int8.tflite
  tinyml convert model.tflite --board qemu-mps2-an386 -o out/
  tinyml run model.tflite --input sample.bin --json

Exit codes: 0 ok, 2 usage, 3 unreadable input, 4 unsupported model, 5 does not fit the board,
6 toolchain, 7 device/serial, 8 validation mismatch, 70 internal error.`,
    );
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = handleError(err);
  }
}
