/**
 * LOGISTIC and TANH. int8: TFLM logistic_common.cc / tanh.cc Prepare — the input is rescaled to
 * Q4.27 by input_scale · 2^27 split with frexp into a multiplier and a left shift; inputs
 * beyond CalculateInputRadius(4, left_shift) saturate; reference_integer_ops::Logistic (output
 * zero point -128, scale 1/256) and ::Tanh (zero point 0, scale 1/128) over gemmlowp fixed
 * point. In C the int8 op is its 256-entry table (src/ops/lut.ts). float: 1/(1+e^-x), tanh.
 * int16 (16x8): TFLM logistic_common.cc / tanh.cc int16 Prepare (zero points 0, output scale
 * 2^-15; input rescaled to 1/(3·4096) by a multiplier and a left shift, or by 3 << shift for a
 * power-of-two input scale) and reference_integer_ops::Logistic / ::Tanh for int16, which
 * interpolate TFLite's 256-entry sigmoid table (tanh(x) = 2·sigmoid(2x) − 1).
 */
import type { Graph, Op, UnaryOp } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, frexp, roundHalfAway } from '../numerics/fixed-point.js';
import { logistic as gLogistic, tanh as gTanh } from '../numerics/gemmlowp.js';
import { logisticInt16, tanhInt16 } from '../numerics/int16-sigmoid-tanh.js';
import { checkedLog2 } from '../numerics/lut16.js';
import { mbqm, rdbpot } from '../numerics/requantize.js';
import { arrayBody, input, inShape, INT8_MAX, INT8_MIN, noMacs, noParams, output, requireDtype, scaleOf, unsupported, versionByDtype, zeroPointOf } from './common.js';
import { lutTable } from './lut.js';
import type { Kernel, OpDef } from './op-def.js';

type Kind = 'Logistic' | 'Tanh';

export interface Q4Prepared {
  dtype: 'int8' | 'int16';
  multiplier: number;
  shift: number;
  radius: number;
  inputZeroPoint: number;
  n: number;
}

/**
 * TFLM's int16 Prepare of LOGISTIC / TANH: input_multiplier and input_left_shift (multiplier 0
 * = the power-of-two input scale case the kernel turns into 3 << shift).
 */
function int16InputParams(g: Graph, op: Op, isLogistic: boolean): Q4Prepared {
  const x = input(g, op, 0);
  const y = output(g, op);
  if (zeroPointOf(x) !== 0 || zeroPointOf(y) !== 0) unsupported(op, `int16 input and output must have zero point 0 (TFLite's requirement), got ${zeroPointOf(x)} and ${zeroPointOf(y)}`);
  const inScale = scaleOf(x, 'input', op);
  const kInputIntegerBits = 3;
  const log2 = checkedLog2(inScale);
  let shift = 15 - kInputIntegerBits + log2.log2;
  let multiplier = 0;
  // Logistic takes the power-of-two path at left shift 0 only, Tanh at 0 or 1.
  const pot = log2.exact && (shift === 0 || (!isLogistic && shift === 1));
  if (!pot) {
    let m = inScale * 4096.0 * 3.0;
    shift = 0;
    while (m <= 32767.0 / 2.0 && shift <= 30) {
      shift++;
      m *= 2.0;
    }
    multiplier = Math.trunc(m);
  }
  if (multiplier > 32767) unsupported(op, `int16 input scale ${inScale} is too large for TFLite's int16 ${op.kind} (input multiplier ${multiplier} > 32767)`);
  const outLog2 = checkedLog2(scaleOf(y, 'output', op));
  if (!outLog2.exact || outLog2.log2 !== -15) unsupported(op, `int16 output scale must be 2^-15 (TFLite's requirement), got ${y.quant?.scale[0]}`);
  return { dtype: 'int16', multiplier, shift, radius: 0, inputZeroPoint: 0, n: elementCount(x.shape) };
}

/** TFLM Prepare of the int8 logistic/tanh: input rescaled to Q4.27. */
function q4InputParams(g: Graph, op: Op): Q4Prepared {
  const x = input(g, op, 0);
  const inScale = scaleOf(x, 'input', op);
  const [q, shift] = frexp(inScale * (1 << 27));
  // static_cast<int32_t>(TfLiteRound(q * (1ll << 31))): no renormalisation when q rounds to 1.
  const multiplier = roundHalfAway(q * 2147483648) | 0;
  const radius = Math.floor((15 * Math.pow(2, 27)) / Math.pow(2, shift));
  return { dtype: 'int8', multiplier, shift, radius, inputZeroPoint: zeroPointOf(x), n: elementCount(x.shape) };
}

