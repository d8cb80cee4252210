/**
 * ONNX graphs built in code (protobuf writer), one per supported op and per layout case,
 * imported and run through the reference interpreter and the tfjs float runner, against ONNX
 * Runtime on seeded inputs (within 1e-4 of ONNX Runtime's output range; ONNX Runtime's MLAS
 * kernels sum in another order than TFLite's reference kernels). Each case also pins the IR
 * ops it must lower to, so a lowering that "works" through an unintended path fails.
 */
import { dropBoundaryOps } from '../../src/ir/boundary-layout.js';
import { describe, expect, it } from 'vitest';
import { importModelBytes } from '../../src/importers/index.js';
import { OnnxDataType } from '../../src/importers/onnx-schema.js';
import { elementCount, type Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runBoth } from '../ops/exact-cases.js';
import { af, ai, aints, as, buildModel, ortRun, referenceRun, refusal, relErr, seeded, tfjsRun, type ModelSpec, type TensorInit } from './onnx-fixtures.js';

const TOL = 1e-4;
let seedCounter = 100;

function w(name: string, dims: number[], scale = 0.5): TensorInit {
  return { name, dims, data: seeded(elementCount(dims), seedCounter++, scale) };
}
function i64(name: string, data: number[]): TensorInit {
  return { name, dims: [data.length], data, type: OnnxDataType.INT64 };
}

/**
 * Imports `spec`, compares with ONNX Runtime on two seeded inputs (NCHW, as the graph takes
 * them), returns the graph's NHWC body (its boundary Transposes dropped) for the op checks.
 */
async function check(spec: ModelSpec, opts: { tfjs?: boolean; positive?: boolean } = {}): Promise<Graph> {
  const bytes = buildModel(spec);
  const g = await importModelBytes(bytes, 'case.onnx');
  for (const seed of [1, 2]) {
    const ins = spec.inputs.map((i, k) => {
      const dims = i.shape.map((d) => (typeof d === 'number' ? d : 1));
      const data = seeded(elementCount(dims), seed * 31 + k, 2);
      return { name: i.name, dims, data: opts.positive ? data.map(Math.abs) : data };
    });
    const want = await ortRun(bytes, Object.fromEntries(ins.map((i) => [i.name, { data: i.data, dims: i.dims }])));
    const got = referenceRun(g, ins.map((i) => i.data));
    want.forEach((wv, k) => expect(relErr(got[k]!, wv), `output ${k} (reference), seed ${seed}`).toBeLessThanOrEqual(TOL));
    if (opts.tfjs !== false && ins.length === 1 && want.length === 1) {
      const tf = await tfjsRun(g, ins.map((i) => i.data));
      if (typeof tf === 'string') throw new Error(`tfjs runner refused: ${tf}`);
      expect(relErr(tf[0]!, want[0]!), `tfjs, seed ${seed}`).toBeLessThanOrEqual(TOL);
    }
  }
  return body(g);
}

/** The body's ops: without the boundary Transposes/Reshapes that keep the graph's inputs and outputs NCHW. */
const body = (g: Graph): Graph => (g.boundaryLayout ? dropBoundaryOps(g) : g);
const kinds = (g: Graph) => g.ops.map((o) => o.kind);
const X4 = (c: number, h: number, wd: number) => [{ name: 'x', shape: [1, c, h, wd] }];

