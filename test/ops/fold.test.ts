/**
 * Constant folding (src/ops/fold.ts) at import: SHAPE of a static shape, FILL of constant dims
 * and value, and data movement on constants become constants; the model computes the same as
 * the unfolded file does in TFLite; what must stay (model outputs, run-time values) stays.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph, StridedSliceOp, Tensor } from '../../src/ir/graph.js';
import { foldConstants } from '../../src/ops/fold.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { HAVE_TFLITE, runTflite } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';

async function roundTrip(g: Graph): Promise<Graph> {
  const dir = mkdtempSync(join(tmpdir(), 'fold-'));
  try {
    writeFileSync(join(dir, `${g.name}.tflite`), writeTflite(g));
    return await importModel(join(dir, `${g.name}.tflite`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const noMasks = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, offset: false };

/** x → SHAPE → FILL(value) → ADD(x, fill) → y, in `dtype`. */
function shapeFillAdd(dtype: 'float32' | 'int8'): Graph {
  const q = dtype === 'int8' ? { quant: { scale: [0.05], zeroPoint: [-2] } } : {};
  const value: Tensor = { name: 'value', shape: [], dtype, data: dtype === 'int8' ? Int8Array.of(8) : Float32Array.of(0.5), ...q };
  return {
    name: `shape_fill_${dtype}`,
    tensors: [
      { name: 'x', shape: [1, 4, 3], dtype, ...q },
      { name: 'shape', shape: [3], dtype: 'int32' },
      value,
      { name: 'fill', shape: [1, 4, 3], dtype, ...q },
      { name: 'y', shape: [1, 4, 3], dtype, ...(dtype === 'int8' ? { quant: { scale: [0.08], zeroPoint: [1] } } : {}) },
    ],
    ops: [
      { kind: 'Shape', name: 'shape', inputs: [0], outputs: [1] },
      { kind: 'Fill', name: 'fill', inputs: [1, 2], outputs: [3] },
      { kind: 'Add', name: 'add', inputs: [0, 3], outputs: [4], activation: 'none' },
    ],
    inputs: [0],
    outputs: [4],
  };
}

describe('constant folding at import', () => {
  it('SHAPE → FILL folds away: only the Add is left, computing x + 0.5 (reference and TFLite on the folded file)', async () => {
    const g = shapeFillAdd('float32');
    const imported = await roundTrip(g);
    expect(imported.ops.map((o) => o.kind)).toEqual(['Add']);
    expect(Array.from(imported.tensors[1]!.data!)).toEqual([1, 4, 3]);
    expect(Array.from(imported.tensors[3]!.data!)).toEqual(new Array(12).fill(0.5));
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1.3);
    const y = runGraph(imported, [x])[0]!;
    // The oracle is x + 0.5: tfjs-tflite cannot run the unfolded file (FILL's output is
    // dynamic there, sized by SHAPE at run time, and that build hands back zeros for it).
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(v + 0.5)));
    if (HAVE_TFLITE) {
      const tf = await runTflite(writeTflite(imported), [[x]]);
      expect(tf[0]![0]).toEqual(Array.from(y));
    }
  }, 120_000);

  it('int8 SHAPE → FILL → ADD: folded, then host C = reference; a float one quantizes after folding', async () => {
    const imported = await roundTrip(shapeFillAdd('int8'));
    expect(imported.ops.map((o) => o.kind)).toEqual(['Add']);
    await runExact(imported, [[Int8Array.from({ length: 12 }, (_, i) => i * 19 - 100)]]);
    const { graph } = await checkQuantized(await roundTrip(shapeFillAdd('float32')));
    expect(graph.ops.map((o) => o.kind)).toEqual(['Add']);
  }, 120_000);

  it('the dynamic-batch pattern SHAPE → STRIDED_SLICE → PACK → RESHAPE folds to one Reshape', async () => {
    const g: Graph = {
      name: 'dyn_batch',
      tensors: [
        { name: 'x', shape: [1, 6], dtype: 'float32' }, // 0
        { name: 'shape', shape: [2], dtype: 'int32' }, // 1
        { name: 'b', shape: [1], dtype: 'int32', data: Int32Array.of(0) }, // 2
        { name: 'e', shape: [1], dtype: 'int32', data: Int32Array.of(1) }, // 3
        { name: 's', shape: [1], dtype: 'int32', data: Int32Array.of(1) }, // 4
        { name: 'batch', shape: [], dtype: 'int32' }, // 5
        { name: 'two', shape: [], dtype: 'int32', data: Int32Array.of(2) }, // 6
        { name: 'three', shape: [], dtype: 'int32', data: Int32Array.of(3) }, // 7
        { name: 'packed', shape: [3], dtype: 'int32' }, // 8
        { name: 'y', shape: [1, 2, 3], dtype: 'float32' }, // 9
      ],
      ops: [
        { kind: 'Shape', name: 'shape', inputs: [0], outputs: [1] },
        { kind: 'StridedSlice', name: 'batch', inputs: [1, 2, 3, 4], outputs: [5], begin: [0], end: [1], strides: [1], ...noMasks, shrinkAxisMask: 1 } as StridedSliceOp,
        { kind: 'Pack', name: 'pack', inputs: [5, 6, 7], outputs: [8], axis: 0, count: 3 },
        { kind: 'Reshape', name: 'reshape', inputs: [0, 8], outputs: [9], newShape: [1, 2, 3] },
      ],
      inputs: [0],
      outputs: [9],
    };
    const imported = await roundTrip(g);
    expect(imported.ops.map((o) => o.kind)).toEqual(['Reshape']);
    expect(Array.from(imported.tensors[8]!.data!)).toEqual([1, 2, 3]);
    expect(foldConstants(g).folded).toEqual(['shape', 'batch', 'pack']);
  }, 120_000);

  it('keeps what must run: an op writing a model output, and a FILL whose value comes at run time', () => {
    const g = shapeFillAdd('float32');
    const onlyShape: Graph = { ...g, ops: [g.ops[0]!], outputs: [1] };
    expect(foldConstants(onlyShape).graph.ops.map((o) => o.kind)).toEqual(['Shape']);
    const runtimeValue: Graph = { ...g, tensors: g.tensors.map((t, i) => (i === 2 ? { name: t.name, shape: t.shape, dtype: t.dtype } : t)), inputs: [0, 2] };
    const r = foldConstants(runtimeValue);
    expect(r.folded).toEqual(['shape']);
    expect(r.graph.ops.map((o) => o.kind)).toEqual(['Fill', 'Add']);
    // The input graph is not modified.
    expect(runtimeValue.ops).toHaveLength(3);
    expect(runtimeValue.tensors[1]!.data).toBeUndefined();
  });
});
