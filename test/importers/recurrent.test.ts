/**
 * Keras / TF.js LSTM and GRU layers. Models built with TensorFlow.js and saved in the three
 * Keras-family formats (TF.js layers, Keras 2 .h5, Keras 3 .keras with the variables in the
 * layer's cell) must compute what `model.predict` computes: LSTM through
 * UNIDIRECTIONAL_SEQUENCE_LSTM, GRU unrolled into primitive ops (time steps sliced by STRIDED_SLICE).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { UnsupportedOpsError } from '../../src/errors.js';
import { importModel } from '../../src/importers/index.js';
import { createSession, runGraph } from '../../src/reference/interpreter.js';
import { rng, saveAllFormats, useCpuBackend } from '../fixtures/keras/build-models.js';
import { HAVE_TFLITE, runTflite } from '../ops/harness.js';

const T = 6;
const I = 5;
let tmp: string;

beforeAll(async () => {
  await useCpuBackend();
  tmp = await mkdtemp(join(tmpdir(), 'tinyml-rnn-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function recurrentModel(kind: 'lstm' | 'gru', returnSequences: boolean, seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.randomUniform({ minval: -0.6, maxval: 0.6, seed: seed * 10 + s });
  const input = tf.input({ shape: [T, I], name: 'seq' });
  const cfg = { name: kind, units: 7, returnSequences, recurrentActivation: 'sigmoid' as const, kernelInitializer: init(1), recurrentInitializer: init(2), biasInitializer: init(3) };
  let x = (kind === 'lstm' ? tf.layers.lstm(cfg) : tf.layers.gru(cfg)).apply(input) as tf.SymbolicTensor;
  if (returnSequences) x = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  const y = tf.layers.dense({ name: 'head', units: 3, kernelInitializer: init(4), biasInitializer: init(5) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y, name: `${kind}_model` });
}

function inputs(n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: T * I }, () => r() * 2 - 1));
}

function predict(model: tf.LayersModel, x: Float32Array): Float32Array {
  return tf.tidy(() => Float32Array.from((model.predict(tf.tensor(x, [1, T, I])) as tf.Tensor).dataSync()));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('Keras LSTM → UNIDIRECTIONAL_SEQUENCE_LSTM', () => {
  it('return_sequences: every format imports to one LSTM op with float state and computes model.predict', async () => {
    const model = recurrentModel('lstm', true, 1);
    const files = await saveAllFormats(model, join(tmp, 'lstm_seq'));
    const xs = inputs(5, 3);
    for (const f of [files.tfjsJson, files.h5, files.keras]) {
      const g = await importModel(f);
      const lstm = g.ops.find((op) => op.kind === 'UnidirectionalSequenceLSTM');
      expect(lstm, f).toBeDefined();
      expect(g.tensors[lstm!.inputs[18]!]!.variable).toBe(true);
      expect(g.tensors[lstm!.inputs[19]!]!.variable).toBe(true);
      for (const x of xs) expect(maxDiff(runGraph(g, [x])[0]!, predict(model, x)), f).toBeLessThan(2e-6);
    }
  }, 120_000);

  it('Keras is stateless per call: runGraph matches every call; a session carries state (as TFLite does)', async () => {
    const model = recurrentModel('lstm', true, 2);
    const files = await saveAllFormats(model, join(tmp, 'lstm_state'));
    const g = await importModel(files.tfjsJson);
    const xs = inputs(3, 4);
    const s = createSession(g);
    const carried = xs.map((x) => s.run([x])[0]!);
    expect(maxDiff(carried[0]!, predict(model, xs[0]!))).toBeLessThan(2e-6);
    expect(maxDiff(carried[2]!, predict(model, xs[2]!))).toBeGreaterThan(1e-4);
  }, 120_000);

  it.skipIf(!HAVE_TFLITE)('written as .tflite, TFLite computes the same (its float LSTM kernel)', async () => {
    const model = recurrentModel('lstm', true, 5);
    const files = await saveAllFormats(model, join(tmp, 'lstm_tfl'));
    const g = await importModel(files.tfjsJson);
    const xs = inputs(4, 6);
    // One interpreter per sample: TFLite's state carries over between invocations.
    for (const x of xs) {
      const [out] = await runTflite(writeTflite(g), [[x]]);
      expect(maxDiff(out![0]!, predict(model, x))).toBeLessThan(2e-6);
    }
  }, 120_000);

  it('without return_sequences: the last step through a StridedSlice, in every format', async () => {
    const model = recurrentModel('lstm', false, 3);
    const files = await saveAllFormats(model, join(tmp, 'lstm_last'));
    for (const f of [files.tfjsJson, files.h5, files.keras]) {
      const g = await importModel(f);
      expect(g.ops.map((op) => op.kind)).toContain('StridedSlice');
      for (const x of inputs(4, 7)) expect(maxDiff(runGraph(g, [x])[0]!, predict(model, x)), f).toBeLessThan(2e-6);
    }
  }, 120_000);

  it('refuses what TFLite cannot express, all at once: hard_sigmoid gates, go_backwards', async () => {
    const input = tf.input({ shape: [T, I] });
    const a = tf.layers.lstm({ name: 'hard', units: 3, returnSequences: true, recurrentActivation: 'hardSigmoid' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.lstm({ name: 'back', units: 3, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' }).apply(a) as tf.SymbolicTensor;
    const files = await saveAllFormats(tf.model({ inputs: input, outputs: b }), join(tmp, 'lstm_bad'));
    const err = (await importModel(files.tfjsJson).catch((e: unknown) => e)) as UnsupportedOpsError;
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    expect(err.layers.map((l) => l.name)).toEqual(['hard', 'back']);
    expect(err.layers[0]!.type).toContain("recurrent_activation 'hard_sigmoid'");
    expect(err.layers[1]!.type).toContain('go_backwards');
  }, 60_000);
});

describe('Keras GRU → primitive ops, unrolled', () => {
  for (const returnSequences of [true, false]) {
    it(`return_sequences=${returnSequences}: computes model.predict in every format`, async () => {
      const model = recurrentModel('gru', returnSequences, 4);
      const files = await saveAllFormats(model, join(tmp, `gru_${returnSequences}`));
      for (const f of [files.tfjsJson, files.h5, files.keras]) {
        const g = await importModel(f);
        expect(g.ops.some((op) => op.kind === 'UnidirectionalSequenceLSTM')).toBe(false);
        for (const x of inputs(4, 8)) expect(maxDiff(runGraph(g, [x])[0]!, predict(model, x)), f).toBeLessThan(2e-6);
      }
    }, 120_000);
  }
});

/** Keras GRU with reset_after=True (the Keras 2.x/3 default) in float64: kernel [I, 3U], recurrent [U, 3U], bias [2, 3U]; gates z, r, h. */
function kerasGruResetAfter(x: Float32Array, steps: number, inF: number, U: number, k: Float32Array, rk: Float32Array, b: Float32Array): number[] {
  let h = new Array<number>(U).fill(0);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  for (let t = 0; t < steps; t++) {
    const mx = new Array<number>(3 * U).fill(0);
    const mh = new Array<number>(3 * U).fill(0);
    for (let j = 0; j < 3 * U; j++) {
      let a = b[j]!;
      for (let i = 0; i < inF; i++) a += x[t * inF + i]! * k[i * 3 * U + j]!;
      mx[j] = a;
      let c = b[3 * U + j]!;
      for (let i = 0; i < U; i++) c += h[i]! * rk[i * 3 * U + j]!;
      mh[j] = c;
    }
    h = h.map((hu, u) => {
      const z = sig(mx[u]! + mh[u]!);
      const r = sig(mx[U + u]! + mh[U + u]!);
      return z * hu + (1 - z) * Math.tanh(mx[2 * U + u]! + r * mh[2 * U + u]!);
    });
  }
  return h;
}

