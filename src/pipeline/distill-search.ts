/**
 * Budget search: which student fits the board, and which of those is worth training.
 *
 * Steps:
 *  1. Enumerate the candidate grid for the input shape (families × widths × depths).
 *  2. Cost each candidate exactly as the deployment will see it: build it, save it as a
 *     TF.js model, import it through the project's importer into the IR, then take params,
 *     MACs and int8 weight bytes from the IR cost model and the arena from the memory
 *     planner run on the int8 version of the graph (activations 1 byte per element). RAM
 *     needed = arena + the model's input and output buffers.
 *  3. Keep candidates within the budgets: weights ≤ flash × (1 − reserve), RAM needed ≤
 *     RAM × (1 − reserve), MACs ≤ --max-macs, estimated latency ≤ --max-latency-ms. A
 *     candidate that does not fit is never returned, whatever its accuracy.
 *  4. Pick at most `maxTrials` fitting candidates of at most `searchMaxMacs` MACs, spread
 *     evenly over MACs (always including the largest of each family), distill each briefly on
 *     a subset, and measure validation accuracy.
 *  5. The Pareto front: candidates no other one beats on both accuracy (higher) and MACs
 *     (lower). The chosen one is the most accurate on the front; a smaller one wins when it
 *     is within `tolerance` of it.
 *
 * Not promised: the globally best architecture (the grid is coarse and brief training is a
 * noisy proxy for final accuracy).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { GreedyBySizePlanner, bufferRequests } from '../plan/planner.js';
import { TinymlError } from '../errors.js';
import { importModel } from '../importers/index.js';
import { graphCost } from '../ops/cost.js';
import { tensorBytes, type Graph } from '../ir/graph.js';
import { saveTfjsModel } from '../distill/save.js';
import { buildStudent, candidateGrid, specName, type StudentSpec } from '../distill/students.js';
import type { Tf } from '../distill/tf.js';

export interface Budget {
  flashBytes: number;
  ramBytes: number;
  /** Fraction of flash and RAM kept free for the runtime code, stack and the application. */
  reserve: number;
  maxMacs?: number;
  /** Upper bound on parameters (e.g. 1/20 of the teacher's). */
  maxParams?: number;
  /** With `cyclesPerMac` and `clockHz`: latency = MACs × cyclesPerMac / clockHz. */
  maxLatencyMs?: number;
  cyclesPerMac?: number;
  clockHz?: number;
}

export interface CandidateCost {
  name: string;
  spec: StudentSpec;
  params: number;
  macs: number;
  weightBytesInt8: number;
  arenaBytes: number;
  ramBytes: number;
  latencyMs?: number;
  fits: boolean;
  /** Why it does not fit (empty when it fits). */
  reasons: string[];
}

