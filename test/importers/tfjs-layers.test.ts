/**
 * TF.js layers importer on hand-written model.json files: unsupported layers, layouts the
 * IR cannot hold, damaged or missing shards, quantized weight storage. Also damaged .keras.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import JSZip from 'jszip';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, TinymlError, UnsupportedOpsError } from '../../src/errors.js';
import { importModel, importModelBytes } from '../../src/importers/index.js';
import { buildSequential, saveKerasV3, useCpuBackend } from '../fixtures/keras/build-models.js';

let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tinyml-tfjs-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

function inputLayer(shape: (number | null)[]): Json {
  return { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, ...shape], dtype: 'float32' }, name: 'in', inbound_nodes: [] };
}

function layer(cls: string, name: string, config: Json, from: string | string[]): Json {
  const srcs = Array.isArray(from) ? from : [from];
  return { class_name: cls, name, config: { name, ...config }, inbound_nodes: [srcs.map((s) => [s, 0, 0, {}])] };
}

/** Writes model.json (+ weights.bin) into a fresh folder; returns the model.json path. */
async function writeModel(layers: Json[], output: string, weights: { name: string; shape: number[]; dtype?: string; quantization?: Json }[] = [], bin = new Uint8Array(0), paths = ['weights.bin']): Promise<string> {
  const dir = join(tmp, `m${++n}`);
  await mkdir(dir, { recursive: true });
  const json = {
    format: 'layers-model',
    modelTopology: { class_name: 'Model', config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [[output, 0, 0]] } },
    weightsManifest: [{ paths, weights: weights.map((w) => ({ dtype: 'float32', ...w })) }],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(json, null, 1));
  await writeFile(join(dir, 'weights.bin'), bin);
  return join(dir, 'model.json');
}

const f32 = (vals: number[]) => new Uint8Array(Float32Array.from(vals).buffer);

describe('TF.js layers importer: errors', () => {
  it('lists every unsupported layer (name and type) in one error, with the supported set', async () => {
    const p = await writeModel(
      [
        inputLayer([8, 8, 3]),
        layer('Conv2D', 'conv', { filters: 2, kernel_size: [3, 3], activation: 'elu' }, 'in'),
        layer('UpSampling2D', 'up', { size: [2, 2] }, 'conv'),
        layer('Activation', 'act', { activation: 'relu' }, 'up'),
        layer('LeakyReLU', 'leaky', { alpha: 0.1 }, 'act'),
        layer('ReLU', 'clip4', { max_value: 4 }, 'leaky'),
      ],
      'clip4',
    );
    const err = await importModel(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const u = err as UnsupportedOpsError;
    expect(u.layers.map((l) => l.name)).toEqual(['conv', 'up', 'leaky', 'clip4']);
    expect(u.layers[0]!.type).toContain("'elu'");
    expect(u.layers[1]!.type).toBe('UpSampling2D');
    expect(u.supported).toContain('DepthwiseConv2D');
    expect(u.message).toContain(p);
    expect(u.code).toBe('unsupported');
  });

  it('rejects channels_first with a hint to rebuild channels_last', async () => {
    const p = await writeModel([inputLayer([3, 8, 8]), layer('Conv2D', 'conv', { filters: 2, kernel_size: [3, 3], data_format: 'channels_first' }, 'in')], 'conv');
    const err = (await importModel(p).catch((e: unknown) => e)) as TinymlError;
    expect(err).toBeInstanceOf(TinymlError);
    expect(err.message).toContain("conv (Conv2D) uses data_format='channels_first'");
    expect(err.hint).toContain('channels_last');
  });

  it('rejects a variable input shape with a hint', async () => {
    const p = await writeModel([inputLayer([null, null, 3]), layer('MaxPooling2D', 'mp', {}, 'in')], 'mp');
    const err = (await importModel(p).catch((e: unknown) => e)) as TinymlError;
    expect(err.message).toContain('variable input shape [None, None, None, 3]');
    expect(err.hint).toContain('fixed input shape');
  });

  it('names a missing weight shard', async () => {
    const p = await writeModel([inputLayer([4]), layer('Dense', 'fc', { units: 2 }, 'in')], 'fc', [{ name: 'fc/kernel', shape: [4, 2] }, { name: 'fc/bias', shape: [2] }], f32(new Array(10).fill(0)), ['group1-shard1of1.bin']);
    const err = (await importModel(p).catch((e: unknown) => e)) as ModelFormatError;
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toContain('weight shard group1-shard1of1.bin');
    expect(err.message).toContain('ENOENT');
  });

  it('names the weight a short shard cannot hold, and where', async () => {
    const p = await writeModel([inputLayer([4]), layer('Dense', 'fc', { units: 2 }, 'in')], 'fc', [{ name: 'fc/kernel', shape: [4, 2] }, { name: 'fc/bias', shape: [2] }], f32(new Array(9).fill(0)));
    const err = (await importModel(p).catch((e: unknown) => e)) as ModelFormatError;
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toContain('weight fc/bias needs bytes 32..40');
    expect(err.message).toContain('hold only 36');
  });

  it('names a layer whose weight has the wrong shape', async () => {
    const p = await writeModel([inputLayer([4]), layer('Dense', 'fc', { units: 2 }, 'in')], 'fc', [{ name: 'fc/kernel', shape: [2, 4] }, { name: 'fc/bias', shape: [2] }], f32(new Array(10).fill(0)));
    const err = (await importModel(p).catch((e: unknown) => e)) as ModelFormatError;
    expect(err.message).toContain('layer fc (Dense): weight kernel (fc/kernel) has shape [2,4], expected [4,2]');
  });

  it('names a layer reading a tensor that does not exist', async () => {
    const p = await writeModel([inputLayer([4]), layer('Dropout', 'd', { rate: 0.1 }, 'nowhere')], 'd');
    const err = (await importModel(p).catch((e: unknown) => e)) as ModelFormatError;
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toContain('layer d reads nowhere[0][0], which does not exist');
  });

  it('says a TF.js graph model is not a layers model', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    const err = (await importModelBytes(bytes, 'graph/model.json').catch((e: unknown) => e)) as TinymlError;
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('graph model');
  });

  it('reports truncated JSON by file name', async () => {
    const bytes = new TextEncoder().encode('{"modelTopology": {"class_name": "Model"}, "weightsManifest": [');
    const err = (await importModelBytes(bytes, 'cut/model.json').catch((e: unknown) => e)) as ModelFormatError;
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/^cut\/model\.json: not valid JSON/);
  });
});

