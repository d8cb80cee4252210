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
import type { Activation, Graph, Op, Tensor } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import type { Tf } from './tf.js';

/** Why `graph` cannot run here, or undefined when it can. */
export function tfGraphSupport(graph: Graph): string | undefined {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) return 'not one input and one output';
  for (const t of Object.values(graph.tensors)) if (t.dtype !== 'float32' && t.data === undefined) return `tensor '${t.name}' is ${t.dtype}`;
  for (const op of graph.ops) {
    if (op.kind === 'Quantize' || op.kind === 'Dequantize') return `op ${op.kind}`;
  }
  return undefined;
}

function activate(tf: Tf, x: TF.Tensor, a: Activation): TF.Tensor {
  switch (a) {
    case 'none':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'relu_n1_to_1':
      return tf.clipByValue(x, -1, 1);
    case 'tanh':
      return tf.tanh(x);
  }
}

/** The tensor's shape with its batch dimension (the first) set to `n`. */
function batched(t: Tensor, n: number): number[] {
  return [n, ...t.shape.slice(1)];
}

function constant(tf: Tf, t: Tensor): TF.Tensor {
  return tf.tensor(Float32Array.from(t.data as ArrayLike<number>), t.shape);
}

function runOp(tf: Tf, g: Graph, op: Op, get: (i: number) => TF.Tensor, n: number): TF.Tensor {
  const outT = g.tensors[op.outputs[0]!]!;
  const bias = (x: TF.Tensor) => (op.inputs[2] !== undefined && op.inputs[2] >= 0 ? tf.add(x, get(op.inputs[2])) : x);
  switch (op.kind) {
    case 'Conv2D': {
      // IR filters are [out, kh, kw, in]; tfjs wants [kh, kw, in, out].
      const w = tf.transpose(get(op.inputs[1]!), [1, 2, 3, 0]) as TF.Tensor4D;
      const x = get(op.inputs[0]!) as TF.Tensor4D;
      const strided = (op.strideH > 1 || op.strideW > 1) && (op.dilationH > 1 || op.dilationW > 1);
      const conv = (xi: TF.Tensor4D, wi: TF.Tensor4D): TF.Tensor4D => {
        if (!strided) return tf.conv2d(xi, wi, [op.strideH, op.strideW], op.padding, 'NHWC', [op.dilationH, op.dilationW]);
        // tfjs refuses strides and dilations together: TFLite's padding, a stride-1 dilated
        // convolution, then every stride-th row and column.
        const [, h, w] = xi.shape;
        const pads = [h, w].map((n, a) => {
          const [k, s, d] = a === 0 ? [wi.shape[0], op.strideH, op.dilationH] : [wi.shape[1], op.strideW, op.dilationW];
          const ek = (k - 1) * d + 1;
          const out = op.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - ek) / s) + 1;
          const total = op.padding === 'same' ? Math.max(0, (out - 1) * s + ek - n) : 0;
          return { before: Math.floor(total / 2), after: total - Math.floor(total / 2), out, s };
        });
        const padded = tf.pad(xi, [[0, 0], [pads[0]!.before, pads[0]!.after], [pads[1]!.before, pads[1]!.after], [0, 0]]);
        const full = tf.conv2d(padded, wi, 1, 'valid', 'NHWC', [op.dilationH, op.dilationW]);
        return tf.stridedSlice(full, [0, 0, 0, 0], [full.shape[0], pads[0]!.out * pads[0]!.s, pads[1]!.out * pads[1]!.s, full.shape[3]], [1, pads[0]!.s, pads[1]!.s, 1]) as TF.Tensor4D;
      };
      const groups = x.shape[3] / w.shape[2];
      // Grouped convolution (tfjs has none): one convolution per group of channels.
      const y =
        groups === 1
          ? conv(x, w)
          : tf.concat(
              tf.split(x, groups, 3).map((xi, k) => conv(xi as TF.Tensor4D, tf.split(w, groups, 3)[k] as TF.Tensor4D)),
              3,
            );
      return activate(tf, bias(y), op.activation);
    }
    case 'DepthwiseConv2D': {
      const x = get(op.inputs[0]!) as TF.Tensor4D;
      const f = get(op.inputs[1]!);
      const inC = x.shape[3];
      const w = tf.reshape(f, [f.shape[1]!, f.shape[2]!, inC, f.shape[3]! / inC]) as TF.Tensor4D;
      const y = tf.depthwiseConv2d(x, w, [op.strideH, op.strideW], op.padding, 'NHWC', [op.dilationH, op.dilationW]);
      return activate(tf, bias(y), op.activation);
    }
    case 'FullyConnected': {
      const w = get(op.inputs[1]!);
      const x = tf.reshape(get(op.inputs[0]!), [-1, w.shape[1]!]);
      const y = activate(tf, bias(tf.matMul(x, w, false, true)), op.activation);
      return tf.reshape(y, batched(outT, n));
    }
    case 'MaxPool2D':
    case 'AveragePool2D': {
      const x = get(op.inputs[0]!) as TF.Tensor4D;
      const pool = op.kind === 'MaxPool2D' ? tf.maxPool : tf.avgPool;
      return activate(tf, pool(x, [op.filterH, op.filterW], [op.strideH, op.strideW], op.padding), op.activation);
    }
    case 'Mean':
      return tf.mean(get(op.inputs[0]!), op.axes, op.keepDims);
    case 'Reshape':
      return tf.reshape(get(op.inputs[0]!), batched(outT, n));
    case 'Pad':
      return tf.pad(get(op.inputs[0]!), op.paddings);
    case 'Concatenation':
      return activate(tf, tf.concat(op.inputs.map(get), op.axis), op.activation);
    case 'Add':
    case 'Mul':
      return activate(tf, (op.kind === 'Add' ? tf.add : tf.mul)(get(op.inputs[0]!), get(op.inputs[1]!)), op.activation);
    case 'Softmax':
      return tf.softmax(tf.mul(get(op.inputs[0]!), op.beta));
    case 'Logistic':
      return tf.sigmoid(get(op.inputs[0]!));
    case 'Tanh':
      return tf.tanh(get(op.inputs[0]!));
    case 'Relu':
      return tf.relu(get(op.inputs[0]!));
    case 'Relu6':
      return tf.relu6(get(op.inputs[0]!));
    case 'Quantize':
    case 'Dequantize':
      throw new Error(`op ${op.kind} is not run by tfjs`);
  }
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
        const values = new Map<number, TF.Tensor>([[graph.inputs[0]!, tf.tensor(x.subarray(s * per, (s + n) * per), batched(inT, n))]]);
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
          const y = runOp(tf, graph, op, get, n);
          const want = batched(graph.tensors[op.outputs[0]!]!, n);
          if (y.shape.length !== want.length || y.shape.some((d, i) => d !== want[i])) {
            throw new Error(`op '${op.name}' (${op.kind}) computes [${y.shape}] where the graph says [${want}]`);
          }
          values.set(op.outputs[0]!, y);
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
