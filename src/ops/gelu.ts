/**
 * GELU (float32). Desktop TFLite's reference_ops::GeluTransform: `0.5f * x *
 * erfc(x * float(-M_SQRT1_2))` (the erfc form avoids cancellation for large negative x), or
 * with `approximate`, GeluTransformApproximate: `0.5f * x * (1 + tanh(float(√(2/π)) * (x +
 * 0.044715f * x * x * x)))`, every step in float32 (erfc: src/numerics/erfc.ts, tanh: the
 * float64 function rounded to float32). TFLite's optimized kernel evaluates erfc/tanh with
 * Eigen's float approximations, so it may differ in the last bits.
 *
 * TFLM has no GELU kernel (upstream tflite-micro registers none), so `prepare` refuses the
 * integer forms; desktop TFLite's int8 GELU is a 256-entry table of the float transform, which
 * the LUT machinery here could carry once TFLM (the reference this project matches) has one.
 */
import type { GeluOp } from '../ir/graph.js';
import { f32 } from '../numerics/fixed-point.js';
import { erfc } from '../numerics/erfc.js';
import { ELEMENTWISE_CALIBRATED, input, unsupported } from './common.js';
import { unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

const MINUS_SQRT1_2 = f32(-Math.SQRT1_2);
/** M_2_SQRTPI * M_SQRT1_2 in double, then float (constexpr float kSqrt2dPi). */
const SQRT_2_OVER_PI = f32((2 / Math.sqrt(Math.PI)) * Math.SQRT1_2);
const C = f32(0.044715);

export function geluExact(x: number): number {
  return f32(f32(0.5 * x) * f32(erfc(f32(x * MINUS_SQRT1_2))));
}

export function geluApproximate(x: number): number {
  const cube = f32(f32(f32(C * x) * x) * x);
  const t = f32(Math.tanh(f32(SQRT_2_OVER_PI * f32(x + cube))));
  return f32(f32(0.5 * x) * f32(1 + t));
}

export const gelu: OpDef<GeluOp, never> = {
  kind: 'Gelu',
  ...ELEMENTWISE_CALIBRATED,
  prepare: (g, op) => unsupported(op, `TFLM has no GELU kernel (only desktop TFLite has one); this layer is ${input(g, op, 0).dtype}`, 'Keep this layer in a float model.'),
  evalQuantized: (_g, op) => unsupported(op, 'GELU has no integer kernel'),
  evalFloat: (g, op) => unaryFloat(g, op, op.approximate ? geluApproximate : geluExact),
  emitC: (_ctx, op) => unsupported(op, 'GELU has no integer kernel'),
  tflite: {
    builtin: 'GELU',
    options: 'GeluOptions',
    read: (r) => ({ ...r.base, kind: 'Gelu', approximate: r.optBool('approximate') }),
    write: (op) => ({ version: 1, options: { approximate: op.approximate } }),
  },
  tf(tf, _g, op, get) {
    const x = get(op.inputs[0]!);
    if (op.approximate) return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(C, tf.pow(x, 3)))))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  },
};
