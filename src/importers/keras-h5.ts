/**
 * Keras 2 HDF5 models (`model.save('m.h5')`): the architecture is the JSON root attribute
 * `model_config`; weights live in group `model_weights/<layer>` whose attribute
 * `weight_names` lists datasets such as `dense/kernel:0` (stored at
 * `model_weights/<layer>/dense/kernel:0`), in the layer's weight order.
 * Lowering is shared with the other Keras formats (keras-lowering.ts).
 */
import { ModelFormatError, TinymlError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { hasHdf5Signature, withHdf5, type Hdf5Reader } from './hdf5.js';
import { lowerKerasModel, type KerasWeight } from './keras-lowering.js';
import { parseKerasTopology } from './keras-topology.js';
import { registerImporter } from './registry.js';

/** Keras splits long list attributes into `name0`, `name1`, ... chunks. */
export function readListAttr(r: Hdf5Reader, obj: string, name: string): string[] | undefined {
  const asList = (v: unknown): string[] => {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.map((x) => String(x));
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => String(x));
    return [];
  };
  const whole = r.attr(obj, name);
  if (whole !== undefined) return asList(whole);
  let out: string[] | undefined;
  for (let i = 0; ; i++) {
    const part = r.attr(obj, `${name}${i}`);
    if (part === undefined) break;
    out = [...(out ?? []), ...asList(part)];
  }
  return out;
}

export function parseJsonAttr(v: unknown, file: string, what: string): unknown {
  const text = typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined;
  if (text === undefined) throw new ModelFormatError(file, `${what} is not a JSON string`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(file, `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

async function loadKerasH5(bytes: Uint8Array, file: string): Promise<Graph> {
  return withHdf5(bytes, file, (r) => {
    const cfgAttr = r.attr('/', 'model_config');
    if (cfgAttr === undefined) {
      const weightsOnly = r.attr('/', 'layer_names') !== undefined || r.isGroup('/layers');
      throw new TinymlError(
        'input',
        `${file}: HDF5 file without a model_config attribute — ${weightsOnly ? 'it holds weights only (save_weights), not the architecture' : 'not a Keras model'}`,
        weightsOnly ? 'Save the whole model with model.save("model.h5") (Keras 2) or model.save("model.keras") (Keras 3).' : undefined,
      );
    }
    const spec = parseKerasTopology(parseJsonAttr(cfgAttr, file, 'attribute model_config'), file);
    const root = r.isGroup('/model_weights') ? '/model_weights' : '/';
    const weightsOf = (layer: { name: string }): KerasWeight[] => {
      const g = `${root === '/' ? '' : root}/${layer.name}`;
      if (!r.isGroup(g)) return [];
      const names = readListAttr(r, g, 'weight_names') ?? [];
      return names.map((n) => {
        const { shape, data } = r.dataset(`${g}/${n}`);
        return { name: n, shape, data };
      });
    };
    return lowerKerasModel(spec, weightsOf, file, 'keras-h5');
  });
}

registerImporter({
  id: 'keras-h5',
  description: 'Keras 2 HDF5 model (.h5, HDF5 signature)',
  detect: (bytes) => hasHdf5Signature(bytes),
  load: loadKerasH5,
});
