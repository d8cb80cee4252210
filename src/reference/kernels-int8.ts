/**
 * int8 kernels, each a transcription of the TFLite Micro reference kernel named in its
 * comment (tensorflow/lite/kernels/internal/reference/integer_ops/*.h, reference_ops.h and
 * tensorflow/lite/micro/kernels/*.cc). Where TFLM and TFLite differ, TFLM wins (it is what runs
 * on the microcontroller) and the comment says so.
 *
 * Every kernel is built in two steps, like TFLite's Prepare/Eval: `int8Kernel(graph, op)` reads
 * shapes and quantization parameters once and returns a closure that only does integer work
 * per element. Accumulators are plain JS numbers (exact up to 2^53, far above any int32 a valid
 * model reaches); they are wrapped to int32 with `| 0` where C would hold them in an int32
 * before requantization.
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
  PadOp,
  Pool2DOp,
  SoftmaxOp,
  Tensor,
  UnaryOp,
} from '../ir/graph.js';
import { elementCount } from '../ir/graph.js';
import { f32, frexp, quantizeMultiplier, roundHalfAway } from '../quantize/fixed-point.js';
import { getReciprocal, expOnNegativeValues, logistic, tanh, saturatingRoundingMultiplyByPOT } from './gemmlowp.js';
import { broadcastIndex, normAxis, sameShape, type Kernel } from './layout.js';
import {
  INT8_MAX,
  INT8_MIN,
  activationRangeInt8,
  perChannelMultipliers,
  perTensorConvMultiplier,
  scaleOf,
  shape4,
  tensorOf,
  zeroPointOf,
  windowPadding,
} from './op-params.js';
import { mbqm, rdbpot, srdhmFast } from './requantize.js';

type I8 = Int8Array;
type I32 = Int32Array;

function io(g: Graph, op: Op, i: number): Tensor {
  return tensorOf(g, op.inputs[i]!, op, `input ${i}`);
}
function out0(g: Graph, op: Op): Tensor {
  return tensorOf(g, op.outputs[0]!, op, 'output');
}

/** reference_integer_ops::ConvPerChannel (TFLM conv.cc, int8), with grouped convolution. */
function conv2d(g: Graph, op: Conv2DOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? io(g, op, 2) : undefined;
  const output = out0(g, op);
  const [batches, inH, inW, inC] = shape4(input);
  const [outC, kH, kW, filterInC] = filter.shape as [number, number, number, number];
  const [, outH, outW, outC2] = shape4(output);
  if (outC2 !== outC) throw new TinymlError('input', `Conv2D '${op.name}': filter has ${outC} output channels, output tensor ${outC2}`);
  if (inC % filterInC !== 0) throw new TinymlError('input', `Conv2D '${op.name}': input depth ${inC} is not a multiple of filter depth ${filterInC}`);
  const groups = inC / filterInC;
  const filtersPerGroup = outC / groups;
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  const { multipliers, shifts } = perChannelMultipliers(input, filter, output, outC, op);
  const inputOffset = -zeroPointOf(input);
  const outputOffset = zeroPointOf(output);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const fdata = filter.data as I8;
  const bdata = bias?.data as I32 | undefined;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { strideH, strideW, dilationH, dilationW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    let o = 0;
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const inYOrigin = oy * strideH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const inXOrigin = ox * strideW - padW;
          for (let oc = 0; oc < outC; oc++) {
            const group = (oc / filtersPerGroup) | 0;
            const icBase = group * filterInC;
            let acc = 0;
            for (let fy = 0; fy < kH; fy++) {
              const iy = inYOrigin + dilationH * fy;
              if (iy < 0 || iy >= inH) continue;
              for (let fx = 0; fx < kW; fx++) {
                const ix = inXOrigin + dilationW * fx;
                if (ix < 0 || ix >= inW) continue;
                const ib = ((b * inH + iy) * inW + ix) * inC + icBase;
                const fb = ((oc * kH + fy) * kW + fx) * filterInC;
                for (let ic = 0; ic < filterInC; ic++) acc += fdata[fb + ic]! * (inp[ib + ic]! + inputOffset);
              }
            }
            if (bdata) acc += bdata[oc]!;
            let v = mbqm(acc | 0, multipliers[oc]!, shifts[oc]!) + outputOffset;
            v = v < actMin ? actMin : v > actMax ? actMax : v;
            out[o++] = v;
          }
        }
      }
    }
  };
}

