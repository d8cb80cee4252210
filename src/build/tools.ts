/** Finding and running external tools (compilers, make, size). */
import { spawn, spawnSync } from 'node:child_process';
import { DOCTOR_HINT } from '../errors.js';
import { TinymlError } from '../errors.js';

export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${JSON.stringify(name)}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Run a program, optionally feeding stdin; never throws for a non-zero exit (see `code`). */
export function runTool(cmd: string, args: string[], opts: { cwd?: string; input?: Uint8Array; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new TinymlError('toolchain', `'${cmd}' was not found`, `Install it (Debian: apt-get install gcc make binutils) or put it on PATH; ${DOCTOR_HINT}.`));
      } else reject(e);
    });
    child.stdin.on('error', () => {
      /* the program exited before reading all input; its exit code tells why */
    });
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 }));
    if (opts.input) child.stdin.end(Buffer.from(opts.input.buffer, opts.input.byteOffset, opts.input.byteLength));
    else child.stdin.end();
  });
}
