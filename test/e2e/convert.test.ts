/**
 * `tinyml convert --board host` end to end on the shared MLPerf Tiny models: the generated C,
 * compiled with -std=c99 -Wall -Wextra -Werror -pedantic, gives byte-identical outputs to the
 * reference interpreter on the real inputs and on 100 seeded random inputs per model; a second
 * convert gives a byte-identical tree; the arena is guarded (ASan + canaries); a board with too
 * little RAM refuses the model with the numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { hasTool } from '../../src/build/tools.js';
import { resolveBoard } from '../../src/boards/load.js';
import { convertModel, loadInt8Graph, type ConvertReport } from '../../src/pipeline/convert.js';
import { modelHash } from '../../src/codegen/model-hash.js';
import type { Graph } from '../../src/ir/graph.js';
import { elementCount } from '../../src/ir/graph.js';
import { quantizeValue } from '../../src/quantize/params.js';
import { runGraph } from '../../src/reference/interpreter.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

/** The CLI from source, as users run it (async, so the test worker stays responsive). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'tinyml-convert-e2e-'));
const cacheDir = join(work, 'cache');

/** ad01's 40 real input slices (40 × 640 float32). */
const ad01Slices: Float32Array[] = (() => {
  const b = readFileSync(MODELS + 'normal_id_01_00000000_hist_librosa.bin');
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return Array.from({ length: 40 }, (_, i) => all.slice(i * 640, (i + 1) * 640));
})();
const kwsInt8Input = new Int8Array(readFileSync(MODELS + 'kws_input_0.int8.bin'));

const calAd01 = join(work, 'ad01-cal.bin');
writeFileSync(calAd01, Buffer.from(new Float32Array(ad01Slices.slice(0, 20).flatMap((s) => Array.from(s))).buffer));

interface ModelCase {
  name: string;
  file: string;
  calibration?: string;
  /** Through the CLI (int8 models) or the library (float models: quantized once, graph reused). */
  viaCli: boolean;
  /** Real inputs as int8 for the converted graph's input quantization. */
  realInputs: (g: Graph) => Int8Array[];
}

