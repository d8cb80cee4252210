/**
 * TRANSPOSE_CONV (src/ops/transpose-conv.ts, kernels transpose_conv_s8.c and
 * transpose_conv_s16.c):
 *  - values computed by hand from TFLM's scatter, padding and requantization (int8 VALID with
 *    bias, int8 SAME with a fused ReLU and no bias, 16x8 where the int64 MBQM's 16-bit
 *    multiplier rounds differently from the int32 one);
 *  - TFLM's own outputs (tflm-outputs/, TFLM 90b983c) for the three seanet 16x8 models, exactly,
 *    from the reference and from the host C; the integration tests' desktop-TFLite goldens, exactly;
 *  - single-op models on seeded inputs: reference == host C byte for byte, TFLite byte-identical
 *    (fused activations through the unfused model, which tfjs-tflite's older TFLite runs);
 *  - the accumulators are kernel scratch planned in the arena (no static buffer), checked with
 *    AddressSanitizer and the arena guard.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { hasTool } from '../../src/build/tools.js';
import { importModel } from '../../src/importers/index.js';
import { allocTensorData, elementCount, type Activation, type DType, type Graph, type Padding, type TensorData } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { silentLogger } from '../../src/log.js';
import { randomInt8, rng, runGenerated, runReference } from '../codegen/c-harness.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, runTflite, type OpSpec, type TensorSpec } from './harness.js';

const T = 180_000;
const MODELS = new URL('../../../shared/models/tflite-micro/', import.meta.url).pathname;

interface TcCase {
  name: string;
  x: number[];
  w: number[]; // [O, kH, kW, I]
  out: number[];
  stride: [number, number];
  padding: Padding;
  activation?: Activation;
  bias?: boolean;
  wide?: boolean;
  seed?: number;
}

function tcSpec(c: TcCase): OpSpec {
  const r = rng(c.seed ?? 1);
  const o = c.w[0]!;
  const wn = elementCount(c.w);
  const inScale = c.wide ? 0.0009 : 0.05;
  const wScales = Array.from({ length: o }, () => 0.004 + r() * 0.01);
  const k = c.w[1]! * c.w[2]! * c.w[3]!;
  const outScale = inScale * 0.01 * Math.sqrt(k) * (c.wide ? 25 : 40);
  const tensors: TensorSpec[] = [
    { shape: [4], dtype: 'int32', data: c.out },
    { shape: c.w, dtype: 'int8', q: { scale: wScales, zeroPoint: new Array<number>(o).fill(0), axis: 0 }, data: Array.from(randomInt8(r, wn, -127, 127)) },
    { shape: c.x, dtype: c.wide ? 'int16' : 'int8', q: [inScale, c.wide ? 0 : -3] },
  ];
  const inputs = [0, 1, 2];
  if (c.bias !== false) {
    tensors.push({ shape: [o], dtype: c.wide ? 'int64' : 'int32', data: Array.from({ length: o }, () => Math.floor((r() * 2 - 1) * (c.wide ? 200000 : 3000))) });
    inputs.push(3);
  }
  tensors.push({ shape: c.out, dtype: c.wide ? 'int16' : 'int8', q: [outScale, c.wide ? 0 : 4] });
  return {
    name: c.name,
    tensors,
    op: { kind: 'TransposeConv', inputs, outputs: [tensors.length - 1], strideH: c.stride[0], strideW: c.stride[1], padding: c.padding, activation: c.activation ?? 'none' },
  };
}

function handGraph(o: { x: TensorSpec; w: TensorSpec; b?: TensorSpec; y: TensorSpec; out: number[]; padding: Padding; activation: Activation }): Graph {
  const tensors: TensorSpec[] = [{ shape: [4], dtype: 'int32', data: o.out }, o.w, o.x];
  if (o.b) tensors.push(o.b);
  tensors.push(o.y);
  return buildGraph({
    name: 'tc_hand',
    tensors,
    op: { kind: 'TransposeConv', inputs: o.b ? [0, 1, 2, 3] : [0, 1, 2], outputs: [tensors.length - 1], strideH: 1, strideW: 2, padding: o.padding, activation: o.activation },
  });
}

describe('TRANSPOSE_CONV by hand (TFLM reference_integer_ops::TransposeConv)', () => {
  it('int8 VALID with bias: scatter, bias, MBQM rounding half away, output offset', () => {
    // x real 1, −1 (scale 0.5, zp 1), w 0.25·[1 2 3], bias 8 (0.125 each), out scale 0.5 zp −1.
    // Accumulators [2,4,6,0,0] + [0,0,−2,−4,−6] = [2,4,4,−4,−6]; + 8 → [10,12,12,4,2];
    // × 0.25 → [2.5,3,3,1,0.5] → [3,3,3,1,1]; − 1 → [2,2,2,0,0].
    const g = handGraph({
      x: { shape: [1, 1, 2, 1], dtype: 'int8', q: [0.5, 1] },
      w: { shape: [1, 1, 3, 1], dtype: 'int8', q: [0.25, 0], data: [1, 2, 3] },
      b: { shape: [1], dtype: 'int32', data: [8] },
      y: { shape: [1, 1, 5, 1], dtype: 'int8', q: [0.5, -1] },
      out: [1, 1, 5, 1],
      padding: 'valid',
      activation: 'none',
    });
    expect(Array.from(runGraph(g, [Int8Array.from([3, -1])])[0]!)).toEqual([2, 2, 2, 0, 0]);
  });

  it('int8 SAME, no bias, fused ReLU: padding from the output size, −1.5 rounds to −2, clamp at the zero point', () => {
    // Output width 4 with a 4-wide filter, stride 2: ComputeOutSize(SAME, 4, 4, 2) = 2, total
    // padding (2−1)·2 + 4 − 4 = 2 → 1 on the left. Accumulators: input 0 (value 2) covers
    // columns −1..2, input 1 (value −2) columns 1..4: [4, 6−2, 8−4, −6] = [4,4,4,−6];
    // × 0.25 → [1,1,1,−1.5 → −2]; − 1 → [0,0,0,−3]; ReLU clamps at the zero point −1.
    const g = handGraph({
      x: { shape: [1, 1, 2, 1], dtype: 'int8', q: [0.5, 1] },
      w: { shape: [1, 1, 4, 1], dtype: 'int8', q: [0.25, 0], data: [1, 2, 3, 4] },
      y: { shape: [1, 1, 4, 1], dtype: 'int8', q: [0.5, -1] },
      out: [1, 1, 4, 1],
      padding: 'same',
      activation: 'relu',
    });
    expect(Array.from(runGraph(g, [Int8Array.from([3, -1])])[0]!)).toEqual([0, 0, 0, -1]);
  });

  it('16x8: int64 accumulators and the 16-bit reduced multiplier of the int64 MBQM', () => {
    // Scales 0.001 · 0.01 / 0.002 = 0.005: multiplier 1374389504·2^−7, reduced to
    // (m + 2^15) >> 16 = 20972 with a right shift of 15 + 7 = 22.
    // Channel 0: 1000·44 + 99 = 44099 → (44099·20972 + 2^21) >> 22 = 221 (the int32 MBQM would
    // give round(220.495) = 220); channel 1: −50000 + 5000 = −45000 → floor(−224.503) = −225.
    const g = buildGraph({
      name: 'tc16_hand',
      tensors: [
        { shape: [4], dtype: 'int32', data: [1, 1, 1, 2] },
        { shape: [2, 1, 1, 1], dtype: 'int8', q: { scale: [0.01, 0.01], zeroPoint: [0, 0], axis: 0 }, data: [44, -50] },
        { shape: [1, 1, 1, 1], dtype: 'int16', q: [0.001, 0] },
        { shape: [2], dtype: 'int64', data: [99, 5000] },
        { shape: [1, 1, 1, 2], dtype: 'int16', q: [0.002, 0] },
      ],
      op: { kind: 'TransposeConv', inputs: [0, 1, 2, 3], outputs: [4], strideH: 1, strideW: 1, padding: 'valid', activation: 'none' },
    });
    expect(Array.from(runGraph(g, [Int16Array.of(1000)])[0]!)).toEqual([221, -225]);
  });
});

/** The inputs of one tflm-outputs case, in the graph's input dtypes. */
function tflmInputs(g: Graph, c: { input_files: string[]; input_offsets: number[] }): TensorData[] {
  return g.inputs.map((ti, k) => {
    const t = g.tensors[ti]!;
    const d = allocTensorData(t.dtype, elementCount(t.shape));
    const bytes = new Uint8Array(d.buffer);
    bytes.set(readFileSync(join(MODELS, 'tflm-outputs', c.input_files[k]!)).subarray(c.input_offsets[k]!, c.input_offsets[k]! + bytes.length));
    return d;
  });
}

