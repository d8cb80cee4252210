import { describe, expect, it } from 'vitest';
import type { Padding } from '../../src/ir/graph.js';
import { expOnNegativeValues, logistic, tanh } from '../../src/numerics/gemmlowp.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { oneOp, randInt8, t } from './helpers.js';

const rnd = (n: number, seed: number, scale = 1 / 64) => Float32Array.from(randInt8(n, seed), (v) => v * scale);

describe('float32 kernels', () => {
  it('Conv2D (SAME, stride 2, dilation 1) equals a double-precision re-computation to 1e-5', () => {
    for (const [padding, s] of [['same', 2], ['valid', 1]] as [Padding, number][]) {
      const [H, W, C, O, K] = [6, 5, 3, 4, 3];
      const x = rnd(H * W * C, 1);
      const w = rnd(O * K * K * C, 2);
      const b = rnd(O, 3);
      const OH = padding === 'same' ? Math.ceil(H / s) : H - K + 1;
      const OW = padding === 'same' ? Math.ceil(W / s) : W - K + 1;
      const top = padding === 'same' ? Math.floor(Math.max(0, (OH - 1) * s + K - H) / 2) : 0;
      const left = padding === 'same' ? Math.floor(Math.max(0, (OW - 1) * s + K - W) / 2) : 0;
      const g = oneOp(
        [t('x', [1, H, W, C], 'float32'), t('w', [O, K, K, C], 'float32', undefined, w), t('b', [O], 'float32', undefined, b), t('y', [1, OH, OW, O], 'float32')],
        { kind: 'Conv2D', name: 'c', inputs: [0, 1, 2], outputs: [3], strideH: s, strideW: s, dilationH: 1, dilationW: 1, padding, activation: 'relu' },
        [0],
      );
      const y = runGraph(g, [x])[0]!;
      for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let o = 0; o < O; o++) {
        let acc = b[o]!;
        for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
          const iy = oy * s + ky - top;
          const ix = ox * s + kx - left;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          for (let c = 0; c < C; c++) acc += x[(iy * W + ix) * C + c]! * w[((o * K + ky) * K + kx) * C + c]!;
        }
        expect(y[(oy * OW + ox) * O + o]!).toBeCloseTo(Math.max(0, acc), 5);
      }
    }
  });

  it('Softmax matches the TFLM kernel test golden (softmax_test.cc, 2D) to 1e-5', () => {
    const g = oneOp([t('x', [2, 5], 'float32'), t('y', [2, 5], 'float32')], { kind: 'Softmax', name: 's', inputs: [0], outputs: [1], beta: 1 }, [0]);
    const y = runGraph(g, [Float32Array.from([1, 2, 3, 4, 5, -1, -2, -3, -4, -5])])[0]!;
    const golden = [0.011656231, 0.031684921, 0.086128544, 0.234121657, 0.636408647, 0.636408647, 0.234121657, 0.086128544, 0.031684921, 0.011656231];
    golden.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThan(1e-5));
  });

  it('AveragePool (SAME) divides by the in-image count; Mean over H,W; FullyConnected; Add broadcast', () => {
    const pool = oneOp([t('x', [1, 3, 3, 1], 'float32'), t('y', [1, 2, 2, 1], 'float32')], { kind: 'AveragePool2D', name: 'p', inputs: [0], outputs: [1], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'same', activation: 'none' }, [0]);
    expect(Array.from(runGraph(pool, [Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])])[0]!)).toEqual([3, 4.5, 7.5, 9]);
    const mean = oneOp([t('x', [1, 2, 2, 2], 'float32'), t('y', [1, 1, 1, 2], 'float32')], { kind: 'Mean', name: 'm', inputs: [0], outputs: [1], axes: [1, 2], keepDims: true }, [0]);
    expect(Array.from(runGraph(mean, [Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40])])[0]!)).toEqual([2.5, 25]);
    const fc = oneOp(
      [t('x', [1, 3], 'float32'), t('w', [2, 3], 'float32', undefined, Float32Array.from([1, 2, 3, -1, -2, -3])), t('b', [2], 'float32', undefined, Float32Array.from([0.5, 10])), t('y', [1, 2], 'float32')],
      { kind: 'FullyConnected', name: 'fc', inputs: [0, 1, 2], outputs: [3], activation: 'relu6', keepNumDims: false },
      [0],
    );
    expect(Array.from(runGraph(fc, [Float32Array.from([1, 1, 1])])[0]!)).toEqual([6, 4]);
    const add = oneOp([t('a', [2, 2], 'float32'), t('b', [2], 'float32', undefined, Float32Array.from([10, 20])), t('y', [2, 2], 'float32')], { kind: 'Add', name: 'a', inputs: [0, 1], outputs: [2], activation: 'none' }, [0]);
    expect(Array.from(runGraph(add, [Float32Array.from([1, 2, 3, 4])])[0]!)).toEqual([11, 22, 13, 24]);
  });
});

describe('gemmlowp fixed point', () => {
  it('exp_on_negative_values is within 5e-7 of exp over [-32, 0] (5 integer bits, softmax)', () => {
    let worst = 0;
    for (let i = 0; i <= 4000; i++) {
      const v = -32 + (i * 32) / 4000;
      const raw = Math.round(v * 2 ** 26);
      const got = expOnNegativeValues(raw, 5) / 2 ** 31;
      worst = Math.max(worst, Math.abs(got - Math.exp(raw / 2 ** 26)));
    }
    expect(worst).toBeLessThan(5e-7); // measured 2.0e-7
    expect(expOnNegativeValues(0, 5)).toBe(2147483647);
  });

  it('logistic and tanh (4 integer bits) are within 1e-6 of the real functions', () => {
    for (let i = -1600; i <= 1600; i++) {
      const raw = Math.round((i / 100) * 2 ** 27);
      const x = raw / 2 ** 27;
      expect(Math.abs(logistic(raw, 4) / 2 ** 31 - 1 / (1 + Math.exp(-x)))).toBeLessThan(1e-6);
      expect(Math.abs(tanh(raw, 4) / 2 ** 31 - Math.tanh(x))).toBeLessThan(1e-6);
    }
  });
});
