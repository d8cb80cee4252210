/**
 * RELU and RELU6. int8: TFLite's requantizing ReluQuantized (activations.cc
 * CalculateReluOpData): out = out_zp + MBQM(in - in_zp, in_scale/out_scale), clamped to the
 * quantized [0, ∞) or [0, 6]. TFLM's Relu6 instead clamps the raw input to [zp, quantize(6)]
 * without rescaling; that is the same result when input and output share their parameters
 * (multiplier 1.0 = 2^30 with shift 1 is exact), so the general form is kept. In C, a table.
 */
import type { UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, quantizeMultiplier, roundHalfAway } from '../numerics/fixed-point.js';
import { mbqm } from '../numerics/requantize.js';
import { inShape, INT8_MAX, INT8_MIN, noMacs, noParams, scaleOf, versionByDtype, zeroPointOf, int8InOut } from './common.js';
import { emitLut, unaryFloat } from './logistic-tanh.js';
import type { OpDef } from './op-def.js';

type Kind = 'Relu' | 'Relu6';

export interface ReluPrepared {
  multiplier: number;
  shift: number;
  inputZeroPoint: number;
  outputZeroPoint: number;
  actMin: number;
  actMax: number;
  n: number;
}

function def<K extends Kind>(kind: K): OpDef<UnaryOp & { kind: K }, ReluPrepared> {
  const six = kind === 'Relu6';
  const self: OpDef<UnaryOp & { kind: K }, ReluPrepared> = {
    kind,
    arity: { inputs: [1, 1] },
    inferShapes: (g, op) => [[...inShape(g, op, 0)]],
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'calibrated' }, clip: () => (six ? 'relu6' : 'relu') },
    prepare(g, op) {
      const { x, y } = int8InOut(g, op);
      const outScale = scaleOf(y, 'output', op);
      const q = quantizeMultiplier(scaleOf(x, 'input', op) / outScale);
      const outZp = zeroPointOf(y);
      // std::max(T min, zp + static_cast<int32_t>(roundf(act / scale))) with float arithmetic.
      const actMin = Math.max(INT8_MIN, outZp + roundHalfAway(f32(0 / outScale)));
      const actMax = six ? Math.min(INT8_MAX, outZp + roundHalfAway(f32(6 / outScale))) : INT8_MAX;
      return { multiplier: q.multiplier, shift: q.shift, inputZeroPoint: zeroPointOf(x), outputZeroPoint: outZp, actMin, actMax, n: elementCount(x.shape) };
    },
    evalQuantized(_g, op, p) {
      const { multiplier, shift, inputZeroPoint: inZp, outputZeroPoint: outZp, actMin, actMax, n } = p;
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array;
        const out = bufs[oIdx] as Int8Array;
        for (let i = 0; i < n; i++) {
          let v = outZp + mbqm(inp[i]! - inZp, multiplier, shift);
          v = v < actMin ? actMin : v > actMax ? actMax : v;
          out[i] = v;
        }
      };
    },
    evalFloat: (g, op) => unaryFloat(g, op, six ? (x) => (x > 0 ? (x < 6 ? x : 6) : 0) : (x) => (x > 0 ? x : 0)),
    emitC: (ctx, op) => emitLut(self, ctx, op),
    tflite: {
      builtin: six ? 'RELU6' : 'RELU',
      read: (r) => ({ ...r.base, kind }) as UnaryOp & { kind: K },
      write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }) }),
    },
    tf: (tf, _g, op, get) => (six ? tf.relu6(get(op.inputs[0]!)) : tf.relu(get(op.inputs[0]!))),
  };
  return self;
}

export const relu = def('Relu');
export const relu6 = def('Relu6');
