/**
 * The product on its own, as a new user meets it:
 * - a clone in an empty directory (no ../shared beside it) runs the README's main-job command
 *   (`npm ci && scripts/demo.sh`) and gets the report;
 * - `npm pack`, installed into an empty prefix: the installed `tinyml` (the dist build, not
 *   tsx) runs convert, run --board host, report and demo on the bundled example;
 * - nothing under src/, bin/ or scripts/ names ../shared.
 * Dependencies come from the npm registry or its cache (an ordinary `npm ci` / `npm install`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TEN_MIN = 600_000;

interface ShResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a program without blocking the test worker's event loop (npm ci and npm pack take minutes;
 * a synchronous spawn that long starves vitest's worker RPC).
 */
function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), TEN_MIN);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('the package stands alone', () => {
  it('no source, bin or script file reads ../shared', () => {
    const files = ['src', 'bin', 'scripts'].flatMap((d) => walk(path.join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) => /\.\.\/shared\b|shared\/(models|data)\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the bundled examples are the published MLPerf Tiny files (when ../shared is there to compare)', () => {
    const shared = path.resolve(ROOT, '../shared/models/mlperf-tiny');
    if (!existsSync(shared)) return; // a fresh clone: nothing to compare with, the files are what they are
    for (const f of ['kws_ref_model.tflite', 'kws_ref_model_float32.tflite', 'kws_input_0.int8.bin', 'ad01_int8.tflite']) {
      expect(readFileSync(path.join(ROOT, 'examples/mlperf-tiny', f)).equals(readFileSync(path.join(shared, f))), f).toBe(true);
    }
    expect(readFileSync(path.join(ROOT, 'data/mlperf-tiny-energy.csv'), 'utf8')).toBe(readFileSync(path.resolve(ROOT, '../shared/data/mlperf-tiny-energy.csv'), 'utf8'));
    // AD01 input: slice 0 of the benchmark's float features, quantized with the model's input
    // parameters (scale 0.3910152316093445 in float32, zero point 89), rounding half away from zero.
    const feats = readFileSync(path.join(shared, 'normal_id_01_00000000_hist_librosa.bin'));
    const x = new Float32Array(feats.buffer.slice(feats.byteOffset, feats.byteOffset + 640 * 4));
    const scale = Math.fround(0.3910152316093445);
    const want = Int8Array.from(x, (v) => {
      const r = v / scale;
      return Math.max(-128, Math.min(127, Math.sign(r) * Math.round(Math.abs(r)) + 89));
    });
    const got = readFileSync(path.join(ROOT, 'examples/mlperf-tiny/ad01_input_0.int8.bin'));
    expect(new Int8Array(got.buffer, got.byteOffset, got.length)).toEqual(want);
    // The float KWS input is the int8 one dequantized with kws_ref_model.tflite's input parameters.
    const k8 = readFileSync(path.join(shared, 'kws_input_0.int8.bin'));
    const kf = new Float32Array(new Uint8Array(readFileSync(path.join(ROOT, 'examples/mlperf-tiny/kws_input_0.f32.bin'))).buffer);
    expect(Array.from(kf)).toEqual(Array.from(new Int8Array(k8.buffer, k8.byteOffset, k8.length), (q) => Math.fround(Math.fround(0.5847029089927673) * (q - 83))));
  });

  it.skipIf(!hasTool('git') || !hasTool('cc'))(
    'a clone in an empty directory: `npm ci && scripts/demo.sh` writes the report',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-clone-'));
      const repo = path.join(dir, 'tinyml');
      const clone = await sh('git', ['clone', '-q', ROOT, repo], dir);
      expect(clone.status, clone.stderr).toBe(0);
      expect(existsSync(path.join(dir, 'shared'))).toBe(false);
      const t0 = performance.now();
      const r = await sh('bash', ['-c', 'npm ci --no-audit --no-fund >npm-ci.log 2>&1 && scripts/demo.sh'], repo);
      const seconds = (performance.now() - t0) / 1000;
      expect(r.status, `${r.stderr}\n${existsSync(path.join(repo, 'npm-ci.log')) ? readFileSync(path.join(repo, 'npm-ci.log'), 'utf8').slice(-3000) : ''}`).toBe(0);
      expect(r.stdout).toMatch(/output: identical to the reference interpreter/);
      const report = JSON.parse(readFileSync(path.join(repo, 'out/demo/project/report.json'), 'utf8'));
      expect(report.mcu.energyJ.value).toBeGreaterThan(0);
      expect(readFileSync(path.join(repo, 'out/demo/project/report.md'), 'utf8')).toMatch(/data\/mlperf-tiny-energy\.csv line \d+/);
      expect(existsSync(path.join(repo, 'out/demo/project/report.html'))).toBe(true);
      process.stderr.write(`[standalone] fresh clone: npm ci && scripts/demo.sh took ${seconds.toFixed(1)} s\n`);
    },
    TEN_MIN,
  );

  it.skipIf(!hasTool('cc'))(
    'npm pack → install into an empty prefix → the installed tinyml converts, runs, reports and demos',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-pack-'));
      const pack = await sh('npm', ['pack', '--pack-destination', dir, '--json'], ROOT);
      expect(pack.status, pack.stderr).toBe(0);
      const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
      const shipped = info!.files.map((f) => f.path);
      for (const f of ['NOTICE', 'LICENSE', 'data/mlperf-tiny-energy.csv', 'examples/mlperf-tiny/kws_ref_model.tflite', 'examples/mlperf-tiny/kws_input_0.int8.bin', 'examples/mlperf-tiny/ad01_int8.tflite', 'examples/mlperf-tiny/LICENSE', 'dist/cli/main.js', 'boards/board.schema.json']) {
        expect(shipped, f).toContain(f);
      }
      expect(shipped.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

      const prefix = path.join(dir, 'prefix');
      const inst = await sh('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--omit=dev', path.join(dir, info!.filename)], dir);
      expect(inst.status, inst.stderr).toBe(0);
      const pkg = path.join(prefix, 'node_modules', 'tinyml');
      expect(existsSync(path.join(pkg, 'src'))).toBe(false); // the dist build runs, not the sources
      const tinyml = path.join(prefix, 'node_modules', '.bin', 'tinyml');
      const work = mkdtempSync(path.join(os.tmpdir(), 'tinyml-pack-work-'));
      const ex = (f: string) => path.join(pkg, 'examples', 'mlperf-tiny', f);

      const conv = await sh(tinyml, ['convert', ex('kws_ref_model.tflite'), '--board', 'host', '-o', 'kws', '--json'], work);
      expect(conv.status, conv.stderr).toBe(0);
      expect(JSON.parse(conv.stdout).sizes.arenaBytes).toBeGreaterThan(0);

      const ref = await sh(tinyml, ['run', ex('kws_ref_model.tflite'), '--input', ex('kws_input_0.int8.bin'), '--json'], work);
      const host = await sh(tinyml, ['run', ex('kws_ref_model.tflite'), '--board', 'host', '--input', ex('kws_input_0.int8.bin'), '--json'], work, { TINYML_CACHE_DIR: path.join(work, 'cache') });
      expect(host.status, host.stderr).toBe(0);
      expect(JSON.parse(host.stdout).outputs).toEqual(JSON.parse(ref.stdout).outputs);
      expect(JSON.parse(host.stdout).backend).toMatch(/^host/);

      const rep = await sh(tinyml, ['report', 'kws', '--board', 'nucleo-l4r5zi', '--json'], work);
      expect(rep.status, rep.stderr).toBe(0);
      const report = JSON.parse(rep.stdout);
      expect(report.mcu.energyJ.value).toBeGreaterThan(0);
      expect(existsSync(path.join(work, 'kws', 'report.html'))).toBe(true);

      const demo = await sh(tinyml, ['demo', '-o', 'demo', '--board', 'host', '--json'], work);
      expect(demo.status, demo.stderr).toBe(0);
      const d = JSON.parse(demo.stdout);
      expect(d.validated).toBe(true);
      expect(d.model).toBe(path.join(pkg, 'examples', 'mlperf-tiny', 'kws_ref_model.tflite'));
      expect(existsSync(path.resolve(work, d.report.md))).toBe(true);
    },
    TEN_MIN,
  );
});
