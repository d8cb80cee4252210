/** TFLM's golden outputs for the shared TFLM models (../shared/models/tflite-micro/tflm-outputs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, TensorData } from '../../src/ir/graph.js';
import { fromBytesLE } from '../../src/io/samples.js';

export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const GOLDENS = join(SHARED, 'models/tflite-micro/tflm-outputs');

export interface GoldenInput {
  dtype: string;
  shape: number[];
  file: string | null;
  bytes_per_sample: number;
}
export interface GoldenCase {
  name: string;
  sample: number;
  output?: number[];
  outputs?: number[][];
  output_fresh?: number[];
}
export interface Golden {
  model_path: string;
  stateful: boolean;
  inputs: GoldenInput[];
  outputs: { dtype: string; shape: number[] }[];
  cases: GoldenCase[];
}

export function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(join(GOLDENS, `${name}.json`), 'utf8')) as Golden;
}

/** The golden's inputs of sample s, in the graph's input dtypes. */
export function goldenInputs(name: string, golden: Golden, g: Graph, s: number): TensorData[] {
  return golden.inputs.map((inp, k) => {
    const bytes = new Uint8Array(readFileSync(join(GOLDENS, inp.file ?? `${name}.in${k}.bin`)));
    const t = g.tensors[g.inputs[k]!]!;
    return fromBytesLE(bytes.subarray(s * inp.bytes_per_sample, (s + 1) * inp.bytes_per_sample), t.dtype, t.shape.reduce((a, b) => a * b, 1));
  });
}

