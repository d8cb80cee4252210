/**
 * The model's identity in firmware: hex of the first 8 bytes of the SHA-256 of its canonical
 * form. The canonical form is the JSON text of (tensors, ops, inputs, outputs) with object keys
 * in a fixed order and constant data as hex — independent of file format, names of the source
 * file and of anything but the numbers and structure that reach the generated code.
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

export function canonicalModel(g: Graph): string {
  const tensors = g.tensors.map((t) => ({
    shape: t.shape,
    dtype: t.dtype,
    quant: t.quant ? { scale: t.quant.scale, zeroPoint: t.quant.zeroPoint, axis: t.quant.axis ?? 0 } : null,
    data: t.data ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex') : null,
  }));
  const ops = g.ops.map((op) => {
    const { name: _name, ...rest } = op;
    return rest;
  });
  return JSON.stringify(sortKeys({ tensors, ops, inputs: g.inputs, outputs: g.outputs }));
}

export function modelHash(g: Graph): string {
  return createHash('sha256').update(canonicalModel(g)).digest('hex').slice(0, 16);
}
