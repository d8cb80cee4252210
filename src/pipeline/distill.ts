/**
 * The distillation pipeline: teacher → soft targets → budget search → student training →
 * int8 quantization (with quantization-aware fine-tuning when int8 loses too much) →
 * TF.js model, int8 .tflite and a report.
 *
 * Data flow:
 *  1. Load the dataset; its sample shape comes from the teacher's input when there is one.
 *  2. Seeded, stratified split (recorded: seed, fractions, index hashes, test indices).
 *  3. Teacher logits for every sample, once: from `--teacher-logits` (N × classes .npy, in
 *     dataset order) or by running the teacher through the float reference interpreter,
 *     cached on disk by (teacher bytes, dataset) hash. Probability outputs (softmax heads)
 *     become logits as log p, which softmax(·/T) treats exactly like logits.
 *  4. Normalisation (mean/std of the training split) is applied to student inputs and
 *     recorded with the model.
 *  5. Budget search (search.ts), then full KD training of the chosen student.
 *  6. Quantize with the project's quantizer (calibration = training samples, holdout = the
 *     test split); int8 test accuracy through the int8 reference interpreter. If the drop vs
 *     float exceeds `maxInt8Drop` points, fine-tune with fake-quantized weights and repeat.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { writeTflite } from '../codegen/tflite-writer.js';
import { TinymlError } from '../errors.js';
import { importModel } from '../importers/index.js';
import { nhwcBody } from '../ir/boundary-layout.js';
import { parseNpy, writeNpy } from '../io/npy.js';
import { graphCost } from '../ops/cost.js';
import { elementCount, type Graph } from '../ir/graph.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { quantizeInput } from '../quantize/fidelity.js';
import { quantizeModel, type QuantReport } from '../quantize/quantize.js';
import { runGraph } from '../reference/interpreter.js';
import { loadDataset, sampleSize, type Dataset } from '../distill/dataset.js';
import { DEFAULT_SPLIT } from '../distill/defaults.js';
import { saveTfjsModel } from '../distill/save.js';
import { choose, costCandidate, costGrid, int8ArenaBytes, paretoFront, pickTrials, toIr, type Budget, type CandidateCost, type Trial } from './distill-search.js';
import { computeNormalization, gather, normalize, splitDataset, type Normalization, type Split } from '../distill/split.js';
import { buildStudent, specName, type StudentSpec } from '../distill/students.js';
import { loadTf, type Tf } from '../distill/tf.js';
import { runGraphTf, tfGraphSupport } from '../distill/tf-graph.js';
import { accuracy, trainStudent, type TrainData, type TrainResult } from '../distill/train.js';

export interface DistillOptions {
  teacher?: string;
  teacherLogits?: string;
  data: string;
  outDir: string;
  budget: Budget;
  boardId?: string;
  alpha: number;
  temperature: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  seed: number;
  maxInt8Drop: number;
  /** Budget search: how many candidates to try, and how briefly. */
  maxTrials: number;
  searchEpochs: number;
  searchSamples: number;
  /** Budget search: only candidates of at most this many MACs are trained briefly. */
  searchMaxMacs: number;
  /** Accuracy (fraction) a smaller front member may give up against the best. */
  tolerance: number;
  /** Also train the same student on hard labels only (same epochs and seed) for comparison. */
  compareHardLabels: boolean;
  /** Force a student instead of searching (e.g. "mlp-w64-d1"). */
  student?: string;
  cacheDir?: string;
  /** Use only the first N samples of the dataset (quick runs and tests). */
  limit?: number;
  logger?: Logger;
  onProgress?: (stage: string) => ProgressFn;
}

export interface ModelSummary {
  params: number;
  macs: number;
  weightBytesInt8: number;
  arenaBytesInt8: number;
  floatTestAccuracy: number;
  int8TestAccuracy?: number;
}

