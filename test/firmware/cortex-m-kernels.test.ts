/**
 * kernels/cortex-m equals kernels/reference byte for byte on randomized shapes and parameters
 * (odd channel counts, padding, strides, dilation, depth multipliers, groups, zero points),
 * executed on qemu-system-arm -M mps2-an386 so the SMLAD/SXTB16 paths run
 * (test/firmware/kernel-check.c).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { missingArmTools } from '../../src/build/arm.js';
import { boardHeader, linkerScript } from '../../src/build/arm-project.js';
import { hasTool } from '../../src/build/tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const T = (p: string) => path.join(root, 'firmware-templates', p);

describe.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('Cortex-M DSP kernels vs reference on mps2-an386', () => {
  it('agree on 300 randomized conv, depthwise and fully-connected cases', () => {
    const board = loadBoard('qemu-mps2-an386');
    const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-kcheck-'));
    writeFileSync(path.join(dir, 'board.h'), boardHeader(board));
    writeFileSync(path.join(dir, 'linker.ld'), linkerScript(board));
    const flags = [...board.toolchain.cflags, '-O2', '-std=c99', '-Wall', '-Wextra', '-Werror', '-ffreestanding', '-ffunction-sections', '-fdata-sections', '-I', dir, '-I', T('bare-metal-cortex-m'), '-I', T('kernels/reference')];
    const objs: string[] = [];
    const cc = (src: string, extra: string[] = []) => {
      const o = path.join(dir, `${objs.length}.o`);
      const r = spawnSync('arm-none-eabi-gcc', [...flags, ...extra, '-c', src, '-o', o], { encoding: 'utf8' });
      expect(r.status, `${src}: ${r.stderr}`).toBe(0);
      objs.push(o);
    };
    const names = ['conv2d_s8', 'depthwise_conv2d_s8', 'fully_connected_s8'];
    expect(readdirSync(T('kernels/cortex-m')).sort()).toEqual(names.map((n) => `${n}.c`).sort());
    for (const n of names) {
      cc(T(`kernels/reference/${n}.c`), [`-Dtinyml_${n}=ref_tinyml_${n}`]);
      cc(T(`kernels/cortex-m/${n}.c`));
    }
    for (const f of ['startup.c', 'libc-min.c', 'uart/cmsdk.c']) cc(T(`bare-metal-cortex-m/${f}`), ['-I', T('runtime')]);
    cc(path.join(root, 'test/firmware/kernel-check.c'));
    const elf = path.join(dir, 'kcheck.elf');
    const l = spawnSync('arm-none-eabi-gcc', [...board.toolchain.cflags, '-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections', '-T', path.join(dir, 'linker.ld'), ...objs, '-o', elf], { encoding: 'utf8' });
    expect(l.status, l.stderr).toBe(0);
    const q = spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-semihosting-config', 'enable=on,target=native', '-kernel', elf], { encoding: 'utf8', timeout: 120_000 });
    expect(q.stdout).toMatch(/kernel-check ok (\d+)/);
    expect(Number(/kernel-check ok (\d+)/.exec(q.stdout)![1])).toBeGreaterThan(200);
    expect(q.status).toBe(0);
  });
});
