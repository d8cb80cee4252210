/**
 * GATHER: values by hand from TFLM's Gather (axis, batch_dims), constant indices through the
 * single-op harness, int32 indices given at run time (reference = host C = TFLite on chosen
 * in-range indices), the out-of-range contract (constant: refused; run time: the reference
 * throws, the generated code returns -3 with a zeroed output and TFLite fails too), and the
 * quantizer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { OPS } from '../../src/ops/registry.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { gatherShape } from '../../src/ops/gather.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, checkOp, HAVE_TFLITE, randomInput, runTflite, type OpSpec } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';

type D = 'int8' | 'int16' | 'int32' | 'float32';
const qOf = (dtype: D): [number, number] | undefined => (dtype === 'int8' ? [0.05, 4] : dtype === 'int16' ? [0.0001, 0] : undefined);

/** Gather of `params` by `indices` (constant when `values` is given, else a graph input). */
function spec(name: string, params: number[], indices: number[], axis: number, batchDims: number, dtype: D, values?: number[]): OpSpec {
  const out = gatherShape(params, indices, axis, batchDims);
  if (typeof out === 'string') throw new Error(out);
  const q = qOf(dtype);
  return {
    name,
    tensors: [
      { shape: params, dtype, ...(q ? { q } : {}) },
      { shape: indices, dtype: 'int32', ...(values ? { data: values } : {}) },
      { shape: out, dtype, ...(q ? { q } : {}) },
    ],
    op: { kind: 'Gather', inputs: [0, 1], outputs: [2], axis, batchDims },
  };
}

/** Reference = host C = TFLite with params random and indices drawn in [0, axisSize). */
async function runtimeIndices(s: OpSpec, samples = 3): Promise<number> {
  const g = buildGraph(s);
  const r = mulberry32(9);
  const axisSize = g.tensors[0]!.shape[(g.ops[0] as { axis: number }).axis]!;
  const inputs: TensorData[][] = Array.from({ length: samples }, () => [randomInput(g.tensors[0]!, r), Int32Array.from({ length: g.tensors[1]!.data ? 0 : g.tensors[1]!.shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * axisSize))]);
  const ref = await runExact(g, inputs);
  if (!HAVE_TFLITE) return 0;
  const tf = await runTflite(writeTflite(g), inputs);
  let diff = 0;
  tf.forEach((outs, k) => outs[0]!.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - ref[k]![0]![i]!)))));
  return diff;
}