export interface DistillReport {
  dataset: { name: string; samples: number; sampleShape: number[]; classes: string[] };
  split: { seed: number; valFraction: number; testFraction: number; train: number; val: number; test: number; hashes: Split['hashes'] };
  normalization: Normalization;
  teacher: { source: string; params?: number; macs?: number; testAccuracy: number; logits: 'computed' | 'cached' | 'file' };
  budget: Budget & { board?: string };
  settings: { alpha: number; temperature: number; epochs: number; batchSize: number; learningRate: number; seed: number; maxInt8Drop: number };
  search: { candidates: CandidateCost[]; trials: Trial[]; pareto: string[]; chosen: string; searchEpochs: number; searchSamples: number; searchMaxMacs: number };
  student: ModelSummary & { name: string; spec: StudentSpec; training: TrainResult; qat?: { rounds: number; int8AccuracyBefore: number } };
  hardLabelBaseline?: { floatTestAccuracy: number; int8TestAccuracy: number; training: TrainResult; seconds: number };
  ratios: { paramsTeacherOverStudent?: number; accuracyGapPoints?: number };
  quantization: Pick<QuantReport, 'inputs' | 'outputs' | 'observer'>;
  files: { tfjs: string; tflite: string; report: string; markdown: string; split: string };
  /** Wall time of the distillation itself (the optional hard-label baseline not included). */
  seconds: number;
}

function parseStudent(s: string): StudentSpec {
  const m = /^(mlp|cnn|dscnn|conv1d)-w(\d+)-d(\d+)$/.exec(s);
  if (!m) throw new TinymlError('usage', `--student '${s}' is not of the form <family>-w<width>-d<depth>`, 'e.g. mlp-w64-d1, cnn-w8-d2, dscnn-w16-d2');
  return { family: m[1] as StudentSpec['family'], width: Number(m[2]), depth: Number(m[3]) };
}

function argmaxRows(v: Float32Array, k: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (v[i * k + j]! > v[i * k + b]!) b = j;
    out[i] = b;
  }
  return out;
}

function accuracyOf(pred: Int32Array, y: Int32Array, idx: Int32Array): number {
  let c = 0;
  for (const i of idx) if (pred[i] === y[i]) c++;
  return idx.length ? c / idx.length : 0;
}

/** Teacher outputs for every sample of the dataset, as logits (N × classes). */
async function teacherLogits(ds: Dataset, opts: DistillOptions, teacher: Graph | undefined, log: Logger): Promise<{ logits: Float32Array; how: 'computed' | 'cached' | 'file' }> {
  const n = ds.y.length;
  if (opts.teacherLogits) {
    const arr = parseNpy(new Uint8Array(await readFile(opts.teacherLogits)), opts.teacherLogits);
    if (arr.shape[0] !== n) throw new TinymlError('input', `${opts.teacherLogits}: ${arr.shape[0]} rows of logits, the dataset has ${n} samples`, 'Rows must be in dataset order (see the report for the order).');
    return { logits: Float32Array.from(arr.data as ArrayLike<number>), how: 'file' };
  }
  if (!teacher || !opts.teacher) throw new TinymlError('usage', 'a teacher model or --teacher-logits is needed');
  const teacherBytes = await readFile(opts.teacher);
  const key = createHash('sha256').update(teacherBytes).update(ds.name).update(new Uint8Array(ds.x.buffer, ds.x.byteOffset, ds.x.byteLength)).digest('hex').slice(0, 24);
  const cacheFile = join(opts.cacheDir ?? join(homedir(), '.cache', 'tinyml'), 'teacher-logits', `${key}.npy`);
  try {
    const arr = parseNpy(new Uint8Array(await readFile(cacheFile)), cacheFile);
    if (arr.shape[0] === n) {
      log.info(`teacher logits from cache ${cacheFile}`);
      return { logits: Float32Array.from(arr.data as ArrayLike<number>), how: 'cached' };
    }
  } catch {
    // not cached yet
  }
  const per = sampleSize(ds);
  const progress = opts.onProgress?.('teacher') ?? (() => {});
  const outT = teacher.tensors[teacher.outputs[0]!]!;
  const k = elementCount(outT.shape);
  const lastOp = teacher.ops.find((o) => o.outputs.includes(teacher.outputs[0]!));
  const probs = lastOp?.kind === 'Softmax';
  const logits = new Float32Array(n * k);
  const toLogits = (out: ArrayLike<number>, at: number) => {
    for (let j = 0; j < out.length; j++) logits[at + j] = probs ? Math.log(Math.max(out[j]!, 1e-12)) : out[j]!;
  };
  const why = tfGraphSupport(teacher);
  if (why === undefined) {
    // Batched through tfjs: seconds instead of minutes for a convolutional teacher.
    const { tf } = await loadTf();
    toLogits(runGraphTf(tf, teacher, ds.x, n, { onProgress: (d, t) => progress(d, t, 'samples') }), 0);
  } else {
    log.info(`teacher outputs through the reference interpreter (${why})`);
    for (let i = 0; i < n; i++) {
      toLogits(runGraph(teacher, [ds.x.slice(i * per, (i + 1) * per)])[0] as Float32Array, i * k);
      if (i % 100 === 99 || i === n - 1) progress(i + 1, n, 'samples');
    }
  }
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(`${cacheFile}.tmp`, writeNpy({ dtype: 'float32', shape: [n, k], data: logits }));
  await rename(`${cacheFile}.tmp`, cacheFile);
  return { logits, how: 'computed' };
}

