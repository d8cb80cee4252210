/**
 * Runs an int8 .tflite model through TFLite itself — @tensorflow/tfjs-tflite, TFLite compiled
 * to WASM for browsers — under Node, to cross-check `tinyml run` against an independent
 * implementation. Not a dependency of tinyml: install it next to this script's caller first.
 *
 *   mkdir /tmp/tfl && (cd /tmp/tfl && npm init -y && npm i @tensorflow/tfjs-tflite@0.0.1-alpha.10 \
 *       @tensorflow/tfjs-core@4 @tensorflow/tfjs-backend-cpu@4)
 *   NODE_PATH=/tmp/tfl/node_modules node bench/tflite-wasm-run.cjs model.tflite in.bin tflite-out.bin
 *   npx tsx src/cli/entry.ts run model.tflite --input in.bin -o ref-out.bin
 *   cmp -l tflite-out.bin ref-out.bin | wc -l      # differing bytes
 *
 * in.bin: N concatenated int8 samples of input 0; out.bin: the int8 output 0 of every sample.
 *
 * JSON mode, for any number of inputs and outputs of any dtype (test/ops/harness.ts):
 *   node bench/tflite-wasm-run.cjs --json model.tflite samples.json out.json
 * samples.json: [[input 0 values, input 1 values, ...] per sample]; out.json: [[output 0
 * values, output 1 values, ...] per sample], outputs in the model's output order.
 * How it runs under Node: the package's loader believes it is in a Web Worker when `window` is
 * undefined, and loads its Emscripten glue with importScripts; we provide `self`, `navigator`,
 * `location` and an importScripts that evaluates the non-threaded glue and hands it the .wasm
 * bytes. Known difference: this build requantizes with a single rounding
 * (TFLITE_SINGLE_ROUNDING-style), TFLM and tinyml with gemmlowp's double rounding, so outputs
 * can differ by one LSB where SaturatingRoundingDoublingHighMul lands on a tie; softmax,
 * logistic, tanh and add agree byte for byte.
 */
const fs = require('fs');
const vm = require('vm');
const path = require('path');

const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
const W = path.join(pkgDir, 'wasm') + path.sep;
globalThis.self = globalThis;
globalThis.navigator = { userAgent: 'node', hardwareConcurrency: 1 };
globalThis.location = { origin: 'file://', href: 'file://' + W };
globalThis.importScripts = (url) => {
  const name = path.basename(url);
  const js = name.includes('threaded') ? 'tflite_web_api_cc_simd.js' : name;
  vm.runInThisContext(fs.readFileSync(W + js, 'utf8'), { filename: js });
  const wasm = fs.readFileSync(W + js.replace('.js', '.wasm'));
  const factory = globalThis.tflite_web_api_ModuleFactory;
  globalThis.tflite_web_api_ModuleFactory = (cfg = {}) => factory({ ...cfg, wasmBinary: wasm });
};
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tflite = require('@tensorflow/tfjs-tflite');

async function runJson(modelPath, inPath, outPath) {
  await tf.setBackend('cpu');
  tflite.setWasmPath(W);
  const model = await tflite.loadTFLiteModel(new Uint8Array(fs.readFileSync(modelPath)).buffer, { numThreads: 1 });
  const samples = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const results = [];
  for (const sample of samples) {
    // A scalar input is reported with shape [0]: give its one value shape [].
    const shapeOf = (inp, k) => (sample[k].length === 1 && inp.shape.reduce((a, b) => a * b, 1) === 0 ? [] : inp.shape);
    const xs = model.inputs.map((inp, k) => tf.tensor(sample[k], shapeOf(inp, k), inp.dtype === 'float32' ? 'float32' : 'int32'));
    const r = model.predict(xs.length === 1 ? xs[0] : xs);
    let outs;
    if (r instanceof tf.Tensor) outs = [r];
    else if (Array.isArray(r)) outs = r;
    else outs = model.outputs.map((o) => r[o.name]);
    results.push(outs.map((t) => Array.from(t.dataSync())));
  }
  fs.writeFileSync(outPath, JSON.stringify(results));
}

(async () => {
  if (process.argv[2] === '--json') return runJson(...process.argv.slice(3));
  const [modelPath, inPath, outPath] = process.argv.slice(2);
  if (!outPath) throw new Error('usage: node tflite-wasm-run.cjs model.tflite in.bin out.bin');
  await tf.setBackend('cpu');
  tflite.setWasmPath(W);
  const model = await tflite.loadTFLiteModel(new Uint8Array(fs.readFileSync(modelPath)).buffer, { numThreads: 1 });
  const shape = model.inputs[0].shape;
  const per = shape.reduce((a, b) => a * b, 1);
  const all = new Int8Array(fs.readFileSync(inPath));
  const outs = [];
  for (let s = 0; s < all.length / per; s++) {
    const x = tf.tensor(Array.from(all.subarray(s * per, (s + 1) * per)), shape, 'int32'); // int8 travels as int32 in tfjs
    outs.push(...model.predict(x).dataSync());
  }
  fs.writeFileSync(outPath, Int8Array.from(outs));
  console.log(`${all.length / per} sample(s) → ${outPath}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
