/**
 * Data conversion at a graph's boundary between the source model's layout (ONNX NCHW) and the
 * IR tensor's (NHWC), as recorded in `Graph.boundaryLayout`. `toIr` takes a sample as the
 * source model expects it (what PyTorch or ONNX Runtime is fed) and returns the IR tensor's
 * data; `fromIr` turns an IR output back into the source model's layout. Graphs without a
 * boundary record (every non-ONNX format) pass data through unchanged.
 */
import type { BoundaryLayout, Graph, TensorData } from './graph.js';

function sourceIndex(b: BoundaryLayout): Int32Array {
  const r = b.split.length;
  const st = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= b.split[i]!;
  }
  const t = b.perm.map((p) => b.split[p]!);
  const out = new Int32Array(acc);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < acc; o++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i]! * st[b.perm[i]!]!;
    out[o] = src;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < t[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Source-layout data → IR-layout data for boundary `b` (a copy either way). */
export function boundaryToIr<T extends TensorData>(data: T, b: BoundaryLayout | undefined): T {
  if (!b || !b.transpose) return data.slice() as T;
  const src = sourceIndex(b);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let i = 0; i < src.length; i++) out[i] = data[src[i]!]!;
  return out;
}

/** IR-layout data → source-layout data for boundary `b`. */
export function boundaryFromIr<T extends TensorData>(data: T, b: BoundaryLayout | undefined): T {
  if (!b || !b.transpose) return data.slice() as T;
  const src = sourceIndex(b);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let i = 0; i < src.length; i++) out[src[i]!] = data[i]!;
  return out;
}

/** Inputs given in the source layout, converted for `runGraph`. */
export function inputsToIr(g: Graph, inputs: TensorData[]): TensorData[] {
  return inputs.map((d, k) => boundaryToIr(d, g.boundaryLayout?.inputs[k]));
}

/** Outputs of `runGraph`, converted to the source layout. */
export function outputsFromIr(g: Graph, outputs: TensorData[]): TensorData[] {
  return outputs.map((d, k) => boundaryFromIr(d, g.boundaryLayout?.outputs[k]));
}

/** The shape a user sees for graph input/output `k` (the source model's, else the IR's). */
export function userShape(g: Graph, kind: 'inputs' | 'outputs', k: number): number[] {
  const b = g.boundaryLayout?.[kind][k];
  return b ? [...b.sourceShape] : [...g.tensors[g[kind][k]!]!.shape];
}
