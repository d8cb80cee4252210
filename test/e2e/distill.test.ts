import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import '../../src/importers/index.js';
import { importModel } from '../../src/importers/index.js';
import { loadMnist } from '../../src/distill/dataset.js';
import { saveTfjsModel } from '../../src/distill/save.js';
import { splitDataset } from '../../src/distill/split.js';
import { loadTf } from '../../src/distill/tf.js';
import { trainStudent } from '../../src/distill/train.js';
import { quantizeInput } from '../../src/quantize/fidelity.js';
import { runGraph } from '../../src/reference/interpreter.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

/** A small real teacher: a 784-64-10 MLP trained briefly on the first 1,000 digits. */
async function makeTeacher(dir: string): Promise<string> {
  const { tf } = await loadTf();
  const ds = loadMnist();
  const n = 1000;
  const split = splitDataset(ds.y.slice(0, n), { seed: 1, valFraction: 0.1, testFraction: 0.1 });
  const input = tf.input({ shape: [28, 28, 1] });
  const h = tf.layers.dense({ units: 64, activation: 'relu' }).apply(tf.layers.flatten().apply(input)) as ReturnType<typeof tf.input>;
  const logits = tf.layers.dense({ units: 10 }).apply(h) as ReturnType<typeof tf.input>;
  const m = tf.model({ inputs: input, outputs: logits });
  const pick = (idx: Int32Array) => ({ x: Float32Array.from({ length: idx.length * 784 }, (_, k) => ds.x[idx[Math.floor(k / 784)]! * 784 + (k % 784)]!), y: Int32Array.from(idx, (i) => ds.y[i]!) });
  await trainStudent(tf, m, { ...pick(split.train), sampleShape: [28, 28, 1], numClasses: 10 }, pick(split.val), {
    epochs: 3, batchSize: 32, learningRate: 2e-3, alpha: 0, temperature: 1, patience: 3, seed: 2,
  });
  const out = join(dir, 'teacher');
  await saveTfjsModel(tf, tf.model({ inputs: input, outputs: tf.layers.softmax().apply(logits) as ReturnType<typeof tf.input> }), out);
  return join(out, 'model.json');
}

describe('tinyml distill (small, fast configuration)', () => {
  it('searches a tiny budget, distills, quantizes and reports figures that an independent re-run reproduces', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyml-distill-'));
    const teacher = await makeTeacher(dir);
    const out = join(dir, 'out');
    const args = ['tsx', 'src/cli/entry.ts', 'distill', teacher, '--data', 'mnist', '--limit', '1000', '--flash', '32K', '--ram', '8K',
      '--max-trials', '2', '--search-epochs', '1', '--search-samples', '300', '--search-max-macs', '30000', '--epochs', '3',
      '--compare-hard-labels', '--max-int8-drop', '100', '-o', out, '--json'];
    const { stdout } = await run('npx', args, { cwd: root, env: { ...process.env, HOME: dir }, maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout);

    // The split is the seeded one, disjoint, and recorded.
    const split = JSON.parse(await readFile(join(out, 'split.json'), 'utf8'));
    const again = splitDataset(loadMnist().y.slice(0, 1000), { seed: 1, valFraction: 0.1, testFraction: 0.1 });
    expect(split.test).toEqual([...again.test]);
    expect(new Set([...split.train, ...split.val, ...split.test]).size).toBe(1000);

    // Only fitting candidates were tried; the chosen one fits 32 KB / 8 KB with 10% reserve.
    expect(report.search.trials.length).toBeGreaterThan(0);
    for (const t of report.search.trials) expect(t.fits).toBe(true);
    expect(report.student.weightBytesInt8).toBeLessThanOrEqual(32 * 1024 * 0.9);
    expect(report.search.pareto).toContain(report.student.name);

    // The int8 .tflite, run independently on the recorded test split, gives the reported accuracy.
    const g = await importModel(join(out, 'student.int8.tflite'));
    const norm = JSON.parse(await readFile(join(out, 'student', 'normalization.json'), 'utf8'));
    const ds = loadMnist();
    let correct = 0;
    for (const i of split.test as number[]) {
      const x = Float32Array.from(ds.x.subarray(i * 784, (i + 1) * 784), (v) => (v - norm.mean) / norm.std);
      const o = runGraph(g, [quantizeInput(x, g.tensors[g.inputs[0]!]!)])[0]!;
      let b = 0;
      for (let j = 1; j < o.length; j++) if (o[j]! > o[b]!) b = j;
      if (b === ds.y[i]) correct++;
    }
    expect(correct / split.test.length).toBe(report.student.int8TestAccuracy);
    expect(report.student.int8TestAccuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
    expect(report.hardLabelBaseline.int8TestAccuracy).toBeGreaterThan(0.3);
    const md = await readFile(join(out, 'distill-report.md'), 'utf8');
    expect(md).toContain(report.student.name);
  }, 600_000);
});
