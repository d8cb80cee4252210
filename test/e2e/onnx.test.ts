/**
 * The CLI on .onnx files, end to end: a PyTorch-style CNN built in code (NCHW, conv/bn/relu,
 * depthwise, global pool, linear, softmax).
 *   - `inspect` shows the IR's NHWC shapes and the model's NCHW ones;
 *   - `run` takes NCHW samples and gives what ONNX Runtime gives (1e-4 of its range);
 *   - `quantize` calibrates on NCHW samples as TFLite models are calibrated, and the int8 model
 *     agrees with ONNX Runtime's float outputs in its top-1 on those samples;
 *   - `convert --calibration --board host`: the generated C equals the reference interpreter
 *     byte for byte on the calibration samples and on random int8 inputs;
 *   - `distill` takes an .onnx teacher: its cached teacher outputs equal ONNX Runtime's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { hasTool } from '../../src/build/tools.js';
import { loadInt8Graph } from '../../src/pipeline/convert.js';
import { loadMnist } from '../../src/distill/dataset.js';
import { parseNpy } from '../../src/io/npy.js';
import { elementCount } from '../../src/ir/graph.js';
import { quantizeInput } from '../../src/quantize/fidelity.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { ai, aints, buildModel, ortRun, relErr, seeded, type TensorInit } from '../importers/onnx-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tinyml-onnx-e2e-'));

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let seedN = 500;
const w = (name: string, dims: number[], a = 0.4): TensorInit => ({ name, dims, data: seeded(elementCount(dims), seedN++, a) });

const CNN = join(work, 'cnn.onnx');
writeFileSync(
  CNN,
  buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
      { op: 'BatchNormalization', inputs: ['c1', 'g', 'be', 'mu', 'var'], outputs: ['n1'] },
      { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: aints([2, 2]), strides: aints([2, 2]) } },
      { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]), group: ai(6) } },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['gp'] },
      { op: 'Flatten', inputs: ['gp'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['logits'], attrs: { transB: ai(1) } },
      { op: 'Softmax', inputs: ['logits'], outputs: ['y'], attrs: { axis: ai(1) } },
    ],
    inputs: [{ name: 'x', shape: ['batch', 3, 12, 12] }],
    outputs: [{ name: 'y' }],
    initializers: [w('w1', [6, 3, 3, 3]), w('b1', [6]), w('g', [6]), w('be', [6]), w('mu', [6], 0.1), { name: 'var', dims: [6], data: [0.5, 0.7, 1, 1.3, 2, 0.9] }, w('w2', [6, 1, 3, 3]), w('b2', [6]), w('fw', [5, 6], 2), w('fb', [5])],
  }),
);
const PER = 3 * 12 * 12;
const N = 16;
/** NCHW samples, as PyTorch would be fed. */
const samples = seeded(N * PER, 77, 1.5);
const CAL = join(work, 'cal.bin');
writeFileSync(CAL, Buffer.from(samples.buffer));

async function ortOutputs(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < N; s++) out.push((await ortRun(CNN, { x: { data: samples.slice(s * PER, (s + 1) * PER), dims: [1, 3, 12, 12] } }))[0]!);
  return out;
}

