/**
 * ONNX (.onnx, a protobuf ModelProto) → IR.
 *
 * Steps:
 *   1. decode the protobuf (onnx-schema.ts, protobufjs; a corrupt file is a ModelFormatError);
 *   2. check the model: a graph, and a default-domain opset from MIN_OPSET to MAX_OPSET;
 *   3. read external-data tensors from files beside the model (a missing file is named);
 *   4. lower the graph (onnx-lowering.ts; QDQ and QOperator models through onnx-quant.ts);
 *      every node it cannot lower stays in the graph as an IR Unsupported op (name, op type,
 *      reason): inspect lists the whole model, convert/run refuse with all of them at once;
 *   5. fold BatchNorm and fuse activations (shared with the Keras importer), drop unused
 *      tensors, validate. Graph inputs and outputs keep the ONNX shapes and order; the IR
 *      Transpose/Reshape ops between them and the NHWC body are recorded in
 *      `graph.boundaryLayout` (src/ir/boundary-layout.ts drops them for `--io-layout nhwc`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, normalize, sep } from 'node:path';
import { ModelFormatError, TinymlError, type UnsupportedLayer } from '../errors.js';
import type { BoundaryLayout, Graph } from '../ir/graph.js';
import { foldConstants } from '../ops/fold.js';
import { validateGraph } from '../ops/validate.js';
import { compact, foldAndFuse } from './keras-lowering.js';
import { keepsOrder, identityLayout, type Layout } from './onnx-layout.js';
import { lowerOnnxGraph, supportedOnnxOps, type Value } from './onnx-lowering.js';
import { applyQuantization, quantHook } from './onnx-quant.js';
import { decodeOnnxModel, looksLikeOnnx, type OnnxModelProto } from './onnx-schema.js';
import type { ExternalReader } from './onnx-tensors.js';
import { registerImporter } from './registry.js';

/** Default-domain opsets the importer reads (op semantics are handled per version). */
export const MIN_OPSET = 6;
export const MAX_OPSET = 21;

/** External data files beside `file`, read on demand; paths may not leave the model's folder. */
function externalReader(file: string): ExternalReader {
  const dir = dirname(file);
  return (location, offset, length, tensor) => {
    const norm = normalize(location);
    if (isAbsolute(location) || norm.startsWith('..') || norm.split(sep).includes('..')) {
      throw new ModelFormatError(file, `tensor '${tensor}' names external file '${location}', outside the model's folder`);
    }
    const path = join(dir, norm);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      throw new TinymlError('input', `${file}: tensor '${tensor}' is stored in external file '${location}', which is missing (looked for ${path})`, 'Keep the external data file(s) next to the .onnx file, as onnx.save wrote them.');
    }
    try {
      const size = fstatSync(fd).size;
      const len = length ?? size - offset;
      if (offset > size || len < 0 || offset + len > size) throw new ModelFormatError(path, `tensor '${tensor}' needs bytes ${offset}..${offset + len}, the file has ${size}`);
      const buf = new Uint8Array(len);
      let at = 0;
      while (at < len) {
        const n = readSync(fd, buf, at, len - at, offset + at);
        if (n <= 0) break;
        at += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  };
}

function checkModel(m: OnnxModelProto, file: string): number {
  if (!m.graph) throw new ModelFormatError(file, 'the ONNX model has no graph');
  const def = m.opsetImport.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  // IR version 1/2 models carry no opset_import; they are opset 1 and older than we read.
  const opset = def.length > 0 ? Math.max(...def.map((o) => o.version)) : 1;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new TinymlError(
      'unsupported',
      `${file}: ONNX opset ${opset}; tinyml reads opsets ${MIN_OPSET} to ${MAX_OPSET}`,
      opset > MAX_OPSET ? `Export with opset_version=${MAX_OPSET} or lower (torch.onnx.export(..., opset_version=17)).` : 'Convert the model to a newer opset (onnx.version_converter.convert_version(model, 13)).',
    );
  }
  return opset;
}

interface Lowered {
  graph: Graph;
  unsupported: UnsupportedLayer[];
  warnings: string[];
}

/** What the boundary ops of one graph input/output do (identity when there are none). */
function boundary(v: Value, inner: Layout | undefined): BoundaryLayout {
  const l = inner ?? identityLayout(v.shape);
  return { sourceName: v.name, sourceShape: [...v.shape], split: [...l.split], perm: [...l.perm], transpose: !keepsOrder(l) };
}

function lower(bytes: Uint8Array, file: string): Lowered {
  const model = decodeOnnxModel(bytes, file);
  const opset = checkModel(model, file);
  const name = basename(file, extname(file)).replace(/#\d+$/, '') || model.graph!.name;
  const { lowering: L, inputs, outputs } = lowerOnnxGraph(model.graph!, { file, opset, external: externalReader(file), name }, quantHook);
  for (const v of outputs) {
    if (v.ir === undefined) throw new TinymlError('unsupported', `${file}: graph output '${v.name}' is a constant (the model computes nothing from its inputs)`);
  }
  const g: Graph = {
    name,
    tensors: L.tensors,
    ops: L.ops,
    inputs: inputs.map((v) => v.ir!),
    outputs: outputs.map((v) => v.ir!),
    source: { format: 'onnx', path: file },
  };
  const b = { inputs: inputs.map((v, k) => boundary(v, L.boundaryInputs.get(k))), outputs: outputs.map((v, k) => boundary(v, L.boundaryOutputs.get(k))) };
  foldAndFuse(g);
  // Shape constants and data movement on constants left by the lowering become constants.
  let out = compact(foldConstants(g).graph);
  out = applyQuantization(out, L, file);
  if (L.boundaryInputs.size + L.boundaryOutputs.size > 0) out.boundaryLayout = b;
  validateGraph(out);
  return { graph: out, unsupported: L.unsupported, warnings: L.warnings };
}

/**
 * Imports an ONNX model. Nodes tinyml cannot lower stay in the graph as Unsupported ops (with
 * the node name, op type and reason), so `inspect` lists every layer; `convert` and `run`
 * refuse such a graph with all of them at once (src/ops/support.ts).
 */
export function onnxToGraph(bytes: Uint8Array, file: string): Graph {
  return lower(bytes, file).graph;
}

/**
 * Every node of an ONNX model that tinyml cannot lower (empty when the model imports), for
 * `tinyml inspect` to mark them. Malformed files still throw their ModelFormatError.
 */
export function listUnsupportedOnnxNodes(bytes: Uint8Array, file: string): UnsupportedLayer[] {
  return lower(bytes, file).unsupported;
}

/** Warnings of the last successful import (re-quantized parameters, ...). */
export function onnxImportWarnings(bytes: Uint8Array, file: string): string[] {
  return lower(bytes, file).warnings;
}

registerImporter({
  id: 'onnx',
  description: 'ONNX model (.onnx, protobuf ModelProto, opsets 6-21)',
  detect: (bytes) => looksLikeOnnx(bytes),
  load: async (bytes, path) => onnxToGraph(bytes, path),
  supportedOps: supportedOnnxOps,
});
