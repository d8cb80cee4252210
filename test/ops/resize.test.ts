/**
 * RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (src/ops/resize.ts, kernels resize_nearest.c and
 * resize_bilinear_s8.c): source pixels and weights computed by hand from TFLM's
 * GetNearestNeighbor and ResizeBilinearInteger, then single-op models on seeded inputs
 * (reference == host C byte for byte, TFLite compared) for every align_corners /
 * half_pixel_centers combination, up- and down-sampling, batches, size-1 images, int16.
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { opDef } from '../../src/ops/registry.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';

const T = 180_000;

function spec(kind: 'ResizeNearestNeighbor' | 'ResizeBilinear', name: string, x: number[], size: [number, number], alignCorners: boolean, halfPixelCenters: boolean, dtype: DType = 'int8'): OpSpec {
  const q: [number, number] | undefined = dtype === 'float32' ? undefined : [0.05, dtype === 'int16' ? 0 : 3];
  return {
    name,
    tensors: [
      { shape: x, dtype, ...(q ? { q } : {}) },
      { shape: [2], dtype: 'int32', data: size },
      { shape: [x[0]!, size[0], size[1], x[3]!], dtype, ...(q ? { q } : {}) },
    ],
    op: { kind, inputs: [0, 1], outputs: [2], alignCorners, halfPixelCenters },
  };
}

const OPTIONS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
];

describe('RESIZE_NEAREST_NEIGHBOR', () => {
  it('picks TFLM GetNearestNeighbor source pixels (by hand, 2x2 → 3x3)', () => {
    const run = (a: boolean, h: boolean) => Array.from(runGraph(buildGraph(spec('ResizeNearestNeighbor', 'rn_hand', [1, 2, 2, 1], [3, 3], a, h)), [Int8Array.from([1, 2, 3, 4])])[0]!);
    // scale 2/3: floor(0, 0.667, 1.333) → rows 0,0,1.
    expect(run(false, false)).toEqual([1, 1, 2, 1, 1, 2, 3, 3, 4]);
    // half pixel: floor((i + 0.5)·2/3) = floor(0.333, 1, 1.667) → 0,1,1.
    expect(run(false, true)).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
    // align corners: scale (2−1)/(3−1) = 0.5, round(0, 0.5, 1) half away from zero → 0,1,1.
    expect(run(true, false)).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
  });

  const cases: OpSpec[] = [];
  for (const [a, h] of OPTIONS) {
    const tag = `${a ? 'ac' : ''}${h ? 'hp' : ''}` || 'plain';
    cases.push(spec('ResizeNearestNeighbor', `rn_up_${tag}`, [1, 3, 5, 2], [7, 11], a, h));
    cases.push(spec('ResizeNearestNeighbor', `rn_down_${tag}`, [2, 7, 6, 3], [3, 4], a, h));
  }
  cases.push(spec('ResizeNearestNeighbor', 'rn_1x1', [1, 1, 1, 4], [3, 2], false, false));
  cases.push(spec('ResizeNearestNeighbor', 'rn_same', [1, 4, 3, 2], [4, 3], false, true));
  for (const s of cases) {
    it(`${s.name}: reference == host C, TFLite identical`, async () => {
      const r = await checkOp(s, { samples: 4, seed: 13 });
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }, T);
  }

  it('int16 (one kernel for every element size): reference == host C', async () => {
    // tfjs-tflite's TFLite predates int16 RESIZE_NEAREST_NEIGHBOR (op version 4): not asked.
    const r = await checkOp(spec('ResizeNearestNeighbor', 'rn_i16', [1, 3, 4, 3], [5, 7], false, true, 'int16'), { samples: 4, seed: 3, tflite: false });
    const x = r.inputs[0]![0]!;
    // Output (0, 4, 6) comes from input (0, min(floor(4.5·0.6), 2) = 2, floor(6.5·4/7) = 3).
    expect(Array.from(r.reference[0]![0]!.slice((4 * 7 + 6) * 3, (4 * 7 + 6) * 3 + 3))).toEqual(Array.from(x.slice((2 * 4 + 3) * 3, (2 * 4 + 3) * 3 + 3)));
  }, T);

  it('float: the same source pixels; TFLite identical', async () => {
    for (const [a, h] of OPTIONS) {
      const r = await checkFloatOp(spec('ResizeNearestNeighbor', 'rn_float', [2, 3, 4, 2], [5, 9], a, h, 'float32'));
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }
  }, T);

  it('refuses a run-time size', () => {
    const s = spec('ResizeNearestNeighbor', 'rn_dyn', [1, 2, 2, 1], [3, 3], false, false);
    s.tensors[1] = { shape: [2], dtype: 'int32' };
    const g = buildGraph(s);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/size operand is not a constant/);
  });
});

describe('RESIZE_BILINEAR', () => {
  it('interpolates in 1/1024 units with int64 sums and rounds half away from zero (by hand)', () => {
    const run = (x: number[], w: number, h: boolean) => Array.from(runGraph(buildGraph(spec('ResizeBilinear', 'rb_hand', [1, 1, x.length, 1], [1, w], false, h)), [Int8Array.from(x)])[0]!);
    // width scale (1024·2 + 1) / 3 = 683. x=1: position 683, weights 341 and 683:
    // 100·1024·683 = 69939200, + 2^19, / 2^20 → 67 (truncating); x=2: position 1366, both
    // neighbours are column 1 → 100.
    expect(run([0, 100], 3, false)).toEqual([0, 67, 100]);
    expect(run([0, -100], 3, false)).toEqual([0, -67, -100]);
    // half pixel, 2 → 4: scale 512, positions −256, 256, 768, 1280. Column 0 has weights 1280
    // and −256 on the same pixel (→ the pixel); x=1: 0.75·10 + 0.25·90 = 30; x=2: 0.25·10 +
    // 0.75·90 = 70; x=3: upper bound clamps to column 1 → 90.
    expect(run([10, 90], 4, true)).toEqual([10, 30, 70, 90]);
  });

  const cases: OpSpec[] = [];
  for (const [a, h] of OPTIONS) {
    const tag = `${a ? 'ac' : ''}${h ? 'hp' : ''}` || 'plain';
    cases.push(spec('ResizeBilinear', `rb_up_${tag}`, [1, 3, 5, 2], [7, 11], a, h));
    cases.push(spec('ResizeBilinear', `rb_down_${tag}`, [2, 7, 6, 3], [3, 4], a, h));
  }
  cases.push(spec('ResizeBilinear', 'rb_1x1', [1, 1, 1, 4], [3, 2], false, false));
  cases.push(spec('ResizeBilinear', 'rb_to1', [1, 4, 5, 2], [1, 1], true, false));
  for (const s of cases) {
    it(`${s.name}: reference == host C, TFLite within 1`, async () => {
      const r = await checkOp(s, { samples: 4, seed: 17 });
      // tfjs-tflite hands RESIZE_BILINEAR to its XNNPACK delegate, which interpolates int8 with
      // its own fixed-point weights and rounding; TFLM uses 10-bit weights, int64 sums and a
      // half-away rounding of /2^20: about 1 element in 8 differs, by 1.
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(1);
    }, T);
  }

  it('float: float32 step for step; TFLite within float rounding', async () => {
    for (const [a, h] of OPTIONS) {
      const r = await checkFloatOp(spec('ResizeBilinear', 'rb_float', [2, 3, 4, 2], [5, 9], a, h, 'float32'));
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff![0]!).toBeLessThanOrEqual(r.maxAbs[0]! * 1e-6);
    }
  }, T);

  it('refuses what TFLM refuses: both options set, int16', () => {
    let g = buildGraph(spec('ResizeBilinear', 'rb_both', [1, 2, 2, 1], [3, 3], true, true));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/align_corners and half_pixel_centers are both set/);
    g = buildGraph(spec('ResizeBilinear', 'rb_i16', [1, 2, 2, 1], [3, 3], false, false, 'int16'));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/input 't0' is int16; this kernel takes int8/);
  });
});
