/**
 * `tinyml run <model> --board host`: the generated C, compiled natively, as a run backend.
 *
 * The model is converted into a project cached by model hash, the project is built (cached by
 * content, see host.ts), and all samples go through one run of `tinyml_host` (stdin → stdout).
 * Float edges are handled exactly as the graph defines them: a float input's Quantize op and a
 * float output's Dequantize op run in the reference interpreter, everything between them in C.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoardProfile } from '../boards/board.js';
import { buildHost, defaultCacheDir, runHostProgram } from '../build/host.js';
import { modelHash } from '../codegen/model-hash.js';
import { templatesDir } from '../codegen/paths.js';
import { needsQuantization, stripFloatEdges } from '../codegen/prepare.js';
import { TinymlError } from '../errors.js';
import type { TensorData } from '../ir/graph.js';
import { runGraph } from '../reference/interpreter.js';
import { convertGraph } from './convert.js';
import { ioPacker } from './io-pack.js';
import type { RunBackendRequest } from './run-backends.js';

let fingerprint: string | undefined;

/** Hash of everything that shapes a generated project besides the model. */
export function generatorFingerprint(board: BoardProfile): string {
  if (fingerprint) return `${fingerprint}-${board.template}-${board.kernels}`;
  const h = createHash('sha256');
  const addDir = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isFile()) h.update(f).update(readFileSync(p));
      else if (statSync(p).isDirectory()) addDir(p);
    }
  };
  addDir(templatesDir());
  // The code generator's own modules, the op definitions, the memory planner and the convert
  // step that picks the plan (.ts from source, .js when built).
  addDir(dirname(fileURLToPath(new URL('../codegen/emit-c.js', import.meta.url))));
  addDir(dirname(fileURLToPath(new URL('../ops/registry.js', import.meta.url))));
  addDir(dirname(fileURLToPath(new URL('../plan/planner.js', import.meta.url))));
  const convert = fileURLToPath(new URL('convert.js', import.meta.url));
  for (const p of [convert, convert.replace(/\.js$/, '.ts')]) if (existsSync(p)) h.update(readFileSync(p));
  fingerprint = h.digest('hex').slice(0, 12);
  return `${fingerprint}-${board.template}-${board.kernels}`;
}

/** The project generated for `req.graph` on `req.board`, cached by model and generator. */
export async function cachedProject(req: RunBackendRequest, cacheDir: string): Promise<string> {
  const { graph, board, logger } = req;
  if (needsQuantization(graph)) {
    throw new TinymlError(
      'unsupported',
      `${req.modelPath} is a float model; --board ${board.id} runs int8 C code`,
      'Quantize it first (tinyml quantize model --calibration data -o model.int8.tflite) and run that.',
    );
  }
  const g = stripFloatEdges(graph);
  const hash = modelHash(g);
  // Keyed by the model AND the generator (templates, kernels, emitter, op definitions), so a
  // newer tinyml never reuses a project an older one generated.
  const projectDir = join(cacheDir, 'projects', `${board.id}-${hash}-${generatorFingerprint(board)}`);
  if (!existsSync(join(projectDir, 'convert-report.json'))) {
    logger.info(`generating C for ${req.modelPath} (model hash ${hash})`);
    await convertGraph(g, req.modelPath, null, { board, outDir: projectDir, runGraph, measureCode: false, logger });
  }
  return projectDir;
}

export async function runOnHost(req: RunBackendRequest, cacheDir = defaultCacheDir()): Promise<TensorData[][]> {
  const { graph, samples, logger } = req;
  const projectDir = await cachedProject(req, cacheDir);
  const io = ioPacker(graph, stripFloatEdges(graph));
  const build = await buildHost(projectDir, { cacheDir, logger });
  const input = new Uint8Array(io.inputBytes * samples.length);
  samples.forEach((s, k) => input.set(io.pack(s), k * io.inputBytes));
  const out = await runHostProgram(build.exe, input, undefined, req.stream ? ['--stream'] : []);
  if (out.length !== io.outputBytes * samples.length) {
    throw new TinymlError('toolchain', `${build.exe} wrote ${out.length} bytes for ${samples.length} samples; expected ${io.outputBytes * samples.length}`);
  }
  const outputs: TensorData[][] = [];
  for (let k = 0; k < samples.length; k++) {
    outputs.push(io.unpack(out.subarray(k * io.outputBytes, (k + 1) * io.outputBytes)));
    req.onProgress?.(k + 1, samples.length, 'samples');
  }
  return outputs;
}
