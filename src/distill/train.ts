/**
 * Knowledge-distillation training of a student (tfjs), with early stopping.
 *
 * Loss (Hinton et al., "Distilling the Knowledge in a Neural Network", 2015):
 *   L = α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(onehot(y), softmax(s))
 * with teacher logits t, student logits s, temperature T. α = 0 trains on hard labels only
 * (the baseline distillation is compared against). The T² factor keeps the soft term's
 * gradients at the same scale as T changes.
 *
 * Loop: each epoch shuffles the training indices with a seeded stream, runs mini-batches
 * through Adam with a cosine learning-rate schedule (from `learningRate` down to 5% of it
 * over `epochs`, which steadies the last epochs), then measures validation accuracy; the best weights are kept and training
 * stops after `patience` epochs without improvement. Weights can be fine-tuned with
 * fake-quantized weights (`fakeQuantWeights`): the forward/backward pass sees per-channel
 * int8-rounded weights while the update is applied to the float weights (the
 * straight-through estimator), which recovers accuracy lost to int8 rounding.
 */
import type * as TF from '@tensorflow/tfjs';
import type { ProgressFn } from '../log.js';
import { mulberry32, shuffledIndices } from '../rng.js';
import type { Tf } from './tf.js';

export interface TrainData {
  x: Float32Array;
  y: Int32Array;
  /** Teacher logits, `numClasses` per sample; absent for hard-label training. */
  teacher?: Float32Array;
  sampleShape: number[];
  numClasses: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  alpha: number;
  temperature: number;
  patience: number;
  seed: number;
  fakeQuantWeights?: boolean;
  /**
   * Changes each mini-batch in place before the pass (data augmentation), drawing from the
   * training's seeded stream. Only for hard-label training: cached teacher logits belong to
   * the unchanged samples.
   */
  augment?: (batch: Float32Array, count: number, rand: () => number) => void;
  /** Called after each epoch: (epoch, epochs) plus metrics. */
  onEpoch?: (epoch: number, epochs: number, m: { loss: number; valAccuracy: number; seconds: number }) => void;
  onBatch?: ProgressFn;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number;
  bestValAccuracy: number;
  history: { epoch: number; loss: number; valAccuracy: number }[];
}

export function kdLoss(tf: Tf, studentLogits: TF.Tensor, labels: TF.Tensor, teacherLogits: TF.Tensor | undefined, alpha: number, temperature: number): TF.Scalar {
  return tf.tidy(() => {
    const hard = tf.losses.softmaxCrossEntropy(labels, studentLogits) as TF.Scalar;
    if (!teacherLogits || alpha === 0) return hard;
    const T = temperature;
    const pt = tf.softmax(tf.div(teacherLogits, T));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, T));
    const logPs = tf.logSoftmax(tf.div(studentLogits, T));
    const kl = tf.mean(tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), -1));
    return tf.add(tf.mul(alpha * T * T, kl), tf.mul(1 - alpha, hard)) as TF.Scalar;
  });
}

/** Accuracy of `model` on `x` (argmax of logits vs labels), in [0, 1]. */
export function accuracy(tf: Tf, model: TF.LayersModel, x: Float32Array, y: Int32Array, sampleShape: number[], batchSize = 256): number {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  let correct = 0;
  for (let s = 0; s < y.length; s += batchSize) {
    const n = Math.min(batchSize, y.length - s);
    const pred = tf.tidy(() => {
      const xb = tf.tensor(x.subarray(s * per, (s + n) * per), [n, ...sampleShape]);
      return (model.predict(xb) as TF.Tensor).argMax(-1).dataSync() as Int32Array;
    });
    for (let i = 0; i < n; i++) if (pred[i] === y[s + i]) correct++;
  }
  return y.length ? correct / y.length : 0;
}

/** Logits of `model` for every sample of `x`. */
export function predictLogits(tf: Tf, model: TF.LayersModel, x: Float32Array, n: number, sampleShape: number[], batchSize = 256): Float32Array {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  let out: Float32Array | undefined;
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const logits = tf.tidy(() => (model.predict(tf.tensor(x.subarray(s * per, (s + m) * per), [m, ...sampleShape])) as TF.Tensor).dataSync() as Float32Array);
    const k = logits.length / m;
    out ??= new Float32Array(n * k);
    out.set(logits, s * k);
  }
  return out ?? new Float32Array(0);
}

/**
 * Per-output-channel symmetric int8 rounding of a kernel, as the quantizer will do it:
 * channels are the last axis (Dense [in, units], Conv2D [kh, kw, in, out]) or, for depthwise
 * kernels [kh, kw, in, multiplier], the last two.
 */
function fakeQuantKernel(tf: Tf, w: TF.Tensor, depthwise: boolean): TF.Tensor {
  return tf.tidy(() => {
    const rank = w.shape.length;
    if (rank < 2) return w.clone();
    const axes = Array.from({ length: depthwise ? rank - 2 : rank - 1 }, (_, i) => i);
    const maxAbs = tf.maximum(tf.max(tf.abs(w), axes, true), 1e-12);
    const scale = tf.div(maxAbs, 127);
    return tf.mul(tf.clipByValue(tf.round(tf.div(w, scale)), -127, 127), scale);
  });
}

