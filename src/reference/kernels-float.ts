/**
 * float32 kernels: TFLite's reference_ops float kernels, with every intermediate rounded to
 * float32 (Math.fround) in the order the C code accumulates, so results equal a C build
 * without fused multiply-add contraction. exp/tanh come from the JS engine and may differ from
 * a C library's expf/tanhf in the last bit: float outputs are comparable with a tolerance, not
 * byte for byte (the int8 path is the byte-exact contract).
 */
import { TinymlError } from '../errors.js';
import type {
  ConcatenationOp,
  Conv2DOp,
  DepthwiseConv2DOp,
  ElementwiseBinaryOp,
  FullyConnectedOp,
  Graph,
  MeanOp,
  Op,
  Pool2DOp,
  SoftmaxOp,
  Tensor,
} from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32 } from '../quantize/fixed-point.js';
import { copyKernel, int8Kernel, padKernel, reduceMap } from './kernels-int8.js';
import { broadcastIndex, normAxis, sameShape, type Kernel } from './layout.js';
import { activationRangeFloat, shape4, tensorOf, windowPadding } from './op-params.js';

type F32 = Float32Array;
const fr = Math.fround;

function io(g: Graph, op: Op, i: number): Tensor {
  return tensorOf(g, op.inputs[i]!, op, `input ${i}`);
}
function out0(g: Graph, op: Op): Tensor {
  return tensorOf(g, op.outputs[0]!, op, 'output');
}
function optionalBias(g: Graph, op: Op): Float32Array | undefined {
  const i = op.inputs[2];
  return i !== undefined && i >= 0 ? (io(g, op, 2).data as F32) : undefined;
}
function clampF(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** reference_ops::Conv (float), grouped. */
function conv2d(g: Graph, op: Conv2DOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const output = out0(g, op);
  const [batches, inH, inW, inC] = shape4(input);
  const [outC, kH, kW, filterInC] = filter.shape as [number, number, number, number];
  const [, outH, outW] = shape4(output);
  const filtersPerGroup = outC / (inC / filterInC);
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const fdata = filter.data as F32;
  const bias = optionalBias(g, op);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { strideH, strideW, dilationH, dilationW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    let o = 0;
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          for (let oc = 0; oc < outC; oc++) {
            const icBase = ((oc / filtersPerGroup) | 0) * filterInC;
            let total = 0;
            for (let fy = 0; fy < kH; fy++) {
              const iy = oy * strideH - padH + dilationH * fy;
              if (iy < 0 || iy >= inH) continue;
              for (let fx = 0; fx < kW; fx++) {
                const ix = ox * strideW - padW + dilationW * fx;
                if (ix < 0 || ix >= inW) continue;
                const ib = ((b * inH + iy) * inW + ix) * inC + icBase;
                const fb = ((oc * kH + fy) * kW + fx) * filterInC;
                for (let ic = 0; ic < filterInC; ic++) total = fr(total + fr(inp[ib + ic]! * fdata[fb + ic]!));
              }
            }
            out[o++] = clampF(fr(total + (bias ? bias[oc]! : 0)), actMin, actMax);
          }
        }
      }
    }
  };
}

/** reference_ops::DepthwiseConv (float). */
function depthwiseConv2d(g: Graph, op: DepthwiseConv2DOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const output = out0(g, op);
  const [batches, inH, inW, inC] = shape4(input);
  const [, kH, kW] = filter.shape as [number, number, number, number];
  const [, outH, outW, outC] = shape4(output);
  const mult = op.depthMultiplier;
  if (outC !== inC * mult) throw new TinymlError('input', `DepthwiseConv2D '${op.name}': ${inC} × ${mult} ≠ ${outC} output channels`);
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const fdata = filter.data as F32;
  const bias = optionalBias(g, op);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { strideH, strideW, dilationH, dilationW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const ob = ((b * outH + oy) * outW + ox) * outC;
          for (let ic = 0; ic < inC; ic++) {
            for (let m = 0; m < mult; m++) {
              const oc = m + ic * mult;
              let total = 0;
              for (let fy = 0; fy < kH; fy++) {
                const iy = oy * strideH - padH + dilationH * fy;
                if (iy < 0 || iy >= inH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ix = ox * strideW - padW + dilationW * fx;
                  if (ix < 0 || ix >= inW) continue;
                  total = fr(total + fr(inp[((b * inH + iy) * inW + ix) * inC + ic]! * fdata[(fy * kW + fx) * outC + oc]!));
                }
              }
              out[ob + oc] = clampF(fr(total + (bias ? bias[oc]! : 0)), actMin, actMax);
            }
          }
        }
      }
    }
  };
}

