/**
 * Normalizes a Keras model config (Keras 2 HDF5 `model_config`, Keras 3 `config.json`,
 * TF.js `modelTopology`) into one shape the lowering understands: a list of layers, each
 * with the input tensor references of every call ("node"), plus the model inputs/outputs.
 *
 * Formats handled:
 * - Sequential: `config.layers` (Keras ≥ 2.2.3, Keras 3, TF.js) or `config` as the layer
 *   list (older Keras 2). The input comes from an InputLayer entry or from the first
 *   layer's `batch_input_shape` / `batch_shape` / `input_shape`, or `build_input_shape`.
 * - Functional ("Functional", "Model"): Keras 2 / TF.js inbound nodes
 *   `[[layer, nodeIndex, tensorIndex, kwargs], ...]`, and Keras 3 nodes
 *   `{args, kwargs}` whose tensors are `{class_name: "__keras_tensor__", config: {keras_history}}`.
 */
import { ModelFormatError } from '../errors.js';

export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** One entry per call of the layer: the tensors it was called on, in argument order. */
  nodes: TensorRef[][];
}

export interface KerasModelSpec {
  name: string;
  layers: KerasLayer[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

export function refKey(r: TensorRef): string {
  return `${r.layer}:${r.node}:${r.tensor}`;
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `topology` is the parsed JSON: `{class_name, config}`, or a wrapper holding it under
 * `model_config` (TF.js files converted from Keras).
 */
export function parseKerasTopology(topology: unknown, file: string): KerasModelSpec {
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `model config: ${what}`);
  };
  let top = topology;
  if (isObj(top) && isObj(top['model_config'])) top = top['model_config'];
  if (!isObj(top)) return bad('expected a JSON object with class_name and config');
  const cls = top['class_name'];
  const config = top['config'];
  if (typeof cls !== 'string') return bad('missing class_name');
  if (cls === 'Sequential') return parseSequential(config, file, bad);
  if (cls === 'Functional' || cls === 'Model') return parseFunctional(config, file, bad);
  return bad(`top-level class ${cls} is not a Sequential or Functional model`);
}

function layerBasics(entry: unknown, i: number, bad: (w: string) => never): { name: string; className: string; config: Json } {
  if (!isObj(entry)) return bad(`layers[${i}] is not an object`);
  const className = entry['class_name'];
  const config = entry['config'];
  if (typeof className !== 'string') return bad(`layers[${i}] has no class_name`);
  if (!isObj(config)) return bad(`layers[${i}] (${className}) has no config object`);
  const name = typeof entry['name'] === 'string' ? entry['name'] : config['name'];
  if (typeof name !== 'string' || name === '') return bad(`layers[${i}] (${className}) has no name`);
  return { name, className, config };
}

/** The batch-including input shape a layer config declares, if any. */
export function declaredInputShape(config: Json): (number | null)[] | undefined {
  for (const k of ['batch_input_shape', 'batch_shape']) {
    const v = config[k];
    if (Array.isArray(v)) return v as (number | null)[];
  }
  const v = config['input_shape'];
  if (Array.isArray(v)) return [null, ...(v as (number | null)[])];
  return undefined;
}

function parseSequential(config: unknown, _file: string, bad: (w: string) => never): KerasModelSpec {
  const rawLayers = Array.isArray(config) ? config : isObj(config) ? config['layers'] : undefined;
  if (!Array.isArray(rawLayers)) return bad('Sequential model without a layers list');
  const name = isObj(config) && typeof config['name'] === 'string' ? config['name'] : 'sequential';
  const basics = rawLayers.map((e, i) => layerBasics(e, i, bad));
  const layers: KerasLayer[] = [];
  let prev: TensorRef | undefined;
  for (const b of basics) {
    if (b.className === 'InputLayer') {
      if (prev) return bad(`InputLayer ${b.name} is not the first layer of the Sequential model`);
      layers.push({ ...b, nodes: [] });
      prev = { layer: b.name, node: 0, tensor: 0 };
      continue;
    }
    if (!prev) {
      let shape = declaredInputShape(b.config);
      if (!shape && isObj(config) && Array.isArray(config['build_input_shape'])) shape = config['build_input_shape'] as (number | null)[];
      if (!shape) return bad(`first layer ${b.name} (${b.className}) declares no input shape`);
      const inName = uniqueName(`${b.name}_input`, basics);
      layers.push({ name: inName, className: 'InputLayer', config: { name: inName, batch_input_shape: shape, dtype: b.config['dtype'] }, nodes: [] });
      prev = { layer: inName, node: 0, tensor: 0 };
    }
    layers.push({ ...b, nodes: [[prev]] });
    prev = { layer: b.name, node: 0, tensor: 0 };
  }
  if (!prev) return bad('Sequential model has no layers');
  return { name, layers, inputs: [{ layer: layers[0]!.name, node: 0, tensor: 0 }], outputs: [prev] };
}

function uniqueName(base: string, taken: { name: string }[]): string {
  let n = base;
  for (let i = 1; taken.some((t) => t.name === n); i++) n = `${base}_${i}`;
  return n;
}

function parseRefTriple(v: unknown, where: string, bad: (w: string) => never): TensorRef {
  if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'number' || typeof v[2] !== 'number') {
    return bad(`${where}: expected [layer_name, node_index, tensor_index]`);
  }
  return { layer: v[0], node: v[1], tensor: v[2] };
}

