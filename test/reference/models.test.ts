import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/importers/index.js';
import { runGraph } from '../../src/reference/interpreter.js';

/**
 * The int8 and float32 versions of the shared MLPerf Tiny models agree through the reference
 * interpreter: a check of the int8 kernels as a whole (a wrong multiplier, rounding or padding
 * anywhere shows up as a collapse of the SQNR or a changed argmax).
 */
const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

/** AffineQuantize as TFLite does it (float32 division, round half away from zero, clamp). */
function quantizeInput(x: Float32Array, scale: number, zp: number): Int8Array {
  return Int8Array.from(x, (v) => {
    const r = Math.fround(v / Math.fround(scale));
    const rr = (r < 0 ? -Math.round(-r) : Math.round(r)) + zp;
    return Math.max(-128, Math.min(127, rr));
  });
}

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
};

describe('KWS (DS-CNN) int8 vs float32', () => {
  it('the int8 model and the float model on the dequantized input pick the same class', async () => {
    const gi = await importModel(MODELS + 'kws_ref_model.tflite');
    const gf = await importModel(MODELS + 'kws_ref_model_float32.tflite');
    const x = new Int8Array(readFileSync(MODELS + 'kws_input_0.int8.bin'));
    const qi = gi.tensors[gi.inputs[0]!]!.quant!;
    const xf = Float32Array.from(x, (v) => qi.scale[0]! * (v - qi.zeroPoint[0]!));
    const yi = runGraph(gi, [x])[0]!;
    const yf = runGraph(gf, [xf])[0]! as Float32Array;
    expect(yi.length).toBe(12);
    expect(argmax(yi)).toBe(argmax(yf));
    // The float softmax is confident; the int8 one (scale 1/256, zp -128) saturates at that class.
    expect(yf[argmax(yf)]!).toBeGreaterThan(0.9);
    const qo = gi.tensors[gi.outputs[0]!]!.quant!;
    for (let i = 0; i < 12; i++) expect(Math.abs(qo.scale[0]! * (yi[i]! - qo.zeroPoint[0]!) - yf[i]!)).toBeLessThan(0.02);
  });
});

describe('AD01 (autoencoder) int8 vs float32 on the 40 real slices', () => {
  it('dequantized int8 outputs stay close to the float outputs (SQNR, anomaly score)', async () => {
    const gi = await importModel(MODELS + 'ad01_int8.tflite');
    const gf = await importModel(MODELS + 'ad01_fp32.tflite');
    const qi = gi.tensors[gi.inputs[0]!]!.quant!;
    const qo = gi.tensors[gi.outputs[0]!]!.quant!;
    const raw = readFileSync(MODELS + 'normal_id_01_00000000_hist_librosa.bin');
    const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(all.length).toBe(40 * 640);
    let signal = 0;
    let noise = 0;
    let worstScoreRel = 0;
    for (let s = 0; s < 40; s++) {
      const x = all.subarray(s * 640, (s + 1) * 640);
      const yf = runGraph(gf, [x.slice()])[0] as Float32Array;
      const yq = runGraph(gi, [quantizeInput(x, qi.scale[0]!, qi.zeroPoint[0]!)])[0] as Int8Array;
      let scoreF = 0;
      let scoreQ = 0;
      for (let i = 0; i < 640; i++) {
        const d = qo.scale[0]! * (yq[i]! - qo.zeroPoint[0]!);
        signal += yf[i]! ** 2;
        noise += (d - yf[i]!) ** 2;
        scoreF += (x[i]! - yf[i]!) ** 2;
        scoreQ += (x[i]! - d) ** 2;
      }
      worstScoreRel = Math.max(worstScoreRel, Math.abs(scoreQ - scoreF) / scoreF);
    }
    const sqnrDb = 10 * Math.log10(signal / noise);
    // Measured 31.7 dB (RMS error ≈ 2 output LSBs of 0.364) — the quantization noise of ten
    // int8 FC layers; a wrong requantization anywhere drops this below 10 dB.
    expect(sqnrDb).toBeGreaterThan(25);
    // The anomaly score (reconstruction MSE) the benchmark uses: measured worst relative change
    // over the 40 slices 12.1% (input quantization included); broken kernels give > 100%.
    expect(worstScoreRel).toBeLessThan(0.2);
  });
});
