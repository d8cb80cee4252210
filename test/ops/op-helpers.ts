/**
 * Helpers for the op tests besides the single-op harness:
 * - `runExact`: given inputs (values written by hand from TFLM's semantics) through the
 *   reference interpreter and the generated C on the host, which must agree byte for byte;
 * - `checkQuantized`: the quantizer's side of an op's acceptance — a small float graph with
 *   the op is quantized (synthetic calibration, the op's `quant` rule) and the int8 graph runs
 *   on seeded inputs through the reference and the host C with byte-identical outputs.
 */
import { resolveBoard } from '../../src/boards/load.js';
import { elementCount, type Graph, type TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';
import { buildGraph, randomInput, type OpSpec } from './harness.js';

function requireSame(name: string, reference: TensorData[][], host: TensorData[][]): void {
  reference.forEach((outs, s) =>
    outs.forEach((want, k) => {
      const got = host[s]![k]!;
      if (got.length !== want.length || want.some((v, i) => !Object.is(v, got[i]) && v !== got[i])) {
        throw new Error(`${name}: host C output ${k} of sample ${s} differs from the reference:\n  C   ${Array.from(got).join(',')}\n  ref ${Array.from(want).join(',')}`);
      }
    }),
  );
}

/** Outputs of `g` (or of the graph of `spec`) for each sample, after checking host C == reference. */
export async function runExact(g: Graph | OpSpec, samples: TensorData[][]): Promise<TensorData[][]> {
  const graph = 'ops' in g ? g : buildGraph(g);
  const reference = samples.map((x) => runGraph(graph, x));
  const host = await runOnHost({ graph, modelPath: `${graph.name}.hand`, board: resolveBoard('host'), samples, logger: silentLogger });
  requireSame(graph.name, reference, host);
  return reference;
}

export interface QuantizedCheck {
  graph: Graph;
  reference: TensorData[][];
  host: TensorData[][];
}

/** Quantizes `g` (one float input) and requires host C == reference on `samples` inputs. */
export async function checkQuantized(g: Graph, opts: { samples?: number; seed?: number } = {}): Promise<QuantizedCheck> {
  const size = elementCount(g.tensors[g.inputs[0]!]!.shape);
  const { graph } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(16, size, opts.seed ?? 1) });
  const r = mulberry32(opts.seed ?? 1);
  const inputs = Array.from({ length: opts.samples ?? 5 }, () => graph.inputs.map((i) => randomInput(graph.tensors[i]!, r)));
  const reference = inputs.map((x) => runGraph(graph, x));
  const host = await runOnHost({ graph, modelPath: `${g.name}.int8`, board: resolveBoard('host'), samples: inputs, logger: silentLogger });
  requireSame(`${g.name} (quantized)`, reference, host);
  return { graph, reference, host };
}