/** reference_ops::FullyConnected (float). */
function fullyConnected(g: Graph, op: FullyConnectedOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const output = out0(g, op);
  const [units, depth] = filter.shape as [number, number];
  const batches = elementCount(output.shape) / units;
  if (elementCount(input.shape) !== batches * depth) {
    throw new TinymlError('input', `FullyConnected '${op.name}': input has ${elementCount(input.shape)} elements, expected ${batches} × ${depth}`);
  }
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const fdata = filter.data as F32;
  const bias = optionalBias(g, op);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    for (let b = 0; b < batches; b++) {
      for (let oc = 0; oc < units; oc++) {
        let total = 0;
        const fb = oc * depth;
        const ib = b * depth;
        for (let d = 0; d < depth; d++) total = fr(total + fr(inp[ib + d]! * fdata[fb + d]!));
        out[b * units + oc] = clampF(fr(total + (bias ? bias[oc]! : 0)), actMin, actMax);
      }
    }
  };
}

/** reference_ops::AveragePool / MaxPool (float). */
function pool2d(g: Graph, op: Pool2DOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const [batches, inH, inW, depth] = shape4(input);
  const [, outH, outW] = shape4(output);
  const { padH, padW } = windowPadding(op, inH, inW, op.filterH, op.filterW, outH, outW);
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const isAvg = op.kind === 'AveragePool2D';
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { filterH, filterW, strideH, strideW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const inYOrigin = oy * strideH - padH;
          const inXOrigin = ox * strideW - padW;
          const fyStart = Math.max(0, -inYOrigin);
          const fyEnd = Math.min(filterH, inH - inYOrigin);
          const fxStart = Math.max(0, -inXOrigin);
          const fxEnd = Math.min(filterW, inW - inXOrigin);
          for (let c = 0; c < depth; c++) {
            let acc = isAvg ? 0 : -3.4028234663852886e38; // numeric_limits<float>::lowest()
            let count = 0;
            for (let fy = fyStart; fy < fyEnd; fy++) {
              for (let fx = fxStart; fx < fxEnd; fx++) {
                const x = inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                if (isAvg) acc = fr(acc + x);
                else if (x > acc) acc = x;
                count++;
              }
            }
            if (count === 0) throw new TinymlError('input', `${op.kind} '${op.name}': a window lies entirely in the padding`);
            const v = isAvg ? fr(acc / count) : acc;
            out[((b * outH + oy) * outW + ox) * depth + c] = clampF(v, actMin, actMax);
          }
        }
      }
    }
  };
}

/** TFLM reduce: float sums in input order (= the 4D H,W special case's order), divided by the count. */
function mean(g: Graph, op: MeanOp): Kernel {
  const input = io(g, op, 0);
  const { map, outCount, perOut } = reduceMap(g, op, input);
  const sums = new Float32Array(outCount);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    sums.fill(0);
    for (let i = 0; i < inp.length; i++) sums[map[i]!] = sums[map[i]!]! + inp[i]!; // Float32Array store rounds
    for (let o = 0; o < outCount; o++) out[o] = sums[o]! / perOut;
  };
}

