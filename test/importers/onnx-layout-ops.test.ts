/**
 * ONNX layout and indexing nodes that lower to the IR's data-movement ops (Transpose,
 * StridedSlice, Split/SplitV, Gather, Pad/PadV2/MirrorPad), built in code and checked against
 * ONNX Runtime on seeded inputs (exactly: these ops only move values), and ELU. Each case pins
 * the IR ops it lowers to (the graph's body: boundary Transposes of NCHW inputs excluded).
 */
import { describe, expect, it } from 'vitest';
import { importModelBytes } from '../../src/importers/index.js';
import { refineSplits } from '../../src/importers/onnx-lowering.js';
import { OnnxDataType } from '../../src/importers/onnx-schema.js';
import { elementCount, type Graph, type StridedSliceOp } from '../../src/ir/graph.js';
import { af, ai, aints, as, buildModel, ortRun, referenceRun, relErr, seeded, type ModelSpec, type TensorInit } from './onnx-fixtures.js';

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

  it('Split into three unequal parts → one SplitV, every output exact', async () => {
    const g = await exact({
      nodes: [{ op: 'Split', inputs: ['x', 'split'], outputs: ['a', 'b', 'c'], attrs: { axis: ai(1) } }],
      inputs: [{ name: 'x', shape: [2, 9] }],
      outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      initializers: [i64('split', [2, 3, 4])],
    });
    expect(kinds(g)).toEqual(['SplitV']);
    expect(g.ops[0]).toMatchObject({ axis: 1, sizes: [2, 3, 4] });
  });

  it('Split of an NHWC-held NCHW tensor on the channel axis (equal parts, opset 11 attribute) → one Split on IR axis 3', async () => {
    const g = await exact({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'Split', inputs: ['c'], outputs: ['a', 'b'], attrs: { axis: ai(1), split: aints([2, 2]) } },
        { op: 'Relu', inputs: ['b'], outputs: ['rb'] },
        { op: 'Conv', inputs: ['a', 'w2'], outputs: ['ca'], attrs: { kernel_shape: aints([1, 1]) } },
      ],
      inputs: [{ name: 'x', shape: [1, 3, 4, 5] }],
      outputs: [{ name: 'ca' }, { name: 'rb' }],
      initializers: [
        { name: 'w', dims: [4, 3, 1, 1], data: seeded(12, 3, 1) },
        { name: 'w2', dims: [2, 2, 1, 1], data: seeded(4, 4, 1) },
      ],
      opset: 11,
    });
    const split = g.ops.find((o) => o.kind === 'Split')!;
    expect(split).toMatchObject({ axis: 3, sizes: [2, 2] });
    // Only the boundary transposes move data: one in, one per output.
    expect(kinds(g).filter((k) => k === 'Transpose').length).toBe(3);
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

describe('ONNX padding modes and ELU (PADV2, MIRROR_PAD, ELU)', () => {
  it('Pad constant value 2 on an NHWC-held tensor → PadV2 with the value', async () => {
    const g = await exact({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'Pad', inputs: ['c', 'pads', 'v'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 2, 3, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [2, 2, 1, 1], data: [1, 0, 0, 1] }, i64('pads', [0, 0, 1, 2, 0, 1, 0, 1]), { name: 'v', dims: [], data: [2] }],
    });
    expect(kinds(g)).toContain('PadV2');
    expect(g.ops.find((o) => o.kind === 'PadV2')).toMatchObject({ paddings: [[0, 0], [1, 0], [2, 1], [0, 1]] });
  });

  it('Pad reflect (opset 2 attributes and opset 13 inputs) → MirrorPad REFLECT', async () => {
    for (const spec of [
      { nodes: [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { mode: as('reflect'), pads: aints([0, 1, 2, 0, 2, 1]) } }], opset: 9 },
      { nodes: [{ op: 'Pad', inputs: ['x', 'pads'], outputs: ['y'], attrs: { mode: as('reflect') } }], opset: 13, initializers: [i64('pads', [0, 1, 2, 0, 2, 1])] },
    ]) {
      const g = await exact({ ...spec, inputs: [{ name: 'x', shape: [2, 3, 4] }], outputs: [{ name: 'y' }] });
      expect(kinds(g)).toEqual(['MirrorPad']);
    }
  });

  it('Elu with alpha 1 → ELU; alpha 2 → alpha·elu(x) + (1 − alpha)·relu(x)', async () => {
    const one = await importModelBytes(buildModel({ nodes: [{ op: 'Elu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [2, 5] }], outputs: [{ name: 'y' }] }), 'elu.onnx');
    expect(kinds(one)).toEqual(['Elu']);
    const spec = { nodes: [{ op: 'Elu', inputs: ['x'], outputs: ['y'], attrs: { alpha: af(2) } }], inputs: [{ name: 'x', shape: [2, 5] }], outputs: [{ name: 'y' }] };
    const bytes = buildModel(spec);
    const g = await importModelBytes(bytes, 'elu2.onnx');
    expect(kinds(g)).toEqual(['Elu', 'Relu', 'Mul', 'Mul', 'Add']);
    const x = seeded(10, 5, 3);
    const want = (await ortRun(bytes, { x: { data: x, dims: [2, 5] } }))[0]!;
    expect(relErr(referenceRun(g, [x])[0]!, want)).toBeLessThanOrEqual(1e-6);
    // By hand: elu_2(-1) = 2·(e^-1 − 1), elu_2(1.5) = 1.5.
    const hand = referenceRun(g, [Float32Array.of(-1, 1.5, 0, -3, 2, 0.25, -0.5, 1, -2, 3)])[0]!;
    expect(hand[0]).toBeCloseTo(2 * (Math.exp(-1) - 1), 6);
    expect(hand[1]).toBe(1.5);
  });
});

describe('refineSplits (one Transpose between views of different splits)', () => {
  it('finds the common refinement, or none when axis boundaries do not nest', () => {
    expect(refineSplits([1, 8, 5, 3], [1, 2, 4, 5, 3])).toEqual({ sizes: [2, 4, 5, 3], a: [[], [0, 1], [2], [3]], b: [[], [0], [1], [2], [3]] });
    expect(refineSplits([6, 4], [4, 6])).toBeUndefined();
    expect(refineSplits([12], [3, 4])).toEqual({ sizes: [3, 4], a: [[0, 1]], b: [[0], [1]] });
    expect(refineSplits([2, 3], [7])).toBeUndefined();
  });
});
