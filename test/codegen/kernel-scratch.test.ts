/**
 * The kernels' scratch sizes: src/codegen/kernel-scratch.ts (what the code generator plans) must
 * equal the TINYML_*_SCRATCH_* macros of tinyml_kernels.h (what the C kernels check), which
 * test/firmware/kernel-check.c shows to be exactly enough on target. The macros are compiled
 * and evaluated here by the host C compiler for a spread of shapes; the emitter must size
 * model.c's buffer with the largest need of the project's kernel set.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';
import { emitModel } from '../../src/codegen/emit-c.js';
import {
  conv2dScratchBytes,
  depthwiseConv2dScratchBytes,
  fullyConnectedScratchBytes,
  graphScratchBytes,
  inPlaceAllowed,
  KERNEL_SETS,
  opScratchBytes,
} from '../../src/ops/kernel-scratch.js';
import { bufferRequests, GreedyBySizePlanner } from '../../src/plan/planner.js';
import { TinymlError } from '../../src/errors.js';
import type { Graph, Tensor } from '../../src/ir/graph.js';
import { opDef } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MACRO = { reference: 'REFERENCE', 'cortex-m': 'CORTEX_M' } as const;

// Filter shapes [kh, kw, kc] and fully-connected widths, odd and even, small and large.
const CONV = [[1, 1, 1], [1, 1, 3], [1, 1, 64], [3, 3, 3], [3, 3, 16], [10, 4, 1], [5, 5, 7], [3, 3, 513], [7, 1, 9]] as const;
const FC = [1, 2, 3, 64, 127, 640, 1001];

describe('kernel scratch sizes', () => {
  it.skipIf(!hasTool('cc'))('equal the C macros of tinyml_kernels.h for both kernel sets', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tinyml-scratch-'));
    const lines: string[] = [];
    for (const set of KERNEL_SETS) {
      const m = MACRO[set];
      for (const [h, w, c] of CONV) {
        lines.push(`printf("conv ${set} ${h} ${w} ${c} %d\\n", (int)(TINYML_CONV2D_S8_SCRATCH_${m}(${h}, ${w}, ${c})));`);
        lines.push(`printf("dw ${set} ${h} ${w} ${c} %d\\n", (int)(TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_${m}(${h}, ${w}, ${c})));`);
        if (set === 'cortex-m') lines.push(`printf("dw-in-place ${h} ${w} ${c} %d\\n", (int)(TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_${m}(${h}, ${w}, ${c}) + TINYML_DEPTHWISE_CONV2D_S8_INPLACE_${m}(${c}, ${h + w})));`);
      }
      for (const n of FC) lines.push(`printf("fc ${set} ${n} %d\\n", (int)(TINYML_FULLY_CONNECTED_S8_SCRATCH_${m}(${n})));`);
    }
    const src = path.join(dir, 'sizes.c');
    writeFileSync(src, `#include <stdio.h>\n#include "tinyml_kernels.h"\nint main(void) {\n${lines.join('\n')}\nreturn 0;\n}\n`);
    const exe = path.join(dir, 'sizes');
    const cc = spawnSync('cc', ['-std=c99', '-Wall', '-Werror', '-I', path.join(root, 'firmware-templates/kernels/reference'), src, '-o', exe], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const run = spawnSync(exe, { encoding: 'utf8' });
    const got = run.stdout.trim().split('\n');
    const want: string[] = [];
    for (const set of KERNEL_SETS) {
      for (const [h, w, c] of CONV) {
        want.push(`conv ${set} ${h} ${w} ${c} ${conv2dScratchBytes(set, { filterH: h, filterW: w, filterC: c })}`);
        want.push(`dw ${set} ${h} ${w} ${c} ${depthwiseConv2dScratchBytes(set, { filterH: h, filterW: w })}`);
        if (set === 'cortex-m') want.push(`dw-in-place ${h} ${w} ${c} ${depthwiseConv2dScratchBytes(set, { filterH: h, filterW: w, inPlace: true, inH: c, inW: h + w })}`);
      }
      for (const n of FC) want.push(`fc ${set} ${n} ${fullyConnectedScratchBytes(set, { inFeatures: n })}`);
    }
    expect(got).toEqual(want);
    // The numbers themselves: the reference kernels need nothing; cortex-m sizes grow with the shape.
    expect(got.filter((l) => l.includes(' reference ')).every((l) => l.endsWith(' 0'))).toBe(true);
    expect(conv2dScratchBytes('cortex-m', { filterH: 3, filterW: 3, filterC: 3 })).toBe(4 * 28);
    expect(fullyConnectedScratchBytes('cortex-m', { inFeatures: 640 })).toBe(1280);
  });

  it('an unknown kernel set is an error that names it and the known ones', () => {
    const err = (() => {
      try {
        conv2dScratchBytes('esp-nn', { filterH: 1, filterW: 1, filterC: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TinymlError);
    expect((err as TinymlError).message).toContain("'esp-nn'");
    expect((err as TinymlError).hint).toContain('reference, cortex-m');
  });

  // conv 3x3x5 -> 8 (K = 45), depthwise 3x3 over 8, fully connected 72 -> 10.
  const f32 = Math.fround;
  const act = (name: string, shape: number[], zp = 0): Tensor => ({ name, shape, dtype: 'int8', quant: { scale: [f32(0.05)], zeroPoint: [zp] } });
  const w = (name: string, shape: number[], channels: number, axis: number): Tensor => ({
    name,
    shape,
    dtype: 'int8',
    data: new Int8Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 37) % 255) - 127),
    quant: { scale: new Array(channels).fill(f32(0.01)), zeroPoint: new Array(channels).fill(0), axis },
  });
  const g: Graph = {
    name: 'scratch',
    tensors: [act('x', [1, 3, 3, 5], 3), w('w0', [8, 3, 3, 5], 8, 0), act('a', [1, 3, 3, 8]), w('w1', [1, 3, 3, 8], 8, 3), act('b', [1, 3, 3, 8]), act('flat', [1, 72]), w('w2', [10, 72], 1, 0), act('y', [1, 10], -4)],
    ops: [
      { kind: 'Conv2D', name: 'conv', inputs: [0, 1], outputs: [2], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu' },
      { kind: 'DepthwiseConv2D', name: 'dw', inputs: [2, 3], outputs: [4], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'none', depthMultiplier: 1 },
      { kind: 'Reshape', name: 'flatten', inputs: [4], outputs: [5], newShape: [1, 72] },
      { kind: 'FullyConnected', name: 'fc', inputs: [5, 6], outputs: [7], activation: 'none', keepNumDims: false },
    ],
    inputs: [0],
    outputs: [7],
  };

  it('per op and per graph: the largest need of the sets wins', () => {
    expect(g.ops.map((op) => opScratchBytes('cortex-m', g, op))).toEqual([4 * 46, 8 * 9, 0, 2 * 72]);
    expect(g.ops.map((op) => opScratchBytes('reference', g, op))).toEqual([0, 0, 0, 0]);
    expect(graphScratchBytes(['reference'], g)).toBe(0);
    expect(graphScratchBytes(['reference', 'cortex-m'], g)).toBe(184);
    // in place: the depthwise takes a 4-channel copy of its 3x3 input plane on top
    expect(opScratchBytes('cortex-m', g, g.ops[1]!, { inPlace: true })).toBe(8 * 9 + 4 * 9);
    expect(opScratchBytes('reference', g, g.ops[1]!, { inPlace: true })).toBe(0);
  });

  it('in place only where the kernel set allows it', () => {
    // cortex-m: depthwise with multiplier 1; the 3x3 conv and the fully connected layer never
    expect(g.ops.map((op) => inPlaceAllowed('cortex-m', g, op))).toEqual([false, true, false, false]);
    expect(g.ops.map((op) => inPlaceAllowed('reference', g, op))).toEqual([false, false, false, false]);
    const pw: Graph = {
      ...g,
      tensors: [...g.tensors, w('w3', [6, 1, 1, 8], 6, 0), act('p', [1, 3, 3, 6]), w('w4', [9, 1, 1, 8], 9, 0), act('q', [1, 3, 3, 9])],
      ops: [
        { kind: 'Conv2D', name: 'pw', inputs: [4, 8], outputs: [9], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'none' },
        { kind: 'Conv2D', name: 'wider', inputs: [4, 10], outputs: [11], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'none' },
      ],
    };
    // 1x1 8 -> 6 channels may overwrite its input; 8 -> 9 channels may not
    expect(pw.ops.map((op) => inPlaceAllowed('cortex-m', pw, op))).toEqual([true, false]);
  });

  it('each layer\'s scratch is planned in the arena, live during that layer only, and handed to its kernel', () => {
    const emit = (kernelSet: string) => {
      const prepared = g.ops.map((op) => opDef(op).prepare(g, op));
      const scratch = g.ops.map((op, i) => opDef(op).scratchBytes?.(g, op, prepared[i], kernelSet, false) ?? 0);
      const buffers = bufferRequests(g, scratch);
      const plan = new GreedyBySizePlanner().plan(buffers.requests);
      return { buffers, plan, scratch, out: emitModel(g, plan, buffers, { modelHash: '0', kernelSet, prepared }) };
    };
    const cm = emit('cortex-m');
    expect(cm.scratch).toEqual([184, 72, 0, 144]);
    const placed = cm.buffers.scratch.map((r) => (r === undefined ? undefined : cm.plan.placements[r]!));
    expect(placed.map((p) => p && [p.size, p.firstUse, p.lastUse])).toEqual([[184, 0, 0], [72, 1, 1], undefined, [144, 3, 3]]);
    for (const p of placed) {
      if (!p) continue;
      expect(cm.out.modelC).toContain(`(tinyml_arena + ${p.offset}), ${p.size}) != TINYML_OK) return -3;`);
      expect(p.offset + p.size).toBeLessThanOrEqual(cm.plan.arenaBytes);
    }
    expect(cm.out.modelC).not.toMatch(/static int8_t tinyml_scratch/);
    const ref = emit('reference');
    expect(ref.scratch).toEqual([0, 0, 0, 0]);
    expect(ref.out.modelC.match(/, NULL, 0\) != TINYML_OK\) return -3;/g)).toHaveLength(3);
    expect(ref.plan.arenaBytes).toBeLessThan(cm.plan.arenaBytes);
  });
});
