/**
 * Errors a person can act on. Library code throws these; `src/cli/errors.ts` prints
 * message + hint (never a stack) and maps `code` to the process exit code.
 * Anything else that escapes is a bug and is printed with its stack.
 */

export type ErrorCode =
  | 'usage' // bad arguments
  | 'input' // a file or model we cannot read (corrupt, truncated, wrong format)
  | 'unsupported' // a valid model using layers/ops we cannot lower
  | 'does-not-fit' // model too big for the board
  | 'toolchain' // compiler/emulator missing or failed
  | 'device' // serial port, bootloader or firmware misbehaved
  | 'validation'; // device outputs differ from the reference

export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  input: 3,
  unsupported: 4,
  'does-not-fit': 5,
  toolchain: 6,
  device: 7,
  validation: 8,
};

export class TinymlError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'TinymlError';
    this.code = code;
    this.hint = hint;
  }
}

/** A file that is not what it claims: names the file and where it went wrong. */
export class ModelFormatError extends TinymlError {
  readonly file: string;
  readonly offset: number | undefined;
  constructor(file: string, what: string, offset?: number, hint?: string) {
    super('input', `${file}: ${what}${offset !== undefined ? ` (at byte offset ${offset})` : ''}`, hint);
    this.name = 'ModelFormatError';
    this.file = file;
    this.offset = offset;
  }
}

export interface UnsupportedLayer {
  name: string;
  type: string;
  /** Why it cannot run (an unknown op, a dtype, an option, a parameter). */
  reason?: string;
}

/** One error listing every layer/op that could not be lowered, plus the supported set. */
export class UnsupportedOpsError extends TinymlError {
  readonly layers: UnsupportedLayer[];
  readonly supported: readonly string[];
  constructor(file: string, layers: UnsupportedLayer[], supported: readonly string[]) {
    const list = layers.map((l) => `  - ${l.name} (${l.type})${l.reason ? `: ${l.reason}` : ''}`).join('\n');
    super(
      'unsupported',
      `${file}: ${layers.length} unsupported layer${layers.length === 1 ? '' : 's'}:\n${list}\nSupported: ${supported.join(', ')}`,
      'Replace these layers with supported ones, or fold them away before export.',
    );
    this.name = 'UnsupportedOpsError';
    this.layers = layers;
    this.supported = supported;
  }
}

/** What every "tool missing" error ends with: the command that lists tools and how to install them. */
export const DOCTOR_HINT = '`tinyml doctor` lists which tools are installed and the command that installs each missing one';
