/**
 * Keras 3 `.keras` models: a zip holding `config.json` (the architecture, Keras 3 JSON),
 * `metadata.json` and `model.weights.h5`. In the weights file each layer's variables are
 * datasets `layers/<path>/vars/0..n` in creation order, where `<path>` is the snake-case
 * class name with a per-class counter in `model.layers` order (`dense`, `dense_1`, ...,
 * Keras's `_save_container_state`); files written by Keras 2.13–2.15 use
 * `_layer_checkpoint_dependencies` instead of `layers`. A path named after the layer itself
 * is accepted as a fallback. Recurrent layers (LSTM, GRU) keep their variables in their cell:
 * `layers/<path>/cell/vars/0..n`.
 */
import JSZip from 'jszip';
import { ModelFormatError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { withHdf5 } from './hdf5.js';
import { parseJsonAttr } from './keras-h5.js';
import { lowerKerasModel, type KerasWeight } from './keras-lowering.js';
import { parseKerasTopology, type KerasLayer } from './keras-topology.js';
import { registerImporter } from './registry.js';

/** Keras's `naming.to_snake_case`. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function containsAscii(bytes: Uint8Array, s: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(s, 0, 'latin1') >= 0;
}

function isKerasZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04 && containsAscii(bytes, 'config.json') && containsAscii(bytes, 'model.weights.h5');
}

async function loadKerasV3(bytes: Uint8Array, file: string): Promise<Graph> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
  } catch (e) {
    throw new ModelFormatError(file, `corrupt .keras zip archive: ${(e as Error).message}`);
  }
  const entry = async (name: string, type: 'string' | 'uint8array') => {
    const f = zip.file(name);
    if (!f) throw new ModelFormatError(file, `.keras archive has no ${name}`);
    try {
      return await f.async(type);
    } catch (e) {
      throw new ModelFormatError(file, `cannot extract ${name} from the .keras archive: ${(e as Error).message}`);
    }
  };
  const configText = (await entry('config.json', 'string')) as string;
  const spec = parseKerasTopology(parseJsonAttr(configText, file, 'config.json'), file);
  const weightBytes = (await entry('model.weights.h5', 'uint8array')) as Uint8Array;
  const where = `${file}!model.weights.h5`;
  return withHdf5(weightBytes, where, (r) => {
    const containers = ['/layers', '/_layer_checkpoint_dependencies'].filter((p) => r.isGroup(p));
    const counters = new Map<string, number>();
    const pathOf = new Map<string, string>();
    for (const l of spec.layers) {
      const base = kerasSnakeCase(l.className);
      const n = counters.get(base);
      counters.set(base, n === undefined ? 0 : n + 1);
      pathOf.set(l.name, n === undefined ? base : `${base}_${n + 1}`);
    }
    const weightsOf = (layer: KerasLayer): KerasWeight[] => {
      for (const c of containers) {
        for (const vars of [pathOf.get(layer.name)!, layer.name].flatMap((p) => [`${c}/${p}/vars`, `${c}/${p}/cell/vars`])) {
          if (!r.isGroup(vars)) continue;
          const keys = (r.keys(vars) ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
          if (keys.length === 0) continue;
          return keys.map((k) => {
            const { shape, data } = r.dataset(`${vars}/${k}`);
            return { name: `${vars.slice(1)}/${k}`, shape, data };
          });
        }
      }
      return [];
    };
    return lowerKerasModel(spec, weightsOf, file, 'keras-v3');
  });
}

registerImporter({
  id: 'keras-v3',
  description: 'Keras 3 model (.keras zip with config.json + model.weights.h5)',
  detect: (bytes) => isKerasZip(bytes),
  load: loadKerasV3,
});
