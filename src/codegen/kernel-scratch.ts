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
}

export interface FullyConnectedScratchShape {
  inFeatures: number;
}

const r2 = (n: number): number => n + (n & 1);

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
  return known(set) === 'cortex-m' ? 8 * s.filterH * s.filterW : 0;
}

export function fullyConnectedScratchBytes(set: string, s: FullyConnectedScratchShape): number {
  return known(set) === 'cortex-m' ? 2 * r2(s.inFeatures) : 0;
}

/** Scratch bytes `op` needs with kernel set `set` (0 for ops whose kernels take none). */
export function opScratchBytes(set: string, g: Graph, op: Op): number {
  known(set);
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
      return depthwiseConv2dScratchBytes(set, { filterH: h!, filterW: w! });
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
