/**
 * Robustness: ≥ 1,000 truncated or byte-mutated variants (seeded, reproducible) of every shared
 * model file an importer claims go through the importer registry (the importer importModelBytes
 * would pick, called directly so the registry's catch-all cannot mask a stray exception). Each
 * must resolve to a graph that passes validateGraph or reject with a TinymlError — never another
 * exception, never a hang.
 *
 * Imports run in a worker thread so a hang (even a synchronous infinite loop, or one inside a
 * WASM parser) is caught by a per-variant watchdog that terminates the worker and names the
 * file and variant; rerun a variant with makeVariant(bytes, seedFor(file), index).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImporters } from '../../src/importers/index.js';
import { decodeTfliteModel, hasTfliteIdentifier } from '../../src/importers/tflite-schema.js';
import { MODEL_DIR } from './tflite-fixtures.js';
import { mulberry32 } from '../../src/rng.js';

const VARIANTS = 1000;
/** Generous: two cores are shared by many processes in CI. A real hang never answers. */
const PER_VARIANT_LIMIT_MS = 15_000;


function seedFor(file: string): number {
  let h = 2166136261;
  for (const c of file) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/**
 * Byte ranges worth mutating: for .tflite, everything except the weight buffers (mutated weights
 * are still a valid model and test nothing); for other formats, the first and last 8 KiB.
 */
function structuralRanges(bytes: Uint8Array): [number, number][] {
  if (hasTfliteIdentifier(bytes)) {
    const data = decodeTfliteModel(bytes, 'x')
      .buffers.filter((b) => b.length > 0)
      .map((b) => [b.start, b.start + b.length] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    let pos = 0;
    for (const [s, e] of data) {
      if (s > pos) out.push([pos, s]);
      pos = Math.max(pos, e);
    }
    if (pos < bytes.length) out.push([pos, bytes.length]);
    return out;
  }
  const k = Math.min(8192, bytes.length);
  return [
    [0, k],
    [bytes.length - k, bytes.length],
  ];
}

/** Variant `index` of a file: a truncation (1 in 4) or 1–8 mutated bytes, mostly in structure. */
function makeVariant(bytes: Uint8Array, seed: number, index: number, ranges = structuralRanges(bytes)): Uint8Array {
  const rnd = mulberry32(seed + index * 7919);
  const int = (n: number): number => Math.floor(rnd() * n);
  if (index % 4 === 0) {
    // Truncation: half near the ends (headers, footers), half anywhere.
    const r = rnd();
    const len = r < 0.25 ? int(Math.min(4096, bytes.length)) : r < 0.5 ? bytes.length - 1 - int(Math.min(4096, bytes.length)) : int(bytes.length);
    return bytes.slice(0, Math.max(0, len));
  }
  const out = bytes.slice();
  const total = ranges.reduce((s, [a, b]) => s + (b - a), 0);
  const flips = 1 + int(8);
  for (let f = 0; f < flips; f++) {
    let pos: number;
    // Uniform positions mostly land in weights (a valid model, and slow for HDF5): only a quarter.
    if (rnd() < 0.75 && total > 0) {
      let k = int(total);
      const range = ranges.find(([a, b]) => (k < b - a ? true : ((k -= b - a), false)))!;
      pos = range[0] + k;
    } else {
      pos = int(out.length);
    }
    const special = [0x00, 0xff, 0x7f, 0x80, 0x01];
    out[pos] = rnd() < 0.4 ? special[int(special.length)]! : rnd() < 0.5 ? out[pos]! ^ (1 << int(8)) : int(256);
  }
  return out;
}

// The worker loads the importers through tsx and answers one message per variant.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Parsers' diagnostics (h5wasm prints HDF5-DIAG through console.error) stay out of the test log.
console.error = console.warn = console.log = () => {};
process.stderr.write = process.stdout.write = () => true;
(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const { importModelBytes, listImporters } = await import(workerData.importers);
  const { validateGraph } = await import(workerData.validate);
  const { TinymlError } = await import(workerData.errors);
  parentPort.on('message', async ({ index, name, bytes }) => {
    const t0 = Date.now();
    try {
      // The importer's own load(), not only importModelBytes: the registry wraps stray exceptions
      // in a ModelFormatError as a safety net, which would hide an importer that lets one escape.
      const u8 = new Uint8Array(bytes);
      const imp = listImporters().find((i) => i.detect(u8, name));
      const g = imp ? await imp.load(u8, name) : await importModelBytes(u8, name);
      try { validateGraph(g); parentPort.postMessage({ index, outcome: 'graph', ms: Date.now() - t0 }); }
      catch (e) { parentPort.postMessage({ index, outcome: 'invalid-graph', message: String(e && e.message), ms: Date.now() - t0 }); }
    } catch (e) {
      const ok = e instanceof TinymlError;
      parentPort.postMessage({ index, outcome: ok ? 'error' : 'crash', message: ok ? e.message : String(e && e.stack || e), ms: Date.now() - t0 });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ fatal: String(e && e.stack || e) }));
`;

interface Reply {
  index: number;
  outcome: 'graph' | 'invalid-graph' | 'error' | 'crash';
  message?: string;
  ms: number;
}

class ImportWorker {
  private worker!: Worker;
  private pending: ((r: Reply | { hang: true }) => void) | undefined;

  async start(): Promise<void> {
    const src = (p: string): string => new URL(p, import.meta.url).href;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { importers: src('../../src/importers/index.ts'), validate: src('../../src/ops/validate.ts'), errors: src('../../src/errors.ts') },
      stderr: true,
    });
    this.worker.stderr.resume();
    await new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: { ready?: boolean; fatal?: string } & Reply) => {
        if (m.ready) resolve();
        else if (m.fatal) reject(new Error(m.fatal));
        else this.pending?.(m);
      });
      this.worker.on('error', reject);
    });
  }

  run(index: number, name: string, bytes: Uint8Array): Promise<Reply | { hang: true }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ hang: true }), PER_VARIANT_LIMIT_MS);
      this.pending = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      const copy = bytes.buffer.byteLength === bytes.byteLength && bytes.byteOffset === 0 ? bytes : bytes.slice();
      this.worker.postMessage({ index, name, bytes: copy.buffer }, [copy.buffer as ArrayBuffer]);
    });
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}

/** Shared model files an importer claims: the MLPerf Tiny models and the ONNX files. */
const ONNX_DIR = fileURLToPath(new URL('../../../shared/models/onnx/', import.meta.url));
const paths = [...readdirSync(MODEL_DIR).map((f) => join(MODEL_DIR, f)), ...readdirSync(ONNX_DIR).filter((f) => f.endsWith('.onnx')).map((f) => join(ONNX_DIR, f))];
const dirOf = new Map(
  paths
    .filter((p) => {
      const bytes = new Uint8Array(readFileSync(p));
      return listImporters().some((imp) => imp.detect(bytes, p));
    })
    .map((p) => [basename(p), dirname(p)] as const),
);
const files = [...dirOf.keys()].sort();

describe('importers survive corrupt and truncated model files', () => {
  let worker: ImportWorker;
  beforeAll(async () => {
    worker = new ImportWorker();
    await worker.start();
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
  });

  it('finds the shared models', () => {
    expect(files).toEqual(expect.arrayContaining(['kws_ref_model.tflite', 'kws_ref_model_float32.tflite', 'ad01_fp32.tflite', 'ad01_int8.tflite', 'sine.onnx', 'test_Conv2d.onnx', 'test_operator_conv.onnx']));
  });

  for (const file of files) {
    it(`${VARIANTS} variants of ${file}`, async () => {
      const bytes = new Uint8Array(readFileSync(join(dirOf.get(file)!, file)));
      const seed = seedFor(file);
      const ranges = structuralRanges(bytes);
      const counts = { graph: 0, error: 0 };
      let slowest = 0;
      for (let i = 0; i < VARIANTS; i++) {
        const variant = makeVariant(bytes, seed, i, ranges);
        const r = await worker.run(i, `${file}#${i}`, variant);
        if ('hang' in r) {
          await worker.stop();
          worker = new ImportWorker();
          await worker.start();
          expect.fail(`${file} variant ${i} (seed ${seed}) did not finish within ${PER_VARIANT_LIMIT_MS} ms`);
          return;
        }
        expect(r.outcome, `${file} variant ${i}: ${r.message ?? ''}`).toMatch(/^(graph|error)$/);
        // TFLite and ONNX errors name the file they are about.
        if (r.outcome === 'error' && (file.endsWith('.tflite') || file.endsWith('.onnx'))) expect(r.message, `${file} variant ${i}`).toContain(`${file}#${i}`);
        counts[r.outcome as 'graph' | 'error']++;
        slowest = Math.max(slowest, r.ms);
      }
      expect(counts.graph + counts.error).toBe(VARIANTS);
      // Most variants must be rejected, or the mutations missed the structure.
      expect(counts.error, JSON.stringify(counts)).toBeGreaterThan(VARIANTS / 4);
    }, 600_000);
  }
});
