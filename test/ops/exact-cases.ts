/**
 * Runs given inputs (hand-written cases, TFLM golden samples) through the reference interpreter
 * and the generated C on the host, so a test can compare both with expected values it states.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBoard } from '../../src/boards/load.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import { allocTensorData, type Graph, type TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, HAVE_TFLITE, randomInput, runTflite, type OpSpec } from './harness.js';

let board: ReturnType<typeof resolveBoard> | undefined;

/** Output 0 of every sample, from the reference interpreter and from the host C build. */
export async function runBoth(g: Graph, samples: TensorData[][], name = g.name): Promise<{ reference: number[][]; host: number[][] }> {
  board ??= resolveBoard('host');
  const reference = samples.map((s) => Array.from(runGraph(g, s)[0]!));
  const host = (await runOnHost({ graph: g, modelPath: `${name}.tflite`, board, samples, logger: silentLogger })).map((o) => Array.from(o[0]!));
  return { reference, host };
}

/** Typed data for input `k` of `spec`'s graph from plain numbers. */
export function typed(spec: OpSpec, k: number, values: number[]): TensorData {
  const g = buildGraph(spec);
  const t = g.tensors[g.inputs[k]!]!;
  const d = allocTensorData(t.dtype, values.length);
  values.forEach((v, i) => (d[i] = v));
  return d;
}

/**
 * A float op through its .tflite round trip: the graph written by the project's writer and read
 * back (same op attributes), seeded inputs through the reference float kernel and through
 * TFLite (tfjs-tflite) when it is installed. The host C build takes int8/int16 graphs only.
 */
export async function floatCheck(spec: OpSpec, opts: { samples?: number; seed?: number; positive?: boolean } = {}): Promise<{ graph: Graph; inputs: TensorData[][]; reference: Float32Array[][]; tfliteMaxAbs?: number; tfliteMaxRel?: number }> {
  const graph = buildGraph(spec);
  const bytes = writeTflite(graph);
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-float-op-'));
  let imported: Graph;
  try {
    const file = join(dir, `${spec.name}.tflite`);
    writeFileSync(file, bytes);
    imported = await importModel(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { name: _a, ...wrote } = graph.ops[0]!;
  const { name: _b, ...read } = imported.ops[0]!;
  if (JSON.stringify(wrote, Object.keys(wrote).sort()) !== JSON.stringify(read, Object.keys(read).sort())) throw new Error(`${spec.name}: the op read back differs: ${JSON.stringify(read)}`);
  const r = mulberry32(opts.seed ?? 1);
  const inputs = Array.from({ length: opts.samples ?? 4 }, () =>
    imported.inputs.map((i) => {
      const d = randomInput(imported.tensors[i]!, r, spec.floatRange);
      return opts.positive ? d.map(Math.abs) : d;
    }),
  );
  const reference = inputs.map((x) => runGraph(imported, x) as Float32Array[]);
  const out: { graph: Graph; inputs: TensorData[][]; reference: Float32Array[][]; tfliteMaxAbs?: number; tfliteMaxRel?: number } = { graph: imported, inputs, reference };
  if (HAVE_TFLITE) {
    const tf = await runTflite(bytes, inputs);
    let abs = 0;
    let rel = 0;
    tf.forEach((o, s) =>
      o[0]!.forEach((v, i) => {
        const w = reference[s]![0]![i]!;
        const d = Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)) ? 0 : Math.abs(v - w);
        abs = Math.max(abs, d);
        rel = Math.max(rel, d / Math.max(Math.abs(w), 1e-30));
      }),
    );
    out.tfliteMaxAbs = abs;
    out.tfliteMaxRel = rel;
  }
  return out;
}
