import { describe, expect, it } from 'vitest';
import { TinymlError } from '../../src/errors.js';
import type { Activation, Graph, Padding } from '../../src/ir/graph.js';
import { f32, quantizeMultiplier } from '../../src/numerics/fixed-point.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { hexToInt8, mbqmGolden, oneOp, q, randInt8, t } from './helpers.js';

/*
 * int8 kernels, tolerance 0. Goldens are computed here independently of src/reference: the
 * TFLite formulas re-derived with BigInt accumulation and explicit zero-point padding, hand-worked
 * cases, and — for softmax, logistic, tanh and add — the bytes TFLite itself produced for the same
 * single-op models (see TFLITE_GOLDENS below).
 */

const clamp8 = (v: number, lo = -128, hi = 127) => Math.max(lo, Math.min(hi, v));

/** Independent conv golden: pad the input explicitly with its zero point, then a VALID conv. */
function convGolden(opts: {
  x: Int8Array; inShape: [number, number, number]; w: Int8Array; wShape: [number, number, number, number]; bias: Int32Array;
  stride: [number, number]; dil: [number, number]; padding: Padding; inScale: number; inZp: number; wScales: number[];
  outScale: number; outZp: number; depthwise?: number; act?: [number, number];
}): { out: Int8Array; outShape: [number, number, number] } {
  const [H, W, C] = opts.inShape;
  const [O, KH, KW, I] = opts.wShape;
  const [sh, sw] = opts.stride;
  const [dh, dw] = opts.dil;
  const eh = (KH - 1) * dh + 1;
  const ew = (KW - 1) * dw + 1;
  const OH = opts.padding === 'same' ? Math.ceil(H / sh) : Math.ceil((H - eh + 1) / sh);
  const OW = opts.padding === 'same' ? Math.ceil(W / sw) : Math.ceil((W - ew + 1) / sw);
  const totH = opts.padding === 'same' ? Math.max(0, (OH - 1) * sh + eh - H) : 0;
  const totW = opts.padding === 'same' ? Math.max(0, (OW - 1) * sw + ew - W) : 0;
  const top = Math.floor(totH / 2);
  const left = Math.floor(totW / 2);
  const PH = H + totH + sh + eh; // generous: bottom/right padding
  const PW = W + totW + sw + ew;
  const padded = new Int32Array(PH * PW * C).fill(opts.inZp);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) padded[((y + top) * PW + x + left) * C + c] = opts.x[(y * W + x) * C + c]!;
  const outC = opts.depthwise ? C * opts.depthwise : O;
  const out = new Int8Array(OH * OW * outC);
  const [lo, hi] = opts.act ?? [-128, 127];
  for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let oc = 0; oc < outC; oc++) {
    let acc = 0n;
    for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const py = oy * sh + ky * dh;
      const px = ox * sw + kx * dw;
      if (opts.depthwise) {
        const ic = Math.floor(oc / opts.depthwise);
        acc += BigInt(opts.w[(ky * KW + kx) * outC + oc]!) * BigInt(padded[(py * PW + px) * C + ic]! - opts.inZp);
      } else {
        for (let ic = 0; ic < I; ic++) acc += BigInt(opts.w[((oc * KH + ky) * KW + kx) * I + ic]!) * BigInt(padded[(py * PW + px) * C + ic]! - opts.inZp);
      }
    }
    acc += BigInt(opts.bias[oc]!);
    // PopulateConvolutionQuantizationParams: double(input_scale) * double(filter_scale) / double(output_scale)
    const real = (f32(opts.inScale) * f32(opts.wScales[oc]!)) / f32(opts.outScale);
    const m = quantizeMultiplier(real);
    out[(oy * OW + ox) * outC + oc] = clamp8(mbqmGolden(acc, m.multiplier, m.shift) + opts.outZp, lo, hi);
  }
  return { out, outShape: [OH, OW, outC] };
}