/** reference_integer_ops::DepthwiseConvPerChannel (TFLM depthwise_conv.cc, int8). */
function depthwiseConv2d(g: Graph, op: DepthwiseConv2DOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? io(g, op, 2) : undefined;
  const output = out0(g, op);
  const [batches, inH, inW, inC] = shape4(input);
  const [, kH, kW, filterC] = filter.shape as [number, number, number, number];
  const [, outH, outW, outC] = shape4(output);
  const mult = op.depthMultiplier;
  if (outC !== inC * mult || filterC !== outC) {
    throw new TinymlError('input', `DepthwiseConv2D '${op.name}': ${inC} input channels × multiplier ${mult} ≠ ${outC} output channels (filter ${filterC})`);
  }
  const { padH, padW } = windowPadding(op, inH, inW, kH, kW, outH, outW, op.dilationH, op.dilationW);
  const { multipliers, shifts } = perChannelMultipliers(input, filter, output, outC, op);
  const inputOffset = -zeroPointOf(input);
  const outputOffset = zeroPointOf(output);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const fdata = filter.data as I8;
  const bdata = bias?.data as I32 | undefined;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { strideH, strideW, dilationH, dilationW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const inYOrigin = oy * strideH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const inXOrigin = ox * strideW - padW;
          const ob = ((b * outH + oy) * outW + ox) * outC;
          for (let ic = 0; ic < inC; ic++) {
            for (let m = 0; m < mult; m++) {
              const oc = m + ic * mult;
              let acc = 0;
              for (let fy = 0; fy < kH; fy++) {
                const iy = inYOrigin + dilationH * fy;
                if (iy < 0 || iy >= inH) continue;
                for (let fx = 0; fx < kW; fx++) {
                  const ix = inXOrigin + dilationW * fx;
                  if (ix < 0 || ix >= inW) continue;
                  acc += fdata[(fy * kW + fx) * outC + oc]! * (inp[((b * inH + iy) * inW + ix) * inC + ic]! + inputOffset);
                }
              }
              if (bdata) acc += bdata[oc]!;
              let v = mbqm(acc | 0, multipliers[oc]!, shifts[oc]!) + outputOffset;
              v = v < actMin ? actMin : v > actMax ? actMax : v;
              out[ob + oc] = v;
            }
          }
        }
      }
    }
  };
}

/**
 * reference_integer_ops::FullyConnected / FullyConnectedPerChannel (TFLM fully_connected.cc).
 * Per-tensor weights use GetQuantizedConvolutionMultipler (float32 product of the scales);
 * per-channel weights use the double product — see op-params.ts.
 */
