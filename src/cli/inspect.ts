import type { Command } from 'commander';
import { importModel } from '../importers/index.js';
import type { Graph, Op, Tensor } from '../ir/graph.js';
import { graphCost } from '../ops/cost.js';
import { layerSupport } from '../ops/support.js';
import { printJson } from './output.js';
import { nhwcShape } from '../ir/boundary-layout.js';
import { stateLayout } from '../plan/planner.js';

/**
 * `tinyml inspect <model>`: what is in a model and what it costs — inputs/outputs with their
 * quantization, one row per op (shapes, params, MACs, activation bytes, whether tinyml can run
 * it and why not), the dtypes seen, and totals. It refuses nothing it can read: unknown ops,
 * dtypes and options are listed as unsupported layers (src/ops/support.ts) and it exits 0.
 * Figures are defined in src/ops/cost.ts.
 */

export interface InspectTensor {
  index: number;
  name: string;
  shape: number[];
  dtype: string;
  /** One number for per-tensor quantization, an array for per-channel; null when not quantized. */
  scale: number | number[] | null;
  zeroPoint: number | number[] | null;
  /**
   * For models whose own layout differs from the IR's (ONNX NCHW): `shape` is the model's own
   * (what the graph takes or gives, and the firmware's buffer by default), `nhwcShape` the
   * NHWC body's on the other side of the boundary Transpose (the buffer with
   * `convert --io-layout nhwc`), `transposed` whether data moves between the two.
   */
  source?: { shape: number[]; nhwcShape: number[]; transposed: boolean };
}

export interface InspectLayer {
  index: number;
  name: string;
  op: string;
  activation: string | null;
  inputShapes: number[][];
  outputShapes: number[][];
  params: number;
  macs: number;
  weightBytesInt8: number;
  activationBytes: number;
  /** Whether tinyml can run this layer (reference interpreter and generated C). */
  supported: boolean;
  /** Why not (unknown op, dtype, option, parameter), when unsupported. */
  reason: string | null;
  /** Same as `supported` (kept for scripts written against older releases). */
  int8CodegenSupported: boolean;
}

export interface InspectReport {
  model: { path: string; format: string; name: string };
  inputs: InspectTensor[];
  outputs: InspectTensor[];
  layers: InspectLayer[];
  /** Every dtype of the model's tensors, with how many tensors have it. */
  dtypes: Record<string, number>;
  /** One line: layers, unsupported layers, dtypes. */
  summary: string;
  totals: {
    params: number;
    macs: number;
    weightBytesInt8: number;
    largestActivationBytes: number;
    constantBytes: number;
    layers: number;
    unsupportedLayers: number;
    /** Bytes of state kept between invocations (variable tensors, resource variables); null when it cannot be laid out. */
    stateBytes: number | null;
    /** The model's subgraphs (1 = no control flow). */
    subgraphs: number;
  };
}

function describeTensor(g: Graph, index: number, kind?: 'inputs' | 'outputs'): InspectTensor {
  const t: Tensor = g.tensors[index]!;
  const q = t.quant;
  const one = <T>(xs: T[] | undefined): T | T[] | null => (!xs ? null : xs.length === 1 ? xs[0]! : xs);
  const out: InspectTensor = { index, name: t.name, shape: [...t.shape], dtype: t.dtype, scale: one(q?.scale), zeroPoint: one(q?.zeroPoint) };
  const b = kind ? g.boundaryLayout?.[kind][g[kind].indexOf(index)] : undefined;
  if (b && b.transpose) out.source = { shape: [...b.sourceShape], nhwcShape: nhwcShape(b), transposed: b.transpose };
  return out;
}

function activationOf(op: Op): string | null {
  return 'activation' in op ? op.activation : null;
}

function opLabel(op: Op): string {
  return op.kind === 'Unsupported' ? op.type : op.kind;
}

export function inspectGraph(g: Graph): InspectReport {
  const cost = graphCost(g);
  const layers = g.ops.map((op, i): InspectLayer => {
    const c = cost.perOp[i]!;
    const reason = layerSupport(g, op) ?? null;
    return {
      index: i,
      name: op.name,
      op: opLabel(op),
      activation: activationOf(op),
      inputShapes: op.inputs.filter((ti) => ti >= 0).map((ti) => [...g.tensors[ti]!.shape]),
      outputShapes: op.outputs.map((ti) => [...g.tensors[ti]!.shape]),
      params: c.params,
      macs: c.macs,
      weightBytesInt8: c.weightBytesInt8,
      activationBytes: c.activationBytes,
      supported: reason === null,
      reason,
      int8CodegenSupported: reason === null,
    };
  });
  const dtypes: Record<string, number> = {};
  for (const t of g.tensors) {
    const d = t.dtype === 'opaque' ? (t.sourceType ?? 'opaque').toLowerCase() : t.dtype;
    dtypes[d] = (dtypes[d] ?? 0) + 1;
  }
  const unsupported = layers.filter((l) => !l.supported).length;
  let stateBytes: number | null;
  try {
    stateBytes = stateLayout(g).bytes;
  } catch {
    stateBytes = null; // an unresolvable resource variable: its layers say why
  }
  const summary = `${layers.length} layers, ${unsupported === 0 ? 'all supported' : `${unsupported} unsupported`}; dtypes: ${Object.entries(dtypes)
    .map(([d, n]) => `${d} ×${n}`)
    .join(', ')}`;
  return {
    model: { path: g.source?.path ?? '', format: g.source?.format ?? 'unknown', name: g.name },
    inputs: g.inputs.map((i) => describeTensor(g, i, 'inputs')),
    outputs: g.outputs.map((i) => describeTensor(g, i, 'outputs')),
    layers,
    dtypes,
    summary,
    totals: {
      params: cost.totals.params,
      macs: cost.totals.macs,
      weightBytesInt8: cost.totals.weightBytesInt8,
      largestActivationBytes: cost.totals.largestActivationBytes,
      constantBytes: cost.totals.constantBytes,
      layers: layers.length,
      unsupportedLayers: unsupported,
      stateBytes,
      subgraphs: 1 + (g.subgraphs?.length ?? 0),
    },
  };
}

