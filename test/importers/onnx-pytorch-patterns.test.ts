/**
 * Architecture patterns as PyTorch exports them to ONNX, built in code with the protobuf
 * writer: a ResNet residual block, a MobileNetV2 inverted residual (ReLU6 as Clip, depthwise),
 * a MobileNetV3 hard-swish + squeeze-excite block (GlobalAveragePool → Conv → HardSigmoid →
 * Mul), a SqueezeNet fire module after a ceil_mode MaxPool, a ShuffleNet channel shuffle
 * (Reshape → Transpose → Reshape), SiLU (x·Sigmoid(x)), `x.view(x.size(0), -1)` chains
 * (Shape → Gather → Unsqueeze → Concat → Reshape) at opsets 9, 11, 13 and 17, Dropout /
 * Identity / Constant nodes, and Squeeze/Unsqueeze with axes as an input (opset 13).
 *
 * Each imports, agrees with ONNX Runtime in float (within 1e-4 of its output range, on the
 * NCHW tensors it is fed), and quantizes: the int8 graph's generated C on the host equals the
 * int8 reference interpreter byte for byte, and its dequantized output stays within a few
 * output steps of the float graph (test/ops/quantize-check.ts).
 */
import { describe, expect, it } from 'vitest';
import { importModelBytes } from '../../src/importers/index.js';
import { OnnxAttributeType, OnnxDataType } from '../../src/importers/onnx-schema.js';
import { elementCount, type Graph } from '../../src/ir/graph.js';
import { quantizeFloatGraph } from '../ops/quantize-check.js';
import { af, ai, aints, buildModel, ortRun, referenceRun, relErr, seeded, type Attr, type ModelSpec, type NodeSpec, type TensorInit } from './onnx-fixtures.js';

let seedN = 1000;
const w = (name: string, dims: number[], a = 0.5): TensorInit => ({ name, dims, data: seeded(elementCount(dims), seedN++, a) });
const i64 = (name: string, data: number[], dims = [data.length]): TensorInit => ({ name, dims, data, type: OnnxDataType.INT64 });
const tensorAttr = (t: TensorInit): Attr => ({ type: OnnxAttributeType.TENSOR, value: t });
const bn = (p: string, c: number): TensorInit[] => [w(`${p}_g`, [c], 1), w(`${p}_b`, [c], 0.3), w(`${p}_m`, [c], 0.2), { name: `${p}_v`, dims: [c], data: Array.from({ length: c }, (_, i) => 0.5 + (i % 5) / 4) }];
const bnNode = (x: string, p: string, y: string): NodeSpec => ({ op: 'BatchNormalization', inputs: [x, `${p}_g`, `${p}_b`, `${p}_m`, `${p}_v`], outputs: [y] });
const conv = (x: string, wt: string, y: string, k: number, extra: Record<string, Attr> = {}, bias?: string): NodeSpec => ({
  op: 'Conv',
  inputs: bias ? [x, wt, bias] : [x, wt],
  outputs: [y],
  attrs: { kernel_shape: aints([k, k]), ...(k > 1 ? { pads: aints([1, 1, 1, 1]) } : {}), ...extra },
});

/** Float vs ONNX Runtime on two seeded NCHW inputs, then int8: host C == reference, close to float. */
async function pattern(name: string, spec: ModelSpec, opts: { rangeFraction?: number } = {}): Promise<Graph> {
  const bytes = buildModel(spec);
  const g = await importModelBytes(bytes, `${name}.onnx`);
  const bad = g.ops.filter((o) => o.kind === 'Unsupported');
  expect(bad.map((o) => `${o.name}: ${o.kind === 'Unsupported' ? o.reason : ''}`), name).toEqual([]);
  const dims = spec.inputs[0]!.shape.map((d) => (typeof d === 'number' ? d : 1));
  for (const seed of [1, 2]) {
    const x = seeded(elementCount(dims), seed * 17, 2);
    const want = await ortRun(bytes, { [spec.inputs[0]!.name]: { data: x, dims } });
    const got = referenceRun(g, [x]);
    want.forEach((wv, k) => expect(relErr(got[k]!, wv), `${name} output ${k}, seed ${seed}`).toBeLessThanOrEqual(1e-4));
  }
  // quantizeFloatGraph throws unless host C == int8 reference. The float error is a sanity
  // bound, not a fidelity figure (seeded random weights, 32 calibration samples): a wrong
  // layout or operand order errs by about the whole output range.
  const q = await quantizeFloatGraph(g);
  expect(q.maxAbsError / (255 * q.outputScale), `${name}: int8 error as a fraction of the output range`).toBeLessThanOrEqual(opts.rangeFraction ?? 0.1);
  return g;
}