describe('Conv2D int8 (per-channel)', () => {
  for (const [padding, stride, dil] of [
    ['same', [2, 2], [1, 1]],
    ['same', [1, 1], [2, 2]],
    ['valid', [1, 2], [1, 1]],
    ['same', [1, 1], [1, 1]],
  ] as [Padding, [number, number], [number, number]][]) {
    it(`${padding} padding, stride ${stride}, dilation ${dil}`, () => {
      const inShape: [number, number, number] = [7, 6, 3];
      const wShape: [number, number, number, number] = [4, 3, 2, 3];
      const x = randInt8(7 * 6 * 3, 11);
      const w = randInt8(4 * 3 * 2 * 3, 22);
      const bias = Int32Array.from([1234, -5678, 0, 300]);
      const wScales = [0.0123, 0.0071, 0.0412, 0.0005];
      const p = { x, inShape, w, wShape, bias, stride, dil, padding, inScale: 0.0517, inZp: -11, wScales, outScale: 0.0931, outZp: 7 };
      const gold = convGolden(p);
      const g = oneOp(
        [
          t('x', [1, ...inShape], 'int8', q(0.0517, -11)),
          t('w', wShape, 'int8', q(wScales, 0, 0), w),
          t('b', [4], 'int32', undefined, bias),
          t('y', [1, ...gold.outShape], 'int8', q(0.0931, 7)),
        ],
        { kind: 'Conv2D', name: 'conv', inputs: [0, 1, 2], outputs: [3], strideH: stride[0], strideW: stride[1], dilationH: dil[0], dilationW: dil[1], padding, activation: 'none' },
        [0],
      );
      const [y] = runGraph(g, [x]);
      expect(Array.from(y!)).toEqual(Array.from(gold.out));
    });
  }

  it('fused relu6 clamps to the quantized [0, 6] (CalculateActivationRangeQuantized)', () => {
    const x = randInt8(5 * 5 * 2, 5);
    const w = randInt8(3 * 3 * 3 * 2, 6);
    const bias = Int32Array.from([20000, -100, 4000]);
    // out scale 0.05, zp -100: quantize(0) = -100, quantize(6) = -100 + round(120) = 20
    const gold = convGolden({ x, inShape: [5, 5, 2], w, wShape: [3, 3, 3, 2], bias, stride: [1, 1], dil: [1, 1], padding: 'same', inScale: 0.1, inZp: 0, wScales: [0.01, 0.02, 0.03], outScale: 0.05, outZp: -100, act: [-100, 20] });
    const g = oneOp(
      [t('x', [1, 5, 5, 2], 'int8', q(0.1, 0)), t('w', [3, 3, 3, 2], 'int8', q([0.01, 0.02, 0.03], 0, 0), w), t('b', [3], 'int32', undefined, bias), t('y', [1, 5, 5, 3], 'int8', q(0.05, -100))],
      { kind: 'Conv2D', name: 'c', inputs: [0, 1, 2], outputs: [3], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu6' },
      [0],
    );
    const y = runGraph(g, [x])[0]!;
    expect(Array.from(y)).toEqual(Array.from(gold.out));
    expect(Math.min(...y)).toBe(-100);
    expect(Math.max(...y)).toBe(20);
  });

  it('names the op when the model output shape disagrees with TFLite padding rules', () => {
    const g = oneOp(
      [t('x', [1, 4, 4, 1], 'int8', q(0.1)), t('w', [1, 3, 3, 1], 'int8', q(0.1), new Int8Array(9)), t('y', [1, 4, 4, 1], 'int8', q(0.1))],
      { kind: 'Conv2D', name: 'bad_conv', inputs: [0, 1, -1], outputs: [2], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'valid', activation: 'none' },
      [0],
    );
    expect(() => runGraph(g, [new Int8Array(16)])).toThrow(TinymlError);
    expect(() => runGraph(g, [new Int8Array(16)])).toThrow(/bad_conv.*height is 4.*give 2/);
  });
});

describe('DepthwiseConv2D int8', () => {
  it('depth multiplier 2, SAME, stride 2, dilation 1 and 2', () => {
    for (const dil of [1, 2]) {
      const x = randInt8(6 * 5 * 3, 31 + dil);
      const w = randInt8(3 * 3 * 6, 41);
      const bias = Int32Array.from([10, -20, 30, -40, 500, -600]);
      const wScales = [0.02, 0.013, 0.007, 0.05, 0.031, 0.0009];
      const gold = convGolden({ x, inShape: [6, 5, 3], w, wShape: [1, 3, 3, 6], bias, stride: [2, 2], dil: [dil, dil], padding: 'same', inScale: 0.07, inZp: 13, wScales, outScale: 0.04, outZp: -3, depthwise: 2 });
      const g = oneOp(
        [t('x', [1, 6, 5, 3], 'int8', q(0.07, 13)), t('w', [1, 3, 3, 6], 'int8', q(wScales, 0, 3), w), t('b', [6], 'int32', undefined, bias), t('y', [1, ...gold.outShape], 'int8', q(0.04, -3))],
        { kind: 'DepthwiseConv2D', name: 'dw', inputs: [0, 1, 2], outputs: [3], strideH: 2, strideW: 2, dilationH: dil, dilationW: dil, depthMultiplier: 2, padding: 'same', activation: 'none' },
        [0],
      );
      expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(gold.out));
    }
  });
});