describe('convolutions', () => {
  it('Conv with SAME-like pads and stride 2 → one Conv2D (no Pad), weights OHWI', async () => {
    const g = await check({
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), pads: aints([0, 0, 1, 1]), strides: aints([2, 2]) } }],
      inputs: X4(3, 8, 8),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [4, 3, 3, 3]), w('b', [4])],
    });
    expect(kinds(g)).toEqual(['Conv2D']);
    expect(g.ops[0]).toMatchObject({ padding: 'same', strideH: 2 });
    expect(g.tensors[g.ops[0]!.inputs[1]!]!.shape).toEqual([4, 3, 3, 3]);
  });

  it('Conv with asymmetric explicit pads and dilation → Pad + VALID Conv2D', async () => {
    const g = await check({
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: aints([3, 2]), pads: aints([2, 0, 1, 1]), dilations: aints([2, 1]) } }],
      inputs: X4(2, 9, 7),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [5, 2, 3, 2])],
    });
    expect(kinds(g)).toEqual(['Pad', 'Conv2D']);
  });

  it('Conv auto_pad SAME_UPPER (opset 11)', async () => {
    const g = await check({
      opset: 11,
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { auto_pad: as('SAME_UPPER'), strides: aints([2, 2]) } }],
      inputs: X4(3, 7, 6),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [4, 3, 3, 3]), w('b', [4])],
    });
    expect(kinds(g)).toEqual(['Conv2D']);
  });

  it('group == C_in → DepthwiseConv2D (multiplier 2)', async () => {
    const g = await check({
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { group: ai(3), kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } }],
      inputs: X4(3, 6, 6),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [6, 1, 3, 3]), w('b', [6])],
    });
    expect(kinds(g)).toEqual(['DepthwiseConv2D']);
    expect(g.ops[0]).toMatchObject({ depthMultiplier: 2, padding: 'same' });
  });

  it('grouped conv (group 2 of 4 channels) → grouped Conv2D', async () => {
    const g = await check({
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { group: ai(2), kernel_shape: aints([3, 3]) } }],
      inputs: X4(4, 6, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [6, 2, 3, 3]), w('b', [6])],
    });
    expect(kinds(g)).toEqual(['Conv2D']);
    expect(g.tensors[g.ops[0]!.inputs[1]!]!.shape).toEqual([6, 3, 3, 2]);
  });

  it('Conv1d → Conv2D over [N, 1, L, C]', async () => {
    const g = await check({
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel_shape: aints([3]), strides: aints([2]), pads: aints([1, 1]) } }],
      inputs: [{ name: 'x', shape: [1, 4, 11] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w', [5, 4, 3]), w('b', [5])],
    });
    expect(kinds(g)).toEqual(['Conv2D']);
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 1, 11, 4]);
  });

  it('ConvTranspose without pads → one VALID TransposeConv (weights OHWI, output_shape constant)', async () => {
    const g = await check({
      nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { strides: aints([2, 2]), kernel_shape: aints([3, 2]) } }],
      inputs: X4(3, 4, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [3, 2, 3, 2]), w('b', [2])],
    });
    expect(kinds(g)).toEqual(['TransposeConv']);
    expect(g.ops[0]).toMatchObject({ padding: 'valid', strideH: 2, strideW: 2 });
    expect(g.tensors[g.ops[0]!.inputs[1]!]!.shape).toEqual([2, 3, 2, 3]);
    expect(Array.from(g.tensors[g.ops[0]!.inputs[0]!]!.data!)).toEqual([1, 9, 10, 2]);
  });

  it('ConvTranspose with output_padding and no pads → one VALID TransposeConv whose extra rows hold the bias', async () => {
    const g = await check({
      nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { strides: aints([2, 3]), kernel_shape: aints([3, 2]), output_padding: aints([1, 2]) } }],
      inputs: X4(2, 3, 4),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [2, 3, 3, 2]), w('b', [3])],
    });
    expect(kinds(g)).toEqual(['TransposeConv']);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 2 * 2 + 3 + 1, 3 * 3 + 2 + 2, 3]);
  });

  it('ConvTranspose with a begin pad (not SAME) is a VALID TransposeConv cropped by a StridedSlice', async () => {
    const g = await check({
      nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: aints([3, 3]), kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]), output_padding: aints([2, 2]) } }],
      inputs: X4(2, 4, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [2, 3, 3, 3])],
    });
    expect(kinds(g)).toEqual(['TransposeConv', 'StridedSlice']);
  });

  it('ConvTranspose with SAME-equivalent pads → one SAME TransposeConv, no crop', async () => {
    const g = await check({
      nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: aints([2, 2]), kernel_shape: aints([4, 4]), pads: aints([1, 1, 1, 1]) } }],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [2, 3, 4, 4])],
    });
    expect(kinds(g)).toEqual(['TransposeConv']);
    expect(g.ops[0]).toMatchObject({ padding: 'same' });
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 6, 6, 3]);
  });
});

