import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGraph, type InspectReport } from '../../src/cli/inspect.js';
import { importModel } from '../../src/importers/index.js';
import { BuiltinOperator, decodeTfliteModel } from '../../src/importers/tflite-schema.js';
import { buildFixture, MODEL_DIR } from '../importers/tflite-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tinyml(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Params and MACs straight from the file's tensors and conv geometry (not via src/ir/cost.ts):
 * output spatial size from input size, filter, stride and padding; MACs per output element =
 * filter taps × input channels (conv), filter taps (depthwise), input features (FC).
 */
function expectedFigures(file: string): { params: number; macs: number; outputs: number[][] } {
  const m = decodeTfliteModel(new Uint8Array(readFileSync(file)), file);
  const sg = m.subgraphs[0]!;
  const shape = (i: number): number[] => sg.tensors[i]!.shape;
  const count = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const outSize = (inp: number, k: number, stride: number, same: boolean): number => (same ? Math.ceil(inp / stride) : Math.ceil((inp - k + 1) / stride));
  let params = 0;
  let macs = 0;
  for (const op of sg.operators) {
    const code = m.operatorCodes[op.opcodeIndex]!.builtinCode;
    const o = op.options;
    if (code === BuiltinOperator.CONV_2D || code === BuiltinOperator.DEPTHWISE_CONV_2D) {
      const [n, h, w, c] = shape(op.inputs[0]!) as [number, number, number, number];
      const f = shape(op.inputs[1]!);
      const kh = f[1]!;
      const kw = f[2]!;
      const outC = code === BuiltinOperator.CONV_2D ? f[0]! : f[3]!;
      const oh = outSize(h, kh, o.stride_h as number, o.padding === 0);
      const ow = outSize(w, kw, o.stride_w as number, o.padding === 0);
      expect(shape(op.outputs[0]!)).toEqual([n, oh, ow, outC]);
      macs += n * oh * ow * outC * kh * kw * (code === BuiltinOperator.CONV_2D ? c : 1);
      params += count(f) + count(shape(op.inputs[2]!));
    } else if (code === BuiltinOperator.FULLY_CONNECTED) {
      const [units, inF] = shape(op.inputs[1]!) as [number, number];
      const rows = count(shape(op.inputs[0]!)) / inF;
      macs += rows * units * inF;
      params += units * inF + count(shape(op.inputs[2]!));
    }
  }
  return { params, macs, outputs: sg.outputs.map(shape) };
}

const TFLITE = ['kws_ref_model.tflite', 'kws_ref_model_float32.tflite', 'ad01_fp32.tflite', 'ad01_int8.tflite'];

