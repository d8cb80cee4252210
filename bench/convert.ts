/**
 * Convert each shared MLPerf Tiny model for the host board and print what the code generator
 * costs and saves: arena bytes vs the sum of all activation tensors (the planner's saving) and
 * vs the linear no-reuse planner, weight bytes, generated code bytes (model.o + kernels, text +
 * data, measured with `size`), and the wall time of convert (import → quantize if float →
 * plan → emit → project on disk → code-size build).
 *
 *   npx tsx bench/convert.ts
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBoard } from '../src/boards/load.js';
import { convertModel } from '../src/pipeline/convert.js';
import { runGraph } from '../src/reference/interpreter.js';

const MODELS = fileURLToPath(new URL('../../shared/models/mlperf-tiny/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tinyml-bench-convert-'));

// Calibration for the float models: ad01's first 20 real slices; KWS's one real sample
// (dequantized with the int8 model's input parameters: scale/zero point read from its report).
const ad01Cal = join(work, 'ad01-cal.bin');
writeFileSync(ad01Cal, readFileSync(MODELS + 'normal_id_01_00000000_hist_librosa.bin').subarray(0, 20 * 640 * 4));

const board = resolveBoard('host');
const rows: string[][] = [['model', 'convert s', 'arena B', 'activations B', 'saving', 'linear B', 'weights B', 'code B', 'MACs']];

async function bench(file: string, calibration?: string): Promise<{ inScale: number; inZp: number }> {
  const t0 = performance.now();
  const r = await convertModel(MODELS + file, { board, outDir: join(work, file), runGraph, ...(calibration ? { calibration } : {}) });
  const secs = (performance.now() - t0) / 1000;
  const s = r.report.sizes;
  rows.push([
    file,
    secs.toFixed(2),
    String(s.arenaBytes),
    String(s.activationBytes),
    `${(s.activationBytes / Math.max(1, s.arenaBytes)).toFixed(1)}x`,
    String(s.linearArenaBytes),
    String(s.weightBytes),
    String(s.codeBytes ?? '-'),
    String(s.macs),
  ]);
  return { inScale: r.report.input.scale, inZp: r.report.input.zeroPoint };
}

const kws = await bench('kws_ref_model.tflite');
await bench('ad01_int8.tflite');
await bench('ad01_fp32.tflite', ad01Cal);
const kwsIn = new Int8Array(readFileSync(MODELS + 'kws_input_0.int8.bin'));
const kwsCal = join(work, 'kws-cal.bin');
writeFileSync(kwsCal, Buffer.from(Float32Array.from(kwsIn, (v) => kws.inScale * (v - kws.inZp)).buffer));
await bench('kws_ref_model_float32.tflite', kwsCal);

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
console.log(`\n(convert time includes quantization for the float models and a host compile for code size; projects in ${work})`);
