import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import '../../src/importers/index.js';
import { importModel } from '../../src/importers/index.js';
import { elementCount } from '../../src/ir/graph.js';
import { loadTf } from '../../src/distill/tf.js';
import { runGraphTf, tfGraphSupport } from '../../src/distill/tf-graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { mulberry32 } from '../../src/rng.js';

const models = new URL('../../../shared/models/mlperf-tiny/', import.meta.url).pathname;

/**
 * Batched tfjs execution of float graphs (how teacher outputs are computed) against the
 * reference interpreter, sample by sample: KWS (Conv2D, DepthwiseConv2D, AveragePool2D,
 * Reshape, FullyConnected, Softmax) and AD01 (FullyConnected stack).
 */
describe('running float graphs on tfjs', async () => {
  const { tf } = await loadTf();

  it.each(['kws_ref_model_float32.tflite', 'ad01_fp32.tflite'])('%s: batched tfjs outputs equal the reference interpreter to float rounding', async (file) => {
    const g = await importModel(`${models}${file}`);
    const inT = g.tensors[g.inputs[0]!]!;
    const per = elementCount(inT.shape.slice(1));
    const n = 7;
    const rand = mulberry32(5);
    // Real input for AD01 (a spectrogram slice), seeded values for KWS, in the range both expect.
    const x = Float32Array.from({ length: n * per }, () => rand() * 4 - 2);
    if (file.startsWith('ad01')) {
      const spec = new Float32Array((await readFile(`${models}normal_id_01_00000000_hist_librosa.bin`)).buffer.slice(0));
      x.set(spec.subarray(0, n * per));
    }
    const got = runGraphTf(tf, g, x, n, { batchSize: 3 });
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      const want = runGraph(g, [x.slice(i * per, (i + 1) * per)])[0] as Float32Array;
      for (let j = 0; j < want.length; j++) {
        worst = Math.max(worst, Math.abs(got[i * want.length + j]! - want[j]!));
        scale = Math.max(scale, Math.abs(want[j]!));
      }
    }
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it('refuses int8 graphs, so the caller falls back to the interpreter', async () => {
    const g = await importModel(`${models}kws_ref_model.tflite`);
    expect(tfGraphSupport(g)).toMatch(/int8/);
    expect(() => runGraphTf(tf, g, new Float32Array(490), 1)).toThrow(/cannot run on tfjs/);
  });
});