describe('TF.js layers importer: quantized weight storage', () => {
  it('dequantizes uint8 (q * scale + min) and float16 weights', async () => {
    // kernel [in=3, units=2] as uint8 with scale 0.5, min -1; bias as float16 [1.5, -2].
    const q = [0, 1, 2, 3, 4, 255];
    const half = [0x3e00, 0xc000]; // 1.5, -2
    const bin = new Uint8Array([...q, ...new Uint8Array(Uint16Array.from(half).buffer)]);
    const p = await writeModel(
      [inputLayer([3]), layer('Dense', 'fc', { units: 2 }, 'in')],
      'fc',
      [
        { name: 'fc/kernel', shape: [3, 2], quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'fc/bias', shape: [2], quantization: { dtype: 'float16' } },
      ],
      bin,
    );
    const g = await importModel(p);
    const fc = g.ops[0]!;
    const w = Array.from(g.tensors[fc.inputs[1]!]!.data!);
    // Keras [in, units] = [[-1, -0.5], [0, 0.5], [1, 126.5]] -> IR [units, in]
    expect(w).toEqual([-1, 0, 1, -0.5, 0.5, 126.5]);
    expect(Array.from(g.tensors[fc.inputs[2]!]!.data!)).toEqual([1.5, -2]);
  });
});

describe('Keras 3 .keras importer: damaged archives', () => {
  it('reports a truncated .keras archive by name, and a corrupt weights file inside it', async () => {
    await useCpuBackend();
    const file = join(tmp, 'seq.keras');
    await saveKerasV3(buildSequential(), file);
    const bytes = new Uint8Array(await readFile(file));
    const cut = bytes.slice(0, Math.floor(bytes.length * 0.8));
    const err = (await importModelBytes(cut, 'seq.keras').catch((e: unknown) => e)) as ModelFormatError;
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/^seq\.keras: /);
    expect((await importModelBytes(bytes, 'seq.keras')).ops.length).toBeGreaterThan(0);

    const zip = await JSZip.loadAsync(bytes);
    const weights = await zip.file('model.weights.h5')!.async('uint8array');
    zip.file('model.weights.h5', weights.slice(0, 1000));
    const damaged = new Uint8Array(await zip.generateAsync({ type: 'uint8array' }));
    const err2 = (await importModelBytes(damaged, 'seq.keras').catch((e: unknown) => e)) as ModelFormatError;
    expect(err2).toBeInstanceOf(ModelFormatError);
    expect(err2.message).toMatch(/^seq\.keras!model\.weights\.h5: corrupt HDF5/);
  });
});