describe('FullyConnected int8', () => {
  const depth = 64;
  const fcGraph = (inS: number, wS: number | number[], outS: number, bias: Int32Array, w: Int8Array, act: Activation = 'none'): Graph =>
    oneOp(
      [t('x', [1, depth], 'int8', q(inS, -5)), t('w', [bias.length, depth], 'int8', q(wS, 0, 0), w), t('b', [bias.length], 'int32', undefined, bias), t('y', [1, bias.length], 'int8', q(outS, 9))],
      { kind: 'FullyConnected', name: 'fc', inputs: [0, 1, 2], outputs: [3], activation: act, keepNumDims: false },
      [0],
    );
  const golden = (x: Int8Array, w: Int8Array, bias: Int32Array, mult: (oc: number) => { multiplier: number; shift: number }) =>
    Array.from(bias, (b, oc) => {
      let acc = BigInt(b);
      for (let d = 0; d < depth; d++) acc += BigInt(w[oc * depth + d]!) * BigInt(x[d]! + 5);
      const m = mult(oc);
      return clamp8(mbqmGolden(acc, m.multiplier, m.shift) + 9);
    });

  it('per-tensor weights use the float32 product of input and filter scales (GetQuantizedConvolutionMultipler)', () => {
    // Find scales whose float32 product gives a different multiplier than the double product,
    // and a bias that makes the output differ too, so the test tells the two formulas apart.
    let found: { inS: number; wS: number; outS: number } | undefined;
    for (let k = 1; k < 5000 && !found; k++) {
      const inS = f32(0.01 + k * 1.37e-5);
      const wS = f32(0.003 + k * 7.1e-7);
      const outS = f32(2.5); // multiplier ≈ 1e-5: large accumulators still land in int8
      if (quantizeMultiplier(f32(inS * wS) / outS).multiplier !== quantizeMultiplier((inS * wS) / outS).multiplier) found = { inS, wS, outS };
    }
    expect(found).toBeDefined();
    const { inS, wS, outS } = found!;
    const x = randInt8(depth, 3);
    const w = randInt8(depth, 4);
    const mf = quantizeMultiplier(f32(inS * wS) / outS);
    const md = quantizeMultiplier((inS * wS) / outS);
    // Aim accumulators at the rounding boundaries of the float-product multiplier, and keep the
    // biases for which the double-product multiplier rounds the other way.
    let dot = 0;
    for (let d = 0; d < depth; d++) dot += w[d]! * (x[d]! + 5);
    const biases: number[] = [];
    for (let k = -120; k < 110 && biases.length < 8; k++) {
      const acc = Math.round(((k + 0.5) * 2 ** (31 - mf.shift)) / mf.multiplier);
      for (let delta = -3; delta <= 3; delta++) {
        const bb = Int32Array.of(acc + delta - dot);
        if (Math.abs(acc + delta) < 2 ** 31 && golden(x, w, bb, () => mf)[0] !== golden(x, w, bb, () => md)[0]) biases.push(bb[0]!);
      }
    }
    expect(biases.length).toBeGreaterThan(0);
    const bias = Int32Array.from(biases);
    const wAll = new Int8Array(depth * bias.length);
    for (let u = 0; u < bias.length; u++) wAll.set(w, u * depth);
    const y = runGraph(fcGraph(inS, wS, outS, bias, wAll), [x])[0]!;
    expect(Array.from(y)).toEqual(golden(x, wAll, bias, () => mf));
    expect(Array.from(y)).not.toEqual(golden(x, wAll, bias, () => md));
  });

  it('per-channel weights use the double product, with a fused relu', () => {
    const units = 5;
    const x = randInt8(depth, 7);
    const w = randInt8(depth * units, 8);
    const bias = Int32Array.from([100, -2000, 30000, -400, 5]);
    const wS = [0.011, 0.0042, 0.0007, 0.03, 0.019];
    const y = runGraph(fcGraph(0.05, wS, 0.07, bias, w, 'relu'), [x])[0]!;
    // relu: act_min = max(-128, zp + round(0 / scale)) = 9
    const gold = golden(x, w, bias, (oc) => quantizeMultiplier((f32(0.05) * f32(wS[oc]!)) / f32(0.07))).map((v) => Math.max(9, v));
    expect(Array.from(y)).toEqual(gold);
  });
});

