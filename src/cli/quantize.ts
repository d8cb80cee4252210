import { rename, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { writeTfliteFile } from '../codegen/tflite-writer.js';
import { TinymlError } from '../errors.js';
import { importModel, supportedSourceOps } from '../importers/index.js';
import { assertSupported } from '../ops/support.js';
import { elementCount } from '../ir/graph.js';
import { runGraph } from '../reference/interpreter.js';
import { loadSamples, syntheticSamples, type CalibrationSet } from '../quantize/calibration-data.js';
import type { FidelityMetrics } from '../quantize/fidelity.js';
import { OBSERVER_KINDS, type ObserverKind } from '../quantize/observers.js';
import { DEFAULT_OBSERVER, isQuantizedModel, quantizeModel, SYNTHETIC_WARNING, type QuantizeOptions, type QuantReport } from '../quantize/quantize.js';
import { cliLogger, printJson, progressBar } from './output.js';

interface QuantizeCliOptions {
  calibration?: string;
  holdout?: string;
  output: string;
  observer: ObserverKind;
  percentile?: string;
  syntheticSamples: string;
  seed: string;
  classifier?: boolean;
  perTensorDense?: boolean;
  activations: 'int8' | 'int16';
  json?: boolean;
}

function fmt(x: number | null, digits = 4): string {
  if (x === null) return '—';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 1);
  return x.toFixed(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function renderReport(r: QuantReport, output: string, reportPath: string): string {
  const lines: string[] = [];
  if (r.calibration?.warning) {
    const bar = '!'.repeat(78);
    lines.push(bar, `!! WARNING: ${r.calibration.warning}`, bar, '');
  }
  lines.push(`model:   ${r.model}`, `output:  ${output}`, `report:  ${reportPath}`);
  if (r.alreadyInt8) {
    lines.push('', 'The model is already quantized: written unchanged (every parameter kept bit for bit). No fidelity figures (no float model).');
  } else {
    const cal = r.calibration!;
    lines.push(`activations: ${r.activations === 'int16' ? 'int16 (16x8: int8 weights, int64 biases)' : 'int8'}`, `observer: ${r.observer}`, `dense weights: ${r.fullyConnectedWeights}`, `calibration: ${cal.samples} samples (${cal.source}${cal.files.length ? ': ' + cal.files.join(', ') : ''})`);
    if (r.holdout) lines.push(`held-out:    ${r.holdout.samples} samples (${r.holdout.files.join(', ')})`);
  }
  lines.push('', 'Quantized inputs (q = round(x / scale) + zero_point) and outputs (x = scale × (q − zero_point)):');
  const io = [['', 'tensor', 'dtype', 'shape', 'scale', 'zero point']];
  for (const t of r.inputs) io.push(['input', t.name, t.dtype, `[${t.shape.join(',')}]`, String(t.scale), String(t.zeroPoint)]);
  for (const t of r.outputs) io.push(['output', t.name, t.dtype, `[${t.shape.join(',')}]`, String(t.scale), String(t.zeroPoint)]);
  lines.push(table(io));
  const sets: [string, FidelityMetrics][] = [];
  if (r.fidelity.calibration) sets.push(['calibration', r.fidelity.calibration]);
  if (r.fidelity.holdout) sets.push(['held-out', r.fidelity.holdout]);
  if (sets.length > 0) {
    lines.push('', `Fidelity of dequantized ${r.activations === 'int16' ? '16x8' : 'int8'} outputs vs float:`);
    const rows = [['', ...sets.map(([n]) => n)]];
    rows.push(['samples', ...sets.map(([, m]) => String(m.samples))]);
    rows.push(['top-1 agreement', ...sets.map(([, m]) => (m.top1Agreement === null ? 'n/a (not a classifier)' : `${(m.top1Agreement * 100).toFixed(1)}%`))]);
    rows.push(['max |error|', ...sets.map(([, m]) => fmt(m.maxAbsError))]);
    rows.push(['mean |error|', ...sets.map(([, m]) => fmt(m.meanAbsError))]);
    rows.push(['MSE', ...sets.map(([, m]) => fmt(m.mse))]);
    lines.push(table(rows));
    lines.push('', `Per-layer SQNR (dB, float activation vs dequantized ${r.activations === 'int16' ? 'int16' : 'int8'}; higher is better, — = exact):`);
    const lrows = [['#', 'op', 'layer', ...sets.map(([n]) => n)]];
    const first = sets[0]![1];
    first.layers.forEach((l, k) => lrows.push([String(k), l.kind, l.name, ...sets.map(([, m]) => fmt(m.layers[k]!.sqnrDb, 2))]));
    lines.push(table(lrows));
  }
  return lines.join('\n');
}

async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
    await rename(tmp, path);
  } catch (err) {
    throw new TinymlError('input', `cannot write ${path}: ${(err as Error).message}`);
  }
}