describe('fully connected and the layout at a flatten', () => {
  it('Conv → Relu → Flatten → Gemm(transB) from NCHW: no reshape or transpose, FC weight columns permuted', async () => {
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: aints([3, 3]) } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'Flatten', inputs: ['r'], outputs: ['f'], attrs: { axis: ai(1) } },
        { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['y'], attrs: { transB: ai(1), alpha: af(0.5), beta: af(2) } },
      ],
      inputs: X4(2, 6, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [3, 2, 3, 3]), w('b', [3]), w('fw', [7, 3 * 4 * 3]), w('fb', [7])],
    });
    expect(kinds(g)).toEqual(['Conv2D', 'FullyConnected']);
    expect(g.ops[0]).toMatchObject({ activation: 'relu' });
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 7]);
  });

  it('the PyTorch view pattern (Shape → Gather → Unsqueeze → Concat → Reshape) folds to constants', async () => {
    const g = await check({
      opset: 13,
      nodes: [
        { op: 'MaxPool', inputs: ['x'], outputs: ['p'], attrs: { kernel_shape: aints([2, 2]), strides: aints([2, 2]) } },
        { op: 'Shape', inputs: ['p'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: ai(0) } },
        { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: ai(0) } },
        { op: 'Reshape', inputs: ['p', 'shape'], outputs: ['v'] },
        { op: 'MatMul', inputs: ['v', 'm'], outputs: ['mm'] },
        { op: 'Add', inputs: ['mm', 'bias'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: ['batch', 3, 4, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'zero', dims: [], data: [0], type: OnnxDataType.INT64 }, i64('ax0', [0]), i64('minus1', [-1]), w('m', [3 * 2 * 3, 5]), w('bias', [5])],
    });
    expect(kinds(g)).toEqual(['MaxPool2D', 'FullyConnected']);
  });

  it('MatMul on a rank-3 input → FullyConnected with keepNumDims', async () => {
    const g = await check({ nodes: [{ op: 'MatMul', inputs: ['x', 'm'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4, 6] }], outputs: [{ name: 'y' }], initializers: [w('m', [6, 3])] });
    expect(g.ops[0]).toMatchObject({ kind: 'FullyConnected', keepNumDims: true });
  });

  it('Gemm with transB=0 and a per-row C', async () => {
    await check({ nodes: [{ op: 'Gemm', inputs: ['x', 'b', 'c'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [3, 4] }], outputs: [{ name: 'y' }], initializers: [w('b', [4, 5]), w('c', [3, 5])] });
  });
});

describe('normalisation and activations', () => {
  it('Conv → BatchNormalization → Relu folds to one Conv2D with fused ReLU', async () => {
    const C = 4;
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
        { op: 'BatchNormalization', inputs: ['c', 'g', 'be', 'mu', 'var'], outputs: ['bn'], attrs: { epsilon: af(1e-3) } },
        { op: 'Relu', inputs: ['bn'], outputs: ['y'] },
      ],
      inputs: X4(3, 5, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [C, 3, 3, 3]), w('b', [C]), w('g', [C]), w('be', [C]), w('mu', [C]), { name: 'var', dims: [C], data: [0.5, 1, 2, 0.1] }],
    });
    expect(kinds(g)).toEqual(['Conv2D']);
    expect(g.ops[0]).toMatchObject({ activation: 'relu' });
  });

  it('a standalone BatchNormalization on the input → per-channel Mul + Add in NHWC order', async () => {
    const g = await check({
      nodes: [
        { op: 'BatchNormalization', inputs: ['x', 'g', 'be', 'mu', 'var'], outputs: ['bn'] },
        { op: 'MaxPool', inputs: ['bn'], outputs: ['y'], attrs: { kernel_shape: aints([2, 2]) } },
      ],
      inputs: X4(3, 4, 4),
      outputs: [{ name: 'y' }],
      initializers: [w('g', [3]), w('be', [3]), w('mu', [3]), { name: 'var', dims: [3], data: [1, 2, 3] }],
    });
    expect(kinds(g)).toEqual(['Mul', 'Add', 'MaxPool2D']);
    expect(g.tensors[g.ops[0]!.inputs[1]!]!.shape).toEqual([3]);
  });

  it.each([
    ['Relu', {}, 'Relu'],
    ['Sigmoid', {}, 'Logistic'],
    ['Tanh', {}, 'Tanh'],
  ])('%s → %s', async (op, attrs, kind) => {
    const g = await check({ nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }], inputs: X4(2, 3, 3), outputs: [{ name: 'y' }] });
    expect(kinds(g)).toEqual([kind]);
  });

  it('Clip(0, 6) → Relu6 (opset 13 inputs); Clip(0) → Relu; Clip attrs (opset 6)', async () => {
    const six = await check({
      nodes: [{ op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'lo', dims: [], data: [0] }, { name: 'hi', dims: [], data: [6] }],
    });
    expect(kinds(six)).toEqual(['Relu6']);
    const zero = await check({ nodes: [{ op: 'Clip', inputs: ['x', 'lo'], outputs: ['y'] }], inputs: X4(2, 3, 3), outputs: [{ name: 'y' }], initializers: [{ name: 'lo', dims: [], data: [0] }] });
    expect(kinds(zero)).toEqual(['Relu']);
    const old = await importModelBytes(buildModel({ opset: 6, nodes: [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: af(0), max: af(6) } }], inputs: X4(2, 3, 3), outputs: [{ name: 'y' }] }), 'clip6.onnx');
    expect(kinds(old)).toEqual(['Relu6']);
  });

  it('LeakyRelu, PRelu (per-channel slope), HardSigmoid and HardSwish lower to their IR ops', async () => {
    const g = await check({
      opset: 14,
      nodes: [
        { op: 'LeakyRelu', inputs: ['x'], outputs: ['a'], name: 'lr', attrs: { alpha: af(0.1) } },
        { op: 'PRelu', inputs: ['a', 'slope'], outputs: ['b'], name: 'pr' },
        { op: 'HardSigmoid', inputs: ['b'], outputs: ['c'], name: 'hs' },
        { op: 'HardSwish', inputs: ['x'], outputs: ['d'], name: 'hw' },
        { op: 'Add', inputs: ['c', 'd'], outputs: ['y'] },
      ],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [w('slope', [2, 1, 1])],
    });
    expect(kinds(g)).toEqual(['LeakyRelu', 'Prelu', 'Mul', 'Add', 'Minimum', 'Relu', 'HardSwish', 'Add']);
    expect(g.ops[0]).toMatchObject({ alpha: Math.fround(0.1) });
    // The [C,1,1] slope broadcasts along the channel axis of the IR tensor it multiplies.
    const pr = g.ops[1]!;
    expect(g.tensors[pr.outputs[0]!]!.shape).toEqual(g.tensors[pr.inputs[0]!]!.shape);
  });
});

