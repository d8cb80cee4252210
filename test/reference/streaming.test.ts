/**
 * State that persists between invocations, end to end, on a streaming model our own writer
 * builds (resource variables set up by a CALL_ONCE init subgraph, plus an SVDF with int16
 * state): 100 consecutive steps give the same bytes from the reference session, the host C and
 * the Cortex-M firmware under QEMU, and the state between steps is carried over exactly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoard, resolveBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { modelHash } from '../../src/codegen/model-hash.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { tfliteToGraph } from '../../src/importers/tflite.js';
import type { TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import { runEmulated } from '../../src/pipeline/run-emulated.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { createSession, runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { streamingModel } from '../fixtures/streaming-model.js';
import { HAVE_TFLITE, runTflite } from '../ops/harness.js';

const STEPS = 100;
const graph = tfliteToGraph(writeTflite(streamingModel()), 'streaming_svdf.tflite');
const r = mulberry32(77);
const steps: TensorData[][] = Array.from({ length: STEPS }, () => [Int8Array.from({ length: 8 }, () => Math.floor(r() * 256) - 128)]);

/** The reference over the whole stream, with the state after every step. */
function referenceStream() {
  const s = createSession(graph);
  const outputs: TensorData[] = [];
  const prev: number[][] = [];
  const svdf: number[][] = [];
  for (const x of steps) {
    outputs.push(s.run(x)[0]!);
    const st = s.state();
    prev.push(Array.from(st.variables.get('prev')!));
    svdf.push(Array.from(st.tensors.get(7)!));
  }
  return { outputs, prev, svdf };
}
const ref = referenceStream();
const bytes = (o: TensorData[][]) => o.map((s) => Array.from(s[0]!));