function fullyConnected(g: Graph, op: FullyConnectedOp): Kernel {
  const input = io(g, op, 0);
  const filter = io(g, op, 1);
  const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? io(g, op, 2) : undefined;
  const output = out0(g, op);
  const [units, depth] = filter.shape as [number, number];
  const outCount = elementCount(output.shape);
  const outDepth = output.shape[output.shape.length - 1]!;
  if (outDepth !== units) throw new TinymlError('input', `FullyConnected '${op.name}': ${units} units but output depth ${outDepth}`);
  const batches = outCount / outDepth;
  if (elementCount(input.shape) !== batches * depth) {
    throw new TinymlError('input', `FullyConnected '${op.name}': input has ${elementCount(input.shape)} elements, expected ${batches} × ${depth}`);
  }
  const perChannel = (filter.quant?.scale.length ?? 0) > 1;
  let multipliers: Int32Array;
  let shifts: Int32Array;
  if (perChannel) {
    ({ multipliers, shifts } = perChannelMultipliers(input, filter, output, units, op));
  } else {
    const q = perTensorConvMultiplier(input, filter, output, op);
    multipliers = new Int32Array(units).fill(q.multiplier);
    shifts = new Int32Array(units).fill(q.shift);
  }
  const inputOffset = -zeroPointOf(input);
  // FullyConnectedPerChannel has no filter offset; per-tensor FullyConnected applies -filter_zp
  // (0 for every int8 model TFLite accepts).
  const filterOffset = perChannel ? 0 : -zeroPointOf(filter);
  const outputOffset = zeroPointOf(output);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const fdata = filter.data as I8;
  const bdata = bias?.data as I32 | undefined;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let b = 0; b < batches; b++) {
      const ib = b * depth;
      for (let oc = 0; oc < units; oc++) {
        const fb = oc * depth;
        let acc = 0;
        if (filterOffset === 0) {
          for (let d = 0; d < depth; d++) acc += fdata[fb + d]! * (inp[ib + d]! + inputOffset);
        } else {
          for (let d = 0; d < depth; d++) acc += (fdata[fb + d]! + filterOffset) * (inp[ib + d]! + inputOffset);
        }
        if (bdata) acc += bdata[oc]!;
        let v = mbqm(acc | 0, multipliers[oc]!, shifts[oc]!) + outputOffset;
        v = v < actMin ? actMin : v > actMax ? actMax : v;
        out[b * units + oc] = v;
      }
    }
  };
}

/**
 * reference_integer_ops::AveragePool / MaxPool (TFLM pooling.cc, int8). Average rounds
 * half away from zero: (sum ± count/2) / count with C's truncating division, over the
 * in-image part of the window only.
 */
function pool2d(g: Graph, op: Pool2DOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const [batches, inH, inW, depth] = shape4(input);
  const [, outH, outW, outDepth] = shape4(output);
  if (outDepth !== depth) throw new TinymlError('input', `${op.kind} '${op.name}': depth ${depth} in, ${outDepth} out`);
  const { padH, padW } = windowPadding(op, inH, inW, op.filterH, op.filterW, outH, outW);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const isAvg = op.kind === 'AveragePool2D';
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  const { filterH, filterW, strideH, strideW } = op;
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
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
            let v: number;
            if (isAvg) {
              let acc = 0;
              let count = 0;
              for (let fy = fyStart; fy < fyEnd; fy++) {
                for (let fx = fxStart; fx < fxEnd; fx++) {
                  acc += inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                  count++;
                }
              }
              if (count === 0) throw new TinymlError('input', `AveragePool2D '${op.name}': a window lies entirely in the padding`);
              const half = (count / 2) | 0;
              v = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
            } else {
              v = INT8_MIN;
              for (let fy = fyStart; fy < fyEnd; fy++) {
                for (let fx = fxStart; fx < fxEnd; fx++) {
                  const x = inp[((b * inH + inYOrigin + fy) * inW + inXOrigin + fx) * depth + c]!;
                  if (x > v) v = x;
                }
              }
            }
            v = v < actMin ? actMin : v > actMax ? actMax : v;
            out[((b * outH + oy) * outW + ox) * depth + c] = v;
          }
        }
      }
    }
  };
}

/** Per-output-element list of reduced input indices is avoided: we walk the input once. */
function reduceOutputIndex(inShape: readonly number[], axes: readonly number[]): { map: Int32Array; outCount: number; perOut: number } {
  const rank = inShape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  let perOut = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      perOut *= inShape[d]!;
      continue;
    }
    outStrides[d] = s;
    s *= inShape[d]!;
  }
  const total = elementCount(inShape);
  const map = new Int32Array(total);
  const counter = new Array<number>(rank).fill(0);
  let idx = 0;
  for (let i = 0; i < total; i++) {
    map[i] = idx;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      idx += outStrides[d]!;
      if (counter[d]! < inShape[d]!) break;
      idx -= outStrides[d]! * inShape[d]!;
      counter[d] = 0;
    }
  }
  return { map, outCount: s, perOut };
}

