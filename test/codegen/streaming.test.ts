/**
 * Layers run a row at a time (src/plan/planner.ts StreamGroup, kernels/reference/conv_rows_s8.c):
 * a conv-like layer's output kept as a window of rows for the next one, and a residual ADD
 * fused into a layer's output rows over its other operand. The generated C must give the
 * reference interpreter's bytes whatever the geometry (odd sizes, 'valid' padding, strides that
 * skip rows, dilation, kernels taller than wide), and the planner must refuse what is unsafe.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../bench/synthetic-models.js';
import { resolveBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { opDef } from '../../src/ops/registry.js';
import { convertGraph, planBuffers, planModel, type Streaming } from '../../src/pipeline/convert.js';
import { ioPacker } from '../../src/pipeline/io-pack.js';
import { stripFloatEdges } from '../../src/codegen/prepare.js';
import { defaultInput } from '../../src/pipeline/bench.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { latestSchedule, PLANNERS } from '../../src/plan/planner.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';

const canEmulate = missingArmTools().length === 0 && hasTool('qemu-system-arm');

function quantized(f: Graph): Graph {
  const n = f.tensors[f.inputs[0]!]!.shape.reduce((a, b) => a * b, 1);
  return quantizeModel(f, { run: runGraph, calibration: syntheticSamples(4, n, 11) }).graph;
}

/** A residual block as ResNet's first stack: the producer reads the residual. Odd sizes. */
function residualBlock(): Graph {
  const b = new Builder(21);
  const x = b.tensor('input', [1, 13, 11, 3]);
  const h = b.conv(x, 12, 3, 1, 'relu', 'stem');
  const y = b.conv(h, 12, 3, 1, 'relu', 'conv1');
  const z = b.conv(y, 12, 3, 1, 'none', 'conv2');
  const s = b.add(z, h, 'relu', 'add');
  return b.graph('residual_block', x, b.head(s, 4));
}

/**
 * A dilated depthwise streamed into a 2x3 'valid' stride-3 conv (every third row of the window
 * is never needed), and a conv fused with the ADD of that result.
 */
function oddGeometry(): Graph {
  const b = new Builder(22);
  const x = b.tensor('input', [1, 23, 17, 2]);
  const a = b.conv(x, 24, 3, 2, 'relu6', 'valid_s2', { padding: 'valid' }); // 11 x 8, read twice
  const d = b.depthwise(a, 1, 'relu', 'dilated_dw', { dilation: 2 }); // 11 x 8
  const c = b.conv(d, 14, 2, 3, 'none', 'skip_rows', { kW: 3, padding: 'valid' }); // 4 x 2
  const q = b.conv(a, 14, 2, 3, 'none', 'other', { kW: 3, padding: 'valid' }); // 4 x 2
  const sum = b.add(c, q, 'relu', 'add');
  return b.graph('odd_geometry', x, b.head(sum, 3));
}

/** Depthwise then pointwise, as MobileNet: the depthwise output streamed into the 1x1 conv. */
function separable(): Graph {
  const b = new Builder(23);
  const x = b.tensor('input', [1, 20, 20, 3]);
  let h = b.conv(x, 8, 3, 2, 'relu6', 'conv0');
  h = b.depthwise(h, 1, 'relu6', 'dw1');
  h = b.conv(h, 24, 1, 1, 'relu6', 'pw1');
  h = b.depthwise(h, 2, 'relu6', 'dw2');
  h = b.conv(h, 16, 1, 1, 'relu6', 'pw2');
  return b.graph('separable', x, b.head(h, 2));
}

/** A downsampling residual block whose shortcut conv comes before the other branch's second conv. */
function shortcutFirst(): Graph {
  const b = new Builder(26);
  const x = b.tensor('input', [1, 16, 16, 3]);
  const h = b.conv(x, 8, 3, 1, 'relu', 'stem');
  const y = b.conv(h, 16, 3, 2, 'relu', 'conv1');
  const s = b.conv(h, 16, 1, 2, 'none', 'shortcut');
  const z = b.conv(y, 16, 3, 1, 'none', 'conv2');
  return b.graph('shortcut_first', x, b.head(b.add(z, s, 'relu', 'add'), 3));
}

const prepare = (g: Graph) => g.ops.map((op) => opDef(op).prepare(g, op));

