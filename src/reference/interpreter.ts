import type { Graph, TensorData } from '../ir/graph.js';

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