describe('tinyml CLI on an ONNX CNN', () => {
  it('inspect shows the NHWC graph and the model\'s NCHW input', async () => {
    const r = await cli(['inspect', CNN, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.model.format).toBe('onnx');
    expect(rep.inputs[0]).toMatchObject({ shape: [1, 3, 12, 12], source: { shape: [1, 3, 12, 12], nhwcShape: [1, 12, 12, 3], transposed: true } });
    expect(rep.layers.map((l: { op: string }) => l.op)).toEqual(['Transpose', 'Conv2D', 'MaxPool2D', 'DepthwiseConv2D', 'Mean', 'FullyConnected', 'Softmax']);
    const text = await cli(['inspect', CNN]);
    expect(text.stdout).toContain('[1,3,12,12] float32  (model layout; NHWC [1,12,12,3] inside');
  });

  it('run takes NCHW samples and gives ONNX Runtime\'s outputs', async () => {
    const r = await cli(['run', CNN, '--input', CAL, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { outputs: number[][]; outputTensors: { shape: number[] }[] };
    expect(got.outputTensors[0]!.shape).toEqual([1, 5]);
    const want = await ortOutputs();
    want.forEach((wv, s) => expect(relErr(Float32Array.from(got.outputs[s]!), wv), `sample ${s}`).toBeLessThanOrEqual(1e-4));
  });

  it('quantize calibrates on NCHW samples; the int8 model keeps ONNX Runtime\'s top-1', async () => {
    const out = join(work, 'cnn.int8.tflite');
    const r = await cli(['quantize', CNN, '--calibration', CAL, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const g = (await loadInt8Graph(out, { runGraph })).graph;
    const want = await ortOutputs();
    let agree = 0;
    for (let s = 0; s < N; s++) {
      // The .tflite keeps the NCHW input (its first op is the boundary TRANSPOSE).
      const q = runGraph(g, [quantizeInput(samples.slice(s * PER, (s + 1) * PER), g.tensors[g.inputs[0]!]!)])[0] as Int8Array;
      const am = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));
      if (am(q) === am(want[s]!)) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(N - 2);
  });

  it.skipIf(!hasTool('cc') || !hasTool('make'))('convert --calibration --board host: generated C == reference interpreter', async () => {
    const out = join(work, 'host');
    const r = await cli(['convert', CNN, '--calibration', CAL, '--board', 'host', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { graph: g } = await loadInt8Graph(CNN, { runGraph, calibration: CAL });
    expect(g.boundaryLayout?.inputs[0]?.transpose).toBe(true);
    const exe = (await buildHost(out)).exe;
    const inT = g.tensors[g.inputs[0]!]!;
    const n = elementCount(inT.shape);
    const inputs: Int8Array[] = [];
    for (let s = 0; s < N; s++) inputs.push(quantizeInput(samples.slice(s * PER, (s + 1) * PER), inT));
    const r2 = seeded(20 * n, 9, 1);
    for (let k = 0; k < 20; k++) inputs.push(Int8Array.from(r2.subarray(k * n, (k + 1) * n), (v) => Math.round(v * 127)));
    const batch = new Int8Array(inputs.length * n);
    inputs.forEach((x, k) => batch.set(x, k * n));
    const got = await runHostProgram(exe, new Uint8Array(batch.buffer));
    const outN = elementCount(g.tensors[g.outputs[0]!]!.shape);
    inputs.forEach((x, k) => {
      const want = Buffer.from((runGraph(g, [x])[0] as Int8Array).buffer).toString('hex');
      expect(Buffer.from(got.subarray(k * outN, (k + 1) * outN)).toString('hex'), `sample ${k}`).toBe(want);
    });
  });

  it('distill accepts an .onnx teacher; its outputs are ONNX Runtime\'s', async () => {
    // An MNIST-shaped teacher (NCHW [N,1,28,28] → flatten → 10 logits).
    const teacher = join(work, 'teacher.onnx');
    writeFileSync(
      teacher,
      buildModel({
        nodes: [
          { op: 'Flatten', inputs: ['x'], outputs: ['f'] },
          { op: 'Gemm', inputs: ['f', 'tw', 'tb'], outputs: ['y'], attrs: { transB: ai(1) } },
        ],
        inputs: [{ name: 'x', shape: ['N', 1, 28, 28] }],
        outputs: [{ name: 'y' }],
        initializers: [w('tw', [10, 784], 0.05), w('tb', [10])],
      }),
    );
    const home = mkdtempSync(join(work, 'home-'));
    const out = join(work, 'distilled');
    const r = await cli(
      ['distill', teacher, '--data', 'mnist', '--limit', '300', '--flash', '32K', '--ram', '8K', '--max-trials', '1', '--search-epochs', '1', '--search-samples', '100', '--search-max-macs', '20000', '--epochs', '1', '--max-int8-drop', '100', '-o', out, '--json'],
      { ...process.env, HOME: home },
    );
    expect(r.code, r.stderr).toBe(0);
    const cacheDir = join(home, '.cache', 'tinyml', 'teacher-logits');
    const cached = parseNpy(new Uint8Array(readFileSync(join(cacheDir, readdirSync(cacheDir)[0]!))), 'cache');
    expect(cached.shape).toEqual([300, 10]);
    const ds = loadMnist();
    for (let i = 0; i < 5; i++) {
      const x = Float32Array.from(ds.x.subarray(i * 784, (i + 1) * 784));
      const want = (await ortRun(teacher, { x: { data: x, dims: [1, 1, 28, 28] } }))[0]!;
      const got = Float32Array.from((cached.data as ArrayLike<number>) as Float32Array).subarray(i * 10, (i + 1) * 10);
      expect(relErr(got, want), `sample ${i}`).toBeLessThanOrEqual(1e-4);
    }
  }, 600_000);
});
