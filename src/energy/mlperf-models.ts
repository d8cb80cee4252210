/** MLPerf Tiny reference-model MAC counts (data/mlperf-tiny-models.json). */
import { readFileSync } from 'node:fs';
import type { Figure } from './figure.js';
import { dataFile } from './paths.js';

export interface ReferenceModel {
  benchmark: string;
  name: string;
  macs: Figure & { source: string };
  inputBytes: Figure & { source: string };
}

export function referenceModels(file = dataFile('mlperf-tiny-models.json')): ReferenceModel[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { models: ReferenceModel[] }).models;
}

/** Which MLPerf Tiny benchmark a model is: same MAC count as a reference model, or its name says so. */
export function guessBenchmark(macs: number | undefined, name: string | undefined, refs = referenceModels()): string | undefined {
  const byMacs = refs.find((r) => r.macs.value === macs);
  if (byMacs) return byMacs.benchmark;
  const n = (name ?? '').toLowerCase();
  if (/kws|keyword/.test(n)) return 'kws';
  if (/\bad0?1\b|anomaly|autoencoder/.test(n)) return 'ad';
  if (/vww|visual.?wake/.test(n)) return 'vww';
  if (/\bic\b|resnet|cifar|image.?class/.test(n)) return 'ic';
  return undefined;
}
