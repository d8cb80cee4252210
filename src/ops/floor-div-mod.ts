/**
 * FLOOR_DIV and FLOOR_MOD with NumPy broadcasting (up to 4-D), float32 only as in TFLM
 * (floor_div.cc / floor_mod.cc take kTfLiteFloat32; `prepare` refuses other dtypes).
 * FLOOR_DIV: reference_ops::FloorDiv, std::floor of the quotient computed in double, stored as
 * float. FLOOR_MOD: reference_ops::FloorMod, std::fmod (exact), then + divisor when the
 * remainder is non-zero and its sign differs from the divisor's. TFLM fails the invocation on
 * a zero divisor (FLOOR_DIV); a per-element kernel cannot, so here x / 0 gives ±∞ or NaN.
 */
import type { BinaryOp } from '../ir/graph.js';
import { f32 } from '../numerics/fixed-point.js';
import { BROADCAST_BINARY, binaryKernelFloat } from './binary-common.js';
import { input, unsupported } from './common.js';
import type { OpDef } from './op-def.js';

type Kind = 'FloorDiv' | 'FloorMod';

export function floorDivValue(x: number, y: number): number {
  return f32(Math.floor(x / y));
}

export function floorModValue(x: number, y: number): number {
  const r = f32(x % y);
  return r !== 0 && y < 0 !== r < 0 ? f32(r + y) : r;
}

function def<K extends Kind>(kind: K): OpDef<BinaryOp & { kind: K }, never> {
  const isDiv = kind === 'FloorDiv';
  const name = isDiv ? 'FLOOR_DIV' : 'FLOOR_MOD';
  return {
    kind,
    ...BROADCAST_BINARY,
    quant: { output: { kind: 'calibrated' } },
    prepare(g, op) {
      return unsupported(op, `TFLM's ${name} kernel (${isDiv ? 'floor_div.cc' : 'floor_mod.cc'}) takes float32 only; this layer is ${input(g, op, 0).dtype}`, 'Keep this layer in a float model.');
    },
    evalQuantized: (_g, op) => unsupported(op, `${name} has no integer kernel`),
    evalFloat: (g, op) => binaryKernelFloat(g, op, -Infinity, Infinity, isDiv ? floorDivValue : floorModValue),
    emitC: (_ctx, op) => unsupported(op, `${name} has no integer kernel`),
    tflite: {
      builtin: name,
      options: isDiv ? 'FloorDivOptions' : 'FloorModOptions',
      read: (r) => ({ ...r.base, kind }) as BinaryOp & { kind: K },
      // op_version.cc: FLOOR_DIV float32 → 2; FLOOR_MOD float32 → 1.
      write: () => ({ version: isDiv ? 2 : 1, options: {} }),
    },
    tf: (tf, _g, op, get) => (isDiv ? tf.floorDiv : tf.mod)(get(op.inputs[0]!), get(op.inputs[1]!)),
  };
}

export const floorDiv = def('FloorDiv');
export const floorMod = def('FloorMod');
