/**
 * The host toolchain: builds a generated `host` project with the system C compiler and make,
 * measures code size with `size`, and runs the native program on input bytes.
 *
 * Builds are cached by content: the key is the SHA-256 of every source file of the project
 * (paths and bytes, sorted) plus the compiler flags. A cached build is a directory under the
 * cache root holding a copy of the sources and the built `tinyml_host`; a hit skips make.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TinymlError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { parseSizeOutput, sumSizes, type SectionSizes } from './size.js';
import { runTool } from './tools.js';

export const HOST_EXE = 'tinyml_host';

export interface HostBuildOptions {
  /** Added to the Makefile's CFLAGS (e.g. ['-fsanitize=address', '-DTINYML_ARENA_GUARD']). */
  extraCflags?: string[];
  /** Cache root; default $TINYML_CACHE_DIR or <tmpdir>/tinyml-build-cache. */
  cacheDir?: string;
  logger?: Logger;
}

export interface HostBuild {
  exe: string;
  dir: string;
  key: string;
  cached: boolean;
}

const SOURCE_RE = /\.(c|h)$|^Makefile$/;

async function sourceFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p, base)));
    else if (SOURCE_RE.test(e.name)) out.push(relative(base, p));
  }
  return out;
}

export async function buildKey(projectDir: string, extraCflags: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(extraCflags));
  for (const f of await sourceFiles(projectDir)) {
    h.update(f + '\0');
    h.update(await readFile(join(projectDir, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 24);
}

export function defaultCacheDir(): string {
  return process.env.TINYML_CACHE_DIR ?? join(tmpdir(), 'tinyml-build-cache');
}

/** Build (or reuse) the project's native program. */
export async function buildHost(projectDir: string, opts: HostBuildOptions = {}): Promise<HostBuild> {
  const log = opts.logger ?? silentLogger;
  const extra = opts.extraCflags ?? [];
  if (!existsSync(join(projectDir, 'Makefile'))) {
    throw new TinymlError('input', `${projectDir}: no Makefile — not a host project made by 'tinyml convert --board host'`);
  }
  const key = await buildKey(projectDir, extra);
  const root = opts.cacheDir ?? defaultCacheDir();
  const dir = join(root, key);
  const exe = join(dir, HOST_EXE);
  if (existsSync(exe)) {
    log.debug(`build cache hit ${dir}`);
    return { exe, dir, key, cached: true };
  }
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, `.${key}-`));
  try {
    for (const f of await sourceFiles(projectDir)) {
      await mkdir(join(work, f, '..'), { recursive: true });
      await cp(join(projectDir, f), join(work, f));
    }
    log.info(`building ${HOST_EXE} with make${extra.length ? ` (EXTRA_CFLAGS=${extra.join(' ')})` : ''}`);
    const r = await runTool('make', ['-s', `EXTRA_CFLAGS=${extra.join(' ')}`], { cwd: work });
    if (r.code !== 0) {
      throw new TinymlError('toolchain', `host build failed in ${projectDir} (make exit ${r.code}):\n${r.stderr.trim() || r.stdout.toString().trim()}`);
    }
    try {
      await rename(work, dir);
    } catch (err) {
      // Another build of the same key won the race: use it.
      if (!existsSync(exe)) throw err;
      await rm(work, { recursive: true, force: true });
    }
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return { exe, dir, key, cached: false };
}

/** Run the native program on `samples` concatenated input samples; returns the concatenated outputs. */
/** Runs tinyml_host on `input` (samples back to back); `args` e.g. ['--stream']. */
export async function runHostProgram(exe: string, input: Uint8Array, env?: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<Uint8Array> {
  const r = await runTool(exe, [...args], { input, env: env ?? process.env });
  if (r.code !== 0) {
    throw new TinymlError('toolchain', `${exe} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
}

export interface CodeSize {
  /** model.o: the generated code and its const tables. */
  model: SectionSizes;
  /** The kernel objects together. */
  kernels: SectionSizes;
  /** text + data of model.o and the kernels: what the model adds to a firmware's flash. */
  flashBytes: number;
  /** data + bss: static RAM (the arena is bss). */
  ramBytes: number;
}

/** Compile model.c and the kernels to objects with the project's flags and read `size`. */
export async function measureCodeSize(projectDir: string, cc = 'cc', cflags: readonly string[] = ['-std=c99', '-O2']): Promise<CodeSize> {
  const work = await mkdtemp(join(tmpdir(), 'tinyml-size-'));
  try {
    const files = (await sourceFiles(projectDir)).filter((f) => f.endsWith('.c') && f !== 'main.c');
    // Compiled concurrently: the objects are independent and this is most of convert's time.
    const objs = await Promise.all(
      files.map(async (f) => {
        const obj = join(work, f.replace(/[/\\]/g, '_').replace(/\.c$/, '.o'));
        const r = await runTool(cc, [...cflags, `-I${join(projectDir, 'kernels')}`, `-I${projectDir}`, '-c', join(projectDir, f), '-o', obj]);
        if (r.code !== 0) throw new TinymlError('toolchain', `compiling ${f} failed:\n${r.stderr.trim()}`);
        return obj;
      }),
    );
    const r = await runTool('size', objs);
    if (r.code !== 0) throw new TinymlError('toolchain', `size failed: ${r.stderr.trim()}`);
    const rows = parseSizeOutput(r.stdout.toString('utf8'));
    const model = rows.get(join(work, 'model.o')) ?? { text: 0, data: 0, bss: 0 };
    const kernels = sumSizes([...rows.entries()].filter(([k]) => !k.endsWith(`${join(work, 'model.o')}`)).map(([, v]) => v));
    const total = sumSizes([model, kernels]);
    return { model, kernels, flashBytes: total.text + total.data, ramBytes: total.data + total.bss };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
