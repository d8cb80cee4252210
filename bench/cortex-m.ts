/**
 * Int8 models on the emulated Cortex-M boards — qemu-mps2-an386 (M4), qemu-mps2-an500 (M7),
 * qemu-mps2-an505 (M33) — with the reference C kernels and with the Cortex-M kernels: guest
 * instructions per inference (per stream step for the stateful ones), MACs per instruction,
 * flash (.text + .data) and RAM (.data + .bss) of the linked ELF, the state RAM kept between
 * steps, and each layer's share of the instructions. Every run is validated byte for byte
 * against the TypeScript reference interpreter (a session over the same steps when stateful).
 *
 * Models: the MLPerf Tiny KWS DS-CNN and AD01 autoencoder (the published int8 files), two
 * networks with the shapes of MLPerf Tiny's ResNet-8 and MobileNetV1-0.25 VWW models, built
 * here with the project's own tools (bench/synthetic-models.ts: random weights, our quantizer),
 * and the stateful TFLM models trained_lstm_int8 (LSTM) and keyword_scrambled_8bit (SVDF).
 *
 * What the figures are: QEMU with -icount shift=0 advances virtual time 1 ns per instruction and
 * the firmware reads SysTick (board clock) around N inferences, so instructions = ticks x 1e9 /
 * clock, exact to one tick (40 instructions at 25 MHz, 50 at 20 MHz) and identical run to run.
 * Per-layer counts come from the runtime's layer hook (tinyml-layers, counts of the last
 * inference, same tick resolution); the shares are of their sum. They are instruction counts,
 * not silicon cycles (no wait states, no pipeline, no SMLAD latency).
 *
 *   npx tsx bench/cortex-m.ts                 # every model, every board
 *   npx tsx bench/cortex-m.ts kws ad01        # some models
 *   npx tsx bench/cortex-m.ts --json out.json # also write the figures
 */
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard } from '../src/boards/load.js';
import { convertModel } from '../src/pipeline/convert.js';
import { benchProject, defaultInput, loadProjectGraph, type BenchResult } from '../src/pipeline/bench.js';
import { bytesPerElement, type Graph } from '../src/ir/graph.js';
import { runGraph } from '../src/reference/interpreter.js';
import { mobilenetFloat, resnet8Float, writeInt8Tflite } from './synthetic-models.js';

const SHARED = fileURLToPath(new URL('../../shared/models/', import.meta.url));
const BOARDS = ['qemu-mps2-an386', 'qemu-mps2-an500', 'qemu-mps2-an505'];
const N = 3;

/**
 * TFLite Micro (90b983c) + CMSIS-NN (4ab83cc) on qemu-mps2-an386 by the same method, as measured
 * and published in issue 13 of this project: instructions per inference and RAM (.bss + .data,
 * arena included). For resnet8 and mobilenet they are the real MLPerf Tiny models, whose shapes
 * ours share (the weights differ, the work does not).
 */
const TFLM_CMSIS_AN386: Record<string, { instr: number; ram: number }> = {
  kws: { instr: 7_698_263, ram: 23_652 },
  ad01: { instr: 583_476, ram: 3_908 },
  resnet8: { instr: 29_862_803, ram: 55_828 },
  mobilenet: { instr: 24_103_973, ram: 101_540 },
};