describe('pools', () => {
  it('MaxPool with TFLite-SAME pads → MaxPool2D SAME; with other pads after a ReLU → Pad + VALID', async () => {
    const same = await check({ nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), strides: aints([2, 2]), pads: aints([1, 1, 1, 1]) } }], inputs: X4(2, 7, 7), outputs: [{ name: 'y' }] });
    expect(kinds(same)).toEqual(['MaxPool2D']);
    const relu = await check({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), strides: aints([2, 2]), pads: aints([2, 0, 0, 2]) } },
      ],
      inputs: X4(2, 6, 6),
      outputs: [{ name: 'y' }],
    });
    expect(kinds(relu)).toEqual(['Relu', 'Pad', 'MaxPool2D']);
  });

  it('MaxPool with non-SAME pads on a signed input is refused (zero padding would change the max)', async () => {
    const bytes = buildModel({ nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), pads: aints([2, 0, 0, 2]) } }], inputs: X4(2, 6, 6), outputs: [{ name: 'y' }] });
    expect(refusal(await importModelBytes(bytes, 'mp.onnx'))).toMatchObject({ message: expect.stringMatching(/may be negative/) });
  });

  it('AveragePool count_include_pad=0 (SAME) and =1 (explicit Pad), ceil_mode', async () => {
    const ex = await check({ nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } }], inputs: X4(2, 5, 5), outputs: [{ name: 'y' }] });
    expect(kinds(ex)).toEqual(['AveragePool2D']);
    const inc = await check({
      nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]), count_include_pad: ai(1) } }],
      inputs: X4(2, 5, 5),
      outputs: [{ name: 'y' }],
    });
    expect(kinds(inc)).toEqual(['Pad', 'AveragePool2D']);
    await check({ nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: aints([2, 2]), strides: aints([2, 2]), ceil_mode: ai(1) } }], inputs: X4(2, 5, 7), outputs: [{ name: 'y' }] });
  });

  it('GlobalAveragePool → Mean over H,W; GlobalMaxPool → MaxPool2D over the whole plane', async () => {
    const avg = await check({ nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }], inputs: X4(3, 4, 5), outputs: [{ name: 'y' }] });
    expect(avg.ops[0]).toMatchObject({ kind: 'Mean', axes: [1, 2], keepDims: true });
    const max = await check({ nodes: [{ op: 'GlobalMaxPool', inputs: ['x'], outputs: ['y'] }], inputs: X4(3, 4, 5), outputs: [{ name: 'y' }] });
    expect(max.ops[0]).toMatchObject({ kind: 'MaxPool2D', filterH: 4, filterW: 5 });
  });
});

