/**
 * The kernels of ABS, the comparisons (x > its reversed cumulative sum, mixed outcomes) and logical ops, SELECT_V2, ADD_N, CUMSUM, ARG_MIN,
 * REDUCE_MIN and the space/batch/depth moves on a Cortex-M: one int8 graph built with
 * arm-none-eabi-gcc, run on qemu-system-arm -M mps2-an386 over the runtime protocol, equal to
 * the reference interpreter byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runEmulated } from '../../src/pipeline/run-emulated.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { randomInput } from './harness.js';

const available = missingArmTools().length === 0 && hasTool('qemu-system-arm');
const board = loadBoard('qemu-mps2-an386');
const q = { scale: [0.04], zeroPoint: [-6] };
const qa = { scale: [0.03], zeroPoint: [-128] };
const qs = { scale: [0.2], zeroPoint: [3] };
const ints = (name: string, shape: number[], v: number[]) => ({ name, shape, dtype: 'int32' as const, data: Int32Array.from(v) });

function graph(): Graph {
  return {
    name: 'new_ops_int8',
    tensors: [
      { name: 'x', shape: [1, 4, 4, 4], dtype: 'int8', quant: q }, // 0
      { name: 'abs', shape: [1, 4, 4, 4], dtype: 'int8', quant: qa }, // 1
      { name: 'gt', shape: [1, 4, 4, 4], dtype: 'bool' }, // 2
      { name: 's2d', shape: [1, 2, 2, 16], dtype: 'int8', quant: q }, // 3
      { name: 'd2s', shape: [1, 4, 4, 4], dtype: 'int8', quant: q }, // 4
      { name: 'sel', shape: [1, 4, 4, 4], dtype: 'int8', quant: q }, // 5
      ints('axis3', [], [3]), // 6
      { name: 'cs', shape: [1, 4, 4, 4], dtype: 'int8', quant: qs }, // 7
      { name: 'addn', shape: [1, 4, 4, 4], dtype: 'int8', quant: q }, // 8
      { name: 'amin', shape: [1, 4, 4], dtype: 'int32' }, // 9
      ints('axes12', [2], [1, 2]), // 10
      { name: 'rmin', shape: [1, 1, 1, 4], dtype: 'int8', quant: q }, // 11
      ints('block', [2], [2, 2]), // 12
      ints('pads', [2, 2], [1, 1, 0, 2]), // 13
      { name: 's2b', shape: [4, 3, 3, 4], dtype: 'int8', quant: q }, // 14
      { name: 'not', shape: [1, 4, 4, 4], dtype: 'bool' }, // 15
      ints('shape', [4], [1, 4, 4, 4]), // 16
      { name: 'bc', shape: [1, 4, 4, 4], dtype: 'int8', quant: q }, // 17
      { name: 'ne', shape: [1, 4, 4, 4], dtype: 'bool' }, // 18
      { name: 'or', shape: [1, 4, 4, 4], dtype: 'bool' }, // 19
      ints('axis3b', [1], [3]), // 20
    ],
    ops: [
      { kind: 'Abs', name: 'abs', inputs: [0], outputs: [1] },
      { kind: 'Cumsum', name: 'cs', inputs: [0, 6], outputs: [7], axis: 3, exclusive: false, reverse: true },
      { kind: 'Greater', name: 'gt', inputs: [0, 7], outputs: [2] },
      { kind: 'SpaceToDepth', name: 's2d', inputs: [0], outputs: [3], blockSize: 2 },
      { kind: 'DepthToSpace', name: 'd2s', inputs: [3], outputs: [4], blockSize: 2 },
      { kind: 'SelectV2', name: 'sel', inputs: [2, 0, 4], outputs: [5] },
      { kind: 'AddN', name: 'addn', inputs: [0, 4, 5], outputs: [8] },
      { kind: 'ArgMin', name: 'amin', inputs: [0, 20], outputs: [9], axis: 3 },
      { kind: 'ReduceMin', name: 'rmin', inputs: [0, 10], outputs: [11], axes: [1, 2], keepDims: true },
      { kind: 'SpaceToBatchND', name: 's2b', inputs: [0, 12, 13], outputs: [14], blockShape: [2, 2], pads: [1, 1, 0, 2] },
      { kind: 'LogicalNot', name: 'not', inputs: [2], outputs: [15] },
      { kind: 'BroadcastTo', name: 'bc', inputs: [11, 16], outputs: [17], shape: [1, 4, 4, 4] },
      { kind: 'NotEqual', name: 'ne', inputs: [0, 17], outputs: [18] },
      { kind: 'LogicalOr', name: 'or', inputs: [15, 18], outputs: [19] },
    ],
    inputs: [0],
    outputs: [1, 5, 7, 8, 9, 14, 19],
  };
}

describe.skipIf(!available)('new op kernels on qemu-mps2-an386', () => {
  it('ABS, CUMSUM → GREATER → SELECT_V2 (with SPACE_TO_DEPTH/DEPTH_TO_SPACE), ADD_N, ARG_MIN, REDUCE_MIN → BROADCAST_TO → NOT_EQUAL, SPACE_TO_BATCH_ND, LOGICAL_NOT/OR: equal to the reference', async () => {
    const g = graph();
    const r = mulberry32(9);
    const samples: TensorData[][] = Array.from({ length: 3 }, () => [randomInput(g.tensors[0]!, r)]);
    const outs = await runEmulated({ graph: g, modelPath: 'new_ops_int8', board, samples, logger: silentLogger });
    samples.forEach((x, s) => {
      const want = runGraph(g, x);
      // x > cumsum(x) (reversed, along channels) is true for some elements and false for others.
      const gt = runGraph({ ...g, outputs: [2] }, x)[0]!;
      expect(new Set(gt).size).toBe(2);
      want.forEach((w, k) => expect(Array.from(outs[s]![k]!), `sample ${s} output ${k}`).toEqual(Array.from(w)));
    });
  }, 300_000);
});
