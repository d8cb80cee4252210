/**
 * Trains the MNIST teacher used by the distillation demo: a CNN of 1.03 M parameters
 * (conv3×3·32 → maxpool → conv3×3·64 → maxpool → dense 320 → dropout → dense 10), with
 * random ±2-pixel shifts, on the TRAINING split only of the built-in mnist dataset (the
 * same seeded split `tinyml distill --data mnist` uses, seed 1, so the teacher never sees
 * the validation or test digits). Saved as a TF.js layers model with a softmax head.
 *
 *   npx tsx scripts/train-mnist-teacher.ts [out-dir] [epochs]
 *
 * Default out-dir: .cache/mnist-teacher (≈ 4 MB, not committed).
 */
import { loadMnist } from '../src/distill/dataset.js';
import { gather, normalize, splitDataset } from '../src/distill/split.js';
import { loadTf } from '../src/distill/tf.js';
import { randomShift, trainStudent } from '../src/distill/train.js';
import { saveTfjsModel } from '../src/distill/save.js';
import { DEFAULT_SPLIT } from '../src/distill/defaults.js';

const outDir = process.argv[2] ?? '.cache/mnist-teacher';
const epochs = Number(process.argv[3] ?? 20);
const { tf } = await loadTf();
const ds = loadMnist();
const split = splitDataset(ds.y, DEFAULT_SPLIT);
const per = 784;
// The teacher takes raw [0, 1] pixels: normalisation belongs to each student.
const x = normalize(ds.x, { mean: 0, std: 1 });
const labels = (idx: Int32Array) => Int32Array.from(idx, (i) => ds.y[i]!);
type Sym = ReturnType<typeof tf.input>;
const init = (seed: number) => tf.initializers.glorotUniform({ seed });
const input = tf.input({ shape: [28, 28, 1] });
let h: Sym = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(11) }).apply(input) as Sym;
h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as Sym;
h = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(12) }).apply(h) as Sym;
h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as Sym;
h = tf.layers.flatten().apply(h) as Sym;
h = tf.layers.dense({ units: 320, activation: 'relu', kernelInitializer: init(13) }).apply(h) as Sym;
h = tf.layers.dropout({ rate: 0.4, seed: 14 }).apply(h) as Sym;
const logits = tf.layers.dense({ units: 10, kernelInitializer: init(15) }).apply(h) as Sym;
const trainModel = tf.model({ inputs: input, outputs: logits });
console.log(`teacher parameters: ${trainModel.countParams()}`);
const r = await trainStudent(
  tf,
  trainModel,
  { x: gather(x, per, split.train), y: labels(split.train), sampleShape: [28, 28, 1], numClasses: 10 },
  { x: gather(x, per, split.val), y: labels(split.val) },
  {
    epochs,
    batchSize: 64,
    learningRate: 1e-3,
    alpha: 0,
    temperature: 1,
    patience: 5,
    seed: 7,
    augment: randomShift([28, 28, 1], 2),
    onEpoch: (e, n, m) => console.log(`epoch ${e}/${n}: loss ${m.loss.toFixed(4)} val ${(m.valAccuracy * 100).toFixed(2)}% (${m.seconds.toFixed(1)} s)`),
  },
);
// Export with a softmax head, as a deployed classifier would be.
const probs = tf.layers.softmax().apply(logits) as Sym;
const exported = tf.model({ inputs: input, outputs: probs, name: 'mnist_teacher' });
await saveTfjsModel(tf, exported, outDir);
console.log(`best validation accuracy ${(r.bestValAccuracy * 100).toFixed(2)}% at epoch ${r.bestEpoch}; saved ${outDir}`);