const kinds = (g: Graph) => g.ops.map((o) => o.kind);

describe('PyTorch architecture patterns: ONNX Runtime in float, host C == reference in int8', () => {
  it('ResNet basic block: conv-bn-relu-conv-bn + identity, relu', async () => {
    const g = await pattern('resnet_block', {
      nodes: [conv('x', 'w1', 'c1', 3), bnNode('c1', 'bn1', 'n1'), { op: 'Relu', inputs: ['n1'], outputs: ['r1'] }, conv('r1', 'w2', 'c2', 3), bnNode('c2', 'bn2', 'n2'), { op: 'Add', inputs: ['n2', 'x'], outputs: ['s'] }, { op: 'Relu', inputs: ['s'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 8, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w1', [8, 8, 3, 3], 0.3), ...bn('bn1', 8), w('w2', [8, 8, 3, 3], 0.3), ...bn('bn2', 8)],
    });
    // BatchNorm folded, ReLUs fused: no Mul/Add for BN, only the residual Add.
    expect(kinds(g)).toEqual(['Transpose', 'Conv2D', 'Conv2D', 'Add', 'Transpose']);
  }, 120_000);

  it('MobileNetV2 inverted residual: expand 1x1, ReLU6 (Clip, opset 11 inputs), depthwise 3x3, project 1x1, residual', async () => {
    const g = await pattern('mbv2_block', {
      nodes: [
        conv('x', 'we', 'e', 1),
        bnNode('e', 'bn1', 'en'),
        { op: 'Clip', inputs: ['en', 'zero', 'six'], outputs: ['e6'] },
        conv('e6', 'wd', 'd', 3, { group: ai(24) }),
        bnNode('d', 'bn2', 'dn'),
        { op: 'Clip', inputs: ['dn', 'zero', 'six'], outputs: ['d6'] },
        conv('d6', 'wp', 'p', 1),
        bnNode('p', 'bn3', 'pn'),
        { op: 'Add', inputs: ['x', 'pn'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 8, 7, 7] }],
      outputs: [{ name: 'y' }],
      initializers: [w('we', [24, 8, 1, 1]), ...bn('bn1', 24), w('wd', [24, 1, 3, 3]), ...bn('bn2', 24), w('wp', [8, 24, 1, 1], 0.3), ...bn('bn3', 8), { name: 'zero', dims: [], data: [0] }, { name: 'six', dims: [], data: [6] }],
      opset: 11,
    });
    expect(kinds(g).filter((k) => k !== 'Transpose')).toEqual(['Conv2D', 'DepthwiseConv2D', 'Conv2D', 'Add']);
    expect(g.ops.filter((o) => 'activation' in o && o.activation === 'relu6').length).toBe(2);
  }, 120_000);

  it('MobileNetV3 block: conv + HardSwish, squeeze-excite (GlobalAveragePool → Conv → Relu → Conv → HardSigmoid → Mul)', async () => {
    const g = await pattern('mbv3_se', {
      nodes: [
        conv('x', 'w0', 'c0', 3, {}, 'b0'),
        { op: 'HardSwish', inputs: ['c0'], outputs: ['h'] },
        { op: 'GlobalAveragePool', inputs: ['h'], outputs: ['gp'] },
        conv('gp', 'ws1', 's1', 1, {}, 'bs1'),
        { op: 'Relu', inputs: ['s1'], outputs: ['s1r'] },
        conv('s1r', 'ws2', 's2', 1, {}, 'bs2'),
        { op: 'HardSigmoid', inputs: ['s2'], outputs: ['hs'], attrs: { alpha: af(1 / 6), beta: af(0.5) } },
        { op: 'Mul', inputs: ['h', 'hs'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 4, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [16, 4, 3, 3]), w('b0', [16], 0.2), w('ws1', [4, 16, 1, 1]), w('bs1', [4], 0.2), w('ws2', [16, 4, 1, 1]), w('bs2', [16], 0.2)],
      opset: 14,
    });
    expect(kinds(g)).toEqual(expect.arrayContaining(['HardSwish', 'Mean', 'Mul']));
  }, 120_000);

  it('SqueezeNet fire module after MaxPool(3, 2, ceil_mode=1): squeeze 1x1, expand 1x1 and 3x3, channel Concat', async () => {
    const g = await pattern('fire', {
      nodes: [
        conv('x', 'w0', 'c0', 3, {}, 'b0'),
        { op: 'Relu', inputs: ['c0'], outputs: ['r0'] },
        { op: 'MaxPool', inputs: ['r0'], outputs: ['p'], attrs: { kernel_shape: aints([3, 3]), strides: aints([2, 2]), ceil_mode: ai(1) } },
        conv('p', 'wsq', 'sq', 1, {}, 'bsq'),
        { op: 'Relu', inputs: ['sq'], outputs: ['sqr'] },
        conv('sqr', 'we1', 'e1', 1, {}, 'be1'),
        { op: 'Relu', inputs: ['e1'], outputs: ['e1r'] },
        conv('sqr', 'we3', 'e3', 3, {}, 'be3'),
        { op: 'Relu', inputs: ['e3'], outputs: ['e3r'] },
        { op: 'Concat', inputs: ['e1r', 'e3r'], outputs: ['y'], attrs: { axis: ai(1) } },
      ],
      inputs: [{ name: 'x', shape: [1, 3, 10, 10] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [8, 3, 3, 3]), w('b0', [8], 0.2), w('wsq', [4, 8, 1, 1]), w('bsq', [4], 0.1), w('we1', [6, 4, 1, 1]), w('be1', [6], 0.1), w('we3', [6, 4, 3, 3]), w('be3', [6], 0.1)],
    });
    // 10 → ceil((10 − 3) / 2) + 1 = 5 (floor would give 4).
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 12, 5, 5]);
    expect(g.ops.find((o) => o.kind === 'Concatenation')).toMatchObject({ axis: 3 });
  }, 120_000);

  it('ShuffleNet channel shuffle: Reshape [N, g, C/g, H, W] → Transpose(0, 2, 1, 3, 4) → Reshape [N, C, H, W] is one NHWC transpose', async () => {
    const g = await pattern('shuffle', {
      nodes: [
        conv('x', 'w0', 'c0', 1, {}, 'b0'),
        { op: 'Reshape', inputs: ['c0', 's5'], outputs: ['r5'] },
        { op: 'Transpose', inputs: ['r5'], outputs: ['t5'], attrs: { perm: aints([0, 2, 1, 3, 4]) } },
        { op: 'Reshape', inputs: ['t5', 's4'], outputs: ['sh'] },
        conv('sh', 'w1', 'y', 1, {}, 'b1'),
      ],
      inputs: [{ name: 'x', shape: [1, 4, 5, 3] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [8, 4, 1, 1]), w('b0', [8], 0.2), i64('s5', [1, 2, 4, 5, 3]), i64('s4', [1, 8, 5, 3]), w('w1', [6, 8, 1, 1]), w('b1', [6], 0.2)],
    });
    // In NHWC the shuffle swaps the two factors of the channel axis: [H, W, 2, 4] → [H, W, 4, 2].
    const body = g.ops.filter((o) => o.kind === 'Transpose').slice(1, -1);
    expect(body.length).toBe(1);
    expect(g.tensors[body[0]!.inputs[0]!]!.shape).toEqual([5, 3, 2, 4]);
    expect(body[0]).toMatchObject({ perm: [0, 1, 3, 2] });
  }, 120_000);

  it('SiLU: x · Sigmoid(x) after a conv', async () => {
    const g = await pattern('silu', {
      nodes: [conv('x', 'w0', 'c0', 3, {}, 'b0'), { op: 'Sigmoid', inputs: ['c0'], outputs: ['s'] }, { op: 'Mul', inputs: ['c0', 's'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1, 3, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [6, 3, 3, 3]), w('b0', [6], 0.2)],
    });
    expect(kinds(g).filter((k) => k !== 'Transpose')).toEqual(['Conv2D', 'Logistic', 'Mul']);
  }, 120_000);

  for (const opset of [9, 11, 13, 17]) {
    it(`x.view(x.size(0), -1) → Linear at opset ${opset}: Shape → Gather → Unsqueeze → Concat → Reshape folds to a constant shape`, async () => {
      const unsq = (x: string, y: string): NodeSpec => (opset >= 13 ? { op: 'Unsqueeze', inputs: [x, 'ax0'], outputs: [y] } : { op: 'Unsqueeze', inputs: [x], outputs: [y], attrs: { axes: aints([0]) } });
      const g = await pattern(`view_${opset}`, {
        nodes: [
          conv('x', 'w0', 'c0', 3, {}, 'b0'),
          { op: 'Relu', inputs: ['c0'], outputs: ['r'] },
          { op: 'Shape', inputs: ['r'], outputs: ['shp'] },
          { op: 'Constant', inputs: [], outputs: ['idx0'], attrs: { value: tensorAttr(i64('idx0', [0], [])) } },
          { op: 'Gather', inputs: ['shp', 'idx0'], outputs: ['n'], attrs: { axis: ai(0) } },
          unsq('n', 'n1'),
          { op: 'Constant', inputs: [], outputs: ['minus1'], attrs: { value: tensorAttr(i64('minus1', [-1])) } },
          { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['newshape'], attrs: { axis: ai(0) } },
          { op: 'Reshape', inputs: ['r', 'newshape'], outputs: ['f'] },
          { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['y'], attrs: { transB: ai(1) } },
        ],
        inputs: [{ name: 'x', shape: ['batch', 3, 5, 4] }],
        outputs: [{ name: 'y' }],
        initializers: [w('w0', [4, 3, 3, 3]), w('b0', [4], 0.2), w('fw', [7, 80], 0.2), w('fb', [7], 0.2), ...(opset >= 13 ? [i64('ax0', [0])] : [])],
        opset,
      });
      // The flatten of the NHWC-held tensor costs nothing: the FC's weight columns are permuted.
      expect(kinds(g)).toEqual(['Transpose', 'Conv2D', 'FullyConnected']);
    }, 120_000);
  }

  it('Dropout (opset 12 ratio input), Identity and Constant nodes vanish; the constant Add folds', async () => {
    const g = await pattern('dropout_identity', {
      nodes: [
        conv('x', 'w0', 'c0', 3, {}, 'b0'),
        { op: 'Dropout', inputs: ['c0', 'ratio'], outputs: ['d'] },
        { op: 'Identity', inputs: ['d'], outputs: ['i'] },
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: tensorAttr({ name: 'k', dims: [1, 5, 1, 1], data: [0.1, -0.2, 0.3, 0.4, -0.5] }) } },
        { op: 'Add', inputs: ['i', 'k'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [5, 2, 3, 3]), w('b0', [5], 0.2), { name: 'ratio', dims: [], data: [0.3] }],
      opset: 12,
    });
    // The constant Add folds into the conv's bias and the ReLU fuses: one layer.
    expect(kinds(g).filter((k) => k !== 'Transpose')).toEqual(['Conv2D']);
    expect(g.ops.find((o) => o.kind === 'Conv2D')).toMatchObject({ activation: 'relu' });
  }, 120_000);

  it('Squeeze / Unsqueeze with axes as an input (opset 13): GlobalAveragePool → Squeeze → Gemm → Unsqueeze', async () => {
    await pattern('squeeze13', {
      nodes: [
        conv('x', 'w0', 'c0', 3, {}, 'b0'),
        { op: 'Relu', inputs: ['c0'], outputs: ['r'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['gp'] },
        { op: 'Squeeze', inputs: ['gp', 'ax23'], outputs: ['sq'] },
        { op: 'Gemm', inputs: ['sq', 'fw', 'fb'], outputs: ['fc'], attrs: { transB: ai(1) } },
        { op: 'Unsqueeze', inputs: ['fc', 'ax2'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 3, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: [w('w0', [6, 3, 3, 3]), w('b0', [6], 0.2), w('fw', [4, 6]), w('fb', [4], 0.2), i64('ax23', [2, 3]), i64('ax2', [2])],
      opset: 13,
    });
  }, 120_000);
});
