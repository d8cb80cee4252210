import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { graphCost } from '../../src/ops/cost.js';
import type { Graph, Op, Tensor } from '../../src/ir/graph.js';
import { broadcastShapes, convOutputSize, paddingBefore, resolveReshape } from '../../src/ir/shapes.js';
import { inferOutputShapes } from '../../src/ops/validate.js';
import { validateGraph } from '../../src/ops/validate.js';

describe('TFLite padding arithmetic', () => {
  // Cases worked by hand from tensorflow/lite/kernels/padding.h:
  //   SAME: out = ceil(in / s); total pad = max(0, (out-1)*s + ek - in); before = floor(total / 2)
  //   VALID: out = ceil((in - ek + 1) / s)
  const cases: [string, number, number, number, number, 'same' | 'valid', number, number][] = [
    // name, in, k, stride, dilation, padding, out, padBefore
    ['KWS first conv, height', 49, 10, 2, 1, 'same', 25, 4], // total (24*2+10-49)=9 → 4 before, 5 after
    ['KWS first conv, width', 10, 4, 2, 1, 'same', 5, 1], // total (4*2+4-10)=2
    ['3x3 same stride 1', 25, 3, 1, 1, 'same', 25, 1],
    ['stride larger than filter', 7, 1, 3, 1, 'same', 3, 0],
    ['global pool as VALID', 25, 25, 25, 1, 'valid', 1, 0],
    ['valid stride 2', 8, 3, 2, 1, 'valid', 3, 0],
    ['dilated valid', 10, 3, 1, 2, 'valid', 6, 0], // ek = 5
    ['dilated same', 10, 3, 1, 2, 'same', 10, 2], // total 9*1+5-10 = 4
    ['even filter same', 4, 2, 1, 1, 'same', 4, 0], // total 1 → 0 before, 1 after
  ];
  it.each(cases)('%s', (_n, inSize, k, s, d, p, out, before) => {
    expect(convOutputSize(inSize, k, s, d, p)).toBe(out);
    expect(paddingBefore(inSize, k, s, d, p)).toBe(before);
  });

  it('broadcasts like NumPy and rejects incompatible shapes', () => {
    expect(broadcastShapes([1, 4, 4, 8], [8])).toEqual([1, 4, 4, 8]);
    expect(broadcastShapes([1, 4, 1, 8], [1, 1, 5, 1])).toEqual([1, 4, 5, 8]);
    expect(broadcastShapes([1, 4], [3])).toBeUndefined();
  });

  it('resolves one -1 in reshape targets', () => {
    expect(resolveReshape([-1, 64], 64)).toEqual([1, 64]);
    expect(resolveReshape([2, -1], 12)).toEqual([2, 6]);
    expect(resolveReshape([-1, -1], 12)).toBeUndefined();
    expect(resolveReshape([5, -1], 12)).toBeUndefined();
    expect(resolveReshape([3, 5], 12)).toBeUndefined();
  });
});

const act = (name: string, shape: number[], dtype: Tensor['dtype'] = 'float32'): Tensor => ({ name, shape, dtype });
const cst = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

