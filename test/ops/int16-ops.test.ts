/**
 * The 16x8 (int16 activations, int8 weights, int64 bias) paths of the registry's ops through the
 * single-op harness: a .tflite written by our writer and read back, seeded random inputs over
 * the whole int16 range, reference interpreter = host C byte for byte (enforced by checkOp),
 * and TFLite (tfjs-tflite) where its build runs the op. Small cases computed by hand from TFLM's
 * int16 kernels catch a kernel that is wrong the same way in TypeScript and C.
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/importers/index.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { mbqm64 } from '../../src/numerics/requantize.js';
import { opDef } from '../../src/ops/registry.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { silentLogger } from '../../src/log.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { mulberry32 } from '../../src/rng.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { buildGraph, checkOp, HAVE_TFLITE, runTflite, type OpSpec, type TensorSpec } from './harness.js';

const rand = mulberry32(7);
const int8s = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 255) - 127);
const int64s = (n: number, range: number) => Array.from({ length: n }, () => Math.floor((rand() * 2 - 1) * range));
const perChannel = (scales: number[], axis: number) => ({ scale: scales, zeroPoint: scales.map(() => 0), axis });

/** Runs a one-op spec through the reference only (hand-computed cases). */
function runSpec(spec: OpSpec, inputs: TensorData[]): TensorData[] {
  return runGraph(buildGraph(spec), inputs);
}

/** TFLite's largest difference, or undefined when its build does not run the op. */
function tfliteDiff(r: { tfliteMaxDiff?: number[] }): number | undefined {
  return HAVE_TFLITE ? r.tfliteMaxDiff?.[0] : undefined;
}

describe('mbqm64 (TFLite MultiplyByQuantizedMultiplier for int64)', () => {
  it('reduces the multiplier to Q15, rounds once, truncates to int32', () => {
    // multiplier 0x40000000 (0.5) → reduced 16384; shift -1: x·16384 + 2^15 >> 16 = round(x / 4).
    expect(mbqm64(10, 0x40000000, -1)).toBe(3); // 2.5 rounds up
    expect(mbqm64(-10, 0x40000000, -1)).toBe(-2); // -2.5 + 0.5 floors to -2
    expect(mbqm64(2 ** 40, 0x40000000, -1)).toBe(2 ** 38 | 0); // beyond int32: wraps like C
    // multiplier ≥ 0x7FFF0000 saturates at 0x7FFF; a product beyond 2^53 takes the exact path.
    expect(mbqm64(2 ** 46 + 1, 0x7fffffff, 0)).toBe(Number(BigInt.asIntN(32, ((2n ** 46n + 1n) * 0x7fffn + (1n << 14n)) >> 15n)));
  });
});

