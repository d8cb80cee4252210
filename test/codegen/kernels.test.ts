/**
 * Every C kernel against the TypeScript reference interpreter, on small graphs built here with
 * random weights and parameters chosen to hit the awkward cases (SAME padding at the edges,
 * strides, dilation, groups, depth multipliers, broadcast, saturation). Outputs must be equal
 * byte for byte; the C is built with AddressSanitizer, UBSan and the arena guard.
 */
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';
import type { Activation, Graph, Op, Padding, Tensor } from '../../src/ir/graph.js';
import { elementCount } from '../../src/ir/graph.js';
import { randomInt8, rng, runGenerated, runReference } from './c-harness.js';

const f32 = Math.fround;

function act(name: string, shape: number[], scale: number, zp: number): Tensor {
  return { name, shape, dtype: 'int8', quant: { scale: [f32(scale)], zeroPoint: [zp] } };
}

function weights(r: () => number, name: string, shape: number[], channels: number, axis: number, scaleLo = 0.005): Tensor {
  const scale = Array.from({ length: channels }, () => f32(scaleLo + r() * scaleLo * 3));
  return { name, shape, dtype: 'int8', data: randomInt8(r, elementCount(shape), -127, 127), quant: { scale, zeroPoint: new Array(channels).fill(0), axis } };
}

function bias(r: () => number, name: string, n: number, mag = 3000): Tensor {
  const d = new Int32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.floor((r() * 2 - 1) * mag);
  return { name, shape: [n], dtype: 'int32', data: d };
}

function graph(name: string, tensors: Tensor[], ops: Op[], input = 0, output = tensors.length - 1): Graph {
  return { name, tensors, ops, inputs: [input], outputs: [output] };
}

function convGraph(seed: number, o: { in: number[]; outC: number; k: [number, number]; stride: [number, number]; dil: [number, number]; padding: Padding; activation: Activation; groups?: number; depthwise?: number }): Graph {
  const r = rng(seed);
  const [n, h, w, c] = o.in as [number, number, number, number];
  const eff = (k: number, d: number) => (k - 1) * d + 1;
  const out = (size: number, k: number, s: number, d: number) => (o.padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - eff(k, d) + 1) / s));
  const oh = out(h, o.k[0], o.stride[0], o.dil[0]);
  const ow = out(w, o.k[1], o.stride[1], o.dil[1]);
  const inScale = 0.02 + r() * 0.05;
  const dw = o.depthwise !== undefined;
  const outC = dw ? c * o.depthwise! : o.outC;
  const wShape = dw ? [1, o.k[0], o.k[1], outC] : [outC, o.k[0], o.k[1], c / (o.groups ?? 1)];
  const wt = weights(r, 'w', wShape, outC, dw ? 3 : 0);
  const K = dw ? o.k[0] * o.k[1] : o.k[0] * o.k[1] * (c / (o.groups ?? 1));
  const outScale = inScale * 0.01 * Math.sqrt(K) * 60;
  const tensors = [act('x', o.in, inScale, Math.floor(r() * 40) - 20), wt, bias(r, 'b', outC), act('y', [n, oh, ow, outC], outScale, Math.floor(r() * 20) - 10)];
  const base = { name: 'conv', inputs: [0, 1, 2], outputs: [3], strideH: o.stride[0], strideW: o.stride[1], dilationH: o.dil[0], dilationW: o.dil[1], padding: o.padding, activation: o.activation };
  const op = (dw ? { ...base, kind: 'DepthwiseConv2D', depthMultiplier: o.depthwise } : { ...base, kind: 'Conv2D' }) as Op;
  tensors[0] = { ...tensors[0]!, name: 'x' };
  return graph(`conv-${seed}`, [tensors[0], tensors[3]!, tensors[1]!, tensors[2]!], [{ ...op, inputs: [0, 2, 3], outputs: [1] } as Op], 0, 1);
}

