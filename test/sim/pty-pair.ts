/**
 * A pair of connected pseudo-terminals made by socat, for talking to a simulator through
 * a real tty (the kernel's line discipline, serialport's bindings, and the real clients).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PtyPair {
  /** Host side: give this to the client (stm32flash, avrdude, tinyml flash). */
  host: string;
  /** Device side: the simulator opens this. */
  device: string;
  proc: ChildProcess;
  close(): Promise<void>;
}

export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-pty-'));
  const host = path.join(dir, 'host');
  const device = path.join(dir, 'device');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  const t0 = Date.now();
  while (!(existsSync(host) && existsSync(device))) {
    if (Date.now() - t0 > 5000) {
      proc.kill();
      throw new Error('socat did not create the pty pair within 5 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    host,
    device,
    proc,
    close: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
