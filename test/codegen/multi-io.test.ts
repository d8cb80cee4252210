/**
 * Models with several inputs and outputs (TFLM's simple_add_model shape: two inputs into one
 * ADD; a two-headed model) through the generated C: model.h describes each tensor, the packed
 * buffers hold them at their offsets, and the host build and the firmware under QEMU (runtime
 * protocol: db load of the packed input, infer, raw packed output) give the reference's bytes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { resolveBoard } from '../../src/boards/load.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { convertGraph, convertModel } from '../../src/pipeline/convert.js';
import { benchProject } from '../../src/pipeline/bench.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { packTensors } from '../../src/pipeline/io-pack.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, randomInput } from '../ops/harness.js';

/** x [1,3,5] and y [1,5] (broadcast) → a = x + y, b = logistic(x): two inputs, two outputs. */
function twoByTwo(): Graph {
  return {
    ...buildGraph({
      name: 'two_by_two',
      tensors: [
        { name: 'x', shape: [1, 3, 5], dtype: 'int8', q: [0.05, -3] },
        { name: 'y', shape: [1, 5], dtype: 'int8', q: [0.02, 7] },
        { name: 'a', shape: [1, 3, 5], dtype: 'int8', q: [0.06, 1] },
        { name: 'b', shape: [1, 3, 5], dtype: 'int8', q: [1 / 256, -128] },
      ],
      op: { kind: 'Add', inputs: [0, 1], outputs: [2], activation: 'none' },
      inputs: [0, 1],
      outputs: [2, 3],
    }),
    ops: [
      { kind: 'Add', name: 'add', inputs: [0, 1], outputs: [2], activation: 'none' },
      { kind: 'Logistic', name: 'sigmoid', inputs: [0], outputs: [3] },
    ],
  };
}

const canEmulate = missingArmTools().length === 0 && hasTool('qemu-system-arm');

describe('several model inputs and outputs', () => {
  const g = twoByTwo();
  const r = mulberry32(3);
  const samples = Array.from({ length: 6 }, () => g.inputs.map((i) => randomInput(g.tensors[i]!, r)));
  const want = samples.map((s) => runGraph(g, s).map((t) => Array.from(t)));

  it('model.h describes every tensor and its packed offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-mio-'));
    const { report } = await convertGraph(g, 'two_by_two', null, { board: resolveBoard('host'), outDir: join(dir, 'p'), runGraph, measureCode: false });
    const h = readFileSync(join(dir, 'p', 'model.h'), 'utf8');
    expect(h).toMatch(/#define TINYML_NUM_INPUTS 2\n#define TINYML_NUM_OUTPUTS 2/);
    // x: 15 bytes at 0; y: 5 bytes at 16 (8-byte aligned); packed 21 bytes.
    expect(h).toMatch(/#define TINYML_INPUT_BYTES 21\n/);
    expect(h).toMatch(/#define TINYML_INPUT1_BYTES 5\n#define TINYML_INPUT1_OFFSET 16\n#define TINYML_INPUT1_TYPE int8_t/);
    expect(h).toMatch(/#define TINYML_OUTPUT_BYTES 31\n/);
    expect(report.inputs.map((i) => [i.name, i.offset, i.bytes])).toEqual([
      ['x', 0, 15],
      ['y', 16, 5],
    ]);
    expect(report.outputs.map((o) => [o.name, o.offset, o.bytes])).toEqual([
      ['a', 0, 15],
      ['b', 16, 15],
    ]);
    // The inputs live in the arena (in slots of 15 and 5 bytes); only the outputs are the caller's.
    expect(report.inputHome).not.toBe('caller');
    expect(h).toMatch(/#define TINYML_INPUTS_IN_ARENA 1\n/);
    expect(report.fit.ram.needed).toBe(report.sizes.modelRamBytes + 31);
    expect(report.sizes.arenaBytes).toBeGreaterThanOrEqual(15 + 5);
  });

  it('host C gives the reference bytes for both outputs', async () => {
    const got = await runOnHost({ graph: g, modelPath: 'two_by_two', board: resolveBoard('host'), samples, logger: silentLogger });
    expect(got.map((o) => o.map((t) => Array.from(t)))).toEqual(want);
    // Not a pass-through: the outputs depend on both inputs.
    expect(new Set(want.map((w) => w[0]!.join(','))).size).toBe(samples.length);
  }, 120_000);

  it.skipIf(!canEmulate)('firmware on qemu-mps2-an386 gives the reference bytes (run backend)', async () => {
    const { board, backend } = await resolveRunBackend('qemu-mps2-an386');
    const got = await backend({ graph: g, modelPath: 'two_by_two', board, samples, logger: silentLogger });
    expect(got.map((o) => o.map((t) => Array.from(t)))).toEqual(want);
  }, 300_000);

  it.skipIf(!canEmulate)('tinyml bench validates the packed outputs of a converted .tflite on qemu-mps2-an386', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-mio-bench-'));
    const model = join(dir, 'two_by_two.tflite');
    writeFileSync(model, writeTflite(g));
    const board = resolveBoard('qemu-mps2-an386');
    await convertModel(model, { board, outDir: join(dir, 'p'), runGraph, measureCode: false });
    const r = await benchProject(join(dir, 'p'), { board, inferences: 2, write: false });
    expect(r.validated).toBe(true);
    expect(r.macs).toBe(0);
  }, 300_000);

  it('packs tensors at the layout offsets with zero gaps', () => {
    const p = packTensors(g, g.inputs, samples[0]!);
    expect(p.length).toBe(21);
    expect(Array.from(p.subarray(15, 16))).toEqual([0]);
    expect(new Int8Array(p.buffer, 16, 5)).toEqual(samples[0]![1]);
  });
});

