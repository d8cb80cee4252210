/**
 * A real pseudo-terminal pair from socat for meter simulators: the meter client opens one
 * end through the project's SerialPortTransport, the simulator the other.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface PtyPair {
  host: string;
  device: string;
  close(): void;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-pty-'));
  const host = path.join(dir, 'host');
  const device = path.join(dir, 'device');
  const p: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  const t0 = Date.now();
  while (!(existsSync(host) && existsSync(device))) {
    if (Date.now() - t0 > 5000) {
      p.kill();
      throw new Error('socat did not create the pty pair within 5 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    host,
    device,
    close() {
      if (p.pid !== undefined && p.exitCode === null) p.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
