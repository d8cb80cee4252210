import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../src/importers/tflite.js';
import { importModel } from '../../src/importers/registry.js';
import { writeNpy } from '../../src/io/npy.js';
import { buildProgram } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

function cli(args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tinyml quantize (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-quant-e2e-'));
  const all = readFileSync(MODELS + 'normal_id_01_00000000_hist_librosa.bin');
  const calBin = join(dir, 'cal.bin');
  writeFileSync(calBin, all.subarray(0, 20 * 640 * 4));
  // Held-out slices as a .npy of shape (20, 1, 640), float64: another loader path.
  const hold = new Float64Array(20 * 640);
  for (let i = 0; i < hold.length; i++) hold[i] = all.readFloatLE(20 * 640 * 4 + i * 4);
  const holdNpy = join(dir, 'hold.npy');
  writeFileSync(holdNpy, writeNpy({ dtype: 'float64', shape: [20, 1, 640], data: hold }));

  it('AD01: writes an int8 .tflite and the report, --json matches the report file', async () => {
    const out = join(dir, 'ad01.int8.tflite');
    const r = cli(['quantize', MODELS + 'ad01_fp32.tflite', '--calibration', calBin, '--holdout', holdNpy, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.calibration).toMatchObject({ source: 'file', samples: 20 });
    expect(json.calibration.warning).toBeUndefined();
    expect(json.holdout.samples).toBe(20);
    expect(json.fidelity.holdout.top1Agreement).toBeNull(); // an autoencoder, not a classifier
    expect(json.fidelity.holdout.mse).toBeGreaterThan(0);
    expect(json.fidelity.holdout.layers).toHaveLength(10);
    for (const l of json.fidelity.holdout.layers) expect(l.sqnrDb).toBeGreaterThan(15);
    expect(JSON.parse(readFileSync(`${out}.quant-report.json`, 'utf8'))).toEqual(json);
    const g = await importModel(out);
    const inT = g.tensors[g.inputs[0]!]!;
    expect(inT.dtype).toBe('int8');
    expect(inT.quant).toEqual({ scale: [json.inputs[0].scale], zeroPoint: [json.inputs[0].zeroPoint] });
    expect(g.tensors[g.outputs[0]!]!.dtype).toBe('int8');
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('no calibration data: synthetic inputs with a loud warning in the output and the report', () => {
    const out = join(dir, 'kws.synthetic.tflite');
    const r = cli(['quantize', MODELS + 'kws_ref_model_float32.tflite', '-o', out, '--synthetic-samples', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WARNING: NO CALIBRATION DATA/);
    expect(r.stdout).toMatch(/observer: mse/);
    expect(r.stdout).toMatch(/top-1 agreement\s+\d+\.\d%/);
    expect(r.stdout).toMatch(/MSE\s+\d/);
    expect(r.stdout).toMatch(/Per-layer SQNR/);
    expect(r.stdout).toMatch(/\n12\s+Softmax/);
    expect(r.stderr).toMatch(/NO CALIBRATION DATA/);
    const rep = JSON.parse(readFileSync(`${out}.quant-report.json`, 'utf8'));
    expect(rep.calibration.source).toBe('synthetic');
    expect(rep.calibration.warning).toMatch(/NO CALIBRATION DATA/);
    expect(rep.fidelity.calibration.top1Agreement).not.toBeNull(); // KWS ends in Softmax
  });

  it('calibration data of the wrong size: exit 3, the message names the file and the sizes', () => {
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, new Uint8Array(640 * 4 + 8));
    const r = cli(['quantize', MODELS + 'ad01_fp32.tflite', '-c', bad, '-o', join(dir, 'x.tflite')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/2568 bytes = 642 float32 values, not a multiple of the model input size 640/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an int8 model is copied with its parameters and reported as already int8', async () => {
    const out = join(dir, 'kws.copy.tflite');
    const r = cli(['quantize', MODELS + 'kws_ref_model.tflite', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.alreadyInt8).toBe(true);
    const a = await importModel(MODELS + 'kws_ref_model.tflite');
    const b = await importModel(out);
    expect(b.tensors.map((t) => [t.name, t.quant])).toEqual(a.tensors.map((t) => [t.name, t.quant]));
    expect(b.tensors.map((t) => (t.data ? Array.from(t.data) : null))).toEqual(a.tensors.map((t) => (t.data ? Array.from(t.data) : null)));
  });

  it('--activations int16 writes a 16x8 model (int16 I/O, int8 weights, int64 biases) that convert compiles', async () => {
    const out = join(dir, 'ad01.16x8.tflite');
    const r = cli(['quantize', MODELS + 'ad01_fp32.tflite', '--calibration', calBin, '--holdout', holdNpy, '--activations', 'int16', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.activations).toBe('int16');
    expect(json.fullyConnectedWeights).toBe('per-tensor');
    expect(json.inputs[0]).toMatchObject({ dtype: 'int16', zeroPoint: 0 });
    const g = await importModel(out);
    expect(g.tensors[g.inputs[0]!]!.dtype).toBe('int16');
    expect(g.tensors[g.outputs[0]!]!.dtype).toBe('int16');
    expect(g.tensors[g.ops[0]!.inputs[1]!]!.dtype).toBe('int8');
    expect(g.tensors[g.ops[0]!.inputs[2]!]!.dtype).toBe('int64');
    // The text report names the scheme.
    const t = cli(['quantize', MODELS + 'ad01_fp32.tflite', '--calibration', calBin, '--activations', 'int16', '-o', join(dir, 'ad01.16x8.b.tflite')]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/activations: int16 \(16x8/);
    expect(t.stdout).toMatch(/input\s+\S+\s+int16/);
    // convert --activations int16 on the float model: int16 kernels in the project.
    const proj = join(dir, 'ad01-16x8-proj');
    const c = cli(['convert', MODELS + 'ad01_fp32.tflite', '--calibration', calBin, '--activations', 'int16', '--board', 'host', '-o', proj, '--json']);
    expect(c.code, c.stderr).toBe(0);
    const rep = JSON.parse(c.stdout);
    expect(rep.input.dtype).toBe('int16');
    expect(rep.kernels).toEqual(['fully_connected_s16']);
    expect(rep.quantization.activations).toBe('int16');
  });

  it('--activations takes int8 or int16 only', () => {
    const r = cli(['quantize', MODELS + 'ad01_fp32.tflite', '--activations', 'int4', '-o', join(dir, 'x4.tflite')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/int4.*(int8|choices)/s);
  });

  it('--help shows examples', () => {
    let text = '';
    const program = buildProgram();
    const cmd = program.commands.find((c) => c.name() === 'quantize')!;
    cmd.configureOutput({ writeOut: (t) => (text += t) });
    cmd.outputHelp();
    expect(text).toMatch(/Examples:/);
    expect(text).toMatch(/--observer <kind>/);
    expect(text).toMatch(/--calibration <data>/);
    expect(text).toMatch(/--activations <dtype>/);
    expect(text).toMatch(/--activations int16/);
  });
});
