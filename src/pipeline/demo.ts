/**
 * The main job, end to end, from the files inside the package (examples/, data/): what
 * `tinyml demo` and `scripts/demo.sh` run.
 *
 * Steps:
 * 1. Pick the board: the one given, else the default (the emulated Cortex-M4 when
 *    arm-none-eabi-gcc and qemu-system-arm are installed, the host otherwise).
 * 2. `convert` the example model (MLPerf Tiny KWS, int8) into <out>/project.
 * 3. Run it on the board and compare its output with the reference interpreter, byte for byte:
 *    on the host, the compiled `tinyml_host`; on an emulated board, `bench` (firmware under QEMU
 *    over a pseudo-terminal, instructions per inference counted).
 * 4. Write the energy report for a real board's power model (report.json/md/html).
 *
 * A mismatch is a validation error; a board that is neither the host nor emulated is refused
 * (the demo has no --port).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BoardProfile } from '../boards/board.js';
import { defaultBoard } from './default-board.js';
import { loadBoard } from '../boards/load.js';
import { hasTool } from '../build/tools.js';
import { convertModel } from './convert.js';
import { benchProject, type BenchResult } from './bench.js';
import { DOCTOR_HINT } from '../errors.js';
import { projectRoot } from '../energy/paths.js';
import { TinymlError } from '../errors.js';
import { importModel } from '../importers/index.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { resolveRunBackend } from './run-backends.js';
import { prepareGraph, runGraph } from '../reference/interpreter.js';
import { buildEnergyReport } from '../report/build-report.js';
import { writeReport } from '../report/write-report.js';

/** The bundled example the demo runs by default. */
export function exampleFile(name: string): string {
  return path.join(projectRoot(), 'examples', 'mlperf-tiny', name);
}

export interface MainJobOptions {
  /** Output directory; the project goes to <out>/project. */
  out: string;
  /** Default: the bundled KWS model and its real input. */
  model?: string;
  input?: string;
  /** Board to run on (default: see step 1). */
  board?: string;
  /** Board whose power model the report uses (default nucleo-l4r5zi). */
  reportBoard?: string;
  ratePerS?: number;
  logger?: Logger;
}

export interface MainJobResult {
  model: string;
  input: string;
  board: string;
  /** Why this board (when it was not given). */
  boardReason: string | null;
  how: 'host' | 'emulated';
  projectDir: string;
  /** Device output bytes equal the reference interpreter's. */
  validated: boolean;
  outputBytes: number;
  bench: BenchResult | null;
  report: { json: string; md: string; html: string };
  /** The energy figure of the report, as printed there. */
  mcuEnergyUJ: number | null;
  seconds: { convert: number; run: number; report: number };
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

const since = (t: number) => Math.round((performance.now() - t) / 10) / 100;

export async function runMainJob(o: MainJobOptions): Promise<MainJobResult> {
  const log = o.logger ?? silentLogger;
  const model = o.model ?? exampleFile('kws_ref_model.tflite');
  const input = o.input ?? exampleFile('kws_input_0.int8.bin');
  let boardId = o.board;
  let boardReason: string | null = null;
  if (!boardId) {
    const d = defaultBoard();
    boardId = d.id;
    boardReason = d.reason;
    log.info(d.reason);
  }
  const board: BoardProfile = loadBoard(boardId);
  const how = board.template === 'host' ? 'host' : board.emulator ? 'emulated' : undefined;
  if (!how) {
    throw new TinymlError('usage', `--board ${board.id} is a real board; the demo runs on the host or an emulated board`, `Use \`tinyml convert\` + \`tinyml bench <dir> --port …\` for a real board, or --board qemu-mps2-an386.`);
  }
  if (how === 'host' && !(hasTool('cc') && hasTool('make'))) {
    throw new TinymlError('toolchain', 'the demo needs a C compiler: neither the Arm cross compiler with QEMU nor the host cc and make were found', `${DOCTOR_HINT}.`);
  }
  const projectDir = path.join(o.out, 'project');
  mkdirSync(o.out, { recursive: true });

  let t = performance.now();
  log.info(`convert ${model} → ${projectDir} (board ${board.id})`);
  await convertModel(model, { board, outDir: projectDir, runGraph, logger: log });
  const tConvert = since(t);

  t = performance.now();
  const sample = new Uint8Array(readFileSync(input));
  const graph = await importModel(model);
  prepareGraph(graph);
  const inT = graph.tensors[graph.inputs[0]!]!;
  if (inT.dtype !== 'int8') throw new TinymlError('usage', `${model}: the demo takes an int8 model (input is ${inT.dtype})`, 'Use `tinyml run <float model> --board host` to compare a float model with its int8 firmware.');
  const x = new Int8Array(sample.buffer, sample.byteOffset, sample.byteLength);
  const reference = runGraph(graph, [x])[0] as Int8Array;
  writeAtomic(path.join(o.out, 'reference.bin'), new Uint8Array(reference.buffer, reference.byteOffset, reference.byteLength));
  let validated: boolean;
  let bench: BenchResult | null = null;
  if (how === 'host') {
    const { backend } = await resolveRunBackend(board.id);
    const device = (await backend({ graph, modelPath: model, board, samples: [[x]], logger: log }))[0]![0] as Int8Array;
    writeAtomic(path.join(o.out, 'device.bin'), new Uint8Array(device.buffer, device.byteOffset, device.byteLength));
    validated = device.length === reference.length && device.every((v, i) => v === reference[i]);
  } else {
    // bench compares the firmware's output bytes with the reference interpreter itself.
    log.info(`bench on ${board.id} (firmware under QEMU, over a pseudo-terminal)`);
    bench = await benchProject(path.resolve(projectDir), { board, inferences: 1, input: sample, logger: log });
    validated = bench.validated;
  }
  const tRun = since(t);
  if (!validated) {
    throw new TinymlError('validation', `${board.id}: the firmware's output differs from the reference interpreter (reference output: ${path.join(o.out, 'reference.bin')})`, 'Run `tinyml bench <dir> --kernels reference` to see whether an optimized kernel is at fault.');
  }
  log.info(`${board.id}: output identical to the reference interpreter (${reference.length} bytes)`);

  t = performance.now();
  const report = buildEnergyReport({ dir: projectDir, ratePerS: o.ratePerS ?? 1, boardId: o.reportBoard ?? 'nucleo-l4r5zi', region: 'us', pue: 'aws' });
  const files = await writeReport(report, projectDir);
  const tReport = since(t);
  return {
    model,
    input,
    board: board.id,
    boardReason,
    how,
    projectDir,
    validated,
    outputBytes: reference.length,
    bench,
    report: files,
    mcuEnergyUJ: report.mcu.energyJ ? report.mcu.energyJ.value * 1e6 : null,
    seconds: { convert: tConvert, run: tRun, report: tReport },
  };
}
