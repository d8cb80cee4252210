import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, TinymlError, UnsupportedOpsError } from '../../src/errors.js';
import { assertSupported } from '../../src/ops/support.js';
import { importModelBytes } from '../../src/importers/index.js';
import { SUPPORTED_TFLITE_OPS, tfliteToGraph } from '../../src/importers/tflite.js';
import type { Graph, Tensor } from '../../src/ir/graph.js';
import { buildFixture, MODEL_DIR } from './tflite-fixtures.js';

const load = (name: string): Graph => {
  const path = join(MODEL_DIR, name);
  return tfliteToGraph(new Uint8Array(readFileSync(path)), path);
};

/** Largest |dequant(q) - f| / scale over a weight tensor (per-channel aware). */
function maxQuantError(q: Tensor, f: Float32Array): number {
  const { scale, zeroPoint } = q.quant!;
  const axis = q.quant!.axis ?? 0;
  let inner = 1;
  for (const d of q.shape.slice(axis + 1)) inner *= d;
  const channels = q.shape[axis]!;
  const data = q.data as Int8Array;
  let worst = 0;
  for (let i = 0; i < data.length; i++) {
    const c = scale.length > 1 ? Math.floor(i / inner) % channels : 0;
    worst = Math.max(worst, Math.abs(scale[c]! * (data[i]! - zeroPoint[c]!) - f[i]!) / scale[c]!);
  }
  return worst;
}

