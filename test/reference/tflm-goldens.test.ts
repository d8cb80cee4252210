/**
 * TFLite Micro's own outputs (../shared/models/tflite-micro/tflm-outputs: TFLM 90b983c, reference
 * kernels, x86_64) for every shared TFLM model: the reference interpreter and the generated C on
 * the host must give exactly TFLM's bytes, sample by sample. Stateful models (`stateful`: LSTM,
 * SVDF, variables) are checked with their state carried across the samples in order (`output`:
 * one reference session, one host stream), as TFLM ran them, and with a fresh state per sample
 * (`output_fresh`: runGraph, the host resetting before each sample).
 *
 * PENDING lists models whose ops are not all supported yet, with the reason; a model listed there
 * that has become supported fails this test, so the list only shrinks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import { importModel } from '../../src/importers/index.js';
import { silentLogger } from '../../src/log.js';
import { unsupportedLayers } from '../../src/ops/support.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { createSession, runGraph } from '../../src/reference/interpreter.js';

import { GOLDENS, goldenInputs, SHARED, type Golden, type GoldenCase } from './tflm-goldens.js';

/** Models not yet runnable, and why (the test fails once one of them runs: remove it here). */
const PENDING: Record<string, string> = {};

const names = existsSync(GOLDENS) ? readdirSync(GOLDENS).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : [];

function expected(c: GoldenCase): number[][] {
  return c.outputs ?? [c.output!];
}

describe.skipIf(names.length === 0)("TFLM's outputs on the shared TFLM models", () => {
  it('has goldens for every shared TFLM model', () => {
    expect(names).toEqual(expect.arrayContaining(['hello_world_int8', 'micro_speech_quantized', 'person_detect', 'keyword_scrambled_8bit', 'trained_lstm_int8']));
  });

  for (const name of names) {
    const golden = JSON.parse(readFileSync(join(GOLDENS, `${name}.json`), 'utf8')) as Golden;
    const modelPath = join(SHARED, golden.model_path.replace(/^shared\//, ''));
    if (PENDING[name]) {
      it(`${name}: still pending (${PENDING[name]})`, async () => {
        const g = await importModel(modelPath);
        expect(unsupportedLayers(g).length, `${name} runs now: remove it from PENDING`).toBeGreaterThan(0);
      });
      continue;
    }
    it(`${name}: reference and host C equal TFLM on every sample${golden.stateful ? ' (state carried in order, and fresh)' : ''}`, async () => {
      const g = await importModel(modelPath);
      expect(unsupportedLayers(g)).toEqual([]);
      // The goldens' samples in order (a stateful model's `output` depends on the ones before it).
      const cases = [...golden.cases].sort((a, b) => a.sample - b.sample);
      const samples = cases.map((c) => goldenInputs(name, golden, g, c.sample));
      const arrays = (o: ArrayLike<number>[][]) => o.map((s) => s.map((t) => Array.from(t)));
      const board = resolveBoard('host');
      // Stateful: one session / one host stream across the samples, as TFLM's one interpreter.
      const session = golden.stateful ? createSession(g) : undefined;
      const ref = arrays(samples.map((x) => (session ? session.run(x) : runGraph(g, x))));
      const host = arrays(await runOnHost({ graph: g, modelPath, board, samples, logger: silentLogger, stream: golden.stateful }));
      cases.forEach((c, i) => {
        expect(ref[i], `${name} ${c.name}: reference vs TFLM`).toEqual(expected(c));
        expect(host[i], `${name} ${c.name}: host C vs TFLM`).toEqual(expected(c));
      });
      if (golden.stateful) {
        expect(cases.every((c) => c.output_fresh !== undefined), `${name}: a stateful golden has output_fresh`).toBe(true);
        const fresh = arrays(samples.map((x) => runGraph(g, x)));
        const hostFresh = arrays(await runOnHost({ graph: g, modelPath, board, samples, logger: silentLogger }));
        cases.forEach((c, i) => {
          expect(fresh[i], `${name} ${c.name}: fresh reference vs TFLM`).toEqual([c.output_fresh]);
          expect(hostFresh[i], `${name} ${c.name}: fresh host C vs TFLM`).toEqual([c.output_fresh]);
        });
      }
    }, 300_000);
  }
});
