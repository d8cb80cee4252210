/**
 * Distillation figures for the MNIST demo (issue acceptance numbers):
 *  1. the 1.03 M-parameter CNN teacher (scripts/train-mnist-teacher.ts) distilled for
 *     arduino-nano-33-ble-sense (1 MB flash / 256 KB RAM) with at most 1/20 of its parameters;
 *  2. the same teacher for a tiny budget (32 KB flash, 8 KB RAM);
 *  3. for both, the same student trained on hard labels only (same epochs and seed).
 * Prints accuracies, sizes, ratios and the wall time of each run.
 *
 *   npx tsx scripts/train-mnist-teacher.ts .cache/mnist-teacher   # once
 *   npx tsx bench/distill-mnist.ts [.cache/mnist-teacher/model.json]
 */
import '../src/importers/index.js';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distill, type DistillOptions } from '../src/pipeline/distill.js';
import { importModel } from '../src/importers/index.js';
import { graphCost } from '../src/ops/cost.js';
import { resolveBoard } from '../src/boards/load.js';
import { cliLogger } from '../src/cli/output.js';

const teacher = process.argv[2] ?? '.cache/mnist-teacher/model.json';
if (!existsSync(teacher)) {
  console.error(`no teacher at ${teacher}: run npx tsx scripts/train-mnist-teacher.ts .cache/mnist-teacher first`);
  process.exit(1);
}
const teacherParams = graphCost(await importModel(teacher)).totals.params;
const nano = resolveBoard('arduino-nano-33-ble-sense');
const common: Omit<DistillOptions, 'outDir' | 'budget'> = {
  teacher,
  data: 'mnist',
  alpha: 0.9,
  temperature: 4,
  epochs: 25,
  batchSize: 64,
  learningRate: 0.002,
  patience: 6,
  seed: 1,
  maxInt8Drop: 1,
  maxTrials: 6,
  searchEpochs: 2,
  searchSamples: 8000,
  searchMaxMacs: 400_000,
  tolerance: 0.005,
  compareHardLabels: true,
  logger: cliLogger('DISTILL'),
  // A fresh cache: the first run's wall time includes computing the teacher's logits.
  cacheDir: mkdtempSync(join(tmpdir(), 'tinyml-bench-cache-')),
};
const runs = [
  { name: `${nano.id} (${nano.memory.flash.length} B flash, ${nano.memory.ram.length} B RAM), ≤ 1/20 of the teacher's parameters`, outDir: 'out/distill-nano33', budget: { flashBytes: nano.memory.flash.length, ramBytes: nano.memory.ram.length, reserve: 0.1, maxParams: Math.floor(teacherParams / 20) } },
  { name: 'tiny budget (32 KB flash, 8 KB RAM)', outDir: 'out/distill-tiny', budget: { flashBytes: 32 * 1024, ramBytes: 8 * 1024, reserve: 0.1 } },
];
const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
for (const r of runs) {
  const t0 = Date.now();
  const rep = await distill({ ...common, outDir: r.outDir, budget: r.budget });
  const s = (Date.now() - t0) / 1000;
  console.log(`\n== ${r.name}`);
  console.log(`teacher      ${rep.teacher.params} params, ${rep.teacher.macs} MACs, test ${pct(rep.teacher.testAccuracy)}`);
  console.log(`student      ${rep.student.name}: ${rep.student.params} params (1/${rep.ratios.paramsTeacherOverStudent?.toFixed(1)}), ${rep.student.macs} MACs, ${rep.student.weightBytesInt8} B weights, ${rep.student.arenaBytesInt8} B arena`);
  console.log(`accuracy     float ${pct(rep.student.floatTestAccuracy)}, int8 ${pct(rep.student.int8TestAccuracy)} (gap to teacher ${rep.ratios.accuracyGapPoints?.toFixed(2)} points)${rep.student.qat ? `, QAT ${rep.student.qat.rounds} round(s)` : ''}`);
  console.log(`hard labels  float ${pct(rep.hardLabelBaseline?.floatTestAccuracy)}, int8 ${pct(rep.hardLabelBaseline?.int8TestAccuracy)}`);
  console.log(`search       ${rep.search.trials.length} trials: ${rep.search.trials.map((t) => `${t.name} ${pct(t.valAccuracy)}`).join(', ')}; Pareto: ${rep.search.pareto.join(', ')}`);
  console.log(`wall time    distill ${rep.seconds.toFixed(0)} s; with the hard-label baseline ${s.toFixed(0)} s`);
}
