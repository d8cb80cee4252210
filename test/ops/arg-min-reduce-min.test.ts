/**
 * ARG_MIN and REDUCE_MIN, on ARG_MAX's and REDUCE_MAX's machinery (TFLM ArgMinMax with LessFn,
 * ReduceGeneric with init 127 / FLT_MAX and min): hand-checked ties, NaN and init values,
 * seeded int8 inputs through the harness (reference = host C) against TFLite, float kernels,
 * the refusals, and a float graph with both that quantizes and runs in C as in the reference.
 */
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../src/boards/load.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { opDef } from '../../src/ops/registry.js';
import { runOnHost } from '../../src/pipeline/run-host.js';
import { quantizeInput } from '../../src/quantize/fidelity.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { checkFloatOp } from './float-oracle.js';
import { buildGraph, checkOp, HAVE_TFLITE, type OpSpec } from './harness.js';

const T = 180_000;

function argMin(name: string, shape: number[], axis: number, out: number[], dtype: 'int8' | 'float32' = 'int8'): OpSpec {
  return {
    name,
    tensors: [
      { shape, dtype, ...(dtype === 'int8' ? { q: [0.05, 3] as [number, number] } : {}) },
      { shape: [1], dtype: 'int32', data: [axis] },
      { shape: out, dtype: 'int32' },
    ],
    op: { kind: 'ArgMin', inputs: [0, 1], outputs: [2], axis: axis < 0 ? axis + shape.length : axis },
  };
}

function reduceMin(name: string, shape: number[], axes: number[], keepDims: boolean, out: number[], dtype: 'int8' | 'float32' = 'int8', outQ: [number, number] = [0.05, -7]): OpSpec {
  const rank = shape.length;
  return {
    name,
    tensors: [
      { shape, dtype, ...(dtype === 'int8' ? { q: [0.05, -7] as [number, number] } : {}) },
      { shape: [axes.length], dtype: 'int32', data: axes },
      { shape: out, dtype, ...(dtype === 'int8' ? { q: outQ } : {}) },
    ],
    op: { kind: 'ReduceMin', inputs: [0, 1], outputs: [2], axes: axes.map((a) => (a < 0 ? a + rank : a)), keepDims },
  };
}