describe('elementwise', () => {
  const conv = { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } };
  const convInit = () => [w('w', [3, 2, 1, 1]), w('b', [3])];

  it.each(['Add', 'Sub', 'Mul', 'Div'])('%s by a per-channel [C,1,1] constant on an NHWC-held tensor', async (op) => {
    const k: TensorInit = op === 'Div' ? { name: 'k', dims: [3, 1, 1], data: [0.5, -2, 4] } : w('k', [3, 1, 1]);
    const g = await check({ nodes: [conv, { op, inputs: ['c', 'k'], outputs: ['y'] }], inputs: X4(2, 3, 4), outputs: [{ name: 'y' }], initializers: [...convInit(), k] });
    // Add/Sub fold into the conv bias, Mul/Div into its weights.
    expect(kinds(g)).toEqual(['Conv2D']);
  });

  it('constant − x and x − y (two activations) are SUB ops', async () => {
    const g = await check({
      nodes: [conv, { op: 'Sub', inputs: ['k', 'c'], outputs: ['s'] }, { op: 'Sub', inputs: ['s', 'c'], outputs: ['y'] }],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [...convInit(), w('k', [1, 3, 1, 1])],
    });
    expect(kinds(g)).toEqual(['Conv2D', 'Sub', 'Sub']);
  });

  it('residual Add and a squeeze-excite Mul between NHWC-held activations', async () => {
    const g = await check({
      nodes: [
        conv,
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['gap'] },
        { op: 'Sigmoid', inputs: ['gap'], outputs: ['s'] },
        { op: 'Mul', inputs: ['c', 's'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'c'], outputs: ['y'] },
      ],
      inputs: X4(2, 4, 3),
      outputs: [{ name: 'y' }],
      initializers: convInit(),
    });
    expect(kinds(g)).toEqual(['Conv2D', 'Mean', 'Logistic', 'Mul', 'Add']);
  });

  it('Div of two activations and a constant divided by an activation are DIV ops', async () => {
    const two = await check(
      { nodes: [{ op: 'Div', inputs: ['x', 'z'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4] }, { name: 'z', shape: [1, 4] }], outputs: [{ name: 'y' }] },
      { positive: true },
    );
    expect(kinds(two)).toEqual(['Div']);
    const inv = await check({ nodes: [{ op: 'Div', inputs: ['k', 'x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }], initializers: [{ name: 'k', dims: [4], data: [1, -2, 0.5, 3] }] }, { positive: true });
    expect(kinds(inv)).toEqual(['Div']);
  });

  it('Max and Min of two activations, and against a constant, are MAXIMUM / MINIMUM ops', async () => {
    const g = await check({
      nodes: [
        { op: 'Max', inputs: ['x', 'z'], outputs: ['m'] },
        { op: 'Min', inputs: ['m', 'k'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 6] }, { name: 'z', shape: [1, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'k', dims: [6], data: [0.5, -0.5, 1, 0, 2, -1] }],
    });
    expect(kinds(g)).toEqual(['Maximum', 'Minimum']);
    expect(g.ops.every((o) => !('activation' in o))).toBe(true);
  });
});

describe('unary math and arg-max', () => {
  it('Abs, Sqrt, Log, Exp, Floor, Ceil and Round on an NCHW tensor are the IR ops of the same name, layout kept', async () => {
    const g = await check(
      {
        nodes: [
          { op: 'Abs', inputs: ['x'], outputs: ['a'] },
          { op: 'Sqrt', inputs: ['a'], outputs: ['s'] },
          { op: 'Log', inputs: ['a'], outputs: ['l'] },
          { op: 'Exp', inputs: ['x'], outputs: ['e'] },
          { op: 'Floor', inputs: ['x'], outputs: ['f'] },
          { op: 'Ceil', inputs: ['x'], outputs: ['c'] },
          { op: 'Round', inputs: ['x'], outputs: ['r'] },
        ],
        inputs: X4(3, 4, 5),
        outputs: ['s', 'l', 'e', 'f', 'c', 'r'].map((name) => ({ name })),
      },
      { tfjs: false },
    );
    expect(kinds(g).sort()).toEqual(['Abs', 'Ceil', 'Exp', 'Floor', 'Log', 'Round', 'Sqrt']);
  });

  /** Our indices and ONNX Runtime's, exactly, on seeded inputs. */
  async function argCheck(spec: ModelSpec): Promise<Graph> {
    const bytes = buildModel(spec);
    const g = await importModelBytes(bytes, 'arg.onnx');
    for (const seed of [3, 4, 5]) {
      const dims = spec.inputs[0]!.shape as number[];
      const data = seeded(elementCount(dims), seed, 2);
      const [want] = await ortRun(bytes, { x: { data, dims } });
      const [got] = referenceRun(g, [data]);
      expect(Array.from(got!), `seed ${seed}`).toEqual(Array.from(want!));
      expect(g.tensors[g.outputs[0]!]!.dtype).toBe('int32');
    }
    return body(g);
  }

  const classifierSpec: ModelSpec = {
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: aints([3, 3]) } },
      { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['logits'], attrs: { transB: ai(1) } },
      { op: 'ArgMax', inputs: ['logits'], outputs: ['y'], attrs: { axis: ai(1), keepdims: ai(0) } },
    ],
    inputs: X4(3, 6, 6),
    outputs: [{ name: 'y', type: OnnxDataType.INT64 }],
    initializers: [w('w', [8, 3, 3, 3]), w('b', [8]), w('fw', [10, 8]), w('fb', [10])],
  };

  it('a classifier head ending in ArgMax (axis 1, keepdims 0) gives ONNX Runtime\'s class index', async () => {
    const g = await argCheck(classifierSpec);
    expect(kinds(g).at(-1)).toBe('ArgMax');
    // Quantized: the int8 ArgMax (int32 indices) runs the same in the host C as in the reference.
    const full = await importModelBytes(buildModel(classifierSpec), 'cls.onnx');
    const { graph: q } = quantizeModel(full, { run: runGraph, calibration: syntheticSamples(32, 3 * 6 * 6, 1) });
    const qi = q.tensors[q.inputs[0]!]!.quant!;
    const held = syntheticSamples(4, 3 * 6 * 6, 2).samples.map((x) => [Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / qi.scale[0]!) + qi.zeroPoint[0]!)))]);
    const { reference, host } = await runBoth(q, held, 'argmax_cls_int8');
    expect(host).toEqual(reference);
    expect(q.ops.find((o) => o.kind === 'ArgMax') && q.tensors[q.outputs[0]!]!.dtype).toBe('int32');
  });

  it('ArgMax over the channels of an NCHW tensor (keepdims 1) reduces the NHWC channel axis', async () => {
    const g = await argCheck({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'ArgMax', inputs: ['c'], outputs: ['y'], attrs: { axis: ai(1) } },
      ],
      inputs: X4(2, 3, 5),
      outputs: [{ name: 'y', type: OnnxDataType.INT64 }],
      initializers: [w('w', [6, 2, 1, 1])],
    });
    const arg = g.ops.find((o) => o.kind === 'ArgMax')!;
    expect(arg).toMatchObject({ axis: 3 });
  });

  it('ArgMin on the last axis with keepdims 1, and select_last_index=1 is refused by name', async () => {
    const g = await argCheck({ nodes: [{ op: 'ArgMin', inputs: ['x'], outputs: ['y'], attrs: { axis: ai(-1) } }], inputs: [{ name: 'x', shape: [3, 7] }], outputs: [{ name: 'y', type: OnnxDataType.INT64 }] });
    expect(kinds(g)).toEqual(['ArgMin', 'Reshape']);
    const bytes = buildModel({ opset: 12, nodes: [{ op: 'ArgMax', inputs: ['x'], outputs: ['y'], attrs: { axis: ai(0), select_last_index: ai(1) } }], inputs: [{ name: 'x', shape: [4] }], outputs: [{ name: 'y', type: OnnxDataType.INT64 }] });
    const bad = await importModelBytes(bytes, 'last.onnx');
    const u = bad.ops.find((o) => o.kind === 'Unsupported');
    expect(JSON.stringify(u)).toContain('select_last_index');
  });
});

