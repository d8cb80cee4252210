import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { TinymlError } from '../../src/errors.js';
import { tfliteToGraph } from '../../src/importers/tflite.js';
import { decodeTfliteModel } from '../../src/importers/tflite-schema.js';
import type { Graph, Op, Tensor } from '../../src/ir/graph.js';
import { MODEL_DIR } from '../importers/tflite-fixtures.js';

const SHARED = ['kws_ref_model.tflite', 'kws_ref_model_float32.tflite', 'ad01_fp32.tflite', 'ad01_int8.tflite'];

/** Raw reads of the written file, independent of the decoder under test. */
function rawTable(bytes: Uint8Array, pos: number): (id: number) => number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vt = pos - dv.getInt32(pos, true);
  const vtLen = dv.getUint16(vt, true);
  return (id) => (4 + 2 * id < vtLen ? dv.getUint16(vt + 4 + 2 * id, true) : 0);
}

function constantBytes(bytes: Uint8Array, file: string): Map<string, string> {
  const m = decodeTfliteModel(bytes, file);
  const out = new Map<string, string>();
  for (const t of m.subgraphs[0]!.tensors) {
    const b = m.buffers[t.buffer]!;
    if (b.length > 0) out.set(t.name, Buffer.from(bytes.subarray(b.start, b.start + b.length)).toString('hex'));
  }
  return out;
}

let seed = 12345;
const rand = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const f32 = (shape: number[], name: string, withData = true): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return withData ? { name, shape, dtype: 'float32', data: Float32Array.from({ length: n }, () => rand() * 2 - 1) } : { name, shape, dtype: 'float32' };
};
const i32 = (values: number[], shape: number[], name: string): Tensor => ({ name, shape, dtype: 'int32', data: Int32Array.from(values) });

/** A float graph that uses every op kind of the IR (with constant operands where TFLite has them). */
function everyOpFloatGraph(): Graph {
  const t: Tensor[] = [
    f32([1, 8, 8, 3], 'x', false), // 0
    f32([4, 3, 3, 3], 'conv/w'), // 1
    f32([4], 'conv/b'), // 2
    f32([1, 8, 8, 4], 'conv', false), // 3
    f32([1, 3, 3, 8], 'dw/w'), // 4
    f32([8], 'dw/b'), // 5
    f32([1, 3, 3, 8], 'dw', false), // 6
    f32([1, 2, 2, 8], 'maxpool', false), // 7
    i32([0, 0, 1, 1, 1, 1, 0, 0], [4, 2], 'pad/paddings'), // 8
    f32([1, 4, 4, 8], 'pad', false), // 9
    f32([1, 2, 2, 8], 'avgpool', false), // 10
    i32([1, 2], [2], 'mean/axes'), // 11
    f32([1, 1, 1, 8], 'mean', false), // 12
    i32([-1, 8], [2], 'reshape/shape'), // 13
    f32([1, 8], 'reshape', false), // 14
    f32([6, 8], 'fc/w'), // 15
    f32([6], 'fc/b'), // 16
    f32([1, 6], 'fc', false), // 17
    f32([1, 6], 'logistic', false), // 18
    f32([1, 6], 'tanh', false), // 19
    f32([1, 6], 'relu', false), // 20
    f32([1, 6], 'relu6', false), // 21
    f32([6], 'add/c'), // 22
    f32([1, 6], 'add', false), // 23
    f32([1, 6], 'mul', false), // 24
    f32([1, 12], 'concat', false), // 25
    f32([1, 12], 'softmax', false), // 26
  ];
  const ops: Op[] = [
    { kind: 'Conv2D', name: 'conv', inputs: [0, 1, 2], outputs: [3], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu' },
    { kind: 'DepthwiseConv2D', name: 'dw', inputs: [3, 4, 5], outputs: [6], strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, depthMultiplier: 2, padding: 'valid', activation: 'relu6' },
    { kind: 'MaxPool2D', name: 'maxpool', inputs: [6], outputs: [7], filterH: 2, filterW: 2, strideH: 1, strideW: 1, padding: 'valid', activation: 'none' },
    { kind: 'Pad', name: 'pad', inputs: [7, 8], outputs: [9], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] },
    { kind: 'AveragePool2D', name: 'avgpool', inputs: [9], outputs: [10], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'same', activation: 'relu_n1_to_1' },
    { kind: 'Mean', name: 'mean', inputs: [10, 11], outputs: [12], axes: [1, 2], keepDims: true },
    { kind: 'Reshape', name: 'reshape', inputs: [12, 13], outputs: [14], newShape: [-1, 8] },
    { kind: 'FullyConnected', name: 'fc', inputs: [14, 15, 16], outputs: [17], activation: 'tanh', keepNumDims: false },
    { kind: 'Logistic', name: 'logistic', inputs: [17], outputs: [18] },
    { kind: 'Tanh', name: 'tanh', inputs: [18], outputs: [19] },
    { kind: 'Relu', name: 'relu', inputs: [19], outputs: [20] },
    { kind: 'Relu6', name: 'relu6', inputs: [20], outputs: [21] },
    { kind: 'Add', name: 'add', inputs: [21, 22], outputs: [23], activation: 'none' },
    { kind: 'Mul', name: 'mul', inputs: [23, 19], outputs: [24], activation: 'relu' },
    { kind: 'Concatenation', name: 'concat', inputs: [24, 21], outputs: [25], axis: 1, activation: 'none' },
    { kind: 'Softmax', name: 'softmax', inputs: [25], outputs: [26], beta: 0.5 },
  ];
  return { name: 'every-op', tensors: t, ops, inputs: [0], outputs: [26], source: { format: 'tflite', path: 'every-op.tflite' } };
}

