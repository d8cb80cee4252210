/**
 * The model's identity in firmware: hex of the first 8 bytes of the SHA-256 of its canonical
 * form. The canonical form is the JSON text of (tensors, ops, inputs, outputs) with object keys
 * in a fixed order and constant data as hex — independent of file format, names of the source
 * file and of anything but the numbers and structure that reach the generated code. A variable
 * (state) tensor carries `variable: true`, and a model with subgraphs adds their canonical forms
 * (models without either keep the form, and the hash, they always had).
 */
import { createHash } from 'node:crypto';
import type { Graph } from '../ir/graph.js';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function canonicalObject(g: Graph): Record<string, unknown> {
  const tensors = g.tensors.map((t) => ({
    shape: t.shape,
    dtype: t.dtype,
    quant: t.quant ? { scale: t.quant.scale, zeroPoint: t.quant.zeroPoint, axis: t.quant.axis ?? 0 } : null,
    data: t.data ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex') : null,
    ...(t.variable ? { variable: true } : {}),
  }));
  const ops = g.ops.map((op) => {
    const { name: _name, ...rest } = op;
    return rest;
  });
  const out: Record<string, unknown> = { tensors, ops, inputs: g.inputs, outputs: g.outputs };
  if (g.subgraphs?.length) out['subgraphs'] = g.subgraphs.map(canonicalObject);
  return out;
}

export function canonicalModel(g: Graph): string {
  return JSON.stringify(sortKeys(canonicalObject(g)));
}

export function modelHash(g: Graph): string {
  return createHash('sha256').update(canonicalModel(g)).digest('hex').slice(0, 16);
}
