import type { SplitOptions } from './split.js';

/** The split every distill run uses unless told otherwise: 80 / 10 / 10, seed 1. */
export const DEFAULT_SPLIT: SplitOptions = { seed: 1, valFraction: 0.1, testFraction: 0.1 };
