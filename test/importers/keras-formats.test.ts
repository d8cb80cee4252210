/**
 * The three Keras-family importers (TF.js layers, Keras 2 .h5, Keras 3 .keras) on models built
 * with TensorFlow.js: the imported IR must compute what `model.predict` computes.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinymlError } from '../../src/errors.js';
import { importModel, listImporters } from '../../src/importers/index.js';
import type { Graph, OpKind } from '../../src/ir/graph.js';
import { buildConvNet, buildSequential, rng, saveAllFormats, useCpuBackend, type SavedFixture } from '../fixtures/keras/build-models.js';
import { runGraphTf } from '../../src/distill/tf-graph.js';
import { runGraph } from '../../src/reference/interpreter.js';

let tmp: string;
let conv: { model: tf.LayersModel; files: SavedFixture };
let seq: { model: tf.LayersModel; files: SavedFixture };

beforeAll(async () => {
  await useCpuBackend();
  tmp = await mkdtemp(join(tmpdir(), 'tinyml-keras-'));
  const convModel = buildConvNet();
  conv = { model: convModel, files: await saveAllFormats(convModel, join(tmp, 'conv')) };
  const seqModel = buildSequential();
  seq = { model: seqModel, files: await saveAllFormats(seqModel, join(tmp, 'seq')) };
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function randomInputs(shape: number[], n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => Float32Array.from({ length: size }, () => r() * 2 - 1));
}

function predict(model: tf.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => Float32Array.from((model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync()));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function kinds(g: Graph): OpKind[] {
  return g.ops.map((o) => o.kind);
}

const formats = ['tfjsJson', 'h5', 'keras'] as const;

describe.each(formats)('conv net via %s', (fmt) => {
  it('lowers to the expected ops with BatchNorm folded and ReLUs fused', async () => {
    const g = await importModel(conv.files[fmt]);
    expect(g.source?.format).toBe({ tfjsJson: 'tfjs', h5: 'keras-h5', keras: 'keras-v3' }[fmt]);
    expect(kinds(g)).toEqual([
      'Conv2D', // stem_conv + stem_bn folded + stem_relu fused
      'Pad',
      'DepthwiseConv2D', // dw + dw_bn folded + dw_relu6 fused
      'DepthwiseConv2D', // sep: depthwise half
      'Conv2D', // sep: pointwise half with relu
      'MaxPool2D',
      'AveragePool2D',
      'Add', // sum + sum_relu fused
      'Concatenation',
      'Mul',
      'Add', // cat_bn standalone
      'Conv2D',
      'Logistic',
      'Reshape',
      'Mean',
      'FullyConnected',
      'Tanh',
      'Concatenation',
      'Reshape',
      'Reshape',
      'FullyConnected',
      'Softmax',
    ]);
    const stem = g.ops[0]!;
    expect(stem.kind === 'Conv2D' && stem.activation).toBe('relu');
    const dw = g.ops[2]!;
    expect(dw.kind === 'DepthwiseConv2D' && dw.activation).toBe('relu6');
    expect(dw.kind === 'DepthwiseConv2D' && dw.depthMultiplier).toBe(2);
    expect(g.tensors[dw.inputs[1]!]!.shape).toEqual([1, 3, 3, 16]);
    expect(g.tensors[stem.inputs[1]!]!.shape).toEqual([8, 3, 3, 3]); // OHWI
    const sum = g.ops[7]!;
    expect(sum.kind === 'Add' && sum.activation).toBe('relu');
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 12, 12, 3]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 5]);
    const pad = g.ops[1]!;
    expect(pad.kind === 'Pad' && pad.paddings).toEqual([[0, 0], [1, 0], [0, 1], [0, 0]]);
  });

  it('reproduces model.predict to 1e-5 on 8 random inputs (tfjs kernels and the reference interpreter)', async () => {
    const g = await importModel(conv.files[fmt]);
    for (const x of randomInputs([1, 12, 12, 3], 8, 7)) {
      const want = predict(conv.model, x, [1, 12, 12, 3]);
      const got = runGraphTf(tf, g, x, 1);
      expect(maxAbsDiff(got!, want)).toBeLessThan(1e-5);
      const [ref] = runGraph(g, [x]);
      expect(maxAbsDiff(ref as Float32Array, want)).toBeLessThan(1e-5);
    }
  });
});

describe.each(formats)('Sequential model via %s', (fmt) => {
  it('imports (input from the first layer) and reproduces model.predict', async () => {
    const g = await importModel(seq.files[fmt]);
    expect(kinds(g)).toEqual(['Conv2D', 'Mul', 'Add', 'MaxPool2D', 'Reshape', 'FullyConnected', 'FullyConnected', 'Logistic']);
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 8, 8, 1]);
    const fc = g.ops[5]!;
    expect(fc.kind === 'FullyConnected' && fc.activation).toBe('relu6');
    expect(g.tensors[fc.inputs[1]!]!.shape).toEqual([6, 4]); // [units, in]: 8x8 -conv s2-> 3x3 -pool-> 1x1x4
    for (const x of randomInputs([1, 8, 8, 1], 8, 3)) {
      const want = predict(seq.model, x, [1, 8, 8, 1]);
      const got = runGraphTf(tf, g, x, 1);
      expect(maxAbsDiff(got!, want)).toBeLessThan(1e-5);
      const [ref] = runGraph(g, [x]);
      expect(maxAbsDiff(ref as Float32Array, want)).toBeLessThan(1e-5);
    }
  });
});

describe('damaged TF.js and .keras files (importer called directly, no registry catch-all)', () => {
  it.each(['tfjsJson', 'keras'] as const)('150 mutated or truncated variants of the conv net via %s end in a TinymlError or a valid graph', async (fmt) => {
    const path = conv.files[fmt];
    const bytes = new Uint8Array(await readFile(path));
    const imp = listImporters().find((i) => i.detect(bytes, path))!;
    expect(imp.id).toBe(fmt === 'keras' ? 'keras-v3' : 'tfjs-layers');
    const r = rng(fmt === 'keras' ? 11 : 12);
    for (let v = 0; v < 150; v++) {
      let b: Uint8Array;
      if (v % 4 === 0) b = bytes.slice(0, Math.floor(r() * bytes.length));
      else {
        b = bytes.slice();
        const flips = 1 + Math.floor(r() * 6);
        for (let j = 0; j < flips; j++) {
          const at = Math.floor(r() * b.length);
          // JSON: swap in structural characters and digits, which change meaning without always breaking syntax.
          b[at] = fmt === 'tfjsJson' ? '{}[]:,"0123456789-en'.charCodeAt(Math.floor(r() * 20)) : Math.floor(r() * 256);
        }
      }
      if (!imp.detect(b, path)) continue;
      try {
        const g = await imp.load(b, path);
        expect(g.ops.length).toBeGreaterThan(0);
      } catch (e) {
        if (!(e instanceof TinymlError)) throw new Error(`variant ${v}: raw ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  });
});
