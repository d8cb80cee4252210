/**
 * Whether each layer of a graph can run, and why not: what `inspect` shows per layer and what
 * `convert`/`run` refuse with (every unsupported layer at once, exit code 4).
 *
 * A layer is supported when its definition can prepare it: the quantized path's `prepare` for
 * integer ops, the float kernel for float ops. The reason is the message that `prepare` throws
 * (an op, dtype, option or parameter TFLM's kernel refuses), so inspect, the interpreter and the
 * C emitter cannot disagree about it.
 */
import { TinymlError, UnsupportedOpsError, type UnsupportedLayer } from '../errors.js';
import type { Graph, Op } from '../ir/graph.js';
import { opDef, SUPPORTED_TFLITE_OPS, usesFloatKernel } from './registry.js';

/** Why `op` cannot run in `g`, or undefined when it can. */
export function layerSupport(g: Graph, op: Op): string | undefined {
  if (op.kind === 'Unsupported') return op.reason;
  const def = opDef(op);
  try {
    if (usesFloatKernel(g, op)) {
      if (!def.evalFloat) return `${op.kind} has no float kernel (TFLM has none either); quantize the model`;
      def.evalFloat(g, op);
    } else {
      def.prepare(g, op);
    }
    return undefined;
  } catch (e) {
    if (e instanceof TinymlError) return e.message;
    throw e;
  }
}

/** Every layer that cannot run, with its reason. */
export function unsupportedLayers(g: Graph): UnsupportedLayer[] {
  const out: UnsupportedLayer[] = [];
  for (const op of g.ops) {
    const why = layerSupport(g, op);
    if (why !== undefined) out.push({ name: op.name, type: op.kind === 'Unsupported' ? op.type : op.kind, reason: why });
  }
  return out;
}

/**
 * Throws one UnsupportedOpsError listing every layer of `g` that cannot run; `supported` is the
 * list the error ends with (the source format's ops, e.g. ONNX op types; default TFLite's).
 */
export function assertSupported(g: Graph, supported: readonly string[] = SUPPORTED_TFLITE_OPS): void {
  const bad = unsupportedLayers(g);
  if (bad.length > 0) throw new UnsupportedOpsError(g.source?.path ?? g.name, bad, supported);
}
