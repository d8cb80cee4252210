/**
 * The C kernels of SUB, DIV, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, PRELU, LEAKY_RELU (int16),
 * LOG_SOFTMAX and L2_NORMALIZATION built with AddressSanitizer and UBSan (the flags of
 * test/codegen/c-harness.ts) on exhaustive inputs: every int8 pair for the binary kernels (x of
 * shape [256, 1] against a constant [256] holding every value), every int16 value for the int16
 * ones, full-range rows for the row kernels. Outputs must equal the reference byte for byte, and
 * the sanitizers must not fire (a shift by 32, a signed overflow, an out-of-bounds read).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { allocTensorData, elementCount, tensorBytes, type Graph, type Op, type Tensor, type TensorData } from '../../src/ir/graph.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { cacheDir, host, SANITIZE } from '../codegen/c-harness.js';

/** One sample through the sanitized build; returns output 0's bytes as the output dtype. */
async function runSanitized(g: Graph, x: TensorData): Promise<TensorData> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-san-'));
  await convertGraph(g, g.name, null, { board: host(), outDir: join(dir, 'p'), runGraph, measureCode: false });
  const build = await buildHost(join(dir, 'p'), { extraCflags: SANITIZE, cacheDir });
  const out = await runHostProgram(build.exe, new Uint8Array(x.buffer, x.byteOffset, x.byteLength), { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' });
  const y = g.tensors[g.outputs[0]!]!;
  const res = allocTensorData(y.dtype, elementCount(y.shape));
  new Uint8Array(res.buffer).set(out.subarray(0, tensorBytes(y)));
  return res;
}

const t = (name: string, shape: number[], dtype: 'int8' | 'int16', scale: number, zp: number, data?: TensorData): Tensor => ({ name, shape, dtype, quant: { scale: [Math.fround(scale)], zeroPoint: [zp] }, ...(data ? { data } : {}) });
const every8 = () => Int8Array.from({ length: 256 }, (_, i) => i - 128);

/** An op's attributes without its name and tensors (distributive over the Op union). */
type OpAttrs = Op extends infer T ? (T extends Op ? Omit<T, 'inputs' | 'outputs' | 'name'> : never) : never;

/** x [256, 1] (every int8 value) op constant [256] (every int8 value) → [256, 256]. */
function pairGraph(op: OpAttrs, q: [number, number][], constantFirst = false): Graph {
  const x = t('x', [256, 1], 'int8', ...q[0]!);
  const k = t('k', [256], 'int8', ...q[1]!, every8());
  const y = t('y', [256, 256], 'int8', ...q[2]!);
  return { name: `san_${op.kind}`, tensors: [x, k, y], ops: [{ ...op, name: op.kind, inputs: constantFirst ? [1, 0] : [0, 1], outputs: [2] } as Op], inputs: [0], outputs: [2] };
}

async function expectSame(g: Graph, x: TensorData): Promise<void> {
  const want = runGraph(g, [x])[0]!;
  const got = await runSanitized(g, x);
  expect(Array.from(got)).toEqual(Array.from(want));
}

describe('sanitized C kernels on exhaustive inputs', () => {
  it.each([
    ['Sub', { kind: 'Sub', activation: 'none' }, [[0.07, 5], [0.03, -9], [0.09, 2]]],
    ['Div', { kind: 'Div', activation: 'none' }, [[0.02, 5], [0.05, -3], [0.04, -3]]],
    ['Div with a tiny quotient scale (shifts beyond 31 bits)', { kind: 'Div', activation: 'none' }, [[0.001, 0], [0.5, 0], [0.5, 0]]],
    ['Maximum', { kind: 'Maximum' }, [[0.05, 3], [0.05, 3], [0.05, 3]]],
    ['Minimum', { kind: 'Minimum' }, [[0.05, 3], [0.05, 3], [0.05, 3]]],
    ['SquaredDifference', { kind: 'SquaredDifference' }, [[0.01, 7], [0.013, -4], [0.02, -128]]],
    ['Prelu', { kind: 'Prelu' }, [[0.04, 11], [0.003, -30], [0.03, -20]]],
  ] as const)('%s: every int8 pair', async (_n, op, q) => {
    await expectSame(pairGraph(op as OpAttrs, q as unknown as [number, number][]), every8());
  }, 180_000);

  it('Div with the divisor first (k / x) reaches dividends of −1 (a 31-bit normalisation)', async () => {
    await expectSame(pairGraph({ kind: 'Div', activation: 'none' }, [[0.05, -3], [0.02, 1], [0.04, 0]], true), every8());
  }, 180_000);

  it('Sub int16: every int16 value against a broadcast int16 constant', async () => {
    const x = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const g: Graph = {
      name: 'san_sub16',
      tensors: [t('x', [256, 256], 'int16', 0.00097, 0), t('k', [256], 'int16', 0.0000087, 0, Int16Array.from({ length: 256 }, (_, i) => (i - 128) * 255)), t('y', [256, 256], 'int16', 0.00059, 0)],
      ops: [{ kind: 'Sub', name: 'sub', inputs: [0, 1], outputs: [2], activation: 'none' }],
      inputs: [0],
      outputs: [2],
    };
    await expectSame(g, x);
  }, 180_000);

  it('LeakyRelu int16: every int16 value', async () => {
    const x = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const g: Graph = {
      name: 'san_leaky16',
      tensors: [t('x', [65536], 'int16', 0.0058, 0), t('y', [65536], 'int16', 0.0046, 0)],
      ops: [{ kind: 'LeakyRelu', name: 'leaky', inputs: [0], outputs: [1], alpha: Math.fround(-0.3) }],
      inputs: [0],
      outputs: [1],
    };
    await expectSame(g, x);
  }, 180_000);

  it.each([
    ['LogSoftmax', { kind: 'LogSoftmax' }, [16 / 256, 127]],
    ['L2Normalization', { kind: 'L2Normalization', activation: 'none' }, [1 / 128, 0]],
  ] as const)('%s: rows from flat to saturated, all 256 values', async (_n, op, qo) => {
    // 64 rows of 256: row r holds every int8 value scaled down by r (flat rows, full-range rows).
    const x = new Int8Array(64 * 256);
    for (let r = 0; r < 64; r++) for (let c = 0; c < 256; c++) x[r * 256 + c] = Math.trunc((c - 128) / (r + 1));
    const g: Graph = {
      name: `san_${op.kind}`,
      tensors: [t('x', [64, 256], 'int8', 0.07, -2), t('y', [64, 256], 'int8', qo[0], qo[1])],
      ops: [{ ...op, name: op.kind, inputs: [0], outputs: [1] } as Op],
      inputs: [0],
      outputs: [1],
    };
    await expectSame(g, x);
  }, 180_000);
});
