/**
 * Reference interpreter throughput on the shared MLPerf Tiny models: milliseconds per sample
 * (after a warm-up run that also prepares the graph) and MACs per second.
 *
 *   npx tsx bench/reference.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importModel } from '../src/importers/index.js';
import { graphCost } from '../src/ops/cost.js';
import { allocTensorData, elementCount, type TensorData } from '../src/ir/graph.js';
import { runGraph } from '../src/reference/interpreter.js';

const MODELS = fileURLToPath(new URL('../../shared/models/mlperf-tiny/', import.meta.url));

async function bench(file: string, input?: TensorData): Promise<void> {
  const g = await importModel(MODELS + file);
  const it = g.tensors[g.inputs[0]!]!;
  const x = input ?? allocTensorData(it.dtype, elementCount(it.shape));
  const t0 = performance.now();
  runGraph(g, [x]);
  const first = performance.now() - t0;
  const n = 20;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) runGraph(g, [x]);
  const per = (performance.now() - t1) / n;
  const macs = graphCost(g).totals.macs;
  console.log(
    `${file.padEnd(32)} ${macs.toLocaleString('en-US').padStart(11)} MACs  first run ${first.toFixed(1).padStart(7)} ms  ` +
      `${per.toFixed(2).padStart(7)} ms/sample  ${(macs / per / 1000).toFixed(1).padStart(6)} MMAC/s`,
  );
}

await bench('kws_ref_model.tflite', new Int8Array(readFileSync(MODELS + 'kws_input_0.int8.bin')));
await bench('kws_ref_model_float32.tflite');
await bench('ad01_int8.tflite');
await bench('ad01_fp32.tflite');