describe('streamed layers', () => {
  const cases = [
    ['residual block', residualBlock],
    ['odd geometry', oddGeometry],
    ['separable', separable],
    ['shortcut first', shortcutFirst],
  ] as const;

  it.each(cases)('%s: the plan streams layers and the arena shrinks', (name, make) => {
    const q = quantized(make());
    // In the order convert runs it: each op as late as it can go (shortcut first), else the model's.
    const g = name === 'shortcut first' ? latestSchedule(q)! : q;
    const prepared = prepare(g);
    const whole = PLANNERS['greedy-by-size']!.plan(planBuffers(g, prepared, 'reference', 'reused', false).requests).arenaBytes;
    const { buffers, plan } = planModel(g, prepared, 'reference', PLANNERS['greedy-by-size']!);
    expect(buffers.streams.length).toBeGreaterThan(0);
    expect(plan.arenaBytes).toBeLessThan(whole);
  });

  it('the residual block fuses conv1 -> conv2 -> add into one group over the residual', () => {
    const g = quantized(residualBlock());
    const buffers = planBuffers(g, prepare(g), 'reference', 'reused', true);
    const names = buffers.streams.map((s) => [s.producer, s.layer, s.add].map((i) => (i >= 0 ? g.ops[i]!.name : '-')));
    expect(names).toContainEqual(['conv1', 'conv2', 'add']);
    const group = buffers.streams.find((s) => g.ops[s.layer]!.name === 'conv2')!;
    expect(g.tensors[group.residual]!.name).toBe('stem/out');
    expect(group.windowRows).toBe(3);
  });

  it.each(['reference', 'cortex-m'])('odd geometry (%s kernels): a window into the stride-3 conv, and a conv fused with the ADD', (kernels) => {
    const g = quantized(oddGeometry());
    const groups = (streaming: Streaming) =>
      planModel(g, prepare(g), kernels, PLANNERS['greedy-by-size']!, streaming).buffers.streams.map((s) => [s.producer, s.layer, s.add].map((i) => (i >= 0 ? g.ops[i]!.name : '-')).join('>'));
    expect(groups('all')).toEqual(['dilated_dw>skip_rows>-', '->other>add']);
    // 'auto' keeps only what the arena needs (the ADD fusion saves nothing here); 'none' nothing.
    expect(groups('auto')).toEqual(['dilated_dw>skip_rows>-']);
    expect(groups('none')).toEqual([]);
  });

  const modes = cases.flatMap(([name, make]) => (['auto', 'all'] as const).map((mode) => [name, mode, make] as const));
  it.each(modes)('%s, --streaming %s: host C equals the reference interpreter byte for byte', async (_name, streaming, make) => {
    const graph = quantized(make());
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-stream-')), 'p');
    await convertGraph(graph, graph.name, null, { board: resolveBoard('host'), outDir: dir, runGraph, measureCode: false, streaming, logger: silentLogger });
    expect(readFileSync(join(dir, 'model.c'), 'utf8')).toMatch(/streamed: one row of layer/);
    const build = await buildHost(dir, {});
    const io = ioPacker(graph, stripFloatEdges(graph));
    const samples = [1, 2, 3].map((s) => [new Int8Array(defaultInput(io.inputBytes, 0x5900 + s).buffer)]);
    const input = new Uint8Array(io.inputBytes * samples.length);
    samples.forEach((s, k) => input.set(io.pack(s), k * io.inputBytes));
    const out = await runHostProgram(build.exe, input);
    samples.forEach((s, k) => {
      const got = io.unpack(out.subarray(k * io.outputBytes, (k + 1) * io.outputBytes))[0] as Int8Array;
      expect(Array.from(got)).toEqual(Array.from(runGraph(graph, s)[0] as Int8Array));
    });
  }, 120_000);

  it('a shortcut conv computed before the other branch runs right before its ADD, and convert takes that order', async () => {
    const g = quantized(shortcutFirst());
    expect(latestSchedule(g)!.ops.map((op) => op.name).slice(0, 5)).toEqual(['stem', 'conv1', 'conv2', 'shortcut', 'add']);
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-order-')), 'p');
    const { report } = await convertGraph(g, g.name, null, { board: resolveBoard('host'), outDir: dir, runGraph, measureCode: false, logger: silentLogger });
    const inModelOrder = planModel(g, prepare(g), 'reference', PLANNERS['greedy-by-size']!).plan.arenaBytes;
    expect(report.sizes.arenaBytes).toBeLessThan(inModelOrder);
    expect(report.streamed).toContainEqual(['shortcut', 'add']);
  });

  it('add(conv(h), h): no window for h (two readers) and no ADD fusion (the conv still reads the rows it would overwrite)', () => {
    // Output row r of the conv reads h rows r-1..r+1, so h row r is not dead once row r is added.
    const b = new Builder(24);
    const x = b.tensor('input', [1, 9, 9, 4]);
    const h = b.conv(x, 6, 3, 1, 'relu', 'stem');
    const z = b.conv(h, 6, 3, 1, 'none', 'conv');
    const g = quantized(b.graph('self_residual', x, b.head(b.add(z, h, 'none', 'add'), 2)));
    const buffers = planBuffers(g, prepare(g), 'reference', 'reused', true);
    expect(buffers.streams.some((s) => s.add >= 0)).toBe(false);
    expect(buffers.streams.some((s) => s.producer >= 0 && g.ops[s.producer]!.name === 'stem')).toBe(false);
  });


  it.skipIf(!canEmulate).each(cases)('%s: Cortex-M kernels on qemu-mps2-an386 equal the reference', async (_name, make) => {
    const graph = quantized(make());
    const n = graph.tensors[graph.inputs[0]!]!.shape.reduce((a, b) => a * b, 1);
    const samples = [1, 2].map((s) => [new Int8Array(defaultInput(n, 0x5800 + s).buffer)]);
    const { board, backend } = await resolveRunBackend('qemu-mps2-an386');
    expect(board.kernels).toBe('cortex-m');
    const got = await backend({ graph, modelPath: graph.name, board, samples, logger: silentLogger });
    samples.forEach((s, k) => expect(Array.from(got[k]![0] as Int8Array)).toEqual(Array.from(runGraph(graph, s)[0] as Int8Array)));
  }, 300_000);
});