describe('a streaming model written by our .tflite writer', () => {
  it('reads back with its init subgraph, resource variable and variable tensor', () => {
    expect(graph.subgraphs).toHaveLength(1);
    expect(graph.subgraphs![0]!.ops.map((op) => op.kind)).toEqual(['VarHandle', 'AssignVariable']);
    expect(graph.ops.map((op) => op.kind)).toEqual(['CallOnce', 'VarHandle', 'ReadVariable', 'Add', 'AssignVariable', 'SVDF']);
    expect(graph.tensors[7]!.variable).toBe(true);
    expect(graph.tensors[1]!.dtype).toBe('resource');
  });

  it('the model hash covers the init subgraph and the state flags (a cached project is never another model)', () => {
    const sub = graph.subgraphs![0]!;
    const other = { ...graph, subgraphs: [{ ...sub, tensors: sub.tensors.map((t, i) => (i === 1 ? { ...t, data: new Int8Array(8) } : t)) }] };
    expect(modelHash(other)).not.toBe(modelHash(graph));
    const stateless = { ...graph, tensors: graph.tensors.map((t) => ({ ...t, variable: false })) };
    expect(modelHash(stateless)).not.toBe(modelHash(graph));
  });

  it('reference: the state after each step is the previous input and the SVDF memory, exactly', () => {
    // The init subgraph ran once: the first step read its constant, the next ones the input before.
    const fresh = createSession(graph);
    const first = fresh.run(steps[0]!)[0]!;
    expect(Array.from(first)).toEqual(Array.from(ref.outputs[0]!));
    for (let k = 0; k < STEPS; k++) expect(ref.prev[k]).toEqual(Array.from(steps[k]![0]!));
    // Step k's SVDF memory is step k-1's shifted by one with one new column per filter.
    for (let k = 1; k < STEPS; k++) {
      const before = ref.svdf[k - 1]!;
      const after = ref.svdf[k]!;
      for (let f = 0; f < 6; f++) for (let m = 0; m < 3; m++) expect(after[f * 4 + m]).toBe(before[f * 4 + m + 1]);
    }
    // Without the init constant (prev = 0) the first output changes: CALL_ONCE is not a no-op.
    const sub = graph.subgraphs![0]!;
    expect(Array.from(sub.tensors[1]!.data!)).toEqual([20, -20, 40, -40, 60, -60, 80, -80]);
    const noInit = { ...graph, subgraphs: [{ ...sub, tensors: sub.tensors.map((t, i) => (i === 1 ? { ...t, data: new Int8Array(8) } : t)) }] };
    expect(Array.from(runGraph(noInit, steps[0]!)[0]!)).not.toEqual(Array.from(first));
    // A stream is not a series of fresh runs.
    const freshOutputs = steps.map((x) => Array.from(runGraph(graph, x)[0]!));
    expect(freshOutputs).not.toEqual(ref.outputs.map((o) => Array.from(o)));
    // Reset starts the stream over, init subgraph included.
    fresh.reset();
    expect(Array.from(fresh.run(steps[0]!)[0]!)).toEqual(Array.from(first));
  });

  it(`host C: ${STEPS} steps as one stream equal the reference; without --stream each sample starts fresh`, async () => {
    const board = resolveBoard('host');
    const streamed = await runOnHost({ graph, modelPath: 'streaming_svdf.tflite', board, samples: steps, logger: silentLogger, stream: true });
    expect(bytes(streamed)).toEqual(ref.outputs.map((o) => Array.from(o)));
    const independent = await runOnHost({ graph, modelPath: 'streaming_svdf.tflite', board, samples: steps.slice(0, 10), logger: silentLogger });
    expect(bytes(independent)).toEqual(steps.slice(0, 10).map((x) => Array.from(runGraph(graph, x)[0]!)));
  }, 240_000);

  it("the state region is static memory outside the arena, inside model.c's one RAM object and the RAM figure", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-stream-')), 'p');
    const { report } = await convertGraph(graph, 'streaming_svdf.tflite', null, { board: resolveBoard('host'), outDir: dir, runGraph, measureCode: false, logger: silentLogger });
    // SVDF memory 6 filters × 4 steps × int16 = 48, 'prev' 8 bytes at 48, one CALL_ONCE flag at 56.
    expect(report.sizes.stateBytes).toBe(57);
    expect(report.plan.state.entries.map((e) => [e.kind, e.offset, e.size])).toEqual([
      ['tensor', 0, 48],
      ['variable', 48, 8],
      ['flag', 56, 1],
    ]);
    // model.c's RAM: the arena (at least 1 byte), the state at the next 16-byte boundary, the hook
    // pointer (8 bytes on the host), rounded to 16.
    const stateAt = Math.ceil(Math.max(report.sizes.arenaBytes, 1) / 16) * 16;
    expect(report.sizes.modelRamBytes).toBe(Math.ceil((Math.ceil((stateAt + 57) / 8) * 8 + 8) / 16) * 16);
    // The input lives in the arena; the output is the caller's.
    expect(report.inputHome).not.toBe('caller');
    expect(report.fit.ram.needed).toBe(report.sizes.modelRamBytes + report.ioBytes.output);
    expect(report.plan.tensors.map((t) => t.tensor)).not.toContain(7);
    if (hasTool('cc') && hasTool('nm')) {
      execFileSync('cc', ['-std=c99', '-c', '-I', join(dir, 'kernels'), '-o', join(dir, 'model.o'), join(dir, 'model.c')]);
      const sym = execFileSync('nm', ['-S', join(dir, 'model.o')], { encoding: 'utf8' })
        .split('\n')
        .find((l) => / tinyml_state$/.test(l));
      expect(sym, 'tinyml_state in model.o').toBeDefined();
      expect(parseInt(sym!.trim().split(/\s+/)[1]!, 16)).toBe(report.sizes.modelRamBytes);
    }
  }, 120_000);

  it.skipIf(!HAVE_TFLITE)('TFLite runs the written file with the same resource-variable and state semantics', async () => {
    const tf = await runTflite(writeTflite(graph), steps.slice(0, 30));
    // tfjs-tflite hands back an all-zero output for the very first invocation of a CALL_ONCE
    // model; the state that invocation leaves is right, as every later step shows.
    let maxDiff = 0;
    tf.slice(1).forEach((o, k) => o[0]!.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref.outputs[k + 1]![i]!)))));
    // ADD and SVDF requantize with TFLite's single rounding in this build: within 1 LSB.
    expect(maxDiff).toBeLessThanOrEqual(1);
  }, 120_000);

  it.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))(`Cortex-M4 under QEMU: ${STEPS} steps equal the reference, and tinyml-reset starts over`, async () => {
    const board = loadBoard('qemu-mps2-an386');
    const streamed = await runEmulated({ graph, modelPath: 'streaming_svdf.tflite', board, samples: steps, logger: silentLogger, stream: true });
    expect(bytes(streamed)).toEqual(ref.outputs.map((o) => Array.from(o)));
    const independent = await runEmulated({ graph, modelPath: 'streaming_svdf.tflite', board, samples: steps.slice(0, 5), logger: silentLogger });
    expect(bytes(independent)).toEqual(steps.slice(0, 5).map((x) => Array.from(runGraph(graph, x)[0]!)));
  }, 600_000);
});
