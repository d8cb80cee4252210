/**
 * The three gradient kernels the tfjs WASM backend lacks for training convnets, so that
 * CNN and DS-CNN students train there instead of on the pure-JS CPU backend (about 50×
 * slower for the same network on this machine: bench/distill-mnist.ts prints per-epoch times).
 *
 * - `Conv2DBackpropFilter`: im2col of the input in JS, then one `BatchMatMul` kernel of
 *   the WASM backend: dW[K, Cout] = patchesᵀ[K, M] · dy[M, Cout] with K = kh·kw·Cin and
 *   M = N·outH·outW.
 * - `DepthwiseConv2dNativeBackpropFilter` / `…BackpropInput`: direct loops (a depthwise
 *   layer costs H·W·C·kh·kw, small next to the pointwise convs around it).
 *
 * Geometry (strides, 'same'/'valid'/explicit padding, dilations) comes from tfjs'
 * `computeConv2DInfo`, the same function the CPU backend's kernels use; the tests compare
 * every kernel against the CPU backend's on strided, padded and odd-sized cases.
 * (The WASM backend's `Conv3DBackpropFilterV2` cannot stand in for the 2-D filter
 * gradient: in tfjs 4.22 it disagrees with the CPU backend when strides > 1.)
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './tf.js';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TF.TensorInfo;
  typedArrayFromHeap(t: TF.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

type Attrs = {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
};

function convInfo(tf: Tf, xShape: number[], filterShape: number[], attrs: Attrs, depthwise: boolean) {
  if (attrs.dataFormat === 'NCHW') throw new Error('WASM training kernels support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    depthwise,
  );
}

/**
 * Every (output position, filter tap) pair of a depthwise convolution that reads inside the
 * input: `visit(xBase, wBase, dyBase)` gets the offsets of the input pixel, the filter tap
 * and the output pixel (channel 0 of each).
 */
function forEachTap(c: ReturnType<typeof convInfo>, visit: (xBase: number, wBase: number, dyBase: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = c;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  for (let bi = 0; bi < n; bi++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dBase = ((bi * oh + oy) * ow + ox) * co;
        for (let fy = 0; fy < kh; fy++) {
          const iy = oy * sh + fy * dh - c.padInfo.top;
          if (iy < 0 || iy >= h) continue;
          for (let fx = 0; fx < kw; fx++) {
            const ix = ox * sw + fx * dw - c.padInfo.left;
            if (ix < 0 || ix >= w) continue;
            visit(((bi * h + iy) * w + ix) * ci, (fy * kw + fx) * co, dBase);
          }
        }
      }
    }
  }
}

let registered = false;

/** Register the kernels with the WASM backend (once per process). */
export function registerWasmTrainingKernels(tf: Tf): void {
  if (registered) return;
  registered = true;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('tfjs WASM backend is not loaded');

  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackend;
      const { x, dy } = inputs as { x: TF.TensorInfo; dy: TF.TensorInfo };
      const a = attrs as unknown as Attrs;
      const c = convInfo(tf, x.shape, a.filterShape!, a, false);
      const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = c;
      const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
      const top = c.padInfo.top;
      const left = c.padInfo.left;
      const k = kh * kw * ci;
      const m = n * oh * ow;
      // Allocate first: growing the WASM heap detaches views taken before.
      const patches = b.makeOutput([m, k], 'float32');
      const xs = b.typedArrayFromHeap(x);
      const p = b.typedArrayFromHeap(patches);
      p.fill(0);
      let row = 0;
      for (let bi = 0; bi < n; bi++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++, row++) {
            let col = row * k;
            for (let fy = 0; fy < kh; fy++) {
              const iy = oy * sh + fy * dh - top;
              if (iy < 0 || iy >= h) {
                col += kw * ci;
                continue;
              }
              for (let fx = 0; fx < kw; fx++, col += ci) {
                const ix = ox * sw + fx * dw - left;
                if (ix < 0 || ix >= w) continue;
                const src = ((bi * h + iy) * w + ix) * ci;
                p.set(xs.subarray(src, src + ci), col);
              }
            }
          }
        }
      }
      const dy2 = { dataId: dy.dataId, shape: [m, co], dtype: 'float32' } as TF.TensorInfo;
      const out = matMul.kernelFunc({
        inputs: { a: patches, b: dy2 },
        backend,
        attrs: { transposeA: true, transposeB: false },
      }) as TF.TensorInfo;
      b.disposeData(patches.dataId);
      return { dataId: out.dataId, shape: [kh, kw, ci, co], dtype: 'float32' };
    },
  });

  // Depthwise kernels are [kh, kw, C, multiplier]; output channel q = c·mult + j.
  tf.registerKernel({
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackend;
      const { x, dy } = inputs as { x: TF.TensorInfo; dy: TF.TensorInfo };
      const a = attrs as unknown as Attrs;
      const c = convInfo(tf, x.shape, a.filterShape!, a, true);
      const { inChannels: ci, outChannels: co } = c;
      const mult = co / ci;
      const xs = b.typedArrayFromHeap(x);
      const ds = b.typedArrayFromHeap(dy);
      const acc = new Float64Array(c.filterHeight * c.filterWidth * co);
      forEachTap(c, (xBase, wBase, dBase) => {
        for (let q = 0; q < co; q++) acc[wBase + q]! += xs[xBase + Math.floor(q / mult)]! * ds[dBase + q]!;
      });
      const out = b.makeOutput([c.filterHeight, c.filterWidth, ci, mult], 'float32');
      b.typedArrayFromHeap(out).set(acc);
      return out;
    },
  });

  tf.registerKernel({
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackend;
      const { dy, filter } = inputs as { dy: TF.TensorInfo; filter: TF.TensorInfo };
      const a = attrs as unknown as Attrs;
      const c = convInfo(tf, a.inputShape!, filter.shape, a, true);
      const { inChannels: ci, outChannels: co } = c;
      const mult = co / ci;
      const ds = b.typedArrayFromHeap(dy);
      const fs = b.typedArrayFromHeap(filter);
      const acc = new Float64Array(c.batchSize * c.inHeight * c.inWidth * ci);
      forEachTap(c, (xBase, wBase, dBase) => {
        for (let q = 0; q < co; q++) acc[xBase + Math.floor(q / mult)]! += ds[dBase + q]! * fs[wBase + q]!;
      });
      const out = b.makeOutput([c.batchSize, c.inHeight, c.inWidth, ci], 'float32');
      b.typedArrayFromHeap(out).set(acc);
      return out;
    },
  });
}