describe('pooling int8', () => {
  const poolGraph = (kind: 'AveragePool2D' | 'MaxPool2D', shape: number[], outShape: number[], f: [number, number], s: [number, number], padding: Padding, act: Activation = 'none', outQ = q(0.1, 0)) =>
    oneOp(
      [t('x', shape, 'int8', q(0.1, 0)), t('y', outShape, 'int8', outQ)],
      { kind, name: 'pool', inputs: [0], outputs: [1], filterH: f[0], filterW: f[1], strideH: s[0], strideW: s[1], padding, activation: act },
      [0],
    );

  it('AveragePool rounds half away from zero: (sum ± count/2) / count, truncating', () => {
    // 1×2×2×1 windows of 2×2, VALID → one output per row pair
    const x = Int8Array.from([3, 2, 0, 0, -3, -2, 0, 0, 1, 2, 2, 2, -1, -2, -2, -2]); // shape [1,4,4,1]
    const g = poolGraph('AveragePool2D', [1, 4, 4, 1], [1, 2, 2, 1], [2, 2], [2, 2], 'valid');
    // windows: [3,2,-3,-2]=0 → 0; [0,0,0,0] → 0; [1,2,-1,-2] = 0 → 0; [2,2,-2,-2] → 0
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual([0, 0, 0, 0]);
    const g2 = poolGraph('AveragePool2D', [1, 1, 4, 1], [1, 1, 2, 1], [1, 2], [1, 2], 'valid');
    // [5,2] sum 7 → (7+1)/2 = 4;  [-5,-2] sum -7 → (-7-1)/2 = -4; an exact half rounds away from zero
    expect(Array.from(runGraph(g2, [Int8Array.from([5, 2, -5, -2])])[0]!)).toEqual([4, -4]);
    // [-5, 0] sum -5 → (-5-1)/2 = -3 (plain truncation would give -2, floor -3, round-to-even -2)
    expect(Array.from(runGraph(g2, [Int8Array.from([-5, 0, 1, 0])])[0]!)).toEqual([-3, 1]);
  });

  it('AveragePool with SAME padding averages only the in-image part of edge windows', () => {
    // 1×3×3×1, 2×2 window stride 2 SAME: out 2×2, pad 0 top/left; edge windows have 2 or 1 elements
    const x = Int8Array.from([10, 20, 31, 40, 50, 61, 70, 80, 99]);
    const g = poolGraph('AveragePool2D', [1, 3, 3, 1], [1, 2, 2, 1], [2, 2], [2, 2], 'same');
    // [10,20,40,50]=120/4=30; [31,61]=92/2=46; [70,80]=150/2=75; [99]=99
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual([30, 46, 75, 99]);
  });

  it('MaxPool takes the window maximum and clamps to the fused relu6 range', () => {
    const x = Int8Array.from([-50, -60, 100, 3, -70, -80, 5, 127]); // [1,2,4,1]
    // out scale 0.1 zp 0: relu6 → [0, 60]
    const g = poolGraph('MaxPool2D', [1, 2, 4, 1], [1, 1, 2, 1], [2, 2], [2, 2], 'valid', 'relu6');
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual([0, 60]);
  });
});

/*
 * TFLITE_GOLDENS: outputs of TFLite itself (the @tensorflow/tfjs-tflite 0.0.1-alpha.10 WASM
 * build run under Node with a Web-Worker shim) for single-op int8 models holding exactly the
 * tensors built below, on the input x[i] = i - 128 (i = 0..255). Our kernels matched these
 * byte for byte when they were recorded; these ops do not involve the single- vs
 * double-rounding difference between that TFLite build and TFLM.
 */