/** x[1,9,9,2] → conv 3x3x2→4 stride 2 same → dw 3x3 mult 2 valid → fc 10 → add const → out */
function small(): Graph {
  const tensors: Tensor[] = [
    act('x', [1, 9, 9, 2]),
    cst('cw', [4, 3, 3, 2]),
    cst('cb', [4]),
    act('c', [1, 5, 5, 4]),
    cst('dw', [1, 3, 3, 8]),
    act('d', [1, 3, 3, 8]),
    cst('fw', [10, 72]),
    cst('fb', [10]),
    act('f', [1, 10]),
    cst('k', [10]),
    act('y', [1, 10]),
  ];
  const ops: Op[] = [
    { kind: 'Conv2D', name: 'conv', inputs: [0, 1, 2], outputs: [3], strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu' },
    { kind: 'DepthwiseConv2D', name: 'dw', inputs: [3, 4, -1], outputs: [5], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, depthMultiplier: 2, padding: 'valid', activation: 'none' },
    { kind: 'FullyConnected', name: 'fc', inputs: [5, 6, 7], outputs: [8], activation: 'none', keepNumDims: false },
    { kind: 'Add', name: 'add', inputs: [8, 9], outputs: [10], activation: 'none' },
  ];
  return { name: 'small', tensors, ops, inputs: [0], outputs: [10], source: { format: 'test', path: 'small.model' } };
}

describe('cost', () => {
  it('counts params, MACs, int8 weight bytes and activations by the definitions', () => {
    const g = small();
    const c = graphCost(g);
    // conv: 5*5*4 outputs x 3*3*2 taps; dw: 3*3*8 outputs x 3*3 taps; fc: 10 x 72
    expect(c.perOp.map((p) => p.macs)).toEqual([100 * 18, 72 * 9, 720, 0]);
    expect(c.perOp.map((p) => p.params)).toEqual([72 + 4, 72, 720 + 10, 10]);
    expect(c.perOp.map((p) => p.activationBytes)).toEqual([100 * 4, 72 * 4, 40, 40]);
    expect(c.totals).toMatchObject({
      params: 76 + 72 + 730 + 10,
      macs: 1800 + 648 + 720,
      weightBytesInt8: 72 + 4 * 4 + 72 + 720 + 10 * 4 + 10,
      largestActivationBytes: 9 * 9 * 2 * 4,
    });
  });

  it('counts a weight shared by two ops once in the totals', () => {
    const g = small();
    g.tensors.push(act('y2', [1, 10]));
    g.ops.push({ kind: 'Add', name: 'add2', inputs: [10, 9], outputs: [11], activation: 'none' });
    g.outputs = [11];
    expect(graphCost(g).totals.params).toBe(76 + 72 + 730 + 10);
  });
});

describe('validateGraph', () => {
  it('accepts a well-formed graph with an absent optional bias', () => {
    expect(() => validateGraph(small())).not.toThrow();
  });

  const broken: [string, (g: Graph) => void, RegExp][] = [
    ['declared output shape differs from the inferred one', (g) => (g.tensors[3]!.shape = [1, 4, 4, 4]), /op 0 Conv2D "conv" output "c" is declared \[1,4,4,4\] but the op produces \[1,5,5,4\]/],
    ['op reads a tensor before it is produced', (g) => g.ops.reverse(), /reads tensor .* before anything produces it/],
    ['index out of range', (g) => (g.ops[2]!.inputs[1] = 99), /input 1 is tensor 99, out of range/],
    ['-1 for a required input', (g) => (g.ops[0]!.inputs[0] = -1), /input 0 is tensor -1/],
    ['tensor produced twice', (g) => (g.ops[3]!.outputs = [8]), /writes tensor 8 "f", which already has a value/],
    ['constant data of the wrong length', (g) => (g.tensors[2]!.data = new Float32Array(3)), /tensor 2 "cb" holds 3 values for shape \[4\]/],
    ['per-channel scales not matching the channel count', (g) => (g.tensors[1]!.quant = { scale: [1, 1, 1], zeroPoint: [0, 0, 0], axis: 0 }), /3 per-channel scales for 4 channels on axis 0/],
    ['zero scale', (g) => (g.tensors[0]!.quant = { scale: [0], zeroPoint: [0] }), /non-positive or non-finite scale/],
    ['channel mismatch', (g) => (g.tensors[1] = cst('cw', [4, 3, 3, 3])), /input channels 2 differ from filter input channels 3/],
    ['graph output never produced', (g) => (g.ops.pop(), g.outputs.splice(0, 1, 10)), /graph output 10 "y" is never produced/],
  ];
  it.each(broken)('rejects: %s', (_n, breakIt, message) => {
    const g = small();
    breakIt(g);
    let err: unknown;
    try {
      validateGraph(g);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toMatch(/^small\.model: invalid graph: /);
    expect((err as Error).message).toMatch(message);
  });

  it('infers shapes for Mean, Pad, Concatenation and FullyConnected with keepNumDims', () => {
    const g: Graph = { name: 'g', tensors: [act('a', [2, 3, 4, 5]), act('b', [2, 3, 4, 7]), cst('w', [6, 5])], ops: [], inputs: [0, 1], outputs: [] };
    const shape = (op: Op): number[] => inferOutputShapes(g, op)[0]!;
    expect(shape({ kind: 'Mean', name: 'm', inputs: [0], outputs: [], axes: [1, 2], keepDims: false })).toEqual([2, 5]);
    expect(shape({ kind: 'Mean', name: 'm', inputs: [0], outputs: [], axes: [1, 2], keepDims: true })).toEqual([2, 1, 1, 5]);
    expect(shape({ kind: 'Pad', name: 'p', inputs: [0], outputs: [], paddings: [[0, 0], [1, 2], [3, 0], [0, 0]] })).toEqual([2, 6, 7, 5]);
    expect(shape({ kind: 'Concatenation', name: 'c', inputs: [0, 1], outputs: [], axis: 3, activation: 'none' })).toEqual([2, 3, 4, 12]);
    expect(shape({ kind: 'FullyConnected', name: 'f', inputs: [0, 2], outputs: [], activation: 'none', keepNumDims: true })).toEqual([2, 3, 4, 6]);
    expect(shape({ kind: 'FullyConnected', name: 'f', inputs: [0, 2], outputs: [], activation: 'none', keepNumDims: false })).toEqual([24, 6]);
    expect(() => shape({ kind: 'Concatenation', name: 'c', inputs: [0, 1], outputs: [], axis: 2, activation: 'none' })).toThrow(/does not match/);
  });
});