/** `input_layers` / `output_layers`: a list of triples, or a single triple (Keras 3, one input). */
function parseRefList(v: unknown, where: string, bad: (w: string) => never): TensorRef[] {
  if (!Array.isArray(v)) return bad(`${where} is missing`);
  if (v.length === 3 && typeof v[0] === 'string') return [parseRefTriple(v, where, bad)];
  return v.map((x, i) => parseRefTriple(x, `${where}[${i}]`, bad));
}

/** Keras 3 call arguments: every `__keras_tensor__` in `args` (depth first, in order). */
function collectKeras3Tensors(v: unknown, out: TensorRef[], where: string, bad: (w: string) => never): void {
  if (Array.isArray(v)) {
    for (const x of v) collectKeras3Tensors(x, out, where, bad);
  } else if (isObj(v)) {
    if (v['class_name'] === '__keras_tensor__') {
      const cfg = v['config'];
      const hist = isObj(cfg) ? cfg['keras_history'] : undefined;
      out.push(parseRefTriple(hist, `${where} keras_history`, bad));
    }
  }
}

function parseFunctional(config: unknown, _file: string, bad: (w: string) => never): KerasModelSpec {
  if (!isObj(config)) return bad('Functional model without a config object');
  const rawLayers = config['layers'];
  if (!Array.isArray(rawLayers)) return bad('Functional model without a layers list');
  const layers: KerasLayer[] = rawLayers.map((e, i) => {
    const b = layerBasics(e, i, bad);
    const inbound = (e as Json)['inbound_nodes'];
    const nodes: TensorRef[][] = [];
    if (inbound !== undefined && !Array.isArray(inbound)) bad(`layer ${b.name}: inbound_nodes is not a list`);
    for (const [ni, node] of ((inbound as unknown[] | undefined) ?? []).entries()) {
      const where = `layer ${b.name} inbound_nodes[${ni}]`;
      if (Array.isArray(node)) {
        nodes.push(node.map((r, ri) => parseRefTriple(r, `${where}[${ri}]`, bad)));
      } else if (isObj(node)) {
        const refs: TensorRef[] = [];
        collectKeras3Tensors(node['args'], refs, where, bad);
        nodes.push(refs);
      } else {
        bad(`${where} is neither a list nor an {args, kwargs} object`);
      }
    }
    return { ...b, nodes };
  });
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name)) bad(`two layers are named ${l.name}`);
    names.add(l.name);
  }
  const inputs = parseRefList(config['input_layers'], 'input_layers', bad);
  const outputs = parseRefList(config['output_layers'], 'output_layers', bad);
  for (const r of [...inputs, ...outputs]) if (!names.has(r.layer)) bad(`model input/output refers to unknown layer ${r.layer}`);
  const name = typeof config['name'] === 'string' ? config['name'] : 'model';
  return { name, layers, inputs, outputs };
}
