/**
 * kernels/cortex-m equals kernels/reference byte for byte on randomized shapes and parameters
 * steered to every path of the cortex-m kernels (test/firmware/kernel-check.c lists them),
 * and keeps the scratch contract (exactly its formula suffices, one byte less is refused,
 * nothing past it is written). Executed under qemu-system-arm on the M4, M7 and M33 boards (the
 * SMLAD/SXTB16 paths) and on the M3 (no DSP extension: the plain-C paths).
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

/** Build kernel-check.c with the cortex-m kernels (and the reference ones renamed) for a board, run it under QEMU. */
function runKernelCheck(boardId: string): { stdout: string; status: number | null } {
  const board = loadBoard(boardId);
  const dir = mkdtempSync(path.join(tmpdir(), `tinyml-kcheck-${boardId}-`));
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
  for (const n of KERNELS) {
    cc(T(`kernels/reference/${n}.c`), [`-Dtinyml_${n}=ref_tinyml_${n}`]);
    cc(T(`kernels/cortex-m/${n}.c`));
  }
  for (const f of ['startup.c', 'libc-min.c', 'uart/cmsdk.c']) cc(T(`bare-metal-cortex-m/${f}`), ['-I', T('runtime')]);
  cc(path.join(root, 'test/firmware/kernel-check.c'));
  const elf = path.join(dir, 'kcheck.elf');
  const l = spawnSync('arm-none-eabi-gcc', [...board.toolchain.cflags, '-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections', '-T', path.join(dir, 'linker.ld'), ...objs, '-o', elf], { encoding: 'utf8' });
  expect(l.status, l.stderr).toBe(0);
  const machine = board.emulator?.qemuMachine;
  expect(machine, `${boardId} has no QEMU machine`).toBeTruthy();
  const q = spawnSync('qemu-system-arm', ['-M', machine!, '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-semihosting-config', 'enable=on,target=native', '-kernel', elf], { encoding: 'utf8', timeout: 300_000 });
  return { stdout: q.stdout, status: q.status };
}

const KERNELS = ['add_s8', 'conv2d_s8', 'depthwise_conv2d_s8', 'fully_connected_s8'];

describe.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('Cortex-M kernels vs reference, on target', () => {
  it('the cortex-m set overrides exactly the add, conv, depthwise and fully-connected kernels', () => {
    expect(readdirSync(T('kernels/cortex-m')).sort()).toEqual(KERNELS.map((n) => `${n}.c`).sort());
  });

  // an386 (M4), an500 (M7) and an505 (M33) run the DSP paths; an385 (M3, no DSP extension) the plain-C ones.
  for (const boardId of ['qemu-mps2-an386', 'qemu-mps2-an500', 'qemu-mps2-an505', 'qemu-mps2-an385']) {
    it(`${boardId}: agree on 2,000 randomized add, conv, depthwise and fully-connected cases`, () => {
      const { stdout, status } = runKernelCheck(boardId);
      const m = /kernel-check ok (\d+) in-place (\d+) in-place-dw (\d+)/.exec(stdout);
      expect(m, stdout).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(1600);
      expect(Number(m![2])).toBeGreaterThan(20);
      expect(Number(m![3])).toBeGreaterThan(100);
      expect(status).toBe(0);
    }, 300_000);
  }
});
