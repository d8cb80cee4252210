/**
 * Runs firmware on an emulated board: qemu-system-arm with the UART on a pseudo-terminal.
 *
 * 1. Start `qemu-system-arm -M <machine> -display none -monitor stdio -serial pty -S
 *    -icount shift=0 -kernel firmware.elf`: paused (-S), so the boot banner is not sent before
 *    the host has the pty open (bytes written to a pty nobody has open are lost).
 * 2. Read "char device redirected to /dev/pts/N" from QEMU's output.
 * 3. The caller opens that path with the same serial code a real /dev/ttyACM0 uses, then calls
 *    `resume()` (the monitor command `cont`).
 * 4. `stop()` (also on process exit) kills QEMU. -icount shift=0 makes one instruction take
 *    1 ns of virtual time, so the SysTick counts the firmware reports repeat run to run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { BoardProfile } from '../boards/board.js';
import { hasTool } from '../build/tools.js';
import { DOCTOR_HINT } from '../errors.js';
import { TinymlError } from '../errors.js';

export interface QemuSession {
  /** The pseudo-terminal the board's UART is connected to. */
  ptyPath: string;
  resume(): void;
  stop(): Promise<void>;
  /** QEMU's own output so far (for error messages). */
  output(): string;
}

const running = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}

/** QEMU must not outlive us: kill it on exit, and on Ctrl-C / SIGTERM before the default action. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      // Re-raise with our handler gone, so the process ends the way it would have.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

export async function startQemu(board: BoardProfile, elf: string, opts: { timeoutMs?: number } = {}): Promise<QemuSession> {
  if (!board.emulator) throw new TinymlError('usage', `board ${board.id} is not emulated (no "emulator" field); use --port with the real board`);
  if (!hasTool('qemu-system-arm')) {
    throw new TinymlError('toolchain', 'qemu-system-arm not found', `Debian/Ubuntu: sudo apt-get install qemu-system-arm; ${DOCTOR_HINT}.`);
  }
  const args = ['-M', board.emulator.qemuMachine, '-display', 'none', '-monitor', 'stdio', '-serial', 'pty', '-S', '-icount', 'shift=0', '-kernel', elf];
  if (board.emulator.cpu) args.push('-cpu', board.emulator.cpu);
  const child = spawn('qemu-system-arm', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  installExitHook();
  let out = '';
  let exited = false;
  child.on('exit', () => {
    exited = true;
    running.delete(child);
  });
  const stop = async () => {
    if (exited) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
  const ptyPath = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "char device redirected" line from qemu-system-arm within ${opts.timeoutMs ?? 10000} ms`), opts.timeoutMs ?? 10000);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const m = /char device redirected to (\/dev\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new TinymlError('toolchain', `qemu-system-arm -M ${board.emulator!.qemuMachine}: ${why}\n${out.trim()}`, `Command: qemu-system-arm ${args.join(' ')}`));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with code ${code} before the serial port was ready`));
  });
  return {
    ptyPath,
    resume: () => {
      if (!exited) child.stdin.write('cont\n');
    },
    stop,
    output: () => out,
  };
}