/** int8 test accuracy of a quantized graph through the reference interpreter. */
function int8Accuracy(g: Graph, x: Float32Array, y: Int32Array, idx: Int32Array, per: number): number {
  const inT = g.tensors[g.inputs[0]!]!;
  let correct = 0;
  for (const i of idx) {
    const out = runGraph(g, [quantizeInput(x.subarray(i * per, (i + 1) * per), inT)])[0]!;
    let b = 0;
    for (let j = 1; j < out.length; j++) if (out[j]! > out[b]!) b = j;
    if (b === y[i]) correct++;
  }
  return idx.length ? correct / idx.length : 0;
}

async function quantizeStudent(tf: Tf, model: TF.LayersModel, xn: Float32Array, per: number, split: Split, calib: number): Promise<{ graph: Graph; report: QuantReport; floatGraph: Graph }> {
  const floatGraph = await toIr(tf, model);
  const samples = Array.from(split.train.subarray(0, calib), (i) => xn.slice(i * per, (i + 1) * per));
  const { graph, report } = quantizeModel(floatGraph, { run: runGraph, calibration: { samples, files: [], source: 'file' }, classifier: true });
  return { graph, report, floatGraph };
}

export async function distill(opts: DistillOptions): Promise<DistillReport> {
  const t0 = Date.now();
  const log = opts.logger ?? silentLogger;
  const { tf } = await loadTf();
  // The dataset and the students are NHWC: an NCHW (ONNX) teacher runs on its NHWC body.
  const teacher = opts.teacher ? nhwcBody(await importModel(opts.teacher)) : undefined;
  const teacherShape = teacher ? teacher.tensors[teacher.inputs[0]!]!.shape.slice(1) : undefined;
  let ds = await loadDataset(opts.data, teacherShape);
  if (opts.limit && opts.limit < ds.y.length) {
    const per0 = sampleSize(ds);
    ds = { ...ds, x: ds.x.slice(0, opts.limit * per0), y: ds.y.slice(0, opts.limit) };
  }
  const per = sampleSize(ds);
  const k = ds.classNames.length;
  log.info(`dataset ${ds.name}: ${ds.y.length} samples of [${ds.sampleShape}], ${k} classes`);
  const split = splitDataset(ds.y, { ...DEFAULT_SPLIT, seed: opts.seed });
  const tl = await teacherLogits(ds, opts, teacher, log);
  const kT = tl.logits.length / ds.y.length;
  if (kT !== k) throw new TinymlError('input', `the teacher gives ${kT} outputs per sample but the dataset has ${k} classes`);
  const teacherPred = argmaxRows(tl.logits, k, ds.y.length);
  const teacherAcc = accuracyOf(teacherPred, ds.y, split.test);
  log.info(`teacher test accuracy ${(teacherAcc * 100).toFixed(2)}% (logits ${tl.how})`);

  const norm = computeNormalization(ds.x, per, split.train);
  const xn = normalize(ds.x, norm);
  const labels = (idx: Int32Array) => Int32Array.from(idx, (i) => ds.y[i]!);
  const trainData = (idx: Int32Array, withTeacher: boolean): TrainData => ({
    x: gather(xn, per, idx),
    y: labels(idx),
    ...(withTeacher ? { teacher: gather(tl.logits, k, idx) } : {}),
    sampleShape: ds.sampleShape,
    numClasses: k,
  });
  const val = { x: gather(xn, per, split.val), y: labels(split.val) };
  const test = { x: gather(xn, per, split.test), y: labels(split.test) };
  const settings = { alpha: opts.alpha, temperature: opts.temperature, epochs: opts.epochs, batchSize: opts.batchSize, learningRate: opts.learningRate, seed: opts.seed };

  // Budget search
  let candidates: CandidateCost[];
  let trials: Trial[] = [];
  let chosen: CandidateCost;
  if (opts.student) {
    const spec = parseStudent(opts.student);
    const m = buildStudent(tf, spec, ds.sampleShape, k, opts.seed);
    chosen = costCandidate(spec, await toIr(tf, m), opts.budget);
    m.dispose();
    if (!chosen.fits) throw new TinymlError('does-not-fit', `student ${chosen.name} does not fit: ${chosen.reasons.join('; ')}`);
    candidates = [chosen];
  } else {
    candidates = await costGrid(tf, ds.sampleShape, k, opts.budget);
    const fit = candidates.filter((c) => c.fits);
    log.info(`budget search: ${fit.length} of ${candidates.length} candidates fit`);
    if (fit.length === 0) {
      const smallest = [...candidates].sort((a, b) => a.weightBytesInt8 - b.weightBytesInt8)[0];
      throw new TinymlError('does-not-fit', `no student candidate fits the budget (smallest: ${smallest?.name}: ${smallest?.reasons.join('; ')})`, 'Raise the budget (--flash/--ram) or lower --reserve.');
    }
    const sub = split.train.subarray(0, Math.min(opts.searchSamples, split.train.length));
    const briefTrain = trainData(sub, true);
    for (const c of pickTrials(candidates, opts.maxTrials, opts.searchMaxMacs)) {
      const m = buildStudent(tf, c.spec, ds.sampleShape, k, opts.seed);
      const r = await trainStudent(tf, m, briefTrain, val, { ...settings, epochs: opts.searchEpochs, patience: opts.searchEpochs, onBatch: opts.onProgress?.(`search ${c.name}`) });
      m.dispose();
      trials.push({ ...c, valAccuracy: r.bestValAccuracy });
      log.info(`  ${c.name}: ${c.params} params, ${c.macs} MACs, val ${(r.bestValAccuracy * 100).toFixed(2)}%`);
    }
    chosen = choose(paretoFront(trials), opts.tolerance);
  }
  const front = trials.length ? paretoFront(trials).map((t) => t.name) : [chosen.name];
  log.info(`chosen student: ${chosen.name}`);

  // Full training
  const onEpoch = (e: number, n: number, m: { loss: number; valAccuracy: number; seconds: number }) =>
    log.info(`epoch ${e}/${n}: loss ${m.loss.toFixed(4)}, val ${(m.valAccuracy * 100).toFixed(2)}%, ${m.seconds.toFixed(1)} s/epoch, ETA ${Math.round((n - e) * m.seconds)} s`);
  const student = buildStudent(tf, chosen.spec, ds.sampleShape, k, opts.seed);
  const training = await trainStudent(tf, student, trainData(split.train, true), val, { ...settings, patience: opts.patience, onEpoch, onBatch: opts.onProgress?.('train') });
  const floatAcc = accuracy(tf, student, test.x, test.y, ds.sampleShape);
  log.info(`student float test accuracy ${(floatAcc * 100).toFixed(2)}%`);

  // Quantize; fine-tune with fake-quant weights while int8 loses too much
  const calib = Math.min(500, split.train.length);
  let q = await quantizeStudent(tf, student, xn, per, split, calib);
  let int8Acc = int8Accuracy(q.graph, xn, ds.y, split.test, per);
  log.info(`student int8 test accuracy ${(int8Acc * 100).toFixed(2)}%`);
  let qat: { rounds: number; int8AccuracyBefore: number } | undefined;
  for (let round = 1; (floatAcc - int8Acc) * 100 > opts.maxInt8Drop && round <= 3; round++) {
    qat ??= { rounds: 0, int8AccuracyBefore: int8Acc };
    qat.rounds = round;
    log.info(`int8 drop ${((floatAcc - int8Acc) * 100).toFixed(2)} points > ${opts.maxInt8Drop}: quantization-aware fine-tuning, round ${round}`);
    await trainStudent(tf, student, trainData(split.train, true), val, { ...settings, epochs: 2, patience: 2, learningRate: opts.learningRate / 10, fakeQuantWeights: true, onEpoch });
    q = await quantizeStudent(tf, student, xn, per, split, calib);
    int8Acc = int8Accuracy(q.graph, xn, ds.y, split.test, per);
    log.info(`student int8 test accuracy ${(int8Acc * 100).toFixed(2)}%`);
  }

  let hardLabelBaseline: DistillReport['hardLabelBaseline'];
  const tBaseline = Date.now();
  if (opts.compareHardLabels) {
    log.info('baseline: the same student on hard labels only (same epochs, seed)');
    const base = buildStudent(tf, chosen.spec, ds.sampleShape, k, opts.seed);
    const bt = await trainStudent(tf, base, trainData(split.train, false), val, { ...settings, alpha: 0, patience: opts.patience, onEpoch });
    const bq = await quantizeStudent(tf, base, xn, per, split, calib);
    hardLabelBaseline = { floatTestAccuracy: accuracy(tf, base, test.x, test.y, ds.sampleShape), int8TestAccuracy: int8Accuracy(bq.graph, xn, ds.y, split.test, per), training: bt, seconds: (Date.now() - tBaseline) / 1000 };
    base.dispose();
  }

  // Outputs (each written to a temp name, then renamed)
  await mkdir(opts.outDir, { recursive: true });
  const files = {
    tfjs: join(opts.outDir, 'student'),
    tflite: join(opts.outDir, 'student.int8.tflite'),
    report: join(opts.outDir, 'distill-report.json'),
    markdown: join(opts.outDir, 'distill-report.md'),
    split: join(opts.outDir, 'split.json'),
  };
  await saveTfjsModel(tf, student, files.tfjs);
  await writeAtomic(files.tflite, writeTflite(q.graph));
  await writeAtomic(join(files.tfjs, 'normalization.json'), JSON.stringify({ ...norm, formula: 'x_model = (x_raw - mean) / std' }, null, 2) + '\n');
  await writeAtomic(files.split, JSON.stringify({ ...DEFAULT_SPLIT, seed: opts.seed, hashes: split.hashes, train: [...split.train], val: [...split.val], test: [...split.test] }) + '\n');
  const sc = graphCost(q.floatGraph).totals;
  const tc = teacher ? graphCost(teacher).totals : undefined;
  const report: DistillReport = {
    dataset: { name: ds.name, samples: ds.y.length, sampleShape: ds.sampleShape, classes: ds.classNames },
    split: { seed: opts.seed, valFraction: DEFAULT_SPLIT.valFraction, testFraction: DEFAULT_SPLIT.testFraction, train: split.train.length, val: split.val.length, test: split.test.length, hashes: split.hashes },
    normalization: norm,
    teacher: { source: opts.teacher ?? opts.teacherLogits ?? '', ...(tc ? { params: tc.params, macs: tc.macs } : {}), testAccuracy: teacherAcc, logits: tl.how },
    budget: { ...opts.budget, ...(opts.boardId ? { board: opts.boardId } : {}) },
    settings: { ...settings, maxInt8Drop: opts.maxInt8Drop },
    search: { candidates, trials, pareto: front, chosen: chosen.name, searchEpochs: opts.searchEpochs, searchSamples: opts.searchSamples, searchMaxMacs: opts.searchMaxMacs },
    student: {
      name: chosen.name,
      spec: chosen.spec,
      params: sc.params,
      macs: sc.macs,
      weightBytesInt8: sc.weightBytesInt8,
      arenaBytesInt8: int8ArenaBytes(q.floatGraph),
      floatTestAccuracy: floatAcc,
      int8TestAccuracy: int8Acc,
      training,
      ...(qat ? { qat } : {}),
    },
    ...(hardLabelBaseline ? { hardLabelBaseline } : {}),
    ratios: {
      ...(tc ? { paramsTeacherOverStudent: tc.params / sc.params } : {}),
      accuracyGapPoints: (teacherAcc - int8Acc) * 100,
    },
    quantization: { inputs: q.report.inputs, outputs: q.report.outputs, observer: q.report.observer },
    files,
    seconds: (Date.now() - t0 - (hardLabelBaseline?.seconds ?? 0) * 1000) / 1000,
  };
  await writeAtomic(files.report, JSON.stringify(report, null, 2) + '\n');
  await writeAtomic(files.markdown, renderDistillMarkdown(report));
  student.dispose();
  return report;
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);

