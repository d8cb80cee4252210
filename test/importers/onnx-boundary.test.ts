/**
 * The user-visible inputs and outputs of an NCHW ONNX model keep the ONNX layout (issue 14,
 * item 4): the graph, `tinyml run`, the reference and the generated firmware all take the
 * tensor fed to ONNX Runtime and give its output order, through IR Transpose ops at the
 * boundary; `convert --io-layout nhwc` drops them and the firmware's buffers are NHWC.
 * The model is a non-square conv net with an NCHW feature-map output, so any transposition
 * mistake (H and W swapped, channels in the wrong place) changes the values.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { hasTool } from '../../src/build/tools.js';
import { inspectGraph } from '../../src/cli/inspect.js';
import { importModelBytes } from '../../src/importers/index.js';
import { dropBoundaryOps, nhwcBody } from '../../src/ir/boundary-layout.js';
import { elementCount } from '../../src/ir/graph.js';
import { loadInt8Graph } from '../../src/pipeline/convert.js';
import { quantizeInput } from '../../src/quantize/fidelity.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { aints, buildModel, ortRun, relErr, seeded, tinyml } from './onnx-fixtures.js';

const C = 3;
const H = 6;
const W = 5;
const M = 2;
const work = mkdtempSync(join(tmpdir(), 'tinyml-onnx-boundary-'));
const bytes = buildModel({
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w2', 'b2'], outputs: ['y'], attrs: { kernel_shape: aints([1, 1]) } },
  ],
  inputs: [{ name: 'x', shape: [1, C, H, W] }],
  outputs: [{ name: 'y' }],
  initializers: [
    { name: 'w1', dims: [4, C, 3, 3], data: seeded(4 * C * 9, 11, 0.5) },
    { name: 'b1', dims: [4], data: seeded(4, 12, 0.2) },
    { name: 'w2', dims: [M, 4, 1, 1], data: seeded(M * 4, 13, 0.8) },
    { name: 'b2', dims: [M], data: seeded(M, 14, 0.2) },
  ],
});
const FILE = join(work, 'conv.onnx');
writeFileSync(FILE, bytes);
const PER = C * H * W;
const OUT = M * H * W;
const N = 8;
const samples = seeded(N * PER, 21, 1.5);
const CAL = join(work, 'cal.bin');
writeFileSync(CAL, Buffer.from(samples.buffer));
const sample = (s: number) => samples.slice(s * PER, (s + 1) * PER);

/** NCHW [1,c,h,w] data → NHWC. */
function toNhwc<T extends Int8Array | Float32Array>(x: T, c: number, h: number, w: number): T {
  const out = new (x.constructor as new (n: number) => T)(x.length);
  for (let ci = 0; ci < c; ci++) for (let hi = 0; hi < h; hi++) for (let wi = 0; wi < w; wi++) out[(hi * w + wi) * c + ci] = x[(ci * h + hi) * w + wi]!;
  return out;
}