function fcGraph(seed: number, batches: number, inF: number, units: number, perChannel: boolean, activation: Activation): Graph {
  const r = rng(seed);
  const inScale = 0.03;
  const w = weights(r, 'w', [units, inF], perChannel ? units : 1, 0);
  const outScale = inScale * 0.01 * Math.sqrt(inF) * 60;
  return graph(
    `fc-${seed}`,
    [act('x', [batches, inF], inScale, 7), w, bias(r, 'b', units), act('y', [batches, units], outScale, -5)],
    [{ kind: 'FullyConnected', name: 'fc', inputs: [0, 1, 2], outputs: [3], activation, keepNumDims: false }],
  );
}

function poolGraph(kind: 'AveragePool2D' | 'MaxPool2D', padding: Padding, inShape: number[], f: [number, number], s: [number, number], activation: Activation): Graph {
  const [n, h, w, c] = inShape as [number, number, number, number];
  const out = (size: number, k: number, st: number) => (padding === 'same' ? Math.ceil(size / st) : Math.ceil((size - k + 1) / st));
  return graph(
    `${kind}-${padding}`,
    [act('x', inShape, 0.05, 3), act('y', [n, out(h, f[0], s[0]), out(w, f[1], s[1]), c], 0.05, 3)],
    [{ kind, name: 'pool', inputs: [0], outputs: [1], filterH: f[0], filterW: f[1], strideH: s[0], strideW: s[1], padding, activation }],
  );
}

function unaryGraph(kind: 'Logistic' | 'Tanh' | 'Relu' | 'Relu6' | 'Quantize', shape: number[], inQ: [number, number], outQ: [number, number]): Graph {
  return graph(`${kind}`, [act('x', shape, inQ[0], inQ[1]), act('y', shape, outQ[0], outQ[1])], [{ kind, name: kind.toLowerCase(), inputs: [0], outputs: [1] }]);
}

function binaryGraph(kind: 'Add' | 'Mul', a: number[], b: number[], out: number[], activation: Activation, seed: number): Graph {
  const r = rng(seed);
  const aT = act('a', a, 0.04, 5);
  const bT: Tensor = { ...act('b', b, 0.07, -12), data: randomInt8(r, elementCount(b)) };
  const yScale = kind === 'Add' ? 0.09 : 0.04 * 0.07 * 60;
  return graph(`${kind}-${seed}`, [aT, bT, act('y', out, yScale, 2)], [{ kind, name: kind.toLowerCase(), inputs: [0, 1], outputs: [2], activation }]);
}

interface Case {
  name: string;
  g: Graph;
}

