import { TinymlError } from '../errors.js';
import { allocTensorData, dataMatchesDtype, elementCount, type Graph, type Op, type TensorData } from '../ir/graph.js';
import type { Kernel } from '../ops/op-def.js';
import { opDef, usesFloatKernel } from '../ops/registry.js';

/**
 * The reference interpreter: the numerical ground truth of the project.
 *
 * Contract:
 * - `runGraph(graph, inputs)` runs ONE sample (batch 1): `inputs[i]` holds the data of
 *   `graph.inputs[i]` in that tensor's dtype (Int8Array for int8, Float32Array for float32).
 *   It returns the data of `graph.outputs` in order.
 * - int8 ops follow TFLite's integer kernels exactly (reference_integer_ops / TFLM), float ops
 *   follow TFLite's float kernels.
 * - `onTensor(index, data)` is called once for every tensor an op writes, in execution
 *   order (calibration observers and per-layer error reports use it).
 */
export interface RunOptions {
  onTensor?: (tensorIndex: number, data: TensorData) => void;
}

export type RunGraph = (graph: Graph, inputs: TensorData[], opts?: RunOptions) => TensorData[];

/*
 * How it runs:
 *   1. The first run of a graph "prepares" it (like TFLite's Prepare): every op becomes a
 *      closure with its multipliers, shifts, paddings and activation ranges precomputed by its
 *      definition in src/ops/ (`prepare`, then `evalQuantized`; or `evalFloat`). Plans are
 *      cached per Graph object (WeakMap), so a graph must not be mutated between runs.
 *   2. Each run allocates fresh buffers for the activations (the caller may keep what
 *      onTensor and the return value hand out), binds constants and inputs, and calls the
 *      kernels in graph order.
 * An op runs its float kernel when it writes float32 (src/ops/registry.ts usesFloatKernel;
 * Quantize/Dequantize always run their quantized kernels), its quantized kernel otherwise.
 * Ops the kernels cannot run (an unsupported dtype, a fused tanh on an int8 conv, ...) fail at
 * prepare time with the op's name, before any sample runs.
 */

interface Plan {
  kernels: Kernel[];
}

const plans = new WeakMap<Graph, Plan>();

function opKernel(g: Graph, op: Op): Kernel {
  const def = opDef(op);
  if (usesFloatKernel(g, op)) {
    if (!def.evalFloat) throw new TinymlError('unsupported', `${op.kind} '${op.name}': no float kernel (TFLM has none either)`);
    return def.evalFloat(g, op);
  }
  return def.evalQuantized(g, op, def.prepare(g, op));
}

/** Prepare a graph once (validates every op); later runs reuse the plan. */
export function prepareGraph(graph: Graph): void {
  if (!plans.has(graph)) plans.set(graph, { kernels: graph.ops.map((op) => opKernel(graph, op)) });
}

export const runGraph: RunGraph = (graph, inputs, opts = {}) => {
  prepareGraph(graph);
  const plan = plans.get(graph)!;
  if (inputs.length !== graph.inputs.length) {
    throw new TinymlError('usage', `model '${graph.name}' has ${graph.inputs.length} input(s), ${inputs.length} given`);
  }
  const bufs: TensorData[] = new Array(graph.tensors.length);
  graph.tensors.forEach((t, i) => {
    if (t.data) bufs[i] = t.data;
  });
  graph.inputs.forEach((ti, k) => {
    const t = graph.tensors[ti]!;
    const data = inputs[k]!;
    if (!dataMatchesDtype(t.dtype, data) || data.length !== elementCount(t.shape)) {
      throw new TinymlError(
        'usage',
        `input ${k} ('${t.name}') of model '${graph.name}' needs ${elementCount(t.shape)} ${t.dtype} values [${t.shape}], got ${data.length} in a ${data.constructor.name}`,
      );
    }
    bufs[ti] = data;
  });
  graph.ops.forEach((op, k) => {
    for (const o of op.outputs) {
      const t = graph.tensors[o]!;
      bufs[o] = allocTensorData(t.dtype, elementCount(t.shape));
    }
    plan.kernels[k]!(bufs);
    if (opts.onTensor) for (const o of op.outputs) opts.onTensor(o, bufs[o]!);
  });
  return graph.outputs.map((o) => {
    const d = bufs[o];
    if (!d) throw new TinymlError('input', `model '${graph.name}': output tensor ${o} is never written by any op`);
    return d;
  });
};