/** The reduced axes of a Mean op (attribute, or the constant axis tensor), normalised and deduplicated. */
export function meanAxes(g: Graph, op: MeanOp, rank: number): number[] {
  let axes = op.axes;
  if ((!axes || axes.length === 0) && op.inputs[1] !== undefined && op.inputs[1] >= 0) {
    const t = tensorOf(g, op.inputs[1], op, 'axes');
    if (t.data) axes = Array.from(t.data);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);
}

export function reduceMap(g: Graph, op: MeanOp, input: Tensor): { map: Int32Array; outCount: number; perOut: number } {
  return reduceOutputIndex(input.shape, meanAxes(g, op, input.shape.length));
}

/**
 * TFLM reduce_common.cc EvalIntegerMean (int8). Current TFLM has two paths and no integer
 * multiplier path any more:
 *  - same input/output scale and zero point: reference_ops::Mean<int8_t, int32_t>, i.e. the
 *    int32 sum of the raw values divided by the element count with C's truncating division;
 *  - otherwise reference_ops::QuantizedMeanOrSum in float32: mean = float(sum)/float(n),
 *    round(mean * scale + bias) + zp with scale = in_scale/out_scale and
 *    bias = -in_zp * scale, clamped. (Older TFLM used reference_integer_ops::Mean with a
 *    multiplier/shift for 4D H,W means; TFLM no longer does, so neither do we.)
 * The float steps assume no fused multiply-add contraction (compile C with -ffp-contract=off).
 */
function mean(g: Graph, op: MeanOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const { map, outCount, perOut } = reduceMap(g, op, input);
  if (elementCount(output.shape) !== outCount) {
    throw new TinymlError('input', `Mean '${op.name}': output has ${elementCount(output.shape)} elements, the reduction gives ${outCount}`);
  }
  const inScale = scaleOf(input, 'input', op);
  const outScale = scaleOf(output, 'output', op);
  const inZp = zeroPointOf(input);
  const outZp = zeroPointOf(output);
  const sameParams = inScale === outScale && inZp === outZp;
  const scale = f32(inScale / outScale);
  const bias = f32(-inZp * scale);
  const n = f32(perOut);
  const sums = new Float64Array(outCount);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    sums.fill(0);
    for (let i = 0; i < inp.length; i++) sums[map[i]!] += inp[i]!;
    for (let o = 0; o < outCount; o++) {
      const sum = sums[o]! | 0;
      if (sameParams) {
        out[o] = Math.trunc(sum / perOut);
      } else {
        const floatMean = f32(f32(sum) / n);
        let r = roundHalfAway(f32(f32(floatMean * scale) + bias)) + outZp;
        r = r > INT8_MAX ? INT8_MAX : r < INT8_MIN ? INT8_MIN : r;
        out[o] = r;
      }
    }
  };
}

/**
 * Add: reference_integer_ops::AddFunc with TFLM add_common.cc's parameters — both inputs
 * shifted left by 20 bits, rescaled to twice the larger input scale, summed, then rescaled to
 * the output. Mul: reference_integer_ops::MulElementwise with one multiplier
 * in1_scale·in2_scale/out_scale (double). Both broadcast NumPy-style.
 */