/**
 * Random translation of [H, W, C] images by up to `max` pixels in each direction, filled
 * with `fill` (the background value): the classic MNIST augmentation.
 */
export function randomShift(sampleShape: number[], max: number, fill = 0): NonNullable<TrainOptions['augment']> {
  const [h, w, c] = sampleShape as [number, number, number];
  const per = h * w * c;
  const tmp = new Float32Array(per);
  return (batch, count, rand) => {
    for (let s = 0; s < count; s++) {
      const dy = Math.floor(rand() * (2 * max + 1)) - max;
      const dx = Math.floor(rand() * (2 * max + 1)) - max;
      const img = batch.subarray(s * per, (s + 1) * per);
      tmp.fill(fill);
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        if (sy < 0 || sy >= h) continue;
        for (let x = 0; x < w; x++) {
          const sx = x - dx;
          if (sx < 0 || sx >= w) continue;
          for (let ch = 0; ch < c; ch++) tmp[(y * w + x) * c + ch] = img[(sy * w + sx) * c + ch]!;
        }
      }
      img.set(tmp);
    }
  };
}

export async function trainStudent(tf: Tf, model: TF.LayersModel, train: TrainData, val: { x: Float32Array; y: Int32Array }, opts: TrainOptions): Promise<TrainResult> {
  if (opts.augment && train.teacher) throw new Error('augmentation with teacher logits would pair changed samples with the teacher outputs of unchanged ones');
  const per = train.sampleShape.reduce((a, b) => a * b, 1);
  const n = train.y.length;
  const k = train.numClasses;
  const optimizer = tf.train.adam(opts.learningRate);
  const rand = mulberry32(opts.seed);
  const kernels = model.trainableWeights.filter((w) => w.shape.length >= 2);
  let best = { acc: -1, epoch: 0, weights: model.getWeights().map((w) => w.clone()) };
  const history: TrainResult['history'] = [];
  let epoch = 0;
  for (; epoch < opts.epochs; epoch++) {
    const t0 = Date.now();
    const cosine = 0.5 * (1 + Math.cos((Math.PI * epoch) / Math.max(opts.epochs, 1)));
    // tfjs keeps Adam's rate in a protected field; setting it keeps the optimizer's moments.
    (optimizer as unknown as { learningRate: number }).learningRate = opts.learningRate * (0.05 + 0.95 * cosine);
    const order = shuffledIndices(n, rand);
    let lossSum = 0;
    let batches = 0;
    for (let s = 0; s < n; s += opts.batchSize) {
      const idx = order.subarray(s, Math.min(n, s + opts.batchSize));
      const b = idx.length;
      const xb = new Float32Array(b * per);
      const yb = new Int32Array(b);
      const tb = train.teacher ? new Float32Array(b * k) : undefined;
      idx.forEach((i, j) => {
        xb.set(train.x.subarray(i * per, (i + 1) * per), j * per);
        yb[j] = train.y[i]!;
        if (tb) tb.set(train.teacher!.subarray(i * k, (i + 1) * k), j * k);
      });
      opts.augment?.(xb, b, rand);
      // Straight-through estimator: swap in int8-rounded kernels for the pass, restore after.
      const saved = opts.fakeQuantWeights ? kernels.map((w) => w.read().clone()) : undefined;
      if (saved) kernels.forEach((w, i) => w.write(fakeQuantKernel(tf, saved[i]!, /depthwise/.test(w.originalName))));
      const { value, grads } = tf.tidy(() => {
        const xt = tf.tensor(xb, [b, ...train.sampleShape]);
        const yt = tf.oneHot(tf.tensor1d(yb, 'int32'), k);
        const tt = tb ? tf.tensor2d(tb, [b, k]) : undefined;
        return tf.variableGrads(() => kdLoss(tf, model.apply(xt, { training: true }) as TF.Tensor, yt, tt, opts.alpha, opts.temperature));
      });
      if (saved) {
        kernels.forEach((w, i) => w.write(saved[i]!));
        saved.forEach((t) => t.dispose());
      }
      optimizer.applyGradients(grads as TF.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
      lossSum += (await value.data())[0]!;
      batches++;
      value.dispose();
      tf.dispose(grads);
      opts.onBatch?.(Math.min(n, s + opts.batchSize), n, 'samples');
    }
    const valAccuracy = accuracy(tf, model, val.x, val.y, train.sampleShape);
    const loss = lossSum / Math.max(batches, 1);
    history.push({ epoch: epoch + 1, loss, valAccuracy });
    opts.onEpoch?.(epoch + 1, opts.epochs, { loss, valAccuracy, seconds: (Date.now() - t0) / 1000 });
    if (valAccuracy > best.acc) {
      best.weights.forEach((w) => w.dispose());
      best = { acc: valAccuracy, epoch: epoch + 1, weights: model.getWeights().map((w) => w.clone()) };
    } else if (epoch + 1 - best.epoch >= opts.patience) {
      epoch++;
      break;
    }
  }
  model.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());
  optimizer.dispose();
  return { epochsRun: Math.min(epoch, opts.epochs), bestEpoch: best.epoch, bestValAccuracy: best.acc, history };
}