describe('Gather', () => {
  it('hand-computed: rows by index (axis 0), and batch_dims 1', async () => {
    const p = Int8Array.of(1, 2, 3, 4, 5, 6); // [[1,2],[3,4],[5,6]]
    const [a] = await runExact(spec('rows', [3, 2], [3], 0, 0, 'int8', [2, 0, 2]), [[p]]);
    expect(Array.from(a![0]!)).toEqual([5, 6, 1, 2, 5, 6]);
    // params [2,3] = [[10,11,12],[20,21,22]], indices [[0,2],[1,1]], axis 1, batch_dims 1:
    // out[b][j] = params[b][indices[b][j]].
    const [b] = await runExact(spec('batch', [2, 3], [2, 2], 1, 1, 'int8'), [[Int8Array.of(10, 11, 12, 20, 21, 22), Int32Array.of(0, 2, 1, 1)]]);
    expect(Array.from(b![0]!)).toEqual([10, 12, 21, 21]);
  }, 120_000);

  const constCases: [string, number[], number[], number, number, D, number[]][] = [
    ['channels_int8', [1, 3, 4, 5], [3], 3, 0, 'int8', [4, 0, 2]],
    ['rows_2d_indices_int16', [6, 3], [2, 2], 0, 0, 'int16', [5, 0, 3, 3]],
    ['middle_int32', [2, 5, 3], [4], 1, 0, 'int32', [1, 1, 4, 0]],
    ['scalar_index_int8', [4, 3], [], 0, 0, 'int8', [2]],
  ];
  for (const [name, params, indices, axis, bd, dtype, values] of constCases) {
    it(`constant indices ${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(spec(name, params, indices, axis, bd, dtype, values), { samples: 3, seed: 61 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('float32 params: reference = TFLite exactly', async () => {
    const r = await checkOp(spec('f32', [4, 3], [2], 1, 0, 'float32', [2, 0]), { samples: 2, seed: 5, host: false });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('int32 indices given at run time: reference = host C = TFLite (int8, int16, batch_dims)', async () => {
    expect(await runtimeIndices(spec('rt_int8', [5, 4], [3], 0, 0, 'int8'))).toBe(0);
    expect(await runtimeIndices(spec('rt_int16', [2, 6, 3], [2, 2], 1, 0, 'int16'))).toBe(0);
    expect(await runtimeIndices(spec('rt_batch', [3, 4, 2], [3, 5], 1, 1, 'int8'))).toBe(0);
  }, 120_000);

  it('a constant index outside the axis is refused at prepare', () => {
    const g = buildGraph(spec('bad_const', [3, 2], [2], 0, 0, 'int8', [1, 3]));
    expect(() => OPS.Gather.prepare(g, g.ops[0] as never)).toThrow(/constant index 3 \(position 1\) is outside axis 0 of size 3/);
  });

  it('a run-time index outside the axis: the reference throws, the C returns -3, TFLite fails', async () => {
    const g = buildGraph(spec('bad_runtime', [3, 2], [2], 0, 0, 'int8'));
    const x = [Int8Array.of(1, 2, 3, 4, 5, 6), Int32Array.of(0, -1)];
    expect(() => runGraph(g, x)).toThrow(/index -1 at position 1 is outside axis 0 of size 3/);
    await expect(runOnHost({ graph: g, modelPath: 'bad_runtime', board: resolveBoard('host'), samples: [x], logger: silentLogger })).rejects.toThrow(/tinyml_invoke failed with -3/);
    if (HAVE_TFLITE) await expect(runTflite(writeTflite(g), [x])).rejects.toThrow();
  }, 120_000);

  it('the C kernel checks every index before writing: a bad one zeroes the whole output and returns -1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gather-c-'));
    try {
      const kernels = fileURLToPath(new URL('../../firmware-templates/kernels/reference/', import.meta.url));
      writeFileSync(
        join(dir, 'main.c'),
        `#include <stdio.h>
#include "tinyml_kernels.h"
int main(void) {
  const int16_t in[6] = {1, 2, 3, 4, 5, 6};
  const int32_t good[2] = {2, 0}, bad[2] = {1, 3};
  int16_t out[4] = {9, 9, 9, 9};
  int32_t rc = tinyml_gather(2, 1, 1, 3, 2, 2, in, good, out);
  printf("%d %d %d %d %d\\n", (int)rc, out[0], out[1], out[2], out[3]);
  rc = tinyml_gather(2, 1, 1, 3, 2, 2, in, bad, out);
  printf("%d %d %d %d %d\\n", (int)rc, out[0], out[1], out[2], out[3]);
  return 0;
}
`,
      );
      execFileSync('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-fsanitize=address,undefined', `-I${kernels}`, join(dir, 'main.c'), join(kernels, 'gather.c'), '-o', join(dir, 'g')]);
      const out = execFileSync(join(dir, 'g'), { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } }).toString();
      expect(out).toBe('0 5 6 1 2\n-1 0 0 0 0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a negative axis and batch_dims as + rank', async () => {
    const g = buildGraph(spec('neg', [2, 3], [2, 2], 1, 1, 'int8'));
    const file = writeTflite(g);
    const ctx = { base: { name: 'n', inputs: [0, 1], outputs: [2] }, tensors: g.tensors, optNumber: () => -1, bad: (w: string) => { throw new Error(w); } };
    expect(OPS.Gather.tflite.read(ctx as never)).toMatchObject({ axis: 1, batchDims: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'gather-'));
    try {
      writeFileSync(join(dir, 'g.tflite'), file);
      expect((await importModel(join(dir, 'g.tflite'))).ops[0]).toMatchObject({ kind: 'Gather', axis: 1, batchDims: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a float graph with Gather quantizes; params shared; host C = reference', async () => {
    const g: Graph = {
      name: 'q_gather',
      tensors: [
        { name: 'x', shape: [1, 4, 6], dtype: 'float32' },
        { name: 'idx', shape: [3], dtype: 'int32', data: Int32Array.of(5, 1, 3) },
        { name: 'y', shape: [1, 4, 3], dtype: 'float32' },
      ],
      ops: [{ kind: 'Gather', name: 'ga', inputs: [0, 1], outputs: [2], axis: 2, batchDims: 0 }],
      inputs: [0],
      outputs: [2],
    };
    const { graph } = await checkQuantized(g);
    expect(graph.tensors[2]!.quant).toEqual(graph.tensors[0]!.quant);
  }, 120_000);
});
