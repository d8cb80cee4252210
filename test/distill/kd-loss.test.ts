import { describe, expect, it } from 'vitest';
import { kdLoss } from '../../src/distill/train.js';
import { loadTf } from '../../src/distill/tf.js';

const softmax = (v: number[], T = 1) => {
  const e = v.map((x) => Math.exp(x / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

describe('knowledge-distillation loss', async () => {
  const { tf } = await loadTf();
  const s = [2, 0.5, -1];
  const t = [1, 3, 0];
  const y = [0, 1, 0];
  const ce = -Math.log(softmax(s)[1]!);
  const T = 3;
  const pt = softmax(t, T);
  const ps = softmax(s, T);
  const kl = pt.reduce((a, p, i) => a + p * Math.log(p / ps[i]!), 0);

  it('alpha = 0 is plain cross-entropy on the hard label', () => {
    const v = kdLoss(tf, tf.tensor2d([s]), tf.tensor2d([y]), tf.tensor2d([t]), 0, T).dataSync()[0]!;
    expect(v).toBeCloseTo(ce, 5);
  });

  it('mixes T²·KL(teacher‖student) and cross-entropy by alpha', () => {
    const v = kdLoss(tf, tf.tensor2d([s]), tf.tensor2d([y]), tf.tensor2d([t]), 0.7, T).dataSync()[0]!;
    expect(v).toBeCloseTo(0.7 * T * T * kl + 0.3 * ce, 4);
  });

  it('is minimal (only CE left) when the student copies the teacher', () => {
    const v = kdLoss(tf, tf.tensor2d([t]), tf.tensor2d([y]), tf.tensor2d([t]), 1, T).dataSync()[0]!;
    expect(v).toBeCloseTo(0, 5);
  });
});
