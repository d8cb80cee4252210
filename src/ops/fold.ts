/**
 * Constant folding: ops whose outputs are known at import time become constant tensors.
 *
 * Steps, in graph order (so a fold feeds the next: SHAPE → STRIDED_SLICE → PACK folds whole):
 *   1. an op whose definition says `fold: 'static-shape'` (SHAPE) folds always: its output
 *      depends on the input's shape, which the IR knows;
 *   2. an op whose definition says `fold: 'constant-inputs'` (FILL, CAST, GATHER, TRANSPOSE,
 *      the slices, PACK, ...) folds when every input it has is a constant;
 *   3. folding runs the op's own kernel (`prepare` + `evalQuantized`, or `evalFloat`, as the
 *      reference interpreter would), so the constant holds exactly what the op would compute at
 *      run time; the output tensor keeps its index, shape, dtype and quantization and gains
 *      `data`, and the op is removed.
 * It does not fold: an op writing a model output (a layer must compute it), an op whose
 * kernel refuses the operands (it stays, and `inspect`/`convert` report why), or ops without
 * a `fold` entry. Tensors are never renumbered; inputs left unread stay in the graph.
 */
import { TinymlError } from '../errors.js';
import { allocTensorData, elementCount, type Graph, type Op, type Tensor, type TensorData } from '../ir/graph.js';
import { opDef, usesFloatKernel } from './registry.js';

export interface FoldResult {
  graph: Graph;
  /** Names of the ops folded, in graph order. */
  folded: string[];
}

function foldable(g: Graph, op: Op, outputs: ReadonlySet<number>): boolean {
  const how = opDef(op).fold;
  if (!how || op.outputs.some((o) => outputs.has(o))) return false;
  if (how === 'static-shape') return true;
  return op.inputs.every((t) => t < 0 || g.tensors[t]?.data !== undefined);
}

/** The values of `op`'s outputs computed by its kernel from the constants of `g`, or undefined when the kernel refuses. */
function evaluate(g: Graph, op: Op): TensorData[] | undefined {
  const def = opDef(op);
  const bufs: TensorData[] = g.tensors.map((t) => t.data ?? allocTensorData(t.dtype, 0));
  for (const o of op.outputs) bufs[o] = allocTensorData(g.tensors[o]!.dtype, elementCount(g.tensors[o]!.shape));
  try {
    const kernel = usesFloatKernel(g, op) ? def.evalFloat?.(g, op) : def.evalQuantized(g, op, def.prepare(g, op));
    if (!kernel) return undefined;
    kernel(bufs);
  } catch (e) {
    if (e instanceof TinymlError) return undefined;
    throw e;
  }
  return op.outputs.map((o) => bufs[o]!);
}

/** `g` with every foldable op replaced by constants (the input graph is not modified). */
export function foldConstants(g: Graph): FoldResult {
  const tensors: Tensor[] = [...g.tensors];
  const work: Graph = { ...g, tensors, ops: [...g.ops] };
  const outputs = new Set(g.outputs);
  const kept: Op[] = [];
  const folded: string[] = [];
  for (const op of g.ops) {
    const values = foldable(work, op, outputs) ? evaluate(work, op) : undefined;
    if (!values) {
      kept.push(op);
      continue;
    }
    op.outputs.forEach((o, k) => {
      tensors[o] = { ...tensors[o]!, data: values[k]! };
    });
    folded.push(op.name);
  }
  return { graph: { ...g, tensors, ops: kept }, folded };
}