function addMul(g: Graph, op: ElementwiseBinaryOp): Kernel {
  const in1 = io(g, op, 0);
  const in2 = io(g, op, 1);
  const output = out0(g, op);
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const n = elementCount(output.shape);
  const map1 = sameShape(in1.shape, output.shape) ? undefined : broadcastIndex(in1.shape, output.shape, op);
  const map2 = sameShape(in2.shape, output.shape) ? undefined : broadcastIndex(in2.shape, output.shape, op);
  const isAdd = op.kind === 'Add';
  const [i1, i2, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  return (bufs) => {
    const a = bufs[i1] as F32;
    const b = bufs[i2] as F32;
    const out = bufs[oIdx] as F32;
    for (let i = 0; i < n; i++) {
      const x = a[map1 ? map1[i]! : i]!;
      const y = b[map2 ? map2[i]! : i]!;
      out[i] = clampF(fr(isAdd ? x + y : x * y), actMin, actMax);
    }
  };
}

/** reference_ops::Softmax (float): exp((x - max) · beta), normalised by the float sum. */
function softmax(g: Graph, op: SoftmaxOp): Kernel {
  const input = io(g, op, 0);
  const depth = input.shape[input.shape.length - 1]!;
  const outer = elementCount(input.shape) / depth;
  const beta = f32(op.beta);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    for (let i = 0; i < outer; i++) {
      const base = i * depth;
      let max = -3.4028234663852886e38;
      for (let c = 0; c < depth; c++) if (inp[base + c]! > max) max = inp[base + c]!;
      let sum = 0;
      for (let c = 0; c < depth; c++) {
        const e = fr(Math.exp(fr(fr(inp[base + c]! - max) * beta)));
        out[base + c] = e;
        sum = fr(sum + e);
      }
      for (let c = 0; c < depth; c++) out[base + c] = out[base + c]! / sum;
    }
  };
}

function unary(g: Graph, op: Op, f: (x: number) => number): Kernel {
  const n = elementCount(out0(g, op).shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as F32;
    const out = bufs[oIdx] as F32;
    for (let i = 0; i < n; i++) out[i] = f(inp[i]!);
  };
}

function concatenation(g: Graph, op: ConcatenationOp): Kernel {
  const output = out0(g, op);
  const axis = normAxis(op.axis, output.shape.length, op);
  const outerSize = elementCount(output.shape.slice(0, axis));
  const [actMin, actMax] = activationRangeFloat(op.activation, op);
  const parts = op.inputs.map((idx, k) => ({ idx, copy: elementCount(tensorOf(g, idx, op, `input ${k}`).shape.slice(axis)) }));
  const oIdx = op.outputs[0]!;
  return (bufs) => {
    const out = bufs[oIdx] as F32;
    let o = 0;
    for (let k = 0; k < outerSize; k++) {
      for (const p of parts) {
        const inp = bufs[p.idx] as F32;
        for (let j = 0; j < p.copy; j++) out[o++] = clampF(inp[k * p.copy + j]!, actMin, actMax);
      }
    }
  };
}

export function floatKernel(g: Graph, op: Op): Kernel {
  switch (op.kind) {
    case 'Conv2D':
      return conv2d(g, op);
    case 'DepthwiseConv2D':
      return depthwiseConv2d(g, op);
    case 'FullyConnected':
      return fullyConnected(g, op);
    case 'AveragePool2D':
    case 'MaxPool2D':
      return pool2d(g, op);
    case 'Mean':
      return mean(g, op);
    case 'Add':
    case 'Mul':
      return addMul(g, op);
    case 'Softmax':
      return softmax(g, op);
    case 'Logistic':
      return unary(g, op, (x) => fr(1 / fr(1 + fr(Math.exp(-x)))));
    case 'Tanh':
      return unary(g, op, (x) => fr(Math.tanh(x)));
    case 'Relu':
      return unary(g, op, (x) => (x > 0 ? x : 0));
    case 'Relu6':
      return unary(g, op, (x) => (x > 0 ? (x < 6 ? x : 6) : 0));
    case 'Quantize':
    case 'Dequantize':
      // Quantize reads float and writes int8, Dequantize the reverse: both live with the int8 kernels.
      return int8Kernel(g, op);
    case 'Pad':
      return padKernel(g, op, 0);
    case 'Concatenation':
      return concatenation(g, op);
    case 'Reshape':
      return copyKernel(op);
  }
}
