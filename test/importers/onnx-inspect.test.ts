/**
 * `inspect` reads every model it can parse and lists every layer, also the ones tinyml cannot
 * run; `convert`, `quantize` and `run` refuse those with all of them at once (exit 4).
 *   - every .onnx and .tflite file under ../shared/models imports and inspects, and the set of
 *     models that are fully supported is stated;
 *   - ONNX nodes the lowering cannot handle (an unknown op, a custom domain, an option tinyml
 *     refuses, a node reading an unsupported node's output of unknown shape) become IR
 *     Unsupported layers with the node name, op type and reason; the layers after them still
 *     lower.
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnsupportedOpsError } from '../../src/errors.js';
import { importModel, importModelBytes } from '../../src/importers/index.js';
import { listUnsupportedOnnxNodes } from '../../src/importers/onnx.js';
import { inspectGraph } from '../../src/cli/inspect.js';
import { ai, aints, as, buildModel, refusal, tinyml } from './onnx-fixtures.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : /\.(onnx|tflite)$/.test(f) ? [p] : [];
    });
}

/** Models of ../shared/models with at least one layer tinyml cannot run: none (every one runs whole). */
const NOT_FULLY_SUPPORTED: string[] = [];

describe('inspect on every shared model', () => {
  const files = walk(MODELS);
  it('finds the shared .onnx and .tflite files', () => {
    expect(files.filter((f) => f.endsWith('.onnx')).length).toBe(55);
    expect(files.filter((f) => f.endsWith('.tflite')).length).toBe(33);
  });

  it('imports and inspects every one, listing every layer; every one is fully supported', async () => {
    const partial: string[] = [];
    for (const f of files) {
      const g = await importModel(f);
      const r = inspectGraph(g);
      expect(r.layers.length, f).toBe(g.ops.length);
      expect(r.totals.unsupportedLayers, f).toBe(r.layers.filter((l) => !l.supported).length);
      for (const l of r.layers) if (!l.supported) expect(l.reason, `${f} layer ${l.name}`).toBeTruthy();
      if (r.totals.unsupportedLayers > 0) partial.push(relative(MODELS, f));
    }
    expect(partial).toEqual(NOT_FULLY_SUPPORTED);
  });
});

describe('ONNX nodes tinyml cannot lower become Unsupported layers', () => {
  // x → Erf (unknown op, elementwise: keeps x's shape) → Relu → Sin (unknown) → Add(·, Conv(x))
  //   → a custom-domain node with a declared output shape → Relu
  //   → Pad (reflect: an option tinyml refuses; output shape unknown) → Relu (reads it)
  const bytes = buildModel({
    nodes: [
      { op: 'Erf', inputs: ['x'], outputs: ['a'], name: 'the_erf' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { op: 'Sin', inputs: ['b'], outputs: ['c'], name: 'the_sin' },
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['cv'], attrs: { kernel_shape: aints([1, 1]) } },
      { op: 'Add', inputs: ['c', 'cv'], outputs: ['d'], name: 'the_add' },
      { op: 'MyOp', inputs: ['d'], outputs: ['e'], name: 'the_custom', domain: 'com.example' },
      { op: 'Relu', inputs: ['e'], outputs: ['f'], name: 'after_custom' },
      { op: 'Pad', inputs: ['f', 'pads'], outputs: ['p'], name: 'the_pad', attrs: { mode: as('wrap') } },
      { op: 'Relu', inputs: ['p'], outputs: ['y'], name: 'after_pad' },
    ],
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    outputs: [{ name: 'y' }],
    valueInfo: [{ name: 'e', shape: [1, 2, 4, 4] }],
    initializers: [
      { name: 'w', dims: [2, 2, 1, 1], data: [1, 0, 0, 1] },
      { name: 'pads', dims: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], type: 7 },
    ],
    opset: 19,
  });

  it('imports: every node is a layer, the unsupported ones carry node name, op type and reason', async () => {
    const g = await importModelBytes(bytes, 'partial.onnx');
    const r = inspectGraph(g);
    const bad = r.layers.filter((l) => !l.supported).map((l) => [l.name, l.op]);
    expect(bad).toEqual([
      ['the_erf', 'Erf'],
      ['the_sin', 'Sin'],
      ['the_custom', 'com.example.MyOp'],
      ['the_pad', 'Pad'],
      ['after_pad', 'Relu'],
    ]);
    // The supported layers between them still lower (Relu, Conv, Add, Relu after the custom node).
    expect(r.layers.filter((l) => l.supported).map((l) => l.op)).toEqual(expect.arrayContaining(['Relu', 'Conv2D', 'Add']));
    const reasons = Object.fromEntries(r.layers.filter((l) => !l.supported).map((l) => [l.name, l.reason]));
    expect(reasons['the_erf']).toMatch(/no lowering/);
    expect(reasons['the_custom']).toMatch(/custom domain 'com.example'/);
    expect(reasons['the_pad']).toMatch(/mode 'wrap'/);
    expect(reasons['after_pad']).toMatch(/reads 'p', the output of an unsupported node/);
    // An elementwise unknown op keeps its input's NHWC layout; a declared shape is used as given.
    const erf = g.ops.find((o) => o.name === 'the_erf')!;
    expect(g.tensors[erf.outputs[0]!]!.shape).toEqual([1, 4, 4, 2]);
    const custom = g.ops.find((o) => o.name === 'the_custom')!;
    expect(g.tensors[custom.outputs[0]!]!.shape).toEqual([1, 2, 4, 4]);
    // The root causes (what the lowering refused) are the first four; the last only follows one.
    expect(listUnsupportedOnnxNodes(bytes, 'partial.onnx').map((l) => l.name)).toEqual(['the_erf', 'the_sin', 'the_custom', 'the_pad']);
    // convert/run/quantize refuse with every one at once, listing the ONNX ops tinyml reads.
    const err = refusal(g);
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    expect((err as UnsupportedOpsError).layers.map((l) => l.name)).toEqual(['the_erf', 'the_sin', 'the_custom', 'the_pad', 'after_pad']);
    expect((err as Error).message).toMatch(/Supported: .*BatchNormalization.*Conv/);
  });

  it('CLI: inspect exits 0 and marks them; convert and run exit 4 naming all of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-onnx-partial-'));
    const file = join(dir, 'partial.onnx');
    writeFileSync(file, bytes);
    const ins = await tinyml('inspect', file);
    expect(ins.code, ins.stderr).toBe(0);
    expect(ins.stdout).toContain('Unsupported layers:');
    expect(ins.stdout).toMatch(/com\.example\.MyOp 'the_custom'/);
    writeFileSync(join(dir, 'x.bin'), Buffer.alloc(32 * 4));
    for (const args of [['convert', file, '--board', 'host', '-o', join(dir, 'out')], ['run', file, '--input', join(dir, 'x.bin')]]) {
      const r = await tinyml(...args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(4);
      for (const n of ['the_erf', 'the_sin', 'the_custom', 'the_pad', 'after_pad']) expect(r.stderr).toContain(n);
    }
  }, 180_000);

  it('a graph that lowers whole has no Unsupported layer', async () => {
    const ok = buildModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Flatten', inputs: ['y'], outputs: ['z'], attrs: { axis: ai(1) } }], inputs: [{ name: 'x', shape: [1, 2, 3] }], outputs: [{ name: 'z' }] });
    const g = await importModelBytes(ok, 'ok.onnx');
    expect(g.ops.some((o) => o.kind === 'Unsupported')).toBe(false);
  });
});
