/**
 * TF.js layers models: `model.json` = `{ modelTopology, weightsManifest, format? }`.
 * `modelTopology` is Keras JSON (`{class_name, config}`, or wrapped in `model_config` for
 * files converted from Keras). `weightsManifest` is a list of groups `{paths, weights}`: the
 * group's shard files (relative to model.json) are concatenated and hold its weights back to
 * back, each `{name, shape, dtype}` and optionally `quantization: {dtype: uint8|uint16|float16,
 * scale, min}` (value = q * scale + min for the integer kinds). Weight names are
 * `<layer name>/<weight>`.
 * Lowering is shared with the other Keras formats (keras-lowering.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ModelFormatError, TinymlError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { lowerKerasModel, type KerasWeight } from './keras-lowering.js';
import { parseKerasTopology } from './keras-topology.js';
import { registerImporter } from './registry.js';

function looksLikeTfjs(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b /* { */) return false;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.indexOf('"modelTopology"', 0, 'latin1') >= 0 && buf.indexOf('"weightsManifest"', 0, 'latin1') >= 0;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

type Json = Record<string, unknown>;

async function loadTfjs(bytes: Uint8Array, file: string): Promise<Graph> {
  let doc: Json;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '')) as Json;
  } catch (e) {
    throw new ModelFormatError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const topo = doc['modelTopology'];
  if (doc['format'] === 'graph-model' || (typeof topo === 'object' && topo !== null && 'node' in topo)) {
    throw new TinymlError(
      'unsupported',
      `${file}: a TF.js graph model (frozen TensorFlow graph); tinyml reads TF.js layers models`,
      'Convert the Keras model with `tensorflowjs_converter --input_format keras --output_format tfjs_layers_model`, or use the .h5/.keras/.tflite file.',
    );
  }
  const spec = parseKerasTopology(topo, file);
  const manifest = doc['weightsManifest'];
  if (!Array.isArray(manifest)) throw new ModelFormatError(file, 'weightsManifest is not a list');

  const dir = dirname(resolve(file));
  const all: KerasWeight[] = [];
  for (const [gi, group] of manifest.entries()) {
    const where = `weightsManifest[${gi}]`;
    if (typeof group !== 'object' || group === null) throw new ModelFormatError(file, `${where} is not an object`);
    const { paths, weights } = group as Json;
    if (!Array.isArray(paths) || !Array.isArray(weights)) throw new ModelFormatError(file, `${where} needs paths and weights lists`);
    const parts: Buffer[] = [];
    for (const p of paths) {
      if (typeof p !== 'string') throw new ModelFormatError(file, `${where}.paths holds a non-string`);
      const shard = resolve(dir, p);
      try {
        parts.push(await readFile(shard));
      } catch (e) {
        throw new ModelFormatError(file, `weight shard ${p} (${where}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, 'Keep the .bin shard files next to model.json, as TF.js wrote them.');
      }
    }
    const buf = Buffer.concat(parts);
    let off = 0;
    for (const [wi, wRaw] of weights.entries()) {
      const w = wRaw as ManifestWeight;
      const wWhere = `${where}.weights[${wi}]`;
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 0)) {
        throw new ModelFormatError(file, `${wWhere} needs a name and an integer shape`);
      }
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const storage = q?.dtype ?? w.dtype;
      const size = storage === 'uint8' ? 1 : storage === 'uint16' || storage === 'float16' ? 2 : storage === 'float32' || storage === 'int32' ? 4 : 0;
      if (size === 0) throw new ModelFormatError(file, `${wWhere} (${w.name}) has unsupported dtype ${storage}`);
      if (off + n * size > buf.length) {
        throw new ModelFormatError(file, `weight ${w.name} needs bytes ${off}..${off + n * size} of the shards of ${where}, which hold only ${buf.length}`);
      }
      const data = new Float32Array(n);
      const scale = q?.scale ?? 1;
      const min = q?.min ?? 0;
      for (let i = 0; i < n; i++) {
        const o = off + i * size;
        switch (storage) {
          case 'float32':
            data[i] = buf.readFloatLE(o);
            break;
          case 'int32':
            data[i] = buf.readInt32LE(o);
            break;
          case 'uint8':
            data[i] = buf[o]! * scale + min;
            break;
          case 'uint16':
            data[i] = buf.readUInt16LE(o) * scale + min;
            break;
          case 'float16':
            data[i] = halfToFloat(buf.readUInt16LE(o));
            break;
        }
      }
      off += n * size;
      all.push({ name: w.name, shape: w.shape, data });
    }
  }
  const weightsOf = (layer: { name: string }): KerasWeight[] => all.filter((w) => w.name.startsWith(`${layer.name}/`));
  return lowerKerasModel(spec, weightsOf, file, 'tfjs');
}

registerImporter({
  id: 'tfjs-layers',
  description: 'TF.js layers model (model.json with modelTopology + weightsManifest)',
  detect: (bytes) => looksLikeTfjs(bytes),
  load: loadTfjs,
});
