/**
 * Acceptance: quantize the MLPerf Tiny AD01 autoencoder (ad01_fp32.tflite) with slices 0–19 of
 * normal_id_01_00000000_hist_librosa.bin as calibration; on slices 20–39 the MSE of our
 * dequantized outputs vs the float outputs must be ≤ 1.1 × the same MSE of the official
 * ad01_int8.tflite (TFLite's converter), both run by the same reference interpreter, each
 * with its own input quantization.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../src/importers/index.js';
import { importModel } from '../../src/importers/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { compareModels } from '../../src/quantize/fidelity.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import type { CalibrationSet } from '../../src/quantize/calibration-data.js';
import type { ObserverKind } from '../../src/quantize/observers.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

function slices(): Float32Array[] {
  const b = readFileSync(MODELS + 'normal_id_01_00000000_hist_librosa.bin');
  expect(b.length).toBe(40 * 640 * 4);
  const out: Float32Array[] = [];
  for (let s = 0; s < 40; s++) {
    const x = new Float32Array(640);
    for (let i = 0; i < 640; i++) x[i] = b.readFloatLE((s * 640 + i) * 4);
    out.push(x);
  }
  return out;
}

const set = (samples: Float32Array[]): CalibrationSet => ({ samples, files: ['normal_id_01_00000000_hist_librosa.bin'], source: 'file' });

describe('AD01 int8 fidelity vs TFLite converter', () => {
  it('held-out MSE of our int8 model <= 1.1 x the official ad01_int8.tflite', async () => {
    const float = await importModel(MODELS + 'ad01_fp32.tflite');
    const official = await importModel(MODELS + 'ad01_int8.tflite');
    const all = slices();
    const cal = all.slice(0, 20);
    const hold = all.slice(20, 40);
    const officialMetrics = compareModels(runGraph, float, official, hold);
    const results: Record<string, number> = {};
    for (const observer of ['minmax', 'percentile', 'mse', undefined] as (ObserverKind | undefined)[]) {
      const opts: Parameters<typeof quantizeModel>[1] = { run: runGraph, calibration: set(cal), holdout: set(hold) };
      if (observer) opts.observer = observer;
      const { report } = quantizeModel(float, opts);
      results[observer ?? `default (${report.observer})`] = report.fidelity.holdout!.mse;
    }
    console.log(`AD01 held-out MSE (slices 20-39) vs float: official ad01_int8.tflite ${officialMetrics.mse.toExponential(4)}`);
    for (const [k, v] of Object.entries(results)) {
      console.log(`  ours, observer ${k}: ${v.toExponential(4)} (${(v / officialMetrics.mse).toFixed(3)} x official)`);
    }
    const pt = quantizeModel(float, { run: runGraph, calibration: set(cal), holdout: set(hold), perTensorFullyConnected: true }).report;
    console.log(`  ours, default observer, per-tensor dense weights: ${pt.fidelity.holdout!.mse.toExponential(4)} (${(pt.fidelity.holdout!.mse / officialMetrics.mse).toFixed(3)} x official)`);
    expect(pt.fidelity.holdout!.mse).toBeLessThanOrEqual(1.1 * officialMetrics.mse);
    const ours = Object.entries(results).find(([k]) => k.startsWith('default'))![1];
    expect(officialMetrics.mse).toBeGreaterThan(0);
    expect(ours).toBeLessThanOrEqual(1.1 * officialMetrics.mse);
  });

  it('the Keras original (ad01.h5, BatchNorm folded by the importer) quantizes as well', async () => {
    const h5 = await importModel(MODELS + 'ad01.h5');
    const official = await importModel(MODELS + 'ad01_int8.tflite');
    const float = await importModel(MODELS + 'ad01_fp32.tflite');
    const all = slices();
    const hold = all.slice(20, 40);
    const { report } = quantizeModel(h5, { run: runGraph, calibration: set(all.slice(0, 20)), holdout: set(hold) });
    // Against the .h5's own float outputs, and with the same yardstick as above.
    const officialMse = compareModels(runGraph, float, official, hold).mse;
    console.log(`AD01 from ad01.h5: held-out MSE ${report.fidelity.holdout!.mse.toExponential(4)} (official ${officialMse.toExponential(4)})`);
    expect(report.fidelity.holdout!.mse).toBeLessThanOrEqual(1.1 * officialMse);
  });
});
