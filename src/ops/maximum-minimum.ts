/**
 * MAXIMUM and MINIMUM with NumPy broadcasting.
 * int8: TFLM maximum_minimum.cc → reference_ops::MaximumMinimumBroadcastSlow on the raw int8
 * values (`el1 > el2 ? el1 : el2`, `el1 < el2 ? el1 : el2`), no requantization: that is the real
 * maximum only when both inputs and the output share scale and zero point, which TFLite's
 * converter guarantees (and the quantizer here, `quant: shared`); prepare refuses anything else.
 * float: the same comparisons on float32 (a NaN first operand yields the second, as in C).
 */
import type { BinaryOp } from '../ir/graph.js';
import { BROADCAST_BINARY, binaryKernel, binaryKernelFloat, broadcastMaps, emitBroadcastArgs, type BinaryPrepared } from './binary-common.js';
import { input, INT8_MAX, INT8_MIN, output, requireDtype, sameShape, scaleOf, shape4, unsupported, versionByDtype, zeroPointOf } from './common.js';
import type { OpDef } from './op-def.js';

type Kind = 'Maximum' | 'Minimum';
type MaxMinOp = BinaryOp & { kind: Kind };

function def<K extends Kind>(kind: K): OpDef<MaxMinOp & { kind: K }, BinaryPrepared<null>> {
  const isMax = kind === 'Maximum';
  const pick = isMax ? (a: number, b: number) => (a > b ? a : b) : (a: number, b: number) => (a < b ? a : b);
  return {
    kind,
    ...BROADCAST_BINARY,
    quant: { output: { kind: 'shared', inputs: 'all' } },
    prepare(g, op) {
      const y = output(g, op);
      requireDtype(y, ['int8'], op, 'output');
      const outScale = scaleOf(y, 'output', op);
      for (const k of [0, 1]) {
        const x = input(g, op, k);
        requireDtype(x, ['int8'], op, `input ${k + 1}`);
        if (scaleOf(x, `input ${k + 1}`, op) !== outScale || zeroPointOf(x) !== zeroPointOf(y)) {
          unsupported(
            op,
            `input ${k + 1} '${x.name}' (scale ${x.quant?.scale[0]}, zero point ${zeroPointOf(x)}) and the output (scale ${y.quant?.scale[0]}, zero point ${zeroPointOf(y)}) must share quantization: TFLM compares the raw int8 values`,
            'Re-quantize the model so that both inputs and the output of this layer share their parameters (tinyml quantize does).',
          );
        }
        shape4(x, op);
      }
      shape4(y, op);
      return { q: null, actMin: INT8_MIN, actMax: INT8_MAX, ...broadcastMaps(g, op) };
    },
    evalQuantized: (_g, op, p) => binaryKernel(op, p, p.actMin, p.actMax, pick),
    evalFloat: (g, op) => binaryKernelFloat(g, op, -Infinity, Infinity, pick),
    emitC(ctx, op) {
      ctx.call(`tinyml_maximum_minimum_s8(${isMax ? 1 : 0}, ${emitBroadcastArgs(ctx, op)});`);
      return ['maximum_minimum_s8'];
    },
    tflite: {
      builtin: isMax ? 'MAXIMUM' : 'MINIMUM',
      options: 'MaximumMinimumOptions',
      read: (r) => ({ ...r.base, kind }) as MaxMinOp & { kind: K },
      write(op, w) {
        // op_version.cc: int16 → 4; a broadcast beyond 4-D → 3; int8 → 2.
        const [a, b] = [w.g.tensors[op.inputs[0]!]!.shape, w.g.tensors[op.inputs[1]!]!.shape];
        const wide = !sameShape(a, b) && Math.max(a.length, b.length) > 4;
        return { version: wide ? versionByDtype(w.g, op, { float: 3, int8: 3, int16: 4 }) : versionByDtype(w.g, op, { float: 1, int8: 2, int16: 4 }), options: {} };
      },
    },
    tf: (tf, _g, op, get) => (isMax ? tf.maximum : tf.minimum)(get(op.inputs[0]!), get(op.inputs[1]!)),
  };
}

export const maximum = def('Maximum');
export const minimum = def('Minimum');
