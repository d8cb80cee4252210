/**
 * L2_NORMALIZATION over the last dimension: x / max(‖x‖₂, 1e-6).
 * int8: TFLM l2norm.cc and reference_integer_ops::L2Normalization — per row the int32 sum of
 * squares of (x − zp), GetInvSqrtQuantizedMultiplierExp of it (0 and 1 give INT32_MAX, so an
 * all-zero row stays 0), then MultiplyByQuantizedMultiplier(x − zp, inv, shift + 7) clamped to
 * int8: the output is on scale 1/128, zero point 0 (TFLite's converter fixes both; TFLM assumes
 * them, so prepare requires them). TFLM takes rank ≤ 4 and no fused activation.
 * float: reference_ops::L2Normalization, float32 sum of squares, sqrt, epsilon 1e-6.
 */
import type { L2NormalizationOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32 } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { getInvSqrtQuantizedMultiplierExp } from '../numerics/tflite-math.js';
import { input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, scaleOf, unsupported, versionByDtype, zeroPointOf, int8InOut } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { activationCode } from './tflite-codes.js';

const OUTPUT_SCALE = 1 / 128;
const K_OUTPUT_SCALE = 7;
/** (255)² · depth must stay below 2^31 for TFLM's int32 sum of squares. */
const MAX_DEPTH = Math.floor(2147483647 / (255 * 255));

export interface L2NormPrepared {
  inputZeroPoint: number;
  outer: number;
  depth: number;
}

function requireNoActivation(op: L2NormalizationOp): void {
  if (op.activation !== 'none') unsupported(op, `a fused ${op.activation} activation: TFLM's (and TFLite's) L2_NORMALIZATION takes none`);
}

function rows(shape: readonly number[]): { outer: number; depth: number } {
  const depth = shape[shape.length - 1] ?? 1;
  return { outer: depth === 0 ? 0 : elementCount(shape) / depth, depth };
}

export const l2Normalization: OpDef<L2NormalizationOp, L2NormPrepared> = {
  kind: 'L2Normalization',
  arity: { inputs: [1, 1] },
  inferShapes: (g, op) => [[...inShape(g, op, 0)]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'fixed', int8: { scale: OUTPUT_SCALE, zeroPoint: 0 } } },
  prepare(g, op) {
    requireNoActivation(op);
    const { x, y } = int8InOut(g, op);
    if (x.shape.length > 4 || x.shape.length === 0) unsupported(op, `input rank ${x.shape.length}; TFLM's L2_NORMALIZATION takes rank 1 to 4`);
    if (scaleOf(y, 'output', op) !== OUTPUT_SCALE || zeroPointOf(y) !== 0) {
      unsupported(op, `int8 L2_NORMALIZATION output must have scale 1/128 and zero point 0 (the kernel's fixed output), got ${y.quant?.scale[0]} and ${zeroPointOf(y)}`);
    }
    const { outer, depth } = rows(x.shape);
    if (depth > MAX_DEPTH) unsupported(op, `last dimension ${depth} overflows TFLM's int32 sum of squares (at most ${MAX_DEPTH})`);
    return { inputZeroPoint: zeroPointOf(x), outer, depth };
  },
  evalQuantized(_g, op, p): Kernel {
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Int8Array;
      const out = bufs[oIdx] as Int8Array;
      for (let row = 0; row < p.outer; row++) {
        const base = row * p.depth;
        let acc = 0;
        for (let c = 0; c < p.depth; c++) {
          const v = inp[base + c]! - p.inputZeroPoint;
          acc += v * v;
        }
        const inv = getInvSqrtQuantizedMultiplierExp(acc);
        for (let c = 0; c < p.depth; c++) {
          const v = mbqm(inp[base + c]! - p.inputZeroPoint, inv.multiplier, inv.shift + K_OUTPUT_SCALE);
          out[base + c] = v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : v;
        }
      }
    };
  },
  evalFloat(g, op): Kernel {
    requireNoActivation(op);
    const { outer, depth } = rows(input(g, op, 0).shape);
    const epsilon = f32(1e-6);
    const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
    return (bufs) => {
      const inp = bufs[iIdx] as Float32Array;
      const out = bufs[oIdx] as Float32Array;
      for (let row = 0; row < outer; row++) {
        const base = row * depth;
        let sq = 0;
        for (let c = 0; c < depth; c++) sq = f32(sq + f32(inp[base + c]! * inp[base + c]!));
        const norm = Math.max(f32(Math.sqrt(sq)), epsilon);
        for (let c = 0; c < depth; c++) out[base + c] = inp[base + c]! / norm;
      }
    };
  },
  emitC(ctx, op, p) {
    ctx.call(`tinyml_l2_normalization_s8(${p.inputZeroPoint}, ${p.outer}, ${p.depth}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
    return ['l2_normalization_s8', 'fixed_point'];
  },
  tflite: {
    builtin: 'L2_NORMALIZATION',
    options: 'L2NormOptions',
    read: (r) => ({ ...r.base, kind: 'L2Normalization', activation: r.activation() }),
    write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2 }), options: { fused_activation_function: activationCode(op.activation) } }),
  },
  tf: (tf, _g, op, get) => {
    requireNoActivation(op);
    const x = get(op.inputs[0]!);
    return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-6));
  },
};
