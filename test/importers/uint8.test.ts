/**
 * Legacy uint8-quantized models are re-expressed in int8 exactly: activations and asymmetric
 * weights shift by 128 (same real values), weights whose q − z fits in int8 become symmetric.
 * TFLite runs the original uint8 file; our int8 graph's outputs, shifted back, agree with it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { layerSupport } from '../../src/ops/support.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, HAVE_TFLITE, runTflite } from '../ops/harness.js';

function uint8Fc(weightZp: number, weights: number[]): Graph {
  return buildGraph({
    name: 'legacy_fc',
    tensors: [
      { name: 'x', shape: [1, 16], dtype: 'uint8', q: [0.05, 120] },
      { name: 'w', shape: [4, 16], dtype: 'uint8', q: [0.01, weightZp], data: weights },
      { name: 'b', shape: [4], dtype: 'int32', q: [0.05 * 0.01, 0], data: [100, -200, 3000, -40] },
      { name: 'y', shape: [1, 4], dtype: 'uint8', q: [0.1, 100] },
    ],
    op: { kind: 'FullyConnected', inputs: [0, 1, 2], outputs: [3], activation: 'none', keepNumDims: false },
  });
}

async function roundTrip(g: Graph): Promise<{ file: string; graph: Graph }> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-u8-'));
  const file = join(dir, 'legacy.tflite');
  writeFileSync(file, writeTflite(g));
  return { file, graph: await importModel(file) };
}

describe('legacy uint8 models', () => {
  const r = mulberry32(11);
  const weights = Array.from({ length: 64 }, () => 128 + Math.floor(r() * 200) - 100);

  it('imports as int8 with the same real values (zero points and data shifted by 128)', async () => {
    const { graph } = await roundTrip(uint8Fc(128, weights));
    const [x, w, , y] = graph.tensors;
    expect([x!.dtype, w!.dtype, y!.dtype]).toEqual(['int8', 'int8', 'int8']);
    expect([x!.quant!.zeroPoint[0], w!.quant!.zeroPoint[0], y!.quant!.zeroPoint[0]]).toEqual([-8, 0, -28]);
    expect(Array.from(w!.data!)).toEqual(weights.map((v) => v - 128));
    expect(layerSupport(graph, graph.ops[0]!)).toBeUndefined();
  });

  it('weights with zero point 130 become symmetric int8 (q − 130 fits); ones that do not fit are refused with the reason', async () => {
    const ok = await roundTrip(uint8Fc(130, weights));
    expect(Array.from(ok.graph.tensors[1]!.data!)).toEqual(weights.map((v) => v - 130));
    expect(ok.graph.tensors[1]!.quant!.zeroPoint).toEqual([0]);
    const wide = weights.map((_, i) => (i % 2 ? 255 : 0));
    const bad = await roundTrip(uint8Fc(20, wide));
    expect(bad.graph.tensors[1]!.dtype).toBe('uint8');
    expect(layerSupport(bad.graph, bad.graph.ops[0]!)).toMatch(/weights 'w' is uint8 with zero point 20: as symmetric int8 \(q − 20\) it would span \[-20, 235\]/);
  });

  it.skipIf(!HAVE_TFLITE)('TFLite on the uint8 file agrees with our int8 graph (outputs + 128) within one step', async () => {
    const g = uint8Fc(128, weights);
    const { graph } = await roundTrip(g);
    const samples = Array.from({ length: 10 }, () => Uint8Array.from({ length: 16 }, () => Math.floor(r() * 256)));
    const tf = await runTflite(writeTflite(g), samples.map((s) => [s]));
    let maxDiff = 0;
    samples.forEach((s, i) => {
      const ours = Array.from(runGraph(graph, [Int8Array.from(s, (v) => v - 128)])[0]!, (v) => v + 128);
      tf[i]![0]!.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - ours[k]!))));
    });
    // TFLite's uint8 FullyConnected rounds once (XNNPACK QU8); TFLM-style int8 rounds twice.
    expect(maxDiff).toBeLessThanOrEqual(1);
  }, 120_000);
});
