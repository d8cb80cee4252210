/**
 * A float model against the int8 firmware made from it: what `tinyml run <float model>
 * --board host|qemu-…` reports, so a user checks the deployed model against the trained one in
 * one command.
 *
 * Steps:
 * 1. Quantize the float graph exactly as `tinyml convert` does (same calibration rules: the
 *    --calibration samples, else 32 synthetic N(0,1) samples with SYNTHETIC_WARNING), so the
 *    board runs the firmware convert would produce (same int8 graph, same model hash).
 * 2. For each float sample: quantize it with the int8 input's parameters (TFLite's rounding),
 *    run the int8 graph on the board's backend (the generated C), dequantize the outputs.
 * 3. Run the float graph in the reference interpreter on the same float sample.
 * 4. Per sample and overall: max |firmware − float|, mean |…|, and top-1 agreement when the
 *    float model is a classifier (its first output comes from Softmax).
 *
 * Not promised: multi-input models (calibration holds one input per sample). The error measures
 * quantization (and nothing else: the firmware equals the int8 reference interpreter byte for
 * byte, which the host and QEMU tests check separately).
 */
import { TinymlError } from '../errors.js';
import { elementCount, type Graph, type TensorData } from '../ir/graph.js';
import type { Logger, ProgressFn } from '../log.js';
import { silentLogger } from '../log.js';
import type { RunGraph } from '../reference/interpreter.js';
import { loadSamples, syntheticSamples } from './calibration-data.js';
import { dequantize, isClassifier, quantizeInput } from './fidelity.js';
import { quantizeModel, SYNTHETIC_WARNING, type QuantReport } from './quantize.js';

export interface DeployedQuantization {
  /** The int8 graph (int8 inputs and outputs) the firmware implements. */
  graph: Graph;
  report: QuantReport;
}

/** Quantize a float graph with convert's calibration rules (see step 1). */
export async function quantizeAsConvert(
  floatGraph: Graph,
  opts: { runGraph: RunGraph; calibration?: string; logger?: Logger; onProgress?: ProgressFn },
): Promise<DeployedQuantization> {
  const log = opts.logger ?? silentLogger;
  if (floatGraph.inputs.length !== 1) {
    throw new TinymlError('unsupported', `model '${floatGraph.name}' has ${floatGraph.inputs.length} inputs; comparing a float model with its firmware needs one input`);
  }
  const size = elementCount(floatGraph.tensors[floatGraph.inputs[0]!]!.shape);
  let calibration;
  if (opts.calibration) {
    calibration = await loadSamples(opts.calibration, size);
    log.info(`quantizing with ${calibration.samples.length} calibration samples from ${opts.calibration}`);
  } else {
    calibration = syntheticSamples(32, size, 1);
    log.warn(SYNTHETIC_WARNING);
  }
  const q = quantizeModel(floatGraph, { run: opts.runGraph, calibration, logger: log, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  return { graph: q.graph, report: q.report };
}

export interface SampleComparison {
  /** Raw int8 outputs of the firmware (first output). */
  firmwareInt8: number[];
  /** The same, dequantized with the output's scale and zero point. */
  firmware: number[];
  /** The float model's outputs in the reference interpreter. */
  float: number[];
  maxAbsError: number;
  meanAbsError: number;
  /** Classifiers: argmax of each (ties to the lowest index). */
  argmax: { firmware: number; float: number } | null;
}

export interface FirmwareComparison {
  classifier: boolean;
  samples: SampleComparison[];
  maxAbsError: number;
  meanAbsError: number;
  /** Fraction of samples whose argmax agrees; null for non-classifiers. */
  top1Agreement: number | null;
  output: { name: string; shape: number[]; scale: number; zeroPoint: number };
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/** int8 inputs for the firmware from float samples (one input). */
export function firmwareInputs(int8Graph: Graph, samples: TensorData[][]): Int8Array[][] {
  const inT = int8Graph.tensors[int8Graph.inputs[0]!]!;
  return samples.map((s) => [quantizeInput(s[0] as Float32Array, inT)]);
}

/** Steps 3–4, given the firmware's raw int8 outputs for each sample. */
export function compareWithFloat(run: RunGraph, floatGraph: Graph, int8Graph: Graph, samples: TensorData[][], firmwareOut: TensorData[][]): FirmwareComparison {
  const outT = int8Graph.tensors[int8Graph.outputs[0]!]!;
  const classifier = isClassifier(floatGraph);
  let maxAll = 0;
  let sumAll = 0;
  let count = 0;
  let agree = 0;
  const rows = samples.map((s, k): SampleComparison => {
    const f = run(floatGraph, s)[0]!;
    const q = firmwareOut[k]![0]!;
    const dq = dequantize(q, outT);
    if (dq.length !== f.length) throw new TinymlError('validation', `sample ${k}: firmware gave ${dq.length} outputs, the float model ${f.length}`);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < f.length; i++) {
      const e = Math.abs(dq[i]! - f[i]!);
      if (e > max) max = e;
      sum += e;
    }
    maxAll = Math.max(maxAll, max);
    sumAll += sum;
    count += f.length;
    const am = classifier ? { firmware: argmax(dq), float: argmax(f) } : null;
    if (am && am.firmware === am.float) agree++;
    return { firmwareInt8: Array.from(q), firmware: Array.from(dq), float: Array.from(f), maxAbsError: max, meanAbsError: sum / f.length, argmax: am };
  });
  return {
    classifier,
    samples: rows,
    maxAbsError: maxAll,
    meanAbsError: count ? sumAll / count : 0,
    top1Agreement: classifier ? agree / Math.max(1, samples.length) : null,
    output: { name: outT.name, shape: [...outT.shape], scale: outT.quant!.scale[0]!, zeroPoint: outT.quant!.zeroPoint[0] ?? 0 },
  };
}
