/**
 * KWS (MLPerf Tiny DS-CNN): no real calibration set ships with the models, so the calibration
 * samples are kws_input_0.int8.bin dequantized with the official model's input params, plus
 * seeded perturbations of it (additive noise and gain changes); held-out samples are other
 * perturbations. Checks the top-1 agreement of our int8 model with the float model, and with
 * the official kws_ref_model.tflite, against the official model's own agreement with float.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../src/importers/tflite.js';
import { importModel } from '../../src/importers/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { seededRandom } from '../../src/quantize/calibration-data.js';
import { compareModels, runInt8OnFloat, tensorParams } from '../../src/quantize/fidelity.js';
import { quantizeModel } from '../../src/quantize/quantize.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

function perturbations(base: Float32Array, n: number, seed: number): Float32Array[] {
  const rnd = seededRandom(seed);
  let sd = 0;
  for (const v of base) sd += v * v;
  sd = Math.sqrt(sd / base.length);
  const out: Float32Array[] = [];
  for (let k = 0; k < n; k++) {
    const gain = 0.7 + 0.6 * rnd();
    const noise = 0.3 * sd * rnd();
    const x = new Float32Array(base.length);
    for (let i = 0; i < x.length; i++) {
      const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      x[i] = base[i]! * gain + noise * g;
    }
    out.push(x);
  }
  return out;
}

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
};

describe('KWS int8 fidelity', () => {
  it('top-1 agreement with float (and with the official int8 model) on perturbed kws_input_0', async () => {
    const float = await importModel(MODELS + 'kws_ref_model_float32.tflite');
    const official = await importModel(MODELS + 'kws_ref_model.tflite');
    const raw = readFileSync(MODELS + 'kws_input_0.int8.bin');
    expect(raw.length).toBe(490);
    const q0 = Int8Array.from(raw, (b) => (b << 24) >> 24);
    const p = tensorParams(official.tensors[official.inputs[0]!]!);
    const base = Float32Array.from(q0, (q) => p.scale * (q - p.zeroPoint));
    const cal = [base, ...perturbations(base, 23, 11)];
    const hold = perturbations(base, 24, 12);
    const { graph, report } = quantizeModel(float, {
      run: runGraph,
      calibration: { samples: cal, files: ['kws_input_0.int8.bin (+ perturbations)'], source: 'file' },
      holdout: { samples: hold, files: ['perturbations'], source: 'file' },
    });
    const ours = report.fidelity.holdout!;
    const off = compareModels(runGraph, float, official, hold);
    let oursVsOfficial = 0;
    for (const x of hold) {
      if (argmax(runInt8OnFloat(runGraph, graph, x)[0]!) === argmax(runInt8OnFloat(runGraph, official, x)[0]!)) oursVsOfficial++;
    }
    console.log(
      `KWS held-out (${hold.length} perturbed samples): top-1 agreement with float: ours ${ours.top1Agreement}, official ${off.top1Agreement}; ` +
        `ours vs official ${oursVsOfficial / hold.length}; output MSE ours ${ours.mse.toExponential(3)}, official ${off.mse.toExponential(3)}`,
    );
    expect(ours.top1Agreement).not.toBeNull();
    expect(ours.top1Agreement!).toBeGreaterThanOrEqual(off.top1Agreement! - 1 / hold.length);
    expect(ours.top1Agreement!).toBeGreaterThanOrEqual(0.9);
    // Every layer keeps a usable signal-to-noise ratio.
    for (const l of ours.layers) if (l.sqnrDb !== null) expect(l.sqnrDb, l.name).toBeGreaterThan(10);
  });
});