const TFLITE_GOLDENS: Record<string, string> = {
  'Logistic_0.03_1,256':
    '858585858585868686868686878787878788888888898989898a8a8a8b8b8b8b8c8c8c8d8d8e8e8e8f8f909091919292' +
    '9393949495959696979898999a9a9b9c9d9d9e9fa0a1a2a2a3a4a5a6a7a8a9aaabacaeafb0b1b2b3b5b6b7b9babbbdbe' +
    'bfc1c2c4c5c7c8cacccdcfd0d2d4d6d7d9dbdcdee0e2e4e6e7e9ebedeff1f3f5f6f8fafcfe00020406080a0b0d0f1113' +
    '1517191a1c1e2022242527292a2c2e303133343638393b3c3e3f414243454647494a4b4d4e4f5051525455565758595a' +
    '5b5c5d5e5e5f606162636364656666676868696a6a6b6b6c6c6d6d6e6e6f6f7070717172727273737474747575757576' +
    '7676777777777878787879797979797a',
  'Tanh_0.03_1,256':
    '808080808080808080808080808080808080808080808080808080808080818181818181818181818181818181818181' +
    '828282828282828282838383838384848484858585858686868787888889898a8a8b8b8c8d8e8e8f9091929394959698' +
    '999a9c9d9fa1a2a4a6a8aaacafb1b3b6b9bbbec1c4c7cacdd0d4d7dbdee2e6e9edf1f5f8fc0004080b0f13171a1e2225' +
    '292c303336393c3f4245474a4d4f515456585a5c5e5f6163646667686a6b6c6d6e6f7071727273747575767677777878' +
    '79797a7a7a7b7b7b7b7c7c7c7c7d7d7d7d7d7e7e7e7e7e7e7e7e7e7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f' +
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
  'Softmax_0.05_4,64':
    '818181818181818181818181818181818181818182828282828282828282828383838383838484848484858585858686' +
    '8686878788888889898a8a8b8b8c8c8d8181818181818181818181818181818181818181828282828282828282828283' +
    '838383838384848484848585858586868686878788888889898a8a8b8b8c8c8d81818181818181818181818181818181' +
    '81818181828282828282828282828283838383838384848484848585858586868686878788888889898a8a8b8b8c8c8d' +
    '818181818181818181818181818181818181818182828282828282828282828383838383838484848484858585858686' +
    '8686878788888889898a8a8b8b8c8c8d',
  'Softmax_0.0731_1,256':
    '808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080' +
    '808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080' +
    '808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080' +
    '808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080' +
    '808080808080808080808080808081818181818181818181818181818182828282828282838383838384848484858586' +
    '868687888889898a8b8c8d8d8e909192',
  'Add_0.0731_1,256':
    '80869099a2acb5838d969fa9b2bb89939ca6afb8c29099a2acb5bfc8969fa9b2bcc5ce9ca6afb8c2cbd5a3acb5bfc8d1' +
    'dba9b2bcc5ced8e1afb8c2cbd5dee7b5bfc8d2dbe4eebcc5ced8e1ebf4c2cbd5dee7f1fac8d2dbe4eef7c5ced8e1ebf4' +
    'fdcbd5dee8f1fa04d2dbe4eef7010ad8e1ebf4fd0710dee8f1fa040d17e4eef7010a131debf4fe07101a23f1fa040d17' +
    '2029f7010a131d2630fe07101a232d36040d172029333c0a141d26303907101a232d363f0d172029333c46141d263039' +
    '434c1a232d363f4952202a333c464f58263039434c555f2d363f49525c65333c464f59626b39434c555f68724049525c' +
    '656e78464f59626b757e4c555f68727b',
};