/** Float in → Quantize → per-channel int8 conv → Dequantize → float out. */
function int8EdgeGraph(): Graph {
  const wScale = [0.01, 0.02, 0.03];
  const t: Tensor[] = [
    { name: 'x', shape: [1, 4, 4, 2], dtype: 'float32' },
    { name: 'xq', shape: [1, 4, 4, 2], dtype: 'int8', quant: { scale: [0.1], zeroPoint: [3] } },
    { name: 'w', shape: [3, 1, 1, 2], dtype: 'int8', data: Int8Array.from([127, -127, 5, -3, 0, 64]), quant: { scale: wScale, zeroPoint: [0, 0, 0], axis: 0 } },
    { name: 'b', shape: [3], dtype: 'int32', data: Int32Array.from([1000, -70000, 2 ** 31 - 1]), quant: { scale: wScale.map((s) => Math.fround(0.1) * s), zeroPoint: [0, 0, 0], axis: 0 } },
    { name: 'y', shape: [1, 4, 4, 3], dtype: 'int8', quant: { scale: [0.05], zeroPoint: [-128] } },
    { name: 'yf', shape: [1, 4, 4, 3], dtype: 'float32' },
  ];
  // Scales as float32 values, as a .tflite stores them.
  for (const x of t) if (x.quant) x.quant.scale = x.quant.scale.map(Math.fround);
  const ops: Op[] = [
    { kind: 'Quantize', name: 'xq', inputs: [0], outputs: [1] },
    { kind: 'Conv2D', name: 'y', inputs: [1, 2, 3], outputs: [4], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'valid', activation: 'none' },
    { kind: 'Dequantize', name: 'yf', inputs: [4], outputs: [5] },
  ];
  return { name: 'int8-edge', tensors: t, ops, inputs: [0], outputs: [5], source: { format: 'tflite', path: 'int8-edge.tflite' } };
}

