/**
 * Fidelity of an int8 (or 16x8) graph against its float original, on float input samples.
 *
 * For each sample: run the float graph; quantize the sample with the int8 graph's input
 * params (TFLite's Quantize rounding) and run the int8 graph; dequantize its outputs.
 * Accumulated over the samples:
 * - outputs: max |err|, mean |err|, MSE of dequantized vs float outputs (all output
 *   elements of all samples), and top-1 agreement for classifiers (argmax equal; ties go to
 *   the lowest index, like numpy).
 * - per layer: SQNR in dB = 10·log10(Σ float² / Σ (float − dequantized)²) over all samples,
 *   for the output tensor of the k-th op of both graphs (ops matched by position, so it works
 *   for any int8 graph with the same op sequence, not only ours). `null` when the int8
 *   value is exact (no noise) or the tensors do not correspond (different op kind/shape).
 * It does not attribute error to a layer (SQNR is cumulative from the input on).
 */
import { TinymlError } from '../errors.js';
import { elementCount, type Graph, type Tensor, type TensorData } from '../ir/graph.js';
import type { ProgressFn } from '../log.js';
import type { RunGraph } from '../reference/interpreter.js';
import { dequantizeValue, quantizeValue, type AffineParams } from './params.js';

export interface LayerSqnr {
  op: number;
  name: string;
  kind: string;
  tensor: string;
  /** dB; null when there is no quantization noise at all or the tensor is not comparable. */
  sqnrDb: number | null;
}

export interface FidelityMetrics {
  samples: number;
  /** Fraction of samples where argmax(int8) = argmax(float); null for non-classifiers. */
  top1Agreement: number | null;
  maxAbsError: number;
  meanAbsError: number;
  mse: number;
  layers: LayerSqnr[];
}

export function tensorParams(t: Tensor): AffineParams {
  if (!t.quant || t.quant.scale.length !== 1) {
    throw new TinymlError('input', `tensor '${t.name}' has no per-tensor quantization parameters`);
  }
  return { scale: t.quant.scale[0]!, zeroPoint: t.quant.zeroPoint[0] ?? 0 };
}

/** Float sample → int8 input data with the tensor's params. */
export function quantizeInput(x: Float32Array, t: Tensor): Int8Array {
  const p = tensorParams(t);
  const q = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) q[i] = quantizeValue(x[i]!, p);
  return q;
}

/** Float sample → input data in the tensor's dtype: int8, or int16 for 16x8 models. */
export function quantizeSample(x: Float32Array, t: Tensor): Int8Array | Int16Array {
  if (t.dtype !== 'int16') return quantizeInput(x, t);
  const p = tensorParams(t);
  const q = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) q[i] = quantizeValue(x[i]!, p, 'int16');
  return q;
}

export function dequantize(q: TensorData, t: Tensor): Float32Array {
  // Outputs that are not quantized (ARG_MAX indices) are the same numbers in both graphs.
  if (!t.quant && (t.dtype === 'int32' || t.dtype === 'int64')) return Float32Array.from(q);
  const p = tensorParams(t);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = dequantizeValue(q[i]!, p);
  return out;
}

