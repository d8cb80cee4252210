/**
 * `tinyml run --board qemu-mps2-an386` backend: every sample goes through the firmware under
 * QEMU and comes back equal to the reference interpreter; a real board is refused with a hint.
 */
import { describe, expect, it } from 'vitest';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { defaultInput } from '../../src/pipeline/bench.js';
import { importModel } from '../../src/importers/index.js';
import { silentLogger } from '../../src/log.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { runGraph } from '../../src/reference/interpreter.js';

const MODEL = new URL('../../../shared/models/mlperf-tiny/ad01_int8.tflite', import.meta.url).pathname;

describe('run backend for bare-metal Cortex-M boards', () => {
  it.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('runs samples on qemu-mps2-an386 with reference outputs', async () => {
    const graph = await importModel(MODEL);
    const { board, backend } = await resolveRunBackend('qemu-mps2-an386');
    expect(board.template).toBe('bare-metal-cortex-m');
    const samples = [1, 2, 3].map((s) => {
      const b = defaultInput(640, s);
      return [new Int8Array(b.buffer)];
    });
    const seen: number[] = [];
    const out = await backend({ graph, modelPath: MODEL, board, samples, logger: silentLogger, onProgress: (d) => seen.push(d) });
    expect(out.length).toBe(3);
    samples.forEach((s, k) => expect(Array.from(out[k]![0] as Int8Array)).toEqual(Array.from(runGraph(graph, s)[0] as Int8Array)));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('refuses a real board and points to bench --port', async () => {
    const graph = await importModel(MODEL);
    const { board, backend } = await resolveRunBackend('nucleo-l4r5zi');
    await expect(backend({ graph, modelPath: MODEL, board, samples: [], logger: silentLogger })).rejects.toThrow(/real board/);
  });
});
