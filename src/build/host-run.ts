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
import { resolveBoard } from '../boards/load.js';
import { convertGraph } from '../codegen/convert.js';
import { modelHash } from '../codegen/model-hash.js';
import { templatesDir } from '../codegen/paths.js';
import { needsQuantization, stripFloatEdges } from '../codegen/prepare.js';
import { TinymlError } from '../errors.js';
import type { Graph, Op, TensorData } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { registerBoardLoader, registerRunBackend, type RunBackendRequest } from '../reference/run-backends.js';
import { runGraph } from '../reference/interpreter.js';
import { buildHost, defaultCacheDir, runHostProgram } from './host.js';

/** A one-op graph running `op` of `g` (for the float edges). */
function edgeGraph(g: Graph, op: Op): Graph {
  const inT = g.tensors[op.inputs[0]!]!;
  const outT = g.tensors[op.outputs[0]!]!;
  return { name: `${g.name}/${op.name}`, tensors: [inT, outT], ops: [{ ...op, inputs: [0], outputs: [1] } as Op], inputs: [0], outputs: [1] };
}

let fingerprint: string | undefined;

/** Hash of everything that shapes a generated project besides the model. */
export function generatorFingerprint(board: BoardProfile): string {
  if (fingerprint) return fingerprint;
  const h = createHash('sha256');
  const addDir = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isFile()) h.update(f).update(readFileSync(p));
    }
  };
  addDir(join(templatesDir(), board.template));
  addDir(join(templatesDir(), 'kernels', 'reference'));
  addDir(join(templatesDir(), 'kernels', board.kernels));
  // The code generator's own modules (.ts from source, .js when built).
  addDir(dirname(fileURLToPath(new URL('../codegen/emit-c.js', import.meta.url))));
  return (fingerprint = h.digest('hex').slice(0, 12));
}

export async function runOnHost(req: RunBackendRequest, cacheDir = defaultCacheDir()): Promise<TensorData[][]> {
  const { graph, board, samples, logger } = req;
  if (needsQuantization(graph)) {
    throw new TinymlError(
      'unsupported',
      `${req.modelPath} is a float model; --board ${board.id} runs int8 C code`,
      'Quantize it first (tinyml quantize model --calibration data -o model.int8.tflite) and run that.',
    );
  }
  const g = stripFloatEdges(graph);
  const inEdge = g.inputs[0] !== graph.inputs[0] ? graph.ops.find((op) => op.outputs[0] === g.inputs[0]) : undefined;
  const outEdge = g.outputs[0] !== graph.outputs[0] ? graph.ops.find((op) => op.inputs[0] === g.outputs[0] && op.outputs[0] === graph.outputs[0]) : undefined;
  const hash = modelHash(g);
  // Keyed by the model AND the generator (templates, kernels, emitter), so a newer tinyml never
  // reuses a project an older one generated.
  const projectDir = join(cacheDir, 'projects', `${board.id}-${hash}-${generatorFingerprint(board)}`);
  if (!existsSync(join(projectDir, 'convert-report.json'))) {
    logger.info(`generating C for ${req.modelPath} (model hash ${hash})`);
    await convertGraph(g, req.modelPath, null, { board, outDir: projectDir, runGraph, measureCode: false, logger });
  }
  const build = await buildHost(projectDir, { cacheDir, logger });
  const inBytes = elementCount(g.tensors[g.inputs[0]!]!.shape);
  const outBytes = elementCount(g.tensors[g.outputs[0]!]!.shape);
  const input = new Int8Array(inBytes * samples.length);
  samples.forEach((s, k) => {
    const x = inEdge ? runGraph(edgeGraph(graph, inEdge), [s[0]!])[0]! : s[0]!;
    input.set(x as Int8Array, k * inBytes);
  });
  const out = await runHostProgram(build.exe, new Uint8Array(input.buffer));
  if (out.length !== outBytes * samples.length) {
    throw new TinymlError('toolchain', `${build.exe} wrote ${out.length} bytes for ${samples.length} samples; expected ${outBytes * samples.length}`);
  }
  const outputs: TensorData[][] = [];
  for (let k = 0; k < samples.length; k++) {
    const y = new Int8Array(out.buffer, out.byteOffset + k * outBytes, outBytes).slice();
    outputs.push([outEdge ? runGraph(edgeGraph(graph, outEdge), [y])[0]! : y]);
    req.onProgress?.(k + 1, samples.length, 'samples');
  }
  return outputs;
}

registerRunBackend('host', (req) => runOnHost(req));
registerBoardLoader(async (id: string): Promise<BoardProfile> => resolveBoard(id));