function addMul(g: Graph, op: ElementwiseBinaryOp): Kernel {
  const in1 = io(g, op, 0);
  const in2 = io(g, op, 1);
  const output = out0(g, op);
  const s1 = scaleOf(in1, 'input 1', op);
  const s2 = scaleOf(in2, 'input 2', op);
  const so = scaleOf(output, 'output', op);
  const off1 = -zeroPointOf(in1);
  const off2 = -zeroPointOf(in2);
  const outOff = zeroPointOf(output);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const n = elementCount(output.shape);
  const map1 = sameShape(in1.shape, output.shape) ? undefined : broadcastIndex(in1.shape, output.shape, op);
  const map2 = sameShape(in2.shape, output.shape) ? undefined : broadcastIndex(in2.shape, output.shape, op);
  const [i1, i2, oIdx] = [op.inputs[0]!, op.inputs[1]!, op.outputs[0]!];
  let f: (x: number, y: number) => number;
  if (op.kind === 'Add') {
    const leftShift = 20;
    const twiceMaxInputScale = 2 * Math.max(s1, s2);
    const m1 = quantizeMultiplier(s1 / twiceMaxInputScale);
    const m2 = quantizeMultiplier(s2 / twiceMaxInputScale);
    const mo = quantizeMultiplier(twiceMaxInputScale / ((1 << leftShift) * so));
    if (m1.shift > 0 || m2.shift > 0 || mo.shift > 0) {
      throw new TinymlError('unsupported', `Add '${op.name}': output scale ${so} is too small for TFLite's int8 Add (multiplier ≥ 1)`);
    }
    const scale = 1 << leftShift;
    f = (x, y) => {
      const a = rdbpot(srdhmFast((x + off1) * scale, m1.multiplier), -m1.shift);
      const b = rdbpot(srdhmFast((y + off2) * scale, m2.multiplier), -m2.shift);
      return rdbpot(srdhmFast((a + b) | 0, mo.multiplier), -mo.shift) + outOff;
    };
  } else {
    const q = quantizeMultiplier((s1 * s2) / so);
    f = (x, y) => mbqm((x + off1) * (y + off2), q.multiplier, q.shift) + outOff;
  }
  return (bufs) => {
    const a = bufs[i1] as I8;
    const b = bufs[i2] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      let v = f(a[map1 ? map1[i]! : i]!, b[map2 ? map2[i]! : i]!);
      v = v < actMin ? actMin : v > actMax ? actMax : v;
      out[i] = v;
    }
  };
}

/**
 * reference_ops::Softmax<int8_t, int8_t> with TFLM softmax_common.cc CalculateSoftmaxParams:
 * PreprocessSoftmaxScaling(beta, input_scale, kScaledDiffIntegerBits = 5) gives
 * input_beta_multiplier / left shift; diff_min = -CalculateInputRadius(5, left_shift);
 * exp over gemmlowp fixed point, sum in Q12.19, reciprocal by GetReciprocal; the output has
 * zero point -128 and scale 1/256 by construction.
 */
function softmax(g: Graph, op: SoftmaxOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const inScale = scaleOf(input, 'input', op);
  if (zeroPointOf(output) !== -128 || Math.abs(scaleOf(output, 'output', op) - 1 / 256) > 0.001 * (1 / 256)) {
    throw new TinymlError(
      'unsupported',
      `Softmax '${op.name}': int8 softmax output must have zero point -128 and scale 1/256 (TFLite's requirement), got ${zeroPointOf(output)} and ${output.quant?.scale[0]}`,
    );
  }
  const kScaledDiffIntegerBits = 5;
  const kAccumulationIntegerBits = 12;
  const beta = f32(op.beta);
  const real = Math.min(beta * inScale * (1 << (31 - kScaledDiffIntegerBits)), 2147483647);
  const q = quantizeMultiplier(real);
  if (!(real > 1) || q.shift < 0) {
    throw new TinymlError('unsupported', `Softmax '${op.name}': beta × input scale (${beta} × ${inScale}) is too small for TFLite's int8 softmax`);
  }
  const inputMultiplier = q.multiplier;
  const leftShift = q.shift;
  // CalculateInputRadius(5, left_shift): floor((2^5 - 1) · 2^26 / 2^left_shift).
  const diffMin = -Math.floor(((1 << kScaledDiffIntegerBits) - 1) * Math.pow(2, 31 - kScaledDiffIntegerBits) / Math.pow(2, leftShift));
  const depth = input.shape[input.shape.length - 1]!;
  const outer = elementCount(input.shape) / depth;
  const scale = 1 << leftShift;
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < outer; i++) {
      const base = i * depth;
      let maxInRow = INT8_MIN;
      for (let c = 0; c < depth; c++) if (inp[base + c]! > maxInRow) maxInRow = inp[base + c]!;
      let sumOfExps = 0; // Q12.19
      for (let c = 0; c < depth; c++) {
        const diff = inp[base + c]! - maxInRow;
        if (diff >= diffMin) {
          // MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(x · 2^left_shift, multiplier).
          const rescaled = srdhmFast(Math.imul(diff, scale), inputMultiplier);
          const e = expOnNegativeValues(rescaled, kScaledDiffIntegerBits);
          sumOfExps = (sumOfExps + saturatingRoundingMultiplyByPOT(e, -kAccumulationIntegerBits)) | 0;
        }
      }
      const { raw: shiftedScale, numBitsOverUnit } = getReciprocal(sumOfExps, kAccumulationIntegerBits);
      for (let c = 0; c < depth; c++) {
        const diff = inp[base + c]! - maxInRow;
        if (diff >= diffMin) {
          const rescaled = srdhmFast(Math.imul(diff, scale), inputMultiplier);
          const e = expOnNegativeValues(rescaled, kScaledDiffIntegerBits);
          const unsat = rdbpot(srdhmFast(shiftedScale, e), numBitsOverUnit + 31 - 8);
          const v = unsat - 128;
          out[base + c] = v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : v;
        } else {
          out[base + c] = INT8_MIN;
        }
      }
    }
  };
}