describe('16x8 ops: reference = host C, TFLite where it runs', () => {
  it('Conv2D, int64 bias: hand-computed 1x1 case, then random SAME/strided/dilated cases', async () => {
    const spec = (h: number, w: number, c: number, k: number, oc: number, o: Partial<OpSpec['op']>, bias: 'int64' | 'int32' | 'none'): OpSpec => {
      const tensors: TensorSpec[] = [
        { shape: [1, h, w, c], dtype: 'int16', q: [0.00091, 0] },
        { shape: [oc, k, k, c], dtype: 'int8', q: perChannel(Array.from({ length: oc }, (_, i) => 0.004 + 0.001 * i), 0), data: int8s(oc * k * k * c) },
      ];
      const inputs = [0, 1];
      if (bias !== 'none') {
        tensors.push({ shape: [oc], dtype: bias, q: perChannel(Array.from({ length: oc }, (_, i) => 0.00091 * (0.004 + 0.001 * i)), 0), data: int64s(oc, 40000) });
        inputs.push(2);
      }
      const op = { kind: 'Conv2D' as const, inputs, outputs: [tensors.length], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same' as const, activation: 'none' as const, ...o };
      const g = buildGraph({ name: 'probe', tensors: [...tensors, { shape: [1, 1, 1, oc], dtype: 'int16', q: [0.0021, 0] }], op: op as never });
      const outShape = opDef(g.ops[0]!).inferShapes(g, g.ops[0]! as never)[0]!;
      return { name: `conv16_${bias}`, tensors: [...tensors, { shape: outShape, dtype: 'int16', q: [0.0021, 0] }], op: op as never };
    };
    // By hand: one pixel, one channel, filter 3 (scale 0.5), input scale 1, output scale 1, bias 7:
    // acc = 3·1000 + 7 = 3007; multiplier 0.5 → Q31 2^30, shift 0 → reduced 2^14, (3007·2^14 + 2^14) >> 15 = 1504.
    const hand: OpSpec = {
      name: 'conv16_hand',
      tensors: [
        { shape: [1, 1, 1, 1], dtype: 'int16', q: [1, 0] },
        { shape: [1, 1, 1, 1], dtype: 'int8', q: perChannel([0.5], 0), data: [3] },
        { shape: [1], dtype: 'int64', q: perChannel([0.5], 0), data: [7] },
        { shape: [1, 1, 1, 1], dtype: 'int16', q: [1, 0] },
      ],
      op: { kind: 'Conv2D', inputs: [0, 1, 2], outputs: [3], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'valid', activation: 'none' },
    };
    expect(Array.from(runSpec(hand, [Int16Array.of(1000)])[0]!)).toEqual([1504]);
    expect(Array.from(runSpec(hand, [Int16Array.of(-1000)])[0]!)).toEqual([-1496]); // (-2993·2^14 + 2^14) >> 15 = floor(-1496.0)

    for (const [s, bias] of [
      [spec(6, 7, 3, 3, 4, {}, 'int64'), 'int64'],
      [spec(7, 9, 4, 3, 5, { strideH: 2, strideW: 2, padding: 'valid' }, 'int32'), 'int32'],
      [spec(8, 8, 2, 2, 3, { dilationH: 2, dilationW: 2, activation: 'relu' }, 'none'), 'none'],
    ] as const) {
      // TFLite's CONV_2D refuses a 16x8 convolution without bias (conv.cc: has_bias): that case is
      // checked against the host C only.
      const r = await checkOp(s, { samples: 6, seed: 3, tflite: bias !== 'none' });
      // TFLite's reference int16 conv (XNNPACK does not take int16) picks the accumulator by the
      // bias type as TFLM does: identical for int64 and int32 biases.
      const d = tfliteDiff(r);
      if (d !== undefined) expect(d, `conv ${bias}`).toBe(0);
    }
  }, 300_000);

  it('DepthwiseConv2D, depth multiplier 2, int64 bias', async () => {
    const r = await checkOp(
      {
        name: 'dw16',
        tensors: [
          { shape: [1, 5, 6, 3], dtype: 'int16', q: [0.0012, 0] },
          { shape: [1, 3, 3, 6], dtype: 'int8', q: perChannel([0.01, 0.02, 0.015, 0.011, 0.009, 0.03], 3), data: int8s(54) },
          { shape: [6], dtype: 'int64', q: perChannel([0.01, 0.02, 0.015, 0.011, 0.009, 0.03].map((s) => s * 0.0012), 0), data: int64s(6, 20000) },
          { shape: [1, 3, 3, 6], dtype: 'int16', q: [0.0019, 0] },
        ],
        op: { kind: 'DepthwiseConv2D', inputs: [0, 1, 2], outputs: [3], strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, depthMultiplier: 2, padding: 'same', activation: 'none' },
      },
      { samples: 6, seed: 4 },
    );
    const d = tfliteDiff(r);
    if (d !== undefined) expect(d).toBe(0);
  }, 120_000);

  it('FullyConnected, per-tensor weights, int64 bias; per-channel weights are refused', async () => {
    const base: OpSpec = {
      name: 'fc16',
      tensors: [
        { shape: [2, 20], dtype: 'int16', q: [0.0007, 0] },
        { shape: [7, 20], dtype: 'int8', q: [0.013, 0], data: int8s(140) },
        { shape: [7], dtype: 'int64', q: [0.013 * 0.0007, 0], data: int64s(7, 100000) },
        { shape: [2, 7], dtype: 'int16', q: [0.0031, 0] },
      ],
      op: { kind: 'FullyConnected', inputs: [0, 1, 2], outputs: [3], activation: 'relu6', keepNumDims: false },
    };
    const r = await checkOp(base, { samples: 6, seed: 5 });
    const d = tfliteDiff(r);
    if (d !== undefined) expect(d).toBe(0);
    const pc = { ...base, tensors: base.tensors.map((t, i) => (i === 1 ? { ...t, q: perChannel(Array.from({ length: 7 }, () => 0.013), 0) } : t)) };
    const g = buildGraph(pc);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/per-tensor weights only/);
  }, 120_000);

  it('Add with broadcasting (general scales, left shift 15), by hand and random', async () => {
    const add: OpSpec = {
      name: 'add16',
      tensors: [
        { shape: [1, 3, 4, 5], dtype: 'int16', q: [0.00059, 0] },
        { shape: [1, 1, 4, 1], dtype: 'int16', q: [0.00081, 0] },
        { shape: [1, 3, 4, 5], dtype: 'int16', q: [0.0011, 0] },
      ],
      op: { kind: 'Add', inputs: [0, 1], outputs: [2], activation: 'none' },
    };
    const r = await checkOp(add, { samples: 8, seed: 6 });
    const d = tfliteDiff(r);
    if (d !== undefined) expect(d).toBe(0);
    // By hand, equal scales 1/1024 in and 1/512 out: real 1000/1024 + 2000/1024 → 3000/1024 → q 1500.
    const hand: OpSpec = {
      name: 'add16_hand',
      tensors: [
        { shape: [1], dtype: 'int16', q: [1 / 1024, 0] },
        { shape: [1], dtype: 'int16', q: [1 / 1024, 0] },
        { shape: [1], dtype: 'int16', q: [1 / 512, 0] },
      ],
      op: { kind: 'Add', inputs: [0, 1], outputs: [2], activation: 'none' },
    };
    expect(Array.from(runSpec(hand, [Int16Array.of(1000), Int16Array.of(2000)])[0]!)).toEqual([1500]);
    expect(Array.from(runSpec(hand, [Int16Array.of(32767), Int16Array.of(32767)])[0]!)).toEqual([32767]);
  }, 120_000);

  it('Mul with broadcasting; int16 zero points other than 0 are refused', async () => {
    const mul: OpSpec = {
      name: 'mul16',
      tensors: [
        { shape: [2, 3, 4], dtype: 'int16', q: [0.0004, 0] },
        { shape: [3, 1], dtype: 'int16', q: [0.0009, 0] },
        { shape: [2, 3, 4], dtype: 'int16', q: [0.00002, 0] },
      ],
      op: { kind: 'Mul', inputs: [0, 1], outputs: [2], activation: 'none' },
    };
    const r = await checkOp(mul, { samples: 8, seed: 8 });
    const d = tfliteDiff(r);
    if (d !== undefined) expect(d).toBe(0);
    const bad = buildGraph({ ...mul, tensors: mul.tensors.map((t, i) => (i === 1 ? { ...t, q: [0.0009, 3] as [number, number] } : t)) });
    expect(() => opDef(bad.ops[0]!).prepare(bad, bad.ops[0]!)).toThrow(/zero point 3/);
  }, 120_000);

  it('Pad, Reshape and Concatenation move int16 values unchanged', async () => {
    const pad = await checkOp({
      name: 'pad16',
      tensors: [
        { shape: [1, 2, 3, 2], dtype: 'int16', q: [0.001, 0] },
        { shape: [4, 2], dtype: 'int32', data: [0, 0, 1, 1, 0, 1, 1, 0] },
        { shape: [1, 4, 4, 3], dtype: 'int16', q: [0.001, 0] },
      ],
      op: { kind: 'Pad', inputs: [0, 1], outputs: [2], paddings: [[0, 0], [1, 1], [0, 1], [1, 0]] },
    });
    const x = pad.inputs[0]![0] as Int16Array;
    const y = pad.reference[0]![0] as Int16Array;
    expect(y[0]).toBe(0);
    expect(y[(1 * 4 + 0) * 3 + 1]).toBe(x[0]); // row 1, col 0, channel 1 ← input (0,0,0)
    if (HAVE_TFLITE) expect(pad.tfliteMaxDiff).toEqual([0]);

    const reshape = await checkOp({
      name: 'reshape16',
      tensors: [
        { shape: [1, 6, 4], dtype: 'int16', q: [0.001, 0] },
        { shape: [1, 24], dtype: 'int16', q: [0.001, 0] },
      ],
      op: { kind: 'Reshape', inputs: [0], outputs: [1], newShape: [1, 24] },
    });
    expect(Array.from(reshape.reference[0]![0]!)).toEqual(Array.from(reshape.inputs[0]![0]!));

    const concat = await checkOp({
      name: 'concat16',
      tensors: [
        { shape: [2, 3, 2], dtype: 'int16', q: [0.002, 0] },
        { shape: [2, 3, 5], dtype: 'int16', q: [0.002, 0] },
        { shape: [2, 3, 7], dtype: 'int16', q: [0.002, 0] },
      ],
      op: { kind: 'Concatenation', inputs: [0, 1], outputs: [2], axis: 2, activation: 'none' },
    });
    const a = concat.inputs[0]![0]!;
    const b = concat.inputs[0]![1]!;
    const out = concat.reference[0]![0]!;
    expect(Array.from(out.slice(0, 7))).toEqual([...Array.from(a.slice(0, 2)), ...Array.from(b.slice(0, 5))]);
    if (HAVE_TFLITE) expect(concat.tfliteMaxDiff).toEqual([0]);
    const mixed = buildGraph({
      name: 'concat16_mixed',
      tensors: [
        { shape: [1, 2], dtype: 'int16', q: [0.002, 0] },
        { shape: [1, 2], dtype: 'int16', q: [0.003, 0] },
        { shape: [1, 4], dtype: 'int16', q: [0.002, 0] },
      ],
      op: { kind: 'Concatenation', inputs: [0, 1], outputs: [2], axis: 1, activation: 'none' },
    });
    expect(() => opDef(mixed.ops[0]!).prepare(mixed, mixed.ops[0]!)).toThrow(/only copies/);
  }, 180_000);

  it('AveragePool2D and MaxPool2D', async () => {
    for (const kind of ['AveragePool2D', 'MaxPool2D'] as const) {
      const r = await checkOp({
        name: `pool16_${kind}`,
        tensors: [
          { shape: [1, 7, 6, 3], dtype: 'int16', q: [0.0013, 0] },
          { shape: [1, 4, 3, 3], dtype: 'int16', q: [0.0013, 0] },
        ],
        op: { kind, inputs: [0], outputs: [1], filterH: 3, filterW: 3, strideH: 2, strideW: 2, padding: 'same', activation: 'none' },
      });
      const d = tfliteDiff(r);
      if (d !== undefined) expect(d, kind).toBe(0);
    }
    // By hand: a 2x2 average of 1, 2, 2, 2 = 7/4 rounds half away to 2; of -1, -2, -2, -2 to -2.
    const avg: OpSpec = {
      name: 'avg16_hand',
      tensors: [
        { shape: [1, 2, 2, 1], dtype: 'int16', q: [1, 0] },
        { shape: [1, 1, 1, 1], dtype: 'int16', q: [1, 0] },
      ],
      op: { kind: 'AveragePool2D', inputs: [0], outputs: [1], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'valid', activation: 'none' },
    };
    expect(Array.from(runSpec(avg, [Int16Array.of(1, 2, 2, 2)])[0]!)).toEqual([2]);
    expect(Array.from(runSpec(avg, [Int16Array.of(-1, -2, -2, -2)])[0]!)).toEqual([-2]);
  }, 180_000);

  it('Mean over H,W with the same and with different parameters', async () => {
    for (const [outScale, name] of [
      [0.0013, 'same'],
      [0.0009, 'rescaled'],
    ] as const) {
      const r = await checkOp({
        name: `mean16_${name}`,
        tensors: [
          { shape: [1, 5, 4, 3], dtype: 'int16', q: [0.0013, 0] },
          { shape: [2], dtype: 'int32', data: [1, 2] },
          { shape: [1, 1, 1, 3], dtype: 'int16', q: [outScale, 0] },
        ],
        op: { kind: 'Mean', inputs: [0, 1], outputs: [2], axes: [1, 2], keepDims: true },
      });
      const d = tfliteDiff(r);
      if (d !== undefined) expect(d, name).toBe(0);
    }
  }, 180_000);

  it('Quantize float → int16 and between int8, int16 and int32', async () => {
    // float → int16 only ever runs at a model's float input, which the generated C leaves to
    // its caller (stripped, src/codegen/prepare.ts): reference against the definition and TFLite.
    const f2i: OpSpec = {
      name: 'q_f32_i16',
      tensors: [
        { shape: [1, 40], dtype: 'float32' },
        { shape: [1, 40], dtype: 'int16', q: [0.0002, 0] },
      ],
      op: { kind: 'Quantize', inputs: [0], outputs: [1] },
    };
    const xs = Array.from({ length: 3 }, () => Float32Array.from({ length: 40 }, () => (rand() * 2 - 1) * 8));
    xs[0]![0] = 0.0001; // a tie: 0.5 rounds away from zero
    xs[0]![1] = -0.0003; // -1.5 → -2
    const ref = xs.map((x) => runSpec(f2i, [x])[0] as Int16Array);
    expect(ref[0]![0]).toBe(1);
    expect(ref[0]![1]).toBe(-2);
    xs.forEach((x, s) => x.forEach((v, i) => expect(ref[s]![i]).toBe(Math.max(-32768, Math.min(32767, Math.sign(v) * Math.round(Math.abs(Math.fround(v / Math.fround(0.0002)))))))));
    if (HAVE_TFLITE) {
      const tf = await runTflite(writeTflite(buildGraph(f2i)), xs.map((x) => [x]));
      tf.forEach((outs, s) => expect(outs[0]).toEqual(Array.from(ref[s]!)));
    }
    for (const [a, b, sa, sb, za, zb] of [
      ['int16', 'int8', 0.0004, 0.05, 0, -3],
      ['int8', 'int16', 0.05, 0.0004, 4, 0],
      ['int16', 'int16', 0.0004, 0.0011, 0, 0],
      ['int16', 'int32', 0.0004, 1.5e-7, 0, 0],
      ['int32', 'int16', 1.5e-7, 0.0004, 0, 0],
      ['int8', 'int32', 0.05, 0.0001, 2, 0],
      ['int32', 'int8', 0.0001, 0.05, 0, 1],
    ] as const) {
      // tfjs-tflite's TFLite build refuses int8 → int16 and int8 → int32 (quantize.cc: output
      // must be int8/uint8 for an int8 input); TFLM runs them, so they are checked on host C only.
      const runsOnTflite = a !== 'int8';
      const r = await checkOp(
        {
          name: `q_${a}_${b}`,
          tensors: [
            { shape: [3, 17], dtype: a, q: [sa, za] },
            { shape: [3, 17], dtype: b, q: [sb, zb] },
          ],
          op: { kind: 'Quantize', inputs: [0], outputs: [1] },
        },
        { tflite: runsOnTflite },
      );
      // By hand for every element of sample 0: (x - zp_in) · s_in/s_out + zp_out, clamped (float32 scales).
      const [lo, hi] = b === 'int8' ? [-128, 127] : b === 'int16' ? [-32768, 32767] : [-(2 ** 31), 2 ** 31 - 1];
      r.inputs[0]![0]!.forEach((x, i) => {
        const want = Math.max(lo, Math.min(hi, Math.round((x - za) * (Math.fround(sa) / Math.fround(sb))) + zb));
        expect(Math.abs(r.reference[0]![0]![i]! - want), `${a}→${b}`).toBeLessThanOrEqual(1);
      });
      const d = runsOnTflite ? tfliteDiff(r) : undefined;
      if (d !== undefined) expect(d, `${a}→${b}`).toBe(0);
    }
    const bad = buildGraph({
      name: 'q_i32_i32',
      tensors: [
        { shape: [4], dtype: 'int32', q: [0.1, 0] },
        { shape: [4], dtype: 'int32', q: [0.2, 0] },
      ],
      op: { kind: 'Quantize', inputs: [0], outputs: [1] },
    });
    expect(() => opDef(bad.ops[0]!).prepare(bad, bad.ops[0]!)).toThrow(/int32 → int32 is not a requantization/);
  }, 300_000);

  it('Softmax int16: tables, hand case, random rows', async () => {
    const r = await checkOp(
      {
        name: 'softmax16',
        tensors: [
          { shape: [3, 10], dtype: 'int16', q: [0.0005, 0] },
          { shape: [3, 10], dtype: 'int16', q: [1 / 32768, 0] },
        ],
        op: { kind: 'Softmax', inputs: [0], outputs: [1], beta: 1 },
      },
      { samples: 6 },
    );
    // Each row sums to ~1 (32768) and follows the float softmax within the tables' precision.
    for (const [s, x] of r.inputs.entries()) {
      const y = r.reference[s]![0]!;
      for (let row = 0; row < 3; row++) {
        const xs = Array.from(x[0]!.slice(row * 10, row * 10 + 10), (v) => v * 0.0005);
        const m = Math.max(...xs);
        const e = xs.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, b) => a + b, 0);
        e.forEach((v, i) => expect(Math.abs(y[row * 10 + i]! / 32768 - v / sum)).toBeLessThan(2e-3));
      }
    }
    // TFLite builds the same two LUTPopulate tables: identical.
    const d = tfliteDiff(r);
    if (d !== undefined) expect(d).toBe(0);
    // By hand: two equal inputs → exp(0) = lut[511] + slope·127 in both; each output is 1/2.
    const eq: OpSpec = {
      name: 'softmax16_hand',
      tensors: [
        { shape: [1, 2], dtype: 'int16', q: [0.001, 0] },
        { shape: [1, 2], dtype: 'int16', q: [1 / 32768, 0] },
      ],
      op: { kind: 'Softmax', inputs: [0], outputs: [1], beta: 1 },
    };
    const half = Array.from(runSpec(eq, [Int16Array.of(123, 123)])[0]!);
    expect(half[0]).toBe(half[1]);
    expect(Math.abs(half[0]! - 16384)).toBeLessThanOrEqual(2);
  }, 120_000);

  it('Logistic and Tanh int16 (general and power-of-two input scales)', async () => {
    for (const kind of ['Logistic', 'Tanh'] as const) {
      for (const inScale of [0.00037, 2 ** -12]) {
        const r = await checkOp({
          name: `${kind}16_${inScale}`,
          tensors: [
            { shape: [4, 33], dtype: 'int16', q: [inScale, 0] },
            { shape: [4, 33], dtype: 'int16', q: [1 / 32768, 0] },
          ],
          op: { kind, inputs: [0], outputs: [1] },
        });
        // Within the table's precision of the real function.
        const x = r.inputs[0]![0]!;
        const y = r.reference[0]![0]!;
        x.forEach((v, i) => {
          const real = v * inScale;
          const f = kind === 'Logistic' ? 1 / (1 + Math.exp(-real)) : Math.tanh(real);
          expect(Math.abs(y[i]! / 32768 - f), `${kind} x=${real}`).toBeLessThan(2e-3);
        });
        // TFLite runs TFLM's table kernel when the input multiplier is non-zero: identical. For a
        // power-of-two input scale (multiplier 0) TFLite's optimized build switches to its
        // gemmlowp fixed-point kernel (optimized_ops::Logistic / Tanh on int16), another
        // algorithm; TFLM keeps the table, and so do we — the difference is reported, not bounded.
        const d = tfliteDiff(r);
        if (d !== undefined && inScale !== 2 ** -12) expect(d, `${kind} ${inScale}`).toBe(0);
        if (d !== undefined && inScale === 2 ** -12) console.log(`${kind} int16, input scale 2^-12: TFLite (gemmlowp kernel) differs by up to ${d} LSB from TFLM's table kernel`);
      }
    }
    const g: Graph = buildGraph({
      name: 'logistic16_badout',
      tensors: [
        { shape: [4], dtype: 'int16', q: [0.001, 0] },
        { shape: [4], dtype: 'int16', q: [1 / 16384, 0] },
      ],
      op: { kind: 'Logistic', inputs: [0], outputs: [1] },
    });
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/2\^-15/);
  }, 180_000);
});