const cases: Case[] = [
  { name: 'Conv2D 3x3 SAME stride 1, relu', g: convGraph(1, { in: [1, 7, 6, 3], outC: 5, k: [3, 3], stride: [1, 1], dil: [1, 1], padding: 'same', activation: 'relu' }) },
  { name: 'Conv2D 3x2 SAME stride 2 (odd padding), none', g: convGraph(2, { in: [1, 8, 7, 3], outC: 4, k: [3, 2], stride: [2, 2], dil: [1, 1], padding: 'same', activation: 'none' }) },
  { name: 'Conv2D VALID dilation 2, relu6', g: convGraph(3, { in: [1, 9, 9, 2], outC: 3, k: [3, 3], stride: [1, 1], dil: [2, 2], padding: 'valid', activation: 'relu6' }) },
  { name: 'Conv2D grouped (2 groups)', g: convGraph(4, { in: [1, 5, 5, 4], outC: 6, k: [3, 3], stride: [1, 1], dil: [1, 1], padding: 'same', activation: 'none', groups: 2 }) },
  { name: 'DepthwiseConv2D multiplier 2, SAME stride 2, relu6', g: convGraph(5, { in: [1, 9, 8, 3], outC: 0, k: [3, 3], stride: [2, 2], dil: [1, 1], padding: 'same', activation: 'relu6', depthwise: 2 }) },
  { name: 'DepthwiseConv2D multiplier 1, VALID, none', g: convGraph(6, { in: [1, 6, 6, 4], outC: 0, k: [3, 3], stride: [1, 1], dil: [1, 1], padding: 'valid', activation: 'none', depthwise: 1 }) },
  { name: 'FullyConnected per-tensor, batch 2, relu', g: fcGraph(7, 2, 24, 9, false, 'relu') },
  { name: 'FullyConnected per-channel, none', g: fcGraph(8, 1, 40, 11, true, 'none') },
  { name: 'AveragePool2D SAME 3x3 stride 2 (clipped windows)', g: poolGraph('AveragePool2D', 'same', [1, 7, 6, 3], [3, 3], [2, 2], 'none') },
  { name: 'AveragePool2D VALID 2x2, relu', g: poolGraph('AveragePool2D', 'valid', [1, 6, 6, 2], [2, 2], [2, 2], 'relu') },
  { name: 'MaxPool2D SAME 2x3 stride 2', g: poolGraph('MaxPool2D', 'same', [1, 7, 7, 3], [2, 3], [2, 2], 'none') },
  {
    name: 'Mean over H,W, same quantization (integer path)',
    g: graph('mean-same', [act('x', [1, 5, 4, 3], 0.05, 4), act('y', [1, 1, 1, 3], 0.05, 4)], [{ kind: 'Mean', name: 'mean', inputs: [0], outputs: [1], axes: [1, 2], keepDims: true }]),
  },
  {
    name: 'Mean over H,W, different quantization (TFLM float path)',
    g: graph('mean-diff', [act('x', [1, 5, 4, 3], 0.05, 4), act('y', [1, 3], 0.02, -7)], [{ kind: 'Mean', name: 'mean', inputs: [0], outputs: [1], axes: [1, 2], keepDims: false }]),
  },
  {
    name: 'Mean over non-adjacent axes H and C, float path',
    g: graph('mean-hc', [act('x', [1, 6, 5, 4], 0.05, -6), act('y', [1, 5], 0.01, 3)], [{ kind: 'Mean', name: 'mean', inputs: [0], outputs: [1], axes: [1, -1], keepDims: false }]),
  },
  {
    name: 'Mean of a rank-3 tensor over its first and last axes, integer path',
    g: graph('mean-r3', [act('x', [3, 7, 4], 0.05, 2), act('y', [7], 0.05, 2)], [{ kind: 'Mean', name: 'mean', inputs: [0], outputs: [1], axes: [0, 2], keepDims: false }]),
  },
  {
    name: 'Reshape to the graph output (copy)',
    g: graph('reshape', [act('x', [1, 3, 4, 2], 0.1, 0), act('y', [1, 24], 0.1, 0)], [{ kind: 'Reshape', name: 'reshape', inputs: [0], outputs: [1], newShape: [1, 24] }]),
  },
  {
    name: 'Relu → Reshape (aliased) → Relu',
    g: graph(
      'reshape-alias',
      [act('x', [1, 3, 4, 2], 0.1, 3), act('a', [1, 3, 4, 2], 0.1, 3), act('b', [1, 24], 0.1, 3), act('y', [1, 24], 0.08, -3)],
      [
        { kind: 'Relu', name: 'r0', inputs: [0], outputs: [1] },
        { kind: 'Reshape', name: 'flat', inputs: [1], outputs: [2], newShape: [1, 24] },
        { kind: 'Relu6', name: 'r1', inputs: [2], outputs: [3] },
      ],
    ),
  },
  {
    name: 'Pad H and C',
    g: graph('pad', [act('x', [1, 3, 3, 2], 0.1, -9), act('y', [1, 6, 3, 3], 0.1, -9)], [{ kind: 'Pad', name: 'pad', inputs: [0], outputs: [1], paddings: [[0, 0], [1, 2], [0, 0], [1, 0]] }]),
  },
  {
    name: 'Concatenation on channels (input with itself via relu)',
    g: graph(
      'concat',
      [act('x', [1, 3, 3, 2], 0.1, 1), act('a', [1, 3, 3, 2], 0.1, 1), act('y', [1, 3, 3, 4], 0.1, 1)],
      [
        { kind: 'Relu', name: 'r', inputs: [0], outputs: [1] },
        { kind: 'Concatenation', name: 'cat', inputs: [0, 1], outputs: [2], axis: 3, activation: 'none' },
      ],
    ),
  },
  {
    name: 'Concatenation of differently quantized inputs on H (TFLite requantizing path), relu',
    g: graph(
      'concat-requant',
      [act('x', [1, 2, 3, 2], 0.1, 1), act('a', [1, 2, 3, 2], 0.037, -20), act('y', [1, 4, 3, 2], 0.06, -9)],
      [
        { kind: 'Relu', name: 'r', inputs: [0], outputs: [1] },
        { kind: 'Concatenation', name: 'cat', inputs: [1, 0], outputs: [2], axis: 1, activation: 'relu' },
      ],
    ),
  },
  { name: 'Add with channel broadcast, relu', g: binaryGraph('Add', [1, 4, 3, 5], [1, 1, 1, 5], [1, 4, 3, 5], 'relu', 9) },
  { name: 'Add same shape', g: binaryGraph('Add', [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], 'none', 10) },
  { name: 'Mul with spatial broadcast', g: binaryGraph('Mul', [1, 4, 3, 5], [1, 4, 3, 1], [1, 4, 3, 5], 'none', 11) },
  {
    name: 'Softmax over 10 classes, 3 rows',
    g: graph('softmax', [act('x', [3, 10], 0.15, 10), act('y', [3, 10], 1 / 256, -128)], [{ kind: 'Softmax', name: 'softmax', inputs: [0], outputs: [1], beta: 1 }]),
  },
  {
    name: 'Softmax with small input scale (large diff_min)',
    g: graph('softmax2', [act('x', [1, 37], 0.02, -3), act('y', [1, 37], 1 / 256, -128)], [{ kind: 'Softmax', name: 'softmax', inputs: [0], outputs: [1], beta: 1 }]),
  },
  { name: 'Logistic', g: unaryGraph('Logistic', [1, 50], [0.06, 2], [1 / 256, -128]) },
  { name: 'Tanh', g: unaryGraph('Tanh', [1, 50], [0.04, -1], [1 / 128, 0]) },
  { name: 'Relu (requantizing)', g: unaryGraph('Relu', [1, 50], [0.05, 10], [0.03, -128]) },
  { name: 'Relu6', g: unaryGraph('Relu6', [1, 50], [0.05, 10], [6 / 255, -128]) },
  { name: 'Quantize int8 → int8', g: unaryGraph('Quantize', [1, 50], [0.05, 10], [0.11, -20]) },
];

describe.skipIf(!hasTool('cc') || !hasTool('make'))('C kernels vs the reference interpreter (tolerance 0)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = rng(1234);
      const n = elementCount(c.g.tensors[c.g.inputs[0]!]!.shape);
      const inputs = Array.from({ length: 12 }, () => randomInt8(r, n));
      inputs.push(new Int8Array(n).fill(-128), new Int8Array(n).fill(127));
      const expected = runReference(c.g, inputs);
      const got = await runGenerated(c.g, inputs);
      for (let k = 0; k < inputs.length; k++) expect(Buffer.from(got[k]!).toString('hex'), `sample ${k}`).toBe(Buffer.from(expected[k]!).toString('hex'));
      // The case must exercise the kernel: outputs take several values, not one saturated constant.
      const distinct = new Set(expected.flatMap((e) => Array.from(e)));
      expect(distinct.size).toBeGreaterThan(3);
    });
  }
});
