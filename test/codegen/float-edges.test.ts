/**
 * Float edges: a graph with a float input (Quantize) and a float output (Dequantize) around int8
 * ops compiles to int8 C, and `run --board host` still returns what the reference interpreter
 * returns for the whole graph, float values included.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { hasTool } from '../../src/build/tools.js';
import { needsQuantization, stripFloatEdges } from '../../src/codegen/prepare.js';
import { TinymlError } from '../../src/errors.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { host, randomInt8, rng } from './c-harness.js';

function edgeGraph(): Graph {
  const r = rng(5);
  const w = randomInt8(r, 6 * 8, -127, 127);
  return {
    name: 'edges',
    tensors: [
      { name: 'xf', shape: [1, 8], dtype: 'float32' },
      { name: 'xq', shape: [1, 8], dtype: 'int8', quant: { scale: [Math.fround(0.02)], zeroPoint: [3] } },
      { name: 'w', shape: [6, 8], dtype: 'int8', data: w, quant: { scale: [Math.fround(0.01)], zeroPoint: [0] } },
      { name: 'yq', shape: [1, 6], dtype: 'int8', quant: { scale: [Math.fround(0.015)], zeroPoint: [-4] } },
      { name: 'yf', shape: [1, 6], dtype: 'float32' },
    ],
    ops: [
      { kind: 'Quantize', name: 'q', inputs: [0], outputs: [1] },
      { kind: 'FullyConnected', name: 'fc', inputs: [1, 2, -1], outputs: [3], activation: 'none', keepNumDims: false },
      { kind: 'Dequantize', name: 'dq', inputs: [3], outputs: [4] },
    ],
    inputs: [0],
    outputs: [4],
  };
}

describe('float edges', () => {
  it('strips Quantize at the input and Dequantize at the output, and nothing else', () => {
    const g = edgeGraph();
    expect(needsQuantization(g)).toBe(false);
    const s = stripFloatEdges(g);
    expect(s.inputs).toEqual([1]);
    expect(s.outputs).toEqual([3]);
    expect(s.ops.map((o) => o.kind)).toEqual(['FullyConnected']);
    expect(g.ops).toHaveLength(3); // the input graph is untouched
  });

  it('refuses a float graph with float ops, naming the tensor', () => {
    const g = edgeGraph();
    const f: Graph = { ...g, tensors: g.tensors.map((t) => ({ ...t, dtype: 'float32' as const, quant: undefined })) as Graph['tensors'], ops: [g.ops[1]!], inputs: [1], outputs: [3] };
    expect(needsQuantization(f)).toBe(true);
    expect(() => stripFloatEdges(f)).toThrow(TinymlError);
    expect(() => stripFloatEdges(f)).toThrow(/input 'xq' is float32/);
  });

  it.skipIf(!hasTool('cc') || !hasTool('make'))('run --board host returns the reference outputs of the whole graph (float32)', async () => {
    const g = edgeGraph();
    const r = rng(9);
    const samples = Array.from({ length: 10 }, () => [Float32Array.from({ length: 8 }, () => (r() * 2 - 1) * 3)]);
    const got = await runOnHost({ graph: g, modelPath: 'edges', board: host(), samples, logger: silentLogger }, mkdtempSync(join(tmpdir(), 'tinyml-edges-')));
    samples.forEach((s, k) => {
      const want = runGraph(g, s)[0] as Float32Array;
      expect(got[k]![0]).toBeInstanceOf(Float32Array);
      expect(Array.from(got[k]![0]!)).toEqual(Array.from(want));
    });
  });
});