describe('TFLite importer on the shared MLPerf Tiny models', () => {
  it('reads the int8 KWS model: int8 I/O, per-channel symmetric conv weights, int32 biases at input x weight scale', () => {
    const g = load('kws_ref_model.tflite');
    expect(g.source).toEqual({ format: 'tflite', path: join(MODEL_DIR, 'kws_ref_model.tflite') });
    const input = g.tensors[g.inputs[0]!]!;
    const output = g.tensors[g.outputs[0]!]!;
    expect(input.shape).toEqual([1, 49, 10, 1]);
    expect(input.dtype).toBe('int8');
    expect(output.shape).toEqual([1, 12]);
    // TFLite's int8 softmax output is fixed at scale 1/256, zero point -128.
    expect(output.quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(g.ops.map((o) => o.kind)).toEqual([
      ...Array<string[]>(4).fill(['Conv2D', 'DepthwiseConv2D']).flat(),
      'Conv2D',
      'AveragePool2D',
      'Reshape',
      'FullyConnected',
      'Softmax',
    ]);
    for (const op of g.ops) {
      if (op.kind !== 'Conv2D' && op.kind !== 'DepthwiseConv2D') continue;
      const x = g.tensors[op.inputs[0]!]!;
      const w = g.tensors[op.inputs[1]!]!;
      const bias = g.tensors[op.inputs[2]!]!;
      expect(w.data).toBeInstanceOf(Int8Array);
      expect(w.quant!.scale).toHaveLength(64);
      expect(w.quant!.axis).toBe(op.kind === 'Conv2D' ? 0 : 3);
      expect(w.quant!.zeroPoint.every((z) => z === 0)).toBe(true);
      expect(bias.data).toBeInstanceOf(Int32Array);
      bias.quant!.scale.forEach((s, c) => {
        expect(Math.abs(s - x.quant!.scale[0]! * w.quant!.scale[c]!) / s).toBeLessThan(1e-6);
      });
    }
  });

  it('int8 weights decode to the float model\'s weights within half a step (KWS and AD01)', () => {
    for (const [int8Name, floatName] of [
      ['kws_ref_model.tflite', 'kws_ref_model_float32.tflite'],
      ['ad01_int8.tflite', 'ad01_fp32.tflite'],
    ] as const) {
      const gi = load(int8Name);
      const gf = load(floatName);
      expect(gf.ops.map((o) => o.kind)).toEqual(gi.ops.map((o) => o.kind));
      let checked = 0;
      gi.ops.forEach((op, k) => {
        if (op.kind !== 'DepthwiseConv2D' && op.kind !== 'FullyConnected') return;
        const wq = gi.tensors[op.inputs[1]!]!;
        const wf = gf.tensors[gf.ops[k]!.inputs[1]!]!;
        expect(wf.dtype).toBe('float32');
        expect(maxQuantError(wq, wf.data as Float32Array)).toBeLessThanOrEqual(0.5 + 1e-3);
        // float biases vs int32 biases, too
        const bq = gi.tensors[op.inputs[2]!]!;
        const bf = gf.tensors[gf.ops[k]!.inputs[2]!]!;
        expect(maxQuantError(bq, bf.data as Float32Array)).toBeLessThanOrEqual(0.5 + 1e-3);
        checked++;
      });
      expect(checked).toBeGreaterThan(0);
    }
  });

  it('dequantizes the hybrid int8 conv weights of the float KWS model to float32', () => {
    const gi = load('kws_ref_model.tflite');
    const gf = load('kws_ref_model_float32.tflite');
    // The float file stores conv filters as int8 with one scale; both quantizations of the same
    // trained weights agree within half a step of each.
    gi.ops.forEach((op, k) => {
      if (op.kind !== 'Conv2D') return;
      const wq = gi.tensors[op.inputs[1]!]!;
      const wf = gf.tensors[gf.ops[k]!.inputs[1]!]!;
      expect(wf.dtype).toBe('float32');
      expect(wf.quant).toBeUndefined();
      const data = wf.data as Float32Array;
      const hybridStep = Math.max(...Array.from(data, Math.abs)) / 127;
      const { scale } = wq.quant!;
      const inner = wq.shape[1]! * wq.shape[2]! * wq.shape[3]!;
      const q = wq.data as Int8Array;
      for (let i = 0; i < q.length; i++) {
        const s = scale[Math.floor(i / inner)]!;
        expect(Math.abs(s * q[i]! - data[i]!)).toBeLessThanOrEqual(s / 2 + hybridStep / 2 + 1e-6);
      }
    });
  });

  it('reads AD01 as ten fully-connected layers 640 → … → 8 → … → 640', () => {
    for (const name of ['ad01_fp32.tflite', 'ad01_int8.tflite']) {
      const g = load(name);
      expect(g.ops.every((o) => o.kind === 'FullyConnected')).toBe(true);
      expect(g.ops.map((o) => g.tensors[o.outputs[0]!]!.shape[1])).toEqual([128, 128, 128, 128, 8, 128, 128, 128, 128, 640]);
      expect(g.tensors[g.inputs[0]!]!.dtype).toBe(name.includes('int8') ? 'int8' : 'float32');
    }
  });
});

describe('operator codes', () => {
  const RELU = 19;
  it('takes max(deprecated_builtin_code, builtin_code): old files set only the byte, new ones both', () => {
    const g = tfliteToGraph(buildFixture({ opcodes: [{ deprecated: RELU }, { builtin: 21 }, { deprecated: 21, builtin: 21 }], ops: [0, 1, 2] }), 'codes.tflite');
    expect(g.ops.map((o) => o.kind)).toEqual(['Relu', 'Relu6', 'Relu6']);
  });

  it('reads unknown ops as unsupported layers; refusing the graph lists them all in one error with the supported set', async () => {
    const bytes = buildFixture({
      opcodes: [{ deprecated: RELU }, { deprecated: 127, builtin: 137 }, { deprecated: 15, builtin: 15 }, { deprecated: 32, builtin: 32, custom: 'MyOp' }],
      ops: [0, 1, 2, 3, 0],
    });
    const g = await importModelBytes(bytes, 'odd.tflite');
    expect(g.ops.map((o) => (o.kind === 'Unsupported' ? o.type : o.kind))).toEqual(['Relu', 'HASHTABLE_FIND', 'LSH_PROJECTION', 'CUSTOM:MyOp', 'Relu']);
    const err = (() => {
      try {
        assertSupported(g);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const e = err as UnsupportedOpsError;
    expect(e.layers.map(({ name, type }) => ({ name, type }))).toEqual([
      { name: 't2', type: 'HASHTABLE_FIND' },
      { name: 't3', type: 'LSH_PROJECTION' },
      { name: 't4', type: 'CUSTOM:MyOp' },
    ]);
    expect(e.layers[2]!.reason).toMatch(/custom operators are not supported/);
    expect(e.supported).toEqual(SUPPORTED_TFLITE_OPS);
    expect(e.message).toContain('odd.tflite');
    expect(e.message).toContain('CONV_2D');
  });

  it('rejects schema versions other than 3', () => {
    expect(() => tfliteToGraph(buildFixture({ opcodes: [{ deprecated: RELU }], ops: [0], version: 2 }), 'v2.tflite')).toThrow(/schema version 2/);
  });
});

describe('corrupt files give ModelFormatError naming the file and the offset', () => {
  const bytes = new Uint8Array(readFileSync(join(MODEL_DIR, 'kws_ref_model.tflite')));

  it('wrong identifier', async () => {
    const bad = bytes.slice();
    bad[7] = 0x32; // TFL2
    // Without the identifier no importer claims it.
    await expect(importModelBytes(bad, 'm.tflite')).rejects.toThrow(/not a model format/);
    expect(() => tfliteToGraph(bad, 'm.tflite')).toThrow(/identifier is "TFL2", expected "TFL3".*offset 4/);
  });

  it('truncated file', () => {
    for (const len of [0, 7, 16, 200, bytes.length / 2, bytes.length - 1]) {
      let err: unknown;
      try {
        tfliteToGraph(bytes.subarray(0, Math.floor(len)), 'cut.tflite');
      } catch (e) {
        err = e;
      }
      expect(err, `length ${len}`).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message).toMatch(/^cut\.tflite: /);
    }
  });

  it('a vector length larger than the file is caught before allocation', () => {
    // Find the subgraph tensors vector and claim 2^31 elements.
    const bad = bytes.slice();
    const dv = new DataView(bad.buffer);
    const root = dv.getUint32(0, true);
    const vt = root - dv.getInt32(root, true);
    const subgraphsField = root + dv.getUint16(vt + 4 + 2 * 2, true);
    const subgraphsVec = subgraphsField + dv.getUint32(subgraphsField, true);
    dv.setUint32(subgraphsVec, 0x7fffffff, true);
    expect(() => tfliteToGraph(bad, 'big.tflite')).toThrow(/Model\.subgraphs claims 2147483647 elements.*offset/);
  });

  it('never lets a non-Tinyml error escape for bytes in the header region', async () => {
    for (let pos = 0; pos < 64; pos++) {
      const bad = bytes.slice();
      bad[pos] ^= 0xff;
      await importModelBytes(bad, 'flip.tflite').then(
        () => undefined,
        (e: unknown) => expect(e, `flip at ${pos}`).toBeInstanceOf(TinymlError),
      );
    }
  });
});
