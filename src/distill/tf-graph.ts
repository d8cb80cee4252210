/**
 * Runs a float IR graph with tfjs, many samples per call: how teacher outputs are computed
 * for a whole dataset. The reference interpreter does the same work one sample at a time
 * in exact C order (about 100 M MAC/s here, 8 minutes for a 4.9 M-MAC CNN over 10,000
 * digits); tfjs batches it through the WASM backend in seconds. Results agree with the
 * reference interpreter to float rounding (the test bounds the difference on the MLPerf
 * Tiny float models). Graphs with an op or a quantized tensor this runner does not cover
 * are refused (`tfGraphSupport` says why) and the caller falls back to the interpreter.
 * Every op's result is checked against the shape the graph declares, so importer tests use
 * this runner as an executor independent of the reference interpreter.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Graph } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { opDef } from '../ops/registry.js';
import { batchedShape } from '../ops/tf-helpers.js';
import type { Tf } from './tf.js';

/** Why `graph` cannot run here, or undefined when it can. */
export function tfGraphSupport(graph: Graph): string | undefined {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) return 'not one input and one output';
  for (const t of Object.values(graph.tensors)) if (t.dtype !== 'float32' && t.data === undefined) return `tensor '${t.name}' is ${t.dtype}`;
  for (const op of graph.ops) {
    if (!opDef(op).tf) return `op ${op.kind}`;
  }
  return undefined;
}

function constant(tf: Tf, t: Graph['tensors'][number]): TF.Tensor {
  return tf.tensor(Float32Array.from(t.data as ArrayLike<number>), t.shape);
}

/**
 * Outputs of `graph` for `count` samples laid out back to back in `x` (each of the input
 * tensor's shape without its batch dimension), `batchSize` at a time.
 */
export function runGraphTf(tf: Tf, graph: Graph, x: Float32Array, count: number, opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Float32Array {
  const why = tfGraphSupport(graph);
  if (why) throw new Error(`graph cannot run on tfjs: ${why}`);
  const inT = graph.tensors[graph.inputs[0]!]!;
  const outT = graph.tensors[graph.outputs[0]!]!;
  const per = elementCount(inT.shape.slice(1));
  const perOut = elementCount(outT.shape.slice(1));
  const out = new Float32Array(count * perOut);
  const batchSize = opts.batchSize ?? 256;
  const consts = new Map<number, TF.Tensor>();
  try {
    for (let s = 0; s < count; s += batchSize) {
      const n = Math.min(batchSize, count - s);
      const y = tf.tidy(() => {
        const values = new Map<number, TF.Tensor>([[graph.inputs[0]!, tf.tensor(x.subarray(s * per, (s + n) * per), batchedShape(inT.shape, n))]]);
        const get = (i: number): TF.Tensor => {
          const v = values.get(i) ?? consts.get(i);
          if (v) return v;
          const t = graph.tensors[i]!;
          if (t.data === undefined) throw new Error(`tensor '${t.name}' is read before it is written`);
          const c = tf.keep(constant(tf, t));
          consts.set(i, c);
          return c;
        };
        for (const op of graph.ops) {
          const r = opDef(op).tf!(tf, graph, op, get, n);
          const ys = Array.isArray(r) ? r : [r];
          op.outputs.forEach((o, k) => {
            const y = ys[k];
            const want = batchedShape(graph.tensors[o]!.shape, n);
            if (!y || y.shape.length !== want.length || y.shape.some((d, i) => d !== want[i])) {
              throw new Error(`op '${op.name}' (${op.kind}) computes [${y?.shape}] where the graph says [${want}]`);
            }
            values.set(o, y);
          });
        }
        return values.get(graph.outputs[0]!)!.dataSync() as Float32Array;
      });
      out.set(y, s * perOut);
      opts.onProgress?.(s + n, count);
    }
  } finally {
    for (const c of consts.values()) c.dispose();
  }
  return out;
}