/**
 * TFLM logistic_common.cc / tanh.cc Prepare for int8: the input is rescaled to Q4.27 by
 * input_scale · 2^27 split with frexp into a multiplier and a left shift; inputs beyond
 * CalculateInputRadius(4, left_shift) saturate.
 */
function q4InputParams(input: Tensor, op: Op): { multiplier: number; shift: number; radius: number } {
  const inScale = scaleOf(input, 'input', op);
  const real = inScale * (1 << 27);
  const [q, shift] = frexp(real);
  // static_cast<int32_t>(TfLiteRound(q * (1ll << 31))): no renormalisation when q rounds to 1.
  const multiplier = roundHalfAway(q * 2147483648) | 0;
  const radius = Math.floor((15 * Math.pow(2, 27)) / Math.pow(2, shift));
  return { multiplier, shift, radius };
}

/** reference_integer_ops::Logistic (int8; output zero point -128, scale 1/256). */
function logisticK(g: Graph, op: UnaryOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  if (zeroPointOf(output) !== -128) {
    throw new TinymlError('unsupported', `Logistic '${op.name}': int8 output must have zero point -128 (TFLite's requirement), got ${zeroPointOf(output)}`);
  }
  const { multiplier, shift, radius } = q4InputParams(input, op);
  const inZp = zeroPointOf(input);
  const n = elementCount(input.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      const x = inp[i]! - inZp;
      if (x <= -radius) out[i] = INT8_MIN;
      else if (x >= radius) out[i] = INT8_MAX;
      else {
        const inQ4 = mbqm(x, multiplier, shift);
        const outQ0 = logistic(inQ4, 4);
        const v = rdbpot(outQ0, 31 - 8) - 128;
        out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
      }
    }
  };
}

/** reference_integer_ops::Tanh (int8; output zero point 0, scale 1/128). */
function tanhK(g: Graph, op: UnaryOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  if (zeroPointOf(output) !== 0) {
    throw new TinymlError('unsupported', `Tanh '${op.name}': int8 output must have zero point 0 (TFLite's requirement), got ${zeroPointOf(output)}`);
  }
  const { multiplier, shift, radius } = q4InputParams(input, op);
  const inZp = zeroPointOf(input);
  const n = elementCount(input.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      const x = inp[i]! - inZp;
      if (x <= -radius) out[i] = INT8_MIN;
      else if (x >= radius) out[i] = INT8_MAX;
      else {
        const inQ4 = mbqm(x, multiplier, shift);
        const outQ0 = tanh(inQ4, 4);
        const v = rdbpot(outQ0, 31 - 7);
        out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
      }
    }
  };
}

