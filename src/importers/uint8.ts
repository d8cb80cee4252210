/**
 * Legacy uint8-quantized models (the original quantized MobileNet releases, TFLite's
 * pre-2019 converter) re-expressed in int8, exactly:
 *
 * - An asymmetric uint8 tensor (real = s · (q − z), q in [0, 255]) is the int8 tensor with the
 *   same scale, values q − 128 and zero point z − 128: every real value is unchanged. This is
 *   what TFLite's own int8 tooling does to uint8 model inputs and outputs.
 * - Conv2D/DepthwiseConv2D/FullyConnected weights must be symmetric in int8 (zero point 0,
 *   TFLM's per-channel kernels have no filter offset). A uint8 weight tensor becomes int8 with
 *   values q − z and zero point 0 when every q − z fits in [-127, 127]: exact again. When it does
 *   not (a weight zero point far from 128 with weights on both extremes), the tensor stays
 *   uint8 and the layer reports why it cannot run — re-quantizing would change the numbers.
 * - int32 biases (scale = input scale × weight scale) are unchanged; a graph with no uint8
 *   tensor is returned as it is.
 */
import type { Graph, Tensor } from '../ir/graph.js';

const WEIGHT_OPS = new Set(['Conv2D', 'DepthwiseConv2D', 'FullyConnected']);

export function uint8ToInt8(g: Graph): Graph {
  if (!g.tensors.some((t) => t.dtype === 'uint8' && t.quant)) return g;
  const weights = new Set<number>();
  for (const op of g.ops) if (WEIGHT_OPS.has(op.kind) && op.inputs[1] !== undefined && op.inputs[1] >= 0) weights.add(op.inputs[1]);
  const tensors = g.tensors.map((t, i): Tensor => {
    if (t.dtype !== 'uint8' || !t.quant) return t;
    if (weights.has(i) && t.data) return symmetricWeights(t) ?? t;
    const quant = { ...t.quant, zeroPoint: t.quant.zeroPoint.map((z) => z - 128) };
    const out: Tensor = { ...t, dtype: 'int8', quant };
    if (t.data) out.data = Int8Array.from(t.data as Uint8Array, (q) => q - 128);
    return out;
  });
  return { ...g, tensors };
}

/** q − z per channel as int8 with zero point 0, or undefined when some value does not fit. */
function symmetricWeights(t: Tensor): Tensor | undefined {
  const q = t.quant!;
  const data = t.data as Uint8Array;
  const axis = q.axis ?? 0;
  const channels = q.scale.length > 1 ? t.shape[axis]! : 1;
  let inner = 1;
  for (let d = axis + 1; d < t.shape.length; d++) inner *= t.shape[d]!;
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = channels > 1 ? Math.floor(i / inner) % channels : 0;
    const v = data[i]! - q.zeroPoint[c]!;
    if (v < -127 || v > 127) return undefined;
    out[i] = v;
  }
  return { ...t, dtype: 'int8', data: out, quant: { ...q, zeroPoint: q.zeroPoint.map(() => 0) } };
}
