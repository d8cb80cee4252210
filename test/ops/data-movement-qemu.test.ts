/**
 * The data-movement kernels on a Cortex-M: the seanet 16x8 STRIDED_SLICE model (TFLM's own
 * outputs) and an int8 graph using Transpose, Gather with run-time int32 indices, Split, Pack
 * and Cast to int32 are built with arm-none-eabi-gcc, run on qemu-system-arm -M mps2-an386 over
 * the runtime protocol, and must equal TFLM / the reference interpreter byte for byte.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { importModel } from '../../src/importers/index.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runEmulated } from '../../src/pipeline/run-emulated.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { randomInput } from './harness.js';
import { TFLM_MODELS, tflmCases } from './tflm-goldens.js';

const available = missingArmTools().length === 0 && hasTool('qemu-system-arm');
const board = loadBoard('qemu-mps2-an386');
const q = { scale: [0.04], zeroPoint: [-6] };

function moves(): Graph {
  return {
    name: 'moves_int8',
    tensors: [
      { name: 'x', shape: [1, 3, 4, 2], dtype: 'int8', quant: q }, // 0
      { name: 'idx', shape: [3], dtype: 'int32' }, // 1
      { name: 'perm', shape: [4], dtype: 'int32', data: Int32Array.of(0, 3, 2, 1) }, // 2
      { name: 't', shape: [1, 2, 4, 3], dtype: 'int8', quant: q }, // 3
      { name: 'g', shape: [1, 2, 3, 3], dtype: 'int8', quant: q }, // 4
      { name: 'axis', shape: [], dtype: 'int32', data: Int32Array.of(1) }, // 5
      { name: 'a', shape: [1, 1, 3, 3], dtype: 'int8', quant: q }, // 6
      { name: 'b', shape: [1, 1, 3, 3], dtype: 'int8', quant: q }, // 7
      { name: 'p', shape: [1, 1, 3, 3, 2], dtype: 'int8', quant: q }, // 8
      { name: 'c', shape: [1, 1, 3, 3], dtype: 'int32' }, // 9
    ],
    ops: [
      { kind: 'Transpose', name: 'tr', inputs: [0, 2], outputs: [3], perm: [0, 3, 2, 1] },
      { kind: 'Gather', name: 'ga', inputs: [3, 1], outputs: [4], axis: 2, batchDims: 0 },
      { kind: 'Split', name: 'sp', inputs: [5, 4], outputs: [6, 7], axis: 1, sizes: [1, 1] },
      { kind: 'Pack', name: 'pk', inputs: [7, 6], outputs: [8], axis: 4, count: 2 },
      { kind: 'Cast', name: 'ca', inputs: [6], outputs: [9] },
    ],
    inputs: [0, 1],
    outputs: [8, 9],
  };
}

describe.skipIf(!available)('data-movement kernels on qemu-mps2-an386', () => {
  it("seanet strided_slice0 (int16): TFLM's outputs exactly", async () => {
    const g = await importModel(join(TFLM_MODELS, 'seanet', 'strided_slice0.tflite'));
    const cases = tflmCases('seanet__strided_slice0', g)!;
    const outs = await runEmulated({ graph: g, modelPath: 'strided_slice0.tflite', board, samples: cases.map((c) => c.inputs), logger: silentLogger });
    cases.forEach((c, s) => expect(Array.from(outs[s]![0]!), c.name).toEqual(c.output));
  }, 300_000);

  it('Transpose → Gather (run-time indices) → Split → Pack / Cast: equal to the reference', async () => {
    const g = moves();
    const r = mulberry32(4);
    const samples: TensorData[][] = Array.from({ length: 3 }, () => [randomInput(g.tensors[0]!, r), Int32Array.from({ length: 3 }, () => Math.floor(r() * 4))]);
    const outs = await runEmulated({ graph: g, modelPath: 'moves_int8', board, samples, logger: silentLogger });
    samples.forEach((x, s) => {
      const want = runGraph(g, x);
      want.forEach((w, k) => expect(Array.from(outs[s]![k]!), `sample ${s} output ${k}`).toEqual(Array.from(w)));
    });
  }, 300_000);
});
