/**
 * PACK and UNPACK: values by hand from TFLM's PackImpl/UnpackImpl (outer × inputs × inner),
 * every axis including the last and a negative one in the file, several inputs / several
 * outputs through the reference, the host C and TFLite, and the quantizer.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import type { TfliteReadContext } from '../../src/ops/op-def.js';
import { OPS } from '../../src/ops/registry.js';
import { checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';

type D = 'int8' | 'int16' | 'int32' | 'float32';
const qOf = (dtype: D): [number, number] | undefined => (dtype === 'int8' ? [0.02, -1] : dtype === 'int16' ? [0.0002, 0] : undefined);

function packSpec(name: string, part: number[], n: number, axis: number, dtype: D = 'int8'): OpSpec {
  const q = qOf(dtype);
  const out = [...part.slice(0, axis), n, ...part.slice(axis)];
  return {
    name,
    tensors: [...Array.from({ length: n }, () => ({ shape: part, dtype, ...(q ? { q } : {}) })), { shape: out, dtype, ...(q ? { q } : {}) }],
    op: { kind: 'Pack', inputs: Array.from({ length: n }, (_, k) => k), outputs: [n], axis, count: n },
  };
}

function unpackSpec(name: string, shape: number[], axis: number, dtype: D = 'int8'): OpSpec {
  const q = qOf(dtype);
  const n = shape[axis]!;
  const part = shape.filter((_, i) => i !== axis);
  return {
    name,
    tensors: [{ shape, dtype, ...(q ? { q } : {}) }, ...Array.from({ length: n }, () => ({ shape: part, dtype, ...(q ? { q } : {}) }))],
    op: { kind: 'Unpack', inputs: [0], outputs: Array.from({ length: n }, (_, k) => 1 + k), axis, count: n },
  };
}

describe('Pack / Unpack', () => {
  it('hand-computed: PACK of three [2] vectors on axis 0 and axis 1', async () => {
    const ins = [Int8Array.of(1, 2), Int8Array.of(3, 4), Int8Array.of(5, 6)];
    const [a] = await runExact(packSpec('p0', [2], 3, 0), [ins]);
    expect(Array.from(a![0]!)).toEqual([1, 2, 3, 4, 5, 6]);
    const [b] = await runExact(packSpec('p1', [2], 3, 1), [ins]);
    expect(Array.from(b![0]!)).toEqual([1, 3, 5, 2, 4, 6]);
  }, 120_000);

  it('hand-computed: UNPACK [2,3] along axis 1 gives the columns', async () => {
    const [outs] = await runExact(unpackSpec('u1', [2, 3], 1), [[Int8Array.of(1, 2, 3, 4, 5, 6)]]);
    expect(outs!.map((o) => Array.from(o))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  }, 120_000);

  const packs: [string, number[], number, number, D][] = [
    ['nhwc_axis3_int8', [1, 3, 4], 2, 3, 'int8'],
    ['axis0_int16', [3, 5], 4, 0, 'int16'],
    ['axis1_int32', [2, 3], 3, 1, 'int32'],
  ];
  for (const [name, part, n, axis, dtype] of packs) {
    it(`PACK ${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(packSpec(name, part, n, axis, dtype), { samples: 3, seed: 41 });
      expect(r.imported.inputs).toHaveLength(n);
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  const unpacks: [string, number[], number, D][] = [
    ['last_axis_int8', [2, 3, 4], 2, 'int8'],
    ['axis0_int16', [3, 2, 5], 0, 'int16'],
    ['middle_int32', [2, 4, 3], 1, 'int32'],
  ];
  for (const [name, shape, axis, dtype] of unpacks) {
    it(`UNPACK ${name}: every output, host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(unpackSpec(name, shape, axis, dtype), { samples: 3, seed: 42 });
      expect(r.imported.outputs).toHaveLength(shape[axis]!);
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual(new Array(shape[axis]!).fill(0));
    }, 120_000);
  }

  it('float32: reference = TFLite exactly', async () => {
    const a = await checkOp(packSpec('pf', [2, 3], 2, 2, 'float32'), { samples: 2, seed: 5, host: false });
    const b = await checkOp(unpackSpec('uf', [3, 2], 0, 'float32'), { samples: 2, seed: 6, host: false });
    if (HAVE_TFLITE) {
      expect(a.tfliteMaxDiff).toEqual([0]);
      expect(b.tfliteMaxDiff).toEqual([0, 0, 0]);
    }
  }, 120_000);

  it('a negative axis in the file is read as axis + rank (output rank for PACK, input rank for UNPACK)', () => {
    const ctx = (shapes: number[][], inputs: number[], outputs: number[]) =>
      ({ base: { name: 'x', inputs, outputs }, tensors: shapes.map((shape) => ({ name: 't', shape, dtype: 'int8' })), optNumber: (f: string, d?: number) => (f === 'axis' ? -1 : (d ?? 0)) }) as unknown as TfliteReadContext;
    expect(OPS.Pack.tflite.read(ctx([[2, 3], [2, 3], [2, 3, 2]], [0, 1], [2]))).toMatchObject({ axis: 2, count: 2 });
    expect(OPS.Unpack.tflite.read(ctx([[2, 3, 4], [2, 3], [2, 3], [2, 3], [2, 3]], [0], [1, 2, 3, 4]))).toMatchObject({ axis: 2, count: 4 });
  });

  it('a float graph with Unpack then Pack quantizes; one param group; host C = reference', async () => {
    const g: Graph = {
      name: 'q_pack',
      tensors: [
        { name: 'x', shape: [1, 3, 4], dtype: 'float32' },
        { name: 'u0', shape: [1, 4], dtype: 'float32' },
        { name: 'u1', shape: [1, 4], dtype: 'float32' },
        { name: 'u2', shape: [1, 4], dtype: 'float32' },
        { name: 'y', shape: [1, 4, 3], dtype: 'float32' },
      ],
      ops: [
        { kind: 'Unpack', name: 'u', inputs: [0], outputs: [1, 2, 3], axis: 1, count: 3 },
        { kind: 'Pack', name: 'p', inputs: [3, 1, 2], outputs: [4], axis: 2, count: 3 },
      ],
      inputs: [0],
      outputs: [4],
    };
    const { graph } = await checkQuantized(g);
    for (const t of [1, 2, 3, 4]) expect(graph.tensors[t]!.quant).toEqual(graph.tensors[0]!.quant);
  }, 120_000);
});