describe('Keras GRU with reset_after=True (TF.js has none: a hand-made model.json)', () => {
  it('computes the Keras cell equations', async () => {
    const steps = 4;
    const inF = 3;
    const U = 5;
    const r = rng(3);
    const k = Float32Array.from({ length: inF * 3 * U }, () => r() - 0.5);
    const rk = Float32Array.from({ length: U * 3 * U }, () => r() - 0.5);
    const b = Float32Array.from({ length: 6 * U }, () => r() - 0.5);
    const dir = join(tmp, 'gru_reset_after');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const layers = [
      { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, steps, inF], dtype: 'float32' }, inbound_nodes: [] },
      { class_name: 'GRU', name: 'gru', config: { name: 'gru', units: U, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, return_sequences: false, reset_after: true }, inbound_nodes: [[['in', 0, 0, {}]]] },
    ];
    const json = {
      format: 'layers-model',
      modelTopology: { class_name: 'Model', config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [['gru', 0, 0]] } },
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'gru/kernel', shape: [inF, 3 * U], dtype: 'float32' }, { name: 'gru/recurrent_kernel', shape: [U, 3 * U], dtype: 'float32' }, { name: 'gru/bias', shape: [2, 3 * U], dtype: 'float32' }] }],
    };
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await writeFile(join(dir, 'weights.bin'), new Uint8Array([...new Uint8Array(k.buffer), ...new Uint8Array(rk.buffer), ...new Uint8Array(b.buffer)]));
    const g = await importModel(join(dir, 'model.json'));
    const x = Float32Array.from({ length: steps * inF }, () => r() * 2 - 1);
    expect(maxDiff(runGraph(g, [x])[0]!, kerasGruResetAfter(x, steps, inF, U, k, rk, b))).toBeLessThan(1e-5);
  });
});
