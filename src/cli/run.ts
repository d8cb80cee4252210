import type { Command } from 'commander';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { TinymlError } from '../errors.js';
import { importModel, supportedSourceOps } from '../importers/index.js';
import type { Graph, TensorData } from '../ir/graph.js';
import { readSamples, tensorBytesLE } from '../io/samples.js';
import { resolveRunBackend } from '../pipeline/run-backends.js';
import { assertSupported } from '../ops/support.js';
import { createSession, runGraph } from '../reference/interpreter.js';
import { cliLogger, printJson, progressBar } from './output.js';
import { needsQuantization } from '../codegen/prepare.js';
import { runFloatOnFirmware } from './run-float.js';

/**
 * `tinyml run <model> --input <file>`: run N samples through the reference interpreter (or,
 * with --board, through a registered generated-code backend) and print or save the outputs.
 * Each sample starts from the model's initial state; with --stream the samples are the
 * consecutive steps of one stream and the state of a stateful model (LSTM, SVDF, resource
 * variables) carries over from each step to the next, in every backend.
 */

export interface RunCommandOptions {
  input: string[];
  json?: boolean;
  output?: string;
  board?: string;
  stream?: boolean;
  /** Float models with --board: calibration samples, as for convert. */
  calibration?: string;
}

function argmax(d: TensorData): number {
  let best = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! > d[best]!) best = i;
  return best;
}

async function loadInputs(graph: Graph, files: string[]): Promise<TensorData[][]> {
  if (files.length !== graph.inputs.length) {
    throw new TinymlError(
      'usage',
      `model '${graph.name}' has ${graph.inputs.length} input(s) but ${files.length} --input file(s) were given`,
      'Give one --input file per model input, in the model\'s input order (see `tinyml inspect`).',
    );
  }
  // Samples come in the model's own layout (NCHW for ONNX): the graph's inputs keep it.
  const perInput = await Promise.all(graph.inputs.map(async (ti, k) => readSamples(files[k]!, graph.tensors[ti]!)));
  const n = perInput[0]!.length;
  perInput.forEach((s, k) => {
    if (s.length !== n) throw new TinymlError('input', `${files[k]} holds ${s.length} samples but ${files[0]} holds ${n}`);
  });
  return Array.from({ length: n }, (_, s) => perInput.map((p) => p[s]!));
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new TinymlError('input', `cannot write ${path}: ${e.message}`);
  }
}

