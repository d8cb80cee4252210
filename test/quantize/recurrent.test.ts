/**
 * Float models with LSTM and SVDF layers quantize to TFLite's integer schemes (8x8→16 LSTM with
 * an int16 power-of-two cell state; SVDF with int16 time weights and state), and the int8
 * result runs: host C = reference as a stream, close to the float model.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import { stripFloatEdges } from '../../src/codegen/prepare.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { createSession, runGraph } from '../../src/reference/interpreter.js';
import { rng, saveTfjs, useCpuBackend } from '../fixtures/keras/build-models.js';
import { buildGraph, HAVE_TFLITE, runTflite } from '../ops/harness.js';

const T = 8;
const I = 4;
let tmp: string;
beforeAll(async () => {
  await useCpuBackend();
  tmp = await mkdtemp(join(tmpdir(), 'tinyml-qrnn-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const samples = (n: number, size: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: size }, () => r() * 2 - 1));
};

function quantizeInput(g: Graph, x: Float32Array): Int8Array {
  const q = g.tensors[g.inputs[0]!]!.quant!;
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / q.scale[0]!) + q.zeroPoint[0]!)));
}

function dequantize(g: Graph, y: ArrayLike<number>): number[] {
  const q = g.tensors[g.outputs[0]!]!.quant!;
  return Array.from(y, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
}

describe('quantizing recurrent layers', () => {
  it('a Keras LSTM model: int8 LSTM with int16 power-of-two cell state; host C = reference; close to float', async () => {
    const init = (s: number) => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 70 + s });
    const input = tf.input({ shape: [T, I] });
    const seq = tf.layers.lstm({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: init(1), recurrentInitializer: init(2), biasInitializer: init(3) }).apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(seq) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 4, kernelInitializer: init(4) }).apply(flat) as tf.SymbolicTensor;
    const float = await importModel(await saveTfjs(tf.model({ inputs: input, outputs: y }), join(tmp, 'lstm')));
    const { graph: q } = quantizeModel(float, { run: runGraph, calibration: { samples: samples(40, T * I, 1), files: [], source: 'synthetic' } });
    const g = stripFloatEdges(q);
    const lstm = g.ops.find((op) => op.kind === 'UnidirectionalSequenceLSTM')!;
    expect(lstm.kind).toBe('UnidirectionalSequenceLSTM');
    if (lstm.kind !== 'UnidirectionalSequenceLSTM') return;
    const cell = g.tensors[lstm.inputs[19]!]!;
    expect(cell.dtype).toBe('int16');
    expect(Number.isInteger(Math.log2(cell.quant!.scale[0]!))).toBe(true);
    expect(g.tensors[lstm.inputs[18]!]!.quant).toEqual(g.tensors[lstm.outputs[0]!]!.quant);
    expect(lstm.intermediates).toHaveLength(5);
    for (const k of [1, 2, 3, 4, 5, 6, 7, 8]) expect(g.tensors[lstm.inputs[k]!]!.dtype).toBe('int8');
    for (const k of [12, 13, 14, 15]) expect(g.tensors[lstm.inputs[k]!]!.dtype).toBe('int32');

    const xs = samples(12, T * I, 9);
    const qx = xs.map((x) => [quantizeInput(g, x)]);
    const ref = qx.map((x) => runGraph(g, x)[0]!);
    const host = await runOnHost({ graph: g, modelPath: 'lstm_q.tflite', board: resolveBoard('host'), samples: qx, logger: silentLogger });
    expect(host.map((o) => Array.from(o[0]!))).toEqual(ref.map((o) => Array.from(o)));
    // Against the float model, per output: well within the output range (~±2 here).
    let err = 0;
    xs.forEach((x, k) => {
      const want = runGraph(float, [x])[0]!;
      dequantize(g, ref[k]!).forEach((v, i) => (err = Math.max(err, Math.abs(v - want[i]!))));
    });
    expect(err).toBeLessThan(0.15);
    if (HAVE_TFLITE) {
      // The written int8 model runs under desktop TFLite too (it reads the intermediates).
      const tfl = await runTflite(writeTflite(g), qx.slice(0, 1));
      expect(tfl[0]![0]!.length).toBe(4);
    }
  }, 240_000);

  it('a float SVDF: int16 time weights and state; host C = reference over a stream; close to float', async () => {
    const r = rng(5);
    const rnd = (n: number, s: number) => Array.from({ length: n }, () => (r() * 2 - 1) * s);
    const float = buildGraph({
      name: 'svdf_float',
      tensors: [
        { shape: [1, 10], dtype: 'float32' },
        { shape: [8, 10], dtype: 'float32', data: rnd(80, 0.5) },
        { shape: [8, 5], dtype: 'float32', data: rnd(40, 0.5) },
        { shape: [4], dtype: 'float32', data: rnd(4, 0.2) },
        { shape: [1, 40], dtype: 'float32', variable: true },
        { shape: [1, 4], dtype: 'float32' },
      ],
      op: { kind: 'SVDF', inputs: [0, 1, 2, 3, 4], outputs: [5], rank: 2, activation: 'relu', asymmetricQuantizeInputs: false },
      inputs: [0],
    });
    const { graph: q } = quantizeModel(float, { run: runGraph, calibration: { samples: samples(40, 10, 2), files: [], source: 'synthetic' } });
    const g = stripFloatEdges(q);
    const op = g.ops[0]!;
    expect([g.tensors[op.inputs[1]!]!.dtype, g.tensors[op.inputs[2]!]!.dtype, g.tensors[op.inputs[3]!]!.dtype, g.tensors[op.inputs[4]!]!.dtype]).toEqual(['int8', 'int16', 'int32', 'int16']);
    expect(g.tensors[op.outputs[0]!]!.quant!.zeroPoint[0]).toBe(-128); // the ReLU clip
    const xs = samples(20, 10, 3);
    const qx = xs.map((x) => [quantizeInput(g, x)]);
    const s = createSession(g);
    const ref = qx.map((x) => s.run(x)[0]!);
    const host = await runOnHost({ graph: g, modelPath: 'svdf_q.tflite', board: resolveBoard('host'), samples: qx, logger: silentLogger, stream: true });
    expect(host.map((o) => Array.from(o[0]!))).toEqual(ref.map((o) => Array.from(o)));
    const fs = createSession(float);
    let err = 0;
    xs.forEach((x, k) => {
      const want = fs.run([x])[0]!;
      dequantize(g, ref[k]!).forEach((v, i) => (err = Math.max(err, Math.abs(v - want[i]!))));
    });
    expect(err).toBeLessThan(0.1);
  }, 240_000);
});
