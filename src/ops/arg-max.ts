/**
 * ARG_MAX and ARG_MIN along one axis: inputs [x, axis (constant int32)], the output drops that
 * axis and holds indices (int32, or int64 when ArgMaxOptions/ArgMinOptions output_type says so).
 * TFLM arg_min_max.cc with reference_ops::ArgMinMax and GreaterFn (ARG_MAX) or LessFn (ARG_MIN):
 * for each (outer, inner) position the first index whose value is strictly greater (less) than
 * every earlier one (ties keep the lowest index; a NaN is never greater or less, so a leading
 * NaN stays at index 0). TFLM runs float32 and int8 inputs with
 * an int32 axis and an int32 output only; int16 inputs and int64 outputs are refused (the float
 * kernel computes int64 outputs for float graphs, as TFLite does). The int8 kernel compares the
 * raw values: the quantization is monotonic, so no parameter is used and the output is not
 * quantized.
 */
import type { ArgMaxOp, Graph } from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { constantValues, input, inShape, noMacs, noParams, normAxis, output, requireDtype, shapeFail, shapeStr, unsupported } from './common.js';
import type { Kernel, OpDef } from './op-def.js';
import { TensorType } from './tflite-codes.js';

export interface ArgMaxPrepared {
  outer: number;
  axisSize: number;
  inner: number;
}

/** The op's axis (attribute, else the constant axis input), normalised. */
function axisOf(g: Graph, op: ArgMaxOp, rank: number): number {
  const fromInput = constantValues(g, op, 1);
  const a = fromInput && fromInput.length > 0 ? fromInput[0]! : op.axis;
  return normAxis(a, rank, op);
}

function geometry(g: Graph, op: ArgMaxOp): ArgMaxPrepared {
  const s = input(g, op, 0).shape;
  const axis = axisOf(g, op, s.length);
  return { outer: elementCount(s.slice(0, axis)), axisSize: s[axis]!, inner: elementCount(s.slice(axis + 1)) };
}

/** reference_ops::ArgMinMax with GreaterFn (`isMin` false) or LessFn, on any typed array (raw int8 values or floats). */
function argMinMaxKernel(op: ArgMaxOp, p: ArgMaxPrepared, isMin: boolean): Kernel {
  const { outer, axisSize, inner } = p;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const x = bufs[iIdx]!;
    const out = bufs[oIdx]!;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = x[o * axisSize * inner + i]!;
        let index = 0;
        for (let k = 1; k < axisSize; k++) {
          const v = x[(o * axisSize + k) * inner + i]!;
          if (isMin ? v < best : v > best) {
            best = v;
            index = k;
          }
        }
        out[o * inner + i] = index;
      }
    }
  };
}

function def<K extends ArgMaxOp['kind']>(kind: K): OpDef<ArgMaxOp & { kind: K }, ArgMaxPrepared> {
  const isMin = kind === 'ArgMin';
  const name = isMin ? 'ARG_MIN' : 'ARG_MAX';
  return {
    kind,
    arity: { inputs: [1, 2] },
    inferShapes(g, op) {
      const x = inShape(g, op, 0);
      if (x.length === 0) shapeFail(op, `the input is a scalar; ${name} needs at least one dimension`);
      const fromInput = constantValues(g, op, 1);
      const a = fromInput && fromInput.length > 0 ? fromInput[0]! : op.axis;
      const axis = a < 0 ? a + x.length : a;
      if (!Number.isInteger(axis) || axis < 0 || axis >= x.length) shapeFail(op, `axis ${a} is out of range for input ${shapeStr(x)}`);
      return [x.filter((_, i) => i !== axis)];
    },
    params: noParams,
    macs: noMacs,
    quant: { output: { kind: 'none' } },
    // The output is an index tensor: the input's dtype says which kernel runs.
    usesFloatKernel: (g, op) => input(g, op, 0).dtype === 'float32',
    prepare(g, op) {
      const x = input(g, op, 0);
      const y = output(g, op);
      requireDtype(x, ['int8'], op, 'input');
      if (y.dtype !== 'int32') unsupported(op, `output '${y.name}' is ${y.dtype}; TFLM's ${name} writes int32 only`, `Re-export with output_type int32 (tf.math.${isMin ? 'argmin' : 'argmax'}(..., output_type=tf.int32)).`);
      return geometry(g, op);
    },
    evalQuantized: (_g, op, p) => argMinMaxKernel(op, p, isMin),
    evalFloat(g, op) {
      requireDtype(output(g, op), ['int32', 'int64'], op, 'output');
      return argMinMaxKernel(op, geometry(g, op), isMin);
    },
    emitC(ctx, op, p) {
      ctx.call(`tinyml_arg_min_max_s8(${isMin ? 1 : 0}, ${p.outer}, ${p.axisSize}, ${p.inner}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!)});`);
      return ['arg_max_s8'];
    },
    tflite: {
      builtin: name,
      options: isMin ? 'ArgMinOptions' : 'ArgMaxOptions',
      read(r) {
        const rank = r.tensors[r.base.inputs[0] ?? -1]?.shape.length ?? 0;
        const axes = r.constInts(1, 'axis');
        if (axes.length !== 1) r.bad(`axis holds ${axes.length} values, expected 1`);
        // TFLM ignores output_type and writes the output tensor's type; so does this reader.
        const outDtype = r.tensors[r.base.outputs[0] ?? -1]?.dtype;
        if (outDtype !== 'int32' && outDtype !== 'int64') r.bad(`the output tensor is ${String(outDtype)}, not int32 or int64`);
        const a = axes[0]!;
        return { ...r.base, kind, axis: a < 0 ? a + rank : a } as ArgMaxOp & { kind: K };
      },
      write(op, w) {
        let inputs = op.inputs;
        if (inputs.length < 2) inputs = [op.inputs[0]!, w.addConstant({ name: `${op.name}/axis`, shape: [1], dtype: 'int32', data: Int32Array.of(op.axis) })];
        const outType = w.g.tensors[op.outputs[0]!]!.dtype === 'int64' ? TensorType.INT64 : TensorType.INT32;
        return { version: w.g.tensors[op.inputs[0]!]!.dtype === 'int8' ? 2 : 1, options: { output_type: outType }, inputs };
      },
    },
    tf: (tf, _g, op, get) => (isMin ? tf.argMin : tf.argMax)(get(op.inputs[0]!), op.axis),
  };
}

export const argMax = def('ArgMax');
export const argMin = def('ArgMin');
