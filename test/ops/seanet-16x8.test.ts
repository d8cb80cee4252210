/**
 * The 16x8 single-op models of TFLM's SEANet integration test (../shared/models/tflite-micro/
 * seanet/: int16 activations, int8 weights, int64 biases) against TFLite Micro's own outputs
 * (tflm-outputs/seanet__*.json, reference kernels at 90b983c): byte for byte through the
 * reference interpreter, the generated C on the host, and the same C on a Cortex-M4 under QEMU.
 * LEAKY_RELU, STRIDED_SLICE, SUB and TRANSPOSE_CONV models belong to their own ops' tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { importModel } from '../../src/importers/index.js';
import { allocTensorData, elementCount, type Graph, type TensorData } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { runGraph } from '../../src/reference/interpreter.js';

const ROOT = new URL('../../../shared/models/tflite-micro/', import.meta.url).pathname;
const MODELS = ['add0', 'add1', 'add2', 'conv0', 'conv1', 'conv2', 'conv10', 'pad0', 'pad1', 'pad2', 'quantize0', 'quantize1'];
const HAVE = existsSync(`${ROOT}tflm-outputs/seanet__conv0.json`);
const HAVE_QEMU = missingArmTools().length === 0 && hasTool('qemu-system-arm');

interface GoldenCase {
  input_file?: string;
  input_offset?: number | string;
  input_files?: string[];
  input_offsets?: (number | string)[];
  output: number[];
}

interface Golden {
  ops: string[];
  inputs: { bytes_per_sample: number }[];
  cases: GoldenCase[];
}

/** The TFLM cases of one model: inputs in the graph's dtypes and TFLM's outputs. */
function loadCases(name: string, g: Graph): { inputs: TensorData[]; want: number[] }[] {
  const golden = JSON.parse(readFileSync(`${ROOT}tflm-outputs/seanet__${name}.json`, 'utf8')) as Golden;
  return golden.cases.map((c) => {
    const files = c.input_files ?? [c.input_file!];
    const offsets = (c.input_offsets ?? [c.input_offset!]).map(Number);
    const inputs = g.inputs.map((ti, k) => {
      const t = g.tensors[ti]!;
      const bytes = readFileSync(`${ROOT}tflm-outputs/${files[k]}`);
      const data = allocTensorData(t.dtype, elementCount(t.shape));
      const n = golden.inputs[k]!.bytes_per_sample;
      expect(data.byteLength).toBe(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offsets[k]!, offsets[k]! + n));
      return data;
    });
    return { inputs, want: c.output };
  });
}

describe.skipIf(!HAVE)('seanet 16x8 single-op models = TFLite Micro', () => {
  for (const name of MODELS) {
    it(`${name}: reference and host C give TFLM's bytes`, async () => {
      const path = `${ROOT}seanet/${name}.tflite`;
      const g = await importModel(path);
      const cases = loadCases(name, g);
      expect(cases.length).toBe(3);
      const ref = cases.map((c) => runGraph(g, c.inputs)[0]!);
      cases.forEach((c, s) => expect(Array.from(ref[s]!), `${name} sample ${s}`).toEqual(c.want));
      const { board, backend } = await resolveRunBackend('host');
      const host = await backend({ graph: g, modelPath: path, board, samples: cases.map((c) => c.inputs), logger: silentLogger });
      cases.forEach((c, s) => expect(Array.from(host[s]![0]!), `${name} host sample ${s}`).toEqual(c.want));
    }, 120_000);
  }

  it.skipIf(!HAVE_QEMU)('every model on a Cortex-M4 under QEMU gives TFLM\'s bytes', async () => {
    const { board, backend } = await resolveRunBackend('qemu-mps2-an386');
    for (const name of MODELS) {
      const path = `${ROOT}seanet/${name}.tflite`;
      const g = await importModel(path);
      const cases = loadCases(name, g);
      const out = await backend({ graph: g, modelPath: path, board, samples: cases.map((c) => c.inputs), logger: silentLogger });
      cases.forEach((c, s) => expect(Array.from(out[s]![0]!), `${name} qemu sample ${s}`).toEqual(c.want));
    }
  }, 900_000);
});
