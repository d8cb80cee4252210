import path from 'node:path';
import type { Command } from 'commander';
import { loadBoard } from '../boards/load.js';
import { buildArm } from '../build/arm.js';
import { writeArduinoSketch, writePlatformioProject } from '../build/arm-project.js';
import { copyFile, rename } from 'node:fs/promises';
import { buildHost, HOST_EXE, measureCodeSize } from '../build/host.js';
import { hasTool, runTool } from '../build/tools.js';
import { DOCTOR_HINT } from '../errors.js';
import { TinymlError } from '../errors.js';
import { cliLogger, printJson } from './output.js';
import { projectBoardId } from './project.js';

interface BuildCliOptions {
  board?: string;
  kernels?: string;
  json?: boolean;
}

/** The command that builds an Arduino sketch folder / PlatformIO project. */
export function externalBuildCommand(template: string, dir: string, fqbn?: string, pioEnv?: string): { tool: string; args: string[] } {
  if (template === 'arduino') return { tool: 'arduino-cli', args: ['compile', '--fqbn', fqbn ?? '<fqbn>', dir] };
  return { tool: 'pio', args: ['run', '-d', dir, ...(pioEnv ? ['-e', pioEnv] : [])] };
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description("Build a converted project with its board's toolchain and report flash/RAM use against the board")
    .argument('<dir>', 'project directory made by `tinyml convert`')
    .option('-b, --board <id>', 'board id (default: the board the project was converted for)')
    .option('--kernels <set>', "kernel set instead of the board's (bare-metal Cortex-M only)")
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml convert kws.tflite --board qemu-mps2-an386 -o out/ && tinyml build out/
  tinyml build out/ --kernels reference --json

Bare-metal Cortex-M boards build with make + arm-none-eabi-gcc; Arduino and PlatformIO
projects build with arduino-cli / pio when installed, otherwise the command is printed.`,
    )
    .action(async (dir: string, opts: BuildCliOptions) => {
      const log = cliLogger('BUILD', { quiet: !!opts.json });
      const boardId = projectBoardId(dir, opts.board);
      const board = loadBoard(boardId);
      if (board.template === 'bare-metal-cortex-m') {
        const b = await buildArm(path.resolve(dir), board, { logger: log, ...(opts.kernels ? { kernels: opts.kernels } : {}) });
        const result = { board: board.id, template: board.template, elf: b.elf, kernels: b.kernels, ...b.sizes, flashBytes: b.flashBytes, flashAvailable: b.flashAvailable, ramBytes: b.ramBytes, ramAvailable: b.ramAvailable };
        if (opts.json) printJson(result);
        else {
          const pct = (a: number, c: number) => ((100 * a) / c).toFixed(1);
          process.stdout.write(
            `${b.elf}\n  text ${b.sizes.text}  data ${b.sizes.data}  bss ${b.sizes.bss}\n  flash ${b.flashBytes} of ${b.flashAvailable} bytes (${pct(b.flashBytes, b.flashAvailable)}%)\n  RAM   ${b.ramBytes} of ${b.ramAvailable} bytes (${pct(b.ramBytes, b.ramAvailable)}%)\n`,
          );
        }
        return;
      }
      if (board.template === 'host') {
        // Built in the content-keyed cache, then copied next to the sources (temp + rename).
        const b = await buildHost(path.resolve(dir), { logger: log });
        const exe = path.join(path.resolve(dir), HOST_EXE);
        const tmp = `${exe}.tmp-${process.pid}`;
        await copyFile(b.exe, tmp);
        await rename(tmp, exe);
        const size = await measureCodeSize(path.resolve(dir), board.toolchain.cc);
        const result = { board: board.id, template: board.template, exe, cached: b.cached, model: size.model, kernels: size.kernels, flashBytes: size.flashBytes, ramBytes: size.ramBytes };
        if (opts.json) printJson(result);
        else {
          process.stdout.write(
            `${exe}${b.cached ? ' (cached build)' : ''}\n  model.o  text ${size.model.text}  data ${size.model.data}  bss ${size.model.bss}\n  kernels  text ${size.kernels.text}  data ${size.kernels.data}  bss ${size.kernels.bss}\n  flash ${size.flashBytes} bytes, static RAM ${size.ramBytes} bytes (model + kernels)\n`,
          );
        }
        return;
      }
      let target = dir;
      if (board.template === 'arduino') target = writeArduinoSketch(path.resolve(dir), board);
      else writePlatformioProject(path.resolve(dir), board);
      const { tool, args } = externalBuildCommand(board.template, target, board.toolchain.arduinoFqbn, board.id);
      const cmd = `${tool} ${args.join(' ')}`;
      if (!hasTool(tool)) {
        if (opts.json) printJson({ board: board.id, template: board.template, built: false, command: cmd });
        else process.stdout.write(`${tool} is not installed; build this project with:\n  ${cmd}\n(${DOCTOR_HINT})\n`);
        return;
      }
      log.info(cmd);
      const r = await runTool(tool, args);
      if (r.code !== 0) throw new TinymlError('toolchain', `${cmd} failed (exit ${r.code}):\n${r.stderr.split('\n').slice(-20).join('\n')}`);
      if (opts.json) printJson({ board: board.id, template: board.template, built: true, command: cmd });
      else process.stdout.write(r.stdout.toString('utf8'));
    });
}
