/**
 * Single-op parity harness: the acceptance check every op of src/ops/ goes through.
 *
 *   const r = await checkOp(spec, { samples: 20, seed: 1 });
 *
 * 1. builds a one-op graph from `spec` (tensors with shape, dtype, quantization and constant
 *    data; one op) and writes it with the project's .tflite writer;
 * 2. imports that file back (the op's TFLite reader) and requires the same op attributes;
 * 3. runs seeded random inputs (every int8/int16 value range, floats in [-range, range])
 *    through the reference interpreter and through the generated C built for the host, and
 *    requires byte-identical outputs (tolerance 0);
 * 4. runs the same file and inputs through TFLite itself (@tensorflow/tfjs-tflite, XNNPACK,
 *    in a child process) and reports the largest difference per output; callers assert it is
 *    0, or ≤ 1 LSB where that build's single rounding differs from TFLM's double rounding.
 * A stateful op (variable tensors: LSTM, SVDF state) runs the samples as one stream in all three
 * (a reference session, the host program with --stream, one TFLite interpreter), so the state
 * each sample leaves behind is checked by the next.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBoard } from '../../src/boards/load.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { importModel } from '../../src/importers/index.js';
import { allocTensorData, elementCount, type DType, type Graph, type Op, type QuantParams, type Tensor, type TensorData } from '../../src/ir/graph.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { createSession, runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { silentLogger } from '../../src/log.js';

/** An op of any kind without its name (distributive over the Op union). */
export type OpWithoutName = Op extends infer T ? (T extends Op ? Omit<T, 'name'> & { name?: string } : never) : never;

export interface TensorSpec {
  name?: string;
  shape: number[];
  dtype: DType;
  /** [scale, zeroPoint] per tensor, or {scale[], zeroPoint[], axis} per channel. */
  q?: [number, number] | QuantParams;
  /** Constant contents. */
  data?: ArrayLike<number>;
  /** A variable (state) tensor: persists between invocations, never a graph input. */
  variable?: boolean;
}

export interface OpSpec {
  name: string;
  tensors: TensorSpec[];
  /** The op with tensor indices into `tensors`; `name` defaults to the spec's. */
  op: OpWithoutName;
  /** Graph inputs (default: every non-constant op input) and outputs (default: op outputs). */
  inputs?: number[];
  outputs?: number[];
  /** Float inputs are drawn from [-range, range] (default 4). */
  floatRange?: number;
}

export function q(scale: number, zeroPoint: number): QuantParams {
  return { scale: [scale], zeroPoint: [zeroPoint] };
}

export function buildGraph(spec: OpSpec): Graph {
  const tensors: Tensor[] = spec.tensors.map((t, i) => {
    const tensor: Tensor = { name: t.name ?? `t${i}`, shape: [...t.shape], dtype: t.dtype };
    if (t.q) tensor.quant = Array.isArray(t.q) ? q(t.q[0], t.q[1]) : t.q;
    if (t.variable) tensor.variable = true;
    if (t.data) {
      const d = allocTensorData(t.dtype, elementCount(t.shape));
      for (let k = 0; k < d.length; k++) d[k] = t.data[k]!;
      tensor.data = d;
    }
    return tensor;
  });
  const op = { ...spec.op, name: spec.op.name ?? spec.name } as Op;
  const inputs = spec.inputs ?? op.inputs.filter((i) => i >= 0 && !tensors[i]!.data && !tensors[i]!.variable);
  return { name: spec.name, tensors, ops: [op], inputs: [...new Set(inputs)], outputs: spec.outputs ?? [...op.outputs] };
}

/** Seeded random data for a graph input. */
export function randomInput(t: Tensor, r: () => number, floatRange = 4): TensorData {
  const n = elementCount(t.shape);
  const d = allocTensorData(t.dtype, n);
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case 'int8':
        d[i] = Math.floor(r() * 256) - 128;
        break;
      case 'int16':
        d[i] = Math.floor(r() * 65536) - 32768;
        break;
      case 'int32':
        d[i] = Math.floor(r() * 2001) - 1000;
        break;
      case 'uint8':
        d[i] = Math.floor(r() * 256);
        break;
      case 'bool':
        // A TFLite bool is one byte 0 or 1; other bytes are not bools (its kernels' results on them are undefined).
        d[i] = r() < 0.5 ? 0 : 1;
        break;
      default:
        d[i] = Math.fround((r() * 2 - 1) * floatRange);
    }
  }
  return d;
}

function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

export const HAVE_TFLITE = resolves('@tensorflow/tfjs-tflite');