export async function runCommand(model: string, opts: RunCommandOptions): Promise<void> {
  const log = cliLogger('RUN', { quiet: opts.json === true });
  const graph = await importModel(model);
  assertSupported(graph, supportedSourceOps(graph)); // every unsupported layer at once (exit 4), before any input is read
  const samples = await loadInputs(graph, opts.input);
  // A float model on a board: the int8 firmware convert would produce, next to the float model.
  if (opts.board !== undefined && needsQuantization(graph)) {
    await runFloatOnFirmware(model, graph, samples, { board: opts.board, ...(opts.calibration ? { calibration: opts.calibration } : {}), ...(opts.json ? { json: true } : {}), ...(opts.output ? { output: opts.output } : {}), ...(opts.stream ? { stream: true } : {}) });
    return;
  }
  const bar = progressBar('run', !opts.json && samples.length > 1);
  let outputs: TensorData[][];
  let backendName = 'reference';
  try {
    if (opts.board !== undefined) {
      const { board, backend } = await resolveRunBackend(opts.board);
      backendName = `${board.id} (${board.template})`;
      outputs = await backend({ graph, modelPath: model, board, samples, logger: log, onProgress: bar.onProgress, stream: opts.stream === true });
    } else {
      const session = opts.stream ? createSession(graph) : undefined;
      outputs = samples.map((s, i) => {
        const o = session ? session.run(s) : runGraph(graph, s);
        bar.onProgress(i + 1, samples.length, 'samples');
        return o;
      });
    }
  } finally {
    bar.stop();
  }
  if (opts.output) {
    const parts = outputs.flatMap((o) => o.map(tensorBytesLE));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    await writeAtomic(opts.output, bytes);
    log.info(`${outputs.length} sample(s) → ${opts.output} (${bytes.length} bytes, ${backendName})`);
  }

  const single = graph.outputs.length === 1;
  if (opts.json) {
    printJson({
      model,
      backend: backendName,
      samples: outputs.length,
      stream: opts.stream === true,
      outputTensors: graph.outputs.map((ti) => {
        const t = graph.tensors[ti]!;
        return { name: t.name, shape: [...t.shape], dtype: t.dtype, scale: t.quant?.scale[0] ?? null, zeroPoint: t.quant?.zeroPoint[0] ?? null };
      }),
      outputs: outputs.map((o) => (single ? Array.from(o[0]!) : o.map((d) => Array.from(d)))),
      argmax: outputs.map((o) => (single ? argmax(o[0]!) : o.map(argmax))),
    });
  } else if (!opts.output) {
    const lines = outputs.map((o, s) => {
      const parts = o.map((d) => `[${Array.from(d).join(', ')}] argmax ${argmax(d)}`);
      return `${opts.stream ? 'step' : 'sample'} ${s}: ${parts.join('  ')}`;
    });
    process.stdout.write(lines.join('\n') + '\n');
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run samples through a model with the reference interpreter (TFLite integer semantics, bit-exact) and print or save the outputs.')
    .argument('<model>', 'model file (.tflite, Keras .h5/.keras, TF.js model.json, .onnx)')
    .requiredOption('-i, --input <file...>', 'raw samples: N concatenated samples in the input dtype (int8 bytes, or little-endian float32); one file per model input')
    .option('--json', 'print { outputs: [[...], ...], argmax: [...] } on stdout')
    .option('-o, --output <file>', 'write the raw output bytes of every sample, one after another (same dtype rules as --input)')
    .option('--board <id>', 'run the generated C for this board instead of the reference interpreter (host: native build; emulated boards: QEMU); a float model runs as the int8 firmware convert would produce, next to the float reference')
    .option('-c, --calibration <data>', 'float models with --board: calibration samples, as for convert (.npy, raw float32 .bin, or a folder)')
    .option('--stream', 'the samples are consecutive steps of one stream: a stateful model (LSTM, SVDF, variables) keeps its state from each step to the next; without it every sample starts fresh')
    .addHelpText(
      'after',
      `
Examples:
  tinyml run kws_ref_model.tflite --input kws_input_0.int8.bin
  tinyml run ad01_fp32.tflite --input slices.f32.bin --json
  tinyml run kws_ref_model.tflite --input inputs.bin -o outputs.bin
  tinyml run kws_ref_model.tflite --input inputs.bin --board host --json   (generated C, same bytes)
  tinyml run keyword_scrambled_8bit.tflite --input frames.i16.bin --stream --board qemu-mps2-an386
                                             (100 frames as one stream; state carried on the Cortex-M)
  tinyml run kws_ref_model_float32.tflite --input kws_input_0.f32.bin --board host --calibration cal.bin
        (a float model: its int8 firmware's dequantized outputs next to the float ones, with the error)

Output: one line per sample with the output values and their argmax. int8 models take and
give raw int8 values (quantize inputs with the input tensor's scale and zero point first;
\`tinyml inspect\` shows them). JSON: { model, backend, samples, outputTensors, outputs, argmax };
for models with several outputs each entry of outputs is a list with one array per output.
ONNX models take and give data in their own layout (NCHW), as ONNX Runtime and PyTorch do.
--stream prints one line per step ("step k: ..."); JSON gains "stream": true. Stateless models
give the same outputs either way.`,
    )
    .action(async (model: string, opts: RunCommandOptions) => {
      await runCommand(model, opts);
    });
}
