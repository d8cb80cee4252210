/**
 * TensorFlow.js, loaded once with the best backend this machine has:
 * `@tensorflow/tfjs-node` when it is installed (an optional dependency: its install
 * downloads libtensorflow and fails offline), otherwise the pure-JS packages with the
 * WASM backend for dense work and the CPU backend for convolutions (the WASM backend
 * has no Conv2DBackpropFilter, so it cannot train convnets).
 *
 * tfjs prints a "running TensorFlow.js in Node.js" banner on first use; it is muted here
 * so the CLI's output stays ours.
 */
import type * as TF from '@tensorflow/tfjs';

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
      await tf.setBackend('cpu');
      await tf.ready();
      // The CPU backend prints its "install tfjs-node" banner on first use; mark it used.
      const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
      if (cpu) cpu.firstUse = false;
      return { tf, native: false };
    }
  });
  return loaded;
}

/**
 * Pick the fastest backend that can train this model: WASM for models without
 * convolutions, CPU otherwise (no-op with tfjs-node).
 */
export async function useBackendFor(hasConv: boolean): Promise<string> {
  const { tf, native } = await loadTf();
  if (native) return tf.getBackend();
  const want = hasConv ? 'cpu' : 'wasm';
  if (tf.getBackend() !== want) {
    await quietly(async () => {
      await tf.setBackend(want);
      await tf.ready();
    });
  }
  return tf.getBackend();
}
