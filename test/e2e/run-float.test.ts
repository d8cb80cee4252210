/**
 * `tinyml run <float model> --board host|qemu-…`: the int8 firmware convert would produce, next
 * to the float model. Checked against what it must equal: the int8 reference interpreter on the
 * same quantized graph (the firmware is byte-exact with it), the float interpreter, and the
 * model hash `tinyml convert` reports for the same model and calibration.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { importModel } from '../../src/importers/index.js';
import { loadSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { prepareGraph, runGraph } from '../../src/reference/interpreter.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(ROOT, '../shared/models/mlperf-tiny/kws_ref_model_float32.tflite');
// The shared copy when it is there (the acceptance model); the bundled copy is the same bytes.
const MODEL = existsSync(SHARED) ? SHARED : path.join(ROOT, 'examples/mlperf-tiny/kws_ref_model_float32.tflite');
// The real KWS input, dequantized to float32 with kws_ref_model.tflite's input parameters.
const INPUT = path.join(ROOT, 'examples/mlperf-tiny/kws_input_0.f32.bin');

const cache = mkdtempSync(path.join(os.tmpdir(), 'tinyml-run-float-cache-'));
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, TINYML_CACHE_DIR: cache } });

interface RunFloatJson {
  backend: string;
  modelHash: string;
  classifier: boolean;
  outputs: { firmwareInt8: number[]; firmware: number[]; float: number[]; maxAbsError: number; argmax: { firmware: number; float: number } | null }[];
  maxAbsError: number;
  meanAbsError: number;
  top1Agreement: number | null;
  quantization: { warning: string | null; calibration: { source: string; samples: number } | null; output: { scale: number; zeroPoint: number } };
}

/** What the firmware must print, computed without the C code: quantize, int8 interpreter, float interpreter. */
async function expected(calibration: string) {
  const g = await importModel(MODEL);
  prepareGraph(g);
  const cal = await loadSamples(calibration, 490);
  const q = quantizeModel(g, { run: runGraph, calibration: cal }).graph;
  prepareGraph(q);
  const x = new Float32Array(new Uint8Array(readFileSync(INPUT)).buffer);
  const inT = q.tensors[q.inputs[0]!]!;
  const [s, zp] = [inT.quant!.scale[0]!, inT.quant!.zeroPoint[0]!];
  // TFLite's Quantize: round half away from zero of x / scale (in float32), plus the zero point.
  const xq = Int8Array.from(x, (v) => {
    const r = Math.fround(v / s);
    return Math.max(-128, Math.min(127, Math.sign(r) * Math.round(Math.abs(r)) + zp));
  });
  const int8 = Array.from(runGraph(q, [xq])[0]!);
  const float = Array.from(runGraph(g, [x])[0]!);
  const outT = q.tensors[q.outputs[0]!]!;
  const deq = int8.map((v) => outT.quant!.scale[0]! * (v - outT.quant!.zeroPoint[0]!));
  return { int8, float, deq, maxAbsError: Math.max(...deq.map((d, i) => Math.abs(d - float[i]!))) };
}

const argmax = (a: number[]) => a.indexOf(Math.max(...a));

describe.skipIf(!hasTool('cc') || !hasTool('make'))('tinyml run <float model> --board host', () => {
  it('prints the int8 firmware outputs (raw and dequantized) next to the float reference, with the error', async () => {
    const r = cli(['run', MODEL, '--board', 'host', '--input', INPUT, '--calibration', INPUT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as RunFloatJson;
    const e = await expected(INPUT);
    expect(j.backend).toMatch(/^host .*int8 firmware/);
    expect(j.outputs).toHaveLength(1);
    expect(j.outputs[0]!.firmwareInt8).toEqual(e.int8); // C on the host = int8 interpreter, byte for byte
    expect(j.outputs[0]!.float).toEqual(e.float);
    expect(j.outputs[0]!.firmware).toEqual(e.deq);
    expect(j.maxAbsError).toBe(e.maxAbsError);
    expect(j.maxAbsError).toBeGreaterThan(0); // int8 is not the float model
    expect(j.classifier).toBe(true); // KWS ends in Softmax
    expect(j.outputs[0]!.argmax).toEqual({ firmware: argmax(e.deq), float: argmax(e.float) });
    expect(j.top1Agreement).toBe(argmax(e.deq) === argmax(e.float) ? 1 : 0);
    expect(j.quantization.warning).toBeNull();
    expect(j.quantization.calibration).toMatchObject({ source: 'file', samples: 1 });

    // The same firmware convert produces from the same model and calibration.
    const out = mkdtempSync(path.join(os.tmpdir(), 'tinyml-run-float-conv-'));
    const c = cli(['convert', MODEL, '--board', 'host', '--calibration', INPUT, '-o', path.join(out, 'p'), '--json']);
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).modelHash).toBe(j.modelHash);

    // The table a person reads.
    const t = cli(['run', MODEL, '--board', 'host', '--input', INPUT, '--calibration', INPUT]);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/int8 firmware on host .* vs the float model/);
    expect(t.stdout).toMatch(/index\s+int8\s+firmware\s+float\s+\|error\|/);
    expect(t.stdout).toMatch(new RegExp(`1 sample\\(s\\): max \\|error\\| ${e.maxAbsError.toFixed(4)}.*top-1 agreement ${j.top1Agreement}/1`));
  });

  it('without --calibration: synthetic calibration, with the warning, and still runs', () => {
    const r = cli(['run', MODEL, '--board', 'host', '--input', INPUT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/NO CALIBRATION DATA/);
    const j = JSON.parse(r.stdout) as RunFloatJson;
    expect(j.quantization.warning).toMatch(/NO CALIBRATION DATA/);
    expect(j.quantization.calibration).toMatchObject({ source: 'synthetic', samples: 32 });
  });

  it.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('on qemu-mps2-an386 the firmware gives the same int8 outputs', async () => {
    const r = cli(['run', MODEL, '--board', 'qemu-mps2-an386', '--input', INPUT, '--calibration', INPUT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as RunFloatJson;
    expect(j.backend).toMatch(/^qemu-mps2-an386/);
    expect(j.outputs[0]!.firmwareInt8).toEqual((await expected(INPUT)).int8);
  });
});
