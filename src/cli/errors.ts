import { DOCTOR_HINT } from '../errors.js';
import { EXIT_CODES, TinymlError } from '../errors.js';

/**
 * The CLI's last line of defence: known errors print message and hint and set the exit
 * code for their kind; unknown ones are bugs and print their stack (exit 70, EX_SOFTWARE).
 */
export function handleError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof TinymlError) {
    stderr.write(`error: ${err.message}\n`);
    if (err.hint) stderr.write(`hint: ${err.hint}\n`);
    // A missing or failing toolchain: say where the whole picture and the install commands are.
    if (err.code === 'toolchain' && !/tinyml doctor/.test(err.hint ?? '')) stderr.write(`hint: ${DOCTOR_HINT}\n`);
    return EXIT_CODES[err.code];
  }
  const e = err as { code?: string; message?: string; stack?: string };
  if (e && typeof e.code === 'string' && e.code.startsWith('commander.')) {
    // commander already printed its message
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : EXIT_CODES.usage;
  }
  stderr.write(`internal error (a bug in tinyml, please report it):\n${e?.stack ?? String(err)}\n`);
  return 70;
}
