import { describe, expect, it } from 'vitest';
import { loadTf } from '../../src/distill/tf.js';
import { randomShift } from '../../src/distill/train.js';
import { mulberry32 } from '../../src/rng.js';

/**
 * The convnet gradient kernels added to the WASM backend must agree with the CPU
 * backend's (tfjs' own reference implementation) on strided, padded and odd-sized
 * geometries. Float sums run in a different order, so agreement is to 1e-5 relative.
 */
describe('WASM training kernels', async () => {
  const { tf, native } = await loadTf();
  await import('@tensorflow/tfjs-backend-cpu');
  // Mute the CPU backend's "install tfjs-node" banner.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  const values = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3));
  const onBackend = async (backend: string, kernel: string, inputs: Record<string, [Float32Array, number[]]>, attrs: object) => {
    await tf.setBackend(backend);
    const ins = Object.fromEntries(Object.entries(inputs).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
    const out = tf.engine().runKernel(kernel, ins, attrs as never) as ReturnType<typeof tf.tensor>;
    const r = { shape: out.shape, data: out.dataSync().slice() };
    tf.dispose([out, ...Object.values(ins)]);
    return r;
  };
  const cases = [
    { stride: 1, pad: 'same', k: 3, h: 9, w: 11 },
    { stride: 2, pad: 'same', k: 3, h: 9, w: 11 },
    { stride: 2, pad: 'valid', k: 3, h: 10, w: 7 },
    { stride: 1, pad: 'valid', k: 5, h: 9, w: 9 },
    { stride: 2, pad: 'same', k: 1, h: 8, w: 8 },
  ] as const;

  it.skipIf(native).each(cases)('agree with the CPU backend: stride $stride, $pad, $k×$k kernel on $h×$w', async ({ stride, pad, k, h, w }) => {
    const n = 2;
    const ci = 3;
    const co = 4;
    const mult = 2;
    const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: 1 };
    const info = tf.backend_util.computeConv2DInfo([n, h, w, ci], [k, k, ci, co], stride, 1, pad);
    const x: [Float32Array, number[]] = [values(n * h * w * ci, 0.37), [n, h, w, ci]];
    const dy: [Float32Array, number[]] = [values(n * info.outHeight * info.outWidth * co, 0.29), [n, info.outHeight, info.outWidth, co]];
    const dwDy: [Float32Array, number[]] = [values(n * info.outHeight * info.outWidth * ci * mult, 0.23), [n, info.outHeight, info.outWidth, ci * mult]];
    const dwFilter: [Float32Array, number[]] = [values(k * k * ci * mult, 0.13), [k, k, ci, mult]];
    const checks: [string, Record<string, [Float32Array, number[]]>, object][] = [
      ['Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [k, k, ci, co] }],
      ['DepthwiseConv2dNativeBackpropFilter', { x, dy: dwDy }, { ...attrs, filterShape: [k, k, ci, mult] }],
      ['DepthwiseConv2dNativeBackpropInput', { dy: dwDy, filter: dwFilter }, { ...attrs, inputShape: [n, h, w, ci] }],
    ];
    for (const [kernel, inputs, at] of checks) {
      const want = await onBackend('cpu', kernel, inputs, at);
      const got = await onBackend('wasm', kernel, inputs, at);
      expect(got.shape, kernel).toEqual(want.shape);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!) / (1 + Math.abs(want.data[i]!)));
      expect(worst, kernel).toBeLessThan(1e-5);
      // A kernel that ignored padding or stride would be off by O(1), not 1e-5.
      expect(want.data.some((v) => Math.abs(v) > 0.1), kernel).toBe(true);
    }
    await tf.setBackend('wasm');
  });

  it.skipIf(native)('a small convnet trains on the WASM backend (loss falls)', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [8, 8, 1] });
    let hdn = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as ReturnType<typeof tf.input>;
    hdn = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(hdn) as typeof hdn;
    const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(tf.layers.flatten().apply(hdn)) as typeof hdn;
    const model = tf.model({ inputs: input, outputs: out });
    // Class 1 images are bright in the top half, class 0 in the bottom half.
    const xs = Float32Array.from({ length: 16 * 64 }, (_, i) => (Math.floor(i / 64) % 2 === (Math.floor((i % 64) / 32) === 0 ? 1 : 0) ? 1 : 0));
    const ys = Float32Array.from({ length: 32 }, (_, i) => ((i >> 1) % 2 === (i & 1) ? 1 : 0));
    const x = tf.tensor(xs, [16, 8, 8, 1]);
    const y = tf.tensor(ys, [16, 2]);
    const opt = tf.train.adam(0.05);
    const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as ReturnType<typeof tf.tensor>) as ReturnType<typeof tf.scalar>;
    const first = loss().dataSync()[0]!;
    for (let i = 0; i < 30; i++) opt.minimize(loss);
    expect(loss().dataSync()[0]!).toBeLessThan(first * 0.2);
  });
});

describe('random shift augmentation', () => {
  it('translates each image by a whole number of pixels within the bound, filling with background', () => {
    const h = 6;
    const w = 5;
    const img = Float32Array.from({ length: h * w }, (_, i) => i + 1);
    const batch = new Float32Array(img.length * 50);
    for (let s = 0; s < 50; s++) batch.set(img, s * img.length);
    randomShift([h, w, 1], 2)(batch, 50, mulberry32(3));
    const seen = new Set<string>();
    for (let s = 0; s < 50; s++) {
      const out = batch.subarray(s * h * w, (s + 1) * h * w);
      let match = false;
      for (let dy = -2; dy <= 2 && !match; dy++) {
        for (let dx = -2; dx <= 2 && !match; dx++) {
          match = Array.from(out).every((v, i) => {
            const sy = Math.floor(i / w) - dy;
            const sx = (i % w) - dx;
            return v === (sy >= 0 && sy < h && sx >= 0 && sx < w ? img[sy * w + sx]! : 0);
          });
          if (match) seen.add(`${dy},${dx}`);
        }
      }
      expect(match, `sample ${s}`).toBe(true);
    }
    // 50 draws from 25 shifts: several distinct shifts, including non-zero ones.
    expect(seen.size).toBeGreaterThan(8);
  });
});
