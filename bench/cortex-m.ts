/**
 * KWS and AD01 (int8), and the stateful TFLM models (trained_lstm_int8: LSTM; keyword_scrambled_8bit:
 * SVDF) on qemu-mps2-an386 (Cortex-M4): guest instructions per inference (per stream step for
 * the stateful ones) with the reference C kernels and with the Cortex-M DSP kernels, the ratio,
 * MACs per instruction, flash/RAM of each build and the state RAM kept between steps. Every run
 * is validated against the TypeScript reference (a session over the same steps when stateful).
 *
 * What the figures are: QEMU with -icount shift=0 advances virtual time 1 ns per instruction and
 * the firmware reads SysTick (board clock, 25 MHz) around N inferences, so
 * instructions = ticks × 40, exact to ±40 per measurement and identical run to run. They are
 * instruction counts, not silicon cycles (no wait states, no pipeline, no SMLAD latency).
 *
 *   npx tsx bench/cortex-m.ts
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard } from '../src/boards/load.js';
import { convertModel } from '../src/pipeline/convert.js';
import { benchProject, defaultInput } from '../src/pipeline/bench.js';
import { runGraph } from '../src/reference/interpreter.js';

const MODELS = fileURLToPath(new URL('../../shared/models/mlperf-tiny/', import.meta.url));
const TFLM = fileURLToPath(new URL('../../shared/models/tflite-micro/', import.meta.url));
const board = loadBoard('qemu-mps2-an386');
const work = mkdtempSync(join(tmpdir(), 'tinyml-bench-cortex-m-'));
const N = 3;

const rows: string[][] = [['model', 'kernels', 'instructions/inf', 'MACs', 'MACs/instr', 'flash B', 'RAM B', 'state B', 'valid', 'vs reference']];
for (const [name, file, input] of [
  ['kws', MODELS + 'kws_ref_model.tflite', new Uint8Array(readFileSync(MODELS + 'kws_input_0.int8.bin'))],
  ['ad01', MODELS + 'ad01_int8.tflite', defaultInput(640, 0xad01)],
  ['lstm', TFLM + 'trained_lstm_int8.tflite', new Uint8Array(readFileSync(TFLM + 'tflm-outputs/trained_lstm_int8.in0.bin')).subarray(1568, 1568 + 784)],
  ['svdf', TFLM + 'keyword_scrambled_8bit.tflite', new Uint8Array(readFileSync(TFLM + 'tflm-outputs/keyword_scrambled_8bit.in0.bin')).subarray(0, 192)],
] as const) {
  const dir = join(work, name);
  await convertModel(file, { board, outDir: dir, runGraph, measureCode: false });
  let refInstr = 0;
  for (const kernels of ['reference', 'cortex-m']) {
    const r = await benchProject(dir, { board, kernels, inferences: N, input, write: false });
    if (kernels === 'reference') refInstr = r.cyclesPerInference;
    rows.push([name, kernels, String(r.cyclesPerInference), String(r.macs), r.macsPerCycle.toFixed(3), String(r.flashBytes), String(r.ramBytes), String(r.stateBytes), r.validated ? 'yes' : 'NO', (r.cyclesPerInference / refInstr).toFixed(3)]);
  }
}
const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(w[i]!)).join('  '));
console.log(`\nqemu-system-arm -M mps2-an386 -icount shift=0; ${N} timed inferences each (stateful models: ${N} steps of one stream after a reset); instructions are emulated, not silicon cycles.`);