describe('16x8 float edges', () => {
  it('a float-I/O 16x8 graph: Quantize float → int16 and Dequantize int16 → float run by the caller, the int16 middle in C', async () => {
    const g: Graph = {
      name: 'edges16',
      tensors: [
        { name: 'x', shape: [1, 24], dtype: 'float32' },
        { name: 'xq', shape: [1, 24], dtype: 'int16', quant: { scale: [0.0004], zeroPoint: [0] } },
        { name: 'yq', shape: [1, 24], dtype: 'int16', quant: { scale: [1 / 32768], zeroPoint: [0] } },
        { name: 'y', shape: [1, 24], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Quantize', name: 'q', inputs: [0], outputs: [1] },
        { kind: 'Tanh', name: 'tanh', inputs: [1], outputs: [2] },
        { kind: 'Dequantize', name: 'dq', inputs: [2], outputs: [3] },
      ],
      inputs: [0],
      outputs: [3],
    };
    const samples = Array.from({ length: 3 }, () => [Float32Array.from({ length: 24 }, () => (rand() * 2 - 1) * 6)]);
    const ref = samples.map((s) => runGraph(g, s)[0] as Float32Array);
    ref.forEach((y, k) => y.forEach((v, i) => expect(Math.abs(v - Math.tanh(samples[k]![0]![i]!))).toBeLessThan(2e-3)));
    // Dequantize int16: float(scale · q), exactly.
    ref[0]!.forEach((v) => expect(Math.abs(v * 32768 - Math.round(v * 32768))).toBeLessThan(1e-6));
    const { board, backend } = await resolveRunBackend('host');
    const host = await backend({ graph: g, modelPath: 'edges16', board, samples, logger: silentLogger });
    samples.forEach((_, k) => expect(Array.from(host[k]![0]!)).toEqual(Array.from(ref[k]!)));
  }, 120_000);
});

describe('int16 models read from files', () => {
  it('the seanet conv model reports its int16 layer as supported', async () => {
    const g = await importModel(new URL('../../../shared/models/tflite-micro/seanet/conv2.tflite', import.meta.url).pathname);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).not.toThrow();
  });
});
