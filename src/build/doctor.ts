/**
 * `tinyml doctor`: which toolchains and tools the commands can use on this machine, their
 * versions, what each enables, and how to install the missing ones on Debian/Ubuntu, macOS
 * (Homebrew) and Windows.
 *
 * Each check is data (TOOL_CHECKS): a probe (is the program on PATH, plus a deeper check where
 * "on PATH" is not enough: newlib beside arm-none-eabi-gcc, the sanitizer runtime beside clang,
 * serial-port permissions) and the install commands. The probes run through an injectable
 * `DoctorEnv`, so tests can describe a machine without changing the real one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasTool } from '../build/tools.js';

export { DOCTOR_HINT } from '../errors.js';

export interface InstallCommands {
  debian: string;
  macos: string;
  windows: string;
}

export interface ToolStatus {
  id: string;
  /** What a person would call it. */
  name: string;
  found: boolean;
  /** First line of the tool's version output (or what the deeper check learned). */
  version: string | null;
  /** Absolute path of the program, when found on PATH. */
  path: string | null;
  /** The commands / features this tool makes possible. */
  enables: string;
  /** Why it counts as missing, when found on PATH is not enough (e.g. no newlib). */
  detail: string | null;
  /** Missing optional tools have a fallback and do not fail `doctor --strict`. */
  optional: boolean;
  install: InstallCommands;
}

export interface DoctorReport {
  platform: NodeJS.Platform;
  tools: ToolStatus[];
  missing: string[];
  /** Missing tools that are not optional. */
  missingRequired: string[];
}

/** What the probes may ask of the machine. */
export interface DoctorEnv {
  platform: NodeJS.Platform;
  has(tool: string): boolean;
  /** Run a program; stdout + stderr and the exit status (null when it could not start). */
  exec(cmd: string, args: string[]): { status: number | null; out: string };
  /** Absolute path of a program on PATH. */
  which(tool: string): string | null;
  /** Current user id (null on Windows) and the names of its groups. */
  uid: number | null;
  groups(): string[];
  exists(p: string): boolean;
}

export function realDoctorEnv(): DoctorEnv {
  return {
    platform: process.platform,
    has: hasTool,
    exec(cmd, args) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
      return { status: r.error ? null : r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
    },
    which(tool) {
      const r = spawnSync('sh', ['-c', `command -v ${JSON.stringify(tool)}`], { encoding: 'utf8' });
      return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
    },
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    groups() {
      const r = spawnSync('id', ['-Gn'], { encoding: 'utf8' });
      return r.status === 0 ? r.stdout.trim().split(/\s+/) : [];
    },
    exists: existsSync,
  };
}

const WSL = (debian: string) => `WSL 2 (wsl --install -d Debian), then in it: ${debian}`;

function firstLine(s: string): string | null {
  const l = s.split('\n').map((x) => x.trim()).find(Boolean);
  return l ?? null;
}

interface ProbeResult {
  found: boolean;
  version: string | null;
  detail?: string;
}

interface ToolCheck {
  id: string;
  name: string;
  enables: string;
  install: InstallCommands;
  optional?: boolean;
  /** Program looked up on PATH (default: id). null for checks that are not a program. */
  program?: string | null;
  probe(env: DoctorEnv): ProbeResult;
}

/** `<program> --version`, first line, when the program is on PATH. */
function versionProbe(program: string, args = ['--version']): (env: DoctorEnv) => ProbeResult {
  return (env) => {
    if (!env.has(program)) return { found: false, version: null };
    return { found: true, version: firstLine(env.exec(program, args).out) };
  };
}

