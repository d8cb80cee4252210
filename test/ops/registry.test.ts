/**
 * The op registry is complete: every IR op kind has one definition with every entry, its
 * TFLite builtin is read by exactly that definition, and a table missing a kind does not
 * compile (the mapped type over the Op union).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OP_KINDS, OPS, opDefForBuiltin } from '../../src/ops/registry.js';
import { builtinCode } from '../../src/ops/tflite-codes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('op registry', () => {
  it.each(OP_KINDS)('%s has every entry', (kind) => {
    const d = OPS[kind];
    expect(d.kind).toBe(kind);
    expect(d.arity.inputs[0]).toBeLessThanOrEqual(d.arity.inputs[1]);
    for (const f of ['inferShapes', 'params', 'macs', 'prepare', 'evalQuantized', 'emitC'] as const) expect(typeof d[f]).toBe('function');
    expect(['calibrated', 'shared', 'fixed', 'none']).toContain(d.quant.output.kind);
    expect(typeof d.tflite.read).toBe('function');
    expect(typeof d.tflite.write).toBe('function');
    if (kind !== 'Unsupported') expect(opDefForBuiltin(builtinCode(d.tflite.builtin))).toBe(d);
  });

  it('every C function tinyml_kernels.h declares is defined in a reference kernel file', () => {
    const dir = join(ROOT, 'firmware-templates/kernels/reference');
    const h = readFileSync(join(dir, 'tinyml_kernels.h'), 'utf8');
    const names = [...h.matchAll(/^\s*(?:void|int32_t|int16_t|int8_t) (tinyml_[a-z0-9_]+|fx_[a-z0-9_]+)\(/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.c'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(names.filter((n) => !new RegExp(`^[a-z0-9_ ]*\\b${n}\\([^;]*\\)\\s*\\{`, 'm').test(sources))).toEqual([]);
  });

  it('a registry without one kind is a compile error', () => {
    const dir = mkdtempSync(join(ROOT, 'test/ops/.tmp-'));
    try {
      const file = join(dir, 'missing-kind.ts');
      writeFileSync(
        file,
        `import { OPS, type OpTable } from '../../../src/ops/registry.js';\nconst { Conv2D: _dropped, ...rest } = OPS;\nexport const table: OpTable = rest;\n`,
      );
      let out = '';
      try {
        execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', file], { cwd: ROOT, encoding: 'utf8' });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toMatch(/Property 'Conv2D' is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

