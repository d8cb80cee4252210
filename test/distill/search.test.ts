import { describe, expect, it } from 'vitest';
import '../../src/importers/index.js';
import { GreedyBySizePlanner, bufferRequests } from '../../src/plan/planner.js';
import { choose, costGrid, int8ArenaBytes, paretoFront, pickTrials, toIr } from '../../src/pipeline/distill-search.js';
import { buildStudent, candidateGrid } from '../../src/distill/students.js';
import { loadTf } from '../../src/distill/tf.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { runGraph } from '../../src/reference/interpreter.js';

describe('budget search', async () => {
  const { tf } = await loadTf();
  const shape = [28, 28, 1];
  const budget = { flashBytes: 32 * 1024, ramBytes: 8 * 1024, reserve: 0.1 };
  const costs = await costGrid(tf, shape, 10, budget);

  it('never calls a candidate fitting unless its int8 weights and RAM are within the budget', () => {
    const flash = Math.floor(budget.flashBytes * 0.9);
    const ram = Math.floor(budget.ramBytes * 0.9);
    expect(costs.length).toBe(candidateGrid(shape).length);
    expect(costs.some((c) => c.fits)).toBe(true);
    expect(costs.some((c) => !c.fits)).toBe(true);
    for (const c of costs) {
      // Independent count from the tfjs model: kernels 1 byte per weight, biases 4 bytes;
      // BatchNorm's four vectors fold into the preceding conv and cost nothing deployed.
      const m = buildStudent(tf, c.spec, shape, 10, 1);
      let bytes = 0;
      let params = 0;
      for (const w of m.weights) {
        if (/_bn\//.test(w.name)) continue;
        const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
        params += n;
        bytes += n * (w.shape.length === 1 ? 4 : 1);
      }
      expect(c.params).toBe(params);
      expect(c.weightBytesInt8).toBe(bytes);
      m.dispose();
      expect(c.fits).toBe(c.weightBytesInt8 <= flash && c.ramBytes <= ram);
    }
    for (const t of pickTrials(costs, 6)) expect(t.fits).toBe(true);
    for (const t of pickTrials(costs, 6, 30_000)) expect(t.fits && t.macs <= 30_000).toBe(true);
  });

  it('the arena it budgets is the arena the planner gives the quantized model', async () => {
    for (const name of ['dscnn-w4-d1', 'mlp-w16-d1', 'cnn-w4-d1']) {
      const c = costs.find((x) => x.name === name)!;
      const g = await toIr(tf, buildStudent(tf, c.spec, shape, 10, 1));
      const { graph } = quantizeModel(g, { run: runGraph, calibration: syntheticSamples(4, 784, 1), classifier: true });
      const arena = new GreedyBySizePlanner().plan(bufferRequests(graph).requests).arenaBytes;
      expect(int8ArenaBytes(g)).toBe(arena);
      expect(c.arenaBytes).toBe(arena);
    }
  });

  it('Pareto front keeps exactly the non-dominated trials; choose prefers the cheaper within tolerance', () => {
    const t = [
      { name: 'a', macs: 10, valAccuracy: 0.8 },
      { name: 'b', macs: 20, valAccuracy: 0.9 },
      { name: 'c', macs: 30, valAccuracy: 0.85 }, // dominated by b
      { name: 'd', macs: 40, valAccuracy: 0.905 },
    ];
    expect(paretoFront(t).map((x) => x.name)).toEqual(['a', 'b', 'd']);
    expect(choose(paretoFront(t), 0.01).name).toBe('b');
    expect(choose(paretoFront(t), 0).name).toBe('d');
    expect(() => choose([], 0)).toThrow(/fits/);
  });
});
