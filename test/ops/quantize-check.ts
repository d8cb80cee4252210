/**
 * The quantizer on a small single-input float graph: calibrate on seeded normal samples,
 * rewrite to int8, run held-out samples through the int8 reference interpreter and the host C
 * (which must agree byte for byte), and measure the dequantized int8 output against the float
 * output.
 */
import type { Graph } from '../../src/ir/graph.js';
import { elementCount } from '../../src/ir/graph.js';
import { roundHalfAway } from '../../src/numerics/fixed-point.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { runBoth } from './exact-cases.js';

export interface QuantizedCheck {
  graph: Graph;
  /** Largest |dequantized int8 output − float output| over the held-out samples (output 0). */
  maxAbsError: number;
  outputScale: number;
}

export async function quantizeFloatGraph(g: Graph, opts: { samples?: number; scale?: number } = {}): Promise<QuantizedCheck> {
  const inT = g.tensors[g.inputs[0]!]!;
  const size = elementCount(inT.shape);
  const scaleBy = opts.scale ?? 1;
  const scaled = (n: number, seed: number) => {
    const set = syntheticSamples(n, size, seed);
    return { ...set, samples: set.samples.map((s) => s.map((v) => Math.fround(v * scaleBy))) };
  };
  const { graph: q } = quantizeModel(g, { run: runGraph, calibration: scaled(32, 1) });
  const holdout = scaled(opts.samples ?? 6, 2).samples;
  const qi = q.tensors[q.inputs[0]!]!.quant!;
  const qo = q.tensors[q.outputs[0]!]!.quant!;
  const int8In = holdout.map((s) => [Int8Array.from(s, (v) => Math.max(-128, Math.min(127, roundHalfAway(v / qi.scale[0]!) + qi.zeroPoint[0]!)))]);
  const { reference, host } = await runBoth(q, int8In, `${g.name}_int8`);
  reference.forEach((r, s) => {
    if (r.some((v, i) => v !== host[s]![i])) throw new Error(`${g.name}: host C differs from the int8 reference on held-out sample ${s}`);
  });
  let maxAbsError = 0;
  holdout.forEach((s, k) => {
    const want = runGraph(g, [s])[0]! as Float32Array;
    reference[k]!.forEach((v, i) => {
      maxAbsError = Math.max(maxAbsError, Math.abs((v - qo.zeroPoint[0]!) * qo.scale[0]! - want[i]!));
    });
  });
  return { graph: q, maxAbsError, outputScale: qo.scale[0]! };
}