describe('writeTflite', () => {
  it('round-trips the shared models: every tensor, quant param, op and constant byte', () => {
    for (const name of SHARED) {
      const path = join(MODEL_DIR, name);
      const original = new Uint8Array(readFileSync(path));
      const g = tfliteToGraph(original, path);
      const written = writeTflite(g);
      const back = tfliteToGraph(written, path);
      expect(back).toEqual(g);
      // Byte-level: every constant of the written file equals the original file's bytes
      // (the float KWS model's hybrid int8 filters are float32 in the graph, so compare those via the graph).
      const before = constantBytes(original, name);
      const after = constantBytes(written, name);
      for (const [tensor, hex] of after) {
        if (name !== 'kws_ref_model_float32.tflite' || before.get(tensor)!.length === hex.length) expect(hex, `${name} ${tensor}`).toBe(before.get(tensor));
      }
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    }
  });

  it('round-trips a graph using every op kind, and an int8 graph with per-channel weights and Quantize/Dequantize edges', () => {
    for (const g of [everyOpFloatGraph(), int8EdgeGraph()]) {
      const back = tfliteToGraph(writeTflite(g), g.source!.path);
      expect(back).toEqual({ ...g, name: g.source!.path.replace('.tflite', '') });
    }
  });

  it('adds the constant axes/paddings operand TFLite needs when the IR op has none', () => {
    const g = everyOpFloatGraph();
    const pad = g.ops[3]!;
    const mean = g.ops[5]!;
    pad.inputs = [pad.inputs[0]!];
    mean.inputs = [mean.inputs[0]!];
    const back = tfliteToGraph(writeTflite(g), 'x.tflite');
    const padBack = back.ops[3]!;
    const meanBack = back.ops[5]!;
    expect(Array.from(back.tensors[padBack.inputs[1]!]!.data!)).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(back.tensors[meanBack.inputs[1]!]!.data!)).toEqual([1, 2]);
    expect(back.ops.map((o) => o.kind)).toEqual(g.ops.map((o) => o.kind));
  });

  it('writes a standard file: TFL3 identifier, schema version 3, empty buffer 0, both op-code fields, aligned data', () => {
    const bytes = writeTflite(int8EdgeGraph());
    expect(Buffer.from(bytes.subarray(4, 8)).toString('latin1')).toBe('TFL3');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const root = dv.getUint32(0, true);
    const model = rawTable(bytes, root);
    expect(dv.getUint32(root + model(0), true)).toBe(3);
    const vecAt = (fieldPos: number): number => fieldPos + dv.getUint32(fieldPos, true);
    // operator codes: [QUANTIZE(114), CONV_2D(3), DEQUANTIZE(6)], each with both fields
    const codes = vecAt(root + model(1));
    const seen: [number, number][] = [];
    for (let i = 0; i < dv.getUint32(codes, true); i++) {
      const pos = vecAt(codes + 4 + 4 * i);
      const f = rawTable(bytes, pos);
      seen.push([f(0) ? dv.getInt8(pos + f(0)) : 0, f(3) ? dv.getInt32(pos + f(3), true) : 0]);
    }
    expect(seen).toEqual([
      [114, 114],
      [3, 3],
      [6, 6],
    ]);
    // buffers: 0 empty, others 16-byte aligned in the file
    const buffers = vecAt(root + model(4));
    const nBuffers = dv.getUint32(buffers, true);
    expect(nBuffers).toBe(3);
    for (let i = 0; i < nBuffers; i++) {
      const pos = vecAt(buffers + 4 + 4 * i);
      const f = rawTable(bytes, pos);
      if (i === 0) {
        expect(f(0)).toBe(0);
        continue;
      }
      const data = vecAt(pos + f(0));
      expect((data + 4) % 16, `buffer ${i}`).toBe(0);
    }
  });

  it('refuses a graph that is not well-formed', () => {
    const g = int8EdgeGraph();
    g.tensors[4]!.shape = [1, 4, 4, 5];
    expect(() => writeTflite(g)).toThrow(TinymlError);
    expect(() => writeTflite(g)).toThrow(/declared \[1,4,4,5\] but the op produces \[1,4,4,3\]/);
  });
});

function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * An independent reader: TFLite itself, compiled to WASM (@tensorflow/tfjs-tflite, a
 * devDependency), driven by bench/tflite-wasm-run.cjs in a child process. The written KWS int8
 * model must load and give the same output bytes as the original file on the same inputs.
 */