describe('softmax, logistic, tanh, add: byte-exact against TFLite', () => {
  const x = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  it('Softmax (input scale 0.05, zp 5, shape [4,64], beta 1; output 1/256, -128)', () => {
    const g = oneOp([t('x', [4, 64], 'int8', q(0.05, 5)), t('y', [4, 64], 'int8', q(1 / 256, -128))], { kind: 'Softmax', name: 's', inputs: [0], outputs: [1], beta: 1 }, [0]);
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(TFLITE_GOLDENS['Softmax_0.05_4,64']!)));
  });
  it('Softmax over 256 classes (input scale 0.0731): most entries below diff_min', () => {
    const g = oneOp([t('x', [1, 256], 'int8', q(0.0731, 5)), t('y', [1, 256], 'int8', q(1 / 256, -128))], { kind: 'Softmax', name: 's', inputs: [0], outputs: [1], beta: 1 }, [0]);
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(TFLITE_GOLDENS['Softmax_0.0731_1,256']!)));
  });
  it('Logistic (input scale 0.03, zp 5; output 1/256, -128)', () => {
    const g = oneOp([t('x', [1, 256], 'int8', q(0.03, 5)), t('y', [1, 256], 'int8', q(1 / 256, -128))], { kind: 'Logistic', name: 'l', inputs: [0], outputs: [1] }, [0]);
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(TFLITE_GOLDENS['Logistic_0.03_1,256']!)));
  });
  it('Tanh (input scale 0.03, zp 5; output 1/128, 0)', () => {
    const g = oneOp([t('x', [1, 256], 'int8', q(0.03, 5)), t('y', [1, 256], 'int8', q(1 / 128, 0))], { kind: 'Tanh', name: 't', inputs: [0], outputs: [1] }, [0]);
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(TFLITE_GOLDENS['Tanh_0.03_1,256']!)));
  });
  it('Add (scales 0.0731 / 0.0213 → 0.0917, zps 5 / -7 → 3)', () => {
    const c = Int8Array.from({ length: 256 }, (_, i) => ((i * 37) % 256) - 128);
    const g = oneOp(
      [t('x', [1, 256], 'int8', q(0.0731, 5)), t('c', [1, 256], 'int8', q(0.0213, -7), c), t('y', [1, 256], 'int8', q(0.0917, 3))],
      { kind: 'Add', name: 'a', inputs: [0, 1], outputs: [2], activation: 'none' },
      [0],
    );
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(TFLITE_GOLDENS['Add_0.0731_1,256']!)));
  });
  it('Softmax matches the TFLM kernel test goldens within their tolerance of 1 (softmax_test.cc, 1D)', () => {
    const g = oneOp([t('x', [1, 5], 'int8', q(0.1, 0)), t('y', [1, 5], 'int8', q(1 / 256, -128))], { kind: 'Softmax', name: 's', inputs: [0], outputs: [1], beta: 1 }, [0]);
    const y = runGraph(g, [Int8Array.from([10, 20, 30, 40, 50])])[0]!;
    const golden = [0.011656231, 0.031684921, 0.086128544, 0.234121657, 0.636408647].map((v) => Math.round(v * 256) - 128);
    y.forEach((v, i) => expect(Math.abs(v - golden[i]!)).toBeLessThanOrEqual(1));
  });
});

describe('AveragePool2D and Mean: byte-exact against TFLite', () => {
  // Same provenance as TFLITE_GOLDENS: x is a [1,9,8,6] int8 tensor (scale 0.0517, zp -11).
  const x = hexToInt8(
    'd5cf5387ac6c2cecac6cc85843ee86d995c993c7eb3f0312da02a571e8f8631a424ab2faa22aadd930a0504070e09080' +
    '4b1f63573b4fd3072b7f43b7b6e444248464c43f0312100030a0504070e090804b56ce5c925a828af23ae26a521a42e5' +
    'b18d391000303b4fd307a1f37848d828380898e8f863573b4fd3072b7f43b71bafb3670bdf23b2faa2c548d828d3072b' +
    '1a424ab2faa22aadd995a1bd44248464c4a404e444241f6357d64e669e116d9955617d04e444bfb9c7eb3f039fe3d7bb' +
    '6a88ead29ac2cacd7950400bdfbe168ea679ebecac6cc858a853bddf5a828af23a7d69e5b18dd47494cf89bba1bda925' +
    'f1cd79b5dcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdc77db0a725561a5714d9434eff3424a4df935c15dc9c5116d3454f4' +
    'afb38f13476bc0f060100030a050400b1558a8b8b020d0c0f060109b669e766e0659154945918818687848735d9b2f33' +
    'e8f8c858a8b88818687848d82838a398e8f8c85843b71c1c1cb71baf4e6639ab362ec619d5e1fd8464c43f037776a404' +
    'e4442484ffc3d29ac2cacdafe9379b2f33828af2d5186813476bbf839290521ab8be1629a50c4c27cb3ae26a7a22aa2d',
  );
  it('AveragePool2D 3×3, stride 2×3, SAME (edge windows with 4 and 6 elements)', () => {
    const g = oneOp(
      [t('x', [1, 9, 8, 6], 'int8', q(0.0517, -11)), t('y', [1, 5, 3, 6], 'int8', q(0.0517, -11))],
      { kind: 'AveragePool2D', name: 'p', inputs: [0], outputs: [1], filterH: 3, filterW: 3, strideH: 2, strideW: 3, padding: 'same', activation: 'none' },
      [0],
    );
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8(
    '04f30f21d729e3e01346fc0bd94cfcd7fdd015070a19eaf4fed622343223f52cd7d7eaf308da09ddd4e0fafd14322618' +
    'e8efe9f6ede4d0f90600fa0201120ff81d191efe2af03808de10e3fbf9bf0b08fbd20b11e7174f11df0c',
    )));
  });
  it('Mean over H,W with different input/output parameters (the float32 path)', () => {
    const g = oneOp(
      [t('x', [1, 9, 8, 6], 'int8', q(0.0517, -11)), t('y', [1, 1, 1, 6], 'int8', q(0.02, 3))],
      { kind: 'Mean', name: 'm', inputs: [0], outputs: [1], axes: [1, 2], keepDims: true },
      [0],
    );
    expect(Array.from(runGraph(g, [x])[0]!)).toEqual(Array.from(hexToInt8('061c282c1e24')));
  });
});

