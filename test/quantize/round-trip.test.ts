import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../src/importers/tflite.js';
import { importModelBytes } from '../../src/importers/registry.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import type { Graph, Tensor } from '../../src/ir/graph.js';
import { activationTensors, rewriteToInt8, type RangeMap } from '../../src/quantize/rewrite.js';
import { quantizeModel } from '../../src/quantize/quantize.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

async function load(name: string): Promise<Graph> {
  return importModelBytes(new Uint8Array(readFileSync(MODELS + name)), MODELS + name);
}

function bytesOf(t: Tensor): number[] {
  return t.data ? Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)) : [];
}

/** Every tensor of `b` equals the same-named tensor of `a`: dtype, shape, data bytes, quant params. */
function expectSameTensors(a: Graph, b: Graph): void {
  const byName = new Map(b.tensors.map((t) => [t.name, t]));
  for (const t of a.tensors) {
    const u = byName.get(t.name);
    expect(u, t.name).toBeDefined();
    expect(u!.dtype, t.name).toBe(t.dtype);
    expect(u!.shape, t.name).toEqual(t.shape);
    expect(bytesOf(u!), t.name).toEqual(bytesOf(t));
    expect(u!.quant?.scale, t.name).toEqual(t.quant?.scale);
    expect(u!.quant?.zeroPoint, t.name).toEqual(t.quant?.zeroPoint);
    if (t.quant && t.quant.scale.length > 1) expect(u!.quant?.axis, t.name).toBe(t.quant.axis);
  }
  expect(b.ops.map((o) => o.kind)).toEqual(a.ops.map((o) => o.kind));
}

describe('quantize -> write -> import round trip', () => {
  for (const name of ['ad01_fp32.tflite', 'kws_ref_model_float32.tflite']) {
    it(`${name}: the rewritten int8 graph survives writeTflite + import unchanged`, async () => {
      const g = await load(name);
      // Arbitrary but distinct ranges per tensor (the round trip must not depend on calibration).
      const ranges: RangeMap = new Map();
      for (const t of activationTensors(g)) ranges.set(t, [-1 - (t % 7) * 0.37, 2 + (t % 5) * 1.13]);
      const { graph: q } = rewriteToInt8(g, ranges);
      expect(q.tensors[q.inputs[0]!]!.dtype).toBe('int8');
      const back = await importModelBytes(writeTflite(q), `${name}.int8.tflite`);
      expectSameTensors(q, back);
      // Per-channel weights really are per channel after the trip.
      const conv = q.ops.find((o) => o.kind === 'Conv2D' || o.kind === 'FullyConnected')!;
      const w = back.tensors.find((t) => t.name === q.tensors[conv.inputs[1]!]!.name)!;
      expect(w.quant!.scale.length).toBe(w.shape[0]);
    });
  }

  it('ad01 with per-tensor FullyConnected weights survives the round trip as per-tensor', async () => {
    const g = await load('ad01_fp32.tflite');
    const ranges: RangeMap = new Map();
    for (const t of activationTensors(g)) ranges.set(t, [-3, 5]);
    const { graph: q } = rewriteToInt8(g, ranges, { perTensorFullyConnected: true });
    const back = await importModelBytes(writeTflite(q), 'ad01.pt.tflite');
    expectSameTensors(q, back);
    const w = back.tensors[back.ops[0]!.inputs[1]!]!;
    expect(w.quant!.scale).toHaveLength(1);
  });

  it('an already-int8 model keeps every parameter bit for bit', async () => {
    const g = await load('kws_ref_model.tflite');
    const { graph, report } = quantizeModel(g, {
      run: () => {
        throw new Error('an int8 model must not be run for calibration');
      },
    });
    expect(report.alreadyInt8).toBe(true);
    expectSameTensors(g, graph);
    const back = await importModelBytes(writeTflite(graph), 'kws.int8.tflite');
    expectSameTensors(g, back);
  });
});
