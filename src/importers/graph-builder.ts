/** Tensor and op lists an importer fills while lowering a framework graph into the IR. */
import type { Op, Tensor } from '../ir/graph.js';

export class GraphBuilder {
  readonly tensors: Tensor[] = [];
  readonly ops: Op[] = [];
  addTensor(t: Tensor): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }
  constF32(name: string, shape: number[], data: Float32Array): number {
    return this.addTensor({ name, shape, dtype: 'float32', data });
  }
  constI32(name: string, values: number[]): number {
    return this.addTensor({ name, shape: [values.length], dtype: 'int32', data: Int32Array.from(values) });
  }
  act(name: string, shape: number[]): number {
    return this.addTensor({ name, shape, dtype: 'float32' });
  }
  /** A float32 variable (state) tensor, zero at start (recurrent layers' hidden and cell state). */
  state(name: string, shape: number[]): number {
    return this.addTensor({ name, shape, dtype: 'float32', variable: true });
  }
}
