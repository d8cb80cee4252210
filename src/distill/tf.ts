/**
 * TensorFlow.js, loaded once with the best backend this machine has:
 * `@tensorflow/tfjs-node` when it is installed (an optional dependency: its install
 * downloads libtensorflow and fails offline), otherwise the WASM backend, completed with
 * the convnet gradient kernels it lacks (`wasm-kernels.ts`). The pure-JS CPU backend is the
 * last resort when WASM cannot start.
 *
 * tfjs prints a "running TensorFlow.js in Node.js" banner on first use; it is muted here
 * so the CLI's output stays ours.
 */
import type * as TF from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

export type Tf = typeof TF;

let loaded: { tf: Tf; native: boolean } | undefined;

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const log = console.log;
  console.warn = () => {};
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

export async function loadTf(): Promise<{ tf: Tf; native: boolean }> {
  if (loaded) return loaded;
  loaded = await quietly(async () => {
    try {
      const modName = '@tensorflow/tfjs-node';
      const tf = (await import(modName)) as Tf;
      await tf.ready();
      return { tf, native: true };
    } catch {
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        registerWasmTrainingKernels(tf);
      } else {
        await tf.setBackend('cpu');
        // The CPU backend prints its "install tfjs-node" banner on first use; mark it used.
        const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
        if (cpu) cpu.firstUse = false;
      }
      await tf.ready();
      return { tf, native: false };
    }
  });
  return loaded;
}