/** A unary float kernel. */
export function unaryFloat(g: Graph, op: Op, f: (x: number) => number): Kernel {
  const n = elementCount(output(g, op).shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as Float32Array;
    const out = bufs[oIdx] as Float32Array;
    for (let i = 0; i < n; i++) out[i] = f(inp[i]!);
  };
}

/** C of an int8 → int8 op as its 256-entry table. */
export function emitLut<O extends Op, P>(def: OpDef<O, P>, ctx: Parameters<OpDef['emitC']>[0], op: O): string[] {
  const table = lutTable(def, ctx.g, op);
  ctx.decl(`static const int8_t ${ctx.prefix}_table[256] = {\n${arrayBody(table, 16)}\n};`);
  ctx.call(`tinyml_lut_s8(${ctx.prefix}_table, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)}, ${elementCount(ctx.g.tensors[op.outputs[0]!]!.shape)});`);
  return ['lut_s8'];
}

function def<K extends Kind>(kind: K): OpDef<UnaryOp & { kind: K }, Q4Prepared> {
  const isLogistic = kind === 'Logistic';
  const self: OpDef<UnaryOp & { kind: K }, Q4Prepared> = {
    kind,
    arity: { inputs: [1, 1] },
    inferShapes: (g, op) => [[...inShape(g, op, 0)]],
    params: noParams,
    macs: noMacs,
    quant: {
      output: isLogistic
        ? { kind: 'fixed', int8: { scale: 1 / 256, zeroPoint: -128 }, int16: { scale: 1 / 32768, zeroPoint: 0 } }
        : { kind: 'fixed', int8: { scale: 1 / 128, zeroPoint: 0 }, int16: { scale: 1 / 32768, zeroPoint: 0 } },
    },
    prepare(g, op) {
      const y = output(g, op);
      requireDtype(input(g, op, 0), ['int8', 'int16'], op, 'input');
      requireDtype(y, [input(g, op, 0).dtype], op, 'output');
      if (y.dtype === 'int16') return int16InputParams(g, op, isLogistic);
      const wantZp = isLogistic ? -128 : 0;
      if (zeroPointOf(y) !== wantZp) unsupported(op, `int8 output must have zero point ${wantZp} (TFLite's requirement), got ${zeroPointOf(y)}`);
      return q4InputParams(g, op);
    },
    evalQuantized(_g, op, p) {
      const { multiplier, shift, radius, inputZeroPoint: inZp, n } = p;
      const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
      if (p.dtype === 'int16') {
        const f = isLogistic ? logisticInt16 : tanhInt16;
        return (bufs) => {
          const inp = bufs[iIdx] as Int16Array;
          const out = bufs[oIdx] as Int16Array;
          for (let i = 0; i < n; i++) out[i] = f(inp[i]!, multiplier, shift);
        };
      }
      return (bufs) => {
        const inp = bufs[iIdx] as Int8Array;
        const out = bufs[oIdx] as Int8Array;
        for (let i = 0; i < n; i++) {
          const x = inp[i]! - inZp;
          if (x <= -radius) out[i] = INT8_MIN;
          else if (x >= radius) out[i] = INT8_MAX;
          else {
            const inQ4 = mbqm(x, multiplier, shift);
            const v = isLogistic ? rdbpot(gLogistic(inQ4, 4), 31 - 8) - 128 : rdbpot(gTanh(inQ4, 4), 31 - 7);
            out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
          }
        }
      };
    },
    evalFloat: (g, op) => unaryFloat(g, op, isLogistic ? (x) => f32(1 / f32(1 + f32(Math.exp(-x)))) : (x) => f32(Math.tanh(x))),
    emitC(ctx, op, p) {
      if (p.dtype === 'int8') return emitLut(self, ctx, op);
      ctx.call(`tinyml_${isLogistic ? 'logistic' : 'tanh'}_s16(${p.multiplier}, ${p.shift}, ${p.n}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return [isLogistic ? 'logistic_s16' : 'tanh_s16', 'sigmoid_s16'];
    },
    tflite: {
      builtin: isLogistic ? 'LOGISTIC' : 'TANH',
      read: (r) => ({ ...r.base, kind }) as UnaryOp & { kind: K },
      write: (op, w) => ({ version: versionByDtype(w.g, op, { float: 1, int8: 2, int16: 3 }) }),
    },
    tf: (tf, _g, op, get) => (isLogistic ? tf.sigmoid(get(op.inputs[0]!)) : tf.tanh(get(op.inputs[0]!))),
  };
  return self;
}

export const logistic = def('Logistic');
export const tanh = def('Tanh');
