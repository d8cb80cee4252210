/**
 * ONNX layout and indexing nodes that lower to the IR's data-movement ops (Transpose,
 * StridedSlice, Gather), built in code and checked against ONNX Runtime on seeded inputs
 * (exactly: these ops only move values). Each case pins the IR ops it lowers to.
 */
import { describe, expect, it } from 'vitest';
import { importModelBytes } from '../../src/importers/index.js';
import { OnnxDataType } from '../../src/importers/onnx-schema.js';
import { elementCount, type Graph, type StridedSliceOp } from '../../src/ir/graph.js';
import { ai, aints, buildModel, ortRun, referenceRun, seeded, type ModelSpec, type TensorInit } from './onnx-fixtures.js';

function i64(name: string, data: number[]): TensorInit {
  return { name, dims: [data.length], data, type: OnnxDataType.INT64 };
}

/** Imports `spec` and requires the reference interpreter to equal ONNX Runtime exactly. */
async function exact(spec: ModelSpec): Promise<Graph> {
  const bytes = buildModel(spec);
  const g = await importModelBytes(bytes, 'case.onnx');
  const ins = spec.inputs.map((i, k) => {
    const dims = i.shape.map((d) => (typeof d === 'number' ? d : 1));
    return { name: i.name, dims, data: seeded(elementCount(dims), 7 + k, 2) };
  });
  const want = await ortRun(bytes, Object.fromEntries(ins.map((i) => [i.name, { data: i.data, dims: i.dims }])));
  const got = referenceRun(g, ins.map((i) => i.data));
  want.forEach((w, k) => expect(Array.from(got[k]!), `output ${k}`).toEqual(Array.from(w)));
  return g;
}

const kinds = (g: Graph) => g.ops.map((o) => o.kind);

describe('ONNX layout and indexing ops', () => {
  it('Slice with a negative step through element 0 (x[:, ::-1]) → StridedSlice with the end mask', async () => {
    const g = await exact({
      nodes: [{ op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [3, 5] }],
      outputs: [{ name: 'y' }],
      initializers: [i64('starts', [-1]), i64('ends', [-100]), i64('axes', [1]), i64('steps', [-1])],
    });
    expect(kinds(g)).toEqual(['StridedSlice']);
    expect((g.ops[0] as StridedSliceOp).endMask).toBe(2);
  });

  it('Slice with steps 2 on two axes', async () => {
    const g = await exact({
      nodes: [{ op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [2, 7, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [i64('starts', [1, 5]), i64('ends', [7, 0]), i64('axes', [1, 2]), i64('steps', [2, -2])],
    });
    expect(kinds(g)).toEqual(['StridedSlice']);
  });

  it('Split into three unequal parts: three StridedSlices, every output exact', async () => {
    const g = await exact({
      nodes: [{ op: 'Split', inputs: ['x', 'split'], outputs: ['a', 'b', 'c'], attrs: { axis: ai(1) } }],
      inputs: [{ name: 'x', shape: [2, 9] }],
      outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      initializers: [i64('split', [2, 3, 4])],
    });
    expect(kinds(g)).toEqual(['StridedSlice', 'StridedSlice', 'StridedSlice']);
  });

  it('Transpose of a rank-3 value that changes element order → one IR Transpose', async () => {
    const g = await exact({
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: aints([2, 0, 1]) } },
        { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [i64('shape', [24])],
    });
    expect(kinds(g)).toContain('Transpose');
  });

  it('Gather with constant indices (one negative) → IR Gather with the index wrapped', async () => {
    const g = await exact({
      nodes: [{ op: 'Gather', inputs: ['x', 'idx'], outputs: ['y'], attrs: { axis: ai(1) } }],
      inputs: [{ name: 'x', shape: [2, 5, 3] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'idx', dims: [2, 2], data: [4, -5, 0, 2], type: OnnxDataType.INT64 }],
    });
    expect(kinds(g)).toEqual(['Gather']);
    expect(g.ops[0]).toMatchObject({ axis: 1, batchDims: 0 });
    expect(Array.from(g.tensors[g.ops[0]!.inputs[1]!]!.data!)).toEqual([4, 0, 0, 2]);
  });
});
