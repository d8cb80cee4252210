/**
 * `tinyml convert --format arduino-library | platformio-library`: the zip's layout is what the
 * Arduino IDE / PlatformIO install (one folder at the root, library.properties or library.json,
 * src/, examples/<name>/<name>.ino), and the library's sources compile with arm-none-eabi-gcc
 * using the board's flags. arduino-cli and pio are not available here, so the example sketch is
 * compiled as the Arduino builder would (Arduino.h prepended, C++) against a minimal Arduino.h
 * stand-in (test/fixtures/arduino-shim), linked, and run under QEMU (mps2-an386, the same
 * Cortex-M4F flags) with Serial over semihosting: it must report the reference output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { linkerScript } from '../../src/build/arm-project.js';
import { hasTool } from '../../src/build/tools.js';
import { exportLibrary, libraryName } from '../../src/codegen/library-export.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { silentLogger } from '../../src/log.js';
import { runGraph } from '../../src/reference/interpreter.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KWS = path.join(ROOT, 'examples/mlperf-tiny/kws_ref_model.tflite');
const SHIM = path.join(ROOT, 'test/fixtures/arduino-shim');
const BOARD = 'arduino-nano-33-ble-sense';
const arm = missingArmTools().length === 0 && hasTool('arm-none-eabi-g++');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });

async function unzip(file: string, into: string): Promise<string[]> {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const names = Object.keys(zip.files).sort();
  for (const n of names) {
    const e = zip.files[n]!;
    const out = path.join(into, n);
    if (e.dir) mkdirSync(out, { recursive: true });
    else {
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, await e.async('uint8array'));
    }
  }
  return names;
}

/** Compile the library and its example with the board's flags; link for the an386 memory map. */
function compileAndLink(libDir: string, name: string, work: string): string {
  const board = loadBoard(BOARD);
  const cpu = board.toolchain.cflags;
  const objs: string[] = [];
  const src = path.join(libDir, 'src');
  const common = [...cpu, '-O2', '-g', '-Wall', '-Wextra', '-Werror', '-ffunction-sections', '-fdata-sections', '-I', src];
  for (const f of readdirSync(src).filter((x) => x.endsWith('.c'))) {
    const o = path.join(work, `${f}.o`);
    // Arduino compiles .c files as gnu11.
    execFileSync('arm-none-eabi-gcc', [...common, '-std=gnu11', '-c', path.join(src, f), '-o', o]);
    objs.push(o);
  }
  // The Arduino builder prepends #include <Arduino.h> to the sketch and compiles it as C++.
  const ex = `${name}_inference`;
  const sketch = path.join(work, `${ex}.ino.cpp`);
  writeFileSync(sketch, `#include <Arduino.h>\n${readFileSync(path.join(libDir, 'examples', ex, `${ex}.ino`), 'utf8')}`);
  const cxx = [...common, '-std=gnu++17', '-fno-exceptions', '-fno-rtti', '-I', SHIM];
  for (const [f, compiler, flags] of [
    [sketch, 'arm-none-eabi-g++', cxx],
    [path.join(SHIM, 'arduino-shim.cpp'), 'arm-none-eabi-g++', cxx],
    [path.join(SHIM, 'arduino-shim-startup.c'), 'arm-none-eabi-gcc', [...common, '-std=gnu11']],
  ] as const) {
    const o = path.join(work, `${path.basename(f)}.o`);
    execFileSync(compiler, [...flags, '-c', f, '-o', o]);
    objs.push(o);
  }
  const ld = path.join(work, 'linker.ld');
  writeFileSync(ld, linkerScript(loadBoard('qemu-mps2-an386')));
  const elf = path.join(work, 'sketch.elf');
  execFileSync('arm-none-eabi-gcc', [...cpu, '-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections', '-T', ld, ...objs, '-lm', '-o', elf]);
  return elf;
}

