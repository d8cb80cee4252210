/**
 * Two int8 networks built with the project's own tools, shaped like MLPerf Tiny's image models:
 * a float graph in the IR (He-initialised random weights), quantized by src/quantize with
 * synthetic calibration samples, written as .tflite by src/codegen/tflite-writer.ts.
 *
 * - resnet8: MLPerf Tiny image classification ResNet-8 (32x32x3; a 3x3 conv, then three stacks
 *   of two 3x3 convs with a residual ADD, the last two downsampling by stride 2 with a 1x1
 *   stride-2 shortcut conv; average pool, dense 10, softmax): 12.5 M MACs.
 * - mobilenet: MLPerf Tiny visual wake words MobileNetV1 alpha 0.25 (96x96x3; a 3x3 stride-2
 *   conv, 13 depthwise 3x3 + pointwise 1x1 blocks, stride 2 in 5 of them; average pool,
 *   dense 2, softmax): 7.5 M MACs.
 *
 * The weights are random, so the networks compute nothing useful; what a benchmark reads from
 * them — instructions per inference, per layer, RAM and flash — depends on the shapes and on
 * quantization parameters of ordinary magnitudes, which these have.
 */
import type { Activation, Graph, Op, Tensor } from '../src/ir/graph.js';
import { writeTfliteFile } from '../src/codegen/tflite-writer.js';
import { syntheticSamples } from '../src/quantize/calibration-data.js';
import { quantizeModel } from '../src/quantize/quantize.js';
import { runGraph } from '../src/reference/interpreter.js';
import { mulberry32 } from '../src/rng.js';

/** Spatial options of a conv or depthwise layer (default: square kernel, 'same', undilated). */
export interface LayerOptions {
  kW?: number;
  padding?: 'same' | 'valid';
  dilation?: number;
}

function outSize(n: number, k: number, stride: number, o: LayerOptions): number {
  const span = (k - 1) * (o.dilation ?? 1) + 1;
  return o.padding === 'valid' ? Math.floor((n - span) / stride) + 1 : Math.ceil(n / stride);
}

/** A float graph built layer by layer with seeded He-initialised weights. */
export class Builder {
  readonly tensors: Tensor[] = [];
  readonly ops: Op[] = [];
  private readonly rnd: () => number;
  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }
  private normal(): number {
    const u = 1 - this.rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rnd());
  }
  tensor(name: string, shape: number[], data?: Float32Array): number {
    this.tensors.push({ name, shape, dtype: 'float32', ...(data ? { data } : {}) });
    return this.tensors.length - 1;
  }
  private weights(name: string, shape: number[], fanIn: number): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) d[i] = this.normal() * std;
    return this.tensor(name, shape, d);
  }
  private bias(name: string, n: number): number {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = this.normal() * 0.05;
    return this.tensor(name, [n], d);
  }
  private shape(t: number): number[] {
    return this.tensors[t]!.shape;
  }
  conv(x: number, outC: number, k: number, stride: number, activation: Activation, name: string, o: LayerOptions = {}): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const kW = o.kW ?? k;
    const d = o.dilation ?? 1;
    const y = this.tensor(`${name}/out`, [n, outSize(h, k, stride, o), outSize(w, kW, stride, o), outC]);
    const wt = this.weights(`${name}/w`, [outC, k, kW, c], k * kW * c);
    const b = this.bias(`${name}/b`, outC);
    this.ops.push({ kind: 'Conv2D', name, inputs: [x, wt, b], outputs: [y], strideH: stride, strideW: stride, dilationH: d, dilationW: d, padding: o.padding ?? 'same', activation });
    return y;
  }
  depthwise(x: number, stride: number, activation: Activation, name: string, o: LayerOptions & { k?: number } = {}): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const k = o.k ?? 3;
    const kW = o.kW ?? k;
    const d = o.dilation ?? 1;
    const y = this.tensor(`${name}/out`, [n, outSize(h, k, stride, o), outSize(w, kW, stride, o), c]);
    const wt = this.weights(`${name}/w`, [1, k, kW, c], k * kW);
    const b = this.bias(`${name}/b`, c);
    this.ops.push({ kind: 'DepthwiseConv2D', name, inputs: [x, wt, b], outputs: [y], strideH: stride, strideW: stride, dilationH: d, dilationW: d, padding: o.padding ?? 'same', activation, depthMultiplier: 1 });
    return y;
  }
  add(a: number, b: number, activation: Activation, name: string): number {
    const y = this.tensor(`${name}/out`, [...this.shape(a)]);
    this.ops.push({ kind: 'Add', name, inputs: [a, b], outputs: [y], activation });
    return y;
  }
  /** Global average pool, flatten, dense, softmax. */
  head(x: number, classes: number): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const p = this.tensor('pool/out', [n, 1, 1, c]);
    this.ops.push({ kind: 'AveragePool2D', name: 'pool', inputs: [x], outputs: [p], filterH: h, filterW: w, strideH: h, strideW: w, padding: 'valid', activation: 'none' });
    const f = this.tensor('flatten/out', [n, c]);
    this.ops.push({ kind: 'Reshape', name: 'flatten', inputs: [p], outputs: [f], newShape: [n, c] });
    const wt = this.weights('dense/w', [classes, c], c);
    const b = this.bias('dense/b', classes);
    const d = this.tensor('dense/out', [n, classes]);
    this.ops.push({ kind: 'FullyConnected', name: 'dense', inputs: [f, wt, b], outputs: [d], activation: 'none', keepNumDims: false });
    const y = this.tensor('softmax/out', [n, classes]);
    this.ops.push({ kind: 'Softmax', name: 'softmax', inputs: [d], outputs: [y], beta: 1 });
    return y;
  }
  graph(name: string, input: number, output: number): Graph {
    return { name, tensors: this.tensors, ops: this.ops, inputs: [input], outputs: [output] };
  }
}

export function resnet8Float(): Graph {
  const b = new Builder(8);
  const x = b.tensor('input', [1, 32, 32, 3]);
  let h = b.conv(x, 16, 3, 1, 'relu', 'conv0');
  for (const [stack, filters, stride] of [[1, 16, 1], [2, 32, 2], [3, 64, 2]] as const) {
    const y = b.conv(h, filters, 3, stride, 'relu', `stack${stack}/conv1`);
    const z = b.conv(y, filters, 3, 1, 'none', `stack${stack}/conv2`);
    const shortcut = stride === 1 ? h : b.conv(h, filters, 1, stride, 'none', `stack${stack}/shortcut`);
    h = b.add(z, shortcut, 'relu', `stack${stack}/add`);
  }
  return b.graph('resnet8', x, b.head(h, 10));
}

export function mobilenetFloat(): Graph {
  const b = new Builder(96);
  const x = b.tensor('input', [1, 96, 96, 3]);
  let h = b.conv(x, 8, 3, 2, 'relu6', 'conv0');
  const blocks: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];
  blocks.forEach(([filters, stride], i) => {
    h = b.depthwise(h, stride, 'relu6', `block${i + 1}/dw`);
    h = b.conv(h, filters, 1, 1, 'relu6', `block${i + 1}/pw`);
  });
  return b.graph('mobilenet', x, b.head(h, 2));
}

/** Quantize `g` (int8 activations and weights, TFLite spec) and write it as .tflite at `file`. */
export async function writeInt8Tflite(g: Graph, file: string): Promise<void> {
  const inputSize = g.tensors[g.inputs[0]!]!.shape.reduce((a, c) => a * c, 1);
  const { graph } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(4, inputSize, 7) });
  await writeTfliteFile(graph, file);
}
