/**
 * `tinyml run <model> --board <emulated board>`: the generated C built for the board with
 * arm-none-eabi-gcc and run under QEMU, samples sent over the pty through the runtime protocol
 * (binary load, `infer 1 0`, raw int8 output). Registered for the bare-metal-cortex-m
 * template; a real board (no "emulator" field) is refused with a hint to use `tinyml bench
 * --port`. This module also registers the schema-validating board loader.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BOARDS_DIR, loadBoard, loadBoardFile } from '../boards/load.js';
import { buildArm } from '../build/arm.js';
import { defaultCacheDir } from '../build/host.js';
import { convertGraph } from '../codegen/convert.js';
import { modelHash } from '../codegen/model-hash.js';
import { needsQuantization, stripFloatEdges } from '../codegen/prepare.js';
import { TinymlError } from '../errors.js';
import type { Graph, Op, TensorData } from '../ir/graph.js';
import { registerBoardLoader, registerRunBackend, type RunBackendRequest } from '../reference/run-backends.js';
import { runGraph } from '../reference/interpreter.js';
import { openDevice } from './session.js';

function edgeGraph(g: Graph, op: Op): Graph {
  const inT = g.tensors[op.inputs[0]!]!;
  const outT = g.tensors[op.outputs[0]!]!;
  return { name: `${g.name}/${op.name}`, tensors: [inT, outT], ops: [{ ...op, inputs: [0], outputs: [1] } as Op], inputs: [0], outputs: [1] };
}

/** Files the code generator writes (model.c/h and kernels/), recursively, relative paths. */
function generatedFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel ? join(rel, name) : name;
    if (statSync(join(dir, r)).isDirectory()) {
      if (r === 'kernels' || rel.startsWith('kernels')) out.push(...generatedFiles(dir, r));
    } else if (rel.startsWith('kernels') || name === 'model.c' || name === 'model.h') {
      out.push(r);
    }
  }
  return out.sort();
}

function sameGenerated(a: string, b: string): boolean {
  if (!existsSync(join(a, 'convert-report.json'))) return false;
  const fa = generatedFiles(a);
  const fb = generatedFiles(b);
  return fa.length === fb.length && fa.every((f, i) => f === fb[i] && readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}

/**
 * The cached project for (board, model), generated afresh and kept only while the generated C
 * is byte-identical: the cache is shared by every checkout on the machine, and a model's hash
 * says nothing about the code generator or the kernel API that produced its model.c. An
 * unchanged project keeps its build directory, so make rebuilds nothing.
 */
async function cachedProject(g: Graph, board: RunBackendRequest['board'], req: RunBackendRequest, cacheDir: string): Promise<string> {
  const projects = join(cacheDir, 'projects');
  const projectDir = join(projects, `${board.id}-${modelHash(g)}`);
  await mkdir(projects, { recursive: true });
  const fresh = await mkdtemp(join(projects, '.gen-'));
  try {
    await convertGraph(g, req.modelPath, null, { board, outDir: join(fresh, 'p'), runGraph, measureCode: false, logger: req.logger });
    if (!sameGenerated(projectDir, join(fresh, 'p'))) {
      req.logger.info(`generating C for ${req.modelPath}`);
      await rm(projectDir, { recursive: true, force: true });
      await rename(join(fresh, 'p'), projectDir);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
  return projectDir;
}

export async function runEmulated(req: RunBackendRequest, cacheDir = defaultCacheDir()): Promise<TensorData[][]> {
  const { graph, board, samples, logger } = req;
  if (!board.emulator) {
    throw new TinymlError('usage', `--board ${board.id} is a real board; tinyml run drives emulated boards only`, `Flash it and use \`tinyml bench <dir> --board ${board.id} --port /dev/ttyACM0\`.`);
  }
  if (needsQuantization(graph)) {
    throw new TinymlError('unsupported', `${req.modelPath} is a float model; --board ${board.id} runs int8 C code`, 'Quantize it first (tinyml quantize) and run the int8 model.');
  }
  const g = stripFloatEdges(graph);
  const inEdge = g.inputs[0] !== graph.inputs[0] ? graph.ops.find((op) => op.outputs[0] === g.inputs[0]) : undefined;
  const outEdge = g.outputs[0] !== graph.outputs[0] ? graph.ops.find((op) => op.inputs[0] === g.outputs[0] && op.outputs[0] === graph.outputs[0]) : undefined;
  const projectDir = await cachedProject(g, board, req, cacheDir);
  const build = await buildArm(projectDir, board, { logger });
  const session = await openDevice({ board, elf: build.elf, logger });
  try {
    const outputs: TensorData[][] = [];
    for (let k = 0; k < samples.length; k++) {
      const x = (inEdge ? runGraph(edgeGraph(graph, inEdge), [samples[k]![0]!])[0]! : samples[k]![0]!) as Int8Array;
      await session.client.loadBinary(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      const r = await session.client.infer(1, 0);
      outputs.push([outEdge ? runGraph(edgeGraph(graph, outEdge), [r.output])[0]! : r.output]);
      req.onProgress?.(k + 1, samples.length, 'samples');
    }
    return outputs;
  } finally {
    await session.close();
  }
}

registerRunBackend('bare-metal-cortex-m', (req) => runEmulated(req));
// `--board` takes an id or a path to a board file; both are validated against boards/board.schema.json.
registerBoardLoader(async (id: string) => (id.endsWith('.json') ? loadBoardFile(id, { boardsDir: DEFAULT_BOARDS_DIR }) : loadBoard(id)));
