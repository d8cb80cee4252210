/**
 * ONNX import against ONNX Runtime (onnxruntime-node, the outside oracle):
 *   - every shared .onnx and every backend test (52 PyTorch modules with the outputs PyTorch
 *     computed): imported, run through the reference interpreter and the tfjs float runner on
 *     the shipped input and on seeded inputs, within 1e-4 of ONNX Runtime's output range;
 *     every one of them lowers whole;
 *   - content detection never claims other formats, opsets outside 6..21 are refused by name,
 *     external data is read from beside the model, and the missing file is named.
 * The tolerance is not 0 because ONNX Runtime sums convolutions in another order (MLAS) than
 * TFLite's reference kernels do; our own executions are compared with each other elsewhere.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinymlError, UnsupportedOpsError } from '../../src/errors.js';
import { importModel, importModelBytes, listImporters } from '../../src/importers/index.js';
import { listUnsupportedOnnxNodes } from '../../src/importers/onnx.js';
import { decodeOnnxTensor, encodeOnnxModel, looksLikeOnnx, OnnxDataType } from '../../src/importers/onnx-schema.js';
import { readTensor } from '../../src/importers/onnx-tensors.js';
import { elementCount } from '../../src/ir/graph.js';
import { buildModel, ONNX_DIR, ortRun, referenceRun, relErr, seeded, tfjsRun, refusal } from './onnx-fixtures.js';

const TOL = 1e-4;
const BACKEND = join(ONNX_DIR, 'backend-tests');

function readPb(path: string): { data: Float32Array; dims: number[] } {
  const t = readTensor(decodeOnnxTensor(new Uint8Array(readFileSync(path)), path), path);
  return { data: Float32Array.from(t.data), dims: t.shape };
}

async function checkAgainstOrt(file: string, inputs: { name: string; data: Float32Array; dims: number[] }[]): Promise<void> {
  const g = await importModel(file);
  const want = await ortRun(file, Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, dims: i.dims }])));
  const ref = referenceRun(g, inputs.map((i) => i.data));
  want.forEach((w, k) => expect(relErr(ref[k]!, w), `${file} output ${k}, reference interpreter`).toBeLessThanOrEqual(TOL));
  if (inputs.length === 1 && want.length === 1) {
    const tf = await tfjsRun(g, inputs.map((i) => i.data));
    expect(typeof tf, `tfjs runner refused: ${String(tf)}`).not.toBe('string');
    expect(relErr((tf as Float32Array[])[0]!, want[0]!), `${file}, tfjs`).toBeLessThanOrEqual(TOL);
  }
}

/** The model's graph inputs (non-initializer) with their static shapes (symbolic batch = 1). */
async function inputsOf(file: string): Promise<{ name: string; dims: number[] }[]> {
  const g = await importModel(file);
  return g.inputs.map((ti, k) => {
    const b = g.boundaryLayout?.inputs[k];
    return { name: b?.sourceName ?? g.tensors[ti]!.name, dims: b?.sourceShape ?? g.tensors[ti]!.shape };
  });
}