/** Run an int8 graph (single input) on a float sample: quantize in, dequantize out. */
export function runInt8OnFloat(run: RunGraph, g: Graph, sample: Float32Array): Float32Array[] {
  const inT = g.tensors[g.inputs[0]!]!;
  const outs = run(g, [quantizeSample(sample, inT)]);
  return outs.map((o, k) => dequantize(o, g.tensors[g.outputs[k]!]!));
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/** A graph is treated as a classifier when its first output is produced by Softmax. */
export function isClassifier(g: Graph): boolean {
  const out = g.outputs[0];
  const op = g.ops.find((o) => o.outputs.includes(out!));
  return op?.kind === 'Softmax';
}

export interface CompareOptions {
  classifier?: boolean;
  onProgress?: ProgressFn;
  /** Added to `done` in progress reports (to chain phases in one bar). */
  progressOffset?: number;
  progressTotal?: number;
}

export function compareModels(run: RunGraph, floatGraph: Graph, int8Graph: Graph, samples: Float32Array[], opts: CompareOptions = {}): FidelityMetrics {
  if (floatGraph.inputs.length !== 1 || int8Graph.inputs.length !== 1) {
    throw new TinymlError('unsupported', 'fidelity comparison needs single-input models');
  }
  const classifier = opts.classifier ?? isClassifier(floatGraph);
  const nOps = Math.min(floatGraph.ops.length, int8Graph.ops.length);
  // Which op outputs are comparable, by position.
  const comparable: boolean[] = [];
  const tensorToOpF = new Map<number, number>();
  const tensorToOpQ = new Map<number, number>();
  for (let k = 0; k < nOps; k++) {
    const fo = floatGraph.ops[k]!;
    const qo = int8Graph.ops[k]!;
    const ft = floatGraph.tensors[fo.outputs[0]!]!;
    const qt = int8Graph.tensors[qo.outputs[0]!]!;
    const ok =
      fo.kind === qo.kind && ft.dtype === 'float32' && (qt.dtype === 'int8' || qt.dtype === 'int16') && qt.quant?.scale.length === 1 && elementCount(ft.shape) === elementCount(qt.shape);
    comparable.push(ok);
    if (ok) {
      tensorToOpF.set(fo.outputs[0]!, k);
      tensorToOpQ.set(qo.outputs[0]!, k);
    }
  }
  const sig = new Float64Array(nOps);
  const noise = new Float64Array(nOps);
  let agree = 0;
  let maxAbs = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let count = 0;
  const off = opts.progressOffset ?? 0;
  const total = opts.progressTotal ?? samples.length;
  for (let s = 0; s < samples.length; s++) {
    const floatActs: (Float32Array | undefined)[] = new Array(nOps);
    const fOut = run(floatGraph, [samples[s]!], {
      onTensor: (ti, data) => {
        const k = tensorToOpF.get(ti);
        if (k !== undefined) floatActs[k] = Float32Array.from(data as Float32Array);
      },
    });
    const inT = int8Graph.tensors[int8Graph.inputs[0]!]!;
    const qOut = run(int8Graph, [quantizeSample(samples[s]!, inT)], {
      onTensor: (ti, data) => {
        const k = tensorToOpQ.get(ti);
        if (k === undefined) return;
        const f = floatActs[k];
        if (!f) return;
        const p = tensorParams(int8Graph.tensors[ti]!);
        let a = 0;
        let b = 0;
        for (let i = 0; i < f.length; i++) {
          const d = f[i]! - p.scale * (data[i]! - p.zeroPoint);
          a += f[i]! * f[i]!;
          b += d * d;
        }
        sig[k]! += a;
        noise[k]! += b;
      },
    });
    for (let o = 0; o < fOut.length; o++) {
      const f = fOut[o]!;
      const dq = dequantize(qOut[o]!, int8Graph.tensors[int8Graph.outputs[o]!]!);
      for (let i = 0; i < f.length; i++) {
        const e = Math.abs(f[i]! - dq[i]!);
        if (e > maxAbs) maxAbs = e;
        sumAbs += e;
        sumSq += e * e;
        count++;
      }
      if (o === 0 && classifier && argmax(f) === argmax(dq)) agree++;
    }
    opts.onProgress?.(off + s + 1, total, 'samples');
  }
  const layers: LayerSqnr[] = [];
  for (let k = 0; k < nOps; k++) {
    const op = floatGraph.ops[k]!;
    const db = comparable[k] && noise[k]! > 0 ? 10 * Math.log10(sig[k]! / noise[k]!) : null;
    layers.push({ op: k, name: op.name, kind: op.kind, tensor: floatGraph.tensors[op.outputs[0]!]!.name, sqnrDb: db });
  }
  return {
    samples: samples.length,
    top1Agreement: classifier ? agree / Math.max(1, samples.length) : null,
    maxAbsError: maxAbs,
    meanAbsError: count ? sumAbs / count : 0,
    mse: count ? sumSq / count : 0,
    layers,
  };
}