/** Import a tfjs model into the IR through the project's own importer. */
export async function toIr(tf: Tf, model: TF.LayersModel): Promise<Graph> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyml-student-'));
  try {
    await saveTfjsModel(tf, model, join(dir, 'm'));
    return await importModel(join(dir, 'm', 'model.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Arena bytes of `g` once every activation is int8 (what convert will plan). */
export function int8ArenaBytes(g: Graph): number {
  const int8: Graph = { ...g, tensors: g.tensors.map((t) => (t.data ? t : { ...t, dtype: 'int8' as const })) };
  return new GreedyBySizePlanner().plan(bufferRequests(int8).requests).arenaBytes;
}

export function costCandidate(spec: StudentSpec, g: Graph, budget: Budget): CandidateCost {
  const c = graphCost(g).totals;
  const arenaBytes = int8ArenaBytes(g);
  const io = [...g.inputs, ...g.outputs].reduce((a, t) => a + tensorBytes({ ...g.tensors[t]!, dtype: 'int8' }), 0);
  const ramBytes = arenaBytes + io;
  const flashAvail = Math.floor(budget.flashBytes * (1 - budget.reserve));
  const ramAvail = Math.floor(budget.ramBytes * (1 - budget.reserve));
  const reasons: string[] = [];
  if (c.weightBytesInt8 > flashAvail) reasons.push(`weights ${c.weightBytesInt8} B > ${flashAvail} B of flash`);
  if (ramBytes > ramAvail) reasons.push(`arena + I/O ${ramBytes} B > ${ramAvail} B of RAM`);
  if (budget.maxMacs !== undefined && c.macs > budget.maxMacs) reasons.push(`${c.macs} MACs > --max-macs ${budget.maxMacs}`);
  if (budget.maxParams !== undefined && c.params > budget.maxParams) reasons.push(`${c.params} params > --max-params ${budget.maxParams}`);
  let latencyMs: number | undefined;
  if (budget.cyclesPerMac !== undefined && budget.clockHz) {
    latencyMs = (c.macs * budget.cyclesPerMac * 1000) / budget.clockHz;
    if (budget.maxLatencyMs !== undefined && latencyMs > budget.maxLatencyMs) reasons.push(`latency ${latencyMs.toFixed(2)} ms > --max-latency-ms ${budget.maxLatencyMs}`);
  }
  return {
    name: specName(spec),
    spec,
    params: c.params,
    macs: c.macs,
    weightBytesInt8: c.weightBytesInt8,
    arenaBytes,
    ramBytes,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    fits: reasons.length === 0,
    reasons,
  };
}

/** Cost every candidate of the grid against the budget. */
export async function costGrid(tf: Tf, sampleShape: number[], numClasses: number, budget: Budget, grid = candidateGrid(sampleShape)): Promise<CandidateCost[]> {
  if (budget.maxLatencyMs !== undefined && (budget.cyclesPerMac === undefined || !budget.clockHz)) {
    throw new TinymlError('usage', '--max-latency-ms needs --cycles-per-mac (measure it with `tinyml bench`) and a board clock');
  }
  const out: CandidateCost[] = [];
  for (const spec of grid) {
    const model = buildStudent(tf, spec, sampleShape, numClasses, 1);
    try {
      out.push(costCandidate(spec, await toIr(tf, model), budget));
    } finally {
      model.dispose();
    }
  }
  return out;
}

/**
 * Up to `max` fitting candidates spread evenly over MACs, with each family's largest.
 * Only candidates of at most `maxMacs` MACs are tried (training cost grows with MACs: on
 * this 2-core machine a 1 M-MAC convnet takes about half a minute per 8,000-sample epoch)
 * — unless none is that cheap.
 */
export function pickTrials(costs: CandidateCost[], max: number, maxMacs = Infinity): CandidateCost[] {
  const fitAll = costs.filter((c) => c.fits).sort((a, b) => a.macs - b.macs || a.name.localeCompare(b.name));
  const cheap = fitAll.filter((c) => c.macs <= maxMacs);
  const fit = cheap.length ? cheap : fitAll.slice(0, 1);
  if (fit.length <= max) return fit;
  const chosen = new Set<CandidateCost>();
  const families = [...new Set(fit.map((c) => c.spec.family))];
  for (const f of families) {
    const largest = fit.filter((c) => c.spec.family === f).at(-1);
    if (largest) chosen.add(largest);
  }
  for (let i = 0; chosen.size < max && i < max; i++) chosen.add(fit[Math.round((i * (fit.length - 1)) / Math.max(max - 1, 1))]!);
  return fit.filter((c) => chosen.has(c));
}

export interface Trial extends CandidateCost {
  valAccuracy: number;
}

/** Candidates not dominated on (accuracy ↑, MACs ↓), sorted by MACs. */
export function paretoFront<T extends { valAccuracy: number; macs: number }>(trials: T[]): T[] {
  return trials
    .filter((t) => !trials.some((o) => o !== t && o.valAccuracy >= t.valAccuracy && o.macs <= t.macs && (o.valAccuracy > t.valAccuracy || o.macs < t.macs)))
    .sort((a, b) => a.macs - b.macs);
}

/** The most accurate front member, or the cheapest one within `tolerance` of it. */
export function choose<T extends { valAccuracy: number; macs: number }>(front: T[], tolerance: number): T {
  if (front.length === 0) throw new TinymlError('does-not-fit', 'no student candidate fits the budget');
  const best = Math.max(...front.map((t) => t.valAccuracy));
  return front.find((t) => t.valAccuracy >= best - tolerance)!;
}