function quantizeFor(g: Graph, x: Float32Array): Int8Array {
  const q = g.tensors[g.inputs[0]!]!.quant!;
  const p = { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
  return Int8Array.from(x, (v) => quantizeValue(v, p));
}

const cases: ModelCase[] = [
  { name: 'kws_ref_model (int8)', file: 'kws_ref_model.tflite', viaCli: true, realInputs: () => [kwsInt8Input] },
  { name: 'ad01_int8', file: 'ad01_int8.tflite', viaCli: true, realInputs: (g) => ad01Slices.map((s) => quantizeFor(g, s)) },
  { name: 'ad01_fp32 quantized by tinyml', file: 'ad01_fp32.tflite', calibration: calAd01, viaCli: false, realInputs: (g) => ad01Slices.map((s) => quantizeFor(g, s)) },
  // Its real input is KWS's one sample, dequantized with the int8 model's input parameters
  // (set up by the first test, which also writes it as the calibration file).
  { name: 'kws_ref_model_float32 quantized by tinyml', file: 'kws_ref_model_float32.tflite', calibration: join(work, 'kws-cal.bin'), viaCli: false, realInputs: () => [] },
];

describe.skipIf(!hasTool('cc') || !hasTool('make'))('tinyml convert --board host (end to end)', () => {
  it('prepares the KWS float calibration sample from the int8 model input', async () => {
    const int8 = (await loadInt8Graph(MODELS + 'kws_ref_model.tflite', { runGraph })).graph;
    const q = int8.tensors[int8.inputs[0]!]!.quant!;
    const x = Float32Array.from(kwsInt8Input, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
    writeFileSync(join(work, 'kws-cal.bin'), Buffer.from(x.buffer));
    cases[3]!.realInputs = (g) => [quantizeFor(g, x)];
  });

  for (const c of cases) {
    it(`${c.name}: generated C equals the reference byte for byte (real + 100 random inputs)`, async () => {
      const out = join(work, c.file.replace(/\W/g, '_'));
      let report: ConvertReport;
      let g: Graph;
      if (c.viaCli) {
        const r = await cli(['convert', MODELS + c.file, '--board', 'host', '-o', out, '--json']);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.code, r.stderr).toBe(0);
        report = JSON.parse(r.stdout) as ConvertReport;
        // The same int8 graph the CLI compiled, checked by its hash.
        g = (await loadInt8Graph(MODELS + c.file, { runGraph })).graph;
      } else {
        const res = await convertModel(MODELS + c.file, { board: resolveBoard('host'), outDir: out, runGraph, calibration: c.calibration! });
        report = res.report;
        g = res.graph;
      }
      expect(JSON.parse(readFileSync(join(out, 'convert-report.json'), 'utf8'))).toEqual(report);
      expect(modelHash(g)).toBe(report.modelHash);

      // The project's own Makefile: -std=c99 -Wall -Wextra -Werror -pedantic.
      expect(readFileSync(join(out, 'Makefile'), 'utf8')).toMatch(/-std=c99 -Wall -Wextra -Werror -pedantic/);
      const strict = await buildHost(out, { cacheDir });
      const exes = [strict.exe];
      if (c.file === 'kws_ref_model.tflite') {
        // The arena is never too small: the same program with AddressSanitizer (the arena is
        // an exact-size global with redzones) and the canary guard around it.
        exes.push((await buildHost(out, { cacheDir, extraCflags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-DTINYML_ARENA_GUARD'] })).exe);
      }

      const n = elementCount(g.tensors[g.inputs[0]!]!.shape);
      const outN = elementCount(g.tensors[g.outputs[0]!]!.shape);
      const r2 = rng(42);
      const inputs = [...c.realInputs(g)];
      expect(inputs.length).toBeGreaterThan(0);
      for (let k = 0; k < 100; k++) inputs.push(Int8Array.from({ length: n }, () => Math.floor(r2() * 256) - 128));
      const batch = new Int8Array(inputs.length * n);
      inputs.forEach((x, k) => batch.set(x, k * n));
      const expected = Buffer.concat(inputs.map((x) => Buffer.from((runGraph(g, [x])[0] as Int8Array).buffer)));
      for (const exe of exes) {
        const got = await runHostProgram(exe, new Uint8Array(batch.buffer), { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' });
        expect(got.length).toBe(inputs.length * outN);
        for (let k = 0; k < inputs.length; k++) {
          const a = Buffer.from(got.subarray(k * outN, (k + 1) * outN)).toString('hex');
          const e = expected.subarray(k * outN, (k + 1) * outN).toString('hex');
          expect(a, `${exe} sample ${k}`).toBe(e);
        }
      }
      // The planner's saving is real and its arena is what the program uses.
      expect(report.sizes.arenaBytes).toBeLessThan(report.sizes.activationBytes);
      expect(report.sizes.arenaBytes).toBeLessThanOrEqual(report.sizes.linearArenaBytes);
      const info = JSON.parse(spawnSync(strict.exe, ['--info'], { encoding: 'utf8' }).stdout) as { arenaBytes: number; hash: string };
      expect(info.arenaBytes).toBe(report.sizes.arenaBytes);
      expect(info.hash).toBe(report.modelHash);
      expect(report.sizes.codeBytes).toBeGreaterThan(report.sizes.weightBytes);
      if (c.calibration) expect(report.quantization?.alreadyInt8).toBe(false);
    });
  }

  it('KWS: the arena is smaller than the sum of its activations; converting twice gives byte-identical trees', async () => {
    const a = join(work, 'kws_ref_model_tflite'); // written by the first KWS test
    const b = join(work, 'twice-b');
    expect((await cli(['convert', MODELS + 'kws_ref_model.tflite', '--board', 'host', '-o', b])).code).toBe(0);
    const ta = tree(a);
    const tb = tree(b);
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    for (const [k, v] of ta) expect(tb.get(k), k).toBe(v);
    expect([...ta.keys()]).toEqual(
      expect.arrayContaining(['model.c', 'model.h', 'main.c', 'Makefile', 'convert-report.json', 'kernels/tinyml_kernels.h', 'kernels/conv2d_s8.c']),
    );
    // Only the kernels KWS uses are copied.
    expect([...ta.keys()].filter((k) => k.startsWith('kernels/'))).not.toContain('kernels/add_s8.c');
    const report = JSON.parse(readFileSync(join(a, 'convert-report.json'), 'utf8')) as ConvertReport;
    // Independent sum: every non-constant tensor any op touches.
    const modelC = readFileSync(join(a, 'model.c'), 'utf8');
    expect(modelC).toContain(`arena: ${report.sizes.arenaBytes} bytes`);
    expect(report.sizes.arenaBytes).toBeLessThan(report.sizes.activationBytes / 3);
  });

  it('refuses a model that does not fit an 8 KB-RAM, 16 KB-flash board, with needed and available bytes per region', async () => {
    const board = join(work, 'host-16k.json');
    const hostJson = JSON.parse(readFileSync(join(ROOT, 'boards/host.json'), 'utf8'));
    hostJson.id = 'host-16k';
    hostJson.memory.ram.length = 8192;
    hostJson.memory.flash.length = 16384;
    writeFileSync(board, JSON.stringify(hostJson));
    const out = join(work, 'too-big');
    const r = await cli(['convert', MODELS + 'kws_ref_model.tflite', '--board', board, '-o', out]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/does not fit board 'host-16k'/);
    const ok = JSON.parse(readFileSync(join(work, 'kws_ref_model_tflite', 'convert-report.json'), 'utf8')) as ConvertReport;
    // The model's RAM is its arena (the input in it) plus the layer hook pointer, as model.o
    // holds them (16-byte aligned); then the output buffer.
    expect(ok.inputHome).not.toBe('caller');
    const ramNeeded = ok.sizes.modelRamBytes + ok.output.bytes;
    expect(ok.sizes.modelRamBytes).toBe(Math.ceil((ok.sizes.arenaBytes + 8) / 16) * 16);
    expect(r.stderr).toContain(`RAM: needs ${ramNeeded} bytes`);
    expect(r.stderr).toContain(`the board has 8192 bytes`);
    expect(r.stderr).toMatch(new RegExp(`flash: needs ${ok.sizes.codeBytes} bytes`));
    expect(() => statSync(out)).toThrow(); // nothing written
  });

  it('tinyml run --board host prints what the reference interpreter computes', async () => {
    const gen = await cli(['run', MODELS + 'kws_ref_model.tflite', '--input', MODELS + 'kws_input_0.int8.bin', '--json', '--board', 'host']);
    expect(gen.code, gen.stderr).toBe(0);
    const b = JSON.parse(gen.stdout) as { outputs: number[][][]; backend: string };
    const g = (await loadInt8Graph(MODELS + 'kws_ref_model.tflite', { runGraph })).graph;
    const ref = Array.from(runGraph(g, [kwsInt8Input])[0]!);
    expect(b.outputs.flat(2)).toEqual(ref);
    expect(b.backend).toMatch(/host/);
  });
});