export function renderDistillMarkdown(r: DistillReport): string {
  const lines = [
    `# Distillation report`,
    '',
    `Dataset: ${r.dataset.name} — ${r.dataset.samples} samples of [${r.dataset.sampleShape}], ${r.dataset.classes.length} classes; split seed ${r.split.seed}: ${r.split.train} train / ${r.split.val} validation / ${r.split.test} test (test hash ${r.split.hashes.test}).`,
    `Budget: flash ${r.budget.flashBytes} B, RAM ${r.budget.ramBytes} B, ${Math.round(r.budget.reserve * 100)}% kept in reserve${r.budget.board ? ` (board ${r.budget.board})` : ''}.`,
    '',
    '| | teacher | student (float) | student (int8) |',
    '| --- | --- | --- | --- |',
    `| params | ${r.teacher.params ?? '—'} | ${r.student.params} | ${r.student.params} |`,
    `| MACs | ${r.teacher.macs ?? '—'} | ${r.student.macs} | ${r.student.macs} |`,
    `| flash (int8 weights) | ${r.teacher.params !== undefined ? '—' : '—'} | — | ${r.student.weightBytesInt8} B |`,
    `| RAM (int8 arena) | — | — | ${r.student.arenaBytesInt8} B |`,
    `| test accuracy | ${pct(r.teacher.testAccuracy)} | ${pct(r.student.floatTestAccuracy)} | ${pct(r.student.int8TestAccuracy)} |`,
    '',
    `Student: ${r.student.name}; ${r.ratios.paramsTeacherOverStudent ? `${r.ratios.paramsTeacherOverStudent.toFixed(1)}× fewer parameters than the teacher; ` : ''}int8 accuracy ${r.ratios.accuracyGapPoints?.toFixed(2)} points below the teacher.`,
    r.student.qat ? `Quantization-aware fine-tuning: ${r.student.qat.rounds} round(s), int8 accuracy ${pct(r.student.qat.int8AccuracyBefore)} → ${pct(r.student.int8TestAccuracy)}.` : '',
    r.hardLabelBaseline
      ? `Hard labels only (same student, epochs, seed): float ${pct(r.hardLabelBaseline.floatTestAccuracy)}, int8 ${pct(r.hardLabelBaseline.int8TestAccuracy)} — distillation: float ${pct(r.student.floatTestAccuracy)}, int8 ${pct(r.student.int8TestAccuracy)}.`
      : '',
    '',
    `## Budget search (${r.search.trials.length} trials of ${r.search.searchEpochs} epoch(s) on ${r.search.searchSamples} samples)`,
    '',
    '| candidate | params | MACs | int8 weights | RAM | fits | val accuracy | Pareto |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.search.candidates.map((c) => {
      const t = r.search.trials.find((x) => x.name === c.name);
      return `| ${c.name}${c.name === r.search.chosen ? ' **(chosen)**' : ''} | ${c.params} | ${c.macs} | ${c.weightBytesInt8} | ${c.ramBytes} | ${c.fits ? 'yes' : `no: ${c.reasons.join('; ')}`} | ${t ? pct(t.valAccuracy) : ''} | ${r.search.pareto.includes(c.name) ? '★' : ''} |`;
    }),
    '',
    `Input normalisation: x = (raw − ${r.normalization.mean.toPrecision(6)}) / ${r.normalization.std.toPrecision(6)}; int8 input: q = round(x / ${r.quantization.inputs[0]?.scale}) + ${r.quantization.inputs[0]?.zeroPoint}.`,
    `Time: ${r.seconds.toFixed(0)} s.`,
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

export { specName };
