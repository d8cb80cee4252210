/**
 * Student model families, each scaled by a width (channels or units of the first block)
 * and a depth (number of blocks). The input shape picks the families:
 *
 * | input            | families                                                    |
 * | ---------------- | ----------------------------------------------------------- |
 * | [H, W, C] images | cnn (conv3×3 + maxpool blocks), dscnn (depthwise-separable), mlp |
 * | [T, C] series    | conv1d (1×k convs over time, as Conv2D on [1, T, C]), mlp  |
 * | [F] features     | mlp                                                         |
 *
 * Every layer used lowers to an op the int8 code generator supports (Conv2D,
 * DepthwiseConv2D, MaxPool2D, Mean, Reshape, FullyConnected). Students output logits:
 * softmax is applied in the loss, and argmax of logits is the prediction.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './tf.js';

export type Family = 'mlp' | 'cnn' | 'dscnn' | 'conv1d';

export interface StudentSpec {
  family: Family;
  width: number;
  depth: number;
}

export function specName(s: StudentSpec): string {
  return `${s.family}-w${s.width}-d${s.depth}`;
}

export function familiesFor(sampleShape: number[]): Family[] {
  if (sampleShape.length === 3 && sampleShape[0]! >= 8 && sampleShape[1]! >= 8) return ['cnn', 'dscnn', 'mlp'];
  if (sampleShape.length === 2) return ['conv1d', 'mlp'];
  return ['mlp'];
}

/** The candidate grid the budget search walks (small to large). */
export function candidateGrid(sampleShape: number[]): StudentSpec[] {
  const out: StudentSpec[] = [];
  for (const family of familiesFor(sampleShape)) {
    const widths = family === 'mlp' ? [16, 32, 64, 128, 256] : [4, 8, 16, 32];
    const depths = family === 'mlp' ? [1, 2] : family === 'dscnn' ? [1, 2, 3] : [1, 2];
    for (const width of widths) for (const depth of depths) out.push({ family, width, depth });
  }
  return out;
}

/** Build an untrained student; weights initialised from `seed`. */
export function buildStudent(tf: Tf, spec: StudentSpec, sampleShape: number[], numClasses: number, seed: number): TF.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + k });
  const zeros = () => tf.initializers.zeros();
  let k = 0;
  const input = tf.input({ shape: sampleShape, name: 'input' });
  let x: TF.SymbolicTensor = input;
  const { family, width, depth } = spec;
  if (family === 'mlp') {
    if (sampleShape.length > 1) x = tf.layers.flatten({ name: 'flatten' }).apply(x) as TF.SymbolicTensor;
    for (let d = 0; d < depth; d++) {
      const units = Math.max(4, Math.round(width / 2 ** d));
      x = tf.layers.dense({ units, activation: 'relu', name: `dense_${d}`, kernelInitializer: init(k++), biasInitializer: zeros() }).apply(x) as TF.SymbolicTensor;
    }
  } else if (family === 'cnn') {
    for (let d = 0; d < depth; d++) {
      x = tf.layers
        .conv2d({ filters: width * 2 ** d, kernelSize: 3, padding: 'same', activation: 'relu', name: `conv_${d}`, kernelInitializer: init(k++), biasInitializer: zeros() })
        .apply(x) as TF.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool_${d}` }).apply(x) as TF.SymbolicTensor;
    }
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as TF.SymbolicTensor;
  } else if (family === 'dscnn') {
    // Conv → BatchNorm → ReLU, as DS-CNNs are built: without normalisation the global
    // average pool sees tiny activations and the net barely trains. BatchNorm folds into the
    // preceding conv on import, so the deployed graph is unchanged in shape and cost.
    const bnRelu = (t: TF.SymbolicTensor, name: string) =>
      tf.layers.reLU({ name: `${name}_relu` }).apply(tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9 }).apply(t)) as TF.SymbolicTensor;
    x = bnRelu(
      tf.layers.conv2d({ filters: width, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_stem', kernelInitializer: init(k++), biasInitializer: zeros() }).apply(x) as TF.SymbolicTensor,
      'conv_stem',
    );
    for (let d = 0; d < depth; d++) {
      x = bnRelu(
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: `dw_${d}`, depthwiseInitializer: init(k++), biasInitializer: zeros() }).apply(x) as TF.SymbolicTensor,
        `dw_${d}`,
      );
      x = bnRelu(
        tf.layers.conv2d({ filters: width * 2, kernelSize: 1, strides: 1, name: `pw_${d}`, kernelInitializer: init(k++), biasInitializer: zeros() }).apply(x) as TF.SymbolicTensor,
        `pw_${d}`,
      );
      if (d === 0) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool_${d}` }).apply(x) as TF.SymbolicTensor;
    }
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as TF.SymbolicTensor;
  } else {
    const [t, c] = sampleShape as [number, number];
    x = tf.layers.reshape({ targetShape: [1, t, c], name: 'to_2d' }).apply(x) as TF.SymbolicTensor;
    for (let d = 0; d < depth; d++) {
      x = tf.layers
        .conv2d({ filters: width * 2 ** d, kernelSize: [1, 5], padding: 'same', activation: 'relu', name: `conv_${d}`, kernelInitializer: init(k++), biasInitializer: zeros() })
        .apply(x) as TF.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: [1, 2], strides: [1, 2], name: `pool_${d}` }).apply(x) as TF.SymbolicTensor;
    }
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as TF.SymbolicTensor;
  }
  const logits = tf.layers.dense({ units: numClasses, name: 'logits', kernelInitializer: init(k++), biasInitializer: zeros() }).apply(x) as TF.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: specName(spec).replace(/-/g, '_') });
}