describe('Mul, broadcasting Add', () => {
  it('Mul: one multiplier in1·in2/out (double), MBQM of the product of offset inputs', () => {
    const a = randInt8(24, 91);
    const b = randInt8(24, 92);
    const g = oneOp(
      [t('a', [1, 2, 3, 4], 'int8', q(0.0731, 5)), t('b', [1, 2, 3, 4], 'int8', q(0.0213, -7)), t('y', [1, 2, 3, 4], 'int8', q(0.0411, 3))],
      { kind: 'Mul', name: 'm', inputs: [0, 1], outputs: [2], activation: 'none' },
      [0, 1],
    );
    const m = quantizeMultiplier((f32(0.0731) * f32(0.0213)) / f32(0.0411));
    const gold = Array.from(a, (v, i) => clamp8(mbqmGolden(BigInt((v - 5) * (b[i]! + 7)), m.multiplier, m.shift) + 3));
    expect(Array.from(runGraph(g, [a, b])[0]!)).toEqual(gold);
  });

  it('Add broadcasts a per-channel vector over [1,2,2,3] like TFLite (left shift 20, twice the max input scale)', () => {
    const a = randInt8(12, 5);
    const b = Int8Array.from([-100, 0, 100]);
    const g = oneOp(
      [t('a', [1, 2, 2, 3], 'int8', q(0.05, -2)), t('b', [3], 'int8', q(0.02, 1), b), t('y', [1, 2, 2, 3], 'int8', q(0.06, 4))],
      { kind: 'Add', name: 'add', inputs: [0, 1], outputs: [2], activation: 'relu' },
      [0],
    );
    const twice = 2 * Math.max(f32(0.05), f32(0.02));
    const m1 = quantizeMultiplier(f32(0.05) / twice);
    const m2 = quantizeMultiplier(f32(0.02) / twice);
    const mo = quantizeMultiplier(twice / ((1 << 20) * f32(0.06)));
    const gold = Array.from(a, (v, i) => {
      const s1 = mbqmGolden(BigInt((v + 2) * (1 << 20)), m1.multiplier, m1.shift);
      const s2 = mbqmGolden(BigInt((b[i % 3]! - 1) * (1 << 20)), m2.multiplier, m2.shift);
      return clamp8(mbqmGolden(BigInt(s1 + s2), mo.multiplier, mo.shift) + 4, 4, 127);
    });
    expect(Array.from(runGraph(g, [a])[0]!)).toEqual(gold);
  });
});

describe('Mean int8 (TFLM reduce)', () => {
  const meanGraph = (inQ: [number, number], outQ: [number, number]) =>
    oneOp(
      [t('x', [1, 2, 2, 2], 'int8', q(...inQ)), t('y', [1, 1, 1, 2], 'int8', q(...outQ))],
      { kind: 'Mean', name: 'mean', inputs: [0], outputs: [1], axes: [1, 2], keepDims: true },
      [0],
    );
  const x = Int8Array.from([1, -1, 2, -2, 4, -4, 6, -6]); // channel 0: 1,2,4,6 (sum 13); channel 1: -13

  it('same input/output parameters: int32 sum / count with C truncation', () => {
    expect(Array.from(runGraph(meanGraph([0.1, 3], [0.1, 3]), [x])[0]!)).toEqual([3, -3]); // 13/4 = 3.25 → 3
  });

  it('different parameters: float mean · (in_scale/out_scale) + bias, rounded half away', () => {
    // scale = 0.5/0.25 = 2, bias = -(-1)·2 = 2: ch0 3.25·2+2 = 8.5 → 9, +zp 1 = 10; ch1 -3.25·2+2 = -4.5 → -5, +1 = -4
    expect(Array.from(runGraph(meanGraph([0.5, -1], [0.25, 1]), [x])[0]!)).toEqual([10, -4]);
  });
});