describe('ARG_MIN', () => {
  it('takes the first of equal minima (strictly less replaces), by hand', () => {
    const g = buildGraph(argMin('amin_hand', [3, 4], 1, [3]));
    const y = runGraph(g, [Int8Array.from([5, -7, -7, 3, 127, 127, 127, 127, 9, 8, -100, -101])])[0]!;
    expect(Array.from(y)).toEqual([1, 0, 3]);
  });

  it.each([
    ['last axis rank 3', [2, 3, 7], 2, [2, 3]],
    ['first axis', [4, 5], 0, [5]],
    ['negative axis rank 4', [1, 4, 4, 6], -1, [1, 4, 4]],
    ['middle axis', [2, 5, 3, 2], 1, [2, 3, 2]],
  ] as const)('%s: reference = host C (int32 indices), TFLite identical', async (_n, shape, axis, out) => {
    const r = await checkOp(argMin(`amin_${shape.length}_${axis}`, [...shape], axis, [...out]), { samples: 8, seed: 13 });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, T);

  it('float: NaN never wins (a leading NaN stays index 0); TFLite identical', async () => {
    const r = await checkFloatOp(argMin('amin_float', [3, 6, 2], 1, [3, 2], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
    const y = runGraph(r.imported, [Float32Array.from({ length: 36 }, (_, i) => (i === 0 ? NaN : i === 1 ? Infinity : 36 - i))])[0]!;
    // Column 0: NaN first, nothing compares less than it → 0; column 1: values fall, last wins → 5.
    expect(Array.from(y.slice(0, 2))).toEqual([0, 5]);
  }, T);

  it('refuses an int64 output in an int8 graph (TFLM writes int32)', () => {
    const s = argMin('amin_i64', [2, 3], 1, [2]);
    s.tensors[2]!.dtype = 'int64';
    const g = buildGraph(s);
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM's ARG_MIN writes int32 only/);
  });
});

describe('REDUCE_MIN', () => {
  it('is the smallest raw value of each block (hand-checked); a float all +inf block gives FLT_MAX', () => {
    const g = buildGraph(reduceMin('rmin_hand', [2, 3], [1], false, [2]));
    expect(Array.from(runGraph(g, [Int8Array.from([1, -5, 3, 127, 127, 100])])[0]!)).toEqual([-5, 100]);
    const f = buildGraph(reduceMin('rmin_hand_f', [2, 2], [1], false, [2], 'float32'));
    expect(Array.from(runGraph(f, [Float32Array.from([Infinity, Infinity, NaN, 2])])[0]!)).toEqual([3.4028234663852886e38, 2]);
  });

  it.each([
    ['axes 1 and −1, rank 4', [2, 3, 4, 5], [1, -1], false, [2, 4]],
    ['H, W keep_dims', [1, 5, 6, 3], [1, 2], true, [1, 1, 1, 3]],
    ['rank 1', [11], [0], true, [1]],
    ['three axes', [2, 3, 4, 5], [0, 2, 3], false, [3]],
  ] as const)('%s: reference = host C, TFLite byte-identical', async (_n, shape, axes, keep, out) => {
    const r = await checkOp(reduceMin(`rmin_${shape.length}_${axes.length}`, [...shape], [...axes], keep, [...out]), { samples: 8, seed: 5 });
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, T);

  it('float; TFLite identical', async () => {
    const r = await checkFloatOp(reduceMin('rmin_float', [2, 3, 4], [-1], true, [2, 3, 1], 'float32'));
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, T);

  it('refuses output params that differ from the input (TFLM requires them equal)', () => {
    const g = buildGraph(reduceMin('rmin_params', [2, 3], [1], false, [2], 'int8', [0.1, -7]));
    expect(() => opDef(g.ops[0]!).prepare(g, g.ops[0]!)).toThrow(/TFLM's int8 REDUCE_MIN requires them equal/);
  });
});

describe('quantizer', () => {
  it('a float graph with REDUCE_MIN and ARG_MIN quantizes (shared params, int32 indices) and runs in C as in the reference', async () => {
    const g: Graph = {
      name: 'min_q',
      tensors: [
        { name: 'x', shape: [1, 4, 8], dtype: 'float32' },
        { name: 'axes', shape: [1], dtype: 'int32', data: Int32Array.of(2) },
        { name: 'm', shape: [1, 4], dtype: 'float32' },
        { name: 'axis', shape: [1], dtype: 'int32', data: Int32Array.of(2) },
        { name: 'i', shape: [1, 4], dtype: 'int32' },
      ],
      ops: [
        { kind: 'ReduceMin', name: 'min', inputs: [0, 1], outputs: [2], axes: [2], keepDims: false },
        { kind: 'ArgMin', name: 'argmin', inputs: [0, 3], outputs: [4], axis: 2 },
      ],
      inputs: [0],
      outputs: [2, 4],
    };
    const { graph: q } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(24, 32, 1) });
    expect(q.tensors[2]!.quant).toEqual(q.tensors[0]!.quant);
    expect(q.tensors[4]!.dtype).toBe('int32');
    const samples = syntheticSamples(4, 32, 2).samples;
    const inputs = samples.map((s) => [quantizeInput(s, q.tensors[0]!)]);
    const ref = inputs.map((x) => runGraph(q, x));
    ref.forEach((o, s) => {
      const x = inputs[s]![0]!;
      for (let r = 0; r < 4; r++) {
        const row = Array.from(x.slice(r * 8, r * 8 + 8));
        expect(o[0]![r]).toBe(Math.min(...row));
        expect(o[1]![r]).toBe(row.indexOf(Math.min(...row)));
      }
    });
    const host = await runOnHost({ graph: q, modelPath: 'min_q.tflite', board: resolveBoard('host'), samples: inputs, logger: silentLogger });
    host.forEach((o, s) => o.forEach((v, k) => expect(Array.from(v)).toEqual(Array.from(ref[s]![k]!))));
  }, T);
});