describe('library export', () => {
  it('arduino-library: the zip has one root folder with library.properties, src/ and a matching example', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-ardlib-')), 'kws');
    const r = cli(['convert', KWS, '--board', BOARD, '--format', 'arduino-library', '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const name = libraryName('kws_ref_model');
    expect(j.library.name).toBe(name);
    expect(j.library.zip).toBe(path.join(out, `${name}.zip`));
    const into = mkdtempSync(path.join(os.tmpdir(), 'tinyml-ardlib-unzip-'));
    const names = await unzip(j.library.zip, into);
    expect(new Set(names.map((n) => n.split('/')[0]))).toEqual(new Set([name]));
    const props = Object.fromEntries(
      readFileSync(path.join(into, name, 'library.properties'), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const k of ['name', 'version', 'author', 'maintainer', 'sentence', 'paragraph', 'category', 'architectures', 'includes']) expect(props[k], k).toBeTruthy();
    expect(props.name).toBe(name);
    expect(props.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(props.architectures).toBe('mbed_nano'); // arduino:mbed_nano:nano33ble, cortex-m kernels
    expect(names).toContain(`${name}/src/${props.includes}`);
    expect(names).toContain(`${name}/src/model.c`);
    expect(names).toContain(`${name}/src/tinyml_kernels.h`);
    expect(names).toContain(`${name}/examples/${name}_inference/${name}_inference.ino`);
    // Only the kernels the model uses, from the board's set (same bytes as the project's).
    const kernels = readdirSync(path.join(out, 'kernels'));
    for (const k of kernels) expect(readFileSync(path.join(into, name, 'src', k))).toEqual(readFileSync(path.join(out, 'kernels', k)));
    expect(names.filter((n) => /runtime|main\.c|startup/.test(n))).toEqual([]);
  });

  it('is deterministic: the same project gives the same zip bytes', async () => {
    const board = loadBoard(BOARD);
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-ardlib-det-')), 'p');
    const { graph } = await convertModel(KWS, { board, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
    const a = await exportLibrary(dir, { format: 'arduino-library', board, graph, runGraph });
    const first = readFileSync(a.zip);
    const b = await exportLibrary(dir, { format: 'arduino-library', board, graph, runGraph });
    expect(readFileSync(b.zip).equals(first)).toBe(true);
  });

  it('platformio-library: library.json names the header, the framework and the example', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-piolib-')), 'kws');
    const r = cli(['convert', KWS, '--board', BOARD, '--format', 'platformio-library', '--library-name', 'KwsModel', '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lib = JSON.parse(readFileSync(path.join(out, 'KwsModel', 'library.json'), 'utf8'));
    expect(lib.name).toBe('KwsModel');
    expect(lib.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lib.frameworks).toEqual(['arduino']);
    expect(lib.headers).toBe('KwsModel.h');
    expect(lib.build.srcDir).toBe('src');
    expect(readFileSync(path.join(out, 'KwsModel', 'src', 'KwsModel.h'), 'utf8')).toMatch(/#include "model.h"/);
    expect(readdirSync(path.join(out, 'KwsModel', 'examples', 'KwsModel_inference'))).toEqual(['KwsModel_inference.ino']);
  });

  it('refuses an unknown --format and an unusable library name (exit 2)', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinyml-lib-bad-')), 'kws');
    const a = cli(['convert', KWS, '--board', BOARD, '--format', 'zip', '-o', out]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--format zip: unknown format/);
    const b = cli(['convert', KWS, '--board', BOARD, '--format', 'arduino-library', '--library-name', '1 bad', '-o', out]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/library name '1 bad'/);
  });

  for (const format of ['arduino-library', 'platformio-library'] as const) {
    it.skipIf(!arm)(`${format}: the sources compile with the board's flags, and the example reports the reference output under QEMU`, async () => {
      const board = loadBoard(BOARD);
      const dir = path.join(mkdtempSync(path.join(os.tmpdir(), `tinyml-${format}-cc-`)), 'p');
      const { graph } = await convertModel(KWS, { board, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
      const lib = await exportLibrary(dir, { format, board, graph, runGraph });
      const into = mkdtempSync(path.join(os.tmpdir(), 'tinyml-lib-cc-unzip-'));
      await unzip(lib.zip, into);
      const work = mkdtempSync(path.join(os.tmpdir(), 'tinyml-lib-cc-work-'));
      const elf = compileAndLink(path.join(into, lib.name), lib.name, work);
      const nm = execFileSync('arm-none-eabi-nm', ['-C', elf], { encoding: 'utf8' });
      expect(nm).toMatch(/ T tinyml_invoke$/m);
      expect(nm).toMatch(/ T setup\(\)$/m);
      if (!hasTool('qemu-system-arm')) return;
      const q = spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-display', 'none', '-monitor', 'none', '-serial', 'none', '-semihosting-config', 'enable=on,target=native', '-kernel', elf], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      // QEMU writes the guest's semihosting output to its stderr.
      expect(q.status, q.stderr).toBe(0);
      expect(q.stderr).toMatch(/tinyml_invoke returned 0 in \d+ us/);
      expect(q.stderr).toMatch(/model kws_ref_model \(hash [0-9a-f]{16}\)/);
      expect(q.stderr).toContain('output matches the reference interpreter');
    });
  }
});
