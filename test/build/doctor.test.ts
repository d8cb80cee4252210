/**
 * `tinyml doctor`: the probes against described machines (a fake DoctorEnv), and the real CLI
 * on this machine and with an empty PATH.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';
import { installFor, runDoctor, TOOL_CHECKS, type DoctorEnv } from '../../src/build/doctor.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXPECTED_IDS = ['cc', 'arm-none-eabi-gcc', 'qemu-system-arm', 'avr-gcc', 'socat', 'chromium', 'valgrind', 'clang', 'stm32flash', 'avrdude', 'serial-permissions', 'arduino-cli', 'pio', 'udevadm'];
const OPTIONAL = ['arduino-cli', 'pio', 'udevadm'];

/** A machine described by the programs on it and what they print. */
function fakeEnv(o: { tools: string[]; newlib?: boolean; sanitizers?: boolean; uid?: number; groups?: string[]; platform?: NodeJS.Platform }): DoctorEnv {
  const tools = new Set(o.tools);
  const specs = '/usr/lib/arm-none-eabi/lib/nano.specs';
  return {
    platform: o.platform ?? 'linux',
    has: (t) => tools.has(t),
    which: (t) => (tools.has(t) ? `/usr/bin/${t}` : null),
    exec(cmd, args) {
      if (!tools.has(cmd)) return { status: null, out: '' };
      if (cmd === 'arm-none-eabi-gcc' && args[0] === '-print-file-name=nano.specs') return { status: 0, out: o.newlib ? `${specs}\n` : 'nano.specs\n' };
      if (cmd === 'clang' && args.includes('-fsanitize=address,undefined')) {
        return o.sanitizers ? { status: 0, out: '' } : { status: 1, out: '/usr/bin/ld: cannot find /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.a\n' };
      }
      if (cmd === 'avrdude') return { status: 1, out: 'Usage: avrdude [options]\n\navrdude version 7.1, URL: <https://github.com/avrdudes/avrdude>\n' };
      return { status: 0, out: `${cmd} version 9.9.9\nsecond line\n` };
    },
    uid: o.uid ?? 1000,
    groups: () => o.groups ?? ['user'],
    exists: (p) => p === specs && o.newlib === true,
  };
}

describe('doctor probes', () => {
  it('lists every tool, in a fixed order, each with install commands for the three OSes', () => {
    const r = runDoctor(fakeEnv({ tools: [] }));
    expect(r.tools.map((t) => t.id)).toEqual(EXPECTED_IDS);
    for (const t of r.tools) {
      expect(t.install.debian.length, t.id).toBeGreaterThan(5);
      expect(t.install.macos.length, t.id).toBeGreaterThan(5);
      expect(t.install.windows.length, t.id).toBeGreaterThan(5);
      expect(t.enables.length, t.id).toBeGreaterThan(10);
    }
    // Nothing on PATH, a user outside dialout: everything missing; arduino-cli, pio and udevadm
    // are optional (build prints the command; ports reads sysfs).
    expect(r.missing).toEqual(EXPECTED_IDS);
    expect(r.missingRequired).toEqual(EXPECTED_IDS.filter((i) => !OPTIONAL.includes(i)));
  });

  it('arm-none-eabi-gcc without newlib is missing, with a detail that says newlib', () => {
    const without = runDoctor(fakeEnv({ tools: ['arm-none-eabi-gcc', 'arm-none-eabi-g++', 'arm-none-eabi-size', 'arm-none-eabi-objcopy'] })).tools.find((t) => t.id === 'arm-none-eabi-gcc')!;
    expect(without.found).toBe(false);
    expect(without.version).toBe('arm-none-eabi-gcc version 9.9.9');
    expect(without.detail).toMatch(/newlib/);
    expect(without.install.debian).toMatch(/libnewlib-arm-none-eabi/);
    const withIt = runDoctor(fakeEnv({ tools: ['arm-none-eabi-gcc', 'arm-none-eabi-g++', 'arm-none-eabi-size', 'arm-none-eabi-objcopy'], newlib: true })).tools.find((t) => t.id === 'arm-none-eabi-gcc')!;
    expect(withIt.found).toBe(true);
    expect(withIt.path).toBe('/usr/bin/arm-none-eabi-gcc');
  });

  it('clang that cannot link the sanitizers is missing and the Debian command names the runtime package', () => {
    const t = runDoctor(fakeEnv({ tools: ['clang'] })).tools.find((x) => x.id === 'clang')!;
    expect(t.found).toBe(false);
    expect(t.detail).toMatch(/sanitizer runtime/);
    expect(t.install.debian).toMatch(/libclang-rt-.*-dev/);
    expect(runDoctor(fakeEnv({ tools: ['clang'], sanitizers: true })).tools.find((x) => x.id === 'clang')!.found).toBe(true);
  });

  it('serial permissions: root or dialout is fine, another user is told to join dialout; not a question off Linux', () => {
    const perm = (o: Parameters<typeof fakeEnv>[0]) => runDoctor(fakeEnv(o)).tools.find((x) => x.id === 'serial-permissions')!;
    expect(perm({ tools: [], uid: 0 }).found).toBe(true);
    expect(perm({ tools: [], groups: ['user', 'dialout'] }).found).toBe(true);
    const no = perm({ tools: [], groups: ['user', 'plugdev'] });
    expect(no.found).toBe(false);
    expect(no.install.debian).toMatch(/usermod -aG dialout/);
    expect(perm({ tools: [], platform: 'darwin' }).found).toBe(true);
  });

  it('avrdude version comes from its usage text; the install command follows the platform', () => {
    const r = runDoctor(fakeEnv({ tools: ['avrdude', 'qemu-system-arm'] }));
    expect(r.tools.find((x) => x.id === 'avrdude')!.version).toBe('avrdude version 7.1');
    const q = r.tools.find((x) => x.id === 'qemu-system-arm')!;
    expect(installFor(q, 'linux')).toBe('sudo apt-get install qemu-system-arm');
    expect(installFor(q, 'darwin')).toBe('brew install qemu');
    expect(installFor(q, 'win32')).toMatch(/WSL/);
    expect(TOOL_CHECKS.length).toBe(EXPECTED_IDS.length);
  });
});

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });

describe('tinyml doctor (CLI)', () => {
  it('--json lists each tool as found or missing, agreeing with PATH on this machine', () => {
    const r = cli(['doctor', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { tools: { id: string; found: boolean; version: string | null }[] };
    expect(j.tools.map((t) => t.id)).toEqual(EXPECTED_IDS);
    for (const id of ['qemu-system-arm', 'socat', 'avr-gcc', 'valgrind', 'stm32flash']) {
      const t = j.tools.find((x) => x.id === id)!;
      expect(t.found, id).toBe(hasTool(id));
      if (t.found) expect(t.version, id).toBeTruthy();
    }
  });

  it('with nothing on PATH: every tool missing, the table says how to install each, --strict exits 6', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'tinyml-doctor-path-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const env = { ...process.env, PATH: bin };
    const plain = cli(['doctor'], env);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/MISSING\s+arm-none-eabi-gcc/);
    expect(plain.stdout).toMatch(/install: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi make/);
    const strict = cli(['doctor', '--strict'], env);
    expect(strict.status).toBe(6);
    expect(strict.stderr).toMatch(/error: missing: cc, arm-none-eabi-gcc, qemu-system-arm/);
  });
});
