import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { quantizeModel } from '../../src/quantize/quantize.js';

const file = (samples: Float32Array[]) => ({ samples, files: ['mem'], source: 'file' as const });

describe('fidelity report figures', () => {
  it('MSE, max/mean |error| and SQNR of a Reshape-only model equal the hand-computed input quantization error', () => {
    const g: Graph = {
      name: 'reshape',
      tensors: [
        { name: 'x', shape: [1, 4], dtype: 'float32' },
        { name: 'y', shape: [1, 2, 2], dtype: 'float32' },
      ],
      ops: [{ kind: 'Reshape', name: 'r', inputs: [0], outputs: [1], newShape: [1, 2, 2] }],
      inputs: [0],
      outputs: [1],
    };
    const samples = [new Float32Array([0.103, 0.2, 0.3, 1.0]), new Float32Array([-0.5, 0, 0.26, 0.5])];
    const { graph, report } = quantizeModel(g, { run: runGraph, calibration: file(samples), observer: 'minmax' });
    // Range [-0.5, 1] -> scale 1.5/255 = 1/170, zero point -128 + 85 = -43.
    expect(graph.tensors[0]!.quant!.zeroPoint).toEqual([-43]);
    // On the 1/170 grid only 0.103 (17.51 -> 18) and 0.26 (44.2 -> 44) are off-grid.
    const e1 = 0.103 - 18 / 170;
    const e2 = 0.26 - 44 / 170;
    const m = report.fidelity.calibration!;
    expect(m.samples).toBe(2);
    expect(m.top1Agreement).toBeNull();
    expect(m.maxAbsError).toBeCloseTo(Math.abs(e1), 6);
    expect(m.meanAbsError).toBeCloseTo((Math.abs(e1) + Math.abs(e2)) / 8, 7);
    expect(m.mse / ((e1 * e1 + e2 * e2) / 8)).toBeCloseTo(1, 3);
    // Signal: Σ x² over both samples.
    const sig = 0.103 ** 2 + 0.2 ** 2 + 0.3 ** 2 + 1 + 0.25 + 0 + 0.26 ** 2 + 0.25;
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0]!.sqnrDb!).toBeCloseTo(10 * Math.log10(sig / (e1 * e1 + e2 * e2)), 2);
  });

  it('top-1 agreement counts argmax flips (ties after quantization go to the lowest index)', () => {
    const g: Graph = {
      name: 'softmax',
      tensors: [
        { name: 'x', shape: [1, 3], dtype: 'float32' },
        { name: 'p', shape: [1, 3], dtype: 'float32' },
      ],
      ops: [{ kind: 'Softmax', name: 'sm', inputs: [0], outputs: [1], beta: 1 }],
      inputs: [0],
      outputs: [1],
    };
    // Input range [-1, 1]: 0.5 and 0.501 quantize to the same int8 value, so the int8 model
    // sees a tie (argmax 0) where float says class 1. The second sample is unambiguous.
    const samples = [new Float32Array([0.5, 0.501, -1]), new Float32Array([1, 0, -1])];
    const { graph, report } = quantizeModel(g, { run: runGraph, calibration: file(samples), observer: 'minmax' });
    expect(graph.tensors[1]!.quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(report.fidelity.calibration!.top1Agreement).toBe(0.5);
  });
});
