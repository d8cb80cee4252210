/**
 * Board lookup for the code generator: `--board <id>` reads boards/<id>.json; a path to a
 * .json file is read as is (test fixtures, private boards). Only the fields codegen needs are
 * checked here; full schema validation belongs to the boards loader.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import { packageRoot } from './paths.js';

export function loadBoardForCodegen(idOrPath: string): BoardProfile {
  const boardsDir = join(packageRoot(), 'boards');
  const file = idOrPath.endsWith('.json') ? idOrPath : join(boardsDir, `${idOrPath}.json`);
  if (!existsSync(file)) {
    const known = existsSync(boardsDir)
      ? readdirSync(boardsDir)
          .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
          .map((f) => f.slice(0, -5))
          .sort()
      : [];
    throw new TinymlError('usage', `unknown board '${idOrPath}'`, `Known boards: ${known.join(', ') || '(none)'}; or pass a path to a board .json file.`);
  }
  let b: BoardProfile;
  try {
    b = JSON.parse(readFileSync(file, 'utf8')) as BoardProfile;
  } catch (err) {
    throw new TinymlError('input', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const ok =
    typeof b.id === 'string' &&
    typeof b.template === 'string' &&
    typeof b.kernels === 'string' &&
    typeof b.memory?.flash?.length === 'number' &&
    typeof b.memory?.ram?.length === 'number';
  if (!ok) throw new TinymlError('input', `${file}: a board needs id, template, kernels and memory.flash/ram lengths`);
  return b;
}
