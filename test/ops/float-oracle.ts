/**
 * Float kernels against TFLite: a single-op float graph written by our writer, imported back,
 * run on seeded inputs through the reference interpreter and through TFLite (tfjs-tflite).
 * The host C does not run float graphs, so this is the float counterpart of checkOp.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, HAVE_TFLITE, randomInput, runTflite, type OpSpec } from './harness.js';

export interface FloatCheck {
  imported: Graph;
  inputs: TensorData[][];
  reference: TensorData[][];
  /** Per output: the largest |TFLite − reference| and the largest |reference| (undefined without tfjs-tflite). */
  tfliteMaxDiff?: number[];
  maxAbs: number[];
}

export async function checkFloatOp(spec: OpSpec, opts: { samples?: number; seed?: number; inputs?: (g: Graph, r: () => number) => TensorData[] } = {}): Promise<FloatCheck> {
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
  const r = mulberry32(opts.seed ?? 1);
  const n = opts.samples ?? 5;
  const inputs = Array.from({ length: n }, () => opts.inputs?.(imported, r) ?? imported.inputs.map((i) => randomInput(imported.tensors[i]!, r, spec.floatRange)));
  const reference = inputs.map((x) => runGraph(imported, x));
  const maxAbs = reference[0]!.map((_, k) => Math.max(...reference.map((s) => Math.max(...Array.from(s[k]!, (v) => Math.abs(v))))));
  const result: FloatCheck = { imported, inputs, reference, maxAbs };
  if (HAVE_TFLITE) {
    const tf = await runTflite(bytes, inputs);
    result.tfliteMaxDiff = reference[0]!.map(() => 0);
    tf.forEach((outs, s) =>
      outs.forEach((vals, k) => {
        const want = reference[s]![k]!;
        if (vals.length !== want.length) throw new Error(`${spec.name}: TFLite output ${k} has ${vals.length} values, the reference ${want.length}`);
        vals.forEach((v, i) => (result.tfliteMaxDiff![k] = Math.max(result.tfliteMaxDiff![k]!, Math.abs(v - want[i]!))));
      }),
    );
  }
  return result;
}
