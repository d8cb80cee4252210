import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/importers/index.js';
import { graphCost } from '../../src/ops/cost.js';
import { guessBenchmark, referenceModels } from '../../src/energy/mlperf-models.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

describe.skipIf(!existsSync(MODELS))('MLPerf Tiny reference-model MAC counts in data/mlperf-tiny-models.json', () => {
  it('match the cost model run on the reference models', async () => {
    const files: Record<string, string[]> = { kws: ['kws_ref_model.tflite', 'kws_ref_model_float32.tflite'], ad: ['ad01_int8.tflite'] };
    for (const ref of referenceModels()) {
      for (const f of files[ref.benchmark] ?? []) {
        const g = await importModel(MODELS + f);
        expect(graphCost(g).totals.macs, f).toBe(ref.macs.value);
        const inT = g.tensors[g.inputs[0]!]!;
        expect(inT.shape.reduce((a, b) => a * b, 1), f).toBe(ref.inputBytes.value);
      }
    }
  });
  it('recognises the benchmark by MAC count or name', () => {
    expect(guessBenchmark(2656768, 'model')).toBe('kws');
    expect(guessBenchmark(1, 'my_kws_student')).toBe('kws');
    expect(guessBenchmark(1, 'unknown')).toBeUndefined();
  });
});