/** A C file compiled and linked with the given flags, in a temp dir: true when it links. */
function compiles(env: DoctorEnv, cc: string, flags: string[], source = 'int main(void) { return 0; }\n'): { ok: boolean; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-doctor-'));
  try {
    writeFileSync(path.join(dir, 't.c'), source);
    const r = env.exec(cc, [...flags, path.join(dir, 't.c'), '-o', path.join(dir, 't.out')]);
    return { ok: r.status === 0, out: r.out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Serial devices that exist here (for the permission check). */
function serialDevices(env: DoctorEnv): string[] {
  return ['/dev/ttyACM0', '/dev/ttyUSB0', '/dev/ttyACM1', '/dev/ttyUSB1'].filter((p) => env.exists(p));
}

export const TOOL_CHECKS: ToolCheck[] = [
  {
    id: 'cc',
    name: 'host C compiler (cc) and make',
    enables: '--board host: convert measures code size, run --board host, demo without a cross compiler',
    install: {
      debian: 'sudo apt-get install gcc make libc6-dev',
      macos: 'xcode-select --install',
      windows: WSL('sudo apt-get install gcc make libc6-dev'),
    },
    probe(env) {
      if (!env.has('cc')) return { found: false, version: null };
      const version = firstLine(env.exec('cc', ['--version']).out);
      if (!env.has('make')) return { found: false, version, detail: 'cc found but make is missing' };
      return { found: true, version };
    },
  },
  {
    id: 'arm-none-eabi-gcc',
    name: 'Arm cross compiler (arm-none-eabi-gcc) with newlib',
    enables: 'Cortex-M firmware: build, bench and run on qemu-* and STM32/nRF boards; arduino/platformio library compile check',
    install: {
      debian: 'sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi make',
      macos: 'brew install --cask gcc-arm-embedded',
      windows: WSL('sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi make'),
    },
    probe(env) {
      if (!env.has('arm-none-eabi-gcc')) return { found: false, version: null };
      const version = firstLine(env.exec('arm-none-eabi-gcc', ['--version']).out);
      // Without newlib the compiler runs but nothing links: the firmware needs nano.specs and libc.
      const specs = env.exec('arm-none-eabi-gcc', ['-print-file-name=nano.specs']).out.trim();
      if (!path.isAbsolute(specs) || !env.exists(specs)) {
        return { found: false, version, detail: 'arm-none-eabi-gcc found but newlib (nano.specs, libc) is missing' };
      }
      if (!env.has('arm-none-eabi-g++')) return { found: false, version, detail: 'arm-none-eabi-g++ missing (library export compile check)' };
      if (!env.has('arm-none-eabi-size') || !env.has('arm-none-eabi-objcopy')) {
        return { found: false, version, detail: 'arm-none-eabi-size / arm-none-eabi-objcopy (binutils) missing' };
      }
      return { found: true, version: `${version} + newlib` };
    },
  },
  {
    id: 'qemu-system-arm',
    name: 'QEMU (qemu-system-arm)',
    enables: 'emulated boards (qemu-mps2-*, qemu-netduinoplus2): run, bench, demo on an emulated Cortex-M',
    install: {
      debian: 'sudo apt-get install qemu-system-arm',
      macos: 'brew install qemu',
      windows: WSL('sudo apt-get install qemu-system-arm'),
    },
    probe: versionProbe('qemu-system-arm'),
  },
  {
    id: 'avr-gcc',
    name: 'AVR compiler (avr-gcc, avr-libc)',
    enables: 'compiling generated code for AVR boards (arduino-uno)',
    install: {
      debian: 'sudo apt-get install gcc-avr avr-libc binutils-avr',
      macos: 'brew tap osx-cross/avr && brew install avr-gcc',
      windows: WSL('sudo apt-get install gcc-avr avr-libc binutils-avr'),
    },
    probe: versionProbe('avr-gcc'),
  },
  {
    id: 'socat',
    name: 'socat',
    enables: 'pseudo-terminal pairs: the flash / power-meter simulators and their tests',
    install: {
      debian: 'sudo apt-get install socat',
      macos: 'brew install socat',
      windows: WSL('sudo apt-get install socat'),
    },
    probe: versionProbe('socat', ['-V']),
  },
  {
    id: 'chromium',
    name: 'Chromium (headless)',
    enables: 'rendering report.html to a screenshot (report tests)',
    install: {
      debian: 'sudo apt-get install chromium fonts-dejavu-core',
      macos: 'brew install --cask chromium',
      windows: WSL('sudo apt-get install chromium fonts-dejavu-core'),
    },
    program: null,
    probe(env) {
      const bin = ['chromium', 'chromium-browser'].find((b) => env.has(b));
      if (!bin) return { found: false, version: null };
      return { found: true, version: firstLine(env.exec(bin, ['--version']).out) };
    },
  },
  {
    id: 'valgrind',
    name: 'Valgrind (callgrind)',
    enables: 'repeatable host instruction counts (bench/)',
    install: {
      debian: 'sudo apt-get install valgrind',
      macos: 'not available on current macOS: use a Linux machine or WSL',
      windows: WSL('sudo apt-get install valgrind'),
    },
    probe: versionProbe('valgrind'),
  },
  {
    id: 'clang',
    name: 'clang with the sanitizer runtime',
    enables: 'the ASan/UBSan fuzz tests of the device runtime',
    install: {
      debian: 'sudo apt-get install clang && sudo apt-get install libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev',
      macos: 'xcode-select --install',
      windows: WSL('sudo apt-get install clang libclang-rt-14-dev   (the number is clang\'s major version)'),
    },
    probe(env) {
      if (!env.has('clang')) return { found: false, version: null };
      const version = firstLine(env.exec('clang', ['--version']).out);
      const r = compiles(env, 'clang', ['-fsanitize=address,undefined']);
      if (!r.ok) return { found: false, version, detail: `clang found but cannot link -fsanitize=address,undefined (sanitizer runtime missing): ${firstLine(r.out) ?? ''}` };
      return { found: true, version };
    },
  },
  {
    id: 'stm32flash',
    name: 'stm32flash',
    enables: 'a second client for the STM32 system bootloader (tests check tinyml\'s simulator against it)',
    install: {
      debian: 'sudo apt-get install stm32flash',
      macos: 'brew install stm32flash',
      windows: WSL('sudo apt-get install stm32flash'),
    },
    probe(env) {
      if (!env.has('stm32flash')) return { found: false, version: null };
      return { found: true, version: firstLine(env.exec('stm32flash', ['-h']).out) };
    },
  },
  {
    id: 'avrdude',
    name: 'avrdude',
    enables: 'a second client for Optiboot / STK500v1 (tests check tinyml\'s simulator against it)',
    install: {
      debian: 'sudo apt-get install avrdude',
      macos: 'brew install avrdude',
      windows: WSL('sudo apt-get install avrdude'),
    },
    probe(env) {
      if (!env.has('avrdude')) return { found: false, version: null };
      const m = /avrdude version [^\s,]+/i.exec(env.exec('avrdude', ['-?']).out);
      return { found: true, version: m ? m[0] : null };
    },
  },
  {
    id: 'serial-permissions',
    name: 'serial-port permissions (dialout)',
    enables: 'flash, bench --port, ports: opening /dev/ttyACM* and /dev/ttyUSB* without sudo',
    install: {
      debian: 'sudo usermod -aG dialout "$USER"   (then log out and back in)',
      macos: 'nothing to do (/dev/cu.* are open to the logged-in user)',
      windows: 'nothing to do (install the board\'s USB driver: ST-LINK, CH340 or CP210x)',
    },
    program: null,
    probe(env) {
      if (env.platform !== 'linux') return { found: true, version: 'not needed on this OS' };
      if (env.uid === 0) return { found: true, version: 'running as root' };
      const groups = env.groups();
      if (groups.includes('dialout') || groups.includes('uucp')) return { found: true, version: `member of ${groups.includes('dialout') ? 'dialout' : 'uucp'}` };
      const devs = serialDevices(env);
      return {
        found: false,
        version: null,
        detail: `not in the dialout group${devs.length ? ` (${devs.join(', ')} will refuse to open)` : ''}`,
      };
    },
  },
  {
    id: 'arduino-cli',
    name: 'Arduino CLI',
    enables: 'tinyml build for boards with the arduino template (otherwise build prints the command to run)',
    optional: true,
    install: {
      debian: 'curl -fsSL https://raw.githubusercontent.com/arduino/arduino-cli/master/install.sh | sh',
      macos: 'brew install arduino-cli',
      windows: 'install the Arduino IDE 2 (it includes arduino-cli) or the Arduino CLI release for Windows',
    },
    probe: versionProbe('arduino-cli', ['version']),
  },
  {
    id: 'pio',
    name: 'PlatformIO Core (pio)',
    enables: 'tinyml build for boards with the platformio template (otherwise build prints the command to run)',
    optional: true,
    install: {
      debian: 'pip install platformio   (or: pipx install platformio)',
      macos: 'brew install platformio',
      windows: 'pip install platformio',
    },
    probe: versionProbe('pio'),
  },
  {
    id: 'udevadm',
    name: 'udevadm',
    enables: 'port listing with USB names from udev (without it, `tinyml ports` reads /sys/class/tty)',
    optional: true,
    install: {
      debian: 'sudo apt-get install udev',
      macos: 'not needed (ports are listed through IOKit)',
      windows: 'not needed (ports are listed through SetupAPI)',
    },
    probe(env) {
      if (env.platform !== 'linux') return { found: true, version: 'not needed on this OS' };
      return versionProbe('udevadm')(env);
    },
  },
];

export function runDoctor(env: DoctorEnv = realDoctorEnv(), checks: ToolCheck[] = TOOL_CHECKS): DoctorReport {
  const tools = checks.map((c): ToolStatus => {
    const r = c.probe(env);
    const program = c.program === undefined ? c.id : c.program;
    return {
      id: c.id,
      name: c.name,
      found: r.found,
      version: r.version,
      path: program && env.has(program) ? env.which(program) : null,
      enables: c.enables,
      detail: r.detail ?? null,
      optional: c.optional === true,
      install: c.install,
    };
  });
  const missing = tools.filter((t) => !t.found).map((t) => t.id);
  return { platform: env.platform, tools, missing, missingRequired: tools.filter((t) => !t.found && !t.optional).map((t) => t.id) };
}

/** The install command for this platform. */
export function installFor(t: ToolStatus, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? t.install.macos : platform === 'win32' ? t.install.windows : t.install.debian;
}
