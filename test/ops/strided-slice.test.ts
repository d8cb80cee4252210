/**
 * STRIDED_SLICE: TFLM's own outputs on the three 16x8 seanet models (exact), values written by
 * hand from strided_slice_logic.h (negative indices, clamping, begin/end masks, negative
 * strides, shrink, ellipsis, new axis, offset), single-op parity (reference = host C; TFLite
 * byte-identical: a slice only moves elements), and the quantizer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph, StridedSliceOp } from '../../src/ir/graph.js';
import { planStridedSlice } from '../../src/ops/strided-slice.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';
import { checkQuantized, runExact } from './op-helpers.js';
import { TFLM_MODELS, tflmCases } from './tflm-goldens.js';

type Masks = Partial<Pick<StridedSliceOp, 'beginMask' | 'endMask' | 'ellipsisMask' | 'newAxisMask' | 'shrinkAxisMask' | 'offset'>>;

function slice(begin: number[], end: number[], strides: number[], m: Masks = {}): Omit<StridedSliceOp, 'name' | 'inputs' | 'outputs'> {
  return { kind: 'StridedSlice', begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false, ...m };
}

function spec(name: string, shape: number[], s: ReturnType<typeof slice>, dtype: 'int8' | 'int16' | 'int32' | 'float32' = 'int8'): OpSpec {
  const op = { ...s, name, inputs: [0, 1, 2, 3], outputs: [4] } as StridedSliceOp;
  const p = planStridedSlice(shape, op);
  if (typeof p === 'string') throw new Error(p);
  const q: [number, number] | undefined = dtype === 'int8' ? [0.1, 2] : dtype === 'int16' ? [0.0009, 0] : undefined;
  return {
    name,
    tensors: [
      { shape, dtype, ...(q ? { q } : {}) },
      { shape: [s.begin.length], dtype: 'int32', data: s.begin },
      { shape: [s.end.length], dtype: 'int32', data: s.end },
      { shape: [s.strides.length], dtype: 'int32', data: s.strides },
      { shape: p.outShape, dtype, ...(q ? { q } : {}) },
    ],
    op: { ...s, inputs: [0, 1, 2, 3], outputs: [4] },
  };
}

const iota8 = (n: number) => Int8Array.from({ length: n }, (_, i) => i);

describe('StridedSlice', () => {
  for (const k of [0, 1, 2]) {
    it(`seanet strided_slice${k} (int16): reference and host C = TFLM's outputs exactly`, async () => {
      const g = await importModel(join(TFLM_MODELS, 'seanet', `strided_slice${k}.tflite`));
      const cases = tflmCases(`seanet__strided_slice${k}`, g);
      expect(cases, 'TFLM goldens are shipped in ../shared').toBeDefined();
      const outs = await runExact(g, cases!.map((c) => c.inputs));
      cases!.forEach((c, s) => expect(Array.from(outs[s]![0]!), c.name).toEqual(c.output));
    }, 120_000);
  }

  it('hand-computed from strided_slice_logic.h (1-D and 2-D, int8)', async () => {
    const run1 = async (name: string, n: number, s: ReturnType<typeof slice>) => Array.from((await runExact(spec(name, [n], s), [[iota8(n)]]))[0]![0]!);
    expect(await run1('step3', 10, slice([1], [8], [3]))).toEqual([1, 4, 7]);
    // Negative begin wraps once: -3 + 10 = 7.
    expect(await run1('neg_begin', 10, slice([-3], [10], [1]))).toEqual([7, 8, 9]);
    // Out-of-range indices clamp to [0, size].
    expect(await run1('clamp', 5, slice([-100], [100], [1]))).toEqual([0, 1, 2, 3, 4]);
    // x[::-2]: begin and end masks with a negative stride start at size-1 and run past 0.
    expect(await run1('reverse2', 7, slice([0], [0], [-2], { beginMask: 1, endMask: 1 }))).toEqual([6, 4, 2, 0]);
    // Backward from 8 down to (not including) 2.
    expect(await run1('back', 10, slice([8], [2], [-3]))).toEqual([8, 5]);
    // end mask with a positive stride runs to the end.
    expect(await run1('end_mask', 6, slice([2], [0], [2], { endMask: 1 }))).toEqual([2, 4]);
    // 2-D [3,4]: shrink axis 0 at index -1 → the last row, rank 1.
    const x2 = iota8(12);
    const [r] = await runExact(spec('shrink_last_row', [3, 4], slice([-1, 0], [0, 4], [1, 1], { shrinkAxisMask: 1 })), [[x2]]);
    expect(Array.from(r![0]!)).toEqual([8, 9, 10, 11]);
    // Column 2 of every row, reversed rows: x[::-1, 2].
    const [c] = await runExact(spec('col_rev', [3, 4], slice([0, 2], [0, 3], [-1, 1], { beginMask: 1, endMask: 1, shrinkAxisMask: 2 })), [[x2]]);
    expect(Array.from(c![0]!)).toEqual([10, 6, 2]);
  }, 120_000);

  it('hand-computed: ellipsis, new axis and offset (TFLite BuildStridedSliceParams)', async () => {
    const x = iota8(24); // [2,3,4]
    // x[..., 1:3] → [2,3,2]
    const e = spec('ellipsis', [2, 3, 4], slice([0, 1], [0, 3], [1, 1], { ellipsisMask: 1 }));
    expect(e.tensors[4]!.shape).toEqual([2, 3, 2]);
    const [a] = await runExact(e, [[x]]);
    expect(Array.from(a![0]!)).toEqual([1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]);
    // x[1, tf.newaxis, :, ::3] → [1, 3, 2]
    const na = spec('new_axis', [2, 3, 4], slice([1, 0, 0, 0], [2, 0, 0, 0], [1, 1, 1, 3], { shrinkAxisMask: 1, newAxisMask: 2, beginMask: 12, endMask: 12 }));
    expect(na.tensors[4]!.shape).toEqual([1, 3, 2]);
    const [b] = await runExact(na, [[x]]);
    expect(Array.from(b![0]!)).toEqual([12, 15, 16, 19, 20, 23]);
    // offset: end is relative to the (wrapped) start: begin -6, length 3 on a size-8 axis → 2,3,4.
    const [o] = await runExact(spec('offset', [8], slice([-6], [3], [1], { offset: true })), [[iota8(8)]]);
    expect(Array.from(o![0]!)).toEqual([2, 3, 4]);
  }, 120_000);

  it('run-time begin/end/strides: imported as an Unsupported layer with the reason (the rest stays inspectable)', async () => {
    const s = spec('runtime_begin', [4, 5], slice([1, 0], [3, 5], [1, 1]));
    const g = buildGraph({ ...s, inputs: [0, 1] });
    delete g.tensors[1]!.data;
    const dir = mkdtempSync(join(tmpdir(), 'ss-'));
    try {
      writeFileSync(join(dir, 'm.tflite'), writeTflite(g));
      const back = await importModel(join(dir, 'm.tflite'));
      expect(back.ops[0]).toMatchObject({ kind: 'Unsupported', type: 'STRIDED_SLICE' });
      expect((back.ops[0] as { reason: string }).reason).toMatch(/input 1 \(begin\) is not a constant/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a zero stride and a shrunk index outside the axis', () => {
    const op = (s: ReturnType<typeof slice>) => ({ ...s, name: 'x', inputs: [0], outputs: [1] }) as StridedSliceOp;
    expect(planStridedSlice([4], op(slice([0], [4], [0])))).toMatch(/stride is 0/);
    expect(planStridedSlice([4], op(slice([4], [5], [1], { shrinkAxisMask: 1 })))).toMatch(/outside axis 0/);
  });

  const cases: [string, number[], ReturnType<typeof slice>, 'int8' | 'int16' | 'int32'][] = [
    ['crop_hw_int8', [1, 7, 9, 3], slice([0, 1, -7, 0], [1, -1, 8, 3], [1, 1, 2, 1]), 'int8'],
    ['seanet_like_int16', [1, 8, 20, 2], slice([0, -6, 0, 0], [0, 0, 0, 2], [1, 1, 1, 1], { beginMask: 13, endMask: 15 }), 'int16'],
    ['negative_strides_int16', [2, 5, 6], slice([1, -1, 5], [0, 0, 0], [-1, -2, -2], { endMask: 1 }), 'int16'],
    ['shrink_int8', [2, 3, 5], slice([1, 0, 4], [2, 3, 5], [1, 1, 1], { shrinkAxisMask: 5 }), 'int8'],
    ['rank5_int32', [2, 3, 2, 3, 4], slice([0, 2, 0, 1, 3], [2, 0, 2, 3, 0], [1, -1, 1, 1, -2]), 'int32'],
    ['rank1_odd_int8', [11], slice([10], [0], [-3]), 'int8'],
  ];
  for (const [name, shape, s, dtype] of cases) {
    it(`${name}: host C = reference, TFLite byte-identical`, async () => {
      const r = await checkOp(spec(name, shape, s, dtype), { samples: 4, seed: 11 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, 120_000);
  }

  it('ellipsis and new axis: host C = reference, TFLite byte-identical', async () => {
    const r = await checkOp(spec('ellipsis_newaxis', [2, 3, 4], slice([0, 0, 1], [0, 0, 4], [1, 1, 2], { ellipsisMask: 1, newAxisMask: 2 })), { samples: 3, seed: 2 });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('offset: host C = reference (TFLite round trip of the options)', async () => {
    // STRIDED_SLICE version 8 (offset) is newer than the tfjs-tflite build, which refuses to
    // load it; the hand-computed case above is the oracle for offset.
    const r = await checkOp(spec('offset_int8', [3, 9], slice([1, -7], [2, 5], [1, 2], { offset: true })), { samples: 3, seed: 4, tflite: false });
    expect((r.imported.ops[0] as StridedSliceOp).offset).toBe(true);
  }, 120_000);

  it('float32: reference = TFLite exactly', async () => {
    const r = await checkOp(spec('f32', [3, 4, 5], slice([2, 0, 1], [0, 4, 5], [-1, 3, 2], { endMask: 1 }), 'float32'), { samples: 3, seed: 5, host: false });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('a float graph with StridedSlice quantizes; int8 host C = reference; params shared', async () => {
    const g: Graph = {
      name: 'q_slice',
      tensors: [
        { name: 'x', shape: [1, 6, 6, 3], dtype: 'float32' },
        { name: 'b', shape: [4], dtype: 'int32', data: Int32Array.of(0, 1, 5, 0) },
        { name: 'e', shape: [4], dtype: 'int32', data: Int32Array.of(1, 5, 0, 3) },
        { name: 's', shape: [4], dtype: 'int32', data: Int32Array.of(1, 2, -2, 1) },
        { name: 'y', shape: [1, 2, 3, 3], dtype: 'float32' },
      ],
      ops: [{ name: 'ss', inputs: [0, 1, 2, 3], outputs: [4], ...slice([0, 1, 5, 0], [1, 5, 0, 3], [1, 2, -2, 1], { endMask: 4 }) }],
      inputs: [0],
      outputs: [4],
    };
    const { graph } = await checkQuantized(g);
    expect(graph.tensors[4]!.quant).toEqual(graph.tensors[0]!.quant);
  }, 120_000);
});