describe('ONNX boundary layout: NCHW in, NCHW out, everywhere', () => {
  it('the graph takes and gives NCHW through boundary Transposes; inspect shows both layouts', async () => {
    const g = await importModelBytes(bytes, 'conv.onnx');
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, C, H, W]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, M, H, W]);
    expect(g.ops.map((o) => o.kind)).toEqual(['Transpose', 'Conv2D', 'Conv2D', 'Transpose']);
    const r = inspectGraph(g);
    expect(r.inputs[0]!.source).toEqual({ shape: [1, C, H, W], nhwcShape: [1, H, W, C], transposed: true });
    expect(r.outputs[0]!.source).toEqual({ shape: [1, M, H, W], nhwcShape: [1, H, W, M], transposed: true });
    // Dropped, the body takes and gives NHWC.
    const body = dropBoundaryOps(g);
    expect(body.ops.map((o) => o.kind)).toEqual(['Conv2D', 'Conv2D']);
    expect(body.tensors[body.inputs[0]!]!.shape).toEqual([1, H, W, C]);
    expect(body.tensors[body.outputs[0]!]!.name).toBe('y');
    const x = sample(0);
    const want = runGraph(g, [x])[0] as Float32Array;
    expect(Array.from(runGraph(body, [toNhwc(x, C, H, W)])[0]!)).toEqual(Array.from(toNhwc(want, M, H, W)));
  });

  it('tinyml run on the .onnx gives ONNX Runtime\'s NCHW outputs for the same NCHW tensors', async () => {
    const r = await tinyml('run', FILE, '--input', CAL, '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { outputs: number[][]; outputTensors: { shape: number[] }[] };
    expect(got.outputTensors[0]!.shape).toEqual([1, M, H, W]);
    for (let s = 0; s < N; s++) {
      const want = (await ortRun(bytes, { x: { data: sample(s), dims: [1, C, H, W] } }))[0]!;
      expect(relErr(Float32Array.from(got.outputs[s]!), want), `sample ${s}`).toBeLessThanOrEqual(1e-4);
    }
  }, 120_000);

  it.skipIf(!hasTool('cc') || !hasTool('make'))('convert: the firmware takes NCHW, host C == reference; with --io-layout nhwc model.c has no transpose and takes NHWC', async () => {
    const { graph: g } = await loadInt8Graph(FILE, { runGraph, calibration: CAL });
    const inT = g.tensors[g.inputs[0]!]!;
    const outT = g.tensors[g.outputs[0]!]!;
    const ins = Array.from({ length: N }, (_, s) => quantizeInput(sample(s), inT));
    const batch = (xs: Int8Array[]) => {
      const b = new Int8Array(xs.length * PER);
      xs.forEach((x, k) => b.set(x, k * PER));
      return new Uint8Array(b.buffer);
    };

    const outModel = join(work, 'model-layout');
    const r1 = await tinyml('convert', FILE, '--calibration', CAL, '--board', 'host', '-o', outModel, '--json');
    expect(r1.code, r1.stderr).toBe(0);
    expect(JSON.parse(r1.stdout).inputs[0].shape).toEqual([1, C, H, W]);
    expect(readFileSync(join(outModel, 'model.c'), 'utf8')).toContain('strided_copy');
    const got1 = await runHostProgram((await buildHost(outModel)).exe, batch(ins));
    const scale = outT.quant!.scale[0]!;
    const zp = outT.quant!.zeroPoint[0]!;
    for (let s = 0; s < N; s++) {
      const want = runGraph(g, [ins[s]!])[0] as Int8Array;
      const got = new Int8Array(got1.buffer, got1.byteOffset + s * OUT, OUT);
      expect(Buffer.from(got).toString('hex'), `sample ${s}: host C == reference`).toBe(Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
      // In ONNX Runtime's NCHW order: within a few output steps of its float outputs.
      const ort = (await ortRun(bytes, { x: { data: sample(s), dims: [1, C, H, W] } }))[0]!;
      let worst = 0;
      for (let i = 0; i < OUT; i++) worst = Math.max(worst, Math.abs((got[i]! - zp) * scale - ort[i]!));
      expect(worst / scale, `sample ${s}: output steps from ONNX Runtime`).toBeLessThanOrEqual(4);
    }

    const outNhwc = join(work, 'nhwc-layout');
    const r2 = await tinyml('convert', FILE, '--calibration', CAL, '--board', 'host', '--io-layout', 'nhwc', '-o', outNhwc, '--json');
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout).inputs[0].shape).toEqual([1, H, W, C]);
    const modelC = readFileSync(join(outNhwc, 'model.c'), 'utf8');
    expect(modelC).not.toContain('strided_copy');
    expect(modelC.toLowerCase()).not.toContain('transpose');
    const got2 = await runHostProgram((await buildHost(outNhwc)).exe, batch(ins.map((x) => toNhwc(x, C, H, W))));
    for (let s = 0; s < N; s++) {
      const nchw = new Int8Array(got1.buffer, got1.byteOffset + s * OUT, OUT);
      expect(Array.from(new Int8Array(got2.buffer, got2.byteOffset + s * OUT, OUT)), `sample ${s}: NHWC firmware == NCHW firmware, transposed`).toEqual(Array.from(toNhwc(nchw, M, H, W)));
    }
  }, 300_000);

  it('--io-layout nhwc on a model without a layout change is refused with a hint', async () => {
    const flat = buildModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }] });
    const g = await importModelBytes(flat, 'flat.onnx');
    expect(() => dropBoundaryOps(g)).toThrow(/no layout change at its inputs or outputs/);
    expect(elementCount(g.tensors[g.inputs[0]!]!.shape)).toBe(4);
  });
});

describe('nhwcBody (what distill runs an NCHW teacher on)', () => {
  it('drops the boundary ops of an NCHW model and leaves other graphs as they are', async () => {
    const g = await importModelBytes(bytes, 'conv.onnx');
    expect(nhwcBody(g).tensors[nhwcBody(g).inputs[0]!]!.shape).toEqual([1, H, W, C]);
    const flat = await importModelBytes(buildModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }] }), 'flat.onnx');
    expect(nhwcBody(flat)).toBe(flat);
  });
});