describe.skipIf(!resolves('@tensorflow/tfjs-tflite'))('written .tflite under TFLite (tfjs-tflite WASM)', () => {
  const runTflite = (model: string, input: string, output: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const script = fileURLToPath(new URL('../../bench/tflite-wasm-run.cjs', import.meta.url));
      execFile(process.execPath, [script, model, input, output], { maxBuffer: 16 << 20 }, (err, _out, stderr) =>
        err ? reject(new Error(`TFLite run of ${model} failed: ${stderr}`)) : resolve(),
      );
    });

  it('KWS int8: the written file gives byte-identical outputs to the original on 20 inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-tflite-'));
    try {
      const path = join(MODEL_DIR, 'kws_ref_model.tflite');
      const written = join(dir, 'written.tflite');
      writeFileSync(written, writeTflite(tfliteToGraph(new Uint8Array(readFileSync(path)), path)));
      const samples = [readFileSync(join(MODEL_DIR, 'kws_input_0.int8.bin'))];
      for (let i = 0; i < 19; i++) samples.push(Buffer.from(Int8Array.from({ length: 490 }, () => Math.floor(rand() * 256) - 128).buffer));
      const input = join(dir, 'in.bin');
      writeFileSync(input, Buffer.concat(samples));
      await Promise.all([runTflite(path, input, join(dir, 'original.out')), runTflite(written, input, join(dir, 'written.out'))]);
      const a = readFileSync(join(dir, 'original.out'));
      const b = readFileSync(join(dir, 'written.out'));
      expect(a.length).toBe(20 * 12);
      expect(b.equals(a)).toBe(true);
      // Sanity: the outputs are real class scores, not a constant.
      expect(new Set(a).size).toBeGreaterThan(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('a float-interface int8 model (Quantize → per-channel int8 conv → Dequantize) loads and computes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-tflite-'));
    try {
      const g = int8EdgeGraph();
      g.tensors[3]!.data = Int32Array.from([1000, -700, 20]);
      const conv = g.ops[1]!;
      if (conv.kind === 'Conv2D') conv.activation = 'relu';
      const model = join(dir, 'edge.tflite');
      writeFileSync(model, writeTflite(g));
      // x = (i - 10) * 0.37 for i = 0..31, run by TFLite; prints the float output as JSON.
      const script = `
        const fs = require('fs'), vm = require('vm'), path = require('path');
        const W = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm') + path.sep;
        Object.assign(globalThis, { self: globalThis, navigator: { userAgent: 'node', hardwareConcurrency: 1 }, location: { origin: 'file://', href: 'file://' + W } });
        globalThis.importScripts = (url) => {
          const js = path.basename(url).includes('threaded') ? 'tflite_web_api_cc_simd.js' : path.basename(url);
          vm.runInThisContext(fs.readFileSync(W + js, 'utf8'), { filename: js });
          const wasm = fs.readFileSync(W + js.replace('.js', '.wasm'));
          const factory = globalThis.tflite_web_api_ModuleFactory;
          globalThis.tflite_web_api_ModuleFactory = (cfg = {}) => factory({ ...cfg, wasmBinary: wasm });
        };
        const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
        const tflite = require('@tensorflow/tfjs-tflite');
        (async () => {
          await tf.setBackend('cpu'); tflite.setWasmPath(W);
          const m = await tflite.loadTFLiteModel(new Uint8Array(fs.readFileSync(process.argv[1])).buffer, { numThreads: 1 });
          const x = tf.tensor(Array.from({ length: 32 }, (_, i) => (i - 10) * 0.37), [1, 4, 4, 2]);
          process.stdout.write('RESULT' + JSON.stringify(Array.from(m.predict(x).dataSync())) + '\\n');
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', script, model], { cwd: fileURLToPath(new URL('../../', import.meta.url)) }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr)) : resolve(stdout),
        ),
      );
      const y = JSON.parse(/RESULT(.*)/.exec(out)![1]!) as number[];
      expect(y).toHaveLength(48);
      // Pixel 0 by hand: x = (-3.7, -3.33) → q = (-34, -30) at scale 0.1, zp 3.
      //   ch0: (-37)(127) + (-33)(-127) + 1000 = 492 → 492·0.001/0.05 = 9.84 → 10 steps → 0.5
      //   ch1: (-37)(5) + (-33)(-3) - 700 < 0 → relu → 0;  ch2: (-33)(64) + 20 < 0 → 0
      expect(y.slice(0, 3).map((v) => Math.round(v * 1000) / 1000)).toEqual([0.5, 0, 0]);
      // Every output sits on the int8 grid of scale 0.05 (zero point -128), ReLU-clamped.
      for (const v of y) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(Math.abs(v / 0.05 - Math.round(v / 0.05))).toBeLessThan(1e-4);
      }
      expect(new Set(y).size).toBeGreaterThan(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