const csv = (f: string) => readFileSync(join(MODELS, 'seanet', f), 'utf8').trim().split(',').map(Number);

describe('seanet 16x8 TRANSPOSE_CONV models against TFLM', () => {
  for (const k of [0, 1, 2]) {
    it(`transpose_conv${k}: reference and host C equal TFLM 90b983c on its 3 samples`, async () => {
      const g = await importModel(join(MODELS, 'seanet', `transpose_conv${k}.tflite`));
      expect(g.ops.map((o) => o.kind)).toEqual(['TransposeConv']);
      // The output_shape operand is a run-time input there (TFLM ignores it; so do the kernels).
      expect(g.tensors[g.inputs[0]!]!.dtype).toBe('int32');
      const json = JSON.parse(readFileSync(join(MODELS, 'tflm-outputs', `seanet__transpose_conv${k}.json`), 'utf8')) as { cases: { input_files: string[]; input_offsets: number[]; output: number[] }[] };
      expect(json.cases).toHaveLength(3);
      const inputs = json.cases.map((c) => tflmInputs(g, c));
      const host = await runOnHost({ graph: g, modelPath: `transpose_conv${k}.tflite`, board: resolveBoard('host'), samples: inputs, logger: silentLogger });
      json.cases.forEach((c, s) => {
        expect(Array.from(runGraph(g, inputs[s]!)[0]!), `sample ${s}, reference`).toEqual(c.output);
        expect(Array.from(host[s]![0]!), `sample ${s}, host C`).toEqual(c.output);
      });
    }, T);

    it(`transpose_conv${k}: the integration test's input gives its desktop-TFLite golden exactly; tfjs-tflite too`, async () => {
      const g = await importModel(join(MODELS, 'seanet', `transpose_conv${k}.tflite`));
      const inputs = [Int32Array.from(csv(`transpose_conv${k}_input0_int32.csv`)), Int16Array.from(csv(`transpose_conv${k}_input1_int16.csv`))];
      const got = runGraph(g, inputs)[0]!;
      const golden = csv(`transpose_conv${k}_golden_int16.csv`);
      expect(got.length).toBe(golden.length);
      // TFLM's own integration test accepts ±1 against these goldens; here they are met exactly.
      expect(Array.from(got)).toEqual(golden);
      if (HAVE_TFLITE) {
        // TFLite treats a run-time output_shape as a dynamic output, which tfjs-tflite does not
        // read back (it returns zeros): the same model with output_shape written as a constant.
        const shapeT = g.inputs[0]!;
        const fixed: Graph = { ...g, tensors: g.tensors.map((t, i) => (i === shapeT ? { ...t, data: Int32Array.from(g.tensors[g.outputs[0]!]!.shape) } : t)), inputs: g.inputs.slice(1) };
        const tf = (await runTflite(writeTflite(fixed), [[inputs[1]!]]))[0]![0]!;
        expect(tf).toEqual(Array.from(got));
      }
    }, T);
  }
});

