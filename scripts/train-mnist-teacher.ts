/**
 * Trains the MNIST teacher used by the distillation demo: a 784-1024-512-10 MLP
 * (1.33 M parameters) with dropout, on the TRAINING split only of the built-in mnist
 * dataset (the same seeded split `tinyml distill --data mnist` uses, seed 1, so the
 * teacher never sees the test digits). Saved as a TF.js layers model.
 *
 *   npx tsx scripts/train-mnist-teacher.ts [out-dir] [epochs]
 *
 * Default out-dir: .cache/mnist-teacher (≈ 5 MB, not committed).
 */
import { loadMnist } from '../src/distill/dataset.js';
import { gather, normalize, splitDataset } from '../src/distill/split.js';
import { loadTf, useBackendFor } from '../src/distill/tf.js';
import { trainStudent } from '../src/distill/train.js';
import { saveTfjsModel } from '../src/distill/save.js';
import { DEFAULT_SPLIT } from '../src/distill/defaults.js';

const outDir = process.argv[2] ?? '.cache/mnist-teacher';
const epochs = Number(process.argv[3] ?? 12);
const { tf } = await loadTf();
await useBackendFor(false);
const ds = loadMnist();
const split = splitDataset(ds.y, DEFAULT_SPLIT);
const per = 784;
// The teacher takes raw [0, 1] pixels: normalisation belongs to each student.
const x = normalize(ds.x, { mean: 0, std: 1 });
const labels = (idx: Int32Array) => Int32Array.from(idx, (i) => ds.y[i]!);
const input = tf.input({ shape: [28, 28, 1] });
let h = tf.layers.flatten().apply(input) as ReturnType<typeof tf.input>;
h = tf.layers.dense({ units: 1024, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }).apply(h) as typeof h;
h = tf.layers.dropout({ rate: 0.3, seed: 12 }).apply(h) as typeof h;
h = tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }).apply(h) as typeof h;
h = tf.layers.dropout({ rate: 0.3, seed: 14 }).apply(h) as typeof h;
const logits = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 15 }) }).apply(h) as typeof h;
const trainModel = tf.model({ inputs: input, outputs: logits });
console.log(`teacher parameters: ${trainModel.countParams()}`);
const r = await trainStudent(
  tf,
  trainModel,
  { x: gather(x, per, split.train), y: labels(split.train), sampleShape: [28, 28, 1], numClasses: 10 },
  { x: gather(x, per, split.val), y: labels(split.val) },
  {
    epochs,
    batchSize: 128,
    learningRate: 1e-3,
    alpha: 0,
    temperature: 1,
    patience: 4,
    seed: 7,
    onEpoch: (e, n, m) => console.log(`epoch ${e}/${n}: loss ${m.loss.toFixed(4)} val ${(m.valAccuracy * 100).toFixed(2)}% (${m.seconds.toFixed(1)} s)`),
  },
);
// Export with a softmax head, as a deployed classifier would be.
const probs = tf.layers.softmax().apply(logits) as typeof h;
const exported = tf.model({ inputs: input, outputs: probs, name: 'mnist_teacher' });
await saveTfjsModel(tf, exported, outDir);
console.log(`best validation accuracy ${(r.bestValAccuracy * 100).toFixed(2)}% at epoch ${r.bestEpoch}; saved ${outDir}`);
