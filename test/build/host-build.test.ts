import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHost, buildKey, measureCodeSize, runHostProgram } from '../../src/build/host.js';
import { parseSizeOutput, sumSizes } from '../../src/build/size.js';
import { hasTool } from '../../src/build/tools.js';
import { TinymlError } from '../../src/errors.js';

describe('parseSizeOutput', () => {
  it('reads Berkeley-format rows, including file names with spaces', () => {
    const out = `   text	   data	    bss	    dec	    hex	filename
   1234	     56	      8	   1298	    512	/tmp/a dir/model.o
     10	      0	  16000	  16010	   3e8a	kernels.o
`;
    const rows = parseSizeOutput(out);
    expect(rows.get('/tmp/a dir/model.o')).toEqual({ text: 1234, data: 56, bss: 8 });
    expect(rows.get('kernels.o')).toEqual({ text: 10, data: 0, bss: 16000 });
    expect(sumSizes(rows.values())).toEqual({ text: 1244, data: 56, bss: 16008 });
  });

  it('rejects output it does not understand instead of reading zeros', () => {
    expect(() => parseSizeOutput('__TEXT __DATA __OBJC others dec hex\n1 2 3 4 5 6 a.o')).toThrow(/unexpected output/);
    expect(() => parseSizeOutput('   text	   data	    bss	    dec	    hex	filename\nnot a row')).toThrow(/unexpected line/);
  });
});

/** A minimal project in the host template's shape: main.c + Makefile, no model. */
function project(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-build-test-'));
  mkdirSync(join(dir, 'kernels'));
  writeFileSync(join(dir, 'kernels', 'k.c'), 'int k_twice(int x) { return 2 * x; }\n');
  writeFileSync(
    join(dir, 'main.c'),
    `#include <stdio.h>\nint k_twice(int x);\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(${body}); return 0; }\n`,
  );
  writeFileSync(
    join(dir, 'Makefile'),
    'CFLAGS ?= -std=c99 -Wall -Wextra -Werror -pedantic -O2\nEXTRA_CFLAGS ?=\ntinyml_host: main.c kernels/k.c\n\t$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ main.c kernels/k.c\n',
  );
  return dir;
}

describe.skipIf(!hasTool('cc') || !hasTool('make') || !hasTool('size'))('host build', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tinyml-build-cache-test-'));

  it('builds once, then hits the cache for the same sources and flags', async () => {
    const dir = project('k_twice(c) & 0xff');
    const first = await buildHost(dir, { cacheDir });
    expect(first.cached).toBe(false);
    const again = await buildHost(dir, { cacheDir });
    expect(again.cached).toBe(true);
    expect(again.exe).toBe(first.exe);
    const out = await runHostProgram(first.exe, new Uint8Array([1, 2, 100]));
    expect(Array.from(out)).toEqual([2, 4, 200]);
  });

  it('keys the cache on file contents and flags', async () => {
    const a = project('k_twice(c) & 0xff');
    const b = project('(c + 1) & 0xff');
    expect(await buildKey(a, [])).not.toBe(await buildKey(b, []));
    expect(await buildKey(a, [])).not.toBe(await buildKey(a, ['-O0']));
    const other = project('k_twice(c) & 0xff'); // same bytes in another directory: same key
    expect(await buildKey(other, [])).toBe(await buildKey(a, []));
    const built = await buildHost(b, { cacheDir });
    expect(Array.from(await runHostProgram(built.exe, new Uint8Array([1, 2])))).toEqual([2, 3]);
  });

  it('reports compiler errors as a toolchain error with the compiler message', async () => {
    const dir = project('undeclared_thing(c)');
    const err = await buildHost(dir, { cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlError);
    expect((err as TinymlError).code).toBe('toolchain');
    expect((err as TinymlError).message).toMatch(/undeclared_thing/);
  });

  it('measures code size of everything but main.c', async () => {
    const dir = project('c');
    const s = await measureCodeSize(dir);
    expect(s.kernels.text).toBeGreaterThan(0);
    expect(s.flashBytes).toBe(s.model.text + s.model.data + s.kernels.text + s.kernels.data);
  });
});