/** TFLite names fused ops "a;b;c"; the table shows the first part, cut to 40 characters (JSON keeps all). */
function shortName(name: string): string {
  const first = name.split(';')[0]!;
  return first.length > 40 ? `…${first.slice(-39)}` : first;
}

const num = (n: number): string => n.toLocaleString('en-US');
const shape = (s: number[]): string => `[${s.join(',')}]`;

function quantText(t: InspectTensor): string {
  if (t.scale === null) return '';
  const fmt = (v: number | number[] | null): string => (Array.isArray(v) ? `${v.length} per-channel` : String(v));
  return `  scale ${fmt(t.scale)}  zero point ${fmt(t.zeroPoint)}`;
}

function table(header: string[], rows: string[][], rightAlign: Set<number>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (rightAlign.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderInspect(r: InspectReport): string {
  const out: string[] = [];
  out.push(`${r.model.path} (${r.model.format}): ${r.layers.length} layers`);
  out.push('');
  for (const [label, list] of [
    ['Inputs', r.inputs],
    ['Outputs', r.outputs],
  ] as const) {
    out.push(`${label}:`);
    for (const t of list) {
      const src = t.source ? `  (model layout; NHWC ${shape(t.source.nhwcShape)} inside, through a boundary Transpose that convert --io-layout nhwc drops)` : '';
      out.push(`  ${t.name}  ${shape(t.shape)} ${t.dtype}${quantText(t)}${src}`);
    }
  }
  out.push('');
  const rows = r.layers.map((l) => [
    String(l.index),
    l.op + (l.activation && l.activation !== 'none' ? `+${l.activation}` : ''),
    shortName(l.name),
    l.inputShapes.map(shape).join(' '),
    l.outputShapes.map(shape).join(' '),
    num(l.params),
    num(l.macs),
    num(l.activationBytes),
    l.supported ? 'yes' : 'NO',
  ]);
  out.push(table(['#', 'op', 'name', 'inputs', 'output', 'params', 'MACs', 'act bytes', 'supported'], rows, new Set([0, 5, 6, 7])));
  const bad = r.layers.filter((l) => !l.supported);
  if (bad.length > 0) {
    out.push('');
    out.push('Unsupported layers:');
    for (const l of bad) out.push(`  ${l.index} ${l.op} '${shortName(l.name)}': ${l.reason}`);
  }
  out.push('');
  const t = r.totals;
  out.push(`Params:              ${num(t.params)}`);
  out.push(`MACs:                ${num(t.macs)}`);
  out.push(`Weights as int8:     ${num(t.weightBytesInt8)} bytes`);
  out.push(`Largest activation:  ${num(t.largestActivationBytes)} bytes`);
  if (t.stateBytes) out.push(`State:               ${num(t.stateBytes)} bytes kept between invocations (LSTM/SVDF state, variables)`);
  if (t.subgraphs > 1) out.push(`Subgraphs:           ${t.subgraphs} (the extra ones run by CALL_ONCE)`);
  out.push(`Summary:             ${r.summary}`);
  return out.join('\n') + '\n';
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Show a model\'s inputs, outputs, layers, parameters, MACs and memory, and which layers tinyml can run (and why not).')
    .argument('<model>', 'model file (.tflite, Keras .h5/.keras, TF.js model.json, .onnx); the format is detected from the content')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  tinyml inspect kws_ref_model.tflite
  tinyml inspect ad01.h5 --json | jq .totals.macs
  tinyml inspect classifier.onnx          (inputs show the model's NCHW shape and the NHWC one inside)

JSON: { model, inputs: [{name, shape, dtype, scale, zeroPoint}], layers: [{op, inputShapes, outputShapes,
params, macs, activationBytes, supported, reason}], dtypes: {dtype: count}, summary, totals: {params,
macs, weightBytesInt8, largestActivationBytes, unsupportedLayers, ...} }

Exit code 0 whenever the file can be read, also when some layers are unsupported (they are
listed with the reason); 3 when it cannot be read.`,
    )
    .action(async (model: string, opts: { json?: boolean }) => {
      const report = inspectGraph(await importModel(model));
      if (opts.json) printJson(report);
      else process.stdout.write(renderInspect(report));
    });
}
