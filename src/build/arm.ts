/**
 * Cross build of a bare-metal Cortex-M project: lay out the board files (arm-project.ts), run
 * make with arm-none-eabi-gcc, then read text/data/bss of the ELF with arm-none-eabi-size and
 * compare them with the board's flash (text + data) and RAM (data + bss).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BoardProfile } from '../boards/board.js';
import { DOCTOR_HINT } from '../errors.js';
import { TinymlError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { writeArmProject } from './arm-project.js';
import { parseSizeOutput, type SectionSizes } from './size.js';
import { hasTool, runTool } from './tools.js';

export interface ArmBuildOptions {
  /** Kernel set to build with instead of the board's (reference vs cortex-m comparisons). */
  kernels?: string;
  /** Build directory inside the project (default "build"). */
  buildDir?: string;
  extraCflags?: string[];
  jobs?: number;
  logger?: Logger;
}

export interface ArmBuild {
  elf: string;
  bin: string;
  map: string;
  kernels: string;
  sizes: SectionSizes;
  flashBytes: number;
  ramBytes: number;
  flashAvailable: number;
  ramAvailable: number;
}

export const ARM_TOOLS = ['arm-none-eabi-gcc', 'arm-none-eabi-size', 'make'] as const;

export function missingArmTools(): string[] {
  return ARM_TOOLS.filter((t) => !hasTool(t));
}

/**
 * A project is planned for one kernel set (in-place layers, scratch sizes). Another set may
 * build it only when it needs no more: the reference kernels take no scratch, but cannot run a
 * layer in place.
 */
function checkKernelOverride(dir: string, kernels: string): void {
  const file = path.join(dir, 'convert-report.json');
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8')) as { kernelSet?: string; plan?: { inPlaceLayers?: number[] } };
  if (!report.kernelSet || report.kernelSet === kernels) return;
  const inPlace = report.plan?.inPlaceLayers ?? [];
  if (kernels !== 'reference' || inPlace.length > 0) {
    throw new TinymlError(
      'usage',
      `${dir} was planned for the '${report.kernelSet}' kernels${inPlace.length ? ` (layers ${inPlace.join(', ')} run in place)` : ''}; the '${kernels}' kernels cannot run that plan`,
      `Convert the model again with --kernels ${kernels} and build that project.`,
    );
  }
}

export async function buildArm(dir: string, board: BoardProfile, opts: ArmBuildOptions = {}): Promise<ArmBuild> {
  const log = opts.logger ?? silentLogger;
  const missing = missingArmTools();
  if (missing.length) {
    throw new TinymlError('toolchain', `cannot build for ${board.id}: ${missing.join(', ')} not found`, `Debian/Ubuntu: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi make; ${DOCTOR_HINT}.`);
  }
  if (opts.kernels) checkKernelOverride(dir, opts.kernels);
  const { kernels } = writeArmProject(dir, board, opts.kernels ? { kernels: opts.kernels } : {});
  const buildDir = opts.buildDir ?? 'build';
  const args = [`-j${opts.jobs ?? 2}`, `BUILD=${buildDir}`];
  if (opts.extraCflags?.length) args.push(`EXTRA_CFLAGS=${opts.extraCflags.join(' ')}`);
  log.info(`make ${args.join(' ')} (${board.id}, kernels ${kernels})`);
  const r = await runTool('make', args, { cwd: dir });
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout.toString('utf8')).split('\n').filter(Boolean).slice(-25).join('\n');
    throw new TinymlError('toolchain', `make failed in ${dir} for ${board.id} (exit ${r.code}):\n${tail}`, `Re-run \`make -C ${dir}\` to see the whole log.`);
  }
  const elf = path.join(dir, buildDir, 'firmware.elf');
  if (!existsSync(elf)) throw new TinymlError('toolchain', `make succeeded but ${elf} is missing`);
  const s = await runTool('arm-none-eabi-size', [elf]);
  if (s.code !== 0) throw new TinymlError('toolchain', `arm-none-eabi-size ${elf} failed: ${s.stderr}`);
  const sizes = [...parseSizeOutput(s.stdout.toString('utf8')).values()][0]!;
  const build: ArmBuild = {
    elf,
    bin: path.join(dir, buildDir, 'firmware.bin'),
    map: path.join(dir, buildDir, 'firmware.map'),
    kernels,
    sizes,
    flashBytes: sizes.text + sizes.data,
    ramBytes: sizes.data + sizes.bss,
    flashAvailable: board.memory.flash.length,
    ramAvailable: board.memory.ram.length,
  };
  if (build.flashBytes > build.flashAvailable || build.ramBytes > build.ramAvailable) {
    throw new TinymlError(
      'does-not-fit',
      `${board.id}: firmware needs ${build.flashBytes} bytes of flash (of ${build.flashAvailable}) and ${build.ramBytes} bytes of RAM (of ${build.ramAvailable})`,
      'See the map file ' + build.map + ' for what takes the space.',
    );
  }
  return build;
}
