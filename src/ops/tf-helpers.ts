/** Small tfjs helpers shared by the ops' `tf` runners. */
import type * as TF from '@tensorflow/tfjs';
import type { Activation } from '../ir/graph.js';
import type { TfModule } from './op-def.js';

export function tfActivation(tf: TfModule, x: TF.Tensor, a: Activation): TF.Tensor {
  switch (a) {
    case 'none':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'relu_n1_to_1':
      return tf.clipByValue(x, -1, 1);
    case 'tanh':
      return tf.tanh(x);
  }
}

/** The tensor's shape with its batch dimension (the first) set to `n`. */
export function batchedShape(shape: readonly number[], n: number): number[] {
  return [n, ...shape.slice(1)];
}
