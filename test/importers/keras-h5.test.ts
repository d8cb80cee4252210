/**
 * Keras 2 HDF5 import of the real MLPerf Tiny autoencoder (ad01.h5), and what happens with
 * damaged HDF5 files.
 */
import h5wasm from 'h5wasm/node';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinymlError } from '../../src/errors.js';
import { importModel, importModelBytes } from '../../src/importers/index.js';
import { elementCount, type Graph } from '../../src/ir/graph.js';
import { rng } from '../fixtures/keras/build-models.js';

const AD01 = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/ad01.h5', import.meta.url));

let tmp: string;
let ad01Bytes: Uint8Array;
/** Dataset shapes straight from the file, per layer: { dense: { kernel: [640,128], bias: [128] }, ... }. */
const shapes = new Map<string, Map<string, number[]>>();
let layerClasses: { name: string; cls: string }[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tinyml-h5-'));
  ad01Bytes = new Uint8Array(await readFile(AD01));
  await h5wasm.ready;
  const f = new h5wasm.File(AD01, 'r');
  try {
    const cfg = JSON.parse(f.attrs['model_config']!.value as string) as { config: { layers: { name: string; class_name: string }[] } };
    layerClasses = cfg.config.layers.map((l) => ({ name: l.name, cls: l.class_name }));
    const mw = f.get('model_weights') as InstanceType<typeof h5wasm.Group>;
    for (const layer of mw.keys()) {
      const names = (mw.get(layer) as InstanceType<typeof h5wasm.Group>).attrs['weight_names']!.value;
      const m = new Map<string, number[]>();
      if (Array.isArray(names)) {
        for (const n of names as string[]) m.set(n.split('/').pop()!.replace(':0', ''), (f.get(`model_weights/${layer}/${n}`) as InstanceType<typeof h5wasm.Dataset>).shape!);
      }
      shapes.set(layer, m);
    }
  } finally {
    f.close();
  }
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function constantParams(g: Graph): number {
  let n = 0;
  for (const t of g.tensors) if (t.data && t.dtype === 'float32') n += elementCount(t.shape);
  return n;
}

describe('ad01.h5 (MLPerf Tiny anomaly detection, Keras 2.4)', () => {
  it('imports as 10 FullyConnected layers 640→128×4→8→128×4→640 with BatchNorm folded and ReLU fused', async () => {
    const g = await importModel(AD01);
    expect(g.source).toEqual({ format: 'keras-h5', path: AD01 });
    const dense = layerClasses.filter((l) => l.cls === 'Dense').map((l) => l.name);
    const bn = layerClasses.filter((l) => l.cls === 'BatchNormalization');
    expect(dense.length).toBe(10);
    expect(bn.length).toBe(9);
    expect(g.ops.length).toBe(dense.length); // BN and Activation layers leave no op behind
    g.ops.forEach((op, i) => {
      expect(op.kind).toBe('FullyConnected');
      if (op.kind !== 'FullyConnected') return;
      const k = shapes.get(dense[i]!)!.get('kernel')!; // Keras [in, units]
      expect(g.tensors[op.inputs[0]!]!.shape).toEqual([1, k[0]]);
      expect(g.tensors[op.inputs[1]!]!.shape).toEqual([k[1], k[0]]); // IR [units, in]
      expect(g.tensors[op.inputs[2]!]!.shape).toEqual([k[1]]);
      expect(g.tensors[op.outputs[0]!]!.shape).toEqual([1, k[1]]);
      expect(op.activation).toBe(i < 9 ? 'relu' : 'none');
    });
    expect(g.inputs.map((i) => g.tensors[i]!.shape)).toEqual([[1, 640]]);
    expect(g.outputs.map((i) => g.tensors[i]!.shape)).toEqual([[1, 640]]);
  });

  it('has the parameter count of the Dense layers in the file (BatchNorm parameters folded away)', async () => {
    const g = await importModel(AD01);
    let denseParams = 0;
    let bnParams = 0;
    for (const { name, cls } of layerClasses) {
      const ws = shapes.get(name)!;
      const n = [...ws.values()].reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0);
      if (cls === 'Dense') denseParams += n;
      if (cls === 'BatchNormalization') bnParams += n;
    }
    expect(denseParams).toBe(640 * 128 + 128 + 3 * (128 * 128 + 128) + (128 * 8 + 8) + (8 * 128 + 128) + 3 * (128 * 128 + 128) + (128 * 640 + 640));
    expect(bnParams).toBe(4 * (128 * 8 + 8));
    expect(constantParams(g)).toBe(denseParams);
  });

  it('reports a truncated file by name, with nothing on stderr (checked in a separate process)', async () => {
    const cut = join(tmp, 'cut.h5');
    await writeFile(cut, ad01Bytes.slice(0, 100_000));
    const script = fileURLToPath(new URL('../fixtures/keras/import-cli.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, cut], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { ok: boolean; code: string; error: string };
    expect(out.ok).toBe(false);
    expect(out.code).toBe('input');
    expect(out.error).toContain(`${cut}: corrupt HDF5`);
  });

  it('survives 60 truncated or byte-mutated variants: each is a clean TinymlError or a valid graph', async () => {
    const r = rng(2026);
    let ok = 0;
    let failed = 0;
    for (let v = 0; v < 60; v++) {
      let b: Uint8Array;
      if (v % 3 === 0) b = ad01Bytes.slice(0, Math.floor(r() * ad01Bytes.length));
      else {
        b = ad01Bytes.slice();
        // Metadata (superblock, object headers, the model_config attribute) sits mostly early
        // in the file: aim two thirds of the mutations there, the rest anywhere.
        const span = v % 3 === 1 ? 65_536 : b.length;
        const n = 1 + Math.floor(r() * 16);
        for (let j = 0; j < n; j++) b[Math.floor(r() * span)] = Math.floor(r() * 256);
      }
      try {
        const g = await importModelBytes(b, `variant-${v}.h5`);
        expect(g.ops.length).toBeGreaterThan(0);
        ok++;
      } catch (e) {
        if (!(e instanceof TinymlError)) throw new Error(`variant ${v}: raw ${String(e)}`);
        expect(e.message).toContain(`variant-${v}.h5`);
        failed++;
      }
    }
    expect(ok + failed).toBe(60);
    expect(failed).toBeGreaterThan(10); // the mutations did hit structure, not only weights
  });

  it('rejects a weights-only HDF5 file with a hint to save the whole model', async () => {
    const mod = await h5wasm.ready;
    const p = '/weights-only.h5';
    const f = new h5wasm.File(p, 'w');
    f.create_attribute('layer_names', ['dense']);
    f.create_group('dense').create_attribute('weight_names', ['dense/kernel:0']);
    f.close();
    const bytes = mod.FS.readFile(p) as Uint8Array;
    mod.FS.unlink(p);
    const file = join(tmp, 'weights-only.h5');
    await writeFile(file, bytes);
    const err = (await importModel(file).catch((e: unknown) => e)) as TinymlError;
    expect(err).toBeInstanceOf(TinymlError);
    expect(err.message).toContain('weights only');
    expect(err.hint).toContain('model.save');
  });
});

describe('import errors name the file', () => {
  it('prefixes the path to an error raised deep in the Keras lowering', async () => {
    const { importModelBytes } = await import('../../src/importers/index.js');
    const { TinymlError } = await import('../../src/errors.js');
    // An int32 input is refused by the shared Keras lowering, which does not know the file name.
    const json = JSON.stringify({
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4], dtype: 'int32' } }, { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'linear', use_bias: false } }] } },
      weightsManifest: [{ paths: [], weights: [] }],
    });
    const err = await importModelBytes(new TextEncoder().encode(json), '/tmp/some-dir/model.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlError);
    expect((err as Error).message).toMatch(/^\/tmp\/some-dir\/model\.json: .*dtype int32/);
  });
});