export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description('Quantize a float model to a fully-int8 .tflite (TFLite int8 scheme), or to 16x8 (int16 activations), and report its fidelity vs the float model.')
    .argument('<model>', 'float model (.tflite, Keras .h5/.keras, TF.js model.json, .onnx)')
    .option('-c, --calibration <data>', 'calibration samples: .npy (N × input shape), raw float32 .bin (N samples concatenated), or a folder of those')
    .requiredOption('-o, --output <file>', 'int8 .tflite to write')
    .option('--holdout <data>', 'held-out samples (same formats) for the fidelity report')
    .addOption(new Option('--observer <kind>', `how activation ranges are chosen (default ${DEFAULT_OBSERVER})`).choices([...OBSERVER_KINDS]).default(DEFAULT_OBSERVER))
    .option('--percentile <p>', 'percentile for --observer percentile', '99.99')
    .option('--synthetic-samples <n>', 'without --calibration: number of synthetic N(0,1) samples', '32')
    .option('--seed <n>', 'seed for synthetic samples', '1')
    .addOption(new Option('--activations <dtype>', 'activation type: int8, or int16 for 16x8 (int16 activations, int8 weights, int64 biases; TFLite Micro runs it)').choices(['int8', 'int16']).default('int8'))
    .option('--per-tensor-dense', 'FullyConnected weights with one scale per tensor (TFLite converter default; for TFLite Micro before per-channel FULLY_CONNECTED)')
    .option('--classifier', 'report top-1 agreement even if the model does not end in Softmax')
    .option('--no-classifier', 'do not report top-1 agreement')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  tinyml quantize ad01_fp32.tflite --calibration calib.npy -o ad01.int8.tflite
  tinyml quantize kws_float.tflite --calibration samples/ --holdout test.bin -o kws.int8.tflite --json
  tinyml quantize model.h5 --calibration x.bin --observer minmax -o model.int8.tflite
  tinyml quantize kws_float.tflite --calibration samples/ --activations int16 -o kws.16x8.tflite

The model's input and output become int8 (like TFLite's inference_input_type=int8), or int16
with --activations int16; their scale and zero point are printed and stored in
<output>.quant-report.json next to the model. 16x8 keeps int8 weights (dense layers per tensor,
as TFLite Micro's int16 kernel needs) and int64 biases, and quantizes activations symmetrically
(zero point 0): more fidelity for twice the activation memory.
Observers: mse (default: per-tensor range minimising quantization error), minmax (what TFLite's
converter does), percentile.`,
    )
    .action(async (modelPath: string, o: QuantizeCliOptions) => {
      const log = cliLogger('QUANT', { quiet: !!o.json });
      const graph = await importModel(modelPath);
      assertSupported(graph, supportedSourceOps(graph)); // every unsupported layer at once (exit 4)
      const opts: QuantizeOptions = { run: runGraph, observer: o.observer, logger: log };
      if (o.percentile !== undefined) {
        const p = Number(o.percentile);
        if (!(p > 50 && p <= 100)) throw new TinymlError('usage', `--percentile ${o.percentile}: must be a number in (50, 100]`);
        opts.percentile = p;
      }
      if (o.classifier !== undefined) opts.classifier = o.classifier;
      if (o.perTensorDense) opts.perTensorFullyConnected = true;
      opts.activations = o.activations;
      if (!isQuantizedModel(graph)) {
        const inT = graph.tensors[graph.inputs[0]!]!;
        const size = elementCount(inT.shape);
        let cal: CalibrationSet;
        if (o.calibration) {
          cal = await loadSamples(o.calibration, size);
        } else {
          const n = Number(o.syntheticSamples);
          if (!Number.isInteger(n) || n < 1) throw new TinymlError('usage', `--synthetic-samples ${o.syntheticSamples}: must be a positive integer`);
          cal = syntheticSamples(n, size, Number(o.seed) || 1);
          if (!o.json) process.stderr.write(`\n${'!'.repeat(78)}\n!! WARNING: ${SYNTHETIC_WARNING}\n${'!'.repeat(78)}\n\n`);
        }
        opts.calibration = cal;
        if (o.holdout) opts.holdout = await loadSamples(o.holdout, size);
      } else if (o.calibration) {
        log.info(`${modelPath} is already int8: calibration data is not used, parameters are kept bit for bit`);
      }
      const bar = progressBar('quantize', !o.json);
      opts.onProgress = bar.onProgress;
      let result;
      try {
        result = quantizeModel(graph, opts);
      } finally {
        bar.stop();
      }
      await writeTfliteFile(result.graph, o.output);
      const reportPath = `${o.output}.quant-report.json`;
      const json = { ...result.report, output: o.output, reportPath };
      await writeJsonFile(reportPath, json);
      if (o.json) printJson(json);
      else process.stdout.write(renderReport(result.report, o.output, reportPath) + '\n');
    });
}