/**
 * Relu / Relu6: TFLite's requantizing ReluQuantized (activations.cc CalculateReluOpData):
 * out = out_zp + MBQM(in - in_zp, in_scale/out_scale), clamped to the quantized [0, ∞) or
 * [0, 6]. TFLM's Relu6 instead clamps the raw input to [zp, quantize(6)] without rescaling;
 * that is the same result when input and output share their parameters (the only case TFLM
 * handles correctly: multiplier 1.0 = 2^30 with shift 1 is exact), so we keep the general form.
 */
function relu(g: Graph, op: UnaryOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const inScale = scaleOf(input, 'input', op);
  const outScale = scaleOf(output, 'output', op);
  const q = quantizeMultiplier(inScale / outScale);
  const inZp = zeroPointOf(input);
  const outZp = zeroPointOf(output);
  // std::max(T min, zp + static_cast<int32_t>(roundf(act / scale))) with float arithmetic.
  const actMin = Math.max(INT8_MIN, outZp + roundHalfAway(f32(0 / outScale)));
  const actMax = op.kind === 'Relu6' ? Math.min(INT8_MAX, outZp + roundHalfAway(f32(6 / outScale))) : INT8_MAX;
  const n = elementCount(input.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      let v = outZp + mbqm(inp[i]! - inZp, q.multiplier, q.shift);
      v = v < actMin ? actMin : v > actMax ? actMax : v;
      out[i] = v;
    }
  };
}

/** TFLM quantize_common.cc for int8 → int8: reference_ops::Requantize with MBQM(in_scale/out_scale). */
function requantize(g: Graph, op: UnaryOp): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const q = quantizeMultiplier(scaleOf(input, 'input', op) / scaleOf(output, 'output', op));
  const inZp = zeroPointOf(input);
  const outZp = zeroPointOf(output);
  const n = elementCount(input.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      const v = mbqm(inp[i]! - inZp, q.multiplier, q.shift) + outZp;
      out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
    }
  };
}

/** reference_ops::AffineQuantize float → int8: round(val / scale) in float32, + zp, clamp. */
function quantizeFromFloat(g: Graph, op: UnaryOp): Kernel {
  const output = out0(g, op);
  const scale = scaleOf(output, 'output', op);
  const zp = zeroPointOf(output);
  const n = elementCount(output.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as Float32Array;
    const out = bufs[oIdx] as I8;
    for (let i = 0; i < n; i++) {
      let r = roundHalfAway(f32(inp[i]! / scale));
      // Out-of-range float → int32 conversion saturates on Arm (VCVT); NaN becomes 0.
      r = Number.isNaN(r) ? 0 : r > 2147483647 ? 2147483647 : r < -2147483648 ? -2147483648 : r;
      const v = r + zp;
      out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
    }
  };
}

/** reference_ops::Dequantize: float(double(scale) · (q - zp)). */
function dequantize(g: Graph, op: UnaryOp): Kernel {
  const input = io(g, op, 0);
  const scale = scaleOf(input, 'input', op);
  const zp = zeroPointOf(input);
  const n = elementCount(input.shape);
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx] as I8;
    const out = bufs[oIdx] as Float32Array;
    for (let i = 0; i < n; i++) out[i] = scale * (inp[i]! - zp);
  };
}

/**
 * Concatenation. TFLite and TFLM require int8 inputs to share the output's scale and zero
 * point and then only copy. Inputs whose parameters differ are requantized as TFLite's
 * reference ConcatenationWithScaling does (float32: round(q · s + bias) + out_zp with
 * s = in_scale · (1 / out_scale), bias = -in_zp · s), clamped to int8.
 */
