/**
 * The stage order of docs/architecture.md, enforced: a folder of src/ imports only folders of
 * a lower rank (foundations first, then the pipeline stages in data-flow order, then the
 * use-cases in src/pipeline/, then src/cli/). Type-only imports count too: a stage that needs
 * a type from a later stage is in the wrong place.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Lower rank = more fundamental. Top-level files of src/ (errors, log, rng) are rank 0. */
export const RANKS: Record<string, number> = {
  '.': 0,
  numerics: 1,
  ir: 2,
  io: 3,
  ops: 4,
  reference: 5,
  boards: 6,
  importers: 7,
  distill: 8,
  quantize: 9,
  plan: 10,
  codegen: 11,
  build: 12,
  serial: 13,
  flash: 14,
  device: 15,
  energy: 16,
  report: 17,
  pipeline: 18,
  cli: 19,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (single- and multi-line forms). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes(sep) ? rel.split(sep)[0]! : '.';
}

/** Import edges between src/ folders: [from file, from folder, to folder]. */
export function edges(): { file: string; from: string; to: string }[] {
  const out: { file: string; from: string; to: string }[] = [];
  for (const file of files(SRC)) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) continue;
      out.push({ file: relative(SRC, file), from: folderOf(file), to: folderOf(target.endsWith('.js') ? target : `${target}.js`) });
    }
  }
  return out;
}

describe('stage layering (docs/architecture.md)', () => {
  const all = edges();

  it('finds the imports it checks (multi-line and type-only included)', () => {
    expect(specifiers("import {\n  a,\n  b,\n} from '../x/y.js';\nimport type { T } from './t.js';\nexport { c } from '../z.js';")).toEqual(['../x/y.js', './t.js', '../z.js']);
    expect(all.length).toBeGreaterThan(200);
  });

  it('every src/ folder has a rank', () => {
    const folders = new Set(all.flatMap((e) => [e.from, e.to]));
    expect([...folders].filter((f) => RANKS[f] === undefined)).toEqual([]);
  });

  it('no folder imports a folder above it (a later stage, src/pipeline or src/cli)', () => {
    const upward = all.filter((e) => e.from !== e.to && RANKS[e.to]! > RANKS[e.from]!).map((e) => `${e.file} imports ${e.to}/`);
    expect(upward).toEqual([]);
  });

  it('only src/cli imports src/pipeline, and nothing imports src/cli', () => {
    expect(all.filter((e) => e.to === 'pipeline' && e.from !== 'pipeline' && e.from !== 'cli').map((e) => e.file)).toEqual([]);
    expect(all.filter((e) => e.to === 'cli' && e.from !== 'cli').map((e) => e.file)).toEqual([]);
  });

  it('the check fails on an upward import', () => {
    const fake = [{ file: 'ops/x.ts', from: 'ops', to: 'codegen' }];
    expect(fake.filter((e) => RANKS[e.to]! > RANKS[e.from]!)).toHaveLength(1);
  });
});
