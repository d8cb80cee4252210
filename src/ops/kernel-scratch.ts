/**
 * Working memory ("scratch") of the C kernels, in bytes, from layer shapes alone.
 *
 * Contract (the C side is the table and the TINYML_*_SCRATCH_* macros in
 * firmware-templates/kernels/reference/tinyml_kernels.h; test/codegen/kernel-scratch.test.ts
 * compiles those macros and compares): a kernel given at least these bytes (4-byte aligned)
 * needs nothing else — no static buffer, no allocation — and given fewer it writes nothing and
 * returns TINYML_ERR_SCRATCH. There is no slower path for a buffer that is too small, so the
 * code generator must size the buffer with these functions. The contents are undefined between
 * calls: one buffer can serve every layer (the largest requirement wins) or be planned in the
 * arena per layer.
 *
 * Sizes (K = filterH * filterW * filterC, r2(n) = n rounded up to even):
 *
 *   kernel set   conv2d_s8     depthwise_conv2d_s8     fully_connected_s8
 *   reference    0             0                       0
 *   cortex-m     4 * r2(K)     8 * filterH * filterW   2 * r2(inFeatures)
 *
 * cortex-m: conv = the im2col columns of two output pixels as int16; depthwise = the filter
 * taps of four channels widened to int16; fully connected = one input row as int16. They do
 * not depend on the core: the plain-C paths (Cortex-M3, no DSP extension) use the same buffers.
 *
 * In place (the output planned on the input's bytes), where a kernel set allows it:
 *   cortex-m conv2d_s8     unpadded stride-1 1x1 ungrouped conv with outC <= inC: no extra bytes
 *   cortex-m depthwise     depth multiplier 1: + 4 * inH * inW (a four-channel input plane)
 * The reference kernels allow no aliasing ({@link inPlaceAllowed}).
 */
import type { Graph, Op } from '../ir/graph.js';
import { TinymlError } from '../errors.js';

/** The kernel sets under firmware-templates/kernels/ whose working memory is known here. */
export const KERNEL_SETS = ['reference', 'cortex-m'] as const;
export type KernelSetId = (typeof KERNEL_SETS)[number];

export interface ConvScratchShape {
  filterH: number;
  filterW: number;
  /** Input channels one filter sees (the filter's last dimension; in_c / groups). */
  filterC: number;
}

export interface DepthwiseScratchShape {
  filterH: number;
  filterW: number;
  /** Output planned on the input's bytes: then inH and inW are required. */
  inPlace?: boolean;
  inH?: number;
  inW?: number;
}

export interface FullyConnectedScratchShape {
  inFeatures: number;
}

const r2 = (n: number): number => n + (n & 1);

/** The formulas are those of the int8 kernels; other dtypes (16x8 layers) have kernels without scratch. */
function int8Layer(g: Graph, op: Op): boolean {
  return g.tensors[op.inputs[0] ?? -1]?.dtype === 'int8';
}

function known(set: string): KernelSetId {
  if ((KERNEL_SETS as readonly string[]).includes(set)) return set as KernelSetId;
  throw new TinymlError(
    'input',
    `kernel set '${set}': its scratch sizes are not known to the code generator`,
    `Add the set's formulas to src/codegen/kernel-scratch.ts (known sets: ${KERNEL_SETS.join(', ')}).`,
  );
}

export function conv2dScratchBytes(set: string, s: ConvScratchShape): number {
  return known(set) === 'cortex-m' ? 4 * r2(s.filterH * s.filterW * s.filterC) : 0;
}

export function depthwiseConv2dScratchBytes(set: string, s: DepthwiseScratchShape): number {
  if (known(set) !== 'cortex-m') return 0;
  if (s.inPlace && (s.inH === undefined || s.inW === undefined)) throw new Error('depthwiseConv2dScratchBytes: in place needs inH and inW');
  return 8 * s.filterH * s.filterW + (s.inPlace ? 4 * s.inH! * s.inW! : 0);
}

/**
 * Whether `op`'s kernel in `set` may write its output over its input (the planner may then
 * give both the same bytes; the scratch it needs then is opScratchBytes(..., { inPlace: true })).
 */
export function inPlaceAllowed(set: string, g: Graph, op: Op): boolean {
  if (known(set) !== 'cortex-m' || !int8Layer(g, op)) return false;
  const x = g.tensors[op.inputs[0]!]!.shape;
  const y = g.tensors[op.outputs[0]!]!.shape;
  const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  if (count(y) > count(x)) return false;
  if (op.kind === 'DepthwiseConv2D') return x[x.length - 1] === y[y.length - 1];
  if (op.kind === 'Conv2D') {
    const w = g.tensors[op.inputs[1]!]!.shape;
    return (
      w[1] === 1 && w[2] === 1 && op.strideH === 1 && op.strideW === 1 && w[3] === x[3] && y[1] === x[1] && y[2] === x[2] && y[3]! <= x[3]!
    );
  }
  return false;
}

export function fullyConnectedScratchBytes(set: string, s: FullyConnectedScratchShape): number {
  return known(set) === 'cortex-m' ? 2 * r2(s.inFeatures) : 0;
}

/** Scratch bytes `op` needs with kernel set `set` (0 for ops whose kernels take none). */
export function opScratchBytes(set: string, g: Graph, op: Op, opts: { inPlace?: boolean } = {}): number {
  known(set);
  if (!int8Layer(g, op)) return 0;
  const filterShape = (): number[] => {
    const w = op.inputs[1];
    const shape = w === undefined || w < 0 ? undefined : g.tensors[w]?.shape;
    if (!shape) throw new TinymlError('unsupported', `layer '${op.name}' (${op.kind}) has no weight tensor`);
    return [...shape];
  };
  switch (op.kind) {
    case 'Conv2D': {
      const [, h, w, c] = filterShape();
      return conv2dScratchBytes(set, { filterH: h!, filterW: w!, filterC: c! });
    }
    case 'DepthwiseConv2D': {
      const [, h, w] = filterShape();
      const x = g.tensors[op.inputs[0]!]!.shape;
      return depthwiseConv2dScratchBytes(set, { filterH: h!, filterW: w!, inPlace: opts.inPlace === true, inH: x[1]!, inW: x[2]! });
    }
    case 'FullyConnected': {
      const s = filterShape();
      return fullyConnectedScratchBytes(set, { inFeatures: s[s.length - 1]! });
    }
    default:
      return 0;
  }
}

/** The largest scratch any op of `g` needs with any of `sets`: one buffer for every layer. */
export function graphScratchBytes(sets: readonly string[], g: Graph): number {
  let max = 0;
  for (const set of sets) for (const op of g.ops) max = Math.max(max, opScratchBytes(set, g, op));
  return max;
}
