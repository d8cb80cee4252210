/**
 * convert's output handling: the linear planner's plan also runs correctly in generated code,
 * an existing foreign directory is never replaced, a failed convert leaves nothing behind, and
 * a re-convert replaces a previous project atomically.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { hasTool } from '../../src/build/tools.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { TinymlError } from '../../src/errors.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { cacheDir, host, randomInt8, rng } from './c-harness.js';

const MODELS = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

describe.skipIf(!hasTool('cc') || !hasTool('make'))('convert output', () => {
  const work = mkdtempSync(join(tmpdir(), 'tinyml-convert-out-'));

  it('the linear planner gives a bigger arena and the same outputs', async () => {
    const greedy = await convertModel(MODELS + 'kws_ref_model.tflite', { board: host(), outDir: join(work, 'greedy'), runGraph, measureCode: false });
    const linear = await convertModel(MODELS + 'kws_ref_model.tflite', { board: host(), outDir: join(work, 'linear'), runGraph, measureCode: false, planner: 'linear' });
    expect(linear.report.plan.planner).toBe('linear');
    expect(linear.report.sizes.arenaBytes).toBe(greedy.report.sizes.linearArenaBytes);
    expect(linear.report.sizes.arenaBytes).toBeGreaterThan(greedy.report.sizes.arenaBytes);
    const exe = (await buildHost(join(work, 'linear'), { cacheDir, extraCflags: ['-fsanitize=address', '-DTINYML_ARENA_GUARD'] })).exe;
    const r = rng(77);
    const xs = Array.from({ length: 5 }, () => randomInt8(r, 490));
    const batch = new Int8Array(5 * 490);
    xs.forEach((x, k) => batch.set(x, k * 490));
    const got = await runHostProgram(exe, new Uint8Array(batch.buffer), { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' });
    xs.forEach((x, k) => {
      expect(Array.from(got.subarray(k * 12, (k + 1) * 12)).map((v) => (v << 24) >> 24)).toEqual(Array.from(runGraph(linear.graph, [x])[0]!));
    });
  });

  it('refuses to replace a directory that is not a tinyml project, and leaves no temporary files', async () => {
    const foreign = join(work, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    const err = await convertModel(MODELS + 'ad01_int8.tflite', { board: host(), outDir: foreign, runGraph, measureCode: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlError);
    expect((err as TinymlError).message).toMatch(/not a tinyml project/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('replaces a previous project atomically', async () => {
    const out = join(work, 'again');
    await convertModel(MODELS + 'ad01_int8.tflite', { board: host(), outDir: out, runGraph, measureCode: false });
    writeFileSync(join(out, 'stale.txt'), 'from an older convert');
    await convertModel(MODELS + 'kws_ref_model.tflite', { board: host(), outDir: out, runGraph, measureCode: false });
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'convert-report.json'), 'utf8')).modelName).toBe('kws_ref_model');
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
