/**
 * int8 and 16x8 quantization parameter math, following TFLite's converter
 * (tensorflow/lite/tools/optimize/quantization_utils.cc) step for step, in float32 where
 * TFLite computes in float:
 *
 * - Activations, asymmetric per tensor (GetAsymmetricQuantizationParams):
 *   1. nudge the range to contain 0: min = min(min, 0), max = max(max, 0);
 *   2. scale = (max - min) / 255;
 *   3. zero_point_from_min = -128 - min / scale; zero point = round half away from zero of it,
 *      clamped to [-128, 127].
 * - Weights, symmetric per output channel (SymmetricPerChannelQuantization): scale_c =
 *   max|w_c| / 127, zero point 0, q = round(w * (1 / scale_c)) clamped to [-127, 127].
 * - Bias int32 (SymmetricPerChannelBiasQuantize): scale_c = input_scale × weight_scale_c,
 *   q = round(b * (1 / scale_c)) clamped to ±(2^31 - 1).
 *
 * - 16x8 (int16 activations): symmetric per tensor (GetSymmetricQuantizationParams with
 *   half range 32767): the range nudged to contain 0, scale = max(|min|, |max|) / 32767 in
 *   float32, zero point 0; biases int64 (SymmetricPerChannelBiasQuantize<int64_t>) at
 *   input_scale × weight_scale, held exactly in a Float64Array (|q| < 2^53).
 *
 * Where TFLite would produce scale 0 (an all-zero range or channel), we use scale 1 instead:
 * the values are exactly representable either way, and a zero scale would make every
 * requantization multiplier infinite.
 */
import { f32, roundHalfAway } from '../numerics/fixed-point.js';

export const QMIN = -128;
export const QMAX = 127;
export const INT16_QMAX = 32767;
const INT32_MAX = 2147483647;
/** Largest int64 bias held exactly (IR int64 tensors are Float64Array). */
const INT64_EXACT_MAX = 2 ** 53 - 1;

/** Activation dtype of a quantized graph: int8 (TFLite's int8 scheme) or int16 (16x8). */
export type ActivationDtype = 'int8' | 'int16';

export interface AffineParams {
  scale: number;
  zeroPoint: number;
}

/** Asymmetric int8 parameters for a real range, exactly as TFLite's converter computes them (float32). */
export function asymmetricParams(min: number, max: number): AffineParams {
  const lo = f32(Math.min(f32(min), 0));
  const hi = f32(Math.max(f32(max), 0));
  const scale = f32(f32(hi - lo) / (QMAX - QMIN));
  if (scale === 0) return { scale: 1, zeroPoint: QMIN };
  const zpFromMin = f32(QMIN - f32(lo / scale));
  let zeroPoint: number;
  if (zpFromMin < QMIN) zeroPoint = QMIN;
  else if (zpFromMin > QMAX) zeroPoint = QMAX;
  else zeroPoint = roundHalfAway(zpFromMin);
  return { scale, zeroPoint };
}

/** Symmetric int16 parameters of TFLite's 16x8 activations (GetSymmetricQuantizationParams, half range 32767). */
export function symmetricInt16Params(min: number, max: number): AffineParams {
  const lo = f32(Math.min(f32(min), 0));
  const hi = f32(Math.max(f32(max), 0));
  const scale = f32(Math.max(Math.abs(lo), Math.abs(hi)) / INT16_QMAX);
  return { scale: scale === 0 ? 1 : scale, zeroPoint: 0 };
}

/** The activation parameters of a real range for the activation dtype. */
export function activationParams(min: number, max: number, dtype: ActivationDtype): AffineParams {
  return dtype === 'int16' ? symmetricInt16Params(min, max) : asymmetricParams(min, max);
}

/** real → int8 (or int16) with the given params (round half away from zero, as TFLite's Quantize kernel). */
export function quantizeValue(x: number, p: AffineParams, dtype: ActivationDtype = 'int8'): number {
  const q = roundHalfAway(f32(x / p.scale)) + p.zeroPoint;
  const [lo, hi] = dtype === 'int16' ? [-32768, INT16_QMAX] : [QMIN, QMAX];
  return q < lo ? lo : q > hi ? hi : q;
}

export function dequantizeValue(q: number, p: AffineParams): number {
  return p.scale * (q - p.zeroPoint);
}

/**
 * Per-channel symmetric weight quantization along `axis` (0 for Conv2D OHWI and
 * FullyConnected [units, in]; 3 for DepthwiseConv2D [1, kh, kw, C·M]).
 */
export function quantizeWeightsPerChannel(
  w: Float32Array,
  shape: readonly number[],
  axis: number,
): { data: Int8Array; scales: number[] } {
  const channels = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const chanOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = chanOf(i);
    const a = Math.abs(w[i]!);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scales: number[] = [];
  const inv: number[] = [];
  for (let c = 0; c < channels; c++) {
    const s = f32(f32(maxAbs[c]!) / 127);
    scales.push(s === 0 ? 1 : s);
    inv.push(f32(1 / scales[c]!));
  }
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfAway(f32(w[i]! * inv[chanOf(i)]!));
    data[i] = q < -127 ? -127 : q > 127 ? 127 : q;
  }
  return { data, scales };
}

/** Per-tensor symmetric weights: one scale max|w| / 127 for the whole tensor (TFLite's default for FullyConnected). */
export function quantizeWeightsPerTensor(w: Float32Array): { data: Int8Array; scales: number[] } {
  return quantizeWeightsPerChannel(w, [1, w.length], 0);
}

/**
 * int32 bias at input_scale × weight_scale[c]. With one weight scale (per-tensor weights) the
 * bias has one scale too.
 */
export function quantizeBias(b: Float32Array, inputScale: number, weightScales: readonly number[]): { data: Int32Array; scales: number[] } {
  const scales: number[] = weightScales.map((ws) => f32(inputScale * ws));
  const data = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const s = scales[scales.length === 1 ? 0 : c]!;
    const inv = s === 0 ? 0 : f32(1 / s);
    const q = roundHalfAway(f32(b[c]! * inv));
    data[c] = q > INT32_MAX ? INT32_MAX : q < -INT32_MAX ? -INT32_MAX : q;
  }
  return { data, scales };
}

/**
 * int64 bias of a 16x8 layer at input_scale × weight_scale[c] (TFLite's
 * SymmetricPerChannelBiasQuantize<int64_t>, the same float32 steps as the int32 bias). Values
 * beyond 2^53 (no trained model comes near) are clamped to what a Float64Array holds exactly.
 */
export function quantizeBias64(b: Float32Array, inputScale: number, weightScales: readonly number[]): { data: Float64Array; scales: number[] } {
  const scales: number[] = weightScales.map((ws) => f32(inputScale * ws));
  const data = new Float64Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const s = scales[scales.length === 1 ? 0 : c]!;
    const inv = s === 0 ? 0 : f32(1 / s);
    const q = roundHalfAway(f32(b[c]! * inv));
    data[c] = q > INT64_EXACT_MAX ? INT64_EXACT_MAX : q < -INT64_EXACT_MAX ? -INT64_EXACT_MAX : q;
  }
  return { data, scales };
}
