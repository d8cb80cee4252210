/**
 * TFLM's own outputs for the shared models (../shared/models/tflite-micro/tflm-outputs/, see the
 * README there): each <model>.json lists cases (the input files and byte offsets of one sample,
 * and TFLM's output for it). `tflmGolden` reads them into typed inputs and expected outputs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocTensorData, elementCount, type DType, type TensorData } from '../../src/ir/graph.js';

export const TFLM_DIR = fileURLToPath(new URL('../../../shared/models/tflite-micro/', import.meta.url));
const OUT_DIR = join(TFLM_DIR, 'tflm-outputs');

export interface TflmCase {
  name: string;
  inputs: TensorData[];
  output: number[];
}

interface GoldenJson {
  model_path: string;
  inputs: { dtype: DType; shape: number[]; file: string | null }[];
  cases: { name: string; input_files?: string[]; input_offsets?: number[]; input_file?: string; input_offset?: number; output: number[] }[];
}

export function haveTflmGolden(name: string): boolean {
  return existsSync(join(OUT_DIR, `${name}.json`));
}

/** The model path and the cases of tflm-outputs/<name>.json. */
export function tflmGolden(name: string): { model: string; cases: TflmCase[] } {
  const j = JSON.parse(readFileSync(join(OUT_DIR, `${name}.json`), 'utf8')) as GoldenJson;
  const model = join(TFLM_DIR, '..', '..', j.model_path.replace(/^shared\/models\//, 'models/'));
  const cases = j.cases.map((c) => {
    const files = c.input_files ?? [c.input_file!];
    const offsets = c.input_offsets ?? [c.input_offset!];
    const inputs = j.inputs.map((spec, k) => {
      const bytes = readFileSync(join(OUT_DIR, files[k]!));
      const n = elementCount(spec.shape);
      const data = allocTensorData(spec.dtype, n);
      const view = new DataView(bytes.buffer, bytes.byteOffset + offsets[k]!, bytes.byteLength - offsets[k]!);
      for (let i = 0; i < n; i++) {
        if (spec.dtype === 'int8') data[i] = view.getInt8(i);
        else if (spec.dtype === 'int16') data[i] = view.getInt16(2 * i, true);
        else if (spec.dtype === 'int32') data[i] = view.getInt32(4 * i, true);
        else if (spec.dtype === 'float32') data[i] = view.getFloat32(4 * i, true);
        else throw new Error(`${name}: input dtype ${spec.dtype} not handled`);
      }
      return data;
    });
    return { name: c.name, inputs, output: c.output };
  });
  return { model, cases };
}