describe('tinyml inspect', () => {
  // Figures for every model come from the same report function the command prints (in-process,
  // because each CLI start costs seconds on a loaded CI machine); the CLI runs below check that
  // the command prints exactly that report, the table, errors and help.
  const json = new Map<string, InspectReport>();
  let cliJson: Run;
  let human: Run;
  let tmp: string;
  const errors: Record<string, Run> = {};

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tinyml-inspect-'));
    const kws = readFileSync(join(MODEL_DIR, 'kws_ref_model.tflite'));
    writeFileSync(join(tmp, 'truncated.tflite'), kws.subarray(0, 30000));
    writeFileSync(join(tmp, 'notes.txt'), 'hello, not a model\n');
    writeFileSync(join(tmp, 'odd.tflite'), buildFixture({ opcodes: [{ deprecated: 19 }, { deprecated: 15, builtin: 15 }, { deprecated: 127, builtin: 137 }], ops: [0, 1, 2] }));
    for (const f of [...TFLITE, 'ad01.h5']) json.set(f, inspectGraph(await importModel(join(MODEL_DIR, f))));
    const runs = await Promise.all([
      tinyml('inspect', join(MODEL_DIR, 'kws_ref_model.tflite'), '--json'),
      tinyml('inspect', join(MODEL_DIR, 'kws_ref_model.tflite')),
      tinyml('inspect', join(tmp, 'missing.tflite')),
      tinyml('inspect', join(tmp, 'notes.txt')),
      tinyml('inspect', join(tmp, 'truncated.tflite')),
      tinyml('inspect', join(tmp, 'odd.tflite'), '--json'),
      tinyml('inspect', '--help'),
      tinyml('convert', join(tmp, 'odd.tflite'), '--board', 'host', '-o', join(tmp, 'odd-out')),
    ]);
    [cliJson, human, errors.missing, errors.garbage, errors.truncated, errors.unsupported, errors.help, errors.convertUnsupported] = runs as Run[];
  }, 600_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--json prints the report', () => {
    expect(cliJson.stderr).not.toMatch(/internal error/);
    expect(cliJson.code).toBe(0);
    expect(JSON.parse(cliJson.stdout)).toEqual(json.get('kws_ref_model.tflite'));
  });

  it.each(TFLITE)('%s: params, MACs and output shape match the file', (f) => {
    const r = json.get(f)!;
    const want = expectedFigures(join(MODEL_DIR, f));
    expect(r.totals.params).toBe(want.params);
    expect(r.totals.macs).toBe(want.macs);
    expect(r.outputs.map((o) => o.shape)).toEqual(want.outputs);
    expect(r.layers.every((l) => l.int8CodegenSupported)).toBe(true);
    expect(r.layers.reduce((s, l) => s + l.macs, 0)).toBe(want.macs);
  });

  it('KWS: 12 output classes, 49x10 MFCC input, int8 quantization on the int8 model', () => {
    const int8 = json.get('kws_ref_model.tflite')!;
    const fp = json.get('kws_ref_model_float32.tflite')!;
    expect(int8.outputs[0].shape).toEqual([1, 12]);
    expect(int8.inputs[0]).toMatchObject({ shape: [1, 49, 10, 1], dtype: 'int8' });
    expect(typeof int8.inputs[0].scale).toBe('number');
    expect(Number.isInteger(int8.inputs[0].zeroPoint)).toBe(true);
    expect(fp.inputs[0]).toMatchObject({ dtype: 'float32', scale: null, zeroPoint: null });
    // Same network, two encodings: same parameter and MAC counts.
    expect(fp.totals.params).toBe(int8.totals.params);
    expect(fp.totals.macs).toBe(int8.totals.macs);
    // Largest activation of the int8 model: a 25x5x64 int8 feature map; float: 4 bytes per value.
    expect(int8.totals.largestActivationBytes).toBe(25 * 5 * 64);
    expect(fp.totals.largestActivationBytes).toBe(25 * 5 * 64 * 4);
  });

  it('AD01: the Keras .h5 and the .tflite describe the same 640-128-128-128-128-8-128-128-128-128-640 autoencoder', () => {
    const dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640];
    let params = 0;
    let macs = 0;
    for (let i = 0; i + 1 < dims.length; i++) {
      params += dims[i]! * dims[i + 1]! + dims[i + 1]!;
      macs += dims[i]! * dims[i + 1]!;
    }
    for (const f of ['ad01_fp32.tflite', 'ad01_int8.tflite', 'ad01.h5']) {
      const r = json.get(f)!;
      expect(r.totals.params, f).toBe(params);
      expect(r.totals.macs, f).toBe(macs);
      expect(r.outputs[0]!.shape.at(-1)).toBe(640);
      // weights 1 byte each, biases as int32
      expect(r.totals.weightBytesInt8, f).toBe(macs + 4 * (params - macs));
    }
  });

  it('prints an aligned table with totals', () => {
    expect(human.code).toBe(0);
    const lines = human.stdout.split('\n');
    const header = lines.findIndex((l) => /^\s*#\s+op\s+name/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 2, header + 2 + 13);
    expect(rows).toHaveLength(13);
    const col = lines[header]!.indexOf('supported');
    for (const row of rows) expect(row.indexOf('yes')).toBe(col);
    const macsEnd = lines[header]!.indexOf('MACs') + 4;
    expect(rows[0]!.slice(0, macsEnd)).toMatch(/320,000$/); // 25*5*64 outputs x 10*4 taps x 1 channel
    expect(human.stdout).toMatch(/MACs:\s+2,656,768/);
    expect(human.stdout).toMatch(/Identity\s+\[1,12\] int8\s+scale/);
  });

  it('reports bad input with the file name and no stack trace', () => {
    expect(errors.missing!.code).toBe(3);
    expect(errors.missing!.stderr).toMatch(/missing\.tflite: no such file/);
    expect(errors.garbage!.code).toBe(3);
    expect(errors.garbage!.stderr).toMatch(/notes\.txt: not a model format/);
    expect(errors.truncated!.code).toBe(3);
    expect(errors.truncated!.stderr).toMatch(/truncated\.tflite: corrupt TFLite flatbuffer: .* \(at byte offset \d+\)/);
    for (const r of [errors.missing!, errors.garbage!, errors.truncated!]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('shows a model with unsupported ops (exit 0), marking exactly those layers and why', () => {
    const r = errors.unsupported!;
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.layers.map((l) => [l.name, l.op, l.supported])).toEqual([
      ['t1', 'Relu', true],
      ['t2', 'LSH_PROJECTION', false],
      ['t3', 'HASHTABLE_FIND', false],
    ]);
    expect(report.layers[1]!.reason).toMatch(/no kernel/);
    expect(report.totals.unsupportedLayers).toBe(2);
    expect(report.summary).toMatch(/3 layers, 2 unsupported/);
  });

  it('convert lists every unsupported op at once (exit 4)', () => {
    const r = errors.convertUnsupported!;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/2 unsupported layers/);
    expect(r.stderr).toMatch(/t2 \(LSH_PROJECTION\)/);
    expect(r.stderr).toMatch(/t3 \(HASHTABLE_FIND\)/);
    expect(r.stderr).toMatch(/Supported: .*CONV_2D/);
  });

  it('has help with examples', () => {
    expect(errors.help!.code).toBe(0);
    expect(errors.help!.stdout).toMatch(/Examples:\n\s+tinyml inspect/);
    expect(errors.help!.stdout).toMatch(/--json/);
  });
});