/** Outputs of TFLite (tfjs-tflite WASM) for every sample: [sample][output] values. */
export function runTflite(model: Uint8Array, samples: TensorData[][]): Promise<number[][][]> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-op-tflite-'));
  const m = join(dir, 'm.tflite');
  writeFileSync(m, model);
  writeFileSync(join(dir, 'in.json'), JSON.stringify(samples.map((s) => s.map((x) => Array.from(x)))));
  const script = fileURLToPath(new URL('../../bench/tflite-wasm-run.cjs', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, '--json', m, join(dir, 'in.json'), join(dir, 'out.json')], { maxBuffer: 64 << 20 }, (err, _o, stderr) => {
      try {
        if (err) reject(new Error(`TFLite run failed: ${stderr}`));
        else resolve(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as number[][][]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

export interface OpCheck {
  graph: Graph;
  /** The graph imported back from the written .tflite. */
  imported: Graph;
  tflite: Uint8Array;
  inputs: TensorData[][];
  reference: TensorData[][];
  host: TensorData[][];
  /** Per output: the largest |TFLite − reference| over all samples and elements (undefined without tfjs-tflite). */
  tfliteMaxDiff?: number[];
  /** Per output: how many elements differ from TFLite. */
  tfliteDiffCount?: number[];
}

let hostBoard: ReturnType<typeof resolveBoard> | undefined;

/** JSON with object keys sorted, for comparing ops field by field. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/**
 * Runs the whole check; throws (with the first differing sample) when host C ≠ reference.
 * `host: false` skips the generated C (float graphs: the C code generator takes quantized
 * graphs only); the reference is then compared with TFLite alone.
 */
export async function checkOp(spec: OpSpec, opts: { samples?: number; seed?: number; tflite?: boolean; host?: boolean } = {}): Promise<OpCheck> {
  const graph = buildGraph(spec);
  const tflite = writeTflite(graph);
  const dir = mkdtempSync(join(tmpdir(), 'tinyml-op-'));
  let imported: Graph;
  try {
    const file = join(dir, `${spec.name}.tflite`);
    writeFileSync(file, tflite);
    imported = await importModel(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { name: _n, ...attrs } = graph.ops[0]!;
  const { name: _m, ...back } = imported.ops[0]!;
  if (canonical(back) !== canonical(attrs)) throw new Error(`${spec.name}: the op read back from .tflite differs:\n  wrote ${canonical(attrs)}\n  read  ${canonical(back)}`);

  const r = mulberry32(opts.seed ?? 1);
  const n = opts.samples ?? 10;
  const inputs = Array.from({ length: n }, () => imported.inputs.map((i) => randomInput(imported.tensors[i]!, r, spec.floatRange)));
  const stream = imported.tensors.some((t) => t.variable);
  const session = createSession(imported);
  const reference = inputs.map((x) => (stream ? session.run(x) : runGraph(imported, x)));
  hostBoard ??= resolveBoard('host');
  const host = opts.host === false ? [] : await runOnHost({ graph: imported, modelPath: `${spec.name}.tflite`, board: hostBoard, samples: inputs, logger: silentLogger, stream });
  for (let s = 0; s < host.length; s++) {
    reference[s]!.forEach((want, k) => {
      const got = host[s]![k]!;
      const same = got.length === want.length && want.every((v, i) => Object.is(v, got[i]) || v === got[i]);
      if (!same) throw new Error(`${spec.name}: host C output ${k} of sample ${s} differs from the reference:\n  C   ${Array.from(got).join(',')}\n  ref ${Array.from(want).join(',')}`);
    });
  }
  const result: OpCheck = { graph, imported, tflite, inputs, reference, host };
  if (opts.tflite !== false && HAVE_TFLITE) {
    const tf = await runTflite(tflite, inputs);
    result.tfliteMaxDiff = reference[0]!.map(() => 0);
    result.tfliteDiffCount = reference[0]!.map(() => 0);
    tf.forEach((outs, s) =>
      outs.forEach((vals, k) => {
        const want = reference[s]![k]!;
        if (vals.length !== want.length) throw new Error(`${spec.name}: TFLite output ${k} has ${vals.length} values, the reference ${want.length}`);
        vals.forEach((v, i) => {
          const d = Math.abs(v - want[i]!);
          if (d > 0) result.tfliteDiffCount![k]!++;
          result.tfliteMaxDiff![k] = Math.max(result.tfliteMaxDiff![k]!, d);
        });
      }),
    );
  }
  return result;
}
