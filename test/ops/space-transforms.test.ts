/**
 * SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, BROADCAST_TO: values
 * written by hand from TFLM's index arithmetic, seeded int8/int16/float inputs through the
 * harness (reference = host C) against TFLite, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { opDef } from '../../src/ops/registry.js';
import { floatCheck, runBoth, typed } from './exact-cases.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec, type TensorSpec } from './harness.js';

const q8: [number, number] = [0.1, -5];

function unary(name: string, x: number[], y: number[], dtype: 'int8' | 'int16' | 'int32' | 'float32', op: Record<string, unknown>, extra: TensorSpec[] = []): OpSpec {
  const q = dtype === 'int8' ? { q: q8 } : dtype === 'int16' ? { q: [0.1, 0] as [number, number] } : {};
  return {
    name,
    tensors: [{ shape: x, dtype, ...q }, { shape: y, dtype, ...q }, ...extra],
    op: { inputs: [0, ...extra.map((_, k) => 2 + k)], outputs: [1], ...op },
  } as OpSpec;
}

const s2b = (name: string, x: number[], y: number[], dtype: 'int8' | 'int16' | 'float32', kind: 'SpaceToBatchND' | 'BatchToSpaceND', block: number[], pads: number[]) =>
  unary(name, x, y, dtype, { kind, blockShape: block, pads }, [
    { shape: [block.length], dtype: 'int32', data: block },
    { shape: [block.length, 2], dtype: 'int32', data: pads },
  ]);

const bcast = (name: string, x: number[], y: number[], dtype: 'int8' | 'int32' | 'float32') => unary(name, x, y, dtype, { kind: 'BroadcastTo', shape: y }, [{ shape: [y.length], dtype: 'int32', data: y }]);

async function hand(spec: OpSpec, x: number[], want: number[]): Promise<void> {
  const { reference, host } = await runBoth(buildGraph(spec), [[typed(spec, 0, x)]]);
  expect(reference[0]).toEqual(want);
  expect(host[0]).toEqual(want);
}

describe('SPACE_TO_DEPTH / DEPTH_TO_SPACE', () => {
  it('hand-computed: [1,2,4,1] ↔ [1,1,2,4] with block 2', async () => {
    // Output pixel ow = 0 gathers input (0,0), (0,1), (1,0), (1,1) = 1, 2, 5, 6; ow = 1 gathers 3, 4, 7, 8.
    await hand(unary('s2d_hand', [1, 2, 4, 1], [1, 1, 2, 4], 'int8', { kind: 'SpaceToDepth', blockSize: 2 }), [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 5, 6, 3, 4, 7, 8]);
    await hand(unary('d2s_hand', [1, 1, 2, 4], [1, 2, 4, 1], 'int8', { kind: 'DepthToSpace', blockSize: 2 }), [1, 2, 5, 6, 3, 4, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8]);
  }, 120_000);

  it.each([
    ['SPACE_TO_DEPTH int8 [2,4,6,3] block 2', 'SpaceToDepth', [2, 4, 6, 3], [2, 2, 3, 12], 2, 'int8'],
    ['DEPTH_TO_SPACE int8 [2,2,3,8] block 2', 'DepthToSpace', [2, 2, 3, 8], [2, 4, 6, 2], 2, 'int8'],
    ['DEPTH_TO_SPACE int8 [1,1,1,9] block 3', 'DepthToSpace', [1, 1, 1, 9], [1, 3, 3, 1], 3, 'int8'],
  ] as const)('%s: host C = reference, TFLite equal', async (_n, kind, x, y, b, dtype) => {
    const r = await checkOp(unary(`${kind}_${dtype}`, [...x], [...y], dtype, { kind, blockSize: b }));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('int16 [1,6,3,2] block 3 (TFLite refuses int16 here; TFLM too): host C = reference, DEPTH_TO_SPACE undoes it', async () => {
    const a = await checkOp(unary('s2d_i16', [1, 6, 3, 2], [1, 2, 1, 18], 'int16', { kind: 'SpaceToDepth', blockSize: 3 }), { tflite: false });
    const back = await runBoth(buildGraph(unary('d2s_i16', [1, 2, 1, 18], [1, 6, 3, 2], 'int16', { kind: 'DepthToSpace', blockSize: 3 })), [[a.reference[0]![0]!]]);
    expect(back.reference[0]).toEqual(Array.from(a.inputs[0]![0]!));
    expect(back.host[0]).toEqual(back.reference[0]);
  }, 120_000);

  it.each(['SpaceToDepth', 'DepthToSpace'] as const)('%s float32; TFLite equal', async (kind) => {
    const r = await floatCheck(unary(`${kind}_f32`, kind === 'SpaceToDepth' ? [1, 4, 4, 3] : [1, 2, 2, 12], kind === 'SpaceToDepth' ? [1, 2, 2, 12] : [1, 4, 4, 3], 'float32', { kind, blockSize: 2 }));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);

  it('a height that is not a multiple of the block is a shape error', () => {
    const g = buildGraph(unary('s2d_bad', [1, 3, 4, 1], [1, 1, 2, 4], 'int8', { kind: 'SpaceToDepth', blockSize: 2 }));
    expect(() => opDef(g.ops[0]!).inferShapes(g, g.ops[0]!)).toThrow(/multiples of the block size 2/);
  });
});

describe('SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND', () => {
  it('hand-computed: [1,2,3,1] padded left by 1 ↔ [4,1,2,1] with block [2,2]; padding takes the zero point', async () => {
    // Padded rows [z,1,2,3] and [z,4,5,6] (z = −5): batch (0,0) = row 0, columns 0 and 2 = z, 2;
    // (0,1) = 1, 3; (1,0) = z, 5; (1,1) = 4, 6.
    await hand(s2b('s2b_hand', [1, 2, 3, 1], [4, 1, 2, 1], 'int8', 'SpaceToBatchND', [2, 2], [0, 0, 1, 0]), [1, 2, 3, 4, 5, 6], [-5, 2, 1, 3, -5, 5, 4, 6]);
    await hand(s2b('b2s_hand', [4, 1, 2, 1], [1, 2, 3, 1], 'int8', 'BatchToSpaceND', [2, 2], [0, 0, 1, 0]), [-5, 2, 1, 3, -5, 5, 4, 6], [1, 2, 3, 4, 5, 6]);
  }, 120_000);

  it.each([
    ['SPACE_TO_BATCH_ND int8 [2,5,4,3] block [2,3] pads [1,0,1,1]', 'SpaceToBatchND', [2, 5, 4, 3], [12, 3, 2, 3], [2, 3], [1, 0, 1, 1], 'int8'],
    ['SPACE_TO_BATCH_ND int8 no padding [1,4,4,2] block [2,2]', 'SpaceToBatchND', [1, 4, 4, 2], [4, 2, 2, 2], [2, 2], [0, 0, 0, 0], 'int8'],
    ['BATCH_TO_SPACE_ND int8 [12,3,2,3] block [2,3] crops [1,0,1,1]', 'BatchToSpaceND', [12, 3, 2, 3], [2, 5, 4, 3], [2, 3], [1, 0, 1, 1], 'int8'],
    ['BATCH_TO_SPACE_ND float32 [8,1,3,2] block [2,2] crops [0,1,2,0]', 'BatchToSpaceND', [8, 1, 3, 2], [2, 1, 4, 2], [2, 2], [0, 1, 2, 0], 'float32'],
  ] as const)('%s: host C = reference (int8), TFLite equal', async (_n, kind, x, y, block, pads, dtype) => {
    const spec = s2b(`${kind}_${dtype}`, [...x], [...y], dtype, kind, [...block], [...pads]);
    if (dtype === 'float32') {
      const r = await floatCheck(spec);
      if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
    } else {
      const r = await checkOp(spec);
      if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    }
  }, 120_000);

  it('3-D inputs (width 1): SPACE_TO_BATCH_ND [2,5,3] block [2] pads [1,2] and its inverse; host C = reference, TFLite equal', async () => {
    const a = await checkOp(s2b('s2b_3d', [2, 5, 3], [4, 4, 3], 'int8', 'SpaceToBatchND', [2], [1, 2]));
    const b = await checkOp(s2b('b2s_3d', [4, 4, 3], [2, 5, 3], 'int8', 'BatchToSpaceND', [2], [1, 2]));
    // Round trip: the inverse of the padded blocks is the input.
    const back = await runBoth(buildGraph(s2b('b2s_3d_rt', [4, 4, 3], [2, 5, 3], 'int8', 'BatchToSpaceND', [2], [1, 2])), [[a.reference[0]![0]!]]);
    expect(back.reference[0]).toEqual(Array.from(a.inputs[0]![0]!));
    if (HAVE_TFLITE) {
      expect(a.tfliteMaxDiff).toEqual([0]);
      expect(b.tfliteMaxDiff).toEqual([0]);
    }
  }, 120_000);

  it('int16 with a non-zero zero point is refused for SPACE_TO_BATCH_ND (memset padding)', () => {
    const spec = s2b('s2b16', [1, 2, 2, 1], [4, 1, 1, 1], 'int16', 'SpaceToBatchND', [2, 2], [0, 0, 0, 0]);
    spec.tensors[0]!.q = [0.1, 3];
    spec.tensors[1]!.q = [0.1, 3];
    const g = buildGraph(spec);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/memset padding/);
  });
});

describe('BROADCAST_TO', () => {
  it('hand-computed: [2,1] → [2,3] and [3] → [2,3]', async () => {
    await hand(bcast('bt_hand_a', [2, 1], [2, 3], 'int8'), [7, -9], [7, 7, 7, -9, -9, -9]);
    await hand(bcast('bt_hand_b', [3], [2, 3], 'int8'), [1, 2, 3], [1, 2, 3, 1, 2, 3]);
  }, 120_000);

  it.each([
    ['int8 [3,1,4] → [2,3,5,4]', [3, 1, 4], [2, 3, 5, 4], 'int8'],
    ['int32 [1] → [2,3]', [1], [2, 3], 'int32'],
    ['int8 [1,1,1,1,2] → [2,1,3,1,2] (5-D)', [1, 1, 1, 1, 2], [2, 1, 3, 1, 2], 'int8'],
  ] as const)('%s: host C = reference, TFLite equal', async (_n, x, y, dtype) => {
    const r = await checkOp(bcast(`bt_${dtype}`, [...x], [...y], dtype));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('float32 [4,1] → [3,4,2]; TFLite equal', async () => {
    const r = await floatCheck(bcast('bt_f32', [4, 1], [3, 4, 2], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxAbs).toBe(0);
  }, 120_000);
});
