/**
 * How library code talks to the user: through a Logger and progress callbacks it is
 * given, never through `console` directly. The CLI supplies implementations that
 * prefix lines by subsystem (`[FLASH]`, `[BENCH]`) and draw progress bars.
 */

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** `done` and `total` in the unit named by `unit` (bytes, samples, epochs, ...). */
export type ProgressFn = (done: number, total: number, unit?: string) => void;

export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
};