function concatenation(g: Graph, op: ConcatenationOp): Kernel {
  const output = out0(g, op);
  const rank = output.shape.length;
  const axis = normAxis(op.axis, rank, op);
  const outScale = scaleOf(output, 'output', op);
  const outZp = zeroPointOf(output);
  const inverseOutScale = f32(1 / outScale);
  const outerSize = elementCount(output.shape.slice(0, axis));
  const innerOf = (t: Tensor) => elementCount(t.shape.slice(axis));
  const parts = op.inputs.map((idx, k) => {
    const t = tensorOf(g, idx, op, `input ${k}`);
    if (t.shape.length !== rank) throw new TinymlError('input', `Concatenation '${op.name}': input ${k} has rank ${t.shape.length}, output ${rank}`);
    const s = scaleOf(t, `input ${k}`, op);
    const zp = zeroPointOf(t);
    const same = s === outScale && zp === outZp;
    const scale = f32(s * inverseOutScale);
    const bias = f32(-zp * scale);
    return { idx, copy: innerOf(t), same, scale, bias };
  });
  const outInner = innerOf(output);
  const [actMin, actMax] = activationRangeInt8(op.activation, output, op);
  const oIdx = op.outputs[0]!;
  return (bufs) => {
    const out = bufs[oIdx] as I8;
    let o = 0;
    for (let k = 0; k < outerSize; k++) {
      for (const p of parts) {
        const inp = bufs[p.idx] as I8;
        const base = k * p.copy;
        for (let j = 0; j < p.copy; j++) {
          let v = p.same ? inp[base + j]! : roundHalfAway(f32(f32(inp[base + j]! * p.scale) + p.bias)) + outZp;
          v = v < actMin ? actMin : v > actMax ? actMax : v;
          out[o++] = v;
        }
      }
    }
    if (o !== outerSize * outInner) throw new TinymlError('input', `Concatenation '${op.name}': inputs do not add up to the output shape`);
  };
}

/** reference_ops::Pad for int8: padded elements take the output zero point (= input's in valid models). */
export function padKernel(g: Graph, op: PadOp, padValue: number): Kernel {
  const input = io(g, op, 0);
  const output = out0(g, op);
  const rank = input.shape.length;
  const paddings = op.paddings;
  if (paddings.length !== rank) throw new TinymlError('input', `Pad '${op.name}': ${paddings.length} paddings for rank ${rank}`);
  for (let d = 0; d < rank; d++) {
    const expect = input.shape[d]! + paddings[d]![0] + paddings[d]![1];
    if (output.shape[d] !== expect) throw new TinymlError('input', `Pad '${op.name}': output dim ${d} is ${output.shape[d]}, padding gives ${expect}`);
  }
  // Map every input element to its output position once; the kernel fills then scatters.
  const n = elementCount(input.shape);
  const map = new Int32Array(n);
  const outStrides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) outStrides[d] = outStrides[d + 1]! * output.shape[d + 1]!;
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += (counter[d]! + paddings[d]![0]) * outStrides[d]!;
    map[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d]! < input.shape[d]!) break;
      counter[d] = 0;
    }
  }
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    const inp = bufs[iIdx]!;
    const out = bufs[oIdx]!;
    out.fill(padValue);
    for (let i = 0; i < n; i++) out[map[i]!] = inp[i]!;
  };
}

export function int8Kernel(g: Graph, op: Op): Kernel {
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
      return logisticK(g, op);
    case 'Tanh':
      return tanhK(g, op);
    case 'Relu':
    case 'Relu6':
      return relu(g, op);
    case 'Quantize': {
      const input = io(g, op, 0);
      return input.dtype === 'float32' ? quantizeFromFloat(g, op) : requantize(g, op);
    }
    case 'Dequantize':
      return dequantize(g, op);
    case 'Concatenation':
      return concatenation(g, op);
    case 'Pad':
      return padKernel(g, op, zeroPointOf(out0(g, op)));
    case 'Reshape':
      return copyKernel(op);
  }
}

/** Reshape: the bytes do not change. */
export function copyKernel(op: Op): Kernel {
  const [iIdx, oIdx] = [op.inputs[0]!, op.outputs[0]!];
  return (bufs) => {
    (bufs[oIdx] as Int8Array).set(bufs[iIdx] as Int8Array);
  };
}
