/**
 * The device runtime's protocol parser, compiled for the host with AddressSanitizer and
 * UndefinedBehaviorSanitizer, fed 100,000 seeded random inputs (test/firmware/fuzz-runtime.c):
 * no crash, no out-of-bounds access, every completed command answered by m-ready.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const cc = hasTool('clang') ? 'clang' : hasTool('gcc') ? 'gcc' : undefined;

function build(runtime = path.join(root, 'firmware-templates/runtime/tinyml_runtime.c')): string {
  const exe = path.join(mkdtempSync(path.join(tmpdir(), 'tinyml-fuzz-')), 'fuzz-runtime');
  execFileSync(cc!, [
    '-std=c99', '-Wall', '-Wextra', '-Werror', '-g', '-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    '-DTINYML_INFER_MAX=3',
    '-I', path.join(root, 'test/fixtures/firmware'), '-I', path.join(root, 'firmware-templates/runtime'),
    path.join(here, 'fuzz-runtime.c'), runtime, path.join(root, 'test/fixtures/firmware/model.c'),
    '-o', exe,
  ]);
  return exe;
}

describe.skipIf(!cc)('runtime protocol parser under ASan/UBSan', () => {
  it('survives 100,000 seeded random inputs', () => {
    const exe = build();
    const r = spawnSync(exe, ['20261123', '100000'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ok 100000 inputs');
  });

  it('catches a runtime whose command buffer check is removed', () => {
    // The harness must be able to fail: the same driver against a copy of the runtime that
    // appends past TINYML_CMD_MAX has to abort with an AddressSanitizer report.
    const src = readFileSync(path.join(root, 'firmware-templates/runtime/tinyml_runtime.c'), 'utf8');
    const broken = src.replace('if (g_cmd_len < TINYML_CMD_MAX)', 'if (1)');
    expect(broken).not.toBe(src);
    const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-fuzz-mut-'));
    writeFileSync(path.join(dir, 'tinyml_runtime.c'), broken);
    const exe = build(path.join(dir, 'tinyml_runtime.c'));
    const r = spawnSync(exe, ['1', '100000'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/AddressSanitizer|runtime error/);
  });
});
