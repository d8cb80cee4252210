/**
 * TFLM's own outputs for the shared models (../shared/models/tflite-micro/tflm-outputs/): each
 * `<model>.json` lists cases (input file and byte offset per input, `output` values) computed by
 * TFLite Micro's reference kernels. Matching them is matching TFLM byte for byte.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocTensorData, bytesPerElement, elementCount, type Graph, type TensorData } from '../../src/ir/graph.js';

export const TFLM_MODELS = '../shared/models/tflite-micro';
export const TFLM_OUTPUTS = join(TFLM_MODELS, 'tflm-outputs');

export interface TflmCase {
  name: string;
  /** One per graph input, in the graph's input dtypes. */
  inputs: TensorData[];
  /** TFLM's output 0. */
  output: number[];
}

interface CaseJson {
  name: string;
  input_file?: string;
  input_offset?: number;
  input_files?: string[];
  input_offsets?: number[];
  output: number[];
}

/** The cases of `<golden>.json`, inputs decoded for `g` (undefined when the goldens are absent). */
export function tflmCases(golden: string, g: Graph): TflmCase[] | undefined {
  const path = join(TFLM_OUTPUTS, `${golden}.json`);
  if (!existsSync(path)) return undefined;
  const json = JSON.parse(readFileSync(path, 'utf8')) as { cases: CaseJson[] };
  return json.cases.map((c) => {
    const files = c.input_files ?? [c.input_file!];
    const offsets = c.input_offsets ?? [c.input_offset!];
    const inputs = g.inputs.map((ti, k) => {
      const t = g.tensors[ti]!;
      const bytes = elementCount(t.shape) * bytesPerElement(t.dtype);
      const raw = readFileSync(join(TFLM_OUTPUTS, files[k]!)).subarray(offsets[k]!, offsets[k]! + bytes);
      const d = allocTensorData(t.dtype, elementCount(t.shape));
      new Uint8Array(d.buffer).set(raw);
      return d;
    });
    return { name: c.name, inputs, output: c.output };
  });
}