describe('shape and layout ops', () => {
  it('Concat on the channel axis of NHWC-held tensors → Concatenation on axis 3', async () => {
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1'], outputs: ['a'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'Conv', inputs: ['x', 'w2'], outputs: ['b'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]) } },
        { op: 'Concat', inputs: ['a', 'b', 'x'], outputs: ['y'], attrs: { axis: ai(1) } },
      ],
      inputs: X4(2, 4, 5),
      outputs: [{ name: 'y' }],
      initializers: [w('w1', [3, 2, 1, 1]), w('w2', [1, 2, 3, 3])],
    });
    expect(g.ops[2]).toMatchObject({ kind: 'Concatenation', axis: 3 });
  });

  it('Concat with a constant on the last axis of a 2-D tensor', async () => {
    await check({ nodes: [{ op: 'Concat', inputs: ['x', 'k'], outputs: ['y'], attrs: { axis: ai(-1) } }], inputs: [{ name: 'x', shape: [2, 3] }], outputs: [{ name: 'y' }], initializers: [w('k', [2, 2])] });
  });

  it('Transpose to NHWC then Flatten then MatMul (a relabel: no data movement)', async () => {
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'Transpose', inputs: ['c'], outputs: ['t'], attrs: { perm: aints([0, 2, 3, 1]) } },
        { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['f'] },
        { op: 'MatMul', inputs: ['f', 'm'], outputs: ['y'] },
      ],
      inputs: X4(2, 3, 2),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [4, 2, 1, 1]), i64('shape', [1, -1]), w('m', [24, 3])],
    });
    expect(kinds(g)).toEqual(['Conv2D', 'FullyConnected']);
  });

  it('Squeeze / Unsqueeze (opset 13 axes input) and Flatten → Reshape', async () => {
    const g = await check({
      nodes: [
        { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['g'] },
        { op: 'Squeeze', inputs: ['g', 'axes'], outputs: ['s'] },
        { op: 'Unsqueeze', inputs: ['s', 'ax1'], outputs: ['u'] },
        { op: 'Flatten', inputs: ['u'], outputs: ['y'], attrs: { axis: ai(2) } },
      ],
      inputs: X4(3, 4, 4),
      outputs: [{ name: 'y' }],
      initializers: [i64('axes', [2, 3]), i64('ax1', [1])],
    });
    expect(kinds(g)).toEqual(['Mean', 'Reshape']);
  });

  it('Pad with zeros (opset 13 inputs) on an NHWC-held tensor', async () => {
    const g = await check({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Pad', inputs: ['r', 'pads'], outputs: ['p'] },
        { op: 'Conv', inputs: ['p', 'w'], outputs: ['y'], attrs: { kernel_shape: aints([3, 3]) } },
      ],
      inputs: X4(2, 4, 4),
      outputs: [{ name: 'y' }],
      initializers: [i64('pads', [0, 0, 1, 2, 0, 0, 2, 1]), w('w', [2, 2, 3, 3])],
    });
    expect(g.ops.find((o) => o.kind === 'Pad')).toMatchObject({ paddings: [[0, 0], [1, 2], [2, 1], [0, 0]] });
  });

  it('Softmax over the channel axis of an NHWC-held tensor (opset 13) is a plain Softmax', async () => {
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: aints([1, 1]) } },
        { op: 'Softmax', inputs: ['c'], outputs: ['y'], attrs: { axis: ai(1) } },
      ],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [w('w', [5, 2, 1, 1])],
    });
    expect(kinds(g)).toEqual(['Conv2D', 'Softmax']);
  });

  it('Softmax opset 11 (coerced to 2-D from axis 1) over a [1, 2, 3] tensor', async () => {
    await check({ opset: 11, nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: ai(1) } }], inputs: [{ name: 'x', shape: [1, 2, 3] }], outputs: [{ name: 'y' }] });
  });

  it('ReduceMean over H,W with keepdims 0 (opset 13 attribute) and 1 (opset 18 input)', async () => {
    const a = await check({ nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: aints([2, 3]), keepdims: ai(0) } }, ], inputs: X4(3, 4, 2), outputs: [{ name: 'y' }] }, { tfjs: true });
    expect(a.ops[0]).toMatchObject({ kind: 'Mean', keepDims: false });
    await check({ opset: 18, nodes: [{ op: 'ReduceMean', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: ai(1) } }], inputs: X4(3, 4, 2), outputs: [{ name: 'y' }], initializers: [i64('axes', [-1, 2])] });
  });

  it('Resize nearest (asymmetric, floor) → ResizeNearestNeighbor; linear (half_pixel, align_corners) → ResizeBilinear', async () => {
    const nearest = await check({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Resize', inputs: ['r', '', 'scales'], outputs: ['y'], attrs: { mode: as('nearest'), coordinate_transformation_mode: as('asymmetric'), nearest_mode: as('floor') } },
      ],
      inputs: X4(2, 3, 3),
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'scales', dims: [4], data: [1, 1, 2, 2] }],
    });
    expect(kinds(nearest)).toEqual(['Relu', 'ResizeNearestNeighbor']);
    expect(nearest.ops[1]).toMatchObject({ alignCorners: false, halfPixelCenters: false });
    for (const ctm of ['half_pixel', 'align_corners']) {
      const lin = await check({
        nodes: [{ op: 'Resize', inputs: ['x', '', '', 'sizes'], outputs: ['y'], attrs: { mode: as('linear'), coordinate_transformation_mode: as(ctm) } }],
        inputs: X4(2, 3, 4),
        outputs: [{ name: 'y' }],
        initializers: [i64('sizes', [1, 2, 5, 7])],
      });
      expect(kinds(lin)).toEqual(['ResizeBilinear']);
      expect(lin.ops[0]).toMatchObject({ alignCorners: ctm === 'align_corners', halfPixelCenters: ctm === 'half_pixel' });
    }
  });

  it('ReduceSum and ReduceMax → Sum and ReduceMax over the axes of the layout the input is held in', async () => {
    const s = await check({ opset: 13, nodes: [{ op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: ai(0) } }], inputs: X4(3, 4, 2), outputs: [{ name: 'y' }], initializers: [i64('axes', [1])] });
    // No spatial op reads the input: it stays in the ONNX layout, so the axis stays 1.
    expect(s.ops[0]).toMatchObject({ kind: 'Sum', axes: [1], keepDims: false });
    const m = await check({ nodes: [{ op: 'ReduceMax', inputs: ['x'], outputs: ['y'], attrs: { axes: aints([2, 3]), keepdims: ai(1) } }], inputs: X4(3, 4, 2), outputs: [{ name: 'y' }] });
    expect(m.ops[0]).toMatchObject({ kind: 'ReduceMax', axes: [2, 3], keepDims: true });
  });

  it('MatMul of two run-time operands → BatchMatMul with broadcast batch dims', async () => {
    const g = await check({
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
      inputs: [
        { name: 'a', shape: [2, 3, 4] },
        { name: 'b', shape: [1, 4, 5] },
      ],
      outputs: [{ name: 'y' }],
    });
    expect(kinds(g)).toEqual(['BatchMatMul']);
  });
});

