/**
 * Test harness: graph → generated C project (the real convert path) → native build → outputs
 * for a batch of inputs in one process run, to compare with the reference interpreter.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardProfile } from '../../src/boards/board.js';
import { buildHost, runHostProgram } from '../../src/build/host.js';
import { resolveBoard } from '../../src/boards/load.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import type { Graph } from '../../src/ir/graph.js';
import { elementCount } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';

export const SANITIZE = ['-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-DTINYML_ARENA_GUARD'];

export { mulberry32 as rng } from '../../src/rng.js';

export function randomInt8(r: () => number, n: number, lo = -128, hi = 127): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(r() * (hi - lo + 1));
  return a;
}

let hostBoard: BoardProfile | undefined;
export function host(): BoardProfile {
  return (hostBoard ??= resolveBoard('host'));
}

export const cacheDir = mkdtempSync(join(tmpdir(), 'tinyml-test-cache-'));

/** Convert `g`, build it (with `cflags` added), run all `inputs` through one process. */
export async function runGenerated(g: Graph, inputs: Int8Array[], cflags: string[] = SANITIZE): Promise<Int8Array[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-gen-'));
  await convertGraph(g, g.name, null, { board: host(), outDir: join(dir, 'p'), runGraph, measureCode: false });
  const build = await buildHost(join(dir, 'p'), { extraCflags: cflags, cacheDir });
  const inN = elementCount(g.tensors[g.inputs[0]!]!.shape);
  const outN = elementCount(g.tensors[g.outputs[0]!]!.shape);
  const all = new Int8Array(inN * inputs.length);
  inputs.forEach((x, k) => all.set(x, k * inN));
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' };
  const out = await runHostProgram(build.exe, new Uint8Array(all.buffer), env);
  const res: Int8Array[] = [];
  for (let k = 0; k < inputs.length; k++) res.push(new Int8Array(out.buffer, out.byteOffset + k * outN, outN).slice());
  return res;
}

/** The reference outputs of the same inputs. */
export function runReference(g: Graph, inputs: Int8Array[]): Int8Array[] {
  return inputs.map((x) => runGraph(g, [x])[0] as Int8Array);
}