interface ModelCase {
  name: string;
  /** A model file under ../shared/models/, or a builder of one. */
  file: string | ((dir: string) => Promise<string>);
  input: (bytes: number) => Uint8Array;
}
const built = (name: string, g: () => Graph) => async (dir: string) => {
  const file = join(dir, `${name}.tflite`);
  await writeInt8Tflite(g(), file);
  return file;
};
const MODELS: ModelCase[] = [
  { name: 'kws', file: 'mlperf-tiny/kws_ref_model.tflite', input: () => new Uint8Array(readFileSync(SHARED + 'mlperf-tiny/kws_input_0.int8.bin')) },
  { name: 'ad01', file: 'mlperf-tiny/ad01_int8.tflite', input: (n) => defaultInput(n, 0xad01) },
  { name: 'resnet8', file: built('resnet8', resnet8Float), input: (n) => defaultInput(n, 0x8) },
  { name: 'mobilenet', file: built('mobilenet', mobilenetFloat), input: (n) => defaultInput(n, 0x96) },
  // Stateful: one sample of TFLM's golden stream (an MNIST row sequence; a 49x40 feature window).
  { name: 'lstm', file: 'tflite-micro/trained_lstm_int8.tflite', input: (n) => new Uint8Array(readFileSync(SHARED + 'tflite-micro/tflm-outputs/trained_lstm_int8.in0.bin')).subarray(2 * n, 3 * n) },
  { name: 'svdf', file: 'tflite-micro/keyword_scrambled_8bit.tflite', input: (n) => new Uint8Array(readFileSync(SHARED + 'tflite-micro/tflm-outputs/keyword_scrambled_8bit.in0.bin')).subarray(0, n) },
];

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const wanted = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));
const models = wanted.length ? MODELS.filter((m) => wanted.includes(m.name)) : MODELS;
if (wanted.length && models.length !== wanted.length) {
  console.error(`unknown model in ${wanted.join(', ')}; known: ${MODELS.map((m) => m.name).join(', ')}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'tinyml-bench-cortex-m-'));
const results: (BenchResult & { model: string; layerKinds: string[] })[] = [];
const table: string[][] = [['model', 'board', 'kernels', 'instr/inf', 'MACs/instr', 'flash B', 'RAM B', 'state B', 'valid', 'vs reference', 'instr vs TFLM', 'RAM vs TFLM']];
for (const m of models) {
  const modelFile = typeof m.file === 'string' ? SHARED + m.file : await m.file(work);
  for (const boardId of BOARDS) {
    const board = loadBoard(boardId);
    let refInstr = 0;
    for (const kernels of ['reference', 'cortex-m']) {
      // Each kernel set gets its own plan: in-place layers and scratch depend on the set.
      const dir = join(work, `${m.name}-${boardId}-${kernels}`);
      await convertModel(modelFile, { board: { ...board, kernels }, outDir: dir, runGraph, measureCode: false });
      const { graph } = await loadProjectGraph(dir);
      const inT = graph.tensors[graph.inputs[0]!]!;
      const inputBytes = inT.shape.reduce((a, b) => a * b, 1) * bytesPerElement(inT.dtype);
      const r = await benchProject(dir, { board, kernels, inferences: N, input: m.input(inputBytes), write: false });
      if (kernels === 'reference') refInstr = r.cyclesPerInference;
      results.push({ ...r, model: m.name, layerKinds: graph.ops.map((op) => op.kind) });
      const tflm = boardId === 'qemu-mps2-an386' ? TFLM_CMSIS_AN386[m.name] : undefined;
      table.push([
        m.name,
        boardId.replace('qemu-mps2-', ''),
        kernels,
        r.cyclesPerInference.toLocaleString('en-US'),
        r.macsPerCycle.toFixed(3),
        String(r.flashBytes),
        String(r.ramBytes),
        String(r.stateBytes),
        r.validated ? 'yes' : 'NO',
        (r.cyclesPerInference / refInstr).toFixed(3),
        tflm && kernels === 'cortex-m' ? (r.cyclesPerInference / tflm.instr).toFixed(3) : '',
        tflm && kernels === 'cortex-m' ? (r.ramBytes / tflm.ram).toFixed(3) : '',
      ]);
    }
  }
}

const print = (rows: string[][]) => {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
};
print(table);
console.log(`\n${N} timed inferences each (stateful models: ${N} steps of one stream after a reset); instructions are emulated (-icount shift=0), not silicon cycles.`);
console.log('vs TFLM: TFLite Micro 90b983c + CMSIS-NN 4ab83cc on an386 (issue 13; for resnet8 and mobilenet the real MLPerf Tiny models of the same shapes).');

// Each layer's share of the instructions, Cortex-M kernels, one column pair per board.
for (const m of models) {
  const runs = BOARDS.map((b) => results.find((r) => r.model === m.name && r.board === b && r.kernels === 'cortex-m')!);
  const kinds = runs[0]!.layerKinds;
  const head = ['#', 'layer', ...BOARDS.flatMap((b) => [`${b.replace('qemu-mps2-', '')} instr`, 'share'])];
  const rows: string[][] = [head];
  const sums = runs.map((r) => (r.perLayerCycles ?? []).reduce((a, l) => a + l.cycles, 0));
  kinds.forEach((kind, i) => {
    rows.push([
      String(i),
      kind,
      ...runs.flatMap((r, k) => {
        const c = r.perLayerCycles?.[i]?.cycles ?? 0;
        return [c.toLocaleString('en-US'), `${((100 * c) / (sums[k] || 1)).toFixed(1)}%`];
      }),
    ]);
  });
  console.log(`\n${m.name}: instructions per layer (cortex-m kernels, last inference)`);
  print(rows);
}

if (jsonFile) {
  writeFileSync(jsonFile + '.tmp', JSON.stringify(results, null, 2) + '\n');
  renameSync(jsonFile + '.tmp', jsonFile);
}
