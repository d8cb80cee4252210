import type { DType, Graph, Op, QuantParams, Tensor, TensorData } from '../../src/ir/graph.js';

/** Small graphs for kernel tests: tensors by name, one op. */
export function q(scale: number | number[], zeroPoint: number | number[] = 0, axis?: number): QuantParams {
  const s = Array.isArray(scale) ? scale : [scale];
  const z = Array.isArray(zeroPoint) ? zeroPoint : s.map(() => zeroPoint);
  return axis === undefined ? { scale: s, zeroPoint: z } : { scale: s, zeroPoint: z, axis };
}

export function t(name: string, shape: number[], dtype: DType, quant?: QuantParams, data?: TensorData): Tensor {
  const out: Tensor = { name, shape, dtype };
  if (quant) out.quant = quant;
  if (data) out.data = data;
  return out;
}

/** A one-op graph; tensors without data are activations; the first data-less tensors in `inputs` order are graph inputs. */
export function oneOp(tensors: Tensor[], op: Op, inputs: number[], outputs: number[] = op.outputs): Graph {
  return { name: op.name, tensors, ops: [op], inputs, outputs };
}

/** Deterministic pseudo-random int8 values. */
export function randInt8(n: number, seed: number): Int8Array {
  let s = seed >>> 0 || 1;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) % 256) - 128;
  }
  return out;
}

export function hexToInt8(hex: string): Int8Array {
  const out = new Int8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) << 24 >> 24;
  return out;
}

/** TFLite's double-rounding MultiplyByQuantizedMultiplier in BigInt (test-side golden). */
export function mbqmGolden(acc: bigint, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const a = BigInt.asIntN(32, acc << BigInt(left));
  const ab = a * BigInt(multiplier);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  const hi = (ab + nudge) / (1n << 31n);
  if (right === 0) return Number(hi);
  // round half away from zero of hi / 2^right
  const d = 1n << BigInt(right);
  const mag = hi < 0n ? -hi : hi;
  const r = (mag + d / 2n) / d;
  return Number(hi < 0n ? -r : r);
}