describe('a PyTorch-style CNN classifier', () => {
  it('conv-bn-relu ×2, max pool, global pool, flatten, linear, softmax: only NHWC-native ops, outputs agree', async () => {
    const g = await check({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]), strides: aints([2, 2]) } },
        { op: 'BatchNormalization', inputs: ['c1', 'g1', 'be1', 'm1', 'v1'], outputs: ['n1'] },
        { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
        { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: aints([2, 2]), strides: aints([2, 2]) } },
        { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: aints([3, 3]), pads: aints([1, 1, 1, 1]), group: ai(8) } },
        { op: 'BatchNormalization', inputs: ['c2', 'g2', 'be2', 'm2', 'v2'], outputs: ['n2'] },
        { op: 'Clip', inputs: ['n2', 'zero', 'six'], outputs: ['r2'] },
        { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['gp'] },
        { op: 'Flatten', inputs: ['gp'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['logits'], attrs: { transB: ai(1) } },
        { op: 'Softmax', inputs: ['logits'], outputs: ['y'], attrs: { axis: ai(1) } },
      ],
      inputs: [{ name: 'x', shape: ['N', 3, 16, 16] }],
      outputs: [{ name: 'y' }],
      initializers: [
        w('w1', [8, 3, 3, 3]),
        w('b1', [8]),
        w('g1', [8]),
        w('be1', [8]),
        w('m1', [8]),
        { name: 'v1', dims: [8], data: Array.from({ length: 8 }, (_, i) => 0.5 + i / 8) },
        w('w2', [8, 1, 3, 3]),
        w('b2', [8]),
        w('g2', [8]),
        w('be2', [8]),
        w('m2', [8]),
        { name: 'v2', dims: [8], data: Array.from({ length: 8 }, (_, i) => 1 + i / 4) },
        { name: 'zero', dims: [], data: [0] },
        { name: 'six', dims: [], data: [6] },
        w('fw', [10, 8]),
        w('fb', [10]),
      ],
    });
    // PyTorch's symmetric padding at stride 2 is not TFLite's SAME: one explicit Pad, exact.
    expect(kinds(g)).toEqual(['Pad', 'Conv2D', 'MaxPool2D', 'DepthwiseConv2D', 'Mean', 'FullyConnected', 'Softmax']);
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 16, 16, 3]);
  });
});
