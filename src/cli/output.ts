import { Bar, Presets } from 'cli-progress';
import type { Logger, ProgressFn } from '../log.js';

/** A logger that prefixes lines by subsystem, e.g. `[FLASH] erasing…`. Info goes to stderr so stdout stays parseable. */
export function cliLogger(subsystem: string, opts: { quiet?: boolean; verbose?: boolean } = {}): Logger {
  const tag = `[${subsystem}]`;
  return {
    info: (m) => {
      if (!opts.quiet) process.stderr.write(`${tag} ${m}\n`);
    },
    warn: (m) => process.stderr.write(`${tag} warning: ${m}\n`),
    debug: (m) => {
      if (opts.verbose) process.stderr.write(`${tag} ${m}\n`);
    },
  };
}

/**
 * A progress bar on stderr, drawn only on a terminal (and never with --json), so scripts
 * and CI logs get no control characters. Returns the callback and a `stop()`.
 */
export function progressBar(label: string, enabled: boolean): { onProgress: ProgressFn; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  let bar: Bar | undefined;
  return {
    onProgress: (done, total, unit = '') => {
      if (!bar) {
        bar = new Bar(
          { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

/** Print a value as JSON on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