describe('Relu, Relu6, Quantize, Dequantize, Pad, Concatenation, Reshape', () => {
  it('Relu6 requantizes then clamps to the quantized [0, 6]', () => {
    const g = oneOp([t('x', [4], 'int8', q(0.1, -10)), t('y', [4], 'int8', q(0.05, -128))], { kind: 'Relu6', name: 'r', inputs: [0], outputs: [1] }, [0]);
    // (x+10)·2 − 128, clamped to [−128, −128 + 120]: −30→−168→−128; 0→−108; 40→−28; 127→146→−8
    expect(Array.from(runGraph(g, [Int8Array.from([-30, 0, 40, 127])])[0]!)).toEqual([-128, -108, -28, -8]);
  });

  it('Quantize float→int8 rounds half away from zero in float32; Dequantize is scale·(q−zp)', () => {
    const gq = oneOp([t('x', [5], 'float32'), t('y', [5], 'int8', q(0.5, -3))], { kind: 'Quantize', name: 'q', inputs: [0], outputs: [1] }, [0]);
    expect(Array.from(runGraph(gq, [Float32Array.from([1.25, -1.25, 0.24, 1000, -1000])])[0]!)).toEqual([0, -6, -3, 127, -128]);
    const gd = oneOp([t('x', [3], 'int8', q(0.25, 4)), t('y', [3], 'float32')], { kind: 'Dequantize', name: 'd', inputs: [0], outputs: [1] }, [0]);
    expect(Array.from(runGraph(gd, [Int8Array.from([4, -128, 127])])[0]!)).toEqual([0, -33, 30.75]);
  });

  it('Quantize int8→int8 requantizes with MBQM(in_scale/out_scale)', () => {
    const g = oneOp([t('x', [3], 'int8', q(0.3, 1)), t('y', [3], 'int8', q(0.2, -1))], { kind: 'Quantize', name: 'rq', inputs: [0], outputs: [1] }, [0]);
    // f32(0.3)/f32(0.2) = 1.50000004 (float32 scales, double division):
    // (x−1)·1.5 − 1: 2 → 1.5 → 2 → 1; −2 → −4.5 → −5 → −6; 100 → 148.5 → clamp 127
    expect(Array.from(runGraph(g, [Int8Array.from([2, -2, 100])])[0]!)).toEqual([1, -6, 127]);
  });

  it('Pad fills with the zero point', () => {
    const g = oneOp([t('x', [1, 1, 2, 1], 'int8', q(0.1, -7)), t('y', [1, 2, 3, 1], 'int8', q(0.1, -7))], { kind: 'Pad', name: 'p', inputs: [0], outputs: [1], paddings: [[0, 0], [1, 0], [0, 1], [0, 0]] }, [0]);
    expect(Array.from(runGraph(g, [Int8Array.from([5, 6])])[0]!)).toEqual([-7, -7, -7, 5, 6, -7]);
  });

  it('Concatenation copies same-parameter inputs and requantizes the others', () => {
    const g = oneOp(
      [t('a', [1, 2], 'int8', q(0.1, 0)), t('b', [1, 2], 'int8', q(0.2, 10)), t('y', [1, 4], 'int8', q(0.1, 0))],
      { kind: 'Concatenation', name: 'cat', inputs: [0, 1], outputs: [2], axis: -1, activation: 'none' },
      [0, 1],
    );
    // b: (q − 10)·2: 11 → 2, 100 → 180 → 127
    expect(Array.from(runGraph(g, [Int8Array.from([-5, 7]), Int8Array.from([11, 100])])[0]!)).toEqual([-5, 7, 2, 127]);
  });

  it('rejects inputs of the wrong size with the tensor name', () => {
    const g = oneOp([t('x', [2, 2], 'int8', q(1)), t('y', [4], 'int8', q(1))], { kind: 'Reshape', name: 'r', inputs: [0], outputs: [1], newShape: [4] }, [0]);
    expect(Array.from(runGraph(g, [Int8Array.from([1, 2, 3, 4])])[0]!)).toEqual([1, 2, 3, 4]);
    expect(() => runGraph(g, [new Int8Array(3)])).toThrow(/'x'.*needs 4 int8/);
  });

  it('calls onTensor once per written tensor, in order', () => {
    const g: Graph = {
      name: 'two',
      tensors: [t('x', [2], 'float32'), t('q', [2], 'int8', q(0.5, 0)), t('y', [2], 'float32')],
      ops: [
        { kind: 'Quantize', name: 'q', inputs: [0], outputs: [1] },
        { kind: 'Dequantize', name: 'd', inputs: [1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    const seen: number[] = [];
    const [y] = runGraph(g, [Float32Array.from([1.2, -0.3])], { onTensor: (i) => seen.push(i) });
    expect(seen).toEqual([1, 2]);
    expect(Array.from(y!)).toEqual([1, -0.5]);
  });
});
