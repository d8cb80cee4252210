import { describe, expect, it } from 'vitest';
import type { Graph, Tensor } from '../../src/ir/graph.js';
import { rewriteToInt8, type RangeMap } from '../../src/quantize/rewrite.js';

const act = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'float32' });

/**
 * in[1,4] -> FC(relu) -> fc[1,2] -> Reshape -> r[1,1,1,2] -> MaxPool -> mp -> Reshape -> r2[1,2]
 *        -> Softmax -> sm[1,2]; in -> FC2 (relu6) -> c[1,2]; concat(r2, c) -> cat[1,4]
 */
function graph(): Graph {
  return {
    name: 't',
    tensors: [
      act('in', [1, 4]), // 0
      { name: 'w', shape: [2, 4], dtype: 'float32', data: new Float32Array([1, -0.5, 0.25, 0, 0, 2, -4, 1]) }, // 1
      { name: 'b', shape: [2], dtype: 'float32', data: new Float32Array([0.1, -0.3]) }, // 2
      act('fc', [1, 2]), // 3
      act('r', [1, 1, 1, 2]), // 4
      act('mp', [1, 1, 1, 2]), // 5
      act('r2', [1, 2]), // 6
      act('sm', [1, 2]), // 7
      { name: 'w2', shape: [2, 4], dtype: 'float32', data: new Float32Array([0, 0, 0, 1, 2, 0, 0, 0]) }, // 8
      act('c', [1, 2]), // 9
      act('cat', [1, 4]), // 10
      { name: 'shape', shape: [2], dtype: 'int32', data: new Int32Array([1, 2]) }, // 11
    ],
    ops: [
      { kind: 'FullyConnected', name: 'fc', inputs: [0, 1, 2], outputs: [3], activation: 'relu', keepNumDims: false },
      { kind: 'Reshape', name: 'r', inputs: [3], outputs: [4], newShape: [1, 1, 1, 2] },
      { kind: 'MaxPool2D', name: 'mp', inputs: [4], outputs: [5], filterH: 1, filterW: 1, strideH: 1, strideW: 1, padding: 'valid', activation: 'none' },
      { kind: 'Reshape', name: 'r2', inputs: [5, 11], outputs: [6], newShape: [1, 2] },
      { kind: 'Softmax', name: 'sm', inputs: [6], outputs: [7], beta: 1 },
      { kind: 'FullyConnected', name: 'fc2', inputs: [0, 8, -1], outputs: [9], activation: 'relu6', keepNumDims: false },
      { kind: 'Concatenation', name: 'cat', inputs: [6, 9], outputs: [10], axis: 1, activation: 'none' },
    ],
    inputs: [0],
    outputs: [7, 10],
  };
}

describe('float -> int8 graph rewrite', () => {
  const ranges: RangeMap = new Map([
    [0, [-63.5, 191.5]],
    [3, [-3, 5.1]], // relu: min clipped to 0 (a float run gives >= 0 anyway)
    [4, [0, 5.1]],
    [5, [0, 5]],
    [6, [0, 5]],
    [7, [0.1, 0.9]],
    [9, [-2, 10.2]], // relu6: [0, 6]
    [10, [0, 10.2]],
  ]);
  const { graph: q } = rewriteToInt8(graph(), ranges);

  it('activations become int8 per-tensor; tensor indices are unchanged', () => {
    expect(q.tensors[0]).toMatchObject({ name: 'in', dtype: 'int8', quant: { scale: [1], zeroPoint: [-65] } });
    expect(q.inputs).toEqual([0]);
    expect(q.outputs).toEqual([7, 10]);
    expect(q.tensors[11]).toMatchObject({ dtype: 'int32' });
    expect(Array.from(q.tensors[11]!.data!)).toEqual([1, 2]);
  });
  it('fused ReLU output range starts at 0; reshape/maxpool/concat share one group (union of ranges)', () => {
    // group {fc, r, mp, r2, c, cat}: union of [0, 5.1], [0, 6] (c after relu6), [0, 10.2] -> [0, 10.2]
    const p = { scale: [Math.fround(10.2 / 255)], zeroPoint: [-128] };
    for (const t of [3, 4, 5, 6, 9, 10]) expect(q.tensors[t]!.quant, q.tensors[t]!.name).toEqual(p);
  });
  it('Softmax output is fixed at 1/256, -128', () => {
    expect(q.tensors[7]!.quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
  });
  it('relu6 alone clips the range to [0, 6]', () => {
    const g = graph();
    g.ops = [g.ops[5]!];
    g.outputs = [9];
    const r = rewriteToInt8(g, new Map([[0, [-1, 1]], [9, [-2, 10.2]]]));
    expect(r.graph.tensors[9]!.quant).toEqual({ scale: [Math.fround(6 / 255)], zeroPoint: [-128] });
  });
  it('weights per output channel, symmetric; bias int32 at input_scale × weight_scale', () => {
    const w = q.tensors[1]!;
    expect(w.dtype).toBe('int8');
    expect(w.quant).toEqual({ scale: [Math.fround(1 / 127), Math.fround(4 / 127)], zeroPoint: [0, 0], axis: 0 });
    expect(Array.from(w.data!)).toEqual([127, -64, 32, 0, 0, 64, -127, 32]);
    const b = q.tensors[2]!;
    expect(b.dtype).toBe('int32');
    const s0 = Math.fround(1 * Math.fround(1 / 127));
    const s1 = Math.fround(1 * Math.fround(4 / 127));
    expect(b.quant).toEqual({ scale: [s0, s1], zeroPoint: [0, 0], axis: 0 });
    // 0.1 / (1/127) = 12.7 -> 13; -0.3 / (4/127) = -9.525 -> -10
    expect(Array.from(b.data!)).toEqual([13, -10]);
  });
  it('perTensorFullyConnected: one weight scale max|w|/127 and one bias scale', () => {
    const { graph: p } = rewriteToInt8(graph(), ranges, { perTensorFullyConnected: true });
    const w = p.tensors[1]!;
    expect(w.quant).toEqual({ scale: [Math.fround(4 / 127)], zeroPoint: [0] });
    // row 0 now on the 4/127 grid: 31.75 -> 32, -15.875 -> -16, 7.9375 -> 8
    expect(Array.from(w.data!)).toEqual([32, -16, 8, 0, 0, 64, -127, 32]);
    const b = p.tensors[2]!;
    expect(b.quant).toEqual({ scale: [Math.fround(Math.fround(4 / 127))], zeroPoint: [0] });
    expect(Array.from(b.data!)).toEqual([3, -10]); // 3.175 -> 3, -9.525 -> -10
  });
  it('does not touch the float graph', () => {
    const g = graph();
    rewriteToInt8(g, ranges);
    expect(g.tensors[1]!.dtype).toBe('float32');
    expect(g.tensors[0]!.quant).toBeUndefined();
  });
  it('refuses a Dequantize op in a float graph, naming it', () => {
    const g = graph();
    g.ops.push({ kind: 'Dequantize', name: 'dq_weights', inputs: [3], outputs: [4] });
    expect(() => rewriteToInt8(g, ranges)).toThrow(/dq_weights \(Dequantize in a float graph\)/);
  });
});
