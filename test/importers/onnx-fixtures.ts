/**
 * Test-only: builds ONNX models in code with the protobuf writer (src/importers/onnx-schema.ts
 * encodeOnnxModel), runs them with ONNX Runtime (the outside oracle) and through tinyml's
 * import (reference interpreter and tfjs), and compares.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadTf } from '../../src/distill/tf.js';
import { runGraphTf, tfGraphSupport } from '../../src/distill/tf-graph.js';
import { supportedSourceOps } from '../../src/importers/index.js';
import { assertSupported } from '../../src/ops/support.js';
import { elementCount, type Graph } from '../../src/ir/graph.js';
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType } from '../../src/importers/onnx-schema.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';

export const ONNX_DIR = fileURLToPath(new URL('../../../shared/models/onnx/', import.meta.url));

export type Attr = { type: number; value: unknown };
export const ai = (v: number): Attr => ({ type: OnnxAttributeType.INT, value: v });
export const af = (v: number): Attr => ({ type: OnnxAttributeType.FLOAT, value: v });
export const aints = (v: number[]): Attr => ({ type: OnnxAttributeType.INTS, value: v });
export const afloats = (v: number[]): Attr => ({ type: OnnxAttributeType.FLOATS, value: v });
export const as = (v: string): Attr => ({ type: OnnxAttributeType.STRING, value: v });

export interface TensorInit {
  name: string;
  dims: number[];
  data: ArrayLike<number>;
  type?: number;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, Attr>;
  domain?: string;
}

export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: { name: string; shape: (number | string)[] }[];
  /** Graph outputs; `type` is the element type (FLOAT unless given, e.g. INT64 for ArgMax). */
  outputs: { name: string; shape?: (number | string)[]; type?: number }[];
  /** Shapes of intermediate values (GraphProto.value_info). */
  valueInfo?: { name: string; shape?: (number | string)[] }[];
  initializers?: TensorInit[];
  opset?: number;
  irVersion?: number;
}

export function tensorProto(t: TensorInit): Record<string, unknown> {
  const type = t.type ?? OnnxDataType.FLOAT;
  const o: Record<string, unknown> = { name: t.name, dims: t.dims, dataType: type };
  const vals = Array.from(t.data);
  if (type === OnnxDataType.FLOAT) o['floatData'] = vals;
  else if (type === OnnxDataType.INT64) o['int64Data'] = vals;
  else if (type === OnnxDataType.DOUBLE) o['doubleData'] = vals;
  else o['int32Data'] = vals;
  return o;
}

function attrProto(name: string, a: Attr): Record<string, unknown> {
  const o: Record<string, unknown> = { name, type: a.type };
  switch (a.type) {
    case OnnxAttributeType.INT:
      o['i'] = a.value;
      break;
    case OnnxAttributeType.FLOAT:
      o['f'] = a.value;
      break;
    case OnnxAttributeType.INTS:
      o['ints'] = a.value;
      break;
    case OnnxAttributeType.FLOATS:
      o['floats'] = a.value;
      break;
    case OnnxAttributeType.STRING:
      o['s'] = Buffer.from(a.value as string);
      break;
    case OnnxAttributeType.TENSOR:
      o['t'] = tensorProto(a.value as TensorInit);
      break;
  }
  return o;
}

const valueInfo = (v: { name: string; shape?: (number | string)[]; type?: number }) => ({
  name: v.name,
  type: { tensorType: { elemType: v.type ?? OnnxDataType.FLOAT, ...(v.shape ? { shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
});

export function buildModel(m: ModelSpec): Uint8Array {
  return encodeOnnxModel({
    irVersion: m.irVersion ?? 8,
    producerName: 'tinyml-test',
    opsetImport: [{ domain: '', version: m.opset ?? 13 }],
    graph: {
      name: 'g',
      node: m.nodes.map((n, i) => ({
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        domain: n.domain ?? '',
        attribute: Object.entries(n.attrs ?? {}).map(([k, a]) => attrProto(k, a)),
      })),
      initializer: (m.initializers ?? []).map(tensorProto),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
      valueInfo: (m.valueInfo ?? []).map(valueInfo),
    },
  });
}

/** Seeded values in [-a, a). */
export function seeded(n: number, seed: number, a = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * a);
}

export async function ortRun(model: Uint8Array | string, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array[]> {
  // Warnings (old opsets) stay out of the test log.
  const opts = { logSeverityLevel: 3 as const };
  const s = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(f);
  // int64 outputs (ArgMax) come as BigInt64Array: compared as numbers.
  const res = s.outputNames.map((n) => Float32Array.from(out[n]!.data as ArrayLike<number | bigint>, Number));
  await s.release();
  return res;
}

/** Our outputs (reference interpreter): the graph's inputs and outputs keep the ONNX layout. */
export function referenceRun(g: Graph, inputs: Float32Array[]): Float32Array[] {
  return runGraph(g, inputs) as Float32Array[];
}

let tfLoaded: Awaited<ReturnType<typeof loadTf>> | undefined;

/** Our outputs through the tfjs float runner, or undefined when it cannot run the graph (why). */
export async function tfjsRun(g: Graph, inputs: Float32Array[]): Promise<Float32Array[] | string> {
  const why = tfGraphSupport(g);
  if (why) return why;
  tfLoaded ??= await loadTf();
  const irIn = inputs[0]!;
  const inT = g.tensors[g.inputs[0]!]!;
  const count = inT.shape[0]!;
  if (elementCount(inT.shape) !== irIn.length) return 'input size';
  const y = runGraphTf(tfLoaded.tf, g, irIn, count);
  return [y as Float32Array];
}

/** max |a − b| relative to the range of `want` (1 when the range is 0). */
export function relErr(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    lo = Math.min(lo, want[i]!);
    hi = Math.max(hi, want[i]!);
    const d = Math.abs(got[i]! - want[i]!);
    err = Math.max(err, Number.isNaN(d) ? Infinity : d);
  }
  const range = hi - lo > 0 ? hi - lo : Math.max(1, Math.abs(hi));
  return err / range;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI from source (`tinyml <args>`): its exit code and output. */
export function tinyml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The error convert/run/quantize refuse `g` with (every unsupported layer at once), or undefined. */
export function refusal(g: Graph): unknown {
  try {
    assertSupported(g, supportedSourceOps(g));
  } catch (e) {
    return e;
  }
  return undefined;
}
