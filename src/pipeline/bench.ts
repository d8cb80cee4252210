/**
 * `tinyml bench`: run a generated project on a board (QEMU or a real port), time it, and
 * validate its output against the TypeScript reference interpreter.
 *
 * What the numbers mean:
 * - measured (real board): cyclesPerInference are core cycles from DWT CYCCNT (or SysTick on
 *   the processor clock where DWT does not count), over N inferences, divided by N.
 * - emulated (QEMU with -icount shift=0): one guest instruction advances virtual time by 1 ns
 *   and SysTick counts virtual time at the board clock, so instructions = ticks × 1e9 / Hz
 *   (resolution: 1e9 / Hz instructions, 40 at 25 MHz). cyclesPerInference is that instruction
 *   count, i.e. it assumes one instruction per cycle; it is repeatable but it is not silicon
 *   timing (no wait states, no pipeline effects).
 * clockHz in the result is the board's rated clock (the one its power model refers to); the
 * bare-metal template may run at the reset clock (board.firmwareClockHz), which changes time per
 * inference but, apart from flash wait states, not the cycle count.
 * The reference comparison is exact (int8 bytes, tolerance 0).
 * Stateful models (LSTM, SVDF, resource variables): the device state is reset first, and the N
 * timed inferences are N steps of one stream on the same input, so the output validated is the
 * reference session's after N steps; cycles per inference are per step.
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { BoardProfile } from '../boards/board.js';
import { buildArm } from '../build/arm.js';
import { stripFloatEdges } from '../codegen/prepare.js';
import { TinymlError } from '../errors.js';
import { importModel } from '../importers/index.js';
import { graphCost } from '../ops/cost.js';
import type { Graph } from '../ir/graph.js';
import type { Logger, ProgressFn } from '../log.js';
import { silentLogger } from '../log.js';
import { createSession, runGraph } from '../reference/interpreter.js';
import { openDevice } from '../device/session.js';
import { packTensors, unpackTensors } from './io-pack.js';

export interface BenchResult {
  board: string;
  provenance: 'emulated' | 'measured';
  cyclesPerInference: number;
  /** Emulated only: guest instructions per inference (equal to cyclesPerInference there). */
  instructionsPerInference?: number;
  clockHz: number;
  cycleSource: string;
  macs: number;
  macsPerCycle: number;
  perLayerCycles?: { name: string; cycles: number }[];
  flashBytes: number;
  ramBytes: number;
  /** Bytes of state the model keeps between inferences (part of ramBytes; 0 when stateless). */
  stateBytes: number;
  kernels: string;
  inferences: number;
  validated: boolean;
  modelHash: string;
}

export interface BenchOptions {
  board: BoardProfile;
  port?: string;
  /** Input sample (raw int8, TINYML_INPUT_BYTES); default: a deterministic pseudo-random one. */
  input?: Uint8Array;
  inferences?: number;
  kernels?: string;
  logger?: Logger;
  onProgress?: ProgressFn;
  /** Write <dir>/bench.json (default true). */
  write?: boolean;
}

/** xorshift32 bytes: the same default input on every run and machine. */
export function defaultInput(n: number, seed = 0x1234567): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function loadProjectGraph(dir: string): Promise<{ graph: Graph; modelHash: string }> {
  const reportFile = path.join(dir, 'convert-report.json');
  if (!existsSync(reportFile)) throw new TinymlError('input', `${dir}: no convert-report.json: not a project made by \`tinyml convert\``);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { model: string; modelHash: string };
  // convert records the path as given; try it from the project, then from the working directory.
  const candidates = path.isAbsolute(report.model) ? [report.model] : [path.resolve(dir, report.model), path.resolve(report.model)];
  const modelPath = candidates.find((c) => existsSync(c)) ?? candidates[0]!;
  if (!existsSync(modelPath)) throw new TinymlError('input', `${reportFile}: model ${report.model} no longer exists; cannot validate against the reference`);
  const graph = stripFloatEdges(await importModel(modelPath));
  return { graph, modelHash: report.modelHash };
}

export async function benchProject(dir: string, opts: BenchOptions): Promise<BenchResult> {
  const log = opts.logger ?? silentLogger;
  const { board } = opts;
  const { graph, modelHash } = await loadProjectGraph(dir);
  const build = await buildArm(dir, board, { logger: log, ...(opts.kernels ? { kernels: opts.kernels } : {}) });
  const session = await openDevice({ board, elf: build.elf, ...(opts.port ? { port: opts.port } : {}), logger: log });
  try {
    const { client } = session;
    const info = await client.info();
    if (info.hash !== modelHash) {
      throw new TinymlError('device', `${board.id}: firmware runs model ${info.hash}, the project is ${modelHash}`, 'Flash the firmware built from this project first.');
    }
    const input = opts.input ?? defaultInput(info.inputBytes);
    if (input.length !== info.inputBytes) throw new TinymlError('input', `input has ${input.length} bytes; the model takes ${info.inputBytes}`);
    await client.loadBinary(input);
    const n = opts.inferences ?? 1;
    const stateful = info.stateBytes > 0;
    if (stateful) await client.reset();
    opts.onProgress?.(0, n, 'inferences');
    const r = await client.infer(n, 0);
    opts.onProgress?.(n, n, 'inferences');
    const layers = info.layers > 0 ? await client.layers() : undefined;
    const inputs = unpackTensors(graph, graph.inputs, input);
    let outputs = runGraph(graph, inputs);
    if (stateful) {
      const s = createSession(graph);
      for (let k = 0; k < n; k++) outputs = s.run(inputs);
    }
    const expected = packTensors(graph, graph.outputs, outputs);
    const got = new Uint8Array(r.output.buffer, r.output.byteOffset, r.output.byteLength);
    const validated = expected.length === got.length && expected.every((v, i) => v === got[i]);
    if (!validated) log.warn(`${board.id}: output ${Buffer.from(got).toString('hex')} differs from the reference ${Buffer.from(expected).toString('hex')}`);
    const emulated = session.provenance === 'emulated';
    const scale = emulated ? 1e9 / info.cycleHz : 1;
    const cycles = Math.round(r.ticksPerInference * scale);
    const macs = graphCost(graph).totals.macs;
    const result: BenchResult = {
      board: board.id,
      provenance: session.provenance,
      cyclesPerInference: cycles,
      ...(emulated ? { instructionsPerInference: cycles } : {}),
      clockHz: emulated ? info.cycleHz : board.clockHz,
      cycleSource: info.cycleSource,
      macs,
      macsPerCycle: macs / cycles,
      ...(layers ? { perLayerCycles: layers.map((l) => ({ name: l.name, cycles: Math.round(l.cycles * scale) })) } : {}),
      flashBytes: build.flashBytes,
      ramBytes: build.ramBytes,
      stateBytes: info.stateBytes,
      kernels: build.kernels,
      inferences: n,
      validated,
      modelHash,
    };
    if (opts.write !== false) {
      const file = path.join(dir, 'bench.json');
      writeFileSync(file + '.tmp', JSON.stringify(result, null, 2) + '\n');
      renameSync(file + '.tmp', file);
    }
    return result;
  } finally {
    await session.close();
  }
}
