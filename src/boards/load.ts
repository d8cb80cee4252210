/**
 * Board loading: `boards/<id>.json` validated against `boards/board.schema.json` (ajv), then
 * normalised (hex address strings become numbers). A file that does not validate is an error
 * naming the file and each offending field; a board naming a kernel set with no directory
 * under firmware-templates/kernels/ is an error too (never a silent fallback).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { TinymlError } from '../errors.js';
import type { BoardProfile } from './board.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BoardLoadOptions {
  /** Directory holding the board files and board.schema.json (default: <package>/boards). */
  boardsDir?: string;
  /** Directory holding kernel sets (default: <package>/firmware-templates/kernels). */
  kernelsDir?: string;
}

export const DEFAULT_BOARDS_DIR = path.join(ROOT, 'boards');
export const DEFAULT_KERNELS_DIR = path.join(ROOT, 'firmware-templates', 'kernels');
export const FIRMWARE_TEMPLATES_DIR = path.join(ROOT, 'firmware-templates');

const validators = new Map<string, ValidateFunction>();

function validatorFor(boardsDir: string): ValidateFunction {
  const cached = validators.get(boardsDir);
  if (cached) return cached;
  const schemaFile = path.join(boardsDir, 'board.schema.json');
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (e) {
    throw new TinymlError('input', `${schemaFile}: cannot read the board schema: ${(e as Error).message}`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  const v = ajv.compile(schema as object);
  validators.set(boardsDir, v);
  return v;
}

function describe(e: ErrorObject): string {
  const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  if (e.keyword === 'additionalProperties') return `${field}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${field === '(top level)' ? '' : field + ': '}missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'enum') return `${field}: ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
  return `${field}: ${e.message}`;
}

function toNumber(v: unknown): unknown {
  return typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : v;
}

/** Hex strings → numbers in the address-typed fields, so code sees plain numbers. */
function normalise(raw: Record<string, unknown>): BoardProfile {
  const b = structuredClone(raw) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  delete b.$schema;
  for (const r of ['flash', 'ram']) {
    b.memory[r].origin = toNumber(b.memory[r].origin);
    b.memory[r].length = toNumber(b.memory[r].length);
  }
  if (b.uart.base !== undefined) b.uart.base = toNumber(b.uart.base);
  if (b.uart.psel) b.uart.psel.baudrateReg = toNumber(b.uart.psel.baudrateReg);
  if (Array.isArray(b.uart.init)) {
    for (const op of b.uart.init) {
      op.addr = toNumber(op.addr);
      op.mask = toNumber(op.mask);
      op.value = toNumber(op.value);
    }
  }
  for (const step of Array.isArray(b.clockInit) ? b.clockInit : []) {
    for (const k of ['addr', 'mask', 'value']) if (step[k] !== undefined) step[k] = toNumber(step[k]);
  }
  return b as BoardProfile;
}

/** Parse and validate one board file; errors name the file and every bad field. */
export function loadBoardFile(file: string, opts: BoardLoadOptions = {}): BoardProfile {
  const boardsDir = opts.boardsDir ?? path.dirname(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TinymlError('input', `${file}: not readable JSON: ${(e as Error).message}`);
  }
  const validate = validatorFor(boardsDir);
  if (!validate(raw)) {
    // if/then/else adds a summary error that only repeats the specific ones
    const errs = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe);
    throw new TinymlError(
      'input',
      `${file}: not a valid board profile:\n${[...new Set(errs)].map((e) => `  - ${e}`).join('\n')}`,
      `The fields are described in ${path.join(boardsDir, 'board.schema.json')}.`,
    );
  }
  const board = normalise(raw as Record<string, unknown>);
  const expectedId = path.basename(file, '.json');
  if (board.id !== expectedId) {
    throw new TinymlError('input', `${file}: id: "${board.id}" does not match the file name (expected "${expectedId}")`);
  }
  const kernelsDir = opts.kernelsDir ?? DEFAULT_KERNELS_DIR;
  if (!existsSync(path.join(kernelsDir, board.kernels))) {
    const sets = existsSync(kernelsDir) ? readdirSync(kernelsDir).join(', ') : '(none)';
    throw new TinymlError('input', `${file}: kernels: kernel set "${board.kernels}" does not exist under ${kernelsDir}`, `Existing kernel sets: ${sets}.`);
  }
  return board;
}

/** Ids of all boards (file names in the boards directory, schema excluded), sorted. */
export function listBoardIds(opts: BoardLoadOptions = {}): string[] {
  const dir = opts.boardsDir ?? DEFAULT_BOARDS_DIR;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Load a board by id; an unknown id lists the known ones. */
export function loadBoard(id: string, opts: BoardLoadOptions = {}): BoardProfile {
  const dir = opts.boardsDir ?? DEFAULT_BOARDS_DIR;
  const file = path.join(dir, `${id}.json`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id) || !existsSync(file)) {
    throw new TinymlError('usage', `Unknown board "${id}"`, `Known boards: ${listBoardIds(opts).join(', ')} (run \`tinyml boards\`).`);
  }
  return loadBoardFile(file, { ...opts, boardsDir: dir });
}

/** Every board, validated. */
export function listBoards(opts: BoardLoadOptions = {}): BoardProfile[] {
  return listBoardIds(opts).map((id) => loadBoard(id, opts));
}

/**
 * `--board` as users give it: a board id (boards/<id>.json) or a path to a board .json file
 * (a private board or a test fixture), validated against the shipped schema either way.
 */
export function resolveBoard(idOrPath: string, opts: BoardLoadOptions = {}): BoardProfile {
  if (idOrPath.endsWith('.json')) {
    if (!existsSync(idOrPath)) throw new TinymlError('usage', `board file ${idOrPath} does not exist`, 'Pass a board id (run `tinyml boards`) or the path of a board .json file.');
    return loadBoardFile(idOrPath, { boardsDir: DEFAULT_BOARDS_DIR, ...opts });
  }
  return loadBoard(idOrPath, opts);
}
