import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { modelHash } from '../codegen/model-hash.js';
import { stripFloatEdges } from '../codegen/prepare.js';
import { TinymlError } from '../errors.js';
import type { Graph, TensorData } from '../ir/graph.js';
import { compareWithFloat, firmwareInputs, quantizeAsConvert } from '../quantize/firmware-vs-float.js';
import { resolveRunBackend } from '../pipeline/run-backends.js';
import { createSession, runGraph, type RunGraph } from '../reference/interpreter.js';
import { cliLogger, printJson, progressBar } from './output.js';

/**
 * `tinyml run <float model> --board <id>`: the int8 firmware `convert` would produce, on the
 * board, next to the float model in the reference interpreter, with the error between them.
 */
export interface RunFloatOptions {
  board: string;
  calibration?: string;
  json?: boolean;
  output?: string;
  /** The samples are consecutive steps of one stream: firmware and float model carry their state. */
  stream?: boolean;
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

export async function runFloatOnFirmware(model: string, floatGraph: Graph, samples: TensorData[][], opts: RunFloatOptions): Promise<void> {
  const log = cliLogger('RUN', { quiet: opts.json === true });
  const { board, backend } = await resolveRunBackend(opts.board);
  log.info(`${model} is a float model: running the int8 firmware \`tinyml convert\` would produce for ${board.id}, next to the float model`);
  const calBar = progressBar('calibrate', !opts.json);
  const q = await quantizeAsConvert(floatGraph, {
    runGraph,
    logger: log,
    onProgress: calBar.onProgress,
    ...(opts.calibration ? { calibration: opts.calibration } : {}),
  }).finally(() => calBar.stop());
  const bar = progressBar('run', !opts.json && samples.length > 1);
  const out = await backend({ graph: q.graph, modelPath: model, board, samples: firmwareInputs(q.graph, samples), logger: log, onProgress: bar.onProgress, stream: opts.stream === true }).finally(() => bar.stop());
  // With --stream the float model runs the samples as one stream too (a session), as the firmware does.
  const session = opts.stream ? createSession(floatGraph) : undefined;
  const floatRun: RunGraph = session ? (_g, x, o) => session.run(x, o) : runGraph;
  const cmp = compareWithFloat(floatRun, floatGraph, q.graph, samples, out);
  const backendName = `${board.id} (${board.template}, int8 firmware)`;

  if (opts.output) {
    // Same dtype rules as --input: the float model's outputs are float32, so the firmware's
    // dequantized outputs are written as little-endian float32.
    const all = new Float32Array(cmp.samples.flatMap((s) => s.firmware));
    const tmp = join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, new Uint8Array(all.buffer));
      await rename(tmp, opts.output);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new TinymlError('input', `cannot write ${opts.output}: ${(err as Error).message}`);
    }
    log.info(`${samples.length} sample(s) → ${opts.output} (dequantized firmware outputs, float32)`);
  }

  const calibration = q.report.calibration;
  if (opts.json) {
    printJson({
      model,
      backend: backendName,
      // The hash convert-report.json gives for the same model and calibration: the same firmware.
      modelHash: modelHash(stripFloatEdges(q.graph)),
      samples: samples.length,
      quantization: {
        calibration: calibration ? { source: calibration.source, files: calibration.files, samples: calibration.samples } : null,
        warning: calibration?.warning ?? null,
        input: q.report.inputs[0] ?? null,
        output: q.report.outputs[0] ?? null,
      },
      classifier: cmp.classifier,
      outputs: cmp.samples,
      maxAbsError: cmp.maxAbsError,
      meanAbsError: cmp.meanAbsError,
      top1Agreement: cmp.top1Agreement,
    });
    return;
  }
  const lines: string[] = [`int8 firmware on ${backendName} vs the float model (reference interpreter); output '${cmp.output.name}' dequantized with scale ${cmp.output.scale}, zero point ${cmp.output.zeroPoint}`];
  cmp.samples.forEach((s, k) => {
    lines.push(`sample ${k}:`);
    lines.push(`  ${'index'.padStart(5)}  ${'int8'.padStart(5)}  ${'firmware'.padStart(11)}  ${'float'.padStart(11)}  ${'|error|'.padStart(11)}`);
    const n = s.float.length;
    const show = n <= 32 ? [...Array(n).keys()] : [...Array(16).keys()];
    for (const i of show) {
      lines.push(`  ${String(i).padStart(5)}  ${String(s.firmwareInt8[i]).padStart(5)}  ${fmt(s.firmware[i]!).padStart(11)}  ${fmt(s.float[i]!).padStart(11)}  ${fmt(Math.abs(s.firmware[i]! - s.float[i]!)).padStart(11)}`);
    }
    if (n > show.length) lines.push(`  … ${n - show.length} more (--json has them all)`);
    lines.push(`  max |error| ${fmt(s.maxAbsError)}, mean |error| ${fmt(s.meanAbsError)}${s.argmax ? `, argmax firmware ${s.argmax.firmware} / float ${s.argmax.float} (${s.argmax.firmware === s.argmax.float ? 'agree' : 'DIFFER'})` : ''}`);
  });
  lines.push(
    `${samples.length} sample(s): max |error| ${fmt(cmp.maxAbsError)}, mean |error| ${fmt(cmp.meanAbsError)}` +
      (cmp.top1Agreement !== null ? `, top-1 agreement ${Math.round(cmp.top1Agreement * samples.length)}/${samples.length}` : ''),
  );
  if (calibration?.warning) lines.push(`WARNING: ${calibration.warning}`);
  process.stdout.write(lines.join('\n') + '\n');
}