describe('TRANSPOSE_CONV single-op models: reference == host C, TFLite', () => {
  const cases: TcCase[] = [
    { name: 'tc_s2_same_bias', x: [1, 4, 4, 2], w: [3, 3, 3, 2], out: [1, 8, 8, 3], stride: [2, 2], padding: 'same' },
    { name: 'tc_s1_valid_nobias', x: [1, 5, 3, 3], w: [2, 2, 3, 3], out: [1, 6, 5, 2], stride: [1, 1], padding: 'valid', bias: false },
    { name: 'tc_s32_valid_relu6', x: [2, 3, 4, 2], w: [4, 2, 3, 2], out: [2, 8, 9, 4], stride: [3, 2], padding: 'valid', activation: 'relu6' },
    { name: 'tc_k1', x: [1, 3, 3, 4], w: [5, 1, 1, 4], out: [1, 6, 6, 5], stride: [2, 2], padding: 'same', activation: 'relu' },
    { name: 'tc_odd_same', x: [1, 3, 5, 1], w: [2, 4, 5, 1], out: [1, 6, 9, 2], stride: [2, 2], padding: 'same' },
    // VALID with one more output row/column than the full transposed convolution (output padding).
    { name: 'tc_valid_outpad', x: [1, 2, 3, 2], w: [2, 3, 3, 2], out: [1, 6, 8, 2], stride: [2, 2], padding: 'valid' },
  ];
  /**
   * checkOp on case c. tfjs-tflite's TFLite predates fused activations on TRANSPOSE_CONV (op
   * version 4), so with an activation TFLite runs the unfused model, and the fused result must be
   * exactly the unfused one clamped to the activation's quantized range (what TFLM does).
   */
  async function checkTc(c: TcCase, samples: number, seed: number): Promise<number | undefined> {
    const fused = (c.activation ?? 'none') !== 'none';
    const r = await checkOp(tcSpec(c), { samples, seed, tflite: !fused });
    if (!fused) return r.tfliteMaxDiff?.[0];
    const plain = await checkOp(tcSpec({ ...c, activation: 'none', name: `${c.name}_plain` }), { samples, seed });
    const g = r.imported;
    const { actMin, actMax } = opDef(g.ops[0]!).prepare(g, g.ops[0]!) as { actMin: number; actMax: number };
    let clamped = 0;
    r.reference.forEach((o, k) => {
      const want = Array.from(plain.reference[k]![0]!, (v) => (v < actMin ? actMin : v > actMax ? actMax : v));
      clamped += want.filter((v, i) => v !== plain.reference[k]![0]![i]).length;
      expect(Array.from(o[0]!)).toEqual(want);
    });
    expect(clamped).toBeGreaterThan(0); // the activation did clamp something
    return plain.tfliteMaxDiff?.[0];
  }

  for (const c of cases) {
    it(`${c.name} (int8)`, async () => {
      const d = await checkTc(c, 6, 2);
      // TFLite runs TRANSPOSE_CONV with the same reference integer kernel (XNNPACK does not take
      // it): byte-identical.
      if (HAVE_TFLITE) expect(d).toBe(0);
    }, T);
  }
  for (const c of [cases[0]!, cases[2]!, cases[4]!]) {
    it(`${c.name} (16x8: int16 activations, int64 bias)`, async () => {
      const d = await checkTc({ ...c, name: `${c.name}_16x8`, wide: true }, 4, 4);
      // TFLite's 16x8 kernel is the same int64 reference kernel with the same int64 MBQM.
      if (HAVE_TFLITE) expect(d).toBe(0);
    }, T);
  }

  it('the int32 accumulators are scratch in the arena, sized by scratchBytes; ASan and the arena guard stay quiet', async () => {
    const c = cases[0]!;
    const g = buildGraph(tcSpec(c));
    const op = g.ops[0]!;
    const p = opDef(op).prepare(g, op);
    expect(opDef(op).scratchBytes!(g, op, p, 'reference', false)).toBe(elementCount(c.out) * 4);
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-tc-'));
    await convertGraph(g, 'tc', null, { board: resolveBoard('host'), outDir: dir, runGraph, measureCode: false });
    const modelC = readFileSync(join(dir, 'model.c'), 'utf8');
    expect(modelC).toMatch(new RegExp(`s0 +\\d+ +${elementCount(c.out) * 4} .*scratch of layer 0`));
    expect(modelC).toMatch(/tinyml_transpose_conv_s8\(.*\(int32_t \*\)\(void \*\)\(tinyml_arena \+ \d+\)\);/);
    for (const f of ['transpose_conv_s8.c', 'transpose_conv_s16.c']) {
      expect(readFileSync(new URL(`../../firmware-templates/kernels/reference/${f}`, import.meta.url), 'utf8'), f).not.toMatch(/static\s+\w+\s+\w+\[/);
    }
    if (!hasTool('cc')) return;
    const r = rng(9);
    const xs = Array.from({ length: 4 }, () => randomInt8(r, elementCount(c.x)));
    expect(await runGenerated(g, xs)).toEqual(runReference(g, xs));
  }, T);

  it('refuses a 16x8 model with non-zero zero points and an int32 bias for int16 activations', () => {
    const spec = tcSpec({ ...cases[0]!, wide: true });
    const zp = { ...spec, tensors: spec.tensors.map((t, i) => (i === 2 ? { ...t, q: [0.0009, 3] as [number, number] } : t)) };
    let g = buildGraph(zp);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/16x8 zero points must be 0/);
    const b32 = { ...spec, tensors: spec.tensors.map((t, i) => (i === 3 ? { ...t, dtype: 'int32' as DType } : t)) };
    g = buildGraph(b32);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/bias 't3' is int32; this kernel takes int64/);
  });

  it('float: the same scatter in float32; TFLite within float rounding of its summation order', async () => {
    const c = cases[4]!;
    const spec = tcSpec(c);
    // Same shapes and constants, in float: output_shape stays int32, the rest becomes float32.
    const toFloat = (t: TensorSpec, k: number): TensorSpec => (k === 0 ? t : { shape: t.shape, dtype: 'float32', ...(t.data ? { data: Array.from(t.data, (v) => v / 97) } : {}) });
    const floatSpec: OpSpec = { ...spec, name: 'tc_float', tensors: spec.tensors.map(toFloat), floatRange: 2 };
    const r = await checkFloatOp(floatSpec);
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(r.maxAbs[0]! * 1e-5);
  }, T);
});