describe('shared ONNX models against ONNX Runtime', () => {
  const files = readdirSync(ONNX_DIR).filter((f) => f.endsWith('.onnx'));
  it('finds them', () => expect(files.sort()).toEqual(['sine.onnx', 'test_Conv2d.onnx', 'test_operator_conv.onnx']));
  for (const f of files) {
    it(`${f}: seeded inputs, reference and tfjs within 1e-4 of the range`, async () => {
      const ins = await inputsOf(join(ONNX_DIR, f));
      for (const seed of [1, 2]) {
        await checkAgainstOrt(
          join(ONNX_DIR, f),
          ins.map((i, k) => ({ ...i, data: seeded(elementCount(i.dims), seed * 10 + k, f === 'sine.onnx' ? 3 : 1) })),
        );
      }
    });
  }

  it('sine.onnx (Keras MatMul+Add): three FullyConnected ops with folded bias and fused ReLU', async () => {
    const g = await importModel(join(ONNX_DIR, 'sine.onnx'));
    expect(g.ops.map((o) => `${o.kind}:${'activation' in o ? o.activation : ''}`)).toEqual(['FullyConnected:relu', 'FullyConnected:relu', 'FullyConnected:none']);
  });

  it('test_Conv2d.onnx: the NCHW input and output stay NCHW; boundary Transposes carry them to and from the NHWC body', async () => {
    const g = await importModel(join(ONNX_DIR, 'test_Conv2d.onnx'));
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([2, 3, 7, 5]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([2, 4, 5, 4]);
    expect(g.ops.map((o) => o.kind)).toEqual(['Transpose', 'Conv2D', 'Transpose']);
    expect(g.ops[0]).toMatchObject({ perm: [0, 2, 3, 1] });
    expect(g.ops[2]).toMatchObject({ perm: [0, 3, 1, 2] });
    expect(g.boundaryLayout!.inputs[0]).toMatchObject({ sourceShape: [2, 3, 7, 5], perm: [0, 2, 3, 1], transpose: true });
    expect(g.boundaryLayout!.outputs[0]).toMatchObject({ sourceShape: [2, 4, 5, 4], transpose: true });
  });
});

describe('ONNX backend tests (PyTorch modules) against PyTorch outputs and ONNX Runtime', () => {
  const dirs = readdirSync(BACKEND).sort();
  it('finds the 52 modules', () => expect(dirs.length).toBe(52));
  for (const d of dirs) {
    const file = join(BACKEND, d, 'model.onnx');
    const data = join(BACKEND, d, 'test_data_set_0');
    const pbIns = () =>
      readdirSync(data)
        .filter((f) => f.startsWith('input_'))
        .sort()
        .map((f) => readPb(join(data, f)));
    it(`${d}: shipped input gives PyTorch's output; seeded inputs agree with ONNX Runtime`, async () => {
      const g = await importModel(file);
      const ins = pbIns();
      const want = readdirSync(data)
        .filter((f) => f.startsWith('output_'))
        .sort()
        .map((f) => readPb(join(data, f)).data);
      const got = referenceRun(g, ins.map((i) => i.data));
      want.forEach((w, k) => expect(relErr(got[k]!, w), `${d} output ${k} vs PyTorch`).toBeLessThanOrEqual(TOL));
      const names = await inputsOf(file);
      // ONNX Runtime refuses some opset-6 kernels; those modules are checked against PyTorch only.
      const ortOk = await ortRun(file, Object.fromEntries(names.map((n, k) => [n.name, { data: ins[k]!.data, dims: n.dims }]))).then(
        () => true,
        () => false,
      );
      if (!ortOk) return;
      await checkAgainstOrt(file, names.map((n, k) => ({ ...n, data: ins[k]!.data })));
      await checkAgainstOrt(file, names.map((n, k) => ({ ...n, data: seeded(elementCount(n.dims), 7 + k, 2) })));
    });
  }
});

describe('ONNX detection and model checks', () => {
  const onnxImp = () => listImporters().find((i) => i.id === 'onnx')!;
  it('claims ONNX files and no other format of the shared models', () => {
    const others = ['mlperf-tiny/kws_ref_model.tflite', 'mlperf-tiny/ad01_fp32.tflite', 'mlperf-tiny/ad01.h5', 'tflite-micro/person_detect.tflite'];
    for (const o of others) {
      const b = new Uint8Array(readFileSync(join(ONNX_DIR, '..', o)));
      expect(looksLikeOnnx(b), o).toBe(false);
      expect(listImporters().filter((i) => i.detect(b, o)).map((i) => i.id), o).not.toContain('onnx');
    }
    for (const f of ['sine.onnx', 'test_Conv2d.onnx']) expect(onnxImp().detect(new Uint8Array(readFileSync(join(ONNX_DIR, f))), f)).toBe(true);
  });

  it('does not claim JSON, zip or random bytes', () => {
    const samples = [Buffer.from('{"modelTopology": {}}'), Buffer.from('PK\x03\x04\x14\x00\x00\x00'), Buffer.from([0x08, 0x00]), Buffer.from([0x08, 0x07, 0xff, 0xff, 0xff])];
    for (const s of samples) expect(looksLikeOnnx(new Uint8Array(s)), s.toString('hex')).toBe(false);
  });

  const relu = (opset: number) => buildModel({ opset, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }] });

  it('refuses opsets outside 6..21 by name, with a hint', async () => {
    for (const opset of [5, 22]) {
      const err = await importModelBytes(relu(opset), `m${opset}.onnx`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TinymlError);
      expect((err as TinymlError).code).toBe('unsupported');
      expect((err as Error).message).toContain(`opset ${opset}; tinyml reads opsets 6 to 21`);
      expect((err as TinymlError).hint).toBeTruthy();
    }
    for (const opset of [6, 9, 21]) await expect(importModelBytes(relu(opset), `m${opset}.onnx`)).resolves.toBeTruthy();
  });

  it('lists every unsupported node at once, with names and op types', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Selu', inputs: ['x'], outputs: ['a'], name: 'first_selu' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
        { op: 'Erf', inputs: ['b'], outputs: ['c'], name: 'the_erf' },
        { op: 'Sin', inputs: ['x'], outputs: ['d'], name: 'the_sin' },
        { op: 'Add', inputs: ['c', 'd'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
    });
    const g = await importModelBytes(bytes, 'bad.onnx');
    const err = refusal(g);
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const layers = (err as UnsupportedOpsError).layers;
    expect(layers.map((l) => l.name)).toEqual(['first_selu', 'the_erf', 'the_sin']);
    expect(layers[0]!.type).toBe('Selu');
    expect(layers[2]!.type).toBe('Sin');
    expect(listUnsupportedOnnxNodes(bytes, 'bad.onnx')).toEqual(layers);
  });

  it('names a variable non-batch dimension', async () => {
    const b = buildModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: ['N', 'len'] }], outputs: [{ name: 'y' }] });
    await expect(importModelBytes(b, 'var.onnx')).rejects.toThrow(/variable dimension 1 \('len'\)/);
    const ok = buildModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: ['batch', 4] }], outputs: [{ name: 'y' }] });
    const g = await importModelBytes(ok, 'batch.onnx');
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 4]);
  });

  describe('external data', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tinyml-onnx-ext-'));
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    const model = (location: string) =>
      encodeOnnxModel({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'], name: 'mm' }],
          initializer: [{ name: 'w', dims: [3, 2], dataType: OnnxDataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: location }, { key: 'offset', value: '8' }, { key: 'length', value: '24' }] }],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        },
      });

    it('reads tensors from a file beside the model (at the given offset) and agrees with ONNX Runtime', async () => {
      const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
      const bin = new Uint8Array(8 + 24 + 4);
      bin.set(new Uint8Array(w.buffer), 8);
      await writeFile(join(dir, 'weights.bin'), bin);
      const path = join(dir, 'ext.onnx');
      await writeFile(path, model('weights.bin'));
      const g = await importModel(path);
      const x = Float32Array.from([0.5, -1, 2]);
      const got = referenceRun(g, [x])[0]!;
      const want = (await ortRun(path, { x: { data: x, dims: [1, 3] } }))[0]!;
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(want)).toEqual([0.5 - 3 + 10, 1 - 4 + 12]);
    });

    it('names the missing file, and refuses paths outside the model folder', async () => {
      const path = join(dir, 'missing.onnx');
      await writeFile(path, model('nowhere.bin'));
      await expect(importModel(path)).rejects.toThrow(/external file 'nowhere.bin', which is missing/);
      const up = join(dir, 'up.onnx');
      await writeFile(up, model('../etc/passwd'));
      await expect(importModel(up)).rejects.toThrow(/outside the model's folder/);
    });
  });

  it('a truncated file is a TinymlError naming the file', async () => {
    const b = new Uint8Array(await readFile(join(ONNX_DIR, 'test_operator_conv.onnx')));
    const err = await importModelBytes(b.slice(0, b.length - 100), 'cut.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlError);
    expect((err as Error).message).toContain('cut.onnx');
  });
});

describe('layout bookkeeping', () => {
  it('two layouts have equal canonical forms exactly when they put the elements in the same order', async () => {
    const { canonicalLayout, sourceIndex, sameLayout } = await import('../../src/importers/onnx-layout.js');
    const { mulberry32 } = await import('../../src/rng.js');
    const r = mulberry32(3);
    const views = [[2, 3, 4], [6, 4], [2, 12], [1, 2, 3, 4], [4, 3, 2], [24], [2, 2, 2, 3], [3, 1, 8]];
    let same = 0;
    for (let t = 0; t < 5000; t++) {
      const mk = () => {
        const split = views[Math.floor(r() * views.length)]!;
        return { split: [...split], perm: split.map((_, i) => i).sort(() => r() - 0.5) };
      };
      const [a, b] = [mk(), mk()];
      const [sa, sb] = [sourceIndex(a), sourceIndex(b)];
      const eq = sa.every((v, i) => v === sb[i]);
      if (eq) same++;
      expect(sameLayout(canonicalLayout(a), canonicalLayout(b)), JSON.stringify([a, b])).toBe(eq);
    }
    expect(same).toBeGreaterThan(100);
  });
});
